"""Lesson 5: J row by row from backward(eᵢ), column by column from jvp(eⱼ), and batched."""

import math

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from streamlit.testing.v1 import AppTest
from torch.autograd.functional import jacobian

from bench.work_bound import WORST_SCRIPTS
from charts import AxisTitles, jacobian_figure
from i18n import catalog
from lessons.functions import VECTOR_FUNCTIONS, linear_matrix
from lessons.jacobian import (
    jacobian_lesson,
    jacobian_step,
    lesson_work,
    playground_jacobian_lesson,
)
from lessons.language.expression import BACKWARD_WORK, MAX_WORK, evaluate, parse_script
from lessons.language.playground import playground_lesson
from lessons.parsing import MAX_LENGTH, InputError
from lessons.vjp import VectorChoice
from tests.helpers import code_blocks, decode, open_page, plotly_specs, program_and_output, texts
from tests.test_properties import assert_readable

X = "0.5, -1, 2, 3"


@pytest.mark.parametrize("name", VECTOR_FUNCTIONS)
def test_rows_columns_and_batched_j_are_all_the_jacobian(name):
    lesson = jacobian_lesson(X, name)
    function = VECTOR_FUNCTIONS[name]
    x = torch.tensor([0.5, -1.0, 2.0, 3.0])
    constants = function.constants(4)
    expected = function.jacobian(x, **constants)
    reference = jacobian(lambda x: function.compute(x, **constants), x)
    m, n = expected.shape
    assert lesson.shape == (m, n)
    assert [tuple(row.shape) for row in lesson.rows] == [(n,)] * m
    assert [tuple(column.shape) for column in lesson.columns] == [(m,)] * n
    torch.testing.assert_close(torch.stack(lesson.rows), expected)
    torch.testing.assert_close(torch.stack(lesson.columns, dim=1), expected)
    torch.testing.assert_close(lesson.batched, reference)
    # Row by row equals jacrev, column by column equals jacfwd, the loop equals the batch.
    torch.testing.assert_close(torch.stack(lesson.rows), lesson.jacrev)
    torch.testing.assert_close(torch.stack(lesson.columns, dim=1), lesson.jacfwd)
    assert lesson.loop_vs_batched == (torch.stack(lesson.rows) - lesson.batched).abs().max()
    assert lesson.batched_vs_jacrev == (lesson.batched - lesson.jacrev).abs().max()
    assert lesson.batched_vs_jacfwd == (lesson.batched - lesson.jacfwd).abs().max()
    assert max(lesson.loop_vs_batched, lesson.columns_vs_jacfwd) <= 1e-6


@pytest.mark.parametrize(("x", "m", "n"), [("1, 2, 3", 2, 3), ("1 2 3 4 5 6 7", 2, 7), ("4", 2, 1)])
def test_reverse_mode_counts_one_pass_per_output_forward_one_per_input(x, m, n):
    lesson = jacobian_lesson(x, "linear")
    assert (lesson.reverse_passes, lesson.forward_passes) == (m, n)
    assert lesson.steps == max(m, n)
    np.testing.assert_array_equal(lesson.batched.numpy(), linear_matrix(n).numpy())


def test_passes_are_counted_for_a_square_jacobian_too():
    lesson = jacobian_lesson("1, 2, 3, 4", "softmax")
    assert (lesson.reverse_passes, lesson.forward_passes) == (4, 4)


def test_each_step_fills_one_more_row_and_one_more_column():
    lesson = jacobian_lesson("1, 2, 3", "linear")
    A = linear_matrix(3)
    steps = [jacobian_step(lesson, step) for step in range(4)]
    assert [(s.reverse_done, s.forward_done) for s in steps] == [(0, 0), (1, 1), (2, 2), (2, 3)]
    assert [s.current_row for s in steps] == [None, 1, 2, None]
    assert [s.current_column for s in steps] == [None, 1, 2, 3]
    for s in steps:
        rows, columns = s.reverse_done, s.forward_done
        np.testing.assert_array_equal(s.reverse_partial[:rows].numpy(), A[:rows].numpy())
        assert s.reverse_partial[rows:].isnan().all()
        np.testing.assert_array_equal(s.forward_partial[:, :columns].numpy(), A[:, :columns])
        assert s.forward_partial[:, columns:].isnan().all()


