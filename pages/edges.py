import streamlit as st

from lessons.edges import DEFAULT_X, KINKS, code_of, edges_lesson
from lessons.links import Link
from ui.edges import show_anomaly, show_blowups, show_close_up, show_kinks, show_ties, show_wheres
from ui.exercises import show_exercises
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import linked, run_lesson, show_closing, show_goal, show_program, vector_input

t = start_page()
show_goal(t, "edges")


def kink_name(key: str) -> str:
    return code_of(KINKS[key][0])


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    st.subheader(t("edges.step_inputs"), divider="gray")
    x_text = vector_input(
        t, "edges_x", t("common.x_label"), help_key="edges.x_help", default=DEFAULT_X
    )
    kink = linked(
        t,
        Link("kink", tuple(KINKS)),
        st.selectbox,
        t("edges.kink_label"),
        tuple(KINKS),
        key="edges_kink",
        format_func=kink_name,
        help=t("edges.kink_help"),
        persist_state="session",
    )

    lesson = run_lesson(t, edges_lesson, x_text, kink, t.language)
    if lesson:
        show_blowups(t, lesson)
        show_wheres(t, lesson)
        show_anomaly(t, lesson.anomaly)
        show_kinks(t, lesson)
        show_ties(t, lesson)
        show_close_up(t, lesson.close_up, kink_name(kink))
        show_program(t, lesson.program)


lesson_body()
show_exercises(t, "edges")
show_closing(t, "edges", tries=3)
