import streamlit as st

from lessons.cost import HESSIAN_MAX_SIZE, MAX_BUDGET
from lessons.higher import hessian_lesson, hvp_lesson
from lessons.parsing import MAX_LENGTH
from ui.exercises import show_exercises
from ui.higher import (
    EXPRESSION_KEY,
    PAGE,
    input_rows,
    keep_v,
    read_link_once,
    show_cost,
    show_create_graph,
    show_hessian,
    show_hvp,
    write_address,
)
from ui.memo import remembered_lesson
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import (
    run_lesson,
    show_closing,
    show_goal,
    show_program,
    vector_picker,
)

t = start_page()
show_goal(t, "higher")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the benchmark, the exercises, the closing or the sidebar progress around it.
@fragment
def lesson_body() -> None:
    read_link_once(t)
    st.subheader(t("higher.step_inputs"), divider="gray")
    st.markdown(t("higher.inputs_rule", limit=MAX_LENGTH))
    rows = input_rows(t)
    expression = st.text_area(
        t("higher.expression_label"),
        key=EXPRESSION_KEY,
        help=t("higher.expression_help"),
        persist_state="session",
    )
    # Kept per session for these fields: a change of v alone computes no Hessian again.
    lesson = remembered_lesson(t, "higher_lesson", hessian_lesson, rows, expression)
    if lesson:
        st.code(f"{lesson.x_line}\n\n{lesson.code}", language="python", wrap_lines=True)

        st.subheader(t("higher.step_create_graph"), divider="gray")
        show_create_graph(t, lesson)

        st.subheader(t("higher.step_hessian"), divider="gray")
        st.markdown(t("higher.hessian_intro", n=lesson.x.numel()))
        show_hessian(t, lesson)

        st.subheader(t("higher.step_hvp"), divider="gray")
        st.markdown(t("higher.hvp_intro"))
        n = lesson.x.numel()
        choice = vector_picker(t, PAGE, n, link=None, words="higher")  # its link: below
        keep_v(t, choice, n)
        hvp = run_lesson(t, hvp_lesson, lesson, choice, t.language)
        if hvp:
            show_hvp(t, lesson, hvp)
            show_program(t, hvp.program)
    # The address always holds every field, so that copying it shares this very function.
    write_address(t, rows, expression)
    st.caption(t("higher.share"))


lesson_body()
st.subheader(t("higher.step_cost"), divider="gray")
st.markdown(t("higher.cost_intro", budget=f"{MAX_BUDGET:g}", limit=HESSIAN_MAX_SIZE))
show_cost(t)
show_exercises(t, "higher")
show_closing(t, "higher", tries=4)