@pytest.mark.parametrize("step", [-1, 4])
def test_a_step_outside_the_passes_is_refused(step):
    lesson = jacobian_lesson("1, 2, 3", "linear")
    with pytest.raises(InputError) as caught:
        jacobian_step(lesson, step)
    assert (caught.value.code, caught.value.params) == (
        "step_out_of_range",
        {"step": step, "limit": 3},
    )


def test_the_program_prints_the_rows_and_columns_run_so_far():
    lesson = jacobian_lesson("1, 2, 3", "cumulative_sum")
    output = jacobian_step(lesson, 2).program.output.splitlines()
    assert output[:4] == [
        "row 1: tensor([1., 0., 0.])",
        "row 2: tensor([1., 1., 0.])",
        "column 1: tensor([1., 1., 1.])",
        "column 2: tensor([0., 1., 1.])",
    ]
    assert output[-2:] == ["max |J - jacrev| = 0.0", "max |J - jacfwd| = 0.0"]
    assert "for i in range(2):" in jacobian_step(lesson, 2).program.code
    assert "for i in range" not in jacobian_step(lesson, 0).program.code


# --- the learner's function from the playground ------------------------------------------

NEURON = (("W", "1, -1; 0.5, 2"), ("x", "1, 2"), ("b", "0.1, -0.2"))
W, x_held = torch.tensor([[1.0, -1.0], [0.5, 2.0]]), torch.tensor([1.0, 2.0])


def neuron(w: torch.Tensor) -> torch.Tensor:
    """The same function written in torch: the matrix W, flattened, is x; x and b are held."""
    return torch.sigmoid(w.reshape(2, 2) @ x_held + torch.tensor([0.1, -0.2])) * x_held


def test_the_first_input_flattened_is_x_and_the_other_inputs_are_held_constant():
    lesson = playground_jacobian_lesson(NEURON, "h = W @ x + b\nh.sigmoid() * x")
    expected = torch.func.jacrev(neuron)(W.reshape(-1))
    assert lesson.shape == (2, 4)
    torch.testing.assert_close(lesson.x, W.reshape(-1))
    # Row by row equals jacrev, column by column equals jacfwd; W's second row leaves y₁ alone.
    torch.testing.assert_close(torch.stack(lesson.rows), expected)
    torch.testing.assert_close(torch.stack(lesson.columns, dim=1), expected)
    torch.testing.assert_close(torch.stack(lesson.columns, dim=1), lesson.jacfwd)
    assert expected[0, 2:].abs().max() == 0 and expected[0, :2].abs().min() > 0
    assert (lesson.reverse_passes, lesson.forward_passes) == (2, 4)
    assert lesson.latex is None and lesson.code == "h = W @ x + b\nh.sigmoid() * x"


def test_two_vector_inputs_give_the_jacobian_in_the_first():
    lesson = playground_jacobian_lesson((("a", "2, 3"), ("b", "6, 4")), "Q = 3*a**3 - b**2")
    np.testing.assert_array_equal(lesson.jacrev.numpy(), [[36.0, 0.0], [0.0, 81.0]])
    torch.testing.assert_close(torch.stack(lesson.rows), lesson.jacrev)
    assert "    return Q.reshape(-1)" in jacobian_step(lesson, 1).program.code


@pytest.mark.parametrize(
    ("inputs", "expression", "params"),
    [
        ((("x", ", ".join(map(str, range(MAX_LENGTH + 1)))),), "x * x", {"m": 33, "n": 33}),
        ((("x", "1, 2, 3, 4, 5, 6"),), "torch.outer(x, x)", {"m": 36, "n": 6}),
    ],
)
def test_a_jacobian_with_too_many_passes_is_refused(inputs, expression, params):
    with pytest.raises(InputError) as caught:
        playground_jacobian_lesson(inputs, expression)
    assert caught.value.code == "jacobian_too_large"
    assert caught.value.params == {**params, "limit": MAX_LENGTH}


@pytest.mark.parametrize("expression", ["W @@ x", "W.numpy()", "W.sum(dim=2)"])
def test_a_bad_expression_gets_the_playgrounds_own_message(expression):
    errors = []
    for lesson in (
        lambda: playground_jacobian_lesson(NEURON, expression),
        lambda: playground_lesson(NEURON, expression, VectorChoice("ones")),
    ):
        with pytest.raises(InputError) as caught:
            lesson()
        errors.append((caught.value.code, caught.value.params))
    assert errors[0] == errors[1]
    assert errors[0][0].startswith("expr_")


