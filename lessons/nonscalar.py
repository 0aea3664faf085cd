"""Lesson 2: backward() on a vector output needs a vector v; three ways to give one."""

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.autograd.functional import jacobian

from lessons.demonstrations import Demonstration
from lessons.functions import NONSCALAR_FUNCTIONS, expression_source
from lessons.parsing import parse_vector
from lessons.program import Program, ProgramWriter, leaf, leaf_literal, runtime_error

# Each way out of the error, as the plain call a learner would write.
WAYS_OUT = (
    "y.sum().backward()",
    "y.backward(torch.ones_like(y))",
    "torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y))[0]",
)
# The same calls, run: backward() returns None, torch.autograd.grad returns the gradient.
_CALLS: tuple[Callable[[Tensor, Tensor], Tensor | None], ...] = (
    lambda x, y: y.sum().backward(),
    lambda x, y: y.backward(torch.ones_like(y)),
    lambda x, y: torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y))[0],
)
# All of J, for when the full Jacobian is what the learner wanted: `f` is the function.
JACOBIAN_CALLS = ("torch.autograd.functional.jacobian(f, x)", "torch.func.jacrev(f)(x)")


@dataclass(frozen=True)
class WayOut:
    statement: str
    returned: Tensor | None  # what the call returns, if it returns the gradient
    x_grad: Tensor | None  # x.grad after the call, starting from x.grad = None

    @property
    def gradient(self) -> Tensor:
        return self.x_grad if self.returned is None else self.returned


@dataclass(frozen=True)
class NonScalarLesson:
    x: Tensor
    y: Tensor
    jacobian: Tensor  # m x n from torch.autograd.functional.jacobian, rows y_i, columns x_j
    jacrev_agrees: bool  # torch.func.jacrev gives exactly the same J
    expected_jacobian: Tensor  # derived by hand
    jacobian_max_abs_diff: float  # between the two
    elementwise: bool  # J is diagonal
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
    function = NONSCALAR_FUNCTIONS[function_name]
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
    scalar_error = runtime_error(lambda: _backward_without_v(y))
    writer.show_error("y.backward()", scalar_error)
    writer.comment("wrong_shape", length=wrong_shape)
    wrong_shape_error = runtime_error(lambda: y.backward(torch.ones(wrong_shape)))
    writer.show_error(f"y.backward(torch.ones({wrong_shape}))", wrong_shape_error)

    writer.blank()
    writer.comment("full_jacobian")
    writer.code("def f(x):", f"    return {expression}", f"J = {JACOBIAN_CALLS[0]}")
    J = jacobian(function.compute, x)
    jacrev_agrees = torch.equal(torch.func.jacrev(function.compute)(x), J)
    writer.show("J =", "J", J)
    writer.show("jacrev gives the same J:", f"torch.equal({JACOBIAN_CALLS[1]}, J)", jacrev_agrees)

    writer.blank()
    writer.comment("ways_out")
    ways_out = tuple(
        _way_out(number, x, function.compute, expression, writer)
        for number in range(1, len(WAYS_OUT) + 1)
    )
    expected_jacobian = function.jacobian(x.detach())
    grads = torch.stack([way.gradient for way in ways_out])
    return NonScalarLesson(
        x=x.detach(),
        y=y.detach(),
        jacobian=J,
        jacrev_agrees=jacrev_agrees,
        expected_jacobian=expected_jacobian,
        jacobian_max_abs_diff=(J - expected_jacobian).abs().max().item(),
        elementwise=function.elementwise,
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


def _way_out(
    number: int,
    x: Tensor,
    compute: Callable[[Tensor], Tensor],
    expression: str,
    writer: ProgramWriter,
) -> WayOut:
    """Way `number` (1-based) on a freshly built y, from x.grad = None.

    backward() frees the graph it walks and adds into x.grad, so each way gets its own y
    and a cleared x.grad: the three results can then be compared as they stand."""
    statement = WAYS_OUT[number - 1]
    x.grad = None
    y = compute(x)
    returned = _CALLS[number - 1](x, y)
    writer.code("x.grad = None", f"y = {expression}")
    if returned is None:
        writer.code(statement)
    else:
        writer.code(f"grad = {statement}")
        writer.show(f"{number}. grad =", "grad", returned)
    writer.show(f"{number}. x.grad =", "x.grad", x.grad)
    return WayOut(statement, returned, x.grad)


def _backward_without_v(y: Tensor) -> None:
    """y.backward() as a learner first writes it: torch refuses a y with several entries."""
    y.backward()


def _nonscalar_backward() -> None:
    function = next(iter(NONSCALAR_FUNCTIONS.values()))
    _backward_without_v(function.compute(leaf((1.0, 2.0, 3.0))))


DEMONSTRATIONS = (Demonstration("nonscalar_backward", "nonscalar", "error", _nonscalar_backward),)
