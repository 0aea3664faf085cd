"""The cost benchmark: what it measures, the bound on its work, and how the page shows it."""

import functools
import itertools

import numpy as np
import pytest
import streamlit as st

from i18n import catalog
from lessons import cost
from lessons.cost import (
    MAX_BUDGET,
    MAX_SIZE,
    METHODS,
    NARROW,
    CostMeasurement,
    Timing,
    measure_cost,
)
from tests.helpers import decode, open_page, plotly_specs, texts


def fake_clock(tick: float):
    """A clock that moves `tick` seconds each time it is read: runs take no real time."""
    readings = itertools.count()
    return lambda: next(readings) * tick


def test_sizes_double_from_four_up_to_max_size_with_a_wide_and_a_tall_shape():
    measurement = measure_cost(budget=1.0, max_size=32, clock=fake_clock(1e-6))
    assert [(t.m, t.n) for t in measurement.square] == [(4, 4), (8, 8), (16, 16), (32, 32)]
    assert (measurement.wide.m, measurement.wide.n) == (NARROW, 32)
    assert (measurement.tall.m, measurement.tall.n) == (32, NARROW)
    assert measurement.reached_max_size and measurement.max_size == 32


def test_every_method_is_timed_and_compared_with_the_forward_pass():
    measurement = measure_cost(budget=0.5, max_size=8, repeats=1)
    for timing in measurement.square:
        assert all(timing.seconds(method) > 0 for method in METHODS)
        assert timing.relative("forward") == 1.0
        assert timing.relative("vjp_loop") == timing.vjp_loop / timing.forward
    assert measurement.growth("one_vjp") == (
        measurement.square[-1].one_vjp / measurement.square[0].one_vjp
    )
    with pytest.raises(ValueError, match="unknown method"):
        measurement.largest.seconds("__class__")


def test_a_tiny_budget_stops_after_the_first_size():
    measurement = measure_cost(budget=0.01, max_size=MAX_SIZE)
    assert [t.n for t in measurement.square] == [4]
    assert measurement.wide is None and measurement.tall is None
    assert not measurement.reached_max_size


def test_the_next_size_must_fit_the_budget_as_predicted_from_the_last():
    # Each reading moves the fake clock 1 ms and one size reads it about 50 times: the first
    # size "takes" about 0.05 s, and with no earlier size the next is predicted at 8 times
    # that, plus as much again for the wide and tall shapes: about 0.85 s in all.
    tight = measure_cost(budget=0.5, max_size=16, clock=fake_clock(1e-3))
    assert [t.n for t in tight.square] == [4] and tight.elapsed <= 0.5
    roomy = measure_cost(budget=1.5, max_size=16, clock=fake_clock(1e-3))
    assert [t.n for t in roomy.square] == [4, 8, 16] and roomy.elapsed <= 1.5


def test_growth_is_predicted_from_the_last_two_sizes_between_linear_and_cubic():
    assert cost._predicted([0.0, 1.0]) == 8.0  # no earlier size: assume the worst
    assert cost._predicted([0.0, 1.0, 1.5]) == 3.0  # grew 1.5 times: at least linear, 2
    assert cost._predicted([0.0, 1.0, 4.0]) == 16.0
    assert cost._predicted([0.0, 1.0, 20.0]) == 160.0  # at most cubic, 8


def test_no_run_starts_once_the_deadline_has_passed():
    runs = []
    best = cost._best_time(lambda: runs.append(1), 5, deadline=0.0, clock=fake_clock(1.0))
    assert (len(runs), best) == (1, 1.0)
    cost._best_time(lambda: runs.append(1), 5, deadline=1e9, clock=fake_clock(1.0))
    assert len(runs) == 1 + 5


@pytest.mark.parametrize(
    "bad",
    [
        {"budget": 0},
        {"budget": MAX_BUDGET + 0.1},
        {"max_size": MAX_SIZE * 2},
        {"max_size": 2},
        {"repeats": 0},
        {"repeats": cost.MAX_REPEATS + 1},
    ],
)
def test_parameters_beyond_the_bound_are_refused(bad):
    with pytest.raises(ValueError):
        measure_cost(**bad)