@pytest.mark.parametrize(
    ("inputs", "expression", "code"),
    [
        ((("a", "1, 2"), ("b", "3, 4")), "b * 2 + 0 * a.detach()", "jacobian_constant"),
        ((("", ""),), "x", "jacobian_no_input"),
    ],
)
def test_a_function_with_no_x_to_differentiate_is_refused(inputs, expression, code):
    with pytest.raises(InputError) as caught:
        playground_jacobian_lesson(inputs, expression)
    assert caught.value.code == code


# --- the chart --------------------------------------------------------------------------

TITLES = AxisTitles("J", "rows", "columns")


def test_a_jacobian_being_built_keeps_nan_cells_blank_and_frames_the_current_row():
    partial = np.array([[1.0, -2.0, 0.5], [np.nan, np.nan, np.nan]])
    figure = jacobian_figure(partial, TITLES, current_row=1, limit=4.0)
    (heatmap,) = figure.data
    np.testing.assert_array_equal(heatmap.z, partial)
    assert heatmap.hoverongaps is False
    assert (heatmap.zmin, heatmap.zmax) == (-4.0, 4.0)
    (frame,) = figure.layout.shapes
    assert (frame.x0, frame.x1, frame.y0, frame.y1) == (-0.5, 2.5, -0.5, 0.5)


def test_the_current_column_is_framed_top_to_bottom():
    figure = jacobian_figure(np.full((3, 2), np.nan), TITLES, current_column=2)
    (frame,) = figure.layout.shapes
    assert (frame.x0, frame.x1, frame.y0, frame.y1) == (0.5, 1.5, -0.5, 2.5)
    # Nothing known yet and no limit given: a unit scale, not a collapsed one.
    assert isinstance(figure.data[0], go.Heatmap)
    assert (figure.data[0].zmin, figure.data[0].zmax) == (-1.0, 1.0)


# --- the page ---------------------------------------------------------------------------


def heatmaps(at) -> list[np.ndarray]:
    """Rows so far, columns so far, the batched J (and nothing else until measured)."""
    return [decode(spec["data"][0]["z"]) for spec in plotly_specs(at)]


def frames(at) -> list[list[dict]]:
    return [spec["layout"].get("shapes", []) for spec in plotly_specs(at)]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_slider_fills_j_row_by_row_and_column_by_column(language):
    at = open_page("jacobian", language)
    at.text_input(key="jacobian_x").set_value("1, 2, 3, 4").run()
    A = linear_matrix(4).numpy()
    words = catalog(language)
    for step in range(5):
        at.slider(key="jacobian_step").set_value(step).run()
        rows, columns, full = heatmaps(at)
        filled_rows, filled_columns = min(step, 2), step
        np.testing.assert_array_equal(rows[:filled_rows], A[:filled_rows])
        assert np.isnan(rows[filled_rows:]).all()
        np.testing.assert_array_equal(columns[:, :filled_columns], A[:, :filled_columns])
        assert np.isnan(columns[:, filled_columns:]).all()
        np.testing.assert_array_equal(full, A)
        row_frame, column_frame, _ = frames(at)
        assert len(row_frame) == (1 if 1 <= step <= 2 else 0)
        assert len(column_frame) == (1 if step else 0)
        assert words["jacobian.reverse_heading"].format(done=filled_rows, m=2) in texts(at)
    # Reverse mode was done after 2 passes; pass 4 filled forward mode's last column.
    shown = texts(at)
    assert words["jacobian.reverse_finished"].format(m=2) in shown
    assert words["jacobian.column_now"].format(j=4, e="e₄") in shown
    assert words["jacobian.forward_finished"].format(n=4) not in shown
    assert [metric.value for metric in at.metric] == ["0", "0", "0", "2", "4"]
    assert words["jacobian.rule_reverse"].format(m=2, n=4) in shown


