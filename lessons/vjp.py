"""Lesson 3: y.backward(v) computes the vector-Jacobian product vᵀJ, shaped like x."""

from dataclasses import dataclass

import torch
from torch import Tensor
from torch.autograd.functional import jacobian

from lessons.functions import VECTOR_FUNCTIONS, expression_source
from lessons.parsing import InputError, parse_vector
from lessons.program import Program, ProgramWriter, leaf, leaf_literal, tensor_literal

PRESETS = ("ones", "one_hot", "random", "typed")
MAX_SEED = 2**31 - 1
# x.grad written out: entry j is column j of J, weighted by v and summed.
VJP_LATEX = (
    r"\texttt{x.grad}_j = (v^\top J)_j = \sum_{i=1}^{m} v_i \, \frac{\partial y_i}{\partial x_j}"
)


@dataclass(frozen=True)
class VectorChoice:
    """How the learner picks v: a preset, the row index of e_i (1-based), a seed, or text."""

    preset: str = "ones"
    index: int = 1
    seed: int = 0
    text: str = ""


@dataclass(frozen=True)
class VJPLesson:
    x: Tensor
    y: Tensor
    v: Tensor
    jacobian: Tensor  # m x n, rows y_i, columns x_j
    expected_jacobian: Tensor  # derived by hand
    weighted_rows: Tensor  # diag(v) J: row i of J times v_i
    column_sums: Tensor  # sums of the weighted rows, i.e. vᵀJ
    grad: Tensor  # x.grad after y.backward(v)
    max_abs_diff: float  # between column_sums and grad
    expression: str
    latex: str
    jacobian_latex: str
    program: Program


def vjp_lesson(
    x_text: str, function_name: str, choice: VectorChoice, language: str = "en"
) -> VJPLesson:
    function = VECTOR_FUNCTIONS[function_name]
    values = parse_vector(x_text)
    expression = expression_source(function.compute)
    constants = function.constants(len(values))

    x = leaf(values)
    y = function.compute(x, **constants)
    v, v_code = vector(choice, y)
    y.backward(v)

    J = jacobian(lambda x: function.compute(x, **constants), x.detach())
    weighted_rows = v[:, None] * J
    column_sums = weighted_rows.sum(dim=0)

    writer = ProgramWriter(language)
    writer.code(f"x = {leaf_literal(values)}")
    writer.code(*(f"{name} = {tensor_literal(value)}" for name, value in constants.items()))
    writer.code(f"y = {expression}")
    writer.comment(f"v_{choice.preset}", index=choice.index)
    writer.code(*v_code, "y.backward(v)")
    writer.show("v =", "v", v)
    writer.show("x.grad =", "x.grad", x.grad)
    return VJPLesson(
        x=x.detach(),
        y=y.detach(),
        v=v,
        jacobian=J,
        expected_jacobian=function.jacobian(x.detach(), **constants),
        weighted_rows=weighted_rows,
        column_sums=column_sums,
        grad=x.grad,
        max_abs_diff=(column_sums - x.grad).abs().max().item(),
        expression=expression,
        latex=function.latex,
        jacobian_latex=function.jacobian_latex,
        program=writer.finish(),
    )


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
