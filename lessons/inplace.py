"""In-place changes and saved tensors: what a node keeps for its backward, the version counter
that guards what it kept, torch's errors when a kept tensor changed, and the ways out.

One operation, picked by the learner, runs through the lesson: y = op(x), an in-place change
of y, then y.sum().backward(). Whether that backward fails depends only on whether the node
of op saved y, which the lesson reads from the node itself (its `_saved_*` attributes).
"""

import ast
import functools
import inspect
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from lessons.demonstrations import Demonstration
from lessons.parsing import InputError, parse_vector
from lessons.program import (
    PRINT_BACKWARD_ERROR_AND_WARNINGS,
    Caught,
    Program,
    ProgramWriter,
    leaf,
    leaf_literal,
    runtime_error,
    with_warnings,
)

DEFAULT_X = (1.0, 2.0, 3.0)
C_VALUE = 0.5  # every entry of the constant c in x * c
LEARNING_RATE = 0.1
# One step of gradient descent, made as optimizers make it: in place, where nothing is recorded.
UPDATE_LINES = ("with torch.no_grad():", f"    x -= {LEARNING_RATE} * x.grad")
SAVED_PREFIX = "_saved_"
# A frame of a Python traceback, as torch's anomaly warning quotes the forward call.
_FRAME = re.compile(
    r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)\n +(?P<code>.+)'
)


# The operations, one line each: the program shows that line, and anomaly mode points at it.
def _square(x: Tensor, c: Tensor) -> Tensor:
    return x**2


def _exp(x: Tensor, c: Tensor) -> Tensor:
    return x.exp()


def _sigmoid(x: Tensor, c: Tensor) -> Tensor:
    return torch.sigmoid(x)


def _tanh(x: Tensor, c: Tensor) -> Tensor:
    return torch.tanh(x)


def _times_c(x: Tensor, c: Tensor) -> Tensor:
    return x * c


def _plus_one(x: Tensor, c: Tensor) -> Tensor:
    return x + 1


def _sum(x: Tensor, c: Tensor) -> Tensor:
    return x.sum()


OPERATIONS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "square": _square,
    "exp": _exp,
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "times_c": _times_c,
    "plus_one": _plus_one,
    "sum": _sum,
}


@functools.cache  # the source of a function does not change while the app runs
def expression(operation: str) -> str:
    """The expression the operation's function returns, as Python writes it: `x ** 2`."""
    source = textwrap.dedent(inspect.getsource(OPERATIONS[operation]))
    return ast.unparse(ast.parse(source).body[0].body[-1].value)


def _zero_first(t: Tensor) -> None:
    t[0] = 0


@dataclass(frozen=True)
class Change:
    """An in-place change, written for any tensor `{t}`, and the same change out of place."""

    in_place: str
    out_of_place: str  # a new y made from y
    apply: Callable[[Tensor], object]
    rebuild: Callable[[Tensor], Tensor]

    def line(self, target: str = "y") -> str:
        return self.in_place.format(t=target)


CHANGES = {
    "add": Change("{t}.add_(1)", "y + 1", lambda t: t.add_(1), lambda y: y + 1),
    "index": Change(
        "{t}[0] = 0",
        "y.index_fill(0, torch.tensor([0]), 0)",
        _zero_first,
        lambda y: y.index_fill(0, torch.tensor([0]), 0),
    ),
    "relu": Change("{t}.relu_()", "y.relu()", lambda t: t.relu_(), lambda y: y.relu()),
}
FIXES = ("out_of_place", "clone", "after_backward")


@dataclass(frozen=True)
class Saved:
    """One `_saved_*` attribute of the node, read right after the forward pass."""

    attribute: str
    value: str  # as print() shows it
    tensor: str | None  # "x", "y" or "c" when the value is that very tensor, else None


@dataclass(frozen=True)
class Fix:
    key: str  # one of FIXES
    lines: tuple[str, ...]  # from y = op(x) to backward and the change, in the order run
    grad: Tensor


@dataclass(frozen=True)
class Frame:
    """The last frame of the forward call torch's anomaly warning quotes."""

    file: str  # the file's name, without its folder
    line: int
    function: str
    code: str


