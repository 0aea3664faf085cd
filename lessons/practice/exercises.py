"""Predict, then run: short exercises whose answers torch computes when they are checked.

Each exercise is a small function that runs a few torch steps on exact inputs and returns
what the learner is asked to predict. The page shows that very function as a program
(its body, with the final `return` turned into `print`), so the code the learner reads is
the code that computed the answer; nothing about the answer is stored anywhere else.
"""

import ast
import functools
import inspect
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from lessons import forward_mode
from lessons.parsing import InputError, parse_vector
from lessons.program import with_warnings

# A typed number is right when |typed - torch| <= ABSOLUTE + RELATIVE * |torch|: loose
# enough for answers rounded to four decimals, tight enough that 12 is not 12.01.
ABSOLUTE_TOLERANCE = 1e-4
RELATIVE_TOLERANCE = 1e-4
KINDS = ("vector", "shape", "number", "choice")
# A shape may be written 2x3 or 2 * 3 (or with the multiplication sign): a times sign
# between two sizes separates them.
_TIMES = re.compile(r"(?<=\d)\s*[xX\u00d7*]\s*(?=\d)")
# A simple fraction such as 1/4 or -3/2 is one entry of a number or vector answer.
_FRACTION = re.compile(r"(?<![\w./])([+-]?\d+(?:\.\d*)?)\s*/\s*(\d+(?:\.\d*)?)(?![\w./])", re.ASCII)

Answer = Tensor | tuple[int, ...] | float | str


@dataclass(frozen=True)
class Exercise:
    """`solve` runs the steps and returns the answer; its name is the catalog key."""

    solve: Callable[[], Answer]
    kind: str
    options: tuple[str, ...] = ()  # for "choice": the names of the options

    @property
    def key(self) -> str:
        return self.solve.__name__


@dataclass(frozen=True)
class Verdict:
    """What the learner is told. A wrong answer learns only where it is wrong, never a
    number computed from torch's answer (a difference, a size), which would give it away."""

    correct: bool
    # one flag per typed entry (or size), in order, when the counts agree: True if right
    entries: tuple[bool, ...] = ()
    # when the counts differ: True if torch's answer has more entries (or dimensions)
    expects_more: bool | None = None
    # the largest |typed - torch| of a right number or vector, to show how close it came
    largest_error: float = 0.0


# --- the exercises, one function each; the body is the program the learner reads ---------


def scalar_two_dot() -> Tensor:
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward()
    return x.grad


def scalar_mean() -> Tensor:
    x = torch.tensor([2.0, 4.0, 6.0, 8.0], requires_grad=True)
    y = x.mean()
    y.backward()
    return x.grad


def scalar_grad_shape() -> tuple[int, ...]:
    x = torch.ones(2, 3, requires_grad=True)
    y = (x**2).sum()
    y.backward()
    return tuple(x.grad.shape)


def nonscalar_vector_backward() -> str:
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    y = (x * x).sum(dim=1)
    outcome = "no_error"
    try:
        y.backward()
    except RuntimeError:
        outcome = "raises"
    return outcome


def nonscalar_one_entry() -> Tensor:
    x = torch.tensor([3.0], requires_grad=True)
    y = x * x
    y.backward()
    return x.grad


def nonscalar_ones_like() -> Tensor:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x**3
    y.backward(torch.ones_like(y))
    return x.grad


def nonscalar_jacobian_shape() -> tuple[int, ...]:
    A = torch.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    x = torch.tensor([1.0, 1.0, 1.0])
    J = torch.autograd.functional.jacobian(lambda x: A @ x, x)
    return tuple(J.shape)


def vjp_one_hot_row() -> Tensor:
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = torch.cumsum(x, dim=0)
    v = torch.tensor([0.0, 1.0, 0.0, 0.0])
    y.backward(v)
    return x.grad


def vjp_weights() -> Tensor:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(torch.tensor([1.0, 0.5, -1.0]))
    return x.grad


def vjp_linear() -> Tensor:
    A = torch.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    x = torch.tensor([5.0, -2.0, 7.0], requires_grad=True)
    y = A @ x
    y.backward(torch.tensor([2.0, 1.0]))
    return x.grad