def test_progress_is_reported_and_ends_at_one():
    fractions = []
    measure_cost(budget=1.0, max_size=16, progress=fractions.append, clock=fake_clock(1e-6))
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions) and all(0 <= f <= 1 for f in fractions)
    assert len(fractions) == 3 + 2 + 1  # three sizes, the wide and tall shapes, the end


# --- the page ---------------------------------------------------------------------------


def timing(size_m, size_n, forward, one_vjp, vjp_loop, jacrev, jacfwd):
    return Timing(size_m, size_n, forward, one_vjp, vjp_loop, jacrev, jacfwd)


# Made-up seconds, so that every number of the conclusion is known in advance.
MEASURED = CostMeasurement(
    square=(
        timing(4, 4, 1e-5, 2e-5, 8e-5, 5e-4, 5e-4),
        timing(512, 512, 1e-4, 1.3e-4, 4.8e-2, 5e-3, 6e-3),
    ),
    wide=timing(4, 512, 1e-5, 2e-5, 8e-5, 4e-4, 8e-3),
    tall=timing(512, 4, 1e-5, 2e-5, 4e-2, 3e-2, 2e-3),
    budget=4.0,
    max_size=1024,
    elapsed=3.2,
)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_conclusion_is_drawn_from_the_measurement(language):
    at = open_page("jacobian", language)
    at.session_state["jacobian_cost"] = MEASURED
    at.run()
    words = catalog(language)
    shown = texts(at)
    assert (
        words["jacobian.cost_conclusion"].format(
            n=512, forward="0.1", vjp="1.3", loop="480", jacrev="50", jacfwd="60"
        )
        in shown
    )
    assert words["jacobian.cost_growth"].format(first=4, last=512, vjp="6.5", loop="600") in shown
    assert words["jacobian.cost_stopped"].format(budget="4", n=512, limit=1024) in shown
    wide = words["jacobian.shape_wide"].format(m=4, n=512)
    tall = words["jacobian.shape_tall"].format(m=512, n=4)
    assert (
        words["jacobian.shape_reverse_faster"].format(
            shape=wide, jacrev="0.4", jacfwd="8", ratio="20"
        )
        in shown
    )
    assert (
        words["jacobian.shape_forward_faster"].format(
            shape=tall, jacrev="30", jacfwd="2", ratio="15"
        )
        in shown
    )
    *_, lines, bars = plotly_specs(at)
    assert [trace["name"] for trace in lines["data"]] == [
        words[f"jacobian.method_{method}"] for method in METHODS
    ]
    np.testing.assert_array_equal(decode(lines["data"][2]["x"]), [4, 512])
    np.testing.assert_allclose(decode(lines["data"][2]["y"]), [8e-2, 48])  # milliseconds
    assert lines["layout"]["xaxis"]["type"] == lines["layout"]["yaxis"]["type"] == "log"
    assert lines["layout"]["yaxis"]["dtick"] == bars["layout"]["yaxis"]["dtick"] == 1  # decades
    assert list(bars["data"][1]["x"]) == [wide, tall]
    np.testing.assert_allclose(decode(bars["data"][1]["y"]), [0.4, 30])  # jacrev


def test_the_button_measures_once_per_session(monkeypatch):
    calls = []

    def small_measurement(progress):
        calls.append(1)
        return measure_cost(budget=0.2, max_size=8, repeats=1, progress=progress)

    monkeypatch.setattr("ui.cost.measure_cost", small_measurement)
    at = open_page("jacobian")
    assert len(plotly_specs(at)) == 3 and "jacobian_cost" not in at.session_state
    at.button(key="jacobian_cost_button").click().run()
    assert not at.exception and not at.warning
    measurement = at.session_state["jacobian_cost"]
    lines = plotly_specs(at)[3]
    assert len(lines["data"]) == len(METHODS)
    measured = [t.n for t in measurement.square]
    np.testing.assert_array_equal(decode(lines["data"][0]["x"]), measured)
    assert catalog("en")["jacobian.cost_conclusion"].split("{")[0] in texts(at)
    at.button(key="jacobian_cost_button").click().run()
    assert at.session_state["jacobian_cost"] is measurement and len(calls) == 1


