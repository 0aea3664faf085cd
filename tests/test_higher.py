"""Second derivatives: create_graph, the Hessian three ways, Hv two ways, the learner's own
function with its bounds and links, the benchmark, and the page in both languages."""

import functools
import itertools
import threading

import numpy as np
import pytest
import torch

from i18n import catalog
from lessons import cost
from lessons.cost import (
    HESSIAN_MAX_SIZE,
    HESSIAN_METHODS,
    MIN_SIZE,
    HessianCostMeasurement,
    HessianTiming,
    measure_hessian_cost,
)
from lessons.higher import hessian_lesson, hvp_lesson, lesson_work
from lessons.language.expression import MAX_INPUTS, MAX_WORK, evaluate, parse_script
from lessons.parsing import MAX_LENGTH, InputError
from lessons.vjp import VectorChoice
from tests.helpers import address, code_blocks, decode, open_link, open_page, plotly_specs, texts
from tests.test_properties import assert_readable

CUBE = ((("x", "1, 2, 3"),), "(x**3).sum()")
X = torch.tensor([1.0, 2.0, 3.0])


def refusal(lesson, *args) -> InputError:
    with pytest.raises(InputError) as caught:
        lesson(*args)
    assert_readable(caught.value)
    return caught.value


# --- create_graph and the Hessian --------------------------------------------------------


def test_the_hessian_of_the_sum_of_cubes_is_diag_6x_three_ways():
    lesson = hessian_lesson(*CUBE)
    expected = torch.diag(6 * X)
    torch.testing.assert_close(lesson.hessian, expected, rtol=0, atol=0)
    torch.testing.assert_close(lesson.functional, expected, rtol=0, atol=0)
    torch.testing.assert_close(lesson.func, expected, rtol=0, atol=0)
    assert (lesson.rows_vs_functional, lesson.rows_vs_func, lesson.asymmetry) == (0.0, 0.0, 0.0)
    torch.testing.assert_close(lesson.first_row, torch.tensor([6.0, 0.0, 0.0]))
    assert lesson.y.item() == 36.0


def test_create_graph_gives_a_gradient_with_a_grad_fn_and_without_it_torch_refuses():
    lesson = hessian_lesson(*CUBE)
    torch.testing.assert_close(lesson.gradient.detach(), 3 * X**2)
    assert lesson.gradient.grad_fn is not None and lesson.gradient_node == "MulBackward0"
    assert lesson.plain_gradient.grad_fn is None and not lesson.plain_gradient.requires_grad
    # The same call made here, apart from the lesson: the page quotes what torch raised.
    x = X.clone().requires_grad_()
    (plain,) = torch.autograd.grad((x**3).sum(), x)
    with pytest.raises(RuntimeError) as raised:
        torch.autograd.grad(plain[0], x)
    assert lesson.second_error.kind is RuntimeError
    assert lesson.second_error.message == str(raised.value)
    assert "does not require grad" in lesson.second_error.message


def test_a_dense_hessian_matches_the_one_derived_by_hand_and_is_symmetric():
    """y = x₀ Σ xⱼ²: ∂²y/∂x₀² = 6x₀, ∂²y/∂x₀∂xⱼ = 2xⱼ, ∂²y/∂xⱼ² = 2x₀, the rest 0."""
    lesson = hessian_lesson((("x", "1, 2, 3"),), "(x * x).sum() * x[0]")
    expected = torch.tensor([[6.0, 4.0, 6.0], [4.0, 2.0, 0.0], [6.0, 0.0, 2.0]])
    torch.testing.assert_close(lesson.hessian, expected)
    torch.testing.assert_close(lesson.hessian, lesson.hessian.T)
    assert max(lesson.rows_vs_functional, lesson.rows_vs_func) <= 1e-6