def vjp_softmax_ones() -> Tensor:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = torch.softmax(x, dim=0)
    y.backward(torch.ones_like(y))
    return x.grad


def accumulate_two_calls() -> Tensor:
    x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    for _ in range(3):
        y = 2 * torch.dot(x, x)
        y.backward()
    return x.grad


def accumulate_after_zero() -> Tensor:
    x = torch.tensor([1.0, -1.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
    x.grad.zero_()
    (x * x).sum().backward()
    return x.grad


def accumulate_second_backward() -> str:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    y.backward()
    try:
        y.backward()
        outcome = "no_error"
    except RuntimeError:
        outcome = "raises"
    return outcome


def accumulate_two_losses() -> Tensor:
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    return x.grad


def jacobian_passes() -> int:
    A = torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 2.0], [1.0, 1.0], [0.0, 2.0]])
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = A @ x
    passes = 0
    for i in range(y.numel()):
        v = torch.zeros_like(y)
        v[i] = 1
        torch.autograd.grad(y, x, v, retain_graph=True)
        passes += 1
    return passes


def jacobian_jacrev_shape() -> tuple[int, ...]:
    A = torch.tensor([[1.0, 2.0, 0.0, 1.0], [0.0, -1.0, 3.0, 2.0]])
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    J = torch.func.jacrev(lambda x: A @ x)(x)
    return tuple(J.shape)


def jacobian_vjp_row() -> Tensor:
    x = torch.tensor([1.0, 2.0, 3.0])
    _, vjp = torch.func.vjp(lambda x: torch.cumsum(x * x, dim=0), x)
    (row,) = vjp(torch.tensor([0.0, 0.0, 1.0]))
    return row


def jacobian_jvp_column() -> Tensor:
    x = torch.tensor([1.0, 2.0, 3.0])
    _, column = torch.func.jvp(
        lambda x: torch.cumsum(x * x, dim=0), (x,), (torch.tensor([1.0, 0.0, 0.0]),)
    )
    return column


def graph_detach() -> Tensor:
    x = torch.tensor([1.0, -1.0, 2.0], requires_grad=True)
    y = x * x
    z = y.detach() * y
    z.sum().backward()
    return x.grad


def graph_moved_leaf() -> str:
    x = torch.tensor([1.0, 2.0], requires_grad=True).to(torch.float64)
    (x * x).sum().backward()
    return "none" if x.grad is None else "tensor"


def graph_retain_graph() -> Tensor:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


def inplace_saved_input() -> str:
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = x * 2
    z = torch.cos(y)
    y.add_(1)
    try:
        z.sum().backward()
        outcome = "no_error"
    except RuntimeError:
        outcome = "raises"
    return outcome


def inplace_version() -> int:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y += 1
    y = y * 3
    y[1] = 0
    return y._version


def inplace_data_unsaved() -> Tensor:
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x**2
    y.data.mul_(10)
    y.sum().backward()
    return x.grad


def nograd_detached_path() -> Tensor:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 2
    b = x.detach() * 3
    (a + b).sum().backward()
    return x.grad


def nograd_hidden_error() -> str:
    x = torch.tensor([1.0, -1.0], requires_grad=True)
    with torch.no_grad():
        loss = (x * x).sum()
    loss.requires_grad = True
    loss.backward()
    return "none" if x.grad is None else "tensor"


def nograd_convert_first() -> Tensor:
    x = torch.tensor([2, 0, -1]).to(torch.float32).requires_grad_()
    (x * x).sum().backward()
    return x.grad


def gradcheck_central() -> float:
    x = torch.tensor(2.0, dtype=torch.float64)
    h = 0.1
    estimate = ((x + h) ** 3 - (x - h) ** 3) / (2 * h)
    return estimate.item()


def gradcheck_error() -> float:
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    h = 0.1
    estimate = ((x + h) ** 3 - (x - h) ** 3) / (2 * h)
    (x**3).backward()
    return (estimate - x.grad).item()


