"""What the playground page keeps of a lesson between reruns: the texts and numbers it shows.

A session keeps this instead of the lesson, whose tensors (y, v, every gradient the engine
passed along, the inputs' graphs) would stay alive as long as the tab stays open. Every
text is the one the page prints, made once from the tensors torch computed.
"""

from dataclasses import dataclass

import numpy as np

from lessons.language.chain import StepText, step_texts
from lessons.language.graph import Graph
from lessons.language.playground import PlaygroundLesson
from lessons.program import Program


@dataclass(frozen=True)
class InputSnapshot:
    name: str
    grad: str  # printed .grad, "None" when backward() never reached the input
    reached: bool
    labels: tuple[str, ...]
    # None when y is too tall for Jacobians (see MAX_JACOBIAN_ROWS):
    jacobian: np.ndarray | None
    weighted_rows: np.ndarray | None
    column_sums: np.ndarray | None
    sums_vs_grad: float | None  # largest |column sum - grad|: float32 rounding


@dataclass(frozen=True)
class PlaygroundSnapshot:
    code: str
    result_name: str
    y: str  # printed
    y_shape: tuple[int, ...]
    y_size: int
    y_finite: bool
    y_labels: tuple[str, ...]
    backward_error: str | None
    v: str | None  # printed; None when backward() needed no v
    inputs: tuple[InputSnapshot, ...]  # the inputs that need a gradient
    constants: tuple[str, ...]  # the inputs held constant
    graph: Graph
    steps: tuple[StepText, ...]
    program: Program
    jacobian_work: int  # what the Jacobians cost, counted
    jacobians_too_costly: bool  # not built: over the page's work budget


def snapshot(lesson: PlaygroundLesson) -> PlaygroundSnapshot:
    y = lesson.y
    return PlaygroundSnapshot(
        code=lesson.code,
        result_name=lesson.result_name,
        y=str(y),
        y_shape=tuple(y.shape),
        y_size=y.numel(),
        y_finite=bool(y.isfinite().all()),
        y_labels=lesson.y_labels,
        backward_error=lesson.backward_error,
        v=None if lesson.v is None else str(lesson.v),
        constants=lesson.constants,
        inputs=tuple(
            InputSnapshot(
                name=item.name,
                grad=str(item.grad),
                reached=item.grad is not None,
                labels=item.labels,
                jacobian=_array(item.jacobian),
                weighted_rows=_array(item.weighted_rows),
                column_sums=_array(item.column_sums),
                sums_vs_grad=item.sums_vs_grad,
            )
            for item in lesson.inputs
        ),
        graph=lesson.graph,
        steps=step_texts(lesson.steps, lesson.graph),
        program=lesson.program,
        jacobian_work=lesson.jacobian_work,
        jacobians_too_costly=lesson.jacobians_too_costly,
    )


def _array(tensor) -> np.ndarray | None:
    # A copy: numpy() would share the tensor's memory and keep it alive.
    return None if tensor is None else tensor.detach().numpy().copy()