def test_a_matrix_input_is_flattened_and_the_other_inputs_are_held_constant():
    inputs = (("W", "1, -1; 0.5, 2"), ("x", "1, 2"))
    lesson = hessian_lesson(inputs, "torch.tanh(W @ x).sum()")
    held = torch.tensor([1.0, 2.0])
    expected = torch.func.hessian(lambda w: torch.tanh(w.reshape(2, 2) @ held).sum())(
        torch.tensor([1.0, -1.0, 0.5, 2.0])
    )
    torch.testing.assert_close(lesson.hessian, expected)
    assert lesson.name == "W_flat" and lesson.x_line.startswith("W_flat = W.flatten()")
    assert lesson.body[:2] == ("W = W_flat.reshape((2, 2))", "x = torch.tensor([1.0, 2.0])")


# --- Hv without H ------------------------------------------------------------------------


def test_hv_for_e2_is_the_second_column_of_diag_6x():
    lesson = hessian_lesson(*CUBE)
    hvp = hvp_lesson(lesson, VectorChoice("one_hot", index=2))
    expected = torch.tensor([0.0, 12.0, 0.0])
    for product in (hvp.double_backward, hvp.forward_over_reverse, hvp.hessian_times_v):
        torch.testing.assert_close(product, expected, rtol=0, atol=0)
    assert hvp.difference == 0.0


@pytest.mark.parametrize(
    "choice", [VectorChoice("random", seed=7), VectorChoice("typed", text="1, -2, 0.5")]
)
def test_both_ways_to_hv_agree_with_h_times_v(choice):
    lesson = hessian_lesson((("x", "0.5, -1, 2"),), "torch.softmax(x, dim=0)[0] * x.sum()")
    hvp = hvp_lesson(lesson, choice)
    torch.testing.assert_close(hvp.double_backward, hvp.forward_over_reverse)
    torch.testing.assert_close(hvp.double_backward, lesson.hessian @ hvp.v)
    assert hvp.difference == (hvp.double_backward - hvp.forward_over_reverse).abs().max().item()


def test_a_vector_x_renamed_for_the_program_is_reshaped_on_the_page_as_in_the_program():
    lesson = hessian_lesson((("g", "1, 2"),), "(g**3).sum()")
    assert lesson.name == "g_flat" and lesson.body[0] == "g = g_flat.reshape((2,))"
    assert lesson.gradient_node == "ViewBackward0"
    program = hvp_lesson(lesson, VectorChoice("ones")).program
    assert f"g = {lesson.gradient}" in program.output.splitlines()


def test_the_program_prints_the_page_in_the_learners_names():
    lesson = hessian_lesson((("a", "1, 2"),), "q = a.exp().sum()")
    program = hvp_lesson(lesson, VectorChoice("ones"), "zh").program
    assert "def f(a):\n    q = a.exp().sum()\n    return q.reshape(())" in program.code
    assert "(g,) = torch.autograd.grad(y, a, create_graph=True)" in program.code
    output = program.output.splitlines()
    assert output[0] == f"y = {lesson.y!s}"
    assert output[2] == f"RuntimeError: {lesson.second_error.message}"
    assert f"Hv = {torch.tensor([1.0, 2.0]).exp()}" in output


@pytest.mark.parametrize(
    ("choice", "code", "params"),
    [
        (VectorChoice("typed", text="1, 2"), "higher_v_length", {"length": 2, "n": 3}),
        (VectorChoice("one_hot", index=4), "higher_v_index", {"index": 4, "n": 3}),
    ],
)
def test_a_v_that_does_not_fit_x_gets_its_own_message(choice, code, params):
    error = refusal(hvp_lesson, hessian_lesson(*CUBE), choice)
    assert (error.code, error.params) == (code, params)


# --- what the page refuses ---------------------------------------------------------------


def test_a_y_with_several_entries_is_told_that_a_hessian_needs_one_output():
    error = refusal(hessian_lesson, (("x", "1, 2, 3"),), "x**3")
    assert (error.code, error.params) == ("higher_not_scalar", {"shape": (3,), "count": 3})


