"""Lesson 5: the whole Jacobian, one product at a time.

Reverse mode: `y.backward(v)` with v = eᵢ is row i of J, so J takes m passes (one per
output). Forward mode: `torch.func.jvp` with u = eⱼ is column j, so J takes n passes (one
per input). `vmap` batches the m products into one call; `jacrev`/`jacfwd` are torch's own.

The learner's own function from the playground is a vector function by this rule: its FIRST
input, flattened, is x; every other input is held constant at its value; y is flattened.
The copyable program keeps the learner's names: a vector `a` stays `a`, a matrix `W` becomes
`W_flat = W.flatten()`, so that an input of theirs named x is never shadowed by the page's x.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
from torch import Tensor
from torch.func import jacrev, vjp, vmap

from lessons.forward_mode import jacfwd, jvp
from lessons.functions import VECTOR_FUNCTIONS, expression_source
from lessons.language.expression import (
    BACKWARD_WORK,
    MAX_WORK,
    MESSAGE_CHARS,
    Script,
    evaluate,
    parse_script,
)
from lessons.language.playground import TensorValues, parse_inputs
from lessons.parsing import MAX_LENGTH, InputError, parse_vector
from lessons.program import Program, ProgramWriter, leaf, leaf_literal, tensor_literal

# The function picker's option for the learner's function from the playground page.
PLAYGROUND = "playground"

Result = TypeVar("Result")
# Names the copyable program gives its own variables: the vector x must not take one.
_PROGRAM_GLOBALS = ("torch", "f", "y", "v", "u", "i", "j", "J", "_", "pullback", "column")
PROGRAM_NAMES = frozenset((*_PROGRAM_GLOBALS, "jacfwd", "jacrev", "jvp", "vjp", "vmap"))


def batched_code(name: str = "x") -> tuple[str, ...]:
    """What the copyable program runs for the batched J, shown on the page as it stands."""
    return (f"_, pullback = vjp(f, {name}.detach())", "(J,) = vmap(pullback)(torch.eye(len(y)))")


@dataclass(frozen=True)
class JacobianLesson:
    x: Tensor
    y: Tensor
    rows: tuple[Tensor, ...]  # x.grad after y.backward(eᵢ), i = 1 … m
    columns: tuple[Tensor, ...]  # the JVP with u = eⱼ, j = 1 … n
    batched: Tensor  # all m VJPs in one vmap call
    jacrev: Tensor
    jacfwd: Tensor
    loop_vs_batched: float  # max |stacked rows - batched|
    batched_vs_jacrev: float
    columns_vs_jacfwd: float  # max |stacked columns - jacfwd|
    batched_vs_jacfwd: float
    reverse_passes: int  # times a gradient reached x while the rows were built
    forward_passes: int  # times f ran inside jvp while the columns were built
    setup: tuple[str, ...]  # code that rebuilds x and the function's constants
    body: tuple[str, ...]  # the lines of `def f(x):` in the copyable program
    latex: str | None  # None for the learner's function, which is shown as its code
    code: str | None  # the learner's lines (Script.code); None for a function of the list
    name: str  # what the program calls x: "x", or the playground's first input (W_flat for W)
    x_line: str  # how the page introduces x above the function, e.g. "W_flat = W.flatten()  # …"

    @property
    def batched_code(self) -> str:
        return "\n".join(batched_code(self.name))

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.columns)

    @property
    def steps(self) -> int:
        """Passes until both modes are done: the slower mode's count."""
        return max(self.shape)


@dataclass(frozen=True)
class JacobianStep:
    """What both modes have built after `step` passes each."""

    step: int
    reverse_done: int  # rows filled: min(step, m)
    forward_done: int  # columns filled: min(step, n)
    reverse_partial: Tensor  # m x n: the filled rows, NaN where no pass has run yet
    forward_partial: Tensor  # m x n: the filled columns, NaN elsewhere
    current_row: int | None  # 1-based row this step filled; None once reverse is done
    current_column: int | None
    program: Program


