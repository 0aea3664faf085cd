"""Your own function: the learner's inputs and expression, torch's graph, and backward() run.

Everything shown is computed here by torch from what was typed: y, the error a vector y
raises, v, the Jacobians, the graph torch recorded and the order its engine ran it in.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import product

import torch
from torch import Tensor
from torch.autograd.functional import jacobian

from lessons.language.expression import BACKWARD_WORK, MAX_WORK, Script, evaluate, parse_script
from lessons.language.graph import Graph, Step, record_backward, trace
from lessons.parsing import InputError, check_input_name, parse_tensor
from lessons.program import Program, ProgramWriter, leaf_literal, runtime_error
from lessons.vjp import VectorChoice, vector

TensorValues = tuple[float, ...] | tuple[tuple[float, ...], ...]
RESULT_NAMES = ("y", "out", "result")  # the name of a last line without one: the first free
# Jacobians cost one backward pass per entry of y (batched), and a heatmap taller than
# this is no longer readable: beyond it the page shows the gradients without them.
MAX_JACOBIAN_ROWS = 64


@dataclass(frozen=True)
class InputResult:
    name: str
    value: Tensor
    grad: Tensor | None  # None when backward() never reached it: it is not in the graph
    labels: tuple[str, ...]  # its entries in flattened order: W[0,0], W[0,1], …
    # None when y has more than MAX_JACOBIAN_ROWS entries:
    jacobian: Tensor | None  # m x n: row i is y's i-th entry, column j this input's j-th
    weighted_rows: Tensor | None  # diag(v)·J: row i times v_i
    column_sums: (
        Tensor | None
    )  # the sums of the weighted rows, vᵀJ; grad, flattened, up to rounding

    @property
    def sums_vs_grad(self) -> float | None:
        """Largest |column sum - grad|: float32 sums in another order than backward() does."""
        if self.column_sums is None or self.grad is None:
            return None
        return (self.column_sums - self.grad.reshape(-1)).abs().max().item()


@dataclass(frozen=True)
class PlaygroundLesson:
    inputs: tuple[InputResult, ...]  # the inputs that need a gradient: the graph's leaves
    constants: tuple[str, ...]  # the inputs held constant, in the rows' order
    code: str  # the learner's lines, regenerated from the validated tree
    result_name: str  # what the program calls y
    y: Tensor
    y_labels: tuple[str, ...]
    backward_error: str | None  # what torch said to y.backward() without v, if anything
    v: Tensor | None  # the weights used, None when backward() needed none
    graph: Graph
    steps: tuple[Step, ...]  # the engine's order, with the gradients in and out
    program: Program
    work: int  # the work counted for this run: forward, backward() and the Jacobians built
    jacobian_work: int  # what the Jacobians cost, counted; not built beyond MAX_WORK

    @property
    def jacobians_too_costly(self) -> bool:
        built = any(item.jacobian is not None for item in self.inputs)
        return bool(self.inputs) and not built and self.y.numel() <= MAX_JACOBIAN_ROWS


def playground_lesson(
    inputs: Sequence[tuple[str, str]],
    expression: str,
    choice: VectorChoice,
    language: str = "en",
    constants: Collection[str] = (),
) -> PlaygroundLesson:
    """Rows with neither a name nor a value are left out; every other row must be valid.

    The inputs named in `constants` are data held constant (a batch, a target): plain
    tensors without requires_grad, so torch records nothing for them, they get no .grad and
    no Jacobian, and only the other inputs are leaves of the graph."""
    values = parse_inputs(inputs)
    check_constants(constants, values)
    script = parse_script(expression, list(values))
    tensors = {
        name: torch.tensor(value, requires_grad=name not in constants)
        for name, value in values.items()
    }
    leaves = {name: tensor for name, tensor in tensors.items() if tensor.requires_grad}
    evaluation = evaluate(script, tensors)
    y = evaluation.y
    if y.numel() == 0:
        raise InputError("y_empty", {"shape": tuple(y.shape)})

    result_name = _result_name(script, values)
    named = {**evaluation.named, result_name: y}
    graph = trace(y, leaves, named, evaluation.sources)
    backward_error = runtime_error(y.backward) if y.numel() != 1 or not y.requires_grad else None
    needs_v = y.requires_grad and y.numel() != 1
    v, v_code = vector(choice, y, result_name) if needs_v else (None, ())
    # Every tensor by name, constants too: a saved target is shown as `t`.
    steps = record_backward(y, v, {**tensors, **named}) if y.requires_grad else ()

    writer = _program(language, values, constants, script, result_name, y)
    _write_backward(writer, result_name, y, backward_error, v_code)
    for name, leaf in leaves.items():
        writer.show(f"{name}.grad =", f"{name}.grad", leaf.grad)

    weights = v.reshape(-1) if v is not None else torch.ones(y.numel())
    work = evaluation.work * (1 + BACKWARD_WORK)
    # The batched Jacobian runs the lines once more and backward() once per row of y.
    jacobian_work = evaluation.work * (1 + BACKWARD_WORK * y.numel())
    if leaves and y.numel() <= MAX_JACOBIAN_ROWS and work + jacobian_work <= MAX_WORK:
        jacobians = _jacobians(script, tensors, leaves)
        work += jacobian_work
    else:
        jacobians = (None,) * len(leaves)
    results = tuple(
        _input_result(name, leaf, matrix, weights)
        for (name, leaf), matrix in zip(leaves.items(), jacobians, strict=True)
    )
    return PlaygroundLesson(
        inputs=results,
        constants=tuple(name for name in values if name not in leaves),
        code=_lines(script, result_name),
        result_name=result_name,
        y=y.detach(),
        y_labels=entry_labels(result_name, y.shape),
        backward_error=backward_error,
        v=v,
        graph=graph,
        steps=steps,
        program=writer.finish(),
        work=work,
        jacobian_work=jacobian_work,
    )


def entry_labels(name: str, shape: Sequence[int]) -> tuple[str, ...]:
    """W[0,0], W[0,1], …: a tensor's entries in flattened (row-major) order, indexed from 0
    as Python indexes them; a tensor with no dimensions is just its name."""
    if len(shape) == 0:
        return (name,)
    return tuple(f"{name}[{','.join(map(str, index))}]" for index in product(*map(range, shape)))


def check_constants(constants: Collection[str], values: Mapping[str, TensorValues]) -> None:
    """Only inputs can be held constant."""
    unknown = [name for name in constants if name not in values]
    if unknown:
        raise InputError(
            "const_unknown", {"names": ", ".join(unknown), "inputs": ", ".join(values)}
        )


def parse_inputs(inputs: Sequence[tuple[str, str]]) -> dict[str, TensorValues]:
    values: dict[str, TensorValues] = {}
    for name, text in inputs:
        name = name.strip()
        if not name and not text.strip():
            continue
        check_input_name(name, values.keys())
        values[name] = parse_tensor(text)
    return values


def _result_name(script: Script, taken: Mapping[str, TensorValues]) -> str:
    last = script.statements[-1].target
    if last is not None:
        return last
    used = {*taken, *(statement.target for statement in script.statements)}
    return next(name for name in RESULT_NAMES if name not in used)


def _lines(script: Script, result_name: str) -> str:
    """The learner's lines as Python, the last one assigned to `result_name`."""
    *body, last = script.statements
    ending = last.code if last.target is not None else f"{result_name} = {last.code}"
    return "\n".join([*(statement.code for statement in body), ending])


