"""The lessons compute what the notes say, and what the references say, for any input."""

import dataclasses

import pytest
import torch

from lessons.accumulate import MAX_CALLS, accumulation_lesson
from lessons.functions import NONSCALAR_FUNCTIONS, SCALAR_FUNCTIONS, VECTOR_FUNCTIONS
from lessons.gradcheck import gradcheck_lesson
from lessons.graph_reuse import graph_lesson
from lessons.inplace import inplace_lesson
from lessons.nograd import nograd_lesson
from lessons.nonscalar import WAYS_OUT, nonscalar_lesson
from lessons.parsing import InputError
from lessons.scalar import scalar_lesson
from lessons.vjp import PRESETS, VectorChoice, function_at_x, vjp_lesson, wrong_length_error

FLOAT32_TOLERANCE = 1e-5


def scalar_error_of(statement) -> str:
    """What this torch says, asked directly: the lessons must show the same words."""
    with pytest.raises(RuntimeError) as caught:
        statement()
    return str(caught.value)


def test_scalar_lesson_reproduces_the_first_example_of_the_notes():
    lesson = scalar_lesson("1, 2, 3", "two_dot")
    assert lesson.y.item() == 28.0
    assert lesson.grad.tolist() == [4.0, 8.0, 12.0]
    assert str(lesson.grad) == "tensor([ 4.,  8., 12.])"
    assert lesson.matches and lesson.max_abs_diff == 0.0
    assert lesson.expression == "2 * torch.dot(x, x)"


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_scalar_lesson_agrees_with_its_hand_derived_gradient(name):
    lesson = scalar_lesson("0.5, -1.5, 2, 4", name)
    torch.testing.assert_close(lesson.grad, lesson.expected, rtol=0, atol=FLOAT32_TOLERANCE)
    assert lesson.matches
    assert lesson.max_abs_diff <= FLOAT32_TOLERANCE


@pytest.mark.parametrize("name", list(SCALAR_FUNCTIONS))
@pytest.mark.parametrize("x_text", ["1, 2, 3", "0.1, -2.7, 3.3, 1e-3", "0"])
def test_scalar_lesson_shows_each_tensor_as_torch_prints_it(name, x_text):
    lesson = scalar_lesson(x_text, name)
    assert lesson.expected_printed == str(lesson.expected)
    assert lesson.grad_printed == str(lesson.grad)


def test_a_hand_derived_gradient_unlike_x_grad_is_printed_for_itself(monkeypatch):
    function = SCALAR_FUNCTIONS["two_dot"]
    off = dataclasses.replace(function, gradient=lambda x: 4 * x + 0.5)
    monkeypatch.setitem(SCALAR_FUNCTIONS, "two_dot", off)
    lesson = scalar_lesson("1, 2, 3", "two_dot")
    assert lesson.expected_printed == str(torch.tensor([4.5, 8.5, 12.5]))
    assert lesson.grad_printed == str(torch.tensor([4.0, 8.0, 12.0])) and not lesson.matches


def test_scalar_lesson_mean_gradient_is_one_over_n():
    assert scalar_lesson("3 1 4 1 5", "mean").grad.tolist() == pytest.approx([0.2] * 5)


def test_nonscalar_lesson_reproduces_the_second_example_of_the_notes():
    lesson = nonscalar_lesson("1, 2, 3", "square")
    assert [str(way.gradient) for way in lesson.ways_out] == ["tensor([2., 4., 6.])"] * 3
    assert [way.statement for way in lesson.ways_out] == list(WAYS_OUT)
    # backward() fills x.grad and returns nothing; torch.autograd.grad returns the gradient
    # and leaves x.grad alone.
    assert [way.returned is None for way in lesson.ways_out] == [True, True, False]
    assert [way.x_grad is None for way in lesson.ways_out] == [False, False, True]
    assert lesson.ways_max_abs_diff == 0.0
    assert lesson.jacobian.tolist() == [[2, 0, 0], [0, 4, 0], [0, 0, 6]]
    assert lesson.jacobian_max_abs_diff == 0.0


def test_nonscalar_lesson_shows_the_errors_this_torch_raises():
    lesson = nonscalar_lesson("1, 2, 3", "square")
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    assert lesson.scalar_error == scalar_error_of(y.backward)
    assert lesson.wrong_shape == 4
    assert lesson.wrong_shape_error == scalar_error_of(lambda: y.backward(torch.ones(4)))
    assert "[4]" in lesson.wrong_shape_error and "[3]" in lesson.wrong_shape_error


def test_nonscalar_lesson_with_sine_has_cosine_on_the_diagonal():
    lesson = nonscalar_lesson("0, 1", "sine")
    torch.testing.assert_close(lesson.jacobian, torch.diag(torch.cos(torch.tensor([0.0, 1.0]))))
    torch.testing.assert_close(lesson.ways_out[0].x_grad, torch.cos(torch.tensor([0.0, 1.0])))


