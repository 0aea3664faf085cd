import streamlit as st

from charts import AxisTitles, grouped_bars_figure, labelled_table
from lessons.graph_reuse import GRAPH_LINES, graph_lesson
from ui.exercises import show_exercises
from ui.runs import fragment
from ui.session import start_page
from ui.widgets import (
    run_lesson,
    show_closing,
    show_goal,
    show_program,
    show_result,
    show_torch_error,
    vector_input,
)

t = start_page()
show_goal(t, "graph")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    st.subheader(t("graph.step_inputs"), divider="gray")
    x_text = vector_input(t, "graph_x", t("common.x_label"))

    lesson = run_lesson(t, graph_lesson, x_text, t.language)
    if lesson:
        show_result(t("graph.graph_intro"), "\n".join(GRAPH_LINES), "python")

        st.subheader(t("graph.step_twice"), divider="gray", anchor="twice")
        show_result(t("graph.first_call"), lesson.first_grad)
        st.markdown(t("graph.second_call"))
        show_torch_error(t, lesson.second_pass_error)
        st.markdown(t("graph.retain_intro"))
        for label_key, grad in zip(("first", "second"), lesson.retained_grads, strict=True):
            label_column, grad_column = st.columns([2, 3])
            label_column.markdown(t(f"graph.retained_{label_key}"))
            grad_column.code(str(grad), language="text", wrap_lines=True)
        if lesson.retained_max_abs_diff == 0:
            st.success(t("graph.retained_doubled"), icon=":material/check:")
        st.caption(t("graph.retain_cost"))

        st.subheader(t("graph.step_leaves"), divider="gray", anchor="leaves")
        show_result(t("graph.leaves_intro"), lesson.nonleaf_grad)
        if lesson.nonleaf_warnings:
            st.markdown(t("graph.torch_warned"))
            for warning in lesson.nonleaf_warnings:
                st.code(warning.label, language="text", wrap_lines=True)
        else:
            st.warning(t("graph.no_warning"))
        st.markdown(t("graph.retain_grad_intro"))
        y_column, x_column = st.columns(2)
        y_column.markdown(t("graph.retain_grad_y"))
        y_column.code(str(lesson.retained_nonleaf_grad), language="text", wrap_lines=True)
        x_column.markdown(t("graph.retain_grad_x"))
        x_column.code(str(lesson.first_grad), language="text", wrap_lines=True)
        st.markdown(t("graph.table_intro"))
        facts = lesson.tensors
        table = labelled_table(
            [f.name for f in facts],
            {
                t("graph.column_built_by"): [f.built_by for f in facts],
                "is_leaf": [f.is_leaf for f in facts],
                "requires_grad": [f.requires_grad for f in facts],
                "grad_fn": [str(f.grad_fn) for f in facts],
            },
        )
        # The widest cell, x's line, would be cut off in a column of the default width.
        made_by = {t("graph.column_built_by"): st.column_config.TextColumn(width="large")}
        st.dataframe(table, width="stretch", column_config=made_by, key="graph_tensors")

        st.subheader(t("graph.step_detach"), divider="gray")
        st.markdown(t("graph.detach_intro"))
        with st.container(key="graph_result"):
            attached_column, detached_column = st.columns(2)
            attached_column.markdown(t("graph.with_y"))
            attached_column.code(str(lesson.first_grad), language="text", wrap_lines=True)
            detached_column.markdown(t("graph.with_u"))
            detached_column.code(str(lesson.detached_grad), language="text", wrap_lines=True)
        if lesson.detach_max_abs_diff == 0:
            st.success(t("graph.detach_equals_u"), icon=":material/check:")
        figure = grouped_bars_figure(
            {
                t("graph.series_y"): lesson.first_grad.numpy(),
                t("graph.series_u"): lesson.detached_grad.numpy(),
            },
            AxisTitles(t("graph.detach_chart"), t("graph.chart_value"), t("chart.columns")),
        )
        st.plotly_chart(figure, width="stretch", key="graph_detach")
        st.markdown(t("graph.no_grad_intro"))
        show_torch_error(t, lesson.no_graph_error)
        st.caption(t("graph.no_grad_use"))

        show_program(t, lesson.program)


lesson_body()
show_exercises(t, "graph")
show_closing(t, "graph", tries=3)
