"""Lesson 1: backward() on a scalar output fills x.grad with the gradient."""

from dataclasses import dataclass

import torch
from torch import Tensor

from lessons.functions import SCALAR_FUNCTIONS, expression_source
from lessons.parsing import parse_vector
from lessons.program import Program, ProgramWriter, leaf, leaf_literal

# float32 autograd against a float32 formula: they agree to rounding.
MATCH_TOLERANCE = 1e-5


@dataclass(frozen=True)
class ScalarLesson:
    x: Tensor
    y: Tensor
    y_printed: str  # y as torch prints it: its value and the grad_fn that made it
    grad: Tensor  # x.grad after y.backward()
    grad_printed: str
    expected: Tensor  # the gradient derived by hand
    expected_printed: str
    max_abs_diff: float
    matches: bool
    expression: str
    latex: str
    gradient_latex: str
    program: Program


def scalar_lesson(x_text: str, function_name: str, language: str = "en") -> ScalarLesson:
    function = SCALAR_FUNCTIONS[function_name]
    values = parse_vector(x_text)
    expression = expression_source(function.compute)

    x = leaf(values)
    y = function.compute(x)
    y.backward()
    expected = function.gradient(x.detach())
    max_abs_diff = (x.grad - expected).abs().max().item()
    # Each tensor printed once (torch's printing is most of this lesson's time), shared by
    # the page and the program's output. Tensors equal in dtype, shape and every entry print
    # alike, so a hand-derived gradient equal to x.grad reuses its text.
    y_printed, grad_printed = str(y), str(x.grad)
    same = expected.dtype == x.grad.dtype and torch.equal(expected, x.grad)
    expected_printed = grad_printed if same else str(expected)

    writer = ProgramWriter(language)
    writer.code(f"x = {leaf_literal(values)}", f"y = {expression}")
    writer.comment("scalar_backward")
    writer.code("y.backward()")
    writer.show("y =", "y", y_printed)
    writer.show("x.grad =", "x.grad", grad_printed)
    return ScalarLesson(
        x=x.detach(),
        y=y.detach(),
        y_printed=y_printed,
        grad=x.grad,
        grad_printed=grad_printed,
        expected=expected,
        expected_printed=expected_printed,
        max_abs_diff=max_abs_diff,
        matches=torch.allclose(x.grad, expected, rtol=MATCH_TOLERANCE, atol=MATCH_TOLERANCE),
        expression=expression,
        latex=function.latex,
        gradient_latex=function.gradient_latex,
        program=writer.finish(),
    )
