"""Where the derivative breaks: infinite and nan gradients, the masked branch of
torch.where, anomaly mode naming the backward that made a nan, and what torch returns at
kinks and ties, where no derivative exists and torch follows a convention.

Every forward below is a small function of x; the program shows its body, so the code
the learner reads is the code that ran.
"""

import ast
import functools
import inspect
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.autograd.gradcheck import GradcheckError

from i18n import translate
from lessons.demonstrations import Demonstration
from lessons.parsing import parse_vector
from lessons.program import (
    PRINT_BACKWARD_ERROR_AND_WARNINGS,
    Caught,
    Program,
    ProgramWriter,
    leaf_literal,
)
from lessons.turns import TURNS

Forward = Callable[[Tensor], Tensor]
DEFAULT_X = "0, 4, -1, 4"
# The anomaly step's own x, with the 0 that makes the nan: see anomaly_run.
ANOMALY_X = (0.0, 1.0, 4.0)
# The one-sided differences at a kink, in float64; every kink here is piecewise linear
# within 1 of its kink, so any h below 1 gives the exact one-sided slopes up to rounding.
ONE_SIDED_STEP = 1e-3
# gradcheck beside the kink: this far to its right.
BESIDE = 0.5
# The chart around a kink: kink + j / GRID for j = -GRID … GRID, the kink itself included.
GRID = 20
ANOMALY_TIMEOUT = 120  # seconds for the separate Python to import torch and run


# --- the forwards: each one's body is what the program shows ------------------------------


def sqrt(x):
    return torch.sqrt(x)


def log(x):
    return torch.log(x)


def power(x):
    return x**0.5


def reciprocal(x):
    return 1 / x


def masked(x):
    return torch.where(x > 0, torch.sqrt(x), 0 * x)


def double_where(x):
    safe = torch.where(x > 0, x, torch.ones_like(x))
    return torch.where(x > 0, torch.sqrt(safe), 0 * x)


def nan_to_num_output(x):
    return torch.nan_to_num(torch.where(x > 0, torch.sqrt(x), 0 * x))


def relu(x):
    return torch.relu(x)


def absolute(x):
    return torch.abs(x)


def clamp(x):
    return torch.clamp(x, -1.0, 1.0)


def maximum(x):
    return torch.maximum(x, torch.zeros_like(x))


def whole_max(x):
    return x.max()


def max_dim(x):
    return torch.max(x, dim=0).values


def amax(x):
    return torch.amax(x, dim=0)


# Each function with the derivative whose formula explains its gradient at 0 and below.
BLOWUPS: dict[str, tuple[Forward, str]] = {
    "sqrt": (sqrt, r"\frac{d}{dx}\sqrt{x} = \frac{1}{2\sqrt{x}}"),
    "log": (log, r"\frac{d}{dx}\log x = \frac{1}{x}"),
    "power": (power, r"\frac{d}{dx}x^{0.5} = 0.5\,x^{-0.5}"),
    "reciprocal": (reciprocal, r"\frac{d}{dx}\frac{1}{x} = -\frac{1}{x^{2}}"),
}
WHERES: dict[str, Forward] = {
    "masked": masked,
    "double_where": double_where,
    "nan_to_num_output": nan_to_num_output,
}
# Each kink function and where its kinks are; step 7 draws the first.
KINKS: dict[str, tuple[Forward, tuple[float, ...]]] = {
    "relu": (relu, (0.0,)),
    "abs": (absolute, (0.0,)),
    "clamp": (clamp, (-1.0, 1.0)),
    "maximum": (maximum, (0.0,)),
}
TIES: dict[str, Forward] = {"max": whole_max, "max_dim": max_dim, "amax": amax}


@functools.cache  # a function's source does not change while the app runs
def forward_lines(forward: Forward) -> tuple[str, ...]:
    """The body of `forward` as lines of a program: its final `return e` becomes `y = e`."""
    source = textwrap.dedent(inspect.getsource(forward))
    function = ast.parse(source).body[0]
    lines = source.splitlines()[function.body[0].lineno - 1 : function.body[-1].lineno - 1]
    returned = ast.get_source_segment(source, function.body[-1].value)
    return (*textwrap.dedent("\n".join(lines)).splitlines(), f"y = {returned}")