def test_more_than_32_entries_are_refused_before_any_work():
    values = ", ".join(["1"] * (MAX_LENGTH + 1))
    error = refusal(hessian_lesson, (("x", values),), "(x**3).sum()")
    assert (error.code, error.params) == ("too_many", {"count": 33, "limit": MAX_LENGTH})


COSTLY = "A = x.expand(32, 32) / 32\n(A @ A @ A @ A @ A @ A @ A @ A @ A @ A).sum()"
X32 = ", ".join(str(index % 7 - 3) for index in range(32))


def test_a_function_whose_second_derivatives_would_cost_too_much_is_refused():
    error = refusal(hessian_lesson, (("x", X32),), COSTLY)
    forward = evaluate(parse_script(COSTLY, ["x"]), {"x": torch.ones(32)}).work
    assert lesson_work(forward, 32) > MAX_WORK
    assert error.code == "higher_too_costly"
    assert error.params == {"work": f"{lesson_work(forward, 32):,}", "limit": f"{MAX_WORK:,}"}


def test_the_work_counted_grows_with_n_and_stays_within_the_budget_for_the_default():
    assert lesson_work(1, 1) == 3 + 9 + 4 * 12 + 2 * 8
    assert lesson_work(10, 32) == 10 * (3 + 9 + 66 * 12 + 33 * 8)
    assert hessian_lesson(*CUBE).work <= MAX_WORK


@pytest.mark.parametrize(
    ("inputs", "expression", "code"),
    [
        ((("x", "1, 2"), ("b", "3, 4")), "(b * b).sum() + 0 * x.detach().sum()", "higher_constant"),
        ((("x", "1, 2"),), "(3 * x).sum() + 1", "higher_linear"),
        ((("", ""),), "x", "higher_no_input"),
        ((("x", "1, 2"),), "x.numpy()", "expr_method"),
        ((("x", "1, 2"),), "__import__('os')", "expr_function"),
        ((("x", "<script>"),), "(x**3).sum()", "not_a_number"),
    ],
)
def test_what_has_no_second_derivative_or_cannot_be_read_is_refused(inputs, expression, code):
    assert refusal(hessian_lesson, inputs, expression).code == code


def test_sessions_at_once_all_get_their_own_hessian_and_hv():
    """Forward mode (torch.func.hessian, jvp over grad) is process-global: under its lock,
    threads computing at once each get their own right numbers."""
    results, errors = {}, []

    def run(scale: int) -> None:
        try:
            lesson = hessian_lesson((("x", f"{scale}, 1, 2"),), "(x**3).sum()")
            hvp = hvp_lesson(lesson, VectorChoice("ones"))
            results[scale] = (lesson.func, hvp.forward_over_reverse)
        except Exception as error:  # reported below, on the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(scale,)) for scale in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for scale, (func, forward) in results.items():
        x = torch.tensor([float(scale), 1.0, 2.0])
        torch.testing.assert_close(func, torch.diag(6 * x))
        torch.testing.assert_close(forward, 6 * x)


# --- the benchmark -------------------------------------------------------------------------


def fake_clock(step: float):
    ticks = itertools.count()
    return lambda: next(ticks) * step


def test_the_benchmark_times_every_method_at_doubling_sizes_up_to_max_size():
    measurement = measure_hessian_cost(budget=4.0, max_size=8, repeats=1)
    assert [timing.n for timing in measurement.sizes] == [4, 8] and measurement.reached_max_size
    for timing in measurement.sizes:
        assert all(timing.seconds(method) > 0 for method in HESSIAN_METHODS)
        assert timing.relative("gradient") == 1.0


def test_a_tiny_budget_stops_after_the_first_size():
    measurement = measure_hessian_cost(budget=1.0, repeats=1, clock=fake_clock(1.0))
    assert [timing.n for timing in measurement.sizes] == [MIN_SIZE]
    assert not measurement.reached_max_size


