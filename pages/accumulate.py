import streamlit as st

from lessons.accumulate import MAX_CALLS, OPTIMIZER, accumulation_lesson
from ui.exercises import show_exercises
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import (
    linked_slider,
    run_lesson,
    show_closing,
    show_goal,
    show_program,
    show_result,
    show_torch_error,
    vector_input,
)

t = start_page()
show_goal(t, "accumulate")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    st.subheader(t("accumulate.step_inputs"), divider="gray")
    x_text = vector_input(t, "accumulate_x", t("common.x_label"))
    calls = linked_slider(
        t, "calls", t("accumulate.calls_label"), 1, MAX_CALLS, 2, "accumulate_calls"
    )

    lesson = run_lesson(t, accumulation_lesson, x_text, calls, t.language)
    if lesson:
        st.subheader(t("accumulate.step_calls"), divider="gray")
        st.code(f"y = {lesson.expression}", language="python", wrap_lines=True)
        with st.container(key="accumulate_result"):
            for call, grad in enumerate(lesson.after_each_call, start=1):
                show_result(t("accumulate.call", call=call), grad)
        if lesson.multiples_max_abs_diff == 0:
            st.success(t("accumulate.multiple", calls=calls), icon=":material/check:")
        else:
            st.warning(t("accumulate.not_multiple", calls=calls))
        st.markdown(t("accumulate.why"))

        st.subheader(t("accumulate.step_zero"), divider="gray")
        show_result(t("accumulate.after_zero"), lesson.after_zero)
        st.markdown(t("accumulate.zero_grad_intro"))
        st.code(
            f"optimizer = {OPTIMIZER}\noptimizer.zero_grad()", language="python", wrap_lines=True
        )
        show_result(t("accumulate.after_zero_grad"), lesson.after_zero_grad)

        st.subheader(t("accumulate.step_second"), divider="gray")
        st.markdown(t("accumulate.second_body", expression=lesson.expression))
        show_torch_error(t, lesson.second_pass_error)
        st.markdown(t("accumulate.second_fix"))

        st.subheader(t("accumulate.step_silent"), divider="gray")
        st.markdown(t("accumulate.silent_body", expression=lesson.silent_expression))
        with st.container(key="accumulate_silent"):
            first, second = lesson.silent_grads
            show_result(t("accumulate.silent_first"), first)
            show_torch_error(t, lesson.silent_error)
            show_result(t("accumulate.silent_second"), second)
        st.markdown(t("accumulate.silent_explained"))

        show_program(t, lesson.program)


lesson_body()
show_exercises(t, "accumulate")
show_closing(t, "accumulate", tries=3)