def code_of(forward: Forward) -> str:
    """The expression `forward` returns, as the page names it: `torch.sqrt(x)`."""
    return forward_lines(forward)[-1].removeprefix("y = ")


# --- what the lesson returns ---------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One forward on the learner's x, then y.sum().backward()."""

    key: str
    code: tuple[str, ...]
    value: Tensor  # y
    grad: Tensor  # x.grad


@dataclass(frozen=True)
class Anomaly:
    """What anomaly mode said, in a Python process of its own (see anomaly_run)."""

    x: tuple[float, ...]
    code: tuple[str, ...]
    error: str | None  # torch's RuntimeError message
    warning: str | None  # the first line of torch's warning, "Error detected in …"
    ran: bool = True  # False: the separate Python could not be started or did not finish


@dataclass(frozen=True)
class Convention:
    """What torch returns at each kink of one function."""

    key: str
    code: str
    kinks: tuple[float, ...]
    grads: tuple[float, ...]


@dataclass(frozen=True)
class Tie:
    run: Run
    share: str  # "even": every tied entry gets 1/count; "one": one entry gets it all
    index: int | None  # torch.max(x, dim=0).indices, for max_dim


@dataclass(frozen=True)
class CloseUp:
    """One kink function around its kink: the curve, torch's gradient, the one-sided
    differences and gradcheck's verdicts at the kink and beside it."""

    key: str
    kink: float
    grid: Tensor  # float64 points, the kink at index GRID
    values: Tensor
    grads: Tensor
    at_kink: float  # torch's gradient at the kink
    left: float  # (f(k) - f(k - h)) / h
    right: float  # (f(k + h) - f(k)) / h
    passes_at_kink: bool
    error: Caught | None  # what gradcheck raised at the kink, None when it passed
    beside: float  # a point beside the kink
    passes_beside: bool

    @property
    def has_derivative(self) -> bool:
        return abs(self.left - self.right) < 1e-6


@dataclass(frozen=True)
class EdgesLesson:
    x: Tensor
    blowups: tuple[Run, ...]
    wheres: tuple[Run, ...]
    hidden: Tensor  # torch.nan_to_num of sqrt's x.grad
    anomaly: Anomaly
    kinks: tuple[Run, ...]
    conventions: tuple[Convention, ...]
    ties: tuple[Tie, ...]
    close_up: CloseUp
    program: Program

    def run(self, key: str) -> Run:
        runs = (*self.blowups, *self.wheres, *self.kinks, *(tie.run for tie in self.ties))
        return next(run for run in runs if run.key == key)


def edges_lesson(x_text: str, kink: str = "relu", language: str = "en") -> EdgesLesson:
    values = parse_vector(x_text)
    if kink not in KINKS:
        raise ValueError(f"unknown kink {kink!r}")
    writer = ProgramWriter(language, modules=("warnings",))
    x = torch.tensor(values, requires_grad=True)
    writer.code(f"x = {leaf_literal(values)}")

    _comment(writer, language, "blowups")
    blowups = tuple(_run(writer, x, key, forward) for key, (forward, _) in BLOWUPS.items())

    _comment(writer, language, "wheres")
    wheres = tuple(_run(writer, x, key, forward) for key, forward in WHERES.items())
    hidden = _hidden(writer, x)

    _comment(writer, language, "anomaly")
    anomaly = anomaly_run()
    writer.code(*anomaly.code)
    for label, said in (("RuntimeError:", anomaly.error), ("UserWarning:", anomaly.warning)):
        if said is not None:
            writer.prints(label, said)

    _comment(writer, language, "kinks")
    writer.code(f"x = {leaf_literal(values)}")
    kinks = tuple(_run(writer, x, key, forward) for key, (forward, _) in KINKS.items())

    _comment(writer, language, "ties")
    ties = tuple(_tie(writer, x, key, forward) for key, forward in TIES.items())

    _comment(writer, language, "close_up")
    close_up = _close_up(writer, kink, language)
    return EdgesLesson(
        x=x.detach(),
        blowups=blowups,
        wheres=wheres,
        hidden=hidden,
        anomaly=anomaly,
        kinks=kinks,
        conventions=tuple(_convention(key) for key in KINKS),
        ties=ties,
        close_up=close_up,
        program=writer.finish(),
    )