@dataclass(frozen=True)
class VectorFunction:
    """A function of one vector x, and how the copyable program writes it."""

    compute: Callable[[Tensor], Tensor]
    x: tuple[float, ...]
    setup: tuple[str, ...]
    body: tuple[str, ...]
    latex: str | None = None
    code: str | None = None
    name: str = "x"
    x_line: str | None = None  # None: "x = <its values>"


def jacobian_lesson(x_text: str, function_name: str) -> JacobianLesson:
    function = VECTOR_FUNCTIONS[function_name]
    values = parse_vector(x_text)
    constants = function.constants(len(values))

    def f(x: Tensor) -> Tensor:
        return function.compute(x, **constants)

    setup = (f"x = {leaf_literal(values)}",)
    setup += tuple(f"{name} = {tensor_literal(value)}" for name, value in constants.items())
    body = (f"return {expression_source(function.compute)}",)
    return _lesson(VectorFunction(f, tuple(values), setup, body, latex=function.latex))


def playground_jacobian_lesson(
    inputs: Sequence[tuple[str, str]], expression: str
) -> JacobianLesson:
    """J of the playground's function: its first input, flattened, is x; the others are held
    constant. Inputs and lines get the playground's own checks and messages."""
    values = parse_inputs(inputs)
    if not values:
        raise InputError("jacobian_no_input", {})
    script, tensors = playground_function(values, expression)
    first, *held = tensors
    shape = tuple(tensors[first].shape)
    # Run once before any pass, so that a J too large is refused before its work is done.
    evaluation = evaluate(script, tensors)
    y = evaluation.y
    if y.numel() == 0:
        raise InputError("y_empty", {"shape": tuple(y.shape)})
    m, n = y.numel(), tensors[first].numel()
    if max(m, n) > MAX_LENGTH:
        raise InputError("jacobian_too_large", {"m": m, "n": n, "limit": MAX_LENGTH})
    work = lesson_work(evaluation.work, m, n)
    if work > MAX_WORK:
        raise InputError("jacobian_too_costly", {"work": f"{work:,}", "limit": f"{MAX_WORK:,}"})

    def f(x: Tensor) -> Tensor:
        return evaluate(script, {**tensors, first: x.reshape(shape)}).y.reshape(-1)

    x = tensors[first].reshape(-1)
    name, x_line, setup = program_x(first, tensors[first])
    reshape = () if name == first else (f"{first} = {name}.reshape({shape})",)
    # The constants live inside f: the learner's names cannot clash with the program's own.
    body = (
        *reshape,
        *(f"{other} = {tensor_literal(tensors[other])}" for other in held),
        *script_lines(script),
    )
    function = VectorFunction(
        f, tuple(x.tolist()), setup, body, code=script.code, name=name, x_line=x_line
    )
    return _lesson(function)


def playground_function(
    values: dict[str, TensorValues], expression: str
) -> tuple[Script, dict[str, Tensor]]:
    """The playground's function parsed over its parsed inputs (parse_inputs), and those
    inputs as tensors, the first being x: with the playground's own checks and messages."""
    script = parse_script(expression, list(values))
    return script, {name: torch.tensor(value) for name, value in values.items()}


def program_x(
    first: str, value: Tensor, reserved: frozenset[str] = PROGRAM_NAMES
) -> tuple[str, str, tuple[str, ...]]:
    """The program's name for x, the page's line that introduces it, and the program's setup.

    A vector keeps its name unless the program needs that name for itself (`reserved`); a
    matrix W is flattened into W_flat. Inside f the matrix is rebuilt under its own name
    first, so an input or a line of the learner's that is also called W_flat is harmless."""
    flat = value.reshape(-1)
    if value.dim() == 1 and first not in reserved:
        return first, f"{first} = {flat}", (f"{first} = {leaf_literal(flat.tolist())}",)
    name = f"{first}_flat"
    setup = (f"{first} = {tensor_literal(value)}", f"{name} = {first}.flatten().requires_grad_()")
    return name, f"{name} = {first}.flatten()  # {flat}", setup


