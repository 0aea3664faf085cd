"""Why is there no gradient? Each way a loss loses its path back to the tensor that needs a
gradient, raised live on the learner's x, and its fix run next to it.

Most causes run the same loss, loss = Σ xⱼ², so their fixes must leave x.grad = 2x. The
hidden-error and inference causes train weights instead, with gradients derived where they
are built, and the numpy fix reads values. Each step that raises is a small function here,
which the lesson runs and DEMONSTRATIONS hands to the error finder.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from torch import Tensor

from lessons.demonstrations import Demonstration
from lessons.parsing import parse_vector
from lessons.program import (
    Caught,
    Program,
    ProgramWriter,
    leaf,
    leaf_literal,
    runtime_error,
    with_warnings,
)

LOSS_LINE = "loss = (x * x).sum()"
# Ways to rebuild the loss from values that no longer remember x: the line, and that line run.
CUTS: dict[str, tuple[str, Callable[[Tensor], Tensor]]] = {
    "detach": ("loss = (x * x).detach().sum()", lambda x: (x * x).detach().sum()),
    "item": (
        "loss = torch.tensor((x * x).sum().item())",
        lambda x: torch.tensor((x * x).sum().item()),
    ),
    "tolist": (
        "loss = torch.tensor((x * x).tolist()).sum()",
        lambda x: torch.tensor((x * x).tolist()).sum(),
    ),
    "tensor": ("loss = torch.tensor(x * x).sum()", lambda x: torch.tensor(x * x).sum()),
}
DEMO_X = (1.0, 2.0, 3.0)
BIAS = 0.5  # the second weight of the hidden-error cause


@dataclass(frozen=True)
class Shown:
    """One printed result, `label value`, and what torch warned while it was computed (an
    empty label: only the warnings, of a line that prints nothing)."""

    label: str
    value: object
    warnings: tuple[Caught, ...] = ()


@dataclass(frozen=True)
class Attempt:
    """Lines as a learner writes them, what torch raised at the last of them (only when
    `tried`), and what the attempt printed."""

    code: tuple[str, ...]
    tried: bool
    error: str | None
    shown: tuple[Shown, ...]


@dataclass(frozen=True)
class Cause:
    key: str  # catalog key: nograd.<key>_…
    anchor: str  # the subheader's anchor on the page
    broken: Attempt
    fixed: Attempt
    expected: tuple[object, ...]  # the fix's results, derived by hand, in the order shown
    fix_agrees: bool  # every result of the fix equals the one derived by hand


@dataclass(frozen=True)
class NoGradLesson:
    causes: tuple[Cause, ...]
    program: Program


class _AttemptWriter:
    """Records the lines the lesson runs into one Attempt and into the program, with the
    program's prints and try/except around them. Only `fails` runs anything: the statement
    torch is to refuse, so that it catches what torch raised."""

    def __init__(self, writer: ProgramWriter) -> None:
        self._writer = writer
        self._code: list[str] = []
        self._shown: list[Shown] = []
        self._tried = False
        self._error: str | None = None

    def code(self, *lines: str) -> None:
        self._code += lines
        self._writer.code(*lines)

    def code_warned(self, line: str, warned: tuple[Caught, ...]) -> None:
        """`line`, which torch may have warned about: the program prints those warnings."""
        if not warned:
            self.code(line)
            return
        self._code.append(line)
        self._writer.code(*_recording(f"    {line}"))
        self._print_warnings(warned)
        self._shown.append(Shown("", None, warned))

    def fails(self, statement: str, action: Callable[[], object]) -> None:
        """`statement`, run by `action`, expected to make torch raise."""
        self._code.append(statement)
        self._tried, self._error = True, runtime_error(action)
        self._writer.show_error(statement, self._error)

    def show(self, label: str, expression: str, value: object) -> None:
        self._shown.append(Shown(label, value))
        self._writer.show(label, expression, value)

    def show_grad(self, name: str, tensor: Tensor) -> None:
        """`name.grad`, read with torch's warnings caught (a non-leaf's warns)."""
        grad, warned = with_warnings(lambda: tensor.grad)
        label = f"{name}.grad ="
        if not warned:
            self.show(label, f"{name}.grad", grad)
            return
        self._writer.code(*_recording(f'    print("{label}", {name}.grad)'))
        self._writer.prints(label, grad)
        self._print_warnings(warned)
        self._shown.append(Shown(label, grad, warned))

    def _print_warnings(self, warned: tuple[Caught, ...]) -> None:
        self._writer.code(
            "for warning in caught:",
            '    print(f"{warning.category.__name__}:", warning.message)',
        )
        for warning in warned:
            self._writer.prints(f"{warning.kind.__name__}:", warning.message)

    def finish(self) -> Attempt:
        return Attempt(tuple(self._code), self._tried, self._error, tuple(self._shown))


def _recording(*lines: str) -> tuple[str, ...]:
    return (
        "with warnings.catch_warnings(record=True) as caught:",
        '    warnings.simplefilter("always")',
        *lines,
    )


# --- the steps that raise: the lesson runs these, and so does the error finder -------------


def loss_without_requires_grad(values: Sequence[float]) -> Tensor:
    x = torch.tensor(list(values))
    return (x * x).sum()


def integer_leaf(values: Sequence[float]) -> Tensor:
    return torch.tensor(list(values), dtype=torch.int64, requires_grad=True)


def inference_data(values: Sequence[float]) -> Tensor:
    with torch.inference_mode():
        return torch.tensor(list(values))


def weighted_loss(w: Tensor, data: Tensor) -> Tensor:
    return (w * data).sum()


def _backward_without_requires_grad() -> None:
    loss_without_requires_grad(DEMO_X).backward()


def _train_on_inference_data() -> None:
    weighted_loss(torch.ones(len(DEMO_X), requires_grad=True), inference_data(DEMO_X))


def _numpy_of_a_leaf() -> None:
    leaf(DEMO_X).numpy()


DEMONSTRATIONS = (
    Demonstration("no_grad_fn", "nograd", "causes", _backward_without_requires_grad),
    Demonstration("integer_grad", "nograd", "integer", partial(integer_leaf, DEMO_X)),
    Demonstration("inference_saved", "nograd", "inference", _train_on_inference_data),
    Demonstration("numpy_grad", "nograd", "numpy", _numpy_of_a_leaf),
)


# --- the lesson --------------------------------------------------------------------------


def nograd_lesson(x_text: str, cut: str = "detach", language: str = "en") -> NoGradLesson:
    values = parse_vector(x_text)
    if cut not in CUTS:
        raise ValueError(f"unknown cut {cut!r}")
    writer = ProgramWriter(language, modules=("warnings",))
    causes = tuple(
        step(values, writer)
        for step in (
            _forgotten,
            _under_no_grad,
            partial(_cut, cut=cut),
            _integer,
            _nonleaf,
            _hidden,
            _inference,
            _numpy,
        )
    )
    return NoGradLesson(causes, writer.finish())


def _cause(
    key: str,
    writer: ProgramWriter,
    broken: Callable[[_AttemptWriter], None],
    fixed: Callable[[_AttemptWriter], None],
    expected: tuple[object, ...],
    anchor: str | None = None,
) -> Cause:
    """Run and record the broken attempt, then the fix, each under its own comment."""
    attempts = []
    for part, run in (("broken", broken), ("fixed", fixed)):
        writer.blank()
        writer.comment(f"nograd_{key}_{part}")
        attempt = _AttemptWriter(writer)
        run(attempt)
        attempts.append(attempt.finish())
    results = [shown.value for shown in attempts[1].shown]
    return Cause(
        key,
        anchor or key,
        *attempts,
        expected,
        all(_same(*pair) for pair in zip(results, expected, strict=True)),
    )


def _same(result: object, expected: object) -> bool:
    if isinstance(result, np.ndarray):
        return result.dtype == expected.dtype and np.array_equal(result, expected)
    if isinstance(result, Tensor):
        return result.dtype == expected.dtype and torch.equal(result, expected)
    return result == expected


def _fit(attempt: _AttemptWriter, x: Tensor) -> None:
    """The loss, its backward and x.grad, the way the fixes run them."""
    loss = (x * x).sum()
    loss.backward()
    attempt.code(LOSS_LINE, "loss.backward()")
    attempt.show_grad("x", x)


def _forgotten(values: Sequence[float], writer: ProgramWriter) -> Cause:
    def broken(attempt: _AttemptWriter) -> None:
        loss = loss_without_requires_grad(values)
        attempt.code(f"x = torch.tensor({list(values)!r})", LOSS_LINE)
        attempt.fails("loss.backward()", loss.backward)

    def fixed(attempt: _AttemptWriter) -> None:
        attempt.code(f"x = {leaf_literal(values)}")
        _fit(attempt, leaf(values))

    return _cause("forgotten", writer, broken, fixed, (_twice(values),), anchor="causes")


def _under_no_grad(values: Sequence[float], writer: ProgramWriter) -> Cause:
    x = leaf(values)

    def broken(attempt: _AttemptWriter) -> None:
        with torch.no_grad():
            loss = (x * x).sum()
        attempt.code(f"x = {leaf_literal(values)}", "with torch.no_grad():", f"    {LOSS_LINE}")
        attempt.fails("loss.backward()", loss.backward)

    return _cause("no_grad", writer, broken, lambda attempt: _fit(attempt, x), (_twice(values),))


def _cut(values: Sequence[float], writer: ProgramWriter, cut: str) -> Cause:
    x = leaf(values)
    line, rebuild = CUTS[cut]

    def broken(attempt: _AttemptWriter) -> None:
        attempt.code(f"x = {leaf_literal(values)}")
        loss, warned = with_warnings(lambda: rebuild(x))
        attempt.code_warned(line, warned)
        attempt.fails("loss.backward()", loss.backward)

    return _cause("cut", writer, broken, lambda attempt: _fit(attempt, x), (_twice(values),))


def _integer(values: Sequence[float], writer: ProgramWriter) -> Cause:
    def broken(attempt: _AttemptWriter) -> None:
        line = f"x = torch.tensor({list(values)!r}, dtype=torch.int64, requires_grad=True)"
        attempt.fails(line, partial(integer_leaf, values))

    def fixed(attempt: _AttemptWriter) -> None:
        x = torch.tensor(list(values), dtype=torch.float32, requires_grad=True)
        attempt.code(f"x = torch.tensor({list(values)!r}, dtype=torch.float32, requires_grad=True)")
        _fit(attempt, x)

    return _cause("integer", writer, broken, fixed, (_twice(values),))


def _nonleaf(values: Sequence[float], writer: ProgramWriter) -> Cause:
    literal = leaf_literal(values)
    made = {
        f"{literal}.to(torch.float64)": leaf(values).to(torch.float64),
        f"{literal} * 1": leaf(values) * 1,
    }

    def broken(attempt: _AttemptWriter) -> None:
        for line, x in made.items():
            attempt.code(f"x = {line}")
            attempt.show("x.is_leaf =", "x.is_leaf", x.is_leaf)
            loss = (x * x).sum()
            loss.backward()
            attempt.code(LOSS_LINE, "loss.backward()")
            attempt.show_grad("x", x)

    def fixed(attempt: _AttemptWriter) -> None:
        x = torch.tensor(list(values), dtype=torch.float64, requires_grad=True)
        attempt.code(f"x = torch.tensor({list(values)!r}, dtype=torch.float64, requires_grad=True)")
        attempt.show("x.is_leaf =", "x.is_leaf", x.is_leaf)
        _fit(attempt, x)

    expected = (True, 2 * torch.tensor(values, dtype=torch.float64))
    return _cause("nonleaf", writer, broken, fixed, expected)


def _hidden(values: Sequence[float], writer: ProgramWriter) -> Cause:
    weights = f"w = {leaf_literal(values)}", f"b = torch.tensor({BIAS!r}, requires_grad=True)"
    loss_line = "loss = (w * w).sum() + b"

    def broken(attempt: _AttemptWriter) -> None:
        w, b = leaf(values), torch.tensor(BIAS, requires_grad=True)
        with torch.no_grad():
            loss = (w * w).sum() + b
        loss.requires_grad = True
        attempt.code(
            *weights, "with torch.no_grad():", f"    {loss_line}", "loss.requires_grad = True"
        )
        attempt.fails("loss.backward()", loss.backward)
        attempt.show_grad("w", w)
        attempt.show_grad("b", b)

    def fixed(attempt: _AttemptWriter) -> None:
        w, b = leaf(values), torch.tensor(BIAS, requires_grad=True)
        loss = (w * w).sum() + b
        loss.backward()
        attempt.code(*weights, loss_line, "loss.backward()")
        attempt.show_grad("w", w)
        attempt.show_grad("b", b)

    # ∂loss/∂w = 2w, ∂loss/∂b = 1
    return _cause("hidden", writer, broken, fixed, (_twice(values), torch.tensor(1.0)))


def _inference(values: Sequence[float], writer: ProgramWriter) -> Cause:
    data = inference_data(values)
    w = torch.ones(len(values), requires_grad=True)
    setup = (
        "with torch.inference_mode():",
        f"    data = torch.tensor({list(values)!r})",
        f"w = torch.ones({len(values)}, requires_grad=True)",
    )

    def broken(attempt: _AttemptWriter) -> None:
        attempt.code(*setup)
        attempt.fails("loss = (w * data).sum()", partial(weighted_loss, w, data))

    def fixed(attempt: _AttemptWriter) -> None:
        normal = data.clone()
        weighted_loss(w, normal).backward()
        attempt.code("data = data.clone()", "loss = (w * data).sum()", "loss.backward()")
        attempt.show_grad("w", w)

    # ∂(Σ wⱼ dataⱼ)/∂w = data = x
    return _cause("inference", writer, broken, fixed, (torch.tensor(values),))


def _numpy(values: Sequence[float], writer: ProgramWriter) -> Cause:
    x = leaf(values)

    def broken(attempt: _AttemptWriter) -> None:
        attempt.code(f"x = {leaf_literal(values)}")
        attempt.fails("x.numpy()", x.numpy)

    def fixed(attempt: _AttemptWriter) -> None:
        attempt.show("x.detach().numpy() =", "x.detach().numpy()", x.detach().numpy())

    return _cause("numpy", writer, broken, fixed, (np.array(values, dtype=np.float32),))


def _twice(values: Sequence[float]) -> Tensor:
    """∂(Σ xⱼ²)/∂x = 2x, by hand."""
    return 2 * torch.tensor(values)
