"""Gradient puzzles: reference answers against autograd, and how typed formulas are judged."""

import re

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
    ROUNDING_TOLERANCE,
    SIDE_STEP,
    WEIGHTS,
    Kink,
    Point,
    Puzzle,
    asks_for_weights,
    attempt_seed,
    autograd_answer,
    check_sides,
    draw_inputs,
    judge_answer,
    kinks,
    parse_answer,
    points_to_check,
    puzzle_number,
)
from tests.helpers import decode, open_page, plotly_specs, texts
from tests.test_properties import result_or_readable_error
from ui.puzzles import SEED_KEY

BY_NAME = {puzzle.name: puzzle for puzzle in PUZZLES}
# Every puzzle's f and reference, typed into every other puzzle (names it may not know).
FORMULAS = [text for puzzle in PUZZLES for text in (puzzle.function, puzzle.reference)]


def test_ten_to_nineteen_puzzles_cover_the_operations_asked_for():
    assert 10 <= len(PUZZLES) <= 19
    functions = [puzzle.function for puzzle in PUZZLES]
    assert functions[0] == "x.sum()"
    pieces = ("softmax", "x @ A", "cumsum(0)", "detach()", "W @ x", "X + b", "cross_entropy")
    for piece in (*pieces, "X @ W", "relu(x)", "x.max()"):
        assert any(piece in function for function in functions), piece
    assert len(set(BY_NAME)) == len(PUZZLES)


@pytest.mark.parametrize("puzzle", PUZZLES, ids=lambda puzzle: puzzle.name)
def test_the_reference_answer_matches_autograd_at_many_random_points(puzzle):
    judgement = judge_answer(puzzle, puzzle.reference, seed=11, points=30)
    assert judgement.correct and judgement.checked == 30 + len(kinks(puzzle))
    assert judgement.random_points == 30


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


@pytest.mark.parametrize("puzzle", PUZZLES, ids=lambda puzzle: puzzle.name)
def test_the_task_says_truly_whether_y_is_one_number_or_several(puzzle):
    """ask_gradient says "y is a single number", ask_vjp "y has several entries"."""
    inputs = draw_inputs(puzzle, torch.Generator().manual_seed(0))
    y = evaluate(parse_answer(puzzle, puzzle.function), inputs).y
    assert (y.numel() > 1) is asks_for_weights(puzzle)


def test_the_link_the_page_suggests_opens_that_puzzle():
    assert "`10`" in catalog("en")["puzzles.try_2"] and "`10`" in catalog("zh")["puzzles.try_2"]
    at = open_page("puzzles")
    at.query_params["p"] = "10"
    at.run()
    assert at.selectbox(key="puzzles_pick").value == 10 and not at.error


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
        ("sum", "torch.ones_like(x)", True),
        ("sum", "torch.zeros_like(x) + 1", True),
        ("sum", "1", True),  # a plain number, taken in every entry
        ("squares", "2", False),
        ("square_v", "2 * torch.where(x > 0, x, x) * w", True),
        ("cumsum", "w.flip(0).cumsum(0).flip(0)", True),
        ("matrix_input", "w[:, None] * x", True),
        ("matrix_input", "w * x[:, None]", False),  # shape (3, 2): W is (2, 3)
        ("cross_entropy", "torch.softmax(z, dim=0) - t", True),
        ("cross_entropy", "torch.softmax(z, dim=0)", False),  # forgets the one-hot
        ("cross_entropy", "torch.exp(torch.log_softmax(z, 0)) - t", True),
        ("matrix_weights", "X.T @ w", True),
        ("matrix_weights", "(w.T @ X).T", True),
        ("matrix_weights", "w @ X", False),  # shape (2, 3): W is (3, 2)
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


