"""Lesson 2: backward() on a vector output needs a vector v; three ways to give one."""

from dataclasses import dataclass

import torch
from torch import Tensor
from torch.autograd.functional import jacobian

from lessons.functions import ELEMENTWISE_FUNCTIONS, expression_source
from lessons.parsing import parse_vector
from lessons.program import Program, ProgramWriter, leaf, leaf_literal, runtime_error

# Each way out of the error, as the statement that computes the gradient.
WAYS_OUT = (
    "y.sum().backward(retain_graph=True)",
    "y.backward(torch.ones_like(y), retain_graph=True)",
    "torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y), retain_graph=True)[0]",
)


@dataclass(frozen=True)
class WayOut:
    statement: str
    grad: Tensor


@dataclass(frozen=True)
class NonScalarLesson:
    x: Tensor
    y: Tensor
    jacobian: Tensor  # m x n, rows y_i, columns x_j
    expected_jacobian: Tensor  # derived by hand
    jacobian_max_abs_diff: float  # between the two
    scalar_error: str | None  # what torch says to y.backward(); None for a one-entry y
    wrong_shape: int  # the length of the deliberately wrong v
    wrong_shape_error: str | None  # what torch says to y.backward(v) with that v
    ways_out: tuple[WayOut, ...]
    ways_max_abs_diff: float  # how far the three ways' gradients are apart
    expression: str
    latex: str
    jacobian_latex: str
    program: Program


def nonscalar_lesson(x_text: str, function_name: str, language: str = "en") -> NonScalarLesson:
    function = ELEMENTWISE_FUNCTIONS[function_name]
    values = parse_vector(x_text)
    expression = expression_source(function.compute)
    wrong_shape = len(values) + 1

    x = leaf(values)
    y = function.compute(x)
    writer = ProgramWriter(language)
    writer.code(f"x = {leaf_literal(values)}", f"y = {expression}")
    writer.show("y =", "y", y)
    writer.blank()
    writer.comment("nonscalar_error")
    scalar_error = runtime_error(y.backward)
    writer.show_error("y.backward()", scalar_error)
    writer.comment("wrong_shape", length=wrong_shape)
    wrong_shape_error = runtime_error(lambda: y.backward(torch.ones(wrong_shape)))
    writer.show_error(f"y.backward(torch.ones({wrong_shape}))", wrong_shape_error)

    # A one-entry y is accepted like a scalar, and that backward() frees the graph:
    # each way out therefore starts from a freshly built y.
    writer.blank()
    writer.comment("ways_out")
    y = function.compute(x)
    writer.code(f"y = {expression}")
    ways_out = (
        _sum_then_backward(x, y, writer),
        _backward_with_ones(x, y, writer),
        _autograd_grad(x, y, writer),
    )
    J = jacobian(function.compute, x.detach())
    expected_jacobian = function.jacobian(x.detach())
    grads = torch.stack([way.grad for way in ways_out])
    return NonScalarLesson(
        x=x.detach(),
        y=y.detach(),
        jacobian=J,
        expected_jacobian=expected_jacobian,
        jacobian_max_abs_diff=(J - expected_jacobian).abs().max().item(),
        scalar_error=scalar_error,
        wrong_shape=wrong_shape,
        wrong_shape_error=wrong_shape_error,
        ways_out=ways_out,
        ways_max_abs_diff=(grads - grads[0]).abs().max().item(),
        expression=expression,
        latex=function.latex,
        jacobian_latex=function.jacobian_latex,
        program=writer.finish(),
    )


# The first two ways write into x.grad, so each starts from x.grad = None; the graph is
# kept (retain_graph=True) because all three go back through the same y.


def _sum_then_backward(x: Tensor, y: Tensor, writer: ProgramWriter) -> WayOut:
    x.grad = None
    y.sum().backward(retain_graph=True)
    writer.code("x.grad = None", WAYS_OUT[0])
    writer.show("1. x.grad =", "x.grad", x.grad)
    return WayOut(WAYS_OUT[0], x.grad)


def _backward_with_ones(x: Tensor, y: Tensor, writer: ProgramWriter) -> WayOut:
    x.grad = None
    y.backward(torch.ones_like(y), retain_graph=True)
    writer.code("x.grad = None", WAYS_OUT[1])
    writer.show("2. x.grad =", "x.grad", x.grad)
    return WayOut(WAYS_OUT[1], x.grad)


def _autograd_grad(x: Tensor, y: Tensor, writer: ProgramWriter) -> WayOut:
    grad = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y), retain_graph=True)[0]
    writer.code(f"grad = {WAYS_OUT[2]}")
    writer.show("3. grad =", "grad", grad)
    return WayOut(WAYS_OUT[2], grad)
