"""/edges, drawn step by step: the gradients that blow up, the masked branch and its fix,
anomaly mode's words, and torch's conventions at kinks and ties."""

import math

import streamlit as st
from torch import Tensor

from charts import KinkLabels, KinkView, kink_figure, kink_table, labelled_table, symbols
from lessons.edges import BLOWUPS, ONE_SIDED_STEP, Anomaly, CloseUp, EdgesLesson, Run
from ui.session import Translator
from ui.text import code
from ui.widgets import show_matrix, show_result


def step(t: Translator, key: str, anchor: str, **params: object) -> None:
    st.subheader(t(f"edges.step_{key}"), anchor=anchor, divider="gray")
    st.markdown(t(f"edges.{key}_intro", **params))


def _entries(tensor: Tensor) -> list[str]:
    return [f"{value:.4g}" for value in tensor.tolist()]


def _grads_table(lesson: EdgesLesson, runs: tuple[Run, ...], with_values: bool) -> None:
    """One column per entry of x; rows: x, then each run's y (if asked) and x.grad."""
    rows = {"x": _entries(lesson.x)}
    for run in runs:
        name = run.code[-1].removeprefix("y = ")
        if with_values:
            rows[name] = _entries(run.value)
        rows[f"x.grad · {name}"] = _entries(run.grad)
    columns = symbols("x", len(lesson.x))
    entries = {name: [row[j] for row in rows.values()] for j, name in enumerate(columns)}
    table = labelled_table(list(rows), entries)
    st.dataframe(table, width="stretch")


def _blowup_lines(t: Translator, run: Run) -> list[str]:
    """`torch.sqrt(x): inf at x₁`, one line per kind of entry that is not finite."""
    name = code(run.code[-1].removeprefix("y = "))
    entries = list(zip(symbols("x", len(run.grad)), run.grad.tolist(), strict=True))
    lines = []
    for kind in ("inf", "-inf", "nan"):
        found = [entry for entry, value in entries if _kind(value) == kind]
        if found:
            lines.append(t("edges.blowup_line", code=name, kind=kind, entries=", ".join(found)))
    return lines or [t("edges.all_finite", code=name)]


def _kind(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:g}"


def show_blowups(t: Translator, lesson: EdgesLesson) -> None:
    step(t, "blowups", "blowups")
    for _, latex in BLOWUPS.values():  # one per line: side by side they overflow a phone
        st.latex(latex)
    _grads_table(lesson, lesson.blowups, with_values=True)
    lines = [line for run in lesson.blowups for line in _blowup_lines(t, run)]
    st.markdown("\n".join(f"- {line}" for line in lines))
    st.markdown(t("edges.blowups_why"))


def show_wheres(t: Translator, lesson: EdgesLesson) -> None:
    step(t, "wheres", "where")
    for run in lesson.wheres:
        st.markdown(t(f"edges.{run.key}_intro"))
        with st.container(key=f"edges_{run.key}" if run.key != "masked" else "edges_result"):
            st.code("\n".join(run.code), language="python", wrap_lines=True)
            show_result("`y`", run.value)
            show_result("`x.grad`", run.grad)
        st.markdown(t(f"edges.{run.key}_why"))
    st.markdown(t("edges.hidden_intro"))
    show_result("`torch.nan_to_num(x.grad)`", lesson.hidden)
    st.markdown(t("edges.hidden_why"))


def show_anomaly(t: Translator, anomaly: Anomaly) -> None:
    step(t, "anomaly", "anomaly", x=", ".join(f"{value:g}" for value in anomaly.x))
    st.code("\n".join(anomaly.code), language="python", wrap_lines=True)
    if not anomaly.ran:
        st.warning(t("edges.anomaly_not_run"))
        return
    if anomaly.error is None:
        st.warning(t("common.no_error"))
        return
    st.markdown(t("common.torch_said"))
    with st.container(key="edges_anomaly_said"):
        st.code(f"RuntimeError: {anomaly.error}", language="text", wrap_lines=True)
        if anomaly.warning is not None:
            show_result(t("edges.anomaly_warned"), f"UserWarning: {anomaly.warning}")
    st.markdown(t("edges.anomaly_why"))


