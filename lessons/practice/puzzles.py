"""Gradient puzzles: the learner writes a gradient as an expression, torch judges it.

Each puzzle gives f in the playground's expression language and asks for the gradient
of f with respect to one input (f a single number) or for wᵀJ (f a tensor; w, one more
input shaped like f, holds the weights that y.backward(w) would take). The learner's
expression uses the same inputs and the same safe evaluator. It is judged at several
random points drawn for that attempt, so a formula that is right at one point only is
found out.
"""

import functools
from dataclasses import dataclass

import torch
from torch import Tensor

from lessons.language.expression import Script, evaluate, parse_script
from lessons.parsing import InputError, parse_vector

# The weights of a vector-Jacobian product (`v` is taken by the playground's links).
WEIGHTS = "w"
POINTS = 5
# float64 throughout: an expression is right when |given - autograd| <= ABSOLUTE +
# RELATIVE * |autograd| at every entry of every point.
ABSOLUTE_TOLERANCE = 1e-7
RELATIVE_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Puzzle:
    name: str
    function: str  # f, in the expression language
    inputs: tuple[tuple[str, tuple[int, ...]], ...]  # each input's name and shape
    reference: str  # an answer, checked against autograd by the tests
    wrt: str = "x"
    positive: bool = False  # draw inputs above zero (for log, sqrt, norm)

    @property
    def key(self) -> str:
        return f"puzzles_{self.name}"


# In rising difficulty. WEIGHTS among the inputs marks a puzzle that asks for wᵀJ.
PUZZLES = (
    Puzzle("sum", "x.sum()", (("x", (4,)),), "x * 0 + 1"),
    Puzzle("squares", "(x * x).sum()", (("x", (4,)),), "2 * x"),
    Puzzle("cubes", "(x ** 3).sum()", (("x", (4,)),), "3 * x ** 2"),
    Puzzle("sine", "torch.sin(x).sum()", (("x", (4,)),), "torch.cos(x)"),
    Puzzle(
        "x_sin_x", "(x * torch.sin(x)).sum()", (("x", (4,)),), "torch.sin(x) + x * torch.cos(x)"
    ),
    Puzzle("dot", "torch.dot(a, x)", (("a", (4,)), ("x", (4,))), "a"),
    Puzzle(
        "sigmoid",
        "torch.sigmoid(x).sum()",
        (("x", (4,)),),
        "torch.sigmoid(x) * (1 - torch.sigmoid(x))",
    ),
    Puzzle("log", "torch.log(x).sum()", (("x", (4,)),), "1 / x", positive=True),
    Puzzle("square_v", "x * x", (("x", (4,)), (WEIGHTS, (4,))), "2 * x * w"),
    Puzzle("cumsum", "x.cumsum(0)", (("x", (4,)), (WEIGHTS, (4,))), "w.sum() - w.cumsum(0) + w"),
    Puzzle("vector_matrix", "x @ A", (("x", (3,)), ("A", (3, 2)), (WEIGHTS, (2,))), "A @ w"),
    Puzzle("detach", "(x.detach() * x).sum()", (("x", (4,)),), "x"),
    Puzzle(
        "broadcast",
        "((X + b) ** 2).sum()",
        (("X", (3, 4)), ("b", (4,))),
        "2 * (X + b).sum(0)",
        wrt="b",
    ),
    Puzzle(
        "softmax",
        "torch.softmax(x, dim=0)",
        (("x", (4,)), (WEIGHTS, (4,))),
        "torch.softmax(x, dim=0) * (w - (w * torch.softmax(x, dim=0)).sum())",
    ),
    Puzzle(
        "matrix_input",
        "W @ x",
        (("W", (2, 3)), ("x", (3,)), (WEIGHTS, (2,))),
        "torch.outer(w, x)",
        wrt="W",
    ),
)


@dataclass(frozen=True)
class Point:
    """One random point: the inputs, autograd's answer, and the learner's there."""

    inputs: dict[str, Tensor]
    expected: Tensor
    given: Tensor  # broadcast to the shape of `expected`

    @property
    def difference(self) -> Tensor:
        return self.given - self.expected

    @property
    def agrees(self) -> bool:
        limit = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * self.expected.abs()
        return bool((self.difference.abs() <= limit).all())


@dataclass(frozen=True)
class Judgement:
    correct: bool
    checked: int  # points compared, up to and including the first that disagrees
    failure: Point | None = None  # the first point where the expression is wrong
    # the shape the expression gave and the shape of the gradient, when they cannot match
    shapes: tuple[tuple[int, ...], tuple[int, ...]] | None = None


def asks_for_weights(puzzle: Puzzle) -> bool:
    return any(name == WEIGHTS for name, _ in puzzle.inputs)


def parse_answer(puzzle: Puzzle, text: str) -> Script:
    """The learner's expression, checked against the puzzle's inputs (InputError if not)."""
    return parse_script(text, [name for name, _ in puzzle.inputs])


@functools.cache  # the puzzles are fixed: parse each f once, not at every point
def function_script(puzzle: Puzzle) -> Script:
    return parse_answer(puzzle, puzzle.function)


def draw_inputs(puzzle: Puzzle, generator: torch.Generator) -> dict[str, Tensor]:
    inputs = {}
    for name, shape in puzzle.inputs:
        values = torch.randn(shape, generator=generator, dtype=torch.float64)
        # Away from zero, where log, 1/x and sqrt are tame.
        inputs[name] = 0.5 + values.abs() if puzzle.positive else values
    return inputs


def autograd_answer(puzzle: Puzzle, inputs: dict[str, Tensor]) -> Tensor:
    """What backward() puts in the .grad of `wrt`: the gradient, or wᵀJ."""
    leaves = {
        name: value.clone().requires_grad_(name == puzzle.wrt) for name, value in inputs.items()
    }
    y = evaluate(function_script(puzzle), leaves).y
    weights = inputs[WEIGHTS] if asks_for_weights(puzzle) else None
    (grad,) = torch.autograd.grad(y, leaves[puzzle.wrt], weights, materialize_grads=True)
    return grad


def judge_answer(puzzle: Puzzle, text: str, seed: int, points: int = POINTS) -> Judgement:
    """Compare the expression with autograd at `points` random points drawn from `seed`."""
    script = parse_answer(puzzle, text)
    generator = torch.Generator().manual_seed(seed)
    for checked in range(1, points + 1):
        inputs = draw_inputs(puzzle, generator)
        expected = autograd_answer(puzzle, inputs)
        given = evaluate(script, inputs).y.detach().double()
        try:
            given = torch.broadcast_to(given, expected.shape)
        except RuntimeError:
            return Judgement(False, checked, shapes=(tuple(given.shape), tuple(expected.shape)))
        point = Point(inputs, expected, given)
        if not point.agrees:
            return Judgement(False, checked, failure=point)
    return Judgement(True, points)


def puzzle_number(text: str) -> int:
    """`?p=3` opens puzzle 3: a whole number from 1 to the number of puzzles."""
    (number,) = parse_vector(text, max_length=1)
    if number != int(number) or not 1 <= number <= len(PUZZLES):
        raise InputError("puzzle_number", {"number": f"{number:g}", "count": len(PUZZLES)})
    return int(number)