def test_the_result_shows_the_row_and_the_column_of_the_current_pass():
    at = open_page("jacobian")
    at.text_input(key="jacobian_x").set_value("0, 1, 2")
    at.radio(key="jacobian_fn").set_value("softmax").run()
    at.slider(key="jacobian_step").set_value(2).run()
    J = torch.func.jacrev(lambda x: torch.softmax(x, dim=0))(torch.tensor([0.0, 1.0, 2.0]))
    row, column = (block for block in code_blocks(at) if block.startswith("tensor("))
    assert row == str(J[1]) and column == str(J[:, 1])
    assert catalog("en")["jacobian.rule_equal"].format(m=3, n=3) in texts(at)


def test_forward_mode_is_called_cheaper_when_outputs_outnumber_inputs():
    at = open_page("jacobian")
    at.text_input(key="jacobian_x").set_value("1.5").run()
    assert catalog("en")["jacobian.rule_forward"].format(m=2, n=1) in texts(at)
    assert at.slider(key="jacobian_step").max == 2


def test_the_program_follows_the_slider():
    at = open_page("jacobian", "zh")
    at.slider(key="jacobian_step").set_value(3).run()
    code, output = program_and_output(at)
    assert "for i in range(2):" in code and "for j in range(3):" in code
    assert output.count("row ") == 2 and output.count("column ") == 3
    assert math.isclose(float(output.splitlines()[-1].split("= ")[-1]), 0.0)


def playground_then_jacobian(language: str, expression: str) -> AppTest:
    """Type a function on /playground, then choose it on /jacobian."""
    at = open_page("playground", language)
    for row, (name, value) in enumerate(NEURON, start=1):
        at.text_input(key=f"playground_name_{row}").set_value(name)
        at.text_input(key=f"playground_value_{row}").set_value(value)
    at.text_area(key="playground_f").set_value(expression).run()
    at.switch_page("pages/jacobian.py").run()
    at.radio(key="jacobian_fn").set_value("playground").run()
    return at


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_playground_function_fills_j_on_the_page(language):
    at = playground_then_jacobian(language, "h = W @ x + b\nh.sigmoid() * x")
    assert not at.exception and not at.error
    expected = torch.func.jacrev(neuron)(W.reshape(-1))
    rows, _, full = heatmaps(at)
    np.testing.assert_allclose(rows[0], expected[0].numpy(), rtol=1e-6)
    assert np.isnan(rows[1]).all()
    np.testing.assert_allclose(full, expected.numpy(), rtol=1e-6)
    assert str(expected[0]) in code_blocks(at)
    words = catalog(language)
    assert words["jacobian.reverse_heading"].format(done=1, m=2) in texts(at)
    assert words["jacobian.playground_rule"].format(limit=MAX_LENGTH) in texts(at)
    # W flattened is named so, above the learner's lines, where x is still the learner's x.
    header = f"W_flat = W.flatten()  # {W.reshape(-1)}\n\nh = W @ x + b\nh.sigmoid() * x"
    assert header in code_blocks(at)


def test_the_program_names_a_flattened_matrix_and_keeps_the_learners_x():
    lesson = playground_jacobian_lesson(NEURON, "h = W @ x + b\nh.sigmoid() * x")
    code = jacobian_step(lesson, 2).program.code
    assert lesson.name == "W_flat" and lesson.batched_code.startswith("_, pullback = vjp(f, W_flat")
    assert (
        "W = torch.tensor([[1.0, -1.0], [0.5, 2.0]])\nW_flat = W.flatten().requires_grad_()" in code
    )
    assert (
        "def f(W_flat):\n    W = W_flat.reshape((2, 2))\n    x = torch.tensor([1.0, 2.0])" in code
    )
    assert "W_flat.grad = None" in code and "\nx = " not in code


@pytest.mark.parametrize(
    ("inputs", "name"),
    [((("a", "2, 3"), ("b", "6, 4")), "a"), ((("y", "2, 3"), ("b", "6, 4")), "y_flat")],
)
def test_a_vector_keeps_its_name_unless_the_program_needs_it(inputs, name):
    lesson = playground_jacobian_lesson(inputs, f"3*{inputs[0][0]}**3 - b**2")
    code = jacobian_step(lesson, 1).program.code
    assert lesson.name == name and f"def f({name}):" in code and f"{name}.grad = None" in code
    assert lesson.x_line.startswith(f"{name} = ")


def test_one_output_and_one_input_tie_in_passes():
    """The summary's "for a scalar loss reverse mode needs fewer passes unless n = 1"."""
    one = playground_jacobian_lesson((("a", "2"),), "(a * a).sum()")
    assert (one.reverse_passes, one.forward_passes) == (1, 1)
    many = playground_jacobian_lesson((("a", "2, 3, 4"),), "(a * a).sum()")
    assert (many.reverse_passes, many.forward_passes) == (1, 3)


