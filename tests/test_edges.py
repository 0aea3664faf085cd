"""The lesson on nan, inf, kinks and ties: every gradient asked of this torch directly and
against the derivative's formula, anomaly mode kept out of the server's process, torch's
conventions at kinks and ties as this torch computes them, then the page through AppTest."""

import functools
import math
import sys
import threading
import time

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.autograd.gradcheck import GradcheckError

import lessons.edges
from charts import KinkLabels, kink_figure, kink_table
from i18n import catalog
from lessons.edges import (
    ANOMALY_X,
    DEFAULT_X,
    DEMONSTRATIONS,
    KINKS,
    TIES,
    Anomaly,
    _anomaly_once,
    anomaly_lines,
    anomaly_run,
    code_of,
    edges_lesson,
    forward_lines,
)
from lessons.errors import find_errors, known_errors
from lessons.parsing import InputError
from tests.helpers import (
    code_blocks,
    keyed_codes,
    open_link,
    open_page,
    plotly_specs,
    program_and_output,
)
from tests.test_properties import any_text, result_or_readable_error
from ui.edges import kink_view
from ui.session import Translator
from ui.text import message

X = (0.0, 4.0, -1.0, 4.0)


@pytest.fixture(scope="module")
def lesson():
    return edges_lesson(DEFAULT_X, "relu")


def leaf() -> torch.Tensor:
    return torch.tensor(X, requires_grad=True)


def nan_at(tensor) -> list[bool]:
    return torch.isnan(tensor).tolist()


# --- gradients that blow up -------------------------------------------------------------


def test_the_default_x_holds_a_zero_a_negative_and_a_tie():
    assert tuple(float(entry) for entry in DEFAULT_X.split(", ")) == X


def test_sqrt_and_the_power_are_inf_at_zero_and_nan_below(lesson):
    expected = torch.tensor([math.inf, 1 / (2 * 2.0), math.nan, 1 / (2 * 2.0)])
    for key in ("sqrt", "power"):
        torch.testing.assert_close(lesson.run(key).grad, expected, equal_nan=True)


def test_log_is_inf_at_zero_and_finite_where_its_value_is_nan(lesson):
    run = lesson.run("log")
    assert nan_at(run.value) == [False, False, True, False]
    torch.testing.assert_close(run.grad, 1 / torch.tensor(X))  # 1/x, -1 at x = -1


def test_the_reciprocal_is_minus_inf_at_zero(lesson):
    torch.testing.assert_close(lesson.run("reciprocal").grad, -1 / torch.tensor(X) ** 2)
    assert lesson.run("reciprocal").grad[0].item() == -math.inf


# --- torch.where, its fix, and nan_to_num -----------------------------------------------


def test_the_masked_where_is_finite_forward_and_nan_backward_where_x_is_not_positive(lesson):
    run = lesson.run("masked")
    assert torch.isfinite(run.value).all()
    assert nan_at(run.grad) == [True, False, True, False]
    x = leaf()
    torch.where(x > 0, torch.sqrt(x), 0 * x).sum().backward()
    torch.testing.assert_close(run.grad, x.grad, equal_nan=True)


def test_the_double_where_has_the_same_forward_and_a_finite_gradient(lesson):
    fixed, masked = lesson.run("double_where"), lesson.run("masked")
    assert torch.equal(fixed.value, masked.value)
    torch.testing.assert_close(fixed.grad, torch.tensor([0.0, 0.25, 0.0, 0.25]))


def test_nan_to_num_on_the_output_leaves_the_nan_and_on_the_gradient_hides_it(lesson):
    assert nan_at(lesson.run("nan_to_num_output").grad) == [True, False, True, False]
    largest = torch.finfo(torch.float32).max
    torch.testing.assert_close(lesson.hidden, torch.tensor([largest, 0.25, 0.0, 0.25]))


# --- anomaly mode -----------------------------------------------------------------------


