"""Gradient puzzles: the learner writes a gradient as an expression, torch judges it.

Each puzzle gives f in the playground's expression language and asks for the gradient
of f with respect to one input (f a single number) or for wᵀJ (f a tensor; w, one more
input shaped like f, holds the weights that y.backward(w) would take). The learner's
expression uses the same inputs and the same safe evaluator. It is judged at several
random points drawn for that attempt (from the learner's own seed), so a formula that is
right at one point only is found out.

Where f has kinks or ties (relu, abs, clamp, maximum, minimum, max, min, a where on a
comparison), random points never land on them, so each check adds one point per kink:
drawn at random too, then moved so that entries of the input sit exactly on it (an entry
at 0 for relu, two entries tied for the largest for max). f has no derivative there, and
torch returns a value it chose; the learner's formula has to give that value too.

Two tolerances. An answer within ABSOLUTE + RELATIVE * |autograd| at every point is
right; a right answer that misses ROUNDING_TOLERANCE somewhere is called approximate.
autograd's gradient is exact up to float64 rounding, and so is a formula for it: the
reference answers and the other formulas the tests try stay within 5 machine epsilons
(ε). A finite difference written in the language, (f(x + h) - f(x - h)) / 2h, errs by
about h²·|f‴|/6 from truncation plus ε·|f|/h from rounding; the two cannot both be
small, so it can pass the first tolerance but misses the second (the tests measure it
for h from 1e-7 to 1e-3). A quadratic's central difference has no truncation error, so
with a large h it agrees to rounding and reads as the formula it then is.
"""

import ast
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from lessons.language.expression import Script, Statement, evaluate, parse_script
from lessons.parsing import InputError, parse_vector

# The weights of a vector-Jacobian product (`v` is taken by the playground's links).
WEIGHTS = "w"
POINTS = 5
# float64 throughout: an expression is right when |given - autograd| <= ABSOLUTE +
# RELATIVE * |autograd| at every entry of every point.
ABSOLUTE_TOLERANCE = 1e-7
RELATIVE_TOLERANCE = 1e-7
# 128 machine epsilons (2.8e-14), relative to 1 + |autograd's entry|: see the module's notes.
ROUNDING_TOLERANCE = 128 * torch.finfo(torch.float64).eps


@dataclass(frozen=True)
class Puzzle:
    name: str
    function: str  # f, in the expression language
    inputs: tuple[tuple[str, tuple[int, ...]], ...]  # each input's name and shape
    reference: str  # an answer, checked against autograd by the tests
    wrt: str = "x"
    positive: bool = False  # draw inputs above zero (for log, sqrt, norm)
    one_hot: str | None = None  # an input drawn as a one-hot vector (a class, at random)

    @property
    def key(self) -> str:
        return f"puzzles_{self.name}"


# In rising difficulty. WEIGHTS among the inputs marks a puzzle that asks for wᵀJ.
PUZZLES = (
    Puzzle("sum", "x.sum()", (("x", (4,)),), "torch.ones_like(x)"),
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
        "cross_entropy",
        "torch.nn.functional.cross_entropy(z, t)",
        (("z", (4,)), ("t", (4,))),
        "torch.softmax(z, dim=0) - t",
        wrt="z",
        one_hot="t",
    ),
    Puzzle(
        "matrix_input",
        "W @ x",
        (("W", (2, 3)), ("x", (3,)), (WEIGHTS, (2,))),
        "torch.outer(w, x)",
        wrt="W",
    ),
    Puzzle(
        "matrix_weights",
        "X @ W",
        (("X", (2, 3)), ("W", (3, 2)), (WEIGHTS, (2, 2))),
        "X.T @ w",
        wrt="W",
    ),
    # The edges (issue 17): each is also checked where f has no derivative.
    Puzzle("relu", "torch.relu(x).sum()", (("x", (4,)),), "torch.where(x > 0, 1.0, 0.0)"),
    Puzzle(
        "max_ties",
        "x.max()",
        (("x", (4,)),),
        "m = torch.where(x == x.max(), 1.0, 0.0); m / m.sum()",
    ),
)


@dataclass(frozen=True)
class Kink:
    """Where `operation`, applied to wrt in f, has a kink or a tie: at the value `at`, at
    the entries of the input named `at` (torch.maximum(x, a): x = a), or, when `at` is
    None, where two of wrt's own entries tie for the largest (max) or smallest (min)."""

    operation: str
    at: float | str | None


_KINKED_AT_ZERO = ("relu", "abs")
# How far check_sides moves an entry off the kink, to either side.
SIDE_STEP = 1e-6


@dataclass(frozen=True)
class Point:
    """One point: the inputs, autograd's answer, and the learner's there."""

    inputs: dict[str, Tensor]
    expected: Tensor
    given: Tensor  # broadcast to the shape of `expected`
    kink: Kink | None = None  # None for a random point
    entries: tuple[int, ...] = ()  # at a kink: wrt's entries on it (flat indices)

    @property
    def difference(self) -> Tensor:
        return self.given - self.expected

    @property
    def agrees(self) -> bool:
        limit = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * self.expected.abs()
        return bool((self.difference.abs() <= limit).all())

    @property
    def gap(self) -> float:
        """The largest difference, relative to 1 + |autograd's entry|."""
        return (self.difference.abs() / (1 + self.expected.abs())).max().item()


