import streamlit as st

from lessons.functions import NONSCALAR_FUNCTIONS
from lessons.nonscalar import JACOBIAN_CALLS, nonscalar_lesson
from ui.exercises import show_exercises
from ui.navigation import LESSONS
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import (
    function_picker,
    run_lesson,
    show_closing,
    show_goal,
    show_jacobian,
    show_program,
    show_result,
    show_torch_error,
    vector_input,
)

BACKWARD_TRIED = "nonscalar_backward_tried"
ACCUMULATE = next(lesson for lesson in LESSONS if lesson.name == "accumulate")

t = start_page()
show_goal(t, "nonscalar")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    st.subheader(t("nonscalar.step_inputs"), divider="gray")
    lesson_at_x(function_picker(t, "nonscalar_fn", list(NONSCALAR_FUNCTIONS)))


# Within it, x and all it drives: a new x does not draw the function's buttons again.
@fragment
def lesson_at_x(function_name: str) -> None:
    x_text = vector_input(t, "nonscalar_x", t("common.x_label"))

    lesson = run_lesson(t, nonscalar_lesson, x_text, function_name, t.language)
    if lesson:
        m, n = lesson.jacobian.shape
        st.latex(lesson.latex)

        st.subheader(t("nonscalar.step_error"), divider="gray", anchor="error")
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
        shape = "diagonal" if lesson.elementwise else "dense"
        st.markdown(t(f"nonscalar.jacobian_{shape}"))
        st.latex(lesson.jacobian_latex)
        show_jacobian(t, lesson.jacobian.numpy(), "nonscalar.jacobian_chart", "nonscalar_jacobian")
        st.caption(t("nonscalar.jacobian_check", diff=f"{lesson.jacobian_max_abs_diff:.3g}"))
        show_result(t("nonscalar.full_jacobian"), f"J = {JACOBIAN_CALLS[0]}", "python")
        with st.container(key="nonscalar_full_jacobian"):
            show_result(t("nonscalar.full_jacobian_output"), lesson.jacobian)
        if lesson.jacrev_agrees:
            st.success(
                t("nonscalar.jacrev_agrees", call=JACOBIAN_CALLS[1]), icon=":material/check:"
            )
        else:
            st.warning(t("nonscalar.jacrev_disagrees", call=JACOBIAN_CALLS[1]))

        st.subheader(t("nonscalar.step_ways"), divider="gray")
        st.markdown(t("nonscalar.ways_intro"))
        with st.container(key="nonscalar_result"):
            for number, way in enumerate(lesson.ways_out, start=1):
                show_result(t("nonscalar.way", number=number), way.statement, "python")
                if way.returned is not None:
                    show_result(t("nonscalar.returned"), way.returned)
                show_result(t("nonscalar.x_grad_after"), way.x_grad)
        if lesson.ways_max_abs_diff == 0:
            st.success(t("nonscalar.ways_agree"), icon=":material/check:")
        else:
            st.warning(t("nonscalar.ways_disagree", diff=f"{lesson.ways_max_abs_diff:.3g}"))
        st.markdown(t("nonscalar.ones_explained"))
        st.markdown(t("nonscalar.fresh_graph"))
        st.page_link(ACCUMULATE.path, label=t(f"nav.{ACCUMULATE.name}"), icon=ACCUMULATE.icon)

        st.subheader(t("nonscalar.step_wrong_shape"), divider="gray")
        st.markdown(t("nonscalar.wrong_shape_body", length=lesson.wrong_shape, m=m))
        show_torch_error(t, lesson.wrong_shape_error)

        show_program(t, lesson.program)


lesson_body()
show_exercises(t, "nonscalar")
show_closing(t, "nonscalar", tries=3)
