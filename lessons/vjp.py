"""Lesson 3: y.backward(v) computes the vector-Jacobian product vᵀJ, shaped like x.

Split in two so that a v that does not fit y removes only what depends on v: the
function at x (y and its Jacobian) stands on its own.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.autograd.functional import jacobian

from lessons.demonstrations import Demonstration
from lessons.functions import VECTOR_FUNCTIONS, expression_source
from lessons.parsing import InputError, parse_vector
from lessons.program import (
    Program,
    ProgramWriter,
    leaf,
    leaf_literal,
    runtime_error,
    tensor_literal,
)

PRESETS = ("ones", "one_hot", "random", "typed")
MAX_SEED = 2**31 - 1
# x.grad written out: entry j is column j of J, weighted by v and summed.
VJP_LATEX = (
    r"\texttt{x.grad}_j = (v^\top J)_j = \sum_{i=1}^{m} v_i \, \frac{\partial y_i}{\partial x_j}"
)
# The later stage of the two-stage example, and its derivative with respect to y by hand.
LOSS = "(y ** 2).sum()"
LOSS_GRADIENT = "2 * y.detach()"
LOSS_LATEX = r"L = \sum_i y_i^2,\qquad \frac{\partial L}{\partial y_i} = 2\,y_i"


@dataclass(frozen=True)
class VectorChoice:
    """How the learner picks v: a preset, the row index of e_i (1-based), a seed, or text."""

    preset: str = "ones"
    index: int = 1
    seed: int = 0
    text: str = ""


@dataclass(frozen=True)
class FunctionAtX:
    """What the function does at x, whatever v is."""

    name: str  # the function's key in VECTOR_FUNCTIONS
    values: tuple[float, ...]  # x as typed
    x: Tensor
    y: Tensor
    y_printed: str  # y as torch prints it, grad_fn included
    jacobian: Tensor  # m x n, rows y_i, columns x_j
    expected_jacobian: Tensor  # derived by hand
    constants: dict[str, Tensor]  # e.g. the matrix A of y = A x
    expression: str
    latex: str
    jacobian_latex: str

    @property
    def m(self) -> int:
        return self.y.numel()


@dataclass(frozen=True)
class VJPLesson:
    at_x: FunctionAtX
    v: Tensor
    weighted_rows: Tensor  # diag(v) J: row i of J times v_i
    column_sums: Tensor  # sums of the weighted rows, i.e. vᵀJ
    grad: Tensor  # x.grad after y.backward(v)
    max_abs_diff: float  # between column_sums and grad
    product_grad: Tensor  # x.grad after (v * y).sum().backward(), v held constant
    product_max_abs_diff: float  # between product_grad and grad
    loss: Tensor  # L = (y ** 2).sum() of the two-stage example
    loss_gradient: Tensor  # dL/dy = 2y, the v that L hands back to y
    loss_grad: Tensor  # x.grad after L.backward()
    chained_grad: Tensor  # x.grad after y.backward(dL/dy)
    chain_max_abs_diff: float  # between loss_grad and chained_grad
    program: Program


def function_at_x(x_text: str, function_name: str) -> FunctionAtX:
    function = VECTOR_FUNCTIONS[function_name]
    values = parse_vector(x_text)
    constants = function.constants(len(values))
    x = leaf(values)
    y = function.compute(x, **constants)
    return FunctionAtX(
        name=function_name,
        values=values,
        x=x.detach(),
        y=y.detach(),
        y_printed=str(y),
        jacobian=jacobian(lambda x: function.compute(x, **constants), x.detach()),
        expected_jacobian=function.jacobian(x.detach(), **constants),
        constants=constants,
        expression=expression_source(function.compute),
        latex=function.latex,
        jacobian_latex=function.jacobian_latex,
    )


def vjp_lesson(at_x: FunctionAtX, choice: VectorChoice, language: str = "en") -> VJPLesson:
    """y.backward(v) at the x of `at_x`, which the page has already shown."""
    compute = VECTOR_FUNCTIONS[at_x.name].compute
    v, v_code = vector(choice, at_x.y)
    x = leaf(at_x.values)

    def fresh_y() -> Tensor:
        """y built again from x: each backward() below starts from x.grad = None."""
        x.grad = None
        return compute(x, **at_x.constants)

    writer = ProgramWriter(language)
    writer.code(f"x = {leaf_literal(at_x.values)}")
    writer.code(*(f"{name} = {tensor_literal(value)}" for name, value in at_x.constants.items()))
    writer.code(f"y = {at_x.expression}")
    writer.show("y =", "y", at_x.y_printed)
    writer.comment(f"v_{choice.preset}", index=choice.index, python_index=choice.index - 1)
    writer.code(*v_code, "y.backward(v)")
    fresh_y().backward(v)
    grad = x.grad
    writer.show("v =", "v", v)
    writer.show("x.grad =", "x.grad", grad)
    product_grad = _with_v_held_constant(x, v, fresh_y, at_x.expression, writer)
    loss, loss_gradient, loss_grad, chained_grad = _two_stage(x, fresh_y, at_x.expression, writer)

    weighted_rows = v[:, None] * at_x.jacobian
    column_sums = weighted_rows.sum(dim=0)
    return VJPLesson(
        at_x=at_x,
        v=v,
        weighted_rows=weighted_rows,
        column_sums=column_sums,
        grad=grad,
        max_abs_diff=_max_abs_diff(column_sums, grad),
        product_grad=product_grad,
        product_max_abs_diff=_max_abs_diff(product_grad, grad),
        loss=loss,
        loss_gradient=loss_gradient,
        loss_grad=loss_grad,
        chained_grad=chained_grad,
        chain_max_abs_diff=_max_abs_diff(loss_grad, chained_grad),
        program=writer.finish(),
    )


def wrong_length_error(at_x: FunctionAtX, v_text: str) -> str | None:
    """What torch itself raises for y.backward(v) with a typed v whose length is not m.

    None when there is nothing of torch's to show: v does not parse, or it fits y."""
    try:
        values = parse_vector(v_text)
    except InputError:
        return None
    if len(values) == at_x.m:
        return None
    return runtime_error(lambda: _backward_with_v(at_x, values))