@dataclass(frozen=True)
class Judgement:
    correct: bool
    checked: int  # points compared, up to and including the first that disagrees
    failure: Point | None = None  # the first point where the expression is wrong
    # the shape the expression gave and the shape of the gradient, when they cannot match
    shapes: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    number: bool = False  # the answer was a plain number, taken in every entry of wrt
    gap: float = 0.0  # for a right answer: the largest Point.gap over the points
    kink_points: int = 0  # of the points checked, those placed on a kink or a tie

    @property
    def random_points(self) -> int:
        return self.checked - self.kink_points

    @property
    def approximate(self) -> bool:
        """Right within the tolerance, but not to rounding: a numerical answer."""
        return self.correct and self.gap > ROUNDING_TOLERANCE


def asks_for_weights(puzzle: Puzzle) -> bool:
    return any(name == WEIGHTS for name, _ in puzzle.inputs)


def parse_answer(puzzle: Puzzle, text: str) -> Script:
    """The learner's expression, checked against the puzzle's inputs (InputError if not)."""
    return parse_script(text, [name for name, _ in puzzle.inputs])


def answer_script(puzzle: Puzzle, text: str) -> tuple[Script, bool]:
    """The learner's answer, and whether its last line is a plain number (it names no
    input): that number is then taken in every entry, as torch.ones_like(wrt) * number."""
    script = parse_answer(puzzle, text)
    last = script.statements[-1]
    if any(isinstance(node, ast.Name) for node in ast.walk(last.expression)):
        return script, False
    ones = ast.parse(f"torch.ones_like({puzzle.wrt})", mode="eval").body
    spread = ast.BinOp(ones, ast.Mult(), last.expression)
    return Script((*script.statements[:-1], Statement(last.target, spread))), True


def attempt_seed(puzzle: Puzzle, session_seed: int, attempt: int) -> int:
    """The seed of one attempt's points: the learner's own (session_seed), new for every
    puzzle and attempt, the same whenever that attempt is judged again."""
    key = f"{session_seed}/{puzzle.name}/{attempt}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") >> 1


@functools.cache  # the puzzles are fixed: parse each f once, not at every point
def function_script(puzzle: Puzzle) -> Script:
    return parse_answer(puzzle, puzzle.function)


def draw_inputs(puzzle: Puzzle, generator: torch.Generator) -> dict[str, Tensor]:
    inputs = {}
    for name, shape in puzzle.inputs:
        if name == puzzle.one_hot:
            classes = torch.randint(shape[-1], shape[:-1], generator=generator)
            inputs[name] = torch.nn.functional.one_hot(classes, shape[-1]).double()
            continue
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
    """Compare the expression with autograd at `points` random points drawn from `seed`,
    then at one point on each kink or tie of f."""
    script, number = answer_script(puzzle, text)
    generator = torch.Generator().manual_seed(seed)
    gap, kink_points = 0.0, 0
    for checked, (inputs, kink, entries) in enumerate(
        points_to_check(puzzle, generator, points), 1
    ):
        kink_points += kink is not None
        expected = autograd_answer(puzzle, inputs)
        given = evaluate(script, inputs).y.detach().double()
        try:
            given = torch.broadcast_to(given, expected.shape)
        except RuntimeError:
            shapes = (tuple(given.shape), tuple(expected.shape))
            return Judgement(False, checked, shapes=shapes, number=number, kink_points=kink_points)
        point = Point(inputs, expected, given, kink, entries)
        if not point.agrees:
            return Judgement(False, checked, point, number=number, kink_points=kink_points)
        gap = max(gap, point.gap)
    return Judgement(True, checked, number=number, gap=gap, kink_points=kink_points)


def points_to_check(
    puzzle: Puzzle, generator: torch.Generator, points: int
) -> Iterator[tuple[dict[str, Tensor], Kink | None, tuple[int, ...]]]:
    """The random points, then one point on each kink: inputs, kink, wrt's entries on it."""
    for _ in range(points):
        yield draw_inputs(puzzle, generator), None, ()
    for kink in kinks(puzzle):
        inputs, entries = place_on_kink(puzzle, kink, draw_inputs(puzzle, generator))
        yield inputs, kink, entries


@functools.cache  # the puzzles are fixed: read each f once
def kinks(puzzle: Puzzle) -> tuple[Kink, ...]:
    """Every kink and tie of f's operations. One that acts on anything but wrt itself
    raises ValueError: this module cannot place a point on it (the tests read every
    puzzle's kinks, so such a puzzle fails them)."""
    found = []
    for statement in function_script(puzzle).statements:
        for node in ast.walk(statement.expression):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                found.extend(_call_kinks(puzzle, node))
    return tuple(found)


