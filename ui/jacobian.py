"""/jacobian's pass slider: what both modes have built after so many passes, and the program
that prints it, redrawn without the rest of the page.

One fragment writes both, into two containers the page placed where they belong (the
passes near the top, the program at the end): moving the slider reruns only this."""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from charts import MAX_ANNOTATED, symbols
from lessons.jacobian import JacobianLesson, JacobianStep, jacobian_step
from ui.runs import fragment
from ui.session import Translator
from ui.widgets import linked_slider, run_lesson, show_jacobian, show_program, show_result

STEP_KEY = "jacobian_step"


def colour_limit(lesson: JacobianLesson) -> float:
    """One colour scale for every chart of J, so that a colour keeps its number as J fills."""
    return lesson.batched.abs().max().item() or 1.0


@fragment
def show_passes(
    t: Translator, lesson: JacobianLesson, passes: DeltaGenerator, program: DeltaGenerator
) -> None:
    """The slider, both modes' partial Jacobians and this pass's row and column in `passes`;
    the program that prints them in `program`."""
    with passes:
        view = _show_passes(t, lesson)
    if view:
        with program:
            show_program(t, view.program)


def _show_passes(t: Translator, lesson: JacobianLesson) -> JacobianStep | None:
    m, n = lesson.shape
    step = linked_slider(t, "step", t("jacobian.step_label"), 0, lesson.steps, 1, STEP_KEY)
    view = run_lesson(t, jacobian_step, lesson, step, t.language)
    if not view:
        return None
    limit = colour_limit(lesson)
    # Side by side while cells stay large enough to read; a larger J gets the full width.
    side_by_side = max(m, n) <= MAX_ANNOTATED
    reverse_column, forward_column = st.columns(2) if side_by_side else (st.container(),) * 2
    with reverse_column:
        st.markdown(t("jacobian.reverse_heading", done=view.reverse_done, m=m))
        rows = view.reverse_partial.numpy()
        marks = {"current_row": view.current_row, "limit": limit}
        show_jacobian(t, rows, "jacobian.rows_chart", "jacobian_rows", **marks)
    with forward_column:
        st.markdown(t("jacobian.forward_heading", done=view.forward_done, n=n))
        columns = view.forward_partial.numpy()
        marks = {"current_column": view.current_column, "limit": limit}
        show_jacobian(t, columns, "jacobian.columns_chart", "jacobian_columns", **marks)
    unit_vector = symbols("e", step)[-1] if step else ""
    with st.container(key="jacobian_result"):
        if view.current_row:
            show_result(t("jacobian.row_now", i=step, e=unit_vector), lesson.rows[step - 1])
        elif step:
            st.success(t("jacobian.reverse_finished", m=m), icon=":material/check:")
        if view.current_column:
            show_result(t("jacobian.column_now", j=step, e=unit_vector), lesson.columns[step - 1])
        elif step:
            st.success(t("jacobian.forward_finished", n=n), icon=":material/check:")
        if not step:
            st.caption(t("jacobian.step_zero"))
    return view
