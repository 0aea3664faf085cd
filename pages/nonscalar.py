import streamlit as st

from lessons.functions import ELEMENTWISE_FUNCTIONS
from lessons.nonscalar import nonscalar_lesson
from ui.exercises import show_exercises
from ui.session import start_page
from ui.widgets import (
    function_picker,
    run_lesson,
    show_closing,
    show_goal,
    show_jacobian,
    show_program,
    show_torch_error,
    vector_input,
)

BACKWARD_TRIED = "nonscalar_backward_tried"

t = start_page()
show_goal(t, "nonscalar")

st.subheader(t("nonscalar.step_inputs"), divider="gray")
x_text = vector_input(t, "nonscalar_x", t("common.x_label"))
function_name = function_picker(t, "nonscalar_fn", list(ELEMENTWISE_FUNCTIONS))

lesson = run_lesson(t, nonscalar_lesson, x_text, function_name, t.language)
if lesson:
    m, n = lesson.jacobian.shape
    st.latex(lesson.latex)

    st.subheader(t("nonscalar.step_error"), divider="gray")
    # Remembered in the session (not just for the rerun after the click), so the error
    # stays on screen while the learner changes x to see what it does.
    st.button(
        t("nonscalar.button"),
        key="nonscalar_backward",
        icon=":material/play_arrow:",
        on_click=st.session_state.update,
        kwargs={BACKWARD_TRIED: True},
    )
    tried = st.session_state.get(BACKWARD_TRIED, False)
    if tried and lesson.scalar_error is None:
        st.info(t("nonscalar.single_entry"), icon=":material/info:")
    elif tried:
        show_torch_error(t, lesson.scalar_error)
        st.markdown(t("nonscalar.error_explained", m=m))
    else:
        st.caption(t("nonscalar.button_hint"))

    st.subheader(t("nonscalar.step_jacobian"), divider="gray")
    st.markdown(t("nonscalar.jacobian_shape", m=m, n=n))
    st.markdown(t("nonscalar.jacobian_diagonal"))
    st.latex(lesson.jacobian_latex)
    show_jacobian(t, lesson.jacobian.numpy(), "nonscalar.jacobian_chart", "nonscalar_jacobian")
    st.caption(t("nonscalar.jacobian_check", diff=f"{lesson.jacobian_max_abs_diff:.3g}"))

    st.subheader(t("nonscalar.step_ways"), divider="gray")
    st.markdown(t("nonscalar.ways_intro"))
    with st.container(key="nonscalar_result"):
        for way in lesson.ways_out:
            statement_column, grad_column = st.columns([3, 2])
            statement_column.code(way.statement, language="python", wrap_lines=True)
            grad_column.code(str(way.grad), language="text")
    if lesson.ways_max_abs_diff == 0:
        st.success(t("nonscalar.ways_agree"), icon=":material/check:")
    else:
        st.warning(t("nonscalar.ways_disagree", diff=f"{lesson.ways_max_abs_diff:.3g}"))
    st.markdown(t("nonscalar.ones_explained"))

    st.subheader(t("nonscalar.step_wrong_shape"), divider="gray")
    st.markdown(t("nonscalar.wrong_shape_body", length=lesson.wrong_shape, m=m))
    show_torch_error(t, lesson.wrong_shape_error)

    show_program(t, lesson.program)

show_exercises(t, "nonscalar")
show_closing(t, "nonscalar", tries=3)