def lesson_work(forward: int, m: int, n: int) -> int:
    """What `_lesson` costs for a function whose forward pass costs `forward`, counted as
    MAX_WORK counts it: y itself and the run above (2 forward passes), the m rows by
    backward(), the n columns by jvp (each a forward pass and its tangents), the batched
    vjp, jacrev (each a forward pass and m rows) and jacfwd (a forward pass and n columns)."""
    forward_passes = 2 + n + 3
    tangent_passes = n + 3 * m + n  # backward() and jvp each cost BACKWARD_WORK passes
    return forward * (forward_passes + BACKWARD_WORK * tangent_passes)


def script_lines(script: Script, shape: str = "-1") -> tuple[str, ...]:
    """The learner's lines, the last one's value returned reshaped (flattened by default)."""
    *body, last = script.statements
    if last.target is None:
        return (*(statement.code for statement in body), f"return ({last.code}).reshape({shape})")
    return (*script.code.splitlines(), f"return {last.target}.reshape({shape})")


def _lesson(function: VectorFunction) -> JacobianLesson:
    f = function.compute
    x = leaf(function.x)
    y = f(x)
    if not y.requires_grad:
        raise InputError("jacobian_constant", {})
    rows, reverse_passes = by_torch("y.backward(v)", _rows_by_backward, x, y)
    columns, forward_passes = by_torch("jvp", _columns_by_jvp, f, x.detach())
    _, pullback = by_torch("vjp", vjp, f, x.detach())
    (batched,) = by_torch("vmap", vmap(pullback), torch.eye(y.numel()))
    by_jacrev = by_torch("jacrev", jacrev(f), x.detach())
    by_jacfwd = by_torch("jacfwd", jacfwd(f), x.detach())
    return JacobianLesson(
        x=x.detach(),
        y=y.detach(),
        rows=rows,
        columns=columns,
        batched=batched,
        jacrev=by_jacrev,
        jacfwd=by_jacfwd,
        loop_vs_batched=max_abs_diff(torch.stack(rows), batched),
        batched_vs_jacrev=max_abs_diff(batched, by_jacrev),
        columns_vs_jacfwd=max_abs_diff(torch.stack(columns, dim=1), by_jacfwd),
        batched_vs_jacfwd=max_abs_diff(batched, by_jacfwd),
        reverse_passes=reverse_passes,
        forward_passes=forward_passes,
        setup=function.setup,
        body=function.body,
        latex=function.latex,
        code=function.code,
        name=function.name,
        x_line=function.x_line or f"x = {x.detach()}",
    )


def by_torch(call: str, function: Callable[..., Result], *args: object) -> Result:
    """function(*args); when torch raises, the page's message with torch's own words. Not
    only RuntimeErrors: under vmap, mse_loss of an empty tensor divides by zero."""
    try:
        return function(*args)
    except InputError:
        raise
    except Exception as error:
        message = f"{type(error).__name__}: {error}"[:MESSAGE_CHARS]
        raise InputError("jacobian_torch", {"call": call, "message": message}) from None


def _rows_by_backward(x: Tensor, y: Tensor) -> tuple[tuple[Tensor, ...], int]:
    """Row i of J is x.grad after y.backward(eᵢ); a hook on x counts the passes."""
    passes = []
    hook = x.register_hook(passes.append)  # returns None: the gradient is left as it is
    rows = []
    for i in range(y.numel()):
        x.grad = None
        y.backward(one_hot(i, y), retain_graph=True)
        if x.grad is None:  # torch.norm(x, 0): its backward passes nothing to x
            raise InputError("jacobian_grad_none", {"row": i + 1})
        rows.append(x.grad)
    hook.remove()
    return tuple(rows), len(passes)