def test_points_are_the_learners_own_new_for_every_puzzle_and_attempt_and_reproducible():
    sine, cubes = BY_NAME["sine"], BY_NAME["cubes"]
    seeds = {
        attempt_seed(puzzle, session, attempt)
        for puzzle in (sine, cubes)
        for session in (0, 1, 2**62)
        for attempt in (0, 1, 2)
    }
    assert len(seeds) == 18 and all(0 <= seed < 2**63 for seed in seeds)
    assert attempt_seed(sine, 5, 1) == attempt_seed(sine, 5, 1)

    def first_point(session, attempt=1):
        return judge_answer(sine, "x", attempt_seed(sine, session, attempt)).failure.inputs["x"]

    assert not torch.equal(first_point(11), first_point(12))  # two learners
    assert not torch.equal(first_point(11), first_point(11, attempt=2))
    assert torch.equal(first_point(11), first_point(11))  # the check and its report agree


def test_a_one_hot_input_is_one_hot_at_every_point_with_classes_drawn_at_random():
    puzzle = BY_NAME["cross_entropy"]
    generator = torch.Generator().manual_seed(0)
    targets = [draw_inputs(puzzle, generator)["t"] for _ in range(40)]
    for target in targets:
        assert sorted(target.tolist()) == [0.0, 0.0, 0.0, 1.0]
    assert {int(target.argmax()) for target in targets} == {0, 1, 2, 3}


def test_a_plain_number_is_taken_in_every_entry_and_the_judgement_says_so():
    judgement = judge_answer(BY_NAME["sum"], "2 - 1", seed=0)
    assert judgement.correct and judgement.number and not judgement.approximate
    wrong = judge_answer(BY_NAME["broadcast"], "0.5", seed=0)
    assert not wrong.correct and wrong.number
    torch.testing.assert_close(wrong.failure.given, torch.full((4,), 0.5, dtype=torch.float64))
    assert not judge_answer(BY_NAME["sum"], "x / x", seed=0).number


STEPS = ("1e-3", "1e-4", "1e-5", "1e-6", "1e-7")
# (puzzle, a central or forward difference of f written in the language, with step h)
NUMERICAL = [
    ("squares", "((x + {h}) ** 2 - (x - {h}) ** 2) / (2 * {h})"),
    ("cubes", "((x + {h}) ** 3 - (x - {h}) ** 3) / (2 * {h})"),
    ("sine", "(torch.sin(x + {h}) - torch.sin(x - {h})) / (2 * {h})"),
    ("sigmoid", "(torch.sigmoid(x + {h}) - torch.sigmoid(x - {h})) / (2 * {h})"),
    ("log", "(torch.log(x + {h}) - torch.log(x - {h})) / (2 * {h})"),
    ("square_v", "((x + {h}) ** 2 - (x - {h}) ** 2) / (2 * {h}) * w"),
    ("x_sin_x", "((x + {h}) * torch.sin(x + {h}) - x * torch.sin(x)) / {h}"),
]


@pytest.mark.parametrize(("name", "difference"), NUMERICAL, ids=[n for n, _ in NUMERICAL])
def test_a_finite_difference_is_never_judged_exact(name, difference):
    """Right or wrong by the tolerance depending on h, but never within rounding."""
    passed = 0
    for h in STEPS:
        for seed in range(10):
            judgement = judge_answer(BY_NAME[name], difference.format(h=h), seed)
            assert not judgement.correct or judgement.approximate, (h, seed)
            assert judgement.gap == 0 or judgement.gap > 2 * ROUNDING_TOLERANCE
            passed += judgement.correct
    assert passed  # some steps do pass the tolerance: that is the hole being closed


def test_the_issues_central_difference_passes_the_tolerance_and_is_called_approximate():
    judgement = judge_answer(BY_NAME["squares"], "((x + 1e-4)**2 - (x - 1e-4)**2) / 2e-4", seed=3)
    assert judgement.correct and judgement.approximate
    assert ROUNDING_TOLERANCE < judgement.gap < 1e-7


