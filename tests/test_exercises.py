"""Exercises: torch's answers against independent computations, and the judge's verdicts."""

import contextlib
import io
import re

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.autograd.functional import jacobian

from i18n import LANGUAGES, catalog
from lessons.parsing import InputError
from lessons.practice.exercises import (
    ABSOLUTE_TOLERANCE,
    EXERCISES,
    KINDS,
    answer,
    judge,
    parse_entries,
    parse_number,
    parse_shape,
    program,
    shown_answer,
)
from tests.test_properties import any_text, result_or_readable_error
from ui.exercises import HINT_STEPS, MARKS, verdict_message
from ui.navigation import LESSONS
from ui.session import Translator

ALL = [exercise for exercises in EXERCISES.values() for exercise in exercises]
BY_KEY = {exercise.key: exercise for exercise in ALL}


def _cumsum_of_squares(x):
    return torch.cumsum(x * x, dim=0)


A2x3 = torch.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
X123 = torch.tensor([1.0, 2.0, 3.0])

# Each answer worked out another way: by hand, or with torch.autograd.functional.jacobian.
INDEPENDENT = {
    "scalar_two_dot": 4 * torch.tensor([1.0, -2.0, 3.0]),
    "scalar_mean": torch.full((4,), 1 / 4),
    "scalar_grad_shape": (2, 3),
    "nonscalar_vector_backward": "raises",  # y = (x * x).sum(dim=1) keeps 3 entries
    "nonscalar_one_entry": torch.tensor([6.0]),
    "nonscalar_ones_like": 3 * X123**2,
    "nonscalar_jacobian_shape": tuple(A2x3.shape),
    "vjp_one_hot_row": jacobian(lambda x: x.cumsum(0), torch.arange(1.0, 5.0))[1],
    "vjp_weights": torch.tensor([1.0, 0.5, -1.0]) @ jacobian(lambda x: x * x, X123),
    "vjp_linear": torch.tensor([2.0, 1.0]) @ A2x3,
    "vjp_softmax_ones": torch.zeros(3),
    "accumulate_two_calls": 3 * 4 * torch.tensor([1.0, -2.0, 0.5]),
    "accumulate_after_zero": 2 * torch.tensor([1.0, -1.0]),
    "accumulate_second_backward": "raises",  # x * 3 saves the 3 for its backward
    "accumulate_two_losses": 2 * torch.tensor([1.0, -2.0]) + 3,
    "jacobian_passes": 5,
    "jacobian_jacrev_shape": (2, 4),
    "jacobian_vjp_row": jacobian(_cumsum_of_squares, X123)[2],
    "jacobian_jvp_column": jacobian(_cumsum_of_squares, X123)[:, 0],
    "graph_detach": 2 * torch.tensor([1.0, -1.0, 2.0]) ** 3,
    "graph_moved_leaf": "none",
    "graph_retain_graph": 2 * 2 * X123,
    "inplace_saved_input": "raises",  # cos saves its input y, which then changes
    "inplace_version": 1,  # y = y * 3 is a new tensor; only y[1] = 0 changes it
    "inplace_data_unsaved": 2 * torch.tensor([1.0, -2.0, 3.0]),  # x ** 2 saved x, not y
    "nograd_detached_path": torch.full((3,), 2.0),  # d(2x)/dx; the detached 3x adds nothing
    "nograd_hidden_error": "none",  # the loss is a leaf of its own: nothing reaches x
    "nograd_convert_first": 2 * torch.tensor([2.0, 0.0, -1.0]),
    "gradcheck_central": 3 * 2.0**2 + 0.1**2,
    "gradcheck_error": 0.1**2,
    "gradcheck_precision": "float64",
    "edges_masked": "nan",  # 0 from where times sqrt's infinite slope at 0
    "edges_double_where": torch.tensor([0.0, 1 / (2 * 1.0), 1 / (2 * 2.0)]),  # 1/(2√x), 0 at 0
    "edges_ties": torch.tensor([1 / 3, 0.0, 1 / 3, 1 / 3]),  # three ties share evenly
    "higher_second_derivative": 12 * 2.0**2,  # d²(x⁴)/dx² = 12x²
    "higher_mixed_hvp": torch.tensor([2 * 2.0, 2 * 1.0]),  # row 1 of [[2x₂, 2x₁], [2x₁, 0]]
    "higher_linear_gradient": "raises",  # g = 3 everywhere: made of constants, no grad_fn
}


def test_every_exercise_has_an_independent_answer_and_pages_have_two_to_four():
    assert set(INDEPENDENT) == set(BY_KEY)
    assert all(2 <= len(exercises) <= 4 for exercises in EXERCISES.values())
    assert set(EXERCISES) == {lesson.name for lesson in LESSONS}  # every lesson, only lessons