def gradcheck_precision() -> str:
    h = 1e-6
    errors = {}
    for name in ("float32", "float64"):
        x = torch.tensor(2.0, dtype=getattr(torch, name), requires_grad=True)
        (x**3).backward()
        with torch.no_grad():
            estimate = ((x + h) ** 3 - (x - h) ** 3) / (2 * h)
        errors[name] = (estimate - x.grad).abs().item()
    return min(errors, key=errors.get)


def edges_masked() -> str:
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    y = torch.where(x > 0, torch.sqrt(x), 0 * x)
    y.sum().backward()
    return str(x.grad[0].item())


def edges_double_where() -> Tensor:
    x = torch.tensor([0.0, 1.0, 4.0], requires_grad=True)
    safe = torch.where(x > 0, x, torch.ones_like(x))
    y = torch.where(x > 0, torch.sqrt(safe), 0 * x)
    y.sum().backward()
    return x.grad


def edges_ties() -> Tensor:
    x = torch.tensor([5.0, 1.0, 5.0, 5.0], requires_grad=True)
    x.max().backward()
    return x.grad


def higher_second_derivative() -> float:
    x = torch.tensor(2.0, requires_grad=True)
    y = x**4
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    (h,) = torch.autograd.grad(g, x)
    return h.item()


def higher_mixed_hvp() -> Tensor:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x[0] ** 2 * x[1]
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    (hv,) = torch.autograd.grad(g, x, torch.tensor([1.0, 0.0]))
    return hv


def higher_linear_gradient() -> str:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (3 * x).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    try:
        torch.autograd.grad(g.sum(), x)
        outcome = "no_error"
    except RuntimeError:
        outcome = "raises"
    return outcome


_OUTCOMES = ("raises", "no_error")

EXERCISES: dict[str, tuple[Exercise, ...]] = {
    "scalar": (
        Exercise(scalar_two_dot, "vector"),
        Exercise(scalar_mean, "vector"),
        Exercise(scalar_grad_shape, "shape"),
    ),
    "nonscalar": (
        Exercise(nonscalar_vector_backward, "choice", _OUTCOMES),
        Exercise(nonscalar_one_entry, "vector"),
        Exercise(nonscalar_ones_like, "vector"),
        Exercise(nonscalar_jacobian_shape, "shape"),
    ),
    "vjp": (
        Exercise(vjp_one_hot_row, "vector"),
        Exercise(vjp_weights, "vector"),
        Exercise(vjp_linear, "vector"),
        Exercise(vjp_softmax_ones, "vector"),
    ),
    "accumulate": (
        Exercise(accumulate_two_calls, "vector"),
        Exercise(accumulate_after_zero, "vector"),
        Exercise(accumulate_second_backward, "choice", _OUTCOMES),
        Exercise(accumulate_two_losses, "vector"),
    ),
    # Pages built on other branches: the lead wires show_exercises into them.
    "jacobian": (
        Exercise(jacobian_passes, "number"),
        Exercise(jacobian_jacrev_shape, "shape"),
        Exercise(jacobian_vjp_row, "vector"),
        Exercise(jacobian_jvp_column, "vector"),
    ),
    "graph": (
        Exercise(graph_detach, "vector"),
        Exercise(graph_moved_leaf, "choice", ("none", "tensor")),
        Exercise(graph_retain_graph, "vector"),
    ),
    "inplace": (
        Exercise(inplace_saved_input, "choice", _OUTCOMES),
        Exercise(inplace_version, "number"),
        Exercise(inplace_data_unsaved, "vector"),
    ),
    "nograd": (
        Exercise(nograd_detached_path, "vector"),
        Exercise(nograd_hidden_error, "choice", ("none", "tensor")),
        Exercise(nograd_convert_first, "vector"),
    ),
    "gradcheck": (
        Exercise(gradcheck_central, "number"),
        Exercise(gradcheck_error, "number"),
        Exercise(gradcheck_precision, "choice", ("float32", "float64")),
    ),
    "edges": (
        Exercise(edges_masked, "choice", ("inf", "nan")),
        Exercise(edges_double_where, "vector"),
        Exercise(edges_ties, "vector"),
    ),
    "higher": (
        Exercise(higher_second_derivative, "number"),
        Exercise(higher_mixed_hvp, "vector"),
        Exercise(higher_linear_gradient, "choice", _OUTCOMES),
    ),
}