@dataclass(frozen=True)
class InplaceLesson:
    x: Tensor
    forward_line: str  # y = x.exp()
    change_line: str  # y.add_(1)
    data_line: str  # the same change through y.data
    detach_line: str  # and through y.detach()
    leaf_line: str  # and made to x
    node: str  # torch's name for y's node, such as ExpBackward0
    saved: tuple[Saved, ...]
    saves_y: bool
    versions: tuple[int, int]  # y._version before and after the change
    backward_error: str | None  # y.sum().backward() after the change
    error_names_all: bool  # torch's message quotes y's shape, its operation and both versions
    backward_grad: Tensor | None  # x.grad when that backward ran
    fixes: tuple[Fix, ...]
    data_version: int  # y._version after y.data was changed
    data_grad: Tensor  # x.grad after y.data was changed: wrong when y was saved
    data_grad_differs: bool  # from the out-of-place fix, where autograd saw the change
    detach_version: int  # y._version after y.detach() was changed
    detach_error: str | None
    leaf_error: str | None  # the change made to x itself
    leaf_version: int  # x._version after torch refused
    update_grad: Tensor  # x.grad that the update below uses
    updated_x: Tensor  # x after `with torch.no_grad(): x -= lr * x.grad`
    updated: tuple[int, bool, bool]  # x._version, x.is_leaf and x.requires_grad after it
    anomaly_error: str | None
    anomaly_warnings: tuple[Caught, ...]
    anomaly_frame: Frame | None
    program: Program


def inplace_lesson(
    x_text: str, operation: str = "exp", change: str = "add", language: str = "en"
) -> InplaceLesson:
    values = parse_vector(x_text)
    writer = ProgramWriter(language, modules=("warnings",))
    x = leaf(values)
    c = torch.full_like(x, C_VALUE)
    writer.code(f"x = {leaf_literal(values)}")
    if operation == "times_c":
        writer.code(f"c = torch.full_like(x, {C_VALUE})")
    forward_line = f"y = {expression(operation)}"
    _refuse_index_of_a_number(OPERATIONS[operation](x, c), change, forward_line)
    edit = CHANGES[change]

    writer.blank()
    writer.comment("inplace_saved")
    y = forward(x, c, operation)
    node = y.grad_fn.name()
    saved = read_saved(y.grad_fn, x=x, y=y, c=c)
    writer.code(forward_line)
    _print_saved(writer, node, saved)

    writer.blank()
    writer.comment("inplace_version")
    before = y._version
    writer.show("y._version =", "y._version", before)
    edit.apply(y)
    writer.code(edit.line())
    writer.show("y._version =", "y._version", y._version)
    versions = (before, y._version)
    backward_error = runtime_error(lambda: backward(y))
    backward_grad = _show_backward(writer, x, backward_error)

    fixes = tuple(_fix(writer, x, c, operation, edit, key) for key in FIXES)

    writer.blank()
    writer.comment("inplace_data")
    data_version, data_grad, _ = _change_through(writer, x, c, operation, edit, "y.data")
    writer.blank()
    writer.comment("inplace_detach")
    detach_version, _, detach_error = _change_through(writer, x, c, operation, edit, "y.detach()")

    writer.blank()
    writer.comment("inplace_leaf")
    leaf_error = runtime_error(lambda: edit.apply(x))
    writer.show_error(edit.line("x"), leaf_error)
    writer.show("x._version =", "x._version", x._version)
    leaf_version = x._version
    update_grad, updated = _update(writer, x, c, operation)

    writer.blank()
    writer.comment("inplace_anomaly")
    anomaly_error, anomaly_warnings = anomaly_run(x, c, operation, change)
    _print_anomaly(writer, forward_line, edit.line(), anomaly_error, anomaly_warnings)

    return InplaceLesson(
        x=torch.tensor(values),
        forward_line=forward_line,
        change_line=edit.line(),
        data_line=edit.line("y.data"),
        detach_line=edit.line("y.detach()"),
        leaf_line=edit.line("x"),
        node=node,
        saved=saved,
        saves_y=any(item.tensor == "y" for item in saved),
        versions=versions,
        backward_error=backward_error,
        error_names_all=_names_all(backward_error, list(y.shape), node, versions),
        backward_grad=backward_grad,
        fixes=fixes,
        data_version=data_version,
        data_grad=data_grad,
        data_grad_differs=not torch.equal(data_grad, fixes[0].grad),
        detach_version=detach_version,
        detach_error=detach_error,
        leaf_error=leaf_error,
        leaf_version=leaf_version,
        update_grad=update_grad,
        updated_x=x.detach().clone(),
        updated=updated,
        anomaly_error=anomaly_error,
        anomaly_warnings=anomaly_warnings,
        anomaly_frame=last_frame(anomaly_warnings),
        program=writer.finish(),
    )