def show_kinks(t: Translator, lesson: EdgesLesson) -> None:
    step(t, "kinks", "kinks")
    _grads_table(lesson, lesson.kinks, with_values=False)
    lines = [
        t("edges.convention_line", code=code(c.code), grad=f"{grad:g}", kink=f"{kink:g}")
        for c in lesson.conventions
        for kink, grad in zip(c.kinks, c.grads, strict=True)
    ]
    st.markdown(t("edges.conventions_intro") + "\n" + "\n".join(f"- {line}" for line in lines))
    relu, maximum = (
        next(c for c in lesson.conventions if c.key == key) for key in ("relu", "maximum")
    )
    if relu.grads != maximum.grads:
        st.markdown(
            t("edges.same_function", relu=f"{relu.grads[0]:g}", maximum=f"{maximum.grads[0]:g}")
        )


def show_ties(t: Translator, lesson: EdgesLesson) -> None:
    step(t, "ties", "ties")
    maximum = lesson.x.max()
    count = int((lesson.x == maximum).sum())
    st.markdown(t("edges.ties_count", maximum=f"{maximum.item():g}", count=count))
    with st.container(key="edges_ties"):
        for tie in lesson.ties:
            st.code("\n".join(tie.run.code), language="python", wrap_lines=True)
            show_result("`x.grad`", tie.run.grad)
            if tie.share == "even":
                shared = t("edges.share_even", count=count)
                st.markdown(shared if count > 1 else t("edges.share_single"))
            else:
                entry = symbols("x", len(lesson.x))[tie.index]
                st.markdown(t("edges.share_one", index=tie.index, entry=entry))
    st.markdown(t("edges.ties_why"))


def show_close_up(t: Translator, close_up: CloseUp, name: str) -> None:
    step(t, "close_up", "close-up")
    labels = KinkLabels(
        t("edges.chart_title", function=name),
        "x",
        t("edges.axis_y"),
        name,
        t("edges.series_grad"),
        t("edges.series_left"),
        t("edges.series_right"),
        t("edges.series_torch"),
    )
    view = kink_view(close_up)
    show_matrix(t, kink_figure(view, labels), kink_table(view, labels), "edges_kink_chart")
    numbers = {"kink": f"{close_up.kink:g}", "h": f"{ONE_SIDED_STEP:g}"}
    with st.container(key="edges_close_up"):
        columns = st.columns(3)
        columns[0].metric(t("edges.series_left"), f"{close_up.left:.6g}")
        columns[1].metric(t("edges.series_right"), f"{close_up.right:.6g}")
        columns[2].metric(t("edges.series_torch"), f"{close_up.at_kink:g}")
    st.markdown(t("edges.one_sided", **numbers))
    if not close_up.has_derivative:
        st.markdown(t("edges.convention", **numbers, value=f"{close_up.at_kink:g}"))
    _show_gradcheck(t, close_up, numbers)


def _show_gradcheck(t: Translator, close_up: CloseUp, numbers: dict[str, str]) -> None:
    beside = {**numbers, "beside": f"{close_up.beside:g}"}
    if close_up.passes_at_kink:
        mean = (close_up.left + close_up.right) / 2
        st.warning(t("edges.gradcheck_passes_at_kink", **numbers, mean=f"{mean:g}"))
    else:
        show_result(t("edges.gradcheck_fails_at_kink", **numbers), close_up.error.label)
    if close_up.passes_beside:
        st.success(t("edges.gradcheck_passes_beside", **beside), icon=":material/check:")
    else:
        st.warning(t("edges.gradcheck_fails_beside", **beside))


def kink_view(close_up: CloseUp) -> KinkView:
    """The close-up's numbers as the chart and its table take them."""
    return KinkView(
        close_up.grid.numpy(),
        close_up.values.numpy(),
        close_up.grads.numpy(),
        close_up.kink,
        close_up.left,
        close_up.right,
        close_up.at_kink,
    )