@pytest.mark.parametrize(
    "bad", [{"budget": 0.0}, {"budget": 5.0}, {"max_size": 2}, {"max_size": 1024}, {"repeats": 9}]
)
def test_parameters_beyond_the_bound_are_refused(bad):
    with pytest.raises(ValueError):
        measure_hessian_cost(**bad)
    assert HESSIAN_MAX_SIZE < 1024 and cost.MAX_BUDGET == 4.0


def made_up(n: int, double_backward: float, forward_over_reverse: float) -> HessianTiming:
    return HessianTiming(n, 1e-3, double_backward, forward_over_reverse, n * 1e-3, 2e-2)


MEASURED = HessianCostMeasurement((made_up(4, 2e-3, 8e-3), made_up(512, 4e-3, 3e-3)), 4.0, 512, 3.0)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_conclusion_is_drawn_from_the_measured_times(language):
    at = open_page("higher", language)
    at.session_state["higher_cost"] = MEASURED
    at.run()
    words, shown = catalog(language), texts(at)
    times = {"double_backward": "4", "forward_over_reverse": "3", "hvp_loop": "512"}
    conclusion = words["higher.cost_conclusion"].format(n=512, gradient="1", hessian="20", **times)
    assert conclusion in shown
    assert words["higher.cost_hvp_cheaper"].format(ratio="5") in shown
    assert words["higher.cost_faster_forward_over_reverse"].format(ratio="1.33") in shown
    growth = {"double_backward": "2", "hvp_loop": "128"}
    assert words["higher.cost_growth"].format(first=4, last=512, **growth) in shown
    lines = plotly_specs(at)[-1]
    assert len(lines["data"]) == len(HESSIAN_METHODS)
    np.testing.assert_array_equal(decode(lines["data"][0]["x"]), [4, 512])


def test_the_button_measures_once_per_session(monkeypatch):
    calls = []

    def small(progress):
        calls.append(1)
        return measure_hessian_cost(budget=0.2, max_size=8, repeats=1, progress=progress)

    monkeypatch.setattr("ui.higher.measure_hessian_cost", small)
    at = open_page("higher")
    at.button(key="higher_cost_button").click().run()
    assert not at.exception and len(calls) == 1
    measurement = at.session_state["higher_cost"]
    at.button(key="higher_cost_button").click().run()
    assert at.session_state["higher_cost"] is measurement and len(calls) == 1


def test_a_second_session_waits_while_another_page_measures(monkeypatch):
    from ui.cost import _BENCHMARK_LOCK as lock

    monkeypatch.setattr(
        "ui.higher.measure_hessian_cost", functools.partial(measure_hessian_cost, budget=0.1)
    )
    at = open_page("higher")
    assert lock.acquire(blocking=False)
    try:
        at.button(key="higher_cost_button").click().run()
        assert [w.value for w in at.warning] == [catalog("en")["jacobian.cost_busy"]]
        assert "higher_cost" not in at.session_state
    finally:
        lock.release()


# --- the page ------------------------------------------------------------------------------


def heatmap(at) -> np.ndarray:
    return decode(plotly_specs(at)[0]["data"][0]["z"])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_shows_h_and_hv_for_its_default_function(language):
    at = open_page("higher", language)
    assert not at.exception and not at.error
    np.testing.assert_array_equal(heatmap(at), torch.diag(6 * X).numpy())
    blocks = code_blocks(at)
    assert str(6 * X) in blocks  # Hv with v = ones: the column sums of diag(6x)
    assert "tensor([ 3., 12., 27.], grad_fn=<MulBackward0>)" in blocks
    words = catalog(language)
    assert words["higher.gradient_node"].split("`")[0] in texts(at)
    assert [metric.value for metric in at.metric][:3] == ["0", "0", "0"]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_issues_link_shows_diag_6x_and_its_second_column(language):
    at = open_link("higher", {"f": "(x**3).sum()", "x": "1,2,3", "v": "e2"}, language)
    assert not at.exception and not at.error and not at.warning
    np.testing.assert_array_equal(heatmap(at), torch.diag(6 * X).numpy())
    assert str(torch.tensor([0.0, 12.0, 0.0])) in code_blocks(at)
    assert address(at) | {"lang": language} == {
        "lang": language,
        "f": "(x**3).sum()",
        "x": "1,2,3",
        "v": "e2",
    }