def forward(x: Tensor, c: Tensor, operation: str) -> Tensor:
    return OPERATIONS[operation](x, c)


def backward(y: Tensor) -> None:
    y.sum().backward()


def _refuse_index_of_a_number(y: Tensor, change: str, forward_line: str) -> None:
    if change == "index" and y.dim() == 0:
        raise InputError("inplace_no_entry", {"line": forward_line})


def _names_all(error: str | None, shape: list[int], node: str, versions: tuple[int, int]) -> bool:
    """Whether torch's message names the shape, the operation (the node's name without its
    `Backward` suffix) and both versions, as the page says it does."""
    operation = node.split("Backward")[0]
    quoted = (str(shape), operation, *(f"version {version}" for version in versions))
    return error is not None and all(part in error for part in quoted)


def read_saved(node: torch.autograd.graph.Node, **tensors: Tensor) -> tuple[Saved, ...]:
    """Every `_saved_*` attribute the node has, whichever this torch gives it."""
    return tuple(
        Saved(name, str(value), _which(value, tensors))
        for name in dir(node)
        if name.startswith(SAVED_PREFIX)
        for value in (getattr(node, name),)
    )


def _which(value: object, tensors: dict[str, Tensor]) -> str | None:
    """The name of the tensor `value` is (same storage, shape and dtype), if one of them."""
    if not isinstance(value, Tensor):
        return None
    return next(
        (
            name
            for name, tensor in tensors.items()
            if tensor.data_ptr() == value.data_ptr()
            and tensor.shape == value.shape
            and tensor.dtype == value.dtype
        ),
        None,
    )


def _print_saved(writer: ProgramWriter, node: str, saved: tuple[Saved, ...]) -> None:
    writer.show("y.grad_fn:", "y.grad_fn.name()", node)
    writer.code(
        "for name in dir(y.grad_fn):",
        f'    if name.startswith("{SAVED_PREFIX}"):',
        "        print(name, getattr(y.grad_fn, name))",
    )
    for item in saved:
        writer.prints(item.attribute, item.value)


def _show_backward(writer: ProgramWriter, x: Tensor, error: str | None) -> Tensor | None:
    writer.show_error("y.sum().backward()", error)
    if error is not None:
        return None
    writer.show("x.grad =", "x.grad", x.grad)
    return x.grad.clone()


def _fix(
    writer: ProgramWriter, x: Tensor, c: Tensor, operation: str, edit: Change, key: str
) -> Fix:
    x.grad = None
    y = forward(x, c, operation)
    if key == "out_of_place":
        y = edit.rebuild(y)
        backward(y)
        lines = (f"y = {edit.out_of_place}", "y.sum().backward()")
    elif key == "clone":
        y = y.clone()
        edit.apply(y)
        backward(y)
        lines = ("y = y.clone()", edit.line(), "y.sum().backward()")
    else:
        backward(y)
        edit.apply(y)
        lines = ("y.sum().backward()", edit.line())
    lines = (f"y = {expression(operation)}", *lines)
    writer.blank()
    writer.comment(f"inplace_fix_{key}")
    writer.code("x.grad = None", *lines)
    writer.show("x.grad =", "x.grad", x.grad)
    return Fix(key, lines, x.grad.clone())