def _backward_with_v(at_x: FunctionAtX, v_values: tuple[float, ...]) -> None:
    """y.backward(v) on a y built afresh at x, with v as typed."""
    y = VECTOR_FUNCTIONS[at_x.name].compute(leaf(at_x.values), **at_x.constants)
    y.backward(torch.tensor(v_values))


def _v_shape_mismatch() -> None:
    """One weight too many for y."""
    at_x = function_at_x("1, 2, 3", next(iter(VECTOR_FUNCTIONS)))
    _backward_with_v(at_x, (1.0,) * (at_x.m + 1))


def _with_v_held_constant(
    x: Tensor, v: Tensor, fresh_y: Callable[[], Tensor], expression: str, writer: ProgramWriter
) -> Tensor:
    """x.grad from the scalar (v * y).sum(), whose gradient with respect to y is v."""
    writer.blank()
    writer.comment("v_constant")
    writer.code("x.grad = None", f"y = {expression}", "(v * y).sum().backward()")
    (v * fresh_y()).sum().backward()
    writer.show("(v * y).sum().backward(): x.grad =", "x.grad", x.grad)
    return x.grad


def _two_stage(
    x: Tensor, fresh_y: Callable[[], Tensor], expression: str, writer: ProgramWriter
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """y, then L = (y ** 2).sum(): L, dL/dy, x.grad from L.backward(), and x.grad from
    y.backward(dL/dy), each backward() from a fresh y."""
    writer.blank()
    writer.comment("two_stage")
    writer.code("x.grad = None", f"y = {expression}", f"L = {LOSS}", "L.backward()")
    loss = (fresh_y() ** 2).sum()
    loss.backward()
    loss_grad = x.grad
    writer.show("L.backward(): x.grad =", "x.grad", loss_grad)
    writer.comment("loss_gradient")
    writer.code("x.grad = None", f"y = {expression}", f"dL_dy = {LOSS_GRADIENT}")
    writer.code("y.backward(dL_dy)")
    y = fresh_y()
    loss_gradient = 2 * y.detach()
    y.backward(loss_gradient)
    writer.show("y.backward(dL_dy): x.grad =", "x.grad", x.grad)
    return loss.detach(), loss_gradient, loss_grad, x.grad


def _max_abs_diff(a: Tensor, b: Tensor) -> float:
    return (a - b).abs().max().item()


def vector(choice: VectorChoice, y: Tensor, name: str = "y") -> tuple[Tensor, tuple[str, ...]]:
    """v for this choice, shaped like y, and the code that builds it (y is called `name`).

    The one-hot index and typed numbers count y's entries in flattened (row-major) order."""
    m = y.numel()
    match choice.preset:
        case "ones":
            return torch.ones_like(y), (f"v = torch.ones_like({name})",)
        case "one_hot":
            if not 1 <= choice.index <= m:
                raise InputError("index_out_of_range", {"index": choice.index, "m": m})
            # The index of that entry in y's own shape: v[4] for a vector, v[1, 0] for a matrix.
            flat = torch.tensor(choice.index - 1)
            position = tuple(int(i) for i in torch.unravel_index(flat, y.shape))
            v = torch.zeros_like(y)
            v[position] = 1
            entry = ", ".join(map(str, position))
            return v, (f"v = torch.zeros_like({name})", f"v[{entry}] = 1")
        case "random":
            if not 0 <= choice.seed <= MAX_SEED:
                raise InputError("seed_out_of_range", {"seed": choice.seed, "limit": MAX_SEED})
            seeded = f"torch.Generator().manual_seed({choice.seed})"
            v = torch.randn(y.shape, generator=torch.Generator().manual_seed(choice.seed))
            return v, (f"v = torch.randn({name}.shape, generator={seeded})",)
        case "typed":
            values = parse_vector(choice.text)
            if len(values) != m:
                raise InputError("v_length", {"length": len(values), "m": m})
            v = torch.tensor(values).reshape(y.shape)
            return v, (f"v = {tensor_literal(v)}",)
    raise ValueError(f"unknown preset {choice.preset!r}")


DEMONSTRATIONS = (Demonstration("v_shape_mismatch", "vjp", "wrong_v", _v_shape_mismatch),)