def test_one_output_reads_without_plural_slips():
    at = playground_then_jacobian("en", "(W @ x + b).sum()")
    shown = texts(at)
    assert catalog("en")["jacobian.batched_intro"].format(m=1) in shown
    assert not any(slip in shown for slip in ("1 rows", "1 passes", "1 `backward()` calls"))


def test_a_bad_playground_expression_shows_the_playgrounds_message():
    at = playground_then_jacobian("en", "W @@ x")
    (error,) = at.error
    at.switch_page("pages/playground.py").run()
    assert not at.exception and [box.value for box in at.error] == [error.value]
    assert error.value.startswith(catalog("en")["errors.expr_syntax"].split("{")[0])


def test_the_playground_defaults_apply_before_it_is_visited():
    at = open_page("jacobian", "zh")
    at.radio(key="jacobian_fn").set_value("playground").run()
    assert not at.exception and not at.error
    np.testing.assert_array_equal(heatmaps(at)[2], [[36.0, 0.0], [0.0, 81.0]])


# Issue 19: the learner's own function costs what it computes, in every pass the page runs.
X32 = ", ".join(str(index % 7 - 3) for index in range(32))


def test_the_broadcasting_family_with_x_of_32_is_refused_by_its_copies():
    lines = "A = x.expand(32, 32).reshape(32, 1, 1, 32)\nB = A.reshape(1, 32, 32, 1)\n"
    lines += "\n".join(f"s{line} = " + " + ".join(["A @ B"] * 11) for line in range(4))
    lines += "\n(s0 + s1 + s2 + s3).flatten()[:32]"
    with pytest.raises(InputError) as caught:
        playground_jacobian_lesson((("x", X32),), lines)
    assert caught.value.code == "expr_too_large"
    assert caught.value.params["shape"] == (32, 32, 1, 32)


COSTLY = "A = x.expand(32, 32) / 32\ny = (A @ A @ A @ A @ A @ A @ A @ A @ A @ A).sum(0)"


def test_a_function_whose_passes_would_cost_too_much_is_refused_before_they_run():
    with pytest.raises(InputError) as caught:
        playground_jacobian_lesson((("x", X32),), COSTLY)
    assert caught.value.code == "jacobian_too_costly"
    forward = evaluate(parse_script(COSTLY, ["x"]), {"x": torch.ones(32)}).work
    assert caught.value.params["work"] == f"{lesson_work(forward, 32, 32):,}"
    assert lesson_work(forward, 32, 32) > MAX_WORK
    assert caught.value.params["limit"] == f"{MAX_WORK:,}"
    assert_readable(caught.value)


def test_the_passes_counted_grow_with_rows_and_columns():
    assert lesson_work(1, 1, 1) == 2 + 1 + 3 + BACKWARD_WORK * (1 + 3 + 1)
    assert lesson_work(10, 32, 32) == 10 * (37 + BACKWARD_WORK * 160)


@pytest.mark.parametrize(
    "name", [name for name, (page, _, _) in WORST_SCRIPTS.items() if page == "jacobian"]
)
def test_the_costliest_functions_we_could_build_stay_within_the_budget(name):
    _, inputs, lines = WORST_SCRIPTS[name]
    lesson = playground_jacobian_lesson(inputs, lines)
    forward = evaluate(parse_script(lines, ["x"]), {"x": lesson.x}).work
    assert MAX_WORK / 4 < lesson_work(forward, *lesson.shape) <= MAX_WORK


def test_the_page_says_when_the_own_function_would_cost_too_much():
    at = open_page("playground")
    at.text_input(key="playground_name_1").set_value("x")
    at.text_input(key="playground_value_1").set_value(X32)
    for row in range(2, 5):
        at.text_input(key=f"playground_name_{row}").set_value("")
        at.text_input(key=f"playground_value_{row}").set_value("")
    at.text_area(key="playground_f").set_value(COSTLY).run()
    at.switch_page("pages/jacobian.py").run()
    at.radio(key="jacobian_fn").set_value("playground").run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith(catalog("en")["errors.jacobian_too_costly"].split("{")[0])
