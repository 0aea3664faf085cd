"""Gradient puzzles: reference answers against autograd, and how typed formulas are judged."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.autograd.functional import jacobian

from charts import AxisTitles, difference_figure, difference_table
from i18n import LANGUAGES, catalog
from lessons.language.expression import evaluate
from lessons.parsing import InputError
from lessons.practice.puzzles import (
    POINTS,
    PUZZLES,
    WEIGHTS,
    asks_for_weights,
    autograd_answer,
    draw_inputs,
    judge_answer,
    parse_answer,
    puzzle_number,
)
from tests.helpers import decode, open_page, plotly_specs, texts
from tests.test_properties import result_or_readable_error

BY_NAME = {puzzle.name: puzzle for puzzle in PUZZLES}
# Every puzzle's f and reference, typed into every other puzzle (names it may not know).
FORMULAS = [text for puzzle in PUZZLES for text in (puzzle.function, puzzle.reference)]


def test_ten_to_fifteen_puzzles_cover_the_operations_asked_for():
    assert 10 <= len(PUZZLES) <= 15
    functions = [puzzle.function for puzzle in PUZZLES]
    assert functions[0] == "x.sum()"
    for piece in ("softmax", "x @ A", "cumsum(0)", "detach()", "W @ x", "X + b"):
        assert any(piece in function for function in functions), piece
    assert len(set(BY_NAME)) == len(PUZZLES)


@pytest.mark.parametrize("puzzle", PUZZLES, ids=lambda puzzle: puzzle.name)
def test_the_reference_answer_matches_autograd_at_many_random_points(puzzle):
    judgement = judge_answer(puzzle, puzzle.reference, seed=11, points=30)
    assert judgement.correct and judgement.checked == 30


@pytest.mark.parametrize("puzzle", PUZZLES, ids=lambda puzzle: puzzle.name)
def test_the_autograd_answer_is_the_weighted_jacobian(puzzle):
    """Independently: J from torch.autograd.functional.jacobian, then wᵀJ (or J itself)."""
    inputs = draw_inputs(puzzle, torch.Generator().manual_seed(7))
    script = parse_answer(puzzle, puzzle.function)

    def f(value):
        return evaluate(script, {**inputs, puzzle.wrt: value}).y

    J = jacobian(f, inputs[puzzle.wrt])
    y = f(inputs[puzzle.wrt])
    weights = inputs[WEIGHTS] if asks_for_weights(puzzle) else torch.ones_like(y)
    expected = torch.tensordot(weights, J, dims=weights.dim())
    torch.testing.assert_close(autograd_answer(puzzle, inputs), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_puzzle_has_a_hint(language):
    assert all(catalog(language)[f"puzzles.{puzzle.name}_hint"] for puzzle in PUZZLES)


def test_a_formula_right_at_one_point_only_is_found_out():
    """3x·|x| equals 3x² where x ≥ 0: find a seed whose first point is all positive."""
    cubes, formula = BY_NAME["cubes"], "3 * x * x.abs()"
    seed = next(
        seed
        for seed in range(1000)
        if (draw_inputs(cubes, torch.Generator().manual_seed(seed))["x"] > 0).all()
    )
    assert judge_answer(cubes, formula, seed, points=1).correct
    judgement = judge_answer(cubes, formula, seed)
    assert not judgement.correct and judgement.checked > 1
    point = judgement.failure
    negative = point.inputs["x"] < 0
    assert negative.any()
    # It differs exactly at the negative entries, by -6x².
    torch.testing.assert_close(
        point.difference, torch.where(negative, -6 * point.inputs["x"] ** 2, 0.0)
    )


@pytest.mark.parametrize(
    ("puzzle", "formula", "correct"),
    [
        ("cubes", "3 * x ** 2", True),
        ("cubes", "x * 3 * x", True),
        ("cubes", "3 * x ** 2 + 1e-9", True),  # inside the tolerance
        ("cubes", "3 * x ** 2 + 1e-5", False),  # a near miss, outside it
        ("cubes", "3 * x ** 2 * 1.00001", False),
        ("cubes", "2 * x", False),
        ("squares", "2 * x", True),
        ("squares", "2 * x.detach()", True),
        ("detach", "2 * x", False),  # the gradient as if nothing were detached
        ("detach", "x", True),
        ("sum", "x / x", True),  # broadcasting: any tensor of ones shaped like x
        ("softmax", "torch.softmax(x, dim=0) * w", False),  # forgets the coupling term
        ("matrix_input", "torch.outer(x, w)", False),  # transposed
        ("matrix_input", "torch.outer(w, x)", True),
        ("vector_matrix", "A.sum(1)", False),  # the gradient for w = ones
    ],
)
def test_typed_formulas_are_judged_at_every_point(puzzle, formula, correct):
    judgement = judge_answer(BY_NAME[puzzle], formula, seed=3)
    assert judgement.correct is correct
    if correct:
        assert judgement.checked == POINTS
    else:
        assert judgement.failure is not None or judgement.shapes is not None


def test_the_failure_report_holds_the_point_and_both_values():
    judgement = judge_answer(BY_NAME["sine"], "torch.sin(x)", seed=5)
    point = judgement.failure
    assert judgement.checked == 1
    torch.testing.assert_close(point.expected, torch.cos(point.inputs["x"]))
    torch.testing.assert_close(point.given, torch.sin(point.inputs["x"]))
    torch.testing.assert_close(point.difference, point.given - point.expected)


@pytest.mark.parametrize(
    ("difference", "rows", "columns"),
    [
        (np.array([0.5, -1.0, 0.0]), ["x"], ["[0]", "[1]", "[2]"]),
        (np.arange(6.0).reshape(2, 3), ["W[0]", "W[1]"], ["[0]", "[1]", "[2]"]),
    ],
)
def test_the_difference_is_drawn_with_pythons_indices(difference, rows, columns):
    name = rows[0][0]
    (trace,) = difference_figure(difference, name, AxisTitles("d", "r", "c")).data
    assert list(trace.y) == rows and list(trace.x) == columns
    np.testing.assert_array_equal(trace.z, difference.reshape(len(rows), -1))
    table = difference_table(difference, name)
    assert list(table.index) == rows and table.to_numpy().tolist() == trace.z.tolist()


def test_every_attempt_draws_new_points():
    first = judge_answer(BY_NAME["sine"], "x", seed=0).failure.inputs["x"]
    second = judge_answer(BY_NAME["sine"], "x", seed=1).failure.inputs["x"]
    assert not torch.equal(first, second)
    assert torch.equal(first, judge_answer(BY_NAME["sine"], "x", seed=0).failure.inputs["x"])


def test_an_answer_of_the_wrong_shape_is_reported_with_both_shapes():
    judgement = judge_answer(BY_NAME["broadcast"], "2 * (X + b)", seed=0)
    assert not judgement.correct and judgement.shapes == ((3, 4), (4,))


@pytest.mark.parametrize(
    ("formula", "code"),
    [
        ("2 * z", "expr_unknown_name"),
        ("2 * x +", "expr_syntax"),
        ("x.__class__", "expr_attribute"),
        ("", "expr_empty"),
        ("x @ torch.ones(3)", "expr_function"),
    ],
)
def test_unreadable_or_refused_formulas_raise_the_evaluators_messages(formula, code):
    with pytest.raises(InputError) as raised:
        judge_answer(BY_NAME["squares"], formula, seed=0)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0", "puzzle_number"),
        ("16", "puzzle_number"),
        ("2.5", "puzzle_number"),
        ("abc", "not_a_number"),
        ("", "empty"),
        ("1 2", "too_many"),
    ],
)
def test_bad_puzzle_numbers_get_a_message(text, code):
    with pytest.raises(InputError) as raised:
        puzzle_number(text)
    assert raised.value.code == code


def test_good_puzzle_numbers_open_that_puzzle():
    assert [puzzle_number(text) for text in ("1", "3", "15.0", " 7 ")] == [1, 3, 15, 7]


# --- the page ---------------------------------------------------------------------------


def check(at, puzzle, formula):
    at.text_input(key=f"{puzzle.key}_answer").set_value(formula).run()
    return at.button(key=f"{puzzle.key}_check").click().run()


def progress(at) -> list[str]:
    return [bar.proto.text for bar in at.sidebar.get("progress")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_judges_right_wrong_and_unreadable_formulas(language):
    messages = catalog(language)
    puzzle = BY_NAME["x_sin_x"]
    at = open_page("puzzles", language)
    at.query_params["p"] = "5"
    at.run()
    assert at.selectbox(key="puzzles_pick").value == 5
    assert f"`y = {puzzle.function}`" in texts(at)

    check(at, puzzle, "torch.sin(x)")
    (warning,) = at.warning
    assert warning.value == messages["puzzles.wrong"].format(point=1)
    # The report's heatmap is the difference at the first point drawn for attempt 1.
    expected = judge_answer(puzzle, "torch.sin(x)", seed=1).failure.difference.numpy()
    (spec,) = plotly_specs(at)
    np.testing.assert_allclose(decode(spec["data"][0]["z"]), expected.reshape(1, -1))

    check(at, puzzle, "torch.sin(x) + x * torch.cos(")
    assert not at.exception and at.error[0].value.startswith(
        messages["errors.expr_syntax"].split("{")[0]
    )

    check(at, puzzle, puzzle.reference)
    assert messages["puzzles.right"].format(points=POINTS) in [box.value for box in at.success]
    total = len(PUZZLES)
    done = messages["exercises.progress_page"].format(
        page=messages["nav.puzzles"], done=1, total=total
    )
    assert done in progress(at)


def test_a_link_opens_a_puzzle_and_a_bad_link_gets_a_message():
    at = open_page("puzzles", "zh")
    at.query_params["p"] = "99"
    at.run()
    assert [error.value for error in at.error] == [
        catalog("zh")["errors.puzzle_number"].format(number=99, count=len(PUZZLES))
    ]
    assert at.selectbox(key="puzzles_pick").value == 1 and not at.exception
    at.selectbox(key="puzzles_pick").set_value(12).run()
    assert not at.error and at.query_params["p"] in ("12", ["12"])


def test_the_hint_comes_before_the_reference_answer():
    puzzle = BY_NAME["softmax"]
    at = open_page("puzzles")
    at.selectbox(key="puzzles_pick").set_value(PUZZLES.index(puzzle) + 1).run()
    assert puzzle.reference not in texts(at)
    at.button(key=f"{puzzle.key}_hint").click().run()
    assert catalog("en")["puzzles.softmax_hint"] in [box.value for box in at.info]
    at.button(key=f"{puzzle.key}_reveal").click().run()
    assert f"`{puzzle.reference}`" in texts(at)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PUZZLES), st.one_of(st.text(max_size=80), st.sampled_from(FORMULAS)))
def test_any_typed_formula_gets_a_judgement_or_a_readable_error(puzzle, text):
    judgement = result_or_readable_error(judge_answer, puzzle, text, 0)
    assert judgement is None or isinstance(judgement.correct, bool)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_any_puzzle_link_opens_a_puzzle_or_gets_a_readable_error(text):
    number = result_or_readable_error(puzzle_number, text)
    assert number is None or 1 <= number <= len(PUZZLES)