def test_a_link_with_held_inputs_and_a_matrix_x():
    at = open_link("higher", {"f": "torch.tanh(W @ b).sum()", "W": "1,2;3,4", "b": "0.5,-1"})
    assert not at.exception and not at.error
    assert heatmap(at).shape == (4, 4)
    assert at.text_input(key="higher_name_2").value == "b"


@pytest.mark.parametrize(
    ("params", "kept"),
    [
        ({"f": "__import__('os').system('ls')", "x": "1,2,3"}, ("higher_x", "1,2,3")),
        ({"f": "(x**3).sum()", "x": "<img src=x onerror=alert(1)>"}, ("higher_f", "(x**3).sum()")),
        ({"f": "x**3", "x": "1,2,3"}, ("higher_x", "1,2,3")),
        ({"f": "(x**3).sum()", "x": "1e309"}, ("higher_f", "(x**3).sum()")),
    ],
)
def test_hostile_or_bad_link_text_gets_a_message_and_the_other_fields_are_kept(params, kept):
    at = open_link("higher", params)
    assert not at.exception
    assert len(at.error) == 1 and not at.get("plotly_chart")
    key, value = kept
    widget = at.text_area(key=key) if key == "higher_f" else at.text_input(key=key)
    assert widget.value == value
    # The page keeps working: a good value typed next gives the Hessian.
    at.text_area(key="higher_f").set_value("(x**3).sum()")
    at.text_input(key="higher_x").set_value("1, 2, 3").run()
    assert not at.error
    np.testing.assert_array_equal(heatmap(at), torch.diag(6 * X).numpy())


def test_a_linked_index_beyond_x_is_told_and_the_last_entry_shown():
    at = open_link("higher", {"f": "(x**3).sum()", "x": "1,2,3", "v": "e9"})
    assert not at.exception and not at.error
    expected = catalog("en")["higher.link_index"].format(index=9, n=3, shown=3)
    assert [w.value for w in at.warning] == [expected]
    assert str(torch.tensor([0.0, 0.0, 18.0])) in code_blocks(at)
    at.run()
    assert not at.warning  # told once


def test_a_link_with_more_inputs_than_rows_names_the_ones_left_out():
    extra = {f"c{k}": "1" for k in range(MAX_INPUTS)}
    at = open_link("higher", {"f": "(x**3).sum()", "x": "1,2,3", **extra})
    assert not at.exception
    (warning,) = at.warning  # x and c0 … fill the rows: the last one is left out
    assert warning.value.endswith(f"`c{MAX_INPUTS - 1}`.")


def test_a_typed_y_with_several_entries_says_so_and_the_fields_stay():
    at = open_page("higher", "zh")
    at.text_area(key="higher_f").set_value("x**3").run()
    (error,) = at.error
    assert error.value.startswith(catalog("zh")["errors.higher_not_scalar"].split("{")[0])
    assert at.text_input(key="higher_x").value == "1, 2, 3"


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "1x", "f", "nan, 1", ""])
def test_hostile_text_typed_into_a_held_row_is_refused_and_the_rest_kept(text):
    at = open_page("higher")
    at.text_input(key="higher_name_2").set_value("b")
    at.text_input(key="higher_value_2").set_value(text).run()
    assert not at.exception
    assert len(at.error) == 1 and not at.get("plotly_chart")
    assert at.text_input(key="higher_x").value == "1, 2, 3"
    assert at.text_area(key="higher_f").value == "(x**3).sum()"
    at.text_input(key="higher_value_2").set_value("1, 2").run()
    assert not at.error and heatmap(at).shape == (3, 3)