# Formulas with more rounding than the references: still exact, never approximate.
FORMULAS_WITH_ROUNDING = [
    (
        "softmax",
        "torch.exp(x) / torch.exp(x).sum() * (w - (w * torch.exp(x)).sum() / torch.exp(x).sum())",
    ),
    ("sigmoid", "0.25 * (1 - torch.tanh(x / 2) ** 2)"),
    ("sigmoid", "1 / (2 + torch.exp(x) + torch.exp(-x))"),
    ("cross_entropy", "torch.exp(z - torch.logsumexp(z, 0)) - t"),
    ("cubes", "3 * torch.exp(2 * torch.log(x.abs()))"),
    ("x_sin_x", "torch.sin(x) * (1 + x / torch.tan(x))"),
    ("broadcast", "2 * X.sum(0) + 2 * 3 * b"),
]


@pytest.mark.parametrize(("name", "formula"), FORMULAS_WITH_ROUNDING)
def test_exact_formulas_are_not_called_approximate(name, formula):
    for seed in range(20):
        judgement = judge_answer(BY_NAME[name], formula, seed)
        assert judgement.correct and not judgement.approximate, seed
        assert judgement.gap < ROUNDING_TOLERANCE / 10


@pytest.mark.parametrize("puzzle", PUZZLES, ids=lambda puzzle: puzzle.name)
def test_every_reference_answer_is_exact_to_rounding(puzzle):
    judgement = judge_answer(puzzle, puzzle.reference, seed=11, points=30)
    assert not judgement.approximate and judgement.gap < 5 * torch.finfo(torch.float64).eps


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
        (str(len(PUZZLES) + 1), "puzzle_number"),
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
    seed = attempt_seed(puzzle, at.session_state[SEED_KEY], 1)
    expected = judge_answer(puzzle, "torch.sin(x)", seed=seed).failure.difference.numpy()
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_says_when_an_answer_is_a_plain_number_or_approximate(language):
    messages = catalog(language)
    puzzle = BY_NAME["squares"]
    at = open_page("puzzles", language)
    at.selectbox(key="puzzles_pick").set_value(PUZZLES.index(puzzle) + 1).run()
    check(at, puzzle, "3")
    assert messages["puzzles.number_spread"].format(wrt="x") in [box.value for box in at.info]
    assert at.warning[0].value == messages["puzzles.wrong"].format(point=1)

    check(at, puzzle, "((x + 1e-4)**2 - (x - 1e-4)**2) / 2e-4")
    seed = attempt_seed(puzzle, at.session_state[SEED_KEY], 2)
    gap = judge_answer(puzzle, "((x + 1e-4)**2 - (x - 1e-4)**2) / 2e-4", seed).gap
    expected = messages["puzzles.right_approximate"].format(
        points=POINTS, gap=f"{gap:.1e}", rounding=f"{ROUNDING_TOLERANCE:.1e}"
    )
    assert [box.value for box in at.success] == [expected] and not at.exception


def test_two_sessions_check_at_different_points_and_a_report_is_reproducible():
    puzzle = BY_NAME["sine"]
    differences = []
    for _ in range(2):
        at = open_page("puzzles")
        at.selectbox(key="puzzles_pick").set_value(PUZZLES.index(puzzle) + 1).run()
        check(at, puzzle, "x")
        (spec,) = plotly_specs(at)
        differences.append(decode(spec["data"][0]["z"]))
        at.run()  # a rerun redraws the same report from the same points
        np.testing.assert_array_equal(decode(plotly_specs(at)[0]["data"][0]["z"]), differences[-1])
    assert not np.array_equal(*differences)