@pytest.mark.parametrize("name", NONSCALAR_FUNCTIONS)
def test_nonscalar_ways_give_the_column_sums_of_j_which_are_its_diagonal_only_if_elementwise(name):
    lesson = nonscalar_lesson("0.5, -1, 2", name)
    torch.testing.assert_close(lesson.ways_out[0].x_grad, lesson.jacobian.sum(dim=0))
    diagonal = torch.equal(lesson.jacobian, torch.diag(torch.diagonal(lesson.jacobian)))
    assert lesson.elementwise == diagonal
    assert lesson.jacrev_agrees
    torch.testing.assert_close(lesson.jacobian, lesson.expected_jacobian)


def test_nonscalar_offers_a_function_that_is_not_elementwise():
    assert not all(f.elementwise for f in NONSCALAR_FUNCTIONS.values())


@pytest.mark.parametrize("name", VECTOR_FUNCTIONS)
@pytest.mark.parametrize("preset", PRESETS)
def test_v_is_dl_dy_for_every_function_and_preset(name, preset):
    """y.backward(v) == (v * y).sum().backward(), and L.backward() == y.backward(dL/dy)."""
    m = function_at_x("0.5, -1, 2", name).m
    typed = ", ".join(str(1.5 - k) for k in range(m))  # one weight per entry of y
    choice = VectorChoice(preset, index=m, seed=5, text=typed)
    lesson = vjp_lesson(function_at_x("0.5, -1, 2", name), choice)
    assert torch.equal(lesson.product_grad, lesson.grad)
    assert lesson.product_max_abs_diff == 0
    y = lesson.at_x.y
    assert torch.equal(lesson.loss, (y**2).sum())
    assert torch.equal(lesson.loss_gradient, 2 * y)
    assert torch.equal(lesson.chained_grad, lesson.loss_grad)
    assert lesson.chain_max_abs_diff == 0
    # and both are the chain rule through J, computed independently
    torch.testing.assert_close(lesson.loss_grad, (2 * y) @ lesson.at_x.expected_jacobian)


def test_vjp_with_ones_is_the_gradient_of_the_sum():
    lesson = vjp_lesson(function_at_x("1, 2, 3", "square"), VectorChoice("ones"))
    assert lesson.v.tolist() == [1.0, 1.0, 1.0]
    assert lesson.grad.tolist() == [2.0, 4.0, 6.0]
    assert lesson.weighted_rows.tolist() == [[2, 0, 0], [0, 4, 0], [0, 0, 6]]
    assert lesson.column_sums.tolist() == [2.0, 4.0, 6.0]
    assert lesson.max_abs_diff == 0.0


@pytest.mark.parametrize("name", VECTOR_FUNCTIONS)
@pytest.mark.parametrize("index", [1, 2])
def test_one_hot_v_picks_one_row_of_the_jacobian(name, index):
    lesson = vjp_lesson(function_at_x("0.5, -1, 2", name), VectorChoice("one_hot", index=index))
    torch.testing.assert_close(lesson.grad, lesson.at_x.jacobian[index - 1])
    torch.testing.assert_close(lesson.at_x.jacobian, lesson.at_x.expected_jacobian)


def test_one_hot_comment_gives_the_maths_and_the_python_index():
    code = vjp_lesson(
        function_at_x("1, 2, 3", "square"), VectorChoice("one_hot", index=2)
    ).program.code
    (comment,) = [line for line in code.splitlines() if "e_2" in line]
    assert comment.startswith("#") and "v[1]" in comment
    assert "v[1] = 1" in code.splitlines()


@pytest.mark.parametrize("name", VECTOR_FUNCTIONS)
def test_column_sums_of_the_weighted_rows_are_x_grad(name):
    lesson = vjp_lesson(function_at_x("0.5, -1, 2, 3", name), VectorChoice("random", seed=7))
    expected_v = torch.randn(lesson.at_x.y.shape, generator=torch.Generator().manual_seed(7))
    assert torch.equal(lesson.v, expected_v)
    torch.testing.assert_close(lesson.weighted_rows, lesson.v[:, None] * lesson.at_x.jacobian)
    torch.testing.assert_close(lesson.grad, lesson.v @ lesson.at_x.expected_jacobian)
    assert lesson.max_abs_diff <= FLOAT32_TOLERANCE


def test_linear_function_has_two_outputs_whatever_n():
    lesson = vjp_lesson(function_at_x("1 2 3 4 5", "linear"), VectorChoice("typed", text="1, -2"))
    assert lesson.at_x.jacobian.shape == (2, 5)
    assert lesson.at_x.m == 2
    torch.testing.assert_close(lesson.grad, torch.tensor([1.0, -2.0]) @ lesson.at_x.jacobian)