def _columns_by_jvp(f: Callable[[Tensor], Tensor], x: Tensor) -> tuple[tuple[Tensor, ...], int]:
    """Column j of J is the JVP with u = eⱼ; counting f's runs counts the passes."""
    runs = []

    def counted(x: Tensor) -> Tensor:
        runs.append(1)
        return f(x)

    columns = tuple(jvp(counted, (x,), (one_hot(j, x),))[1] for j in range(x.numel()))
    return columns, len(runs)


def one_hot(index: int, like: Tensor) -> Tensor:
    e = torch.zeros_like(like)
    e[index] = 1
    return e


def max_abs_diff(a: Tensor, b: Tensor) -> float:
    return (a - b).abs().max().item()


def jacobian_step(lesson: JacobianLesson, step: int, language: str = "en") -> JacobianStep:
    """Both modes after `step` passes each, and the program that prints it."""
    m, n = lesson.shape
    if not 0 <= step <= lesson.steps:
        raise InputError("step_out_of_range", {"step": step, "limit": lesson.steps})
    reverse_done, forward_done = min(step, m), min(step, n)
    reverse_partial = torch.full((m, n), torch.nan)
    forward_partial = torch.full((m, n), torch.nan)
    if reverse_done:
        reverse_partial[:reverse_done] = torch.stack(lesson.rows[:reverse_done])
    if forward_done:
        forward_partial[:, :forward_done] = torch.stack(lesson.columns[:forward_done], dim=1)
    return JacobianStep(
        step=step,
        reverse_done=reverse_done,
        forward_done=forward_done,
        reverse_partial=reverse_partial,
        forward_partial=forward_partial,
        current_row=step if 1 <= step <= m else None,
        current_column=step if 1 <= step <= n else None,
        program=_program(lesson, reverse_done, forward_done, language),
    )


def _program(lesson: JacobianLesson, rows: int, columns: int, language: str) -> Program:
    x = lesson.name
    writer = ProgramWriter(language)
    writer.code("from torch.func import jacfwd, jacrev, jvp, vjp, vmap", "")
    body = (f"    {line}" for line in lesson.body)
    writer.code(*lesson.setup, "", "", f"def f({x}):", *body, "", "")
    writer.code(f"y = f({x})")
    if rows:
        writer.comment("jacobian_rows", done=rows, m=lesson.shape[0], name=x)
        reverse = ("v = torch.zeros_like(y)", "v[i] = 1", f"{x}.grad = None")
        reverse += ("y.backward(v, retain_graph=True)",)
        _write_passes(writer, "row", "i", reverse, f"{x}.grad", lesson.rows[:rows])
    if columns:
        writer.comment("jacobian_columns", done=columns, n=lesson.shape[1])
        forward = (f"u = torch.zeros_like({x})", "u[j] = 1")
        forward += (f"_, column = jvp(f, ({x}.detach(),), (u,))",)
        _write_passes(writer, "column", "j", forward, "column", lesson.columns[:columns])
    writer.comment("jacobian_batched")
    writer.code(*batched_code(x))
    writer.show("J =", "J", lesson.batched)
    writer.comment("jacobian_check")
    writer.show(
        "max |J - jacrev| =",
        f"(J - jacrev(f)({x}.detach())).abs().max().item()",
        lesson.batched_vs_jacrev,
    )
    writer.show(
        "max |J - jacfwd| =",
        f"(J - jacfwd(f)({x}.detach())).abs().max().item()",
        lesson.batched_vs_jacfwd,
    )
    return writer.finish()


def _write_passes(
    writer: ProgramWriter,
    name: str,
    index: str,
    body: tuple[str, ...],
    printed: str,
    results: tuple[Tensor, ...],
) -> None:
    """A loop of passes that prints `name k: result` for k = 1, 2, …"""
    writer.code(f"for {index} in range({len(results)}):", *(f"    {line}" for line in body))
    writer.code(f'    print(f"{name} {{{index} + 1}}:", {printed})')
    for k, result in enumerate(results, start=1):
        writer.prints(f"{name} {k}:", result)