def _comment(writer: ProgramWriter, language: str, key: str) -> None:
    writer.blank()
    writer.code(f"# {translate(language, f'edges.code_{key}')}")


def _run(writer: ProgramWriter, x: Tensor, key: str, forward: Forward) -> Run:
    x.grad = None
    y = forward(x)
    y.sum().backward()
    code = forward_lines(forward)
    writer.code("x.grad = None", *code, "y.sum().backward()")
    writer.show("y =", "y.detach()", y.detach())
    writer.show("x.grad =", "x.grad", x.grad)
    return Run(key, code, y.detach(), x.grad.clone())


def _convention(key: str) -> Convention:
    forward, kinks = KINKS[key]
    points = torch.tensor(kinks, requires_grad=True)
    forward(points).sum().backward()
    return Convention(key, code_of(forward), kinks, tuple(points.grad.tolist()))


def _hidden(writer: ProgramWriter, x: Tensor) -> Tensor:
    """sqrt's gradient with torch.nan_to_num applied to it."""
    x.grad = None
    sqrt(x).sum().backward()
    hidden = torch.nan_to_num(x.grad)
    writer.code("x.grad = None", f"{code_of(sqrt)}.sum().backward()")
    writer.show("torch.nan_to_num(x.grad) =", "torch.nan_to_num(x.grad)", hidden)
    return hidden


def _tie(writer: ProgramWriter, x: Tensor, key: str, forward: Forward) -> Tie:
    run = _run(writer, x, key, forward)
    index = None
    if forward is max_dim:
        index = torch.max(x, dim=0).indices.item()
        writer.show("index =", "torch.max(x, dim=0).indices.item()", index)
    return Tie(run, _share(x.detach(), run.grad), index)


def _share(x: Tensor, grad: Tensor) -> str:
    """How torch shared the gradient of the maximum among the entries that hold it."""
    tied = x == x.max()
    even = torch.where(tied, 1 / tied.sum(), 0.0)
    return "even" if torch.allclose(grad, even) else "one"


# --- anomaly mode, in a process of its own -------------------------------------------------

# One separate run per server process, and never two at once.
_ANOMALY_LOCK = threading.Lock()


def anomaly_lines(values: tuple[float, ...]) -> tuple[str, ...]:
    """The anomaly step as a program: the forward of `masked` and its backward, under
    anomaly mode, printing torch's error and the first line of its warning."""
    return (
        f"x = {leaf_literal(values)}",
        "with torch.autograd.set_detect_anomaly(True):",
        *(f"    {line}" for line in forward_lines(masked)),
        "    with warnings.catch_warnings(record=True) as caught:",
        '        warnings.simplefilter("always")',
        *PRINT_BACKWARD_ERROR_AND_WARNINGS,
    )


def anomaly_run() -> Anomaly:
    """Anomaly mode is one switch for the whole process, not per thread: while it is on,
    every backward of every session on this server is checked, and one that returns nan
    raises (tests/test_edges.py shows it with two threads). So its step runs in a fresh
    Python, once per server process, and the page reports what that torch printed.
    Other sessions take their turns while this one waits for that Python."""
    if _anomaly_once.cache_info().currsize:  # made already: nothing to wait for
        return _anomaly_once()
    # Aside before waiting for the lock too: a second session's first visit waits for the
    # same Python, and holding the turn meanwhile would stop every other session.
    with TURNS.aside(), _ANOMALY_LOCK:
        return _anomaly_once()