# --- running and judging -------------------------------------------------------------------


def answer(exercise: Exercise) -> Answer:
    """What torch says now. Reading a non-leaf's .grad warns; the answer is the point, and
    warnings are recorded under the one warnings lock (lessons/program.py).
    Some programs use forward mode (`torch.func.jvp`, shown as written): all run under its
    lock, which costs nothing noticeable for programs this small."""
    with forward_mode.exclusive():
        result, _ = with_warnings(exercise.solve)  # what torch warned is not the answer
    return result


def shown_answer(exercise: Exercise) -> str:
    """The answer as the program prints it."""
    return str(answer(exercise))


@functools.cache  # the source of a function does not change while the app runs
def program(exercise: Exercise) -> str:
    """The body of `solve` as a program that prints its answer instead of returning it."""
    source = textwrap.dedent(inspect.getsource(exercise.solve))
    function = ast.parse(source).body[0]
    lines = source.splitlines()
    body = lines[function.body[0].lineno - 1 : function.body[-1].lineno - 1]
    returned = ast.get_source_segment(source, function.body[-1].value)
    code = textwrap.dedent("\n".join(body))
    return f"import torch\n\n{code}\nprint({returned})\n"


def judge(exercise: Exercise, typed: str) -> Verdict:
    """Compare the learner's answer with torch's; InputError if the text cannot be read."""
    expected = answer(exercise)
    match exercise.kind:
        case "choice":
            return Verdict(typed == expected)
        case "shape":
            return _compare_shape(parse_shape(typed), expected)
        case "number":
            return _compare_numbers(torch.tensor([parse_number(typed)]), torch.tensor([expected]))
        case "vector":
            return _compare_numbers(torch.tensor(parse_entries(typed)), expected.flatten())
    raise ValueError(f"unknown kind {exercise.kind!r}")


def parse_entries(text: str) -> tuple[float, ...]:
    """The entries of a vector answer; an entry may be a simple fraction such as 1/4.
    Brackets are held to parse_vector's one rule."""
    return parse_vector(_FRACTION.sub(_fraction_value, text))


def parse_number(text: str) -> float:
    """One number; every entry is read first, so that `1, two` is told what `two` is."""
    values = parse_entries(text)
    if len(values) != 1:
        raise InputError("one_number", {"count": len(values)})
    return values[0]


def parse_shape(text: str) -> tuple[int, ...]:
    """`2, 3`, `(2, 3)`, `(3,)`, `2x3` or `2 * 3`: sizes are whole numbers, 0 or more."""
    sizes = parse_vector(_TIMES.sub(",", text))
    for size in sizes:
        if size < 0 or size != int(size):
            raise InputError("not_a_size", {"entry": f"{size:g}"})
    return tuple(int(size) for size in sizes)


def _fraction_value(match: re.Match[str]) -> str:
    numerator, denominator = float(match[1]), float(match[2])
    if denominator == 0:
        raise InputError("not_finite", {"entry": match[0]})
    return repr(numerator / denominator)


def _compare_shape(typed: tuple[int, ...], expected: tuple[int, ...]) -> Verdict:
    if len(typed) != len(expected):
        return Verdict(False, expects_more=len(expected) > len(typed))
    entries = tuple(a == b for a, b in zip(typed, expected, strict=True))
    return Verdict(all(entries), entries=entries)


def _compare_numbers(typed: Tensor, expected: Tensor) -> Verdict:
    if typed.numel() != expected.numel():
        return Verdict(False, expects_more=expected.numel() > typed.numel())
    # float64: the typed digits are compared as typed, not rounded to float32 first.
    error = (typed.double() - expected.double()).abs()
    right = error <= ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * expected.double().abs()
    entries = tuple(right.tolist())
    if not all(entries):
        return Verdict(False, entries=entries)
    return Verdict(True, entries=entries, largest_error=error.max().item())