def _change_through(
    writer: ProgramWriter, x: Tensor, c: Tensor, operation: str, edit: Change, target: str
) -> tuple[int, Tensor | None, str | None]:
    """Change y in place through `y.data` or `y.detach()`, then backward: y's version after
    the change, x.grad if backward ran, torch's error if it did not."""
    x.grad = None
    y = forward(x, c, operation)
    edit.apply(y.data if target == "y.data" else y.detach())
    writer.code("x.grad = None", f"y = {expression(operation)}", edit.line(target))
    writer.show("y._version =", "y._version", y._version)
    error = runtime_error(lambda: backward(y))
    return y._version, _show_backward(writer, x, error), error


def _update(
    writer: ProgramWriter, x: Tensor, c: Tensor, operation: str
) -> tuple[Tensor, tuple[int, bool, bool]]:
    """UPDATE_LINES after a backward() of y: x.grad used, and x's version, is_leaf and
    requires_grad after the step."""
    x.grad = None
    backward(forward(x, c, operation))
    grad = x.grad.clone()
    with torch.no_grad():
        x -= LEARNING_RATE * x.grad
    writer.code(
        "x.grad = None", f"y = {expression(operation)}", "y.sum().backward()", *UPDATE_LINES
    )
    writer.show("x =", "x", x)
    facts = (x._version, x.is_leaf, x.requires_grad)
    asked = "x._version, x.is_leaf, x.requires_grad"
    writer.show(f"{asked} =", asked, " ".join(map(str, facts)))
    return grad, facts


def anomaly_run(
    x: Tensor, c: Tensor, operation: str, change: str
) -> tuple[str | None, tuple[Caught, ...]]:
    """The version step again with anomaly mode on: torch's error and what it warned.

    Anomaly mode is one flag for the whole process, not per thread, and Streamlit runs every
    session as a thread of one process. So it is switched on only while holding the lock of
    the lessons' warnings catcher (nothing else in the app turns it on), and off again before
    the lock is let go. check_nan=False, as torch's own hint writes it: a backward of another
    session that gives nan in this short window must not raise because of this one. A warning
    another session's failing backward emits in this window lands in the same process-wide
    record; it quotes that session's code, not this module, and is left out."""
    error, caught = with_warnings(lambda: _backward_in_anomaly_mode(x, c, operation, change))
    return error, tuple(item for item in caught if f'File "{__file__}"' in item.message)


def _backward_in_anomaly_mode(x: Tensor, c: Tensor, operation: str, change: str) -> str | None:
    with torch.autograd.set_detect_anomaly(True, check_nan=False):
        y = forward(x, c, operation)
        CHANGES[change].apply(y)
        return runtime_error(lambda: backward(y))


def last_frame(caught: tuple[Caught, ...]) -> Frame | None:
    """The innermost frame of the forward call that torch quotes, if it quotes one."""
    frames = [match for item in caught for match in _FRAME.finditer(item.message)]
    if not frames:
        return None
    frame = frames[-1]
    return Frame(Path(frame["file"]).name, int(frame["line"]), frame["function"], frame["code"])


def first_line(message: str) -> str:
    return message.split("\n", 1)[0]


def _print_anomaly(
    writer: ProgramWriter,
    forward_line: str,
    change_line: str,
    error: str | None,
    caught: tuple[Caught, ...],
) -> None:
    writer.code(
        "with warnings.catch_warnings(record=True) as caught:",
        '    warnings.simplefilter("always")',
        "    with torch.autograd.set_detect_anomaly(True, check_nan=False):",
        f"        {forward_line}",
        f"        {change_line}",
        *PRINT_BACKWARD_ERROR_AND_WARNINGS,
    )
    if error is not None:
        writer.prints("RuntimeError:", error)
    for item in caught:
        writer.prints(f"{item.kind.__name__}:", first_line(item.message))


# --- for the error finder: the lesson's own steps, on the default x ----------------------------


def _version_error() -> None:
    x = leaf(DEFAULT_X)
    y = forward(x, torch.full_like(x, C_VALUE), "exp")
    CHANGES["add"].apply(y)
    backward(y)


def _leaf_error() -> None:
    CHANGES["add"].apply(leaf(DEFAULT_X))


DEMONSTRATIONS: tuple[Demonstration, ...] = (
    Demonstration("inplace_saved", "inplace", "version", _version_error),
    Demonstration("inplace_leaf", "inplace", "leaf", _leaf_error),
)