def test_j_does_not_depend_on_v_and_a_wrong_length_v_gets_torchs_own_error():
    at_x = function_at_x("1, 2, 3", "cumulative_sum")
    torch.testing.assert_close(at_x.jacobian, torch.tril(torch.ones(3, 3)))
    y = torch.cumsum(torch.tensor([1.0, 2.0, 3.0], requires_grad=True), dim=0)
    assert at_x.y_printed == str(y)
    expected = scalar_error_of(lambda: y.backward(torch.tensor([1.0, 2.0])))
    assert wrong_length_error(at_x, "1, 2") == expected
    assert "[2]" in expected and "[3]" in expected
    assert wrong_length_error(at_x, "1, 2, 3") is None
    assert wrong_length_error(at_x, "1, x") is None


@pytest.mark.parametrize(
    ("choice", "code", "params"),
    [
        (VectorChoice("typed", text="1, 2"), "v_length", {"length": 2, "m": 3}),
        (VectorChoice("typed", text="1, x, 2"), "not_a_number", {"entry": "x"}),
        (VectorChoice("one_hot", index=4), "index_out_of_range", {"index": 4, "m": 3}),
        (VectorChoice("one_hot", index=0), "index_out_of_range", {"index": 0, "m": 3}),
    ],
)
def test_vjp_rejects_a_v_that_does_not_fit_y(choice, code, params):
    with pytest.raises(InputError) as caught:
        vjp_lesson(function_at_x("1, 2, 3", "square"), choice)
    assert (caught.value.code, caught.value.params) == (code, params)


@pytest.mark.parametrize("calls", range(1, MAX_CALLS + 1))
def test_gradients_accumulate_then_zero(calls):
    lesson = accumulation_lesson("1, 2, 3", calls)
    assert [grad.tolist() for grad in lesson.after_each_call] == [
        [4.0 * k, 8.0 * k, 12.0 * k] for k in range(1, calls + 1)
    ]
    assert lesson.multiples_max_abs_diff == 0.0
    assert lesson.after_zero.tolist() == [0.0, 0.0, 0.0]


def test_accumulation_shows_the_second_pass_error_this_torch_raises():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward()
    assert accumulation_lesson("1, 2", 1).second_pass_error == scalar_error_of(y.backward)


def test_accumulation_shows_a_second_backward_that_silently_adds_again():
    lesson = accumulation_lesson("1, 2", 1)
    assert lesson.silent_expression == "x.sum()"
    assert lesson.silent_error is None
    first, second = lesson.silent_grads
    assert first.tolist() == [1.0, 1.0] and second.tolist() == [2.0, 2.0]


def test_optimizer_zero_grad_sets_none():
    assert accumulation_lesson("1, 2", 2).after_zero_grad is None


@pytest.mark.parametrize("calls", [0, MAX_CALLS + 1])
def test_accumulation_refuses_a_number_of_calls_outside_the_slider(calls):
    with pytest.raises(InputError) as caught:
        accumulation_lesson("1", calls)
    assert (caught.value.code, caught.value.params) == (
        "calls_out_of_range",
        {"calls": calls, "limit": MAX_CALLS},
    )


LESSON_IN = {
    "scalar": lambda language: scalar_lesson("1, 2, 3", "two_dot", language),
    "nonscalar": lambda language: nonscalar_lesson("1, 2, 3", "square", language),
    "vjp": lambda language: vjp_lesson(
        function_at_x("1, 2, 3", "square"), VectorChoice("ones"), language
    ),
    "accumulate": lambda language: accumulation_lesson("1, 2, 3", 2, language),
    "graph": lambda language: graph_lesson("1, 2, 3", language),
    "inplace": lambda language: inplace_lesson("1, 2, 3", "sigmoid", "index", language),
    "nograd": lambda language: nograd_lesson("1, 2, 3", "tensor", language),
    "gradcheck": lambda language: gradcheck_lesson("1, 2, 3", "x_sin_x", 6, True, language),
}


def split_comments(code: str) -> tuple[list[str], list[str]]:
    """(the words: comment lines, docstrings and trailing comments; the code without them)."""
    words, lines = [], []
    for line in code.splitlines():
        if line.startswith("#") or line.strip().startswith('"""'):
            words.append(line)
            continue
        statement, _, trailing = line.partition("  # ")
        lines.append(statement)
        if trailing:
            words.append(trailing)
    return words, lines


@pytest.mark.parametrize("lesson_in", LESSON_IN.values(), ids=LESSON_IN)
def test_only_the_comments_of_a_program_follow_the_language(lesson_in):
    english, chinese = lesson_in("en").program, lesson_in("zh").program
    english_comments, english_code = split_comments(english.code)
    chinese_comments, chinese_code = split_comments(chinese.code)
    assert english_code == chinese_code
    assert english.output == chinese.output
    assert english_comments and len(english_comments) == len(chinese_comments)
    assert all(any("\u4e00" <= char <= "\u9fff" for char in line) for line in chinese_comments)
