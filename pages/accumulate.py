import streamlit as st

from lessons.accumulate import MAX_CALLS, accumulation_lesson
from ui.exercises import show_exercises
from ui.session import start_page
from ui.widgets import (
    run_lesson,
    show_closing,
    show_goal,
    show_program,
    show_torch_error,
    vector_input,
)

t = start_page()
show_goal(t, "accumulate")

st.subheader(t("accumulate.step_inputs"), divider="gray")
x_text = vector_input(t, "accumulate_x", t("common.x_label"))
calls = st.slider(
    t("accumulate.calls_label"), 1, MAX_CALLS, 2, key="accumulate_calls", persist_state="session"
)

lesson = run_lesson(t, accumulation_lesson, x_text, calls, t.language)
if lesson:
    st.subheader(t("accumulate.step_calls"), divider="gray")
    st.code(f"y = {lesson.expression}", language="python")
    with st.container(key="accumulate_result"):
        for call, grad in enumerate(lesson.after_each_call, start=1):
            call_column, grad_column = st.columns([1, 3])
            call_column.markdown(t("accumulate.call", call=call))
            grad_column.code(str(grad), language="text")
    if lesson.multiples_max_abs_diff == 0:
        st.success(t("accumulate.multiple", calls=calls), icon=":material/check:")
    else:
        st.warning(t("accumulate.not_multiple", calls=calls))
    st.markdown(t("accumulate.why"))

    st.subheader(t("accumulate.step_zero"), divider="gray")
    st.markdown(t("accumulate.after_zero"))
    st.code(str(lesson.after_zero), language="text")

    st.subheader(t("accumulate.step_second"), divider="gray")
    st.markdown(t("accumulate.second_body"))
    show_torch_error(t, lesson.second_pass_error)
    st.markdown(t("accumulate.second_fix"))

    show_program(t, lesson.program)

show_exercises(t, "accumulate")
show_closing(t, "accumulate", tries=2)