def test_the_answer_box_survives_an_app_rerun_from_inside_it(monkeypatch):
    """The shared attempt flow may rerun the whole app on a first right answer."""
    import streamlit

    import ui.puzzles

    show_attempt = ui.puzzles.show_attempt

    def rerun_on_first_solve(t, task, *args, **kwargs):
        show_attempt(t, task, *args, **kwargs)
        state = streamlit.session_state
        if task in ui.puzzles.work().solved and not state.get("test_reran"):
            state["test_reran"] = True
            streamlit.rerun(scope="app")

    monkeypatch.setattr(ui.puzzles, "show_attempt", rerun_on_first_solve)
    puzzle = BY_NAME["sum"]
    at = open_page("puzzles", "zh")
    check(at, puzzle, "torch.ones_like(x)")
    assert at.session_state["test_reran"] and not at.exception
    messages = catalog("zh")
    assert messages["puzzles.right"].format(points=POINTS) in [box.value for box in at.success]
    done = messages["exercises.progress_page"].format(
        page=messages["nav.puzzles"], done=1, total=len(PUZZLES)
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


# --- kinks and ties (issue 17) ----------------------------------------------------------

# The operations with a kink or a tie, read from f's text independently of kinks().
KINKED = re.compile(r"\b(relu|abs|clamp|maximum|minimum|max|min|where)\(")
# f's with kinks of every kind kinks() reads, beside the puzzles (which use relu and max).
VECTOR = (("x", (4,)),)
KINK_FUNCTIONS = [
    ("torch.clamp(x, -1, 1).sum()", VECTOR, (Kink("clamp", -1.0), Kink("clamp", 1.0))),
    ("x.clamp(max=0.5).sum()", VECTOR, (Kink("clamp", 0.5),)),
    ("torch.clamp(x, None, 2).sum()", VECTOR, (Kink("clamp", 2.0),)),
    ("x.abs().sum()", VECTOR, (Kink("abs", 0.0),)),
    ("torch.nn.functional.relu(x)", (*VECTOR, (WEIGHTS, (4,))), (Kink("relu", 0.0),)),
    ("torch.maximum(x, a).sum()", (*VECTOR, ("a", (4,))), (Kink("maximum", "a"),)),
    ("torch.minimum(a, x).sum()", (*VECTOR, ("a", (4,))), (Kink("minimum", "a"),)),
    ("torch.max(x, a).sum()", (*VECTOR, ("a", (4,))), (Kink("max", "a"),)),
    ("torch.where(x > 0.5, x, 0 * x).sum()", VECTOR, (Kink("where", 0.5),)),
    ("torch.where(-1 <= x, x * x, -x).sum()", VECTOR, (Kink("where", -1.0),)),
    ("torch.max(x, 0).values", VECTOR, (Kink("max", None),)),
    ("x.min()", VECTOR, (Kink("min", None),)),
    ("X.max()", (("X", (2, 3)),), (Kink("max", None),)),
    ("(torch.relu(x) + x.abs()).sum()", VECTOR, (Kink("relu", 0.0), Kink("abs", 0.0))),
]
KINKED_PUZZLES = [
    *(puzzle for puzzle in PUZZLES if kinks(puzzle)),
    *(
        Puzzle(f"kinked_{i}", function, inputs, "x", wrt=inputs[0][0])
        for i, (function, inputs, _) in enumerate(KINK_FUNCTIONS)
    ),
]


def test_the_puzzles_on_the_edges_are_the_ones_with_kinks():
    assert [puzzle.name for puzzle in PUZZLES if kinks(puzzle)] == ["relu", "max_ties"]


@pytest.mark.parametrize("puzzle", PUZZLES, ids=lambda puzzle: puzzle.name)
def test_every_kink_or_tie_of_f_gets_a_point_and_a_smooth_f_gets_none(puzzle):
    found = kinks(puzzle)
    assert bool(found) is bool(KINKED.search(puzzle.function))
    assert len(found) == len(KINKED.findall(puzzle.function))
    judgement = judge_answer(puzzle, puzzle.reference, seed=4)
    assert judgement.kink_points == len(found) and judgement.checked == POINTS + len(found)


@pytest.mark.parametrize(("function", "inputs", "expected"), KINK_FUNCTIONS)
def test_kinks_are_read_from_every_form_of_the_operations(function, inputs, expected):
    assert kinks(Puzzle("k", function, inputs, "x", wrt=inputs[0][0])) == expected


@pytest.mark.parametrize(
    "function",
    [
        "torch.relu(2 * a).sum()",
        "torch.clamp(a, x, 1).sum()",
        "a * x.max()",
        "torch.where(x > 0, a, 0 * a).sum()",
    ],
)
def test_a_kink_no_point_can_be_placed_on_is_refused_loudly(function):
    puzzle = Puzzle("k", function, (("x", (4,)), ("a", (4,))), "x", wrt="a")
    with pytest.raises(ValueError, match="no kink placed"):
        kinks(puzzle)


def kink_points(puzzle, seed):
    generator = torch.Generator().manual_seed(seed)
    return [
        (inputs, kink, entries)
        for inputs, kink, entries in points_to_check(puzzle, generator, points=0)
    ]


def weighted_f(puzzle, inputs):
    """wᵀf (or f) as a function of wrt alone, in float64."""
    script = parse_answer(puzzle, puzzle.function)

    def g(value):
        y = evaluate(script, {**inputs, puzzle.wrt: value}).y
        return (y * inputs[WEIGHTS]).sum() if asks_for_weights(puzzle) else y

    return g


def slope(puzzle, point, start, end):
    """wᵀf's difference quotient between point + start·s and point + end·s, s moving the
    first entry on the kink by SIDE_STEP."""
    g = weighted_f(puzzle, point.inputs)
    x = point.inputs[puzzle.wrt]
    step = torch.zeros(x.numel(), dtype=torch.float64)
    step[point.entries[0]] = SIDE_STEP
    step = step.reshape(x.shape)
    return ((g(x + end * step) - g(x + start * step)) / SIDE_STEP).item()


@pytest.mark.parametrize("puzzle", KINKED_PUZZLES, ids=lambda puzzle: puzzle.function)
@pytest.mark.parametrize("seed", range(4))
def test_f_has_no_derivative_at_the_points_placed_on_its_kinks(puzzle, seed):
    """One-sided difference quotients at the placed entry disagree, so what the verdict
    calls torch's convention is not a derivative; and check_sides gives the slopes just
    beside the point, as difference quotients a step further out find them."""
    for inputs, kink, entries in kink_points(puzzle, seed):
        x = inputs[puzzle.wrt]
        point = Point(inputs, autograd_answer(puzzle, inputs), x, kink, entries)
        jump = slope(puzzle, point, 0, 1) - slope(puzzle, point, -1, 0)
        assert abs(jump) > 1e-3, kink  # rounding errs by about 1e-9
        below, above = check_sides(puzzle, point)
        assert below[0].item() == pytest.approx(slope(puzzle, point, -2, -1), abs=1e-4)
        assert above[0].item() == pytest.approx(slope(puzzle, point, 1, 2), abs=1e-4)


@pytest.mark.parametrize("seed", range(5))
def test_the_edge_puzzles_answers_are_what_torch_returns_on_the_kink_and_the_tie(seed):
    """relu gives 0 at 0; x.max() splits its gradient evenly between two tied entries.
    Both references equal autograd there, to rounding."""
    (relu_point,) = kink_points(BY_NAME["relu"], seed)
    inputs, _, entries = relu_point
    assert entries == (0,) and inputs["x"][0] == 0
    assert autograd_answer(BY_NAME["relu"], inputs)[0] == 0

    (tie_point,) = kink_points(BY_NAME["max_ties"], seed)
    inputs, _, (first, second) = tie_point
    x = inputs["x"]
    assert x[first] == x[second] == x.max() and (x == x.max()).sum() == 2
    expected = torch.zeros(4, dtype=torch.float64)
    expected[[first, second]] = 0.5
    assert torch.equal(autograd_answer(BY_NAME["max_ties"], inputs), expected)

    for name in ("relu", "max_ties"):
        judgement = judge_answer(BY_NAME[name], BY_NAME[name].reference, seed)
        assert judgement.correct and judgement.kink_points == 1 and judgement.gap == 0


@pytest.mark.parametrize(
    ("name", "formula"),
    [
        ("relu", "torch.where(x >= 0, 1.0, 0.0)"),  # 1 at the kink: torch gives 0
        ("relu", "(torch.relu(x + 1e-4) - torch.relu(x - 1e-4)) / 2e-4"),  # 0.5 there
        ("max_ties", "torch.where(x == x.max(), 1.0, 0.0)"),  # 1 to each tied entry
        ("max_ties", "torch.where(x < x.max(), 0.0, 1.0)"),
    ],
)
@pytest.mark.parametrize("seed", range(3))
def test_a_formula_right_except_on_the_kink_is_found_out_there(name, formula, seed):
    puzzle = BY_NAME[name]
    judgement = judge_answer(puzzle, formula, seed)
    point = judgement.failure
    assert not judgement.correct and judgement.random_points == POINTS
    assert judgement.kink_points == 1 and point.kink == kinks(puzzle)[0]
    # It differs from torch only at the entries on the kink.
    off_kink = torch.ones(4, dtype=torch.bool)
    off_kink[list(point.entries)] = False
    assert (point.difference[off_kink].abs() < 1e-7).all()
    assert (point.difference[~off_kink].abs() > 0.1).all()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_kink_the_page_suggests_trying_is_found_out_on_the_kink(language):
    assert PUZZLES[17] is BY_NAME["relu"]
    formula = "torch.where(x >= 0, 1.0, 0.0)"
    assert "18" in catalog(language)["puzzles.try_4"]
    assert f"`{formula}`" in catalog(language)["puzzles.try_4"]
    assert judge_answer(BY_NAME["relu"], formula, seed=0).failure.kink == Kink("relu", 0.0)


def test_a_formula_wrong_at_random_points_is_reported_there_not_at_the_kink():
    judgement = judge_answer(BY_NAME["relu"], "torch.where(x > 1, 1.0, 0.0)", seed=0)
    assert judgement.failure.kink is None and judgement.kink_points == 0


def test_the_sides_of_the_kink_are_autograds_answers_just_below_and_above_it():
    relu, ties = BY_NAME["relu"], BY_NAME["max_ties"]
    point = judge_answer(relu, "torch.where(x >= 0, 1.0, 0.0)", seed=0).failure
    assert [side.tolist() for side in check_sides(relu, point)] == [[0.0], [1.0]]
    point = judge_answer(ties, "torch.where(x == x.max(), 1.0, 0.0)", seed=0).failure
    # The first tied entry moved below the other leaves the gradient to it, and above takes it.
    assert [side.tolist() for side in check_sides(ties, point)] == [[0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_says_a_formula_is_right_except_on_the_kink_and_why(language):
    messages = catalog(language)
    puzzle = BY_NAME["relu"]
    at = open_page("puzzles", language)
    at.query_params["p"] = str(PUZZLES.index(puzzle) + 1)
    at.run()
    assert messages["puzzles.how_checked_kinks"].format(count=1) in [c.value for c in at.caption]

    check(at, puzzle, "torch.where(x >= 0, 1.0, 0.0)")
    where = messages["puzzles.kink_value"].format(entry="x[0]", value="0")
    (warning,) = at.warning
    assert warning.value == messages["puzzles.wrong_at_kink"].format(
        points=POINTS, operation="relu", where=where
    )
    convention = messages["puzzles.kink_convention"].format(
        wrt="x",
        moved="x[0]",
        entries="x[0]",
        step="1e-06",
        below="[0.]",
        above="[1.]",
        torch="[0.]",
        given="[1.]",
    )
    assert convention in texts(at) and not at.exception
    links = [(link.proto.page, link.proto.label) for link in at.get("page_link")]
    assert ("edges", messages["nav.edges"]) in links
    # The point's table and the difference chart, as for any wrong answer.
    (spec,) = plotly_specs(at)
    assert decode(spec["data"][0]["z"]).tolist() == [[1.0, 0.0, 0.0, 0.0]]

    check(at, puzzle, puzzle.reference)
    right = messages["puzzles.right_kinks"].format(points=POINTS, kinks=1)
    assert right in [box.value for box in at.success]