def test_anomaly_mode_names_sqrts_backward_as_torch_raises_it_here():
    x = torch.tensor(ANOMALY_X, requires_grad=True)
    with torch.autograd.set_detect_anomaly(True), pytest.warns(UserWarning):
        y = torch.where(x > 0, torch.sqrt(x), 0 * x)
        with pytest.raises(RuntimeError) as caught:
            y.sum().backward()
    anomaly = anomaly_run()
    assert anomaly.error == str(caught.value)
    assert "SqrtBackward0" in anomaly.error and "nan" in anomaly.error
    assert anomaly.warning.startswith("Error detected in SqrtBackward0")


def test_anomaly_mode_is_one_switch_for_every_thread():
    """Why the lesson keeps it out of the server: on in one thread, on in all."""
    switched, seen = threading.Event(), threading.Event()
    in_other_thread = []

    def switch_on():
        with torch.autograd.set_detect_anomaly(True):
            switched.set()
            seen.wait(timeout=30)

    def look():
        switched.wait(timeout=30)
        in_other_thread.append(torch.is_anomaly_enabled())
        seen.set()

    threads = [threading.Thread(target=switch_on), threading.Thread(target=look)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert in_other_thread == [True]
    assert not torch.is_anomaly_enabled()


def test_while_the_anomaly_step_runs_no_other_backward_is_checked():
    """The anomaly step runs in a Python of its own: here, the switch stays off and a
    backward that makes a nan in another thread does not raise."""
    _anomaly_once.cache_clear()
    running = threading.Thread(target=anomaly_run)
    running.start()
    grads = []
    while running.is_alive():
        assert not torch.is_anomaly_enabled()
        x = leaf()
        torch.where(x > 0, torch.sqrt(x), 0 * x).sum().backward()  # would raise if checked
        grads.append(x.grad)
        time.sleep(0.01)  # leave the cores to the separate Python while it starts
    running.join()
    assert grads and all(nan_at(grad) == [True, False, True, False] for grad in grads)
    assert anomaly_run().error is not None


def test_a_server_that_cannot_start_the_separate_python_says_so(monkeypatch):
    # A cache of its own for this test: the real one keeps its run for the other tests.
    monkeypatch.setattr(lessons.edges, "_anomaly_once", functools.cache(_anomaly_once.__wrapped__))
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert anomaly_run() == Anomaly(ANOMALY_X, anomaly_lines(ANOMALY_X), None, None, False)
    at = open_page("edges")
    assert not at.exception and not at.error
    assert catalog("en")["edges.anomaly_not_run"] in [box.value for box in at.warning]


def test_the_finder_knows_the_anomaly_message_and_links_to_its_step():
    (demonstration,) = DEMONSTRATIONS
    assert (demonstration.key, demonstration.page, demonstration.anchor) == (
        "anomaly_nan",
        "edges",
        "anomaly",
    )
    (known,) = [known for known in known_errors() if known.key == "anomaly_nan"]
    assert known.label == f"RuntimeError: {anomaly_run().error}"
    pasted = "RuntimeError: Function 'PowBackward1' returned nan values in its 0th output."
    (finding,) = find_errors(pasted)
    assert finding.known.key == "anomaly_nan"
    assert finding.pasted.startswith("Function 'PowBackward1' returned nan values")


# --- kinks and ties ---------------------------------------------------------------------


def test_torchs_values_at_the_kinks(lesson):
    conventions = {c.key: dict(zip(c.kinks, c.grads, strict=True)) for c in lesson.conventions}
    assert conventions == {
        "relu": {0.0: 0.0},
        "abs": {0.0: 0.0},
        "clamp": {-1.0: 1.0, 1.0: 1.0},
        "maximum": {0.0: 0.5},  # a tie between x and 0: each input gets half
    }
    grads = {run.key: run.grad.tolist() for run in lesson.kinks}
    assert grads == {
        "relu": [0.0, 1.0, 0.0, 1.0],
        "abs": [0.0, 1.0, -1.0, 1.0],
        "clamp": [1.0, 0.0, 1.0, 0.0],
        "maximum": [0.5, 1.0, 0.0, 1.0],
    }


def test_the_whole_max_and_amax_share_a_tie_and_max_with_dim_gives_it_to_its_index(lesson):
    ties = {tie.run.key: tie for tie in lesson.ties}
    assert set(ties) == set(TIES)
    for key in ("max", "amax"):
        assert ties[key].share == "even"
        assert ties[key].run.grad.tolist() == [0.0, 0.5, 0.0, 0.5]
    assert ties["max_dim"].share == "one" and ties["max_dim"].index == 1  # the first 4
    assert ties["max_dim"].run.grad.tolist() == [0.0, 1.0, 0.0, 0.0]
    three = {tie.run.key: tie for tie in edges_lesson("5, 1, 5, 5").ties}
    torch.testing.assert_close(three["max"].run.grad, torch.tensor([1 / 3, 0, 1 / 3, 1 / 3]))


@pytest.mark.parametrize("key", KINKS)
def test_at_each_kink_the_one_sided_slopes_differ_and_gradcheck_judges_the_average(key):
    close_up = edges_lesson(DEFAULT_X, key).close_up
    forward, (kink, *_) = KINKS[key]
    assert close_up.kink == kink and not close_up.has_derivative
    assert close_up.grid[20].item() == kink and close_up.grads[20].item() == close_up.at_kink
    # The slopes of the two pieces, by hand: relu 0 | 1, abs -1 | 1, clamp at -1 0 | 1.
    slopes = {"relu": (0, 1), "abs": (-1, 1), "clamp": (0, 1), "maximum": (0, 1)}[key]
    assert (close_up.left, close_up.right) == pytest.approx(slopes, abs=1e-9)
    mean = sum(slopes) / 2
    assert close_up.passes_at_kink == (close_up.at_kink == mean)
    point = torch.tensor([kink], dtype=torch.float64, requires_grad=True)
    if close_up.passes_at_kink:
        assert close_up.error is None
    else:
        with pytest.raises(GradcheckError) as caught:
            torch.autograd.gradcheck(forward, (point,))
        assert close_up.error.message == str(caught.value)
    assert close_up.passes_beside and close_up.beside == kink + 0.5


def test_gradcheck_fails_at_relus_and_clamps_kinks_and_passes_at_abs_and_maximum():
    verdicts = {key: edges_lesson(DEFAULT_X, key).close_up.passes_at_kink for key in KINKS}
    assert verdicts == {"relu": False, "abs": True, "clamp": False, "maximum": True}


def test_the_program_shows_the_functions_that_ran(lesson):
    assert forward_lines(KINKS["clamp"][0]) == ("y = torch.clamp(x, -1.0, 1.0)",)
    assert code_of(TIES["max_dim"]) == "torch.max(x, dim=0).values"
    assert "    return torch.relu(x)" in lesson.program.code


@pytest.mark.parametrize(("text", "code"), [("", "empty"), ("0, nan", "not_finite")])
def test_bad_x_is_an_input_error(text, code):
    with pytest.raises(InputError) as caught:
        edges_lesson(text)
    assert caught.value.code == code


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.sampled_from(sorted(KINKS)))
def test_edges_lesson_on_anything(text, kink):
    lesson = result_or_readable_error(edges_lesson, text, kink)
    if lesson is not None:
        # Whatever x is, the masked where's y is finite and the double where's x.grad too.
        assert torch.isfinite(lesson.run("masked").value).all()
        assert torch.isfinite(lesson.run("double_where").grad).all()
        assert not lesson.close_up.has_derivative and lesson.close_up.passes_beside


