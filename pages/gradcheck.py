import streamlit as st

from charts import labelled_table, symbols
from lessons.gradcheck import (
    DEFAULT_EXPONENT,
    DIFFERENCE_LATEX,
    FUNCTION_ORDER,
    STEP_EXPONENTS,
    error_curves,
    gradcheck_defaults,
    gradcheck_lesson,
    power_of_ten,
)
from lessons.links import Link, step_text, switch
from ui.exercises import show_exercises
from ui.gradcheck import show_error_curves
from ui.links import take_link
from ui.memo import remembered_lesson
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import (
    function_picker,
    linked,
    linked_toggle,
    run_lesson,
    show_closing,
    show_goal,
    show_program,
    show_result,
    vector_input,
)

BUG_KEY = "gradcheck_bug"

t = start_page()
show_goal(t, "gradcheck")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    st.subheader(t("gradcheck.step_inputs"), divider="gray")
    lesson_at_x(function_picker(t, "gradcheck_fn", list(FUNCTION_ORDER)))


# Within it, x, h, the switch and all they drive: a change of one of them does not draw the
# function's buttons again.
@fragment
def lesson_at_x(function_name: str) -> None:
    x_text = vector_input(t, "gradcheck_x", t("common.x_label"))
    exponent = linked(
        t,
        Link("h", STEP_EXPONENTS, step_text),
        st.select_slider,
        t("gradcheck.step_label"),
        STEP_EXPONENTS,
        value=DEFAULT_EXPONENT,
        format_func=lambda k: power_of_ten(-k),
        help=t("gradcheck.step_help"),
        key="gradcheck_step",
        persist_state="session",
    )
    # The switch sits in step 5, where its effect shows; the lesson needs its value first.
    take_link(switch("bug"), BUG_KEY)
    buggy = bool(st.session_state.get(BUG_KEY, False))

    # The sweep does not depend on h nor on the toggle: kept while only they change.
    curves = remembered_lesson(t, "gradcheck_sweep", error_curves, x_text, function_name)
    arguments = (x_text, function_name, exponent, buggy, t.language, curves)
    lesson = curves and run_lesson(t, gradcheck_lesson, *arguments)
    if lesson:
        h = power_of_ten(-exponent)
        st.latex(lesson.latex)

        st.subheader(t("gradcheck.step_differences", h=h), divider="gray")
        st.markdown(t("gradcheck.differences_intro"))
        st.latex(DIFFERENCE_LATEX["central"])
        with st.container(key="gradcheck_differences"):
            columns = st.columns(1 + len(lesson.at_step))
            columns[0].markdown(t("gradcheck.autograd_heading"))
            columns[0].code(str(lesson.grad), language="text", wrap_lines=True)
            for column, result in zip(columns[1:], lesson.at_step, strict=True):
                column.markdown(t("gradcheck.dtype_heading", dtype=result.dtype))
                column.code(str(result.differences), language="text", wrap_lines=True)
                column.metric(t("gradcheck.error_metric"), f"{result.error:.3g}")
        with st.expander(t("common.table")):
            st.dataframe(
                labelled_table(
                    symbols("x", len(lesson.x)),
                    {
                        "x.grad": lesson.grad.tolist(),
                        **{result.dtype: result.differences.tolist() for result in lesson.at_step},
                    },
                ),
                width="stretch",
            )

        show_error_curves(t, lesson, h)

        st.subheader(t("gradcheck.step_gradcheck"), divider="gray")
        defaults = {name: f"{value:g}" for name, value in gradcheck_defaults()}
        st.markdown(t("gradcheck.gradcheck_intro", **defaults))
        function_label = t(f"functions.{function_name}")
        if lesson.verdict:
            st.success(
                t("gradcheck.verdict_true", function=function_label), icon=":material/check:"
            )
        else:
            st.warning(t("gradcheck.verdict_false", function=function_label))

        st.subheader(t("gradcheck.step_custom"), divider="gray")
        st.markdown(t("gradcheck.custom_intro"))
        linked_toggle(t, "bug", t("gradcheck.bug_label"), BUG_KEY)
        st.code(lesson.square_source, language="python", wrap_lines=True)
        with st.container(key="gradcheck_result"):
            show_result(t("gradcheck.square_grad"), lesson.square_grad)
        if lesson.square_verdict:
            st.success(t("gradcheck.square_true"), icon=":material/check:")
        else:
            st.warning(t("gradcheck.square_false"))
        if lesson.square_error is not None:
            st.markdown(t("gradcheck.square_report"))
            show_result(t("common.torch_said"), lesson.square_error.label)

        show_program(t, lesson.program)


lesson_body()
show_exercises(t, "gradcheck")
show_closing(t, "gradcheck", tries=4)
