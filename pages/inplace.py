import streamlit as st

from lessons.inplace import CHANGES, OPERATIONS, expression, inplace_lesson
from lessons.links import Link
from ui.exercises import show_exercises
from ui.inplace import show_anomaly, show_data, show_fixes, show_leaf, show_saved, show_version
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import linked, run_lesson, show_closing, show_goal, show_program, vector_input

t = start_page()
show_goal(t, "inplace")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    st.subheader(t("inplace.step_inputs"), divider="gray")
    x_text = vector_input(t, "inplace_x", t("common.x_label"))
    operations, changes = tuple(OPERATIONS), tuple(CHANGES)
    operation = linked(
        t,
        Link("op", operations),
        st.selectbox,
        t("inplace.op_label"),
        operations,
        index=operations.index("exp"),
        key="inplace_op",
        format_func=lambda name: f"y = {expression(name)}",
        persist_state="session",
    )
    change = linked(
        t,
        Link("change", changes),
        st.radio,
        t("inplace.change_label"),
        changes,
        key="inplace_change",
        format_func=lambda name: CHANGES[name].line(),
        horizontal=True,
        persist_state="session",
    )

    lesson = run_lesson(t, inplace_lesson, x_text, operation, change, t.language)
    if lesson:
        st.subheader(t("inplace.step_saved"), divider="gray")
        show_saved(t, lesson)

        st.subheader(t("inplace.step_version"), anchor="version", divider="gray")
        show_version(t, lesson)

        st.subheader(t("inplace.step_fixes"), divider="gray")
        show_fixes(t, lesson)

        st.subheader(t("inplace.step_data"), divider="gray")
        show_data(t, lesson)

        st.subheader(t("inplace.step_leaf"), anchor="leaf", divider="gray")
        show_leaf(t, lesson)

        st.subheader(t("inplace.step_anomaly"), divider="gray")
        show_anomaly(t, lesson)

        show_program(t, lesson.program)


lesson_body()
show_exercises(t, "inplace")
show_closing(t, "inplace", tries=3)