def _program(
    language: str,
    values: Mapping[str, TensorValues],
    constants: Collection[str],
    script: Script,
    result_name: str,
    y: Tensor,
) -> ProgramWriter:
    writer = ProgramWriter(language)
    needing = {name: value for name, value in values.items() if name not in constants}
    if needing:
        writer.comment("playground_inputs")
        writer.code(*(f"{name} = {_leaf_literal(value)}" for name, value in needing.items()))
    held = {name: value for name, value in values.items() if name in constants}
    if held:
        writer.comment("playground_constants")
        writer.code(*(f"{name} = {_constant_literal(value)}" for name, value in held.items()))
    writer.comment("playground_lines")
    writer.code(_lines(script, result_name))
    writer.show(f"{result_name} =", result_name, y)
    return writer


def _leaf_literal(value: TensorValues) -> str:
    """A matrix as [[1.0, 2.0], [3.0, 4.0]], the way torch.tensor's own docs write it."""
    return leaf_literal(_nested(value))


def _constant_literal(value: TensorValues) -> str:
    """Data held constant: a plain tensor, as torch.tensor makes it by default."""
    return f"torch.tensor({_nested(value)!r})"


def _nested(value: TensorValues) -> list:
    return [list(row) for row in value] if isinstance(value[0], tuple) else list(value)


def _write_backward(
    writer: ProgramWriter,
    result_name: str,
    y: Tensor,
    backward_error: str | None,
    v_code: tuple[str, ...],
) -> None:
    if backward_error is not None:
        writer.comment("playground_backward_fails")
        writer.show_error(f"{result_name}.backward()", backward_error)
    if not y.requires_grad:
        return
    if not v_code:
        writer.comment("playground_backward")
        writer.code(f"{result_name}.backward()")
        return
    writer.comment("playground_backward_v")
    writer.code(*v_code)
    writer.code(f"{result_name}.backward(v)")


def _jacobians(
    script: Script, inputs: Mapping[str, Tensor], leaves: Mapping[str, Tensor]
) -> tuple[Tensor, ...]:
    """Each leaf's Jacobian, m x n: torch's reference, computed apart from backward(). The
    inputs held constant keep their values."""
    names = list(leaves)

    def function(*tensors: Tensor) -> Tensor:
        return evaluate(script, {**inputs, **dict(zip(names, tensors, strict=True))}).y

    detached = tuple(leaf.detach() for leaf in leaves.values())
    # vectorize: all rows in one batched backward pass instead of one pass per row.
    matrices = jacobian(function, detached, vectorize=True)
    # Each has shape y.shape + input.shape; flattened, rows are y's entries.
    return tuple(
        matrix.reshape(-1, leaf.numel()) for matrix, leaf in zip(matrices, detached, strict=True)
    )


def _input_result(name: str, leaf: Tensor, matrix: Tensor | None, weights: Tensor) -> InputResult:
    weighted_rows = None if matrix is None else weights[:, None] * matrix
    return InputResult(
        name=name,
        value=leaf.detach(),
        grad=leaf.grad,
        labels=entry_labels(name, leaf.shape),
        jacobian=matrix,
        weighted_rows=weighted_rows,
        column_sums=None if weighted_rows is None else weighted_rows.sum(dim=0),
    )
