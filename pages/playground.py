import streamlit as st

from lessons.language.expression import (
    ALLOWED_FUNCTIONAL,
    ALLOWED_METHODS,
    ALLOWED_TORCH_FUNCTIONS,
)
from lessons.links import MAX_INDEX, link_from_choice
from ui.memo import remembered_lesson
from ui.playground import (
    EXAMPLE_KEY,
    EXAMPLES,
    Fields,
    expression_key,
    fill_example,
    input_rows,
    link_from_fields,
    playground_snapshot,
    read_link_once,
    show_jacobians,
    show_link_warnings,
    show_run,
    show_steps,
    show_steps_table,
)
from ui.runs import fragment
from ui.session import start_page
from ui.text import code_list, message
from ui.widgets import (
    show_closing,
    show_goal,
    show_program,
    vector_picker,
)

t = start_page()
show_goal(t, "playground")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    link = read_link_once()
    st.subheader(t("playground.step_inputs"), divider="gray")
    st.selectbox(
        t("playground.example_label"),
        [name for name, _ in EXAMPLES],
        index=None,
        key=EXAMPLE_KEY,
        format_func=lambda name: t(f"playground.example_{name}"),
        placeholder=t("playground.example_placeholder"),
        on_change=fill_example,
    )
    show_link_warnings(t, link)
    rows = input_rows(t)
    expression = st.text_area(
        t("playground.expression_label"),
        key=expression_key(),
        help=t("playground.expression_help"),
        persist_state="session",
    )
    with st.expander(t("playground.allowed_title")):
        st.markdown(
            t(
                "playground.allowed_body",
                functions=code_list(ALLOWED_TORCH_FUNCTIONS),
                functional=code_list(ALLOWED_FUNCTIONAL),
                methods=code_list(ALLOWED_METHODS),
            )
        )
    st.caption(t("playground.v_intro"))
    choice = vector_picker(t, "playground", MAX_INDEX, link=None)  # its whole link: below
    # The address always holds every field, so that copying it shares this very function.
    fields = Fields(rows.inputs, expression, link_from_choice(choice), rows.constants)
    st.query_params.from_dict(link_from_fields(fields, t.language))
    st.caption(t("playground.share"))

    st.subheader(t("playground.step_result"), divider="gray")
    # Kept per session for these fields, so that a rerun with the same fields computes nothing.
    lesson = remembered_lesson(
        t, "playground_lesson", playground_snapshot, rows, expression, choice, t.language
    )
    if lesson:
        show_run(t, lesson)

        st.subheader(t("playground.step_graph"), divider="gray")
        st.markdown(message(t, "playground.graph_intro", name=lesson.result_name))
        absent = [item.name for item in lesson.inputs if not item.reached]
        if absent:
            absent_note = message(
                t, "playground.absent", names=code_list(absent), result=lesson.result_name
            )
            st.info(absent_note, icon=":material/info:")
        if lesson.steps:
            show_steps(t, lesson)
            show_steps_table(t, lesson)
        else:
            no_graph = message(t, "playground.no_graph", name=lesson.result_name)
            st.info(no_graph, icon=":material/info:")

        jacobian_heading = message(t, "playground.step_jacobian", name=lesson.result_name)
        st.subheader(jacobian_heading, divider="gray")
        show_jacobians(t, lesson)

        show_program(t, lesson.program)


lesson_body()
show_closing(t, "playground", tries=4)