def _call_kinks(puzzle: Puzzle, call: ast.Call) -> list[Kink]:
    name = call.func.attr
    # torch.relu(x) takes x as its first argument, x.relu() as the method's tensor.
    method = _torch_root(call.func.value) is None
    operands = [call.func.value, *call.args] if method else list(call.args)
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    if name in _KINKED_AT_ZERO:
        _require_wrt(puzzle, operands[0], call)
        return [Kink(name, 0.0)]
    if name == "clamp":
        _require_wrt(puzzle, operands[0], call)
        bounds = [*operands[1:], *(keywords[key] for key in ("min", "max") if key in keywords)]
        given = [bound for bound in bounds if not _is_none(bound)]  # clamp(x, None, 1)
        return [Kink(name, _number(bound, call)) for bound in given]
    if name == "where":
        condition = operands[0]
        return [_comparison_kink(puzzle, condition.left, condition.comparators[0], call)]
    if name in ("max", "min"):
        other = operands[1] if len(operands) > 1 else keywords.get("other")
        if other is None or _int(other):  # a reduction, of all entries or along dim
            _require_wrt(puzzle, operands[0], call)
            along = other is not None or "dim" in keywords
            if along and len(dict(puzzle.inputs)[puzzle.wrt]) != 1:
                raise ValueError(f"no tie placed for {ast.unparse(call)}: wrt is not a vector")
            return [Kink(name, None)]
        return [_comparison_kink(puzzle, operands[0], other, call, operation=name)]
    if name in ("maximum", "minimum"):
        return [_comparison_kink(puzzle, operands[0], operands[1], call, operation=name)]
    return []


def _comparison_kink(
    puzzle: Puzzle, left: ast.expr, right: ast.expr, call: ast.Call, operation: str = "where"
) -> Kink:
    """wrt set equal to the other side: a number, or the input it is compared with."""
    side, other = (left, right) if _is_wrt(puzzle, left) else (right, left)
    _require_wrt(puzzle, side, call)
    if isinstance(other, ast.Name):
        if dict(puzzle.inputs)[other.id] != dict(puzzle.inputs)[puzzle.wrt]:
            raise ValueError(f"no kink placed for {ast.unparse(call)}: shapes differ")
        return Kink(operation, other.id)
    return Kink(operation, _number(other, call))


def _torch_root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return "torch" if isinstance(node, ast.Name) and node.id == "torch" else None


def _is_wrt(puzzle: Puzzle, node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == puzzle.wrt


def _require_wrt(puzzle: Puzzle, node: ast.expr, call: ast.Call) -> None:
    if not _is_wrt(puzzle, node):
        raise ValueError(f"no kink placed for {ast.unparse(call)}: it does not act on wrt")


def _number(node: ast.expr, call: ast.Call) -> float:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        value = None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"no kink placed for {ast.unparse(call)}: a bound is not a number")
    return float(value)


def _int(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def place_on_kink(
    puzzle: Puzzle, kink: Kink, inputs: dict[str, Tensor]
) -> tuple[dict[str, Tensor], tuple[int, ...]]:
    """The inputs with entries of wrt moved onto the kink, and those entries (flat)."""
    flat = inputs[puzzle.wrt].flatten().clone()
    if kink.at is None:  # a tie: the largest (smallest) entry copied into the next one
        first = int(flat.argmax() if kink.operation == "max" else flat.argmin())
        second = (first + 1) % flat.numel()
        flat[second] = flat[first]
        entries = tuple(sorted((first, second)))
    else:
        flat[0] = inputs[kink.at].flatten()[0] if isinstance(kink.at, str) else kink.at
        entries = (0,)
    return _with_wrt(puzzle, inputs, flat), entries


def _with_wrt(puzzle: Puzzle, inputs: dict[str, Tensor], flat: Tensor) -> dict[str, Tensor]:
    """The inputs with wrt's entries replaced by `flat`, in wrt's shape."""
    return {**inputs, puzzle.wrt: flat.reshape(inputs[puzzle.wrt].shape)}


def on_kink(values: Tensor, point: Point) -> Tensor:
    """The entries of `values` (shaped like wrt) that the point put on its kink."""
    return values.flatten()[list(point.entries)]


def check_sides(puzzle: Puzzle, point: Point) -> tuple[Tensor, Tensor]:
    """autograd's answer at the kink point's entries, with the first of them moved
    SIDE_STEP below and above the kink: two different values show that f has no
    derivative there, and that what torch returns at the kink itself is its choice."""
    sides = []
    for step in (-SIDE_STEP, SIDE_STEP):
        flat = point.inputs[puzzle.wrt].flatten().clone()
        flat[point.entries[0]] += step
        sides.append(on_kink(autograd_answer(puzzle, _with_wrt(puzzle, point.inputs, flat)), point))
    below, above = sides
    return below, above


def puzzle_number(text: str) -> int:
    """`?p=3` opens puzzle 3: a whole number from 1 to the number of puzzles."""
    (number,) = parse_vector(text, max_length=1)
    if number != int(number) or not 1 <= number <= len(PUZZLES):
        raise InputError("puzzle_number", {"number": f"{number:g}", "count": len(PUZZLES)})
    return int(number)
