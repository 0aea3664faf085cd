import streamlit as st

from lessons.links import Link
from lessons.nograd import CUTS, nograd_lesson
from ui.exercises import show_exercises
from ui.nograd import show_cause, show_summary_table
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import linked, run_lesson, show_closing, show_goal, show_program, vector_input

t = start_page()
show_goal(t, "nograd")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    st.subheader(t("nograd.step_inputs"), divider="gray")
    x_text = vector_input(t, "nograd_x", t("common.x_label"))
    cut = linked(
        t,
        Link("cut", tuple(CUTS)),
        st.selectbox,
        t("nograd.cut_label"),
        tuple(CUTS),
        key="nograd_cut",
        format_func=lambda name: CUTS[name][0],
        help=t("nograd.cut_help"),
        persist_state="session",
    )

    lesson = run_lesson(t, nograd_lesson, x_text, cut, t.language)
    if lesson:
        st.markdown(t("nograd.loss_intro"))
        with st.container(key="nograd_result"):
            for cause in lesson.causes:
                show_cause(t, cause)

        st.subheader(t("nograd.step_table"), divider="gray")
        show_summary_table(t, lesson.causes)

        show_program(t, lesson.program)


lesson_body()
show_exercises(t, "nograd")
show_closing(t, "nograd", tries=3)
