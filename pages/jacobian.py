import streamlit as st

from lessons.cost import MAX_BUDGET, MAX_SIZE
from lessons.functions import VECTOR_FUNCTIONS
from lessons.jacobian import (
    PLAYGROUND,
    jacobian_lesson,
    playground_jacobian_lesson,
)
from lessons.parsing import MAX_LENGTH
from ui.cost import request_measurement, session_measurement, show_measurement
from ui.exercises import show_exercises
from ui.jacobian import colour_limit, show_passes
from ui.navigation import PRACTICE
from ui.playground import session_fields
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import (
    function_picker,
    run_lesson,
    show_closing,
    show_goal,
    show_jacobian,
    show_result,
    vector_input,
)

PLAYGROUND_PAGE = next(page for page in PRACTICE if page.name == PLAYGROUND)

t = start_page()
show_goal(t, "jacobian")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    st.subheader(t("jacobian.step_inputs"), divider="gray")
    # y = A x by default: m = 2 outputs against n = len(x) inputs, so the two modes differ.
    names = [*VECTOR_FUNCTIONS, PLAYGROUND]
    function_name = function_picker(t, "jacobian_fn", names, default="linear")
    if function_name == PLAYGROUND:
        st.markdown(t("jacobian.playground_rule", limit=MAX_LENGTH))
        link = {"label": t(f"nav.{PLAYGROUND}"), "icon": PLAYGROUND_PAGE.icon}
        st.page_link(PLAYGROUND_PAGE.path, **link)
        fields = session_fields()
        lesson = run_lesson(t, playground_jacobian_lesson, fields.inputs, fields.expression)
    else:
        x_text = vector_input(t, "jacobian_x", t("common.x_label"))
        lesson = run_lesson(t, jacobian_lesson, x_text, function_name)
    if lesson:
        m, n = lesson.shape
        if lesson.latex:
            st.latex(lesson.latex)
        else:
            st.code(f"{lesson.x_line}\n\n{lesson.code}", language="python", wrap_lines=True)

        st.subheader(t("jacobian.step_passes"), divider="gray")
        st.markdown(t("jacobian.passes_intro", m=m, n=n))
        passes = st.container()

        st.subheader(t("jacobian.step_batched"), divider="gray")
        show_result(t("jacobian.batched_intro", m=m), lesson.batched_code, "python")
        show_jacobian(
            t,
            lesson.batched.numpy(),
            "jacobian.full_chart",
            "jacobian_full",
            limit=colour_limit(lesson),
        )
        loop_column, jacrev_column, jacfwd_column = st.columns(3)
        loop_column.metric(t("jacobian.loop_vs_batched"), f"{lesson.loop_vs_batched:.3g}")
        jacrev_column.metric(t("jacobian.batched_vs_jacrev"), f"{lesson.batched_vs_jacrev:.3g}")
        jacfwd_column.metric(t("jacobian.batched_vs_jacfwd"), f"{lesson.batched_vs_jacfwd:.3g}")

        st.subheader(t("jacobian.step_rule"), divider="gray")
        reverse_column, forward_column = st.columns(2)
        reverse_column.metric(t("jacobian.reverse_passes"), lesson.reverse_passes)
        forward_column.metric(t("jacobian.forward_passes"), lesson.forward_passes)
        cheaper = "reverse" if m < n else "forward" if m > n else "equal"
        st.info(t(f"jacobian.rule_{cheaper}", m=m, n=n), icon=":material/rule:")

    st.subheader(t("jacobian.step_cost"), divider="gray")
    st.markdown(t("jacobian.cost_intro", budget=f"{MAX_BUDGET:g}", limit=MAX_SIZE))
    st.button(
        t("jacobian.cost_button"),
        key="jacobian_cost_button",
        icon=":material/timer:",
        on_click=request_measurement,
    )
    measurement = session_measurement(t)
    if measurement:
        show_measurement(t, measurement)
    else:
        st.caption(t("jacobian.cost_hint"))

    if lesson:
        # Last, once both places exist: the slider's fragment fills the passes and the program.
        show_passes(t, lesson, passes, st.container())


lesson_body()
show_exercises(t, "jacobian")
show_closing(t, "jacobian", tries=4)