# --- the page ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_shows_the_gradients_torch_computed_in_both_languages(language, lesson):
    at = open_page("edges", language)
    assert not at.exception and not at.error
    words = catalog(language)
    assert at.title[0].value == words["edges.title"]
    assert keyed_codes(at, "edges_result")[1:] == [
        str(lesson.run("masked").value),
        str(lesson.run("masked").grad),
    ]
    said = keyed_codes(at, "edges_anomaly_said")
    assert said == [
        f"RuntimeError: {lesson.anomaly.error}",
        f"UserWarning: {lesson.anomaly.warning}",
    ]
    assert "anomaly" in [heading.proto.anchor for heading in at.subheader]
    # A code block drops the message's final newline.
    assert lesson.close_up.error.label.rstrip("\n") in code_blocks(at)
    assert Translator(language)("edges.gradcheck_passes_beside", beside="0.5") in [
        box.value for box in at.success
    ]
    (chart,) = plotly_specs(at)
    assert [trace["name"] for trace in chart["data"]][:2] == [
        "torch.relu(x)",
        words["edges.series_grad"],
    ]


def test_choosing_abs_says_gradcheck_passes_at_its_kink():
    at = open_page("edges")
    at.selectbox(key="edges_kink").set_value("abs").run()
    assert not at.exception and not at.error
    expected = Translator("en")("edges.gradcheck_passes_at_kink", kink="0", h="0.001", mean="0")
    assert expected in [box.value for box in at.warning]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_bad_x_from_the_link_gets_its_message_and_keeps_the_kink(language):
    at = open_link("edges", {"x": "0, vier", "kink": "clamp"}, language)
    assert not at.exception
    expected = message(Translator(language), "errors.not_a_number", entry="vier")
    assert [error.value for error in at.error] == [expected]
    assert at.selectbox(key="edges_kink").value == "clamp"
    at.text_input(key="edges_x").set_value("2, 2").run()
    assert not at.error
    assert "x = torch.tensor([2.0, 2.0], requires_grad=True)" in program_and_output(at)[0]


