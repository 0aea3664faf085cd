"""The steps of the in-place lesson: what a node saved, versions, the ways out, .data, the leaf,
and anomaly mode. Every value comes from the lesson; this module only lays it out."""

import streamlit as st
import torch

from charts import AxisTitles, grouped_bars_figure, labelled_table
from lessons.inplace import LEARNING_RATE, UPDATE_LINES, InplaceLesson, first_line
from ui.session import Translator
from ui.widgets import show_result, show_torch_error


def show_saved(t: Translator, lesson: InplaceLesson) -> None:
    st.markdown(t("inplace.saved_intro", line=lesson.forward_line, node=lesson.node))
    table = labelled_table(
        [item.attribute for item in lesson.saved],
        {
            t("inplace.column_tensor"): [
                t(f"inplace.tensor_{item.tensor or 'other'}") for item in lesson.saved
            ],
            t("inplace.column_value"): [item.value for item in lesson.saved],
        },
    )
    st.dataframe(table, width="stretch", key="inplace_saved")
    if lesson.saves_y:
        st.warning(t("inplace.saves_y"), icon=":material/warning:")
    elif all(item.tensor is None for item in lesson.saved):
        st.success(t("inplace.no_tensor"), icon=":material/check:")
    else:
        st.success(t("inplace.keeps_other"), icon=":material/check:")


def show_version(t: Translator, lesson: InplaceLesson) -> None:
    before, after = lesson.versions
    st.markdown(t("inplace.version_intro", change=lesson.change_line, before=before, after=after))
    if lesson.backward_error is None:
        show_result(t("inplace.backward_works"), lesson.backward_grad)
        return
    st.markdown(t("inplace.backward_fails", node=lesson.node, before=before, after=after))
    show_torch_error(t, lesson.backward_error)
    if lesson.error_names_all:
        st.caption(t("inplace.error_names", before=before, after=after))


def show_fixes(t: Translator, lesson: InplaceLesson) -> None:
    if not lesson.saves_y:
        st.caption(t("inplace.fixes_unneeded"))
    with st.container(key="inplace_fixes"):
        for fix in lesson.fixes:
            st.markdown(t(f"inplace.fix_{fix.key}"))
            code_column, grad_column = st.columns([3, 2])
            code_column.code("\n".join(fix.lines), language="python", wrap_lines=True)
            grad_column.code(f"x.grad = {fix.grad}", language="text", wrap_lines=True)
    st.caption(t("inplace.fixes_differ"))
    grads = [fix.grad for fix in lesson.fixes]
    if all(torch.equal(grads[0], grad) for grad in grads):
        st.success(t("inplace.fixes_agree"), icon=":material/check:")


def show_data(t: Translator, lesson: InplaceLesson) -> None:
    st.markdown(t("inplace.data_intro"))
    st.markdown(t("inplace.data_version", line=lesson.data_line, version=lesson.data_version))
    right = lesson.fixes[0].grad
    with st.container(key="inplace_result"):
        data_column, right_column = st.columns(2)
        data_column.markdown(t("inplace.series_data"))
        data_column.code(str(lesson.data_grad), language="text", wrap_lines=True)
        right_column.markdown(t("inplace.series_right"))
        right_column.code(str(right), language="text", wrap_lines=True)
    if lesson.data_grad_differs:
        st.warning(t("inplace.data_wrong"), icon=":material/warning:")
    else:
        st.info(t("inplace.data_same"), icon=":material/info:")
    figure = grouped_bars_figure(
        {
            t("inplace.series_data"): lesson.data_grad.numpy(),
            t("inplace.series_right"): right.numpy(),
        },
        AxisTitles(t("inplace.data_chart"), t("inplace.chart_value"), t("chart.columns")),
    )
    st.plotly_chart(figure, width="stretch", key="inplace_data_chart")
    st.markdown(t("inplace.detach_version", line=lesson.detach_line, version=lesson.detach_version))
    show_torch_error(t, lesson.detach_error)
    st.caption(t("inplace.data_advice"))


def show_leaf(t: Translator, lesson: InplaceLesson) -> None:
    st.markdown(t("inplace.leaf_intro", line=lesson.leaf_line))
    show_torch_error(t, lesson.leaf_error)
    st.markdown(t("inplace.leaf_version", version=lesson.leaf_version))
    show_result(
        t("inplace.update_intro", lr=LEARNING_RATE, line=lesson.forward_line),
        "\n".join(UPDATE_LINES),
        "python",
    )
    version, is_leaf, requires_grad = lesson.updated
    with st.container(key="inplace_update"):
        show_result(t("inplace.update_grad"), lesson.update_grad)
        show_result(t("inplace.update_x"), lesson.updated_x)
    facts = "update_facts" if is_leaf and requires_grad else "update_facts_changed"
    st.markdown(t(f"inplace.{facts}", version=version))


def show_anomaly(t: Translator, lesson: InplaceLesson) -> None:
    st.markdown(t("inplace.anomaly_intro"))
    if lesson.anomaly_error is None:
        st.info(t("inplace.anomaly_nothing"), icon=":material/info:")
        return
    for warning in lesson.anomaly_warnings:
        st.code(f"{warning.kind.__name__}: {first_line(warning.message)}", wrap_lines=True)
    frame = lesson.anomaly_frame
    if frame is not None:
        st.markdown(
            t("inplace.anomaly_frame", file=frame.file, line=frame.line, function=frame.function)
        )
        st.code(frame.code, language="python", wrap_lines=True)
        st.caption(t("inplace.anomaly_yours", line=lesson.forward_line))
    st.markdown(t("inplace.anomaly_then"))
    show_torch_error(t, lesson.anomaly_error)
    st.caption(t("inplace.anomaly_cost"))
