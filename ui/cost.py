"""The cost benchmark behind a button: at most one run per session, one at a time per server."""

import threading
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from charts import CostTitles, cost_figure, labelled_table, shape_cost_figure
from lessons.cost import METHODS, CostMeasurement, Timing, measure_cost
from lessons.turns import TURNS
from ui.session import Translator
from ui.widgets import show_matrix

Measurement = TypeVar("Measurement")

RESULT = "jacobian_cost"
REQUESTED = "jacobian_cost_requested"
# Shared by every session of this server process. A run keeps a core busy for a few seconds:
# two at once would only measure each other, and many at once would stall every learner's
# page. So a second learner is asked to wait instead of queueing work. Module state on
# purpose, outside every cache: any client can clear Streamlit's caches, which would hand
# out a fresh, unheld lock.
_BENCHMARK_LOCK = threading.Lock()


def request_measurement(requested: str = REQUESTED) -> None:
    """The button's on_click: a press survives the rerun that AppTest and deep links make."""
    st.session_state[requested] = True


def session_measurement(
    t: Translator,
    measure: Callable[..., Measurement] | None = None,
    result: str = RESULT,
    requested: str = REQUESTED,
) -> Measurement | None:
    """This session's measurement: made once, on request, then reused for every press.
    `measure(progress=…)` runs it (measure_cost by default); one lock serves every page."""
    if result in st.session_state:
        return st.session_state[result]
    if not st.session_state.get(requested):
        return None
    if not _BENCHMARK_LOCK.acquire(blocking=False):
        st.warning(t("jacobian.cost_busy"), icon=":material/hourglass_top:")
        return None
    try:
        running = t("jacobian.cost_running")
        bar = st.progress(0.0, text=running)
        with TURNS.aside():  # seconds of timing: other sessions go on meanwhile
            measurement = (measure or measure_cost)(
                progress=lambda fraction: bar.progress(fraction, text=running)
            )
        bar.empty()
    finally:
        _BENCHMARK_LOCK.release()
    st.session_state[result] = measurement
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
            vjp_growth, loop_growth = measurement.growth("one_vjp"), measurement.growth("vjp_loop")
            st.markdown(
                t(
                    "jacobian.cost_growth",
                    first=square[0].n,
                    last=largest.n,
                    vjp=_times(vjp_growth),
                    loop=_times(loop_growth),
                )
            )
            outgrew = "loop" if loop_growth > vjp_growth else "flat"
            st.markdown(t(f"jacobian.cost_growth_{outgrew}"))
        for key, params in _why_passes_do_not_predict_time(largest):
            st.markdown(t(key, **params))
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


def _why_passes_do_not_predict_time(largest: Timing) -> list[tuple[str, dict[str, str]]]:
    """At n = m the loop, jacrev and jacfwd all make n passes: the sentences that say, from
    this run's times, how far apart they were and what besides the pass count decides."""
    loop, batched, forward = (largest.seconds(m) for m in ("vjp_loop", "jacrev", "jacfwd"))
    times = (loop, batched, forward)
    spread = _times(max(times) / min(times))
    passes = {
        "n": str(largest.n),
        "loop": _ms(loop),
        "jacrev": _ms(batched),
        "jacfwd": _ms(forward),
    }
    return [
        ("jacobian.cost_passes", passes | {"spread": spread}),
        ("jacobian.cost_overhead", {"n": str(largest.n), "forward": _ms(largest.forward)}),
        (
            f"jacobian.cost_batch_{_faster_or_slower(batched, loop)}",
            {"ratio": _ratio(batched, loop)},
        ),
        (
            f"jacobian.cost_forward_{_faster_or_slower(forward, batched)}",
            {"ratio": _ratio(forward, batched)},
        ),
        ("jacobian.cost_noise", {}),
    ]


def _faster_or_slower(seconds: float, than: float) -> str:
    return "faster" if seconds < than else "slower"


def _ratio(a: float, b: float) -> str:
    """How many times the longer of two times is the shorter."""
    return _times(max(a, b) / min(a, b))


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
                ratio=_ratio(shape.jacrev, shape.jacfwd),
            )
        )


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.3g}"


def _times(ratio: float) -> str:
    """3 significant digits, without switching to 1.1e+04 for large ratios."""
    return f"{ratio:.3g}" if ratio < 1000 else f"{ratio:,.0f}"