def test_a_link_sets_x_and_the_kink_and_an_unknown_kink_is_refused():
    at = open_link("edges", {"x": "1, -2", "kink": "maximum"})
    assert not at.exception and not at.error
    assert at.selectbox(key="edges_kink").value == "maximum"
    assert at.text_input(key="edges_x").value == "1, -2"
    (chart,) = plotly_specs(at)
    assert chart["data"][0]["name"] == "torch.maximum(x, torch.zeros_like(x))"
    at = open_link("edges", {"kink": "sigmoid"})
    (error,) = at.error
    assert error.value.startswith(catalog("en")["errors.link_value_list"].split("{")[0])
    assert at.selectbox(key="edges_kink").value == "relu"


def test_an_x_without_a_tie_says_there_is_nothing_to_share():
    at = open_page("edges")
    at.text_input(key="edges_x").set_value("1, 2, 3").run()
    assert not at.exception and not at.error
    single = catalog("en")["edges.share_single"]
    assert [text.value for text in at.markdown].count(single) == len(TIES)
    assert keyed_codes(at, "edges_ties")[1::2] == ["tensor([0., 0., 1.])"] * len(TIES)


def test_the_kink_chart_draws_the_curve_the_gradient_and_three_marks_at_the_kink(lesson):
    close_up = lesson.close_up
    view = kink_view(close_up)
    labels = KinkLabels("title", "x", "value", "relu", "grad", "left", "right", "torch")
    figure = kink_figure(view, labels)
    assert [trace.name for trace in figure.data] == ["relu", "grad", "torch", "left", "right"]
    assert list(figure.data[1].y) == close_up.grads.tolist()
    assert [(trace.x[0], trace.y[0]) for trace in figure.data[2:]] == [
        (0.0, 0.0),
        (0.0, 0.0),
        (0.0, 1.0),
    ]
    table = kink_table(view, labels)
    assert table.shape == (41, 2) and table["grad"].tolist() == close_up.grads.tolist()
