"""The cost benchmark behind a button: at most one run per session, one at a time per server."""

import threading

import streamlit as st

from charts import CostTitles, cost_figure, labelled_table, shape_cost_figure
from lessons.cost import METHODS, CostMeasurement, Timing, measure_cost
from ui.session import Translator
from ui.widgets import show_matrix

RESULT = "jacobian_cost"
REQUESTED = "jacobian_cost_requested"


@st.cache_resource
def _benchmark_lock() -> threading.Lock:
    """Shared by every session of this server process. A run keeps both cores busy for a
    few seconds: two at once would only measure each other, and many at once would stall
    every learner's page. So a second learner is asked to wait instead of queueing work."""
    return threading.Lock()


def request_measurement() -> None:
    """The button's on_click: a press survives the rerun that AppTest and deep links make."""
    st.session_state[REQUESTED] = True


def session_measurement(t: Translator) -> CostMeasurement | None:
    """This session's measurement: made once, on request, then reused for every press."""
    if RESULT in st.session_state:
        return st.session_state[RESULT]
    if not st.session_state.get(REQUESTED):
        return None
    lock = _benchmark_lock()
    if not lock.acquire(blocking=False):
        st.warning(t("jacobian.cost_busy"), icon=":material/hourglass_top:")
        return None
    try:
        running = t("jacobian.cost_running")
        bar = st.progress(0.0, text=running)
        measurement = measure_cost(progress=lambda fraction: bar.progress(fraction, text=running))
        bar.empty()
    finally:
        lock.release()
    st.session_state[RESULT] = measurement
    return measurement


def show_measurement(t: Translator, measurement: CostMeasurement) -> None:
    """The log-log chart, the conclusion drawn from these very numbers, and the two shapes."""
    square = measurement.square
    milliseconds = {
        t(f"jacobian.method_{method}"): [1000 * timing.seconds(method) for timing in square]
        for method in METHODS
    }
    titles = CostTitles(t("jacobian.cost_chart"), t("jacobian.cost_size"), t("jacobian.cost_time"))
    sizes = [timing.n for timing in square]
    table = labelled_table([str(n) for n in sizes], milliseconds)
    show_matrix(t, cost_figure(sizes, milliseconds, titles), table, "jacobian_cost_chart")
    largest = measurement.largest
    with st.container(key="jacobian_cost_conclusion"):
        st.markdown(
            t(
                "jacobian.cost_conclusion",
                n=largest.n,
                forward=_ms(largest.forward),
                vjp=_times(largest.relative("one_vjp")),
                loop=_times(largest.relative("vjp_loop")),
                jacrev=_times(largest.relative("jacrev")),
                jacfwd=_times(largest.relative("jacfwd")),
            )
        )
        if len(square) > 1:
            st.markdown(
                t(
                    "jacobian.cost_growth",
                    first=square[0].n,
                    last=largest.n,
                    vjp=_times(measurement.growth("one_vjp")),
                    loop=_times(measurement.growth("vjp_loop")),
                )
            )
    if not measurement.reached_max_size:
        st.caption(
            t(
                "jacobian.cost_stopped",
                budget=f"{measurement.budget:g}",
                n=largest.n,
                limit=measurement.max_size,
            )
        )
    shapes = {"wide": measurement.wide, "tall": measurement.tall}
    measured = {kind: shape for kind, shape in shapes.items() if shape}
    if measured:
        _show_shapes(t, measured)


def _show_shapes(t: Translator, shapes: dict[str, Timing]) -> None:
    names = [t(f"jacobian.shape_{kind}", m=shape.m, n=shape.n) for kind, shape in shapes.items()]
    methods = ("vjp_loop", "jacrev", "jacfwd")
    milliseconds = {
        t(f"jacobian.method_{method}"): [1000 * shape.seconds(method) for shape in shapes.values()]
        for method in methods
    }
    titles = CostTitles(
        t("jacobian.shape_chart"), t("jacobian.shape_axis"), t("jacobian.cost_time")
    )
    figure = shape_cost_figure(names, milliseconds, titles)
    show_matrix(t, figure, labelled_table(names, milliseconds), "jacobian_shape_chart")
    for name, shape in zip(names, shapes.values(), strict=True):
        faster = "reverse" if shape.jacrev < shape.jacfwd else "forward"
        st.markdown(
            t(
                f"jacobian.shape_{faster}_faster",
                shape=name,
                jacrev=_ms(shape.jacrev),
                jacfwd=_ms(shape.jacfwd),
                ratio=_times(max(shape.jacrev, shape.jacfwd) / min(shape.jacrev, shape.jacfwd)),
            )
        )


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.3g}"


def _times(ratio: float) -> str:
    """3 significant digits, without switching to 1.1e+04 for large ratios."""
    return f"{ratio:.3g}" if ratio < 1000 else f"{ratio:,.0f}"