@pytest.mark.parametrize("key", INDEPENDENT)
def test_torchs_answer_matches_an_independent_computation(key):
    exercise, expected = BY_KEY[key], INDEPENDENT[key]
    computed = answer(exercise)
    if isinstance(expected, torch.Tensor):
        torch.testing.assert_close(computed, expected, rtol=1e-6, atol=1e-6)
    elif isinstance(expected, float):
        assert computed == pytest.approx(expected, rel=1e-9, abs=1e-9)
    else:
        assert computed == expected


@pytest.mark.parametrize("exercise", ALL, ids=lambda exercise: exercise.key)
def test_the_program_shown_prints_the_answer(exercise):
    code = program(exercise)
    assert code.startswith("import torch\n") and "return" not in code
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), torch.random.fork_rng():
        exec(code, {})  # the test runs the program the page shows; the app never does
    assert printed.getvalue() == shown_answer(exercise) + "\n"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_exercise_has_its_question_hints_explanation_and_options_in_the_catalog(language):
    messages = catalog(language)
    for page, exercises in EXERCISES.items():
        for exercise in exercises:
            assert exercise.key.startswith(f"{page}_") and exercise.kind in KINDS
            steps = [f"exercises.{exercise.key}_{step}" for step in (*HINT_STEPS, "why")]
            assert messages[f"exercises.{exercise.key}"] and all(messages[key] for key in steps)
            # Three different texts: the nudge is not the rule, nor the rule the explanation.
            assert len({messages[key] for key in steps}) == len(steps)
            assert (exercise.kind == "choice") == bool(exercise.options)
            assert all(f"exercises.option_{option}" in messages for option in exercise.options)
            if exercise.options:
                assert answer(exercise) in exercise.options


def right_text(exercise) -> str:
    value = answer(exercise)
    if isinstance(value, torch.Tensor):
        return ", ".join(f"{entry:.6g}" for entry in value.tolist())
    if isinstance(value, tuple):
        return str(value)
    return str(value)


@pytest.mark.parametrize("exercise", ALL, ids=lambda exercise: exercise.key)
def test_the_right_answer_is_right_and_a_wrong_one_wrong(exercise):
    assert judge(exercise, right_text(exercise)).correct
    if exercise.kind == "choice":
        (other,) = set(exercise.options) - {answer(exercise)}
        assert not judge(exercise, other).correct
    elif exercise.kind == "shape":
        wrong = judge(exercise, ", ".join(str(size + 1) for size in answer(exercise)))
        assert not wrong.correct and wrong.entries == (False,) * len(answer(exercise))
    else:
        expected = torch.as_tensor(answer(exercise), dtype=torch.float64).flatten()
        typed = ", ".join(str(entry + 0.5) for entry in expected.tolist())
        wrong = judge(exercise, typed)
        assert not wrong.correct and wrong.entries == (False,) * expected.numel()


def test_near_misses_fall_on_the_right_side_of_the_tolerance():
    central = BY_KEY["gradcheck_central"]
    exact = answer(central)
    assert judge(central, "12.01").correct  # rounded to the four decimals asked for
    assert judge(central, f"{exact + ABSOLUTE_TOLERANCE / 2}").correct
    assert not judge(central, "12").correct  # the true derivative, not the estimate
    assert not judge(central, f"{exact + 2e-3}").correct
    grad = BY_KEY["scalar_two_dot"]  # 4, -8, 12
    assert judge(grad, "4.00005, -8, 12").correct
    assert not judge(grad, "4.01, -8, 12").correct
    # One entry off is enough to be wrong, and the verdict says which.
    verdict = judge(grad, "4, -8, 13")
    assert not verdict.correct and verdict.entries == (True, True, False)


def test_a_wrong_number_of_entries_is_reported_not_guessed():
    verdict = judge(BY_KEY["scalar_two_dot"], "4, -8")
    assert not verdict.correct and verdict.expects_more is True and verdict.entries == ()
    verdict = judge(BY_KEY["scalar_two_dot"], "4, -8, 12, 0")
    assert not verdict.correct and verdict.expects_more is False
    verdict = judge(BY_KEY["scalar_grad_shape"], "6")
    assert not verdict.correct and verdict.expects_more is True


# --- a wrong answer is never told a number it could subtract ----------------------------

