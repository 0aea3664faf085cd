import streamlit as st

from lessons.functions import SCALAR_FUNCTIONS
from lessons.scalar import scalar_lesson
from ui.exercises import show_exercises
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import (
    function_picker,
    result_text,
    run_lesson,
    show_closing,
    show_goal,
    show_program,
    vector_input,
)

t = start_page()
show_goal(t, "scalar")
# Above the fragment: the same for every input, so a change of x does not send it again.
st.subheader(t("scalar.step_inputs"), divider="gray")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    lesson_at_x(function_picker(t, "scalar_fn", list(SCALAR_FUNCTIONS)))


# Within it, x and all it drives: a new x does not draw the function's buttons again.
@fragment
def lesson_at_x(function_name: str) -> None:
    x_text = vector_input(t, "scalar_x", t("common.x_label"))

    st.subheader(t("scalar.step_run"), divider="gray")
    lesson = run_lesson(t, scalar_lesson, x_text, function_name, t.language)
    if lesson:
        # The formula and the three results as one element: a new x sends each element again.
        expected_label = t("scalar.expected_label", formula=lesson.gradient_latex)
        with st.container(key="scalar_result"):
            st.markdown(
                "\n\n".join(
                    [
                        f"$$\n{lesson.latex}\n$$",
                        result_text(t("scalar.y_label"), lesson.y_printed),
                        result_text(t("scalar.grad_label"), lesson.grad_printed),
                        result_text(expected_label, lesson.expected_printed),
                    ]
                )
            )
        if lesson.matches:
            st.success(
                t("scalar.match", diff=f"{lesson.max_abs_diff:.3g}"), icon=":material/check:"
            )
        else:
            st.error(t("scalar.mismatch", diff=f"{lesson.max_abs_diff:.3g}"))
        show_program(t, lesson.program)


lesson_body()
# The same for every input: outside the fragment, so that a new x does not send it again.
with st.expander(t("scalar.why_title")):
    st.markdown(t("scalar.why_body"))
show_exercises(t, "scalar")
show_closing(t, "scalar", tries=3)
