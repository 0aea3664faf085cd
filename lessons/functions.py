"""The functions the lessons differentiate, each with a gradient derived by hand.

Every `compute` is a one-line `return`: the lessons show that very line (read back
with `inspect`) as the code that ran, so the page can never drift from the maths.
"""

import ast
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

# y = A x uses a fixed seeded matrix with this many rows, so that m differs from n.
LINEAR_ROWS = 2
LINEAR_SEED = 0


# --- scalar outputs: R^n -> R ------------------------------------------------------------


def two_dot(x: Tensor) -> Tensor:
    return 2 * torch.dot(x, x)


def sum_of_squares(x: Tensor) -> Tensor:
    return (x**2).sum()


def mean(x: Tensor) -> Tensor:
    return x.mean()


def x_sin_x(x: Tensor) -> Tensor:
    return (x * torch.sin(x)).sum()


# --- vector outputs: R^n -> R^m ----------------------------------------------------------


def square(x: Tensor) -> Tensor:
    return x * x


def sine(x: Tensor) -> Tensor:
    return torch.sin(x)


def linear(x: Tensor, A: Tensor) -> Tensor:
    return A @ x


def softmax(x: Tensor) -> Tensor:
    return torch.softmax(x, dim=0)


def cumulative_sum(x: Tensor) -> Tensor:
    return torch.cumsum(x, dim=0)


def total(x: Tensor) -> Tensor:
    """Saves no tensor for its backward: a second backward() through it does not fail."""
    return x.sum()


def linear_matrix(n: int) -> Tensor:
    """Small integer entries keep every product checkable by hand."""
    generator = torch.Generator().manual_seed(LINEAR_SEED)
    return torch.randint(-3, 4, (LINEAR_ROWS, n), generator=generator).float()


def _softmax_jacobian(x: Tensor) -> Tensor:
    s = torch.softmax(x, dim=0)
    return torch.diag(s) - torch.outer(s, s)


def _no_constants(n: int) -> dict[str, Tensor]:
    return {}


@dataclass(frozen=True)
class ScalarFunction:
    name: str
    compute: Callable[[Tensor], Tensor]
    gradient: Callable[[Tensor], Tensor]  # derived by hand, to check autograd against
    latex: str
    gradient_latex: str


@dataclass(frozen=True)
class VectorFunction:
    name: str
    compute: Callable[..., Tensor]  # (x, **constants) -> y
    jacobian: Callable[..., Tensor]  # derived by hand: (x, **constants) -> m x n
    latex: str
    jacobian_latex: str
    elementwise: bool
    constants: Callable[[int], dict[str, Tensor]] = field(default=_no_constants)


SCALAR_FUNCTIONS = {
    f.name: f
    for f in (
        ScalarFunction("two_dot", two_dot, lambda x: 4 * x, r"y = 2\,x^\top x", r"\nabla_x y = 4x"),
        ScalarFunction(
            "sum_of_squares",
            sum_of_squares,
            lambda x: 2 * x,
            r"y = \sum_j x_j^2",
            r"\frac{\partial y}{\partial x_j} = 2x_j",
        ),
        ScalarFunction(
            "mean",
            mean,
            lambda x: torch.full_like(x, 1 / x.numel()),
            r"y = \frac{1}{n}\sum_j x_j",
            r"\frac{\partial y}{\partial x_j} = \frac{1}{n}",
        ),
        ScalarFunction(
            "x_sin_x",
            x_sin_x,
            lambda x: torch.sin(x) + x * torch.cos(x),
            r"y = \sum_j x_j \sin x_j",
            r"\frac{\partial y}{\partial x_j} = \sin x_j + x_j \cos x_j",
        ),
    )
}

VECTOR_FUNCTIONS = {
    f.name: f
    for f in (
        VectorFunction(
            "square",
            square,
            lambda x: torch.diag(2 * x),
            r"y_i = x_i^2",
            r"J_{ij} = \begin{cases} 2x_i & i = j \\ 0 & i \ne j \end{cases}",
            elementwise=True,
        ),
        VectorFunction(
            "sine",
            sine,
            lambda x: torch.diag(torch.cos(x)),
            r"y_i = \sin x_i",
            r"J_{ij} = \begin{cases} \cos x_i & i = j \\ 0 & i \ne j \end{cases}",
            elementwise=True,
        ),
        VectorFunction(
            "linear",
            linear,
            lambda x, A: A,
            r"y = A x,\quad A \in \mathbb{R}^{2 \times n}",
            r"J = A",
            elementwise=False,
            constants=lambda n: {"A": linear_matrix(n)},
        ),
        VectorFunction(
            "softmax",
            softmax,
            _softmax_jacobian,
            r"y_i = \frac{e^{x_i}}{\sum_k e^{x_k}}",
            r"J_{ij} = y_i(\delta_{ij} - y_j)",
            elementwise=False,
        ),
        VectorFunction(
            "cumulative_sum",
            cumulative_sum,
            lambda x: torch.tril(torch.ones(x.numel(), x.numel())),
            r"y_i = \sum_{k \le i} x_k",
            r"J_{ij} = \begin{cases} 1 & j \le i \\ 0 & j > i \end{cases}",
            elementwise=False,
        ),
    )
}

# The non-scalar lesson: element-wise functions, whose J is diagonal, and one whose J is not.
NONSCALAR_FUNCTIONS = {
    name: f for name, f in VECTOR_FUNCTIONS.items() if f.elementwise or name == "cumulative_sum"
}


@functools.cache  # reading and parsing source once per function, not on every rerun
def expression_source(function: Callable[..., Tensor]) -> str:
    """The expression after `return` in `function`, exactly as written in this file."""
    source = inspect.getsource(function)
    returned = ast.parse(source).body[0].body[-1]
    return ast.get_source_segment(source, returned.value)