@functools.cache
def _anomaly_once() -> Anomaly:
    code = anomaly_lines(ANOMALY_X)
    program = "\n".join(("import torch", "import warnings", *code, ""))
    try:
        said = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            timeout=ANOMALY_TIMEOUT,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):  # kept: a broken server, not a bad input
        return Anomaly(ANOMALY_X, code, None, None, ran=False)
    printed = dict(line.split(": ", 1) for line in said.splitlines() if ": " in line)
    return Anomaly(ANOMALY_X, code, printed.get("RuntimeError"), printed.get("UserWarning"))


def _anomaly_error() -> None:
    """Raise the RuntimeError torch raised in the anomaly step's own process."""
    anomaly = anomaly_run()
    if anomaly.ran:  # otherwise nothing raised, which the finder refuses to learn from
        raise RuntimeError(anomaly.error)


DEMONSTRATIONS = (Demonstration("anomaly_nan", "edges", "anomaly", _anomaly_error),)


# --- one kink up close ---------------------------------------------------------------------


def _close_up(writer: ProgramWriter, key: str, language: str) -> CloseUp:
    forward, (kink, *_) = KINKS[key]
    grid = (kink + torch.arange(-GRID, GRID + 1, dtype=torch.float64) / GRID).requires_grad_()
    forward(grid).sum().backward()
    point = torch.tensor([kink], dtype=torch.float64, requires_grad=True)
    beside = torch.tensor([kink + BESIDE], dtype=torch.float64, requires_grad=True)
    forward(point).sum().backward()
    h = ONE_SIDED_STEP
    with torch.no_grad():
        left = ((forward(point) - forward(point - h)) / h).item()
        right = ((forward(point + h) - forward(point)) / h).item()
    passes_at_kink = torch.autograd.gradcheck(forward, (point,), raise_exception=False)
    error = None
    try:
        torch.autograd.gradcheck(forward, (point,))
    except GradcheckError as raised:
        error = Caught(type(raised), str(raised))
    passes_beside = torch.autograd.gradcheck(forward, (beside,), raise_exception=False)
    _write_close_up(writer, forward, kink, language)
    writer.prints("x.grad =", point.grad)
    writer.prints("left:", left)
    writer.prints("right:", right)
    writer.prints("gradcheck at the kink:", passes_at_kink)
    if error is not None:
        writer.prints(f"{error.kind.__name__}:", error.message)
    writer.prints("gradcheck beside it:", passes_beside)
    return CloseUp(
        key=key,
        kink=kink,
        grid=grid.detach(),
        values=forward(grid).detach(),
        grads=grid.grad.clone(),
        at_kink=point.grad.item(),
        left=left,
        right=right,
        passes_at_kink=passes_at_kink,
        error=error,
        beside=beside.item(),
        passes_beside=passes_beside,
    )


def _write_close_up(writer: ProgramWriter, forward: Forward, kink: float, language: str) -> None:
    writer.code(
        "def f(x):",
        f"    return {code_of(forward)}",
        "",
        "",
        f"point = torch.tensor([{kink!r}], dtype=torch.float64, requires_grad=True)",
        f"beside = torch.tensor([{kink + BESIDE!r}], dtype=torch.float64, requires_grad=True)",
        "f(point).sum().backward()",
        'print("x.grad =", point.grad)',
        f"h = {ONE_SIDED_STEP!r}",
        "with torch.no_grad():",
        '    print("left:", ((f(point) - f(point - h)) / h).item())',
        '    print("right:", ((f(point + h) - f(point)) / h).item())',
        'print("gradcheck at the kink:", '
        "torch.autograd.gradcheck(f, (point,), raise_exception=False))",
        "try:",
        "    torch.autograd.gradcheck(f, (point,))",
        f"except RuntimeError as error:  # {translate(language, 'code.gradcheck_error')}",
        '    print(f"{type(error).__name__}:", error)',
        'print("gradcheck beside it:", '
        "torch.autograd.gradcheck(f, (beside,), raise_exception=False))",
    )