NUMBER = re.compile(r"[-+\u2212]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
TEXT_KINDS = [exercise for exercise in ALL if exercise.kind != "choice"]


def expected_entries(exercise) -> list[float]:
    return torch.as_tensor(answer(exercise), dtype=torch.float64).flatten().tolist()


def wrong_answers(exercise) -> list[list[float]]:
    """Off by one in each single entry, all entries off, and (but for a number, which must
    be one) one entry more and one entry fewer."""
    right = expected_entries(exercise)
    answers = [[v + (i == j) for j, v in enumerate(right)] for i in range(len(right))]
    answers.append([v + 1 for v in right])
    if exercise.kind != "number":
        answers += [[*right, 1.0], right[:-1]] if len(right) > 1 else [[*right, 1.0]]
    return answers


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("exercise", TEXT_KINDS, ids=lambda exercise: exercise.key)
def test_no_number_in_a_wrong_verdict_is_an_entry_of_the_answer_or_the_difference(
    exercise, language
):
    t = Translator(language)
    right = expected_entries(exercise)
    for typed in wrong_answers(exercise):
        verdict = judge(exercise, ", ".join(f"{entry:g}" for entry in typed))
        assert not verdict.correct
        message = verdict_message(t, exercise, verdict)
        shown = {abs(float(n.replace("\u2212", "-"))) for n in NUMBER.findall(message)}
        differences = [a - b for a, b in zip(typed, right, strict=False)]
        assert not shown & {abs(value) for value in right + differences}, message
        # Where the counts agree, the verdict marks exactly the entries typed wrong.
        if len(typed) == len(right):
            flags = tuple(a == b for a, b in zip(typed, right, strict=True))
            assert verdict.entries == flags
            marks = " ".join(MARKS[ok] for ok in flags)
            assert exercise.kind == "number" or message.endswith(marks)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_count_says_more_or_fewer_without_counting(language):
    t, grad, shape = Translator(language), BY_KEY["scalar_two_dot"], BY_KEY["scalar_grad_shape"]
    assert verdict_message(t, grad, judge(grad, "4")) == t("exercises.more_entries")
    assert verdict_message(t, grad, judge(grad, "4, -8, 12, 1")) == t("exercises.fewer_entries")
    assert verdict_message(t, shape, judge(shape, "6")) == t("exercises.more_dimensions")
    assert verdict_message(t, shape, judge(shape, "2, 3, 1")) == t("exercises.fewer_dimensions")
    marks = f"{MARKS[True]} {MARKS[False]}"
    assert verdict_message(t, shape, judge(shape, "2x4")) == t("exercises.wrong_sizes", marks=marks)


# --- readings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2, 3",
        "(2, 3)",
        "[2 3]",
        "2 * 3",
        "2 \u00d7 3",
        "(2,3)",
        "2x3",
        "2X3",
        "2 x 3",
        "(2\u00d73)",
    ],
)
def test_shapes_read_as_people_write_them(text):
    assert parse_shape(text) == (2, 3)


@pytest.mark.parametrize(
    ("text", "values"),
    [("1/4", (0.25,)), ("-3/2", (-1.5,)), ("1 / 4, 1/2", (0.25, 0.5)), ("[1/4, 2]", (0.25, 2.0))],
)
def test_a_simple_fraction_is_one_entry(text, values):
    assert parse_entries(text) == values


def test_fractions_answer_number_and_vector_exercises():
    assert parse_number("1/4") == 0.25
    assert judge(BY_KEY["scalar_mean"], "1/4, 1/4, 1/4, 1/4").correct


@pytest.mark.parametrize("text", ["[1, 2", "1, 2]", "(1, 2]", "((2, 3)", "2, 3)", "[1, (2], 3)"])
def test_unbalanced_brackets_are_refused_not_guessed(text):
    for read in (parse_entries, parse_shape):
        with pytest.raises(InputError) as raised:
            read(text)
        assert raised.value.code == "unbalanced_brackets"


def test_a_one_dimensional_shape_may_keep_its_comma():
    assert parse_shape("(4,)") == (4,)


@pytest.mark.parametrize(
    ("exercise", "text", "code"),
    [
        ("scalar_grad_shape", "2.5, 3", "not_a_size"),
        ("scalar_grad_shape", "-2, 3", "not_a_size"),
        ("scalar_grad_shape", "two, three", "not_a_number"),
        ("gradcheck_central", "12 13", "one_number"),
        ("gradcheck_central", "", "empty"),
        ("scalar_two_dot", "4, nan, 12", "not_finite"),
        ("scalar_two_dot", "\uff14", "non_ascii_digit"),
        ("scalar_two_dot", "1/0, 2, 3", "not_finite"),
        ("scalar_two_dot", "1/2/3, 2, 3", "not_a_number"),
        ("gradcheck_central", "[12.01", "unbalanced_brackets"),
        ("scalar_grad_shape", "six", "not_a_number"),
    ],
)
def test_unreadable_answers_raise_the_parsers_errors(exercise, text, code):
    with pytest.raises(InputError) as raised:
        judge(BY_KEY[exercise], text)
    assert raised.value.code == code


# --- generated answers ---------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TEXT_KINDS), any_text)
def test_any_typed_answer_gets_a_verdict_or_a_readable_error(exercise, text):
    verdict = result_or_readable_error(judge, exercise, text)
    assert verdict is None or isinstance(verdict.correct, bool)