def test_a_second_session_waits_while_one_measures_even_after_a_cache_clear(monkeypatch):
    from ui.cost import _BENCHMARK_LOCK as lock

    monkeypatch.setattr("ui.cost.measure_cost", functools.partial(measure_cost, budget=0.1))
    at = open_page("jacobian")
    assert lock.acquire(blocking=False)
    try:
        # What any client can ask for (BackMsg.clear_cache): it must not free the benchmark.
        st.cache_resource.clear()
        st.cache_data.clear()
        at.button(key="jacobian_cost_button").click().run()
        assert [w.value for w in at.warning] == [catalog("en")["jacobian.cost_busy"]]
        assert "jacobian_cost" not in at.session_state
    finally:
        lock.release()
    at.run()
    assert not at.warning and "jacobian_cost" in at.session_state


def explanation(language: str, measurement: CostMeasurement) -> list[str]:
    """The sentences the page adds to the conclusion for this made-up measurement."""
    at = open_page("jacobian", language)
    at.session_state["jacobian_cost"] = measurement
    at.run()
    return texts(at)


def three_digits(seconds_or_ratio: float) -> str:
    return f"{seconds_or_ratio:.3g}"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_why_pass_counts_do_not_predict_time_comes_from_the_measured_times(language):
    words, shown = catalog(language), explanation(language, MEASURED)
    largest = MEASURED.largest
    loop, batched, forward = largest.vjp_loop, largest.jacrev, largest.jacfwd
    ms = {name: three_digits(1000 * s) for name, s in (("loop", loop), ("jacrev", batched))}
    ms["jacfwd"] = three_digits(1000 * forward)
    spread = three_digits(max(loop, batched, forward) / min(loop, batched, forward))
    assert words["jacobian.cost_passes"].format(n=512, spread=spread, **ms) in shown
    overhead = words["jacobian.cost_overhead"].format(n=512, forward=three_digits(0.1))
    assert overhead in shown
    # Made up so that batching won and forward mode lost: jacrev < loop, jacfwd > jacrev.
    assert words["jacobian.cost_batch_faster"].format(ratio=three_digits(loop / batched)) in shown
    slower = words["jacobian.cost_forward_slower"].format(ratio=three_digits(forward / batched))
    assert slower in shown
    assert words["jacobian.cost_noise"] in shown
    assert words["jacobian.cost_growth_loop"] in shown


# Made up the other way round: the batched call lost to the loop, jacfwd beat jacrev, and
# one VJP took less time at the larger size than at the smaller one.
OTHER_RUN = CostMeasurement(
    square=(
        timing(4, 4, 1e-5, 2e-5, 8e-5, 5e-4, 5e-4),
        timing(64, 64, 2e-5, 1.872e-5, 6e-5, 1e-3, 4e-4),
    ),
    wide=None,
    tall=None,
    budget=4.0,
    max_size=1024,
    elapsed=1.0,
)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_run_where_batching_lost_and_a_vjp_shrank_says_so(language):
    words, shown = catalog(language), explanation(language, OTHER_RUN)
    largest, first = OTHER_RUN.largest, OTHER_RUN.square[0]
    vjp_growth = largest.one_vjp / first.one_vjp
    loop_growth = largest.vjp_loop / first.vjp_loop
    assert three_digits(vjp_growth) == "0.936"  # shrank: the sentence must not say "grew"
    growth = words["jacobian.cost_growth"].format(
        first=4, last=64, vjp=three_digits(vjp_growth), loop=three_digits(loop_growth)
    )
    assert growth in shown
    assert words["jacobian.cost_growth_flat"] in shown
    assert "grew" not in growth and "增长" not in growth
    batch = words["jacobian.cost_batch_slower"].format(
        ratio=three_digits(largest.jacrev / largest.vjp_loop)
    )
    assert batch in shown
    faster = words["jacobian.cost_forward_faster"].format(
        ratio=three_digits(largest.jacrev / largest.jacfwd)
    )
    assert faster in shown
