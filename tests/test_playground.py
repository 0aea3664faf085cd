"""The playground lesson and its links, checked against torch run directly."""

import subprocess
import sys

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.autograd.functional import jacobian

from bench.work_bound import WORST_SCRIPTS
from i18n import catalog
from lessons.language.expression import BACKWARD_WORK, MAX_INPUTS, MAX_WORK, OPERATION_WORK
from lessons.language.graph import (
    MAX_DRAWN_BOXES,
    MAX_DRAWN_EDGES,
    MAX_DRAWN_IN_DEGREE,
    MAX_DRAWN_NODES,
    graph_size,
)
from lessons.language.playground import MAX_JACOBIAN_ROWS, entry_labels, playground_lesson
from lessons.links import choice_from_link, link_from_choice
from lessons.parsing import InputError
from lessons.program import runtime_error
from lessons.vjp import PRESETS, VectorChoice
from tests.helpers import open_page
from tests.test_properties import assert_readable
from ui.navigation import lesson_page
from ui.playground import EXAMPLES, Fields, fields_from_link, link_from_fields, unknown_constants
from ui.session import Translator
from ui.text import message as escaped_message
from ui.text import plain

ONES = VectorChoice()
CUBIC = (("a", "2, 3"), ("b", "6, 4"))


def by_name(lesson):
    return {item.name: item for item in lesson.inputs}


def kinds_in_order(lesson):
    return [lesson.graph.nodes[step.node].kind for step in lesson.steps]


def test_a_vector_y_shows_torchs_error_then_uses_v():
    lesson = playground_lesson(CUBIC, "Q = 3*a**3 - b**2", VectorChoice("one_hot", index=2))
    a, b = torch.tensor([2.0, 3.0]), torch.tensor([6.0, 4.0])
    assert lesson.result_name == "Q" and lesson.code == "Q = 3 * a ** 3 - b ** 2"
    assert torch.equal(lesson.y, 3 * a**3 - b**2)
    vector_y = (torch.ones(2, requires_grad=True) * 2).backward
    assert lesson.backward_error == runtime_error(vector_y) is not None
    assert lesson.v.tolist() == [0.0, 1.0]
    grads = by_name(lesson)
    assert grads["a"].grad.tolist() == [0.0, 9 * 3.0**2]
    assert grads["b"].grad.tolist() == [0.0, -2 * 4.0]


@pytest.mark.parametrize(
    "choice",
    [
        VectorChoice(),
        VectorChoice("one_hot", index=3),
        VectorChoice("random", seed=7),
        VectorChoice("typed", text="1, -2, 0.5, 3"),
    ],
    ids=lambda choice: choice.preset,
)
def test_jacobians_match_torch_and_weighted_column_sums_are_the_grads(choice):
    W_text, x_text = "1, 2; -1, 0.5", "3, -2"
    lesson = playground_lesson((("W", W_text), ("x", x_text)), "torch.outer(W @ x, x)", choice)
    W = torch.tensor([[1.0, 2.0], [-1.0, 0.5]])
    x = torch.tensor([3.0, -2.0])
    expected = jacobian(lambda W, x: torch.outer(W @ x, x), (W, x))
    assert lesson.y.shape == (2, 2)
    assert lesson.y_labels == ("y[0,0]", "y[0,1]", "y[1,0]", "y[1,1]")
    for item, reference in zip(lesson.inputs, expected, strict=True):
        assert item.jacobian.shape == (4, item.value.numel())
        torch.testing.assert_close(item.jacobian, reference.reshape(4, -1))
        torch.testing.assert_close(item.column_sums, item.grad.reshape(-1))
        torch.testing.assert_close(item.weighted_rows, lesson.v.reshape(-1, 1) * item.jacobian)
    assert by_name(lesson)["W"].labels == ("W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]")


def test_a_single_entry_y_runs_backward_without_v():
    lesson = playground_lesson((("x", "0, 1, 2, 3"),), "y = 2 * torch.dot(x, x)", ONES)
    assert lesson.backward_error is None and lesson.v is None
    assert lesson.y.item() == 28.0
    assert by_name(lesson)["x"].grad.tolist() == [0.0, 4.0, 8.0, 12.0]
    assert kinds_in_order(lesson) == ["MulBackward0", "DotBackward0", "AccumulateGrad"]
    assert "y.backward()\n" in lesson.program.code and "v =" not in lesson.program.code


def test_named_lines_label_the_graph_and_the_last_steps_land_on_each_grad():
    rows = (("W", "0.5, -1; 1, 2"), ("x", "1, 2"), ("b", "0, -1"), ("t", "1, 0"))
    lesson = playground_lesson(rows, "h = W @ x + b\nloss = (h.relu() - t).pow(2).mean()", ONES)
    assert lesson.result_name == "loss"
    names = {node.names: node.kind for node in lesson.graph.nodes if node.names}
    assert names[("h",)] == "AddBackward0" and names[("loss",)] == "MeanBackward0"
    assert kinds_in_order(lesson)[:4] == [
        "MeanBackward0",
        "PowBackward0",
        "SubBackward0",
        "AccumulateGrad",  # t, reached straight from the subtraction
    ]
    landed = {
        lesson.graph.nodes[step.node].names[0]: step.incoming[0]
        for step in lesson.steps
        if lesson.graph.nodes[step.node].is_leaf
    }
    for item in lesson.inputs:
        assert torch.equal(landed[item.name], item.grad)
    W = torch.tensor([[0.5, -1.0], [1.0, 2.0]], requires_grad=True)
    h = W @ torch.tensor([1.0, 2.0]) + torch.tensor([0.0, -1.0])
    (h.relu() - torch.tensor([1.0, 0.0])).pow(2).mean().backward()
    assert torch.equal(by_name(lesson)["W"].grad, W.grad)


def test_a_detached_branch_and_an_unused_input_are_not_in_the_graph():
    rows = (("x", "1, 2, 3"), ("c", "4, 5, 6"))
    lesson = playground_lesson(rows, "((x * x).detach() * x).sum()", ONES)
    grads = by_name(lesson)
    assert grads["x"].grad.tolist() == [1.0, 4.0, 9.0]  # x², not 3x²
    assert grads["c"].grad is None
    assert grads["c"].column_sums.abs().sum().item() == 0
    leaves = [node.names for node in lesson.graph.nodes if node.is_leaf]
    assert leaves == [("x",)]
    assert 'print("c.grad =", c.grad)' in lesson.program.code
    assert lesson.program.output.endswith("c.grad = None")


def test_y_without_grad_fn_shows_torchs_error_and_no_steps():
    lesson = playground_lesson((("x", "1, 2"),), "x.detach() * 2", ONES)
    detached = torch.ones(2, requires_grad=True).detach() * 2
    assert lesson.backward_error == runtime_error(detached.backward)
    assert lesson.steps == () and lesson.graph.nodes == () and lesson.v is None
    assert by_name(lesson)["x"].grad is None


def test_empty_rows_are_skipped_and_the_result_name_avoids_inputs():
    rows = (("", ""), ("y", "1, 2"), ("  ", " "), ("out", "3, 4"))
    lesson = playground_lesson(rows, "(y * out).sum()", ONES)
    assert [item.name for item in lesson.inputs] == ["y", "out"]
    assert lesson.result_name == "result"
    assert "result = (y * out).sum()" in lesson.program.code


@pytest.mark.parametrize(
    ("rows", "expression", "code"),
    [
        ((("f", "1"),), "f.sum()", "tensor_name_reserved"),
        ((("x", "1"), ("x", "2")), "x.sum()", "tensor_name_taken"),
        ((("", "1, 2"),), "x.sum()", "tensor_name_empty"),
        ((("x", ""),), "x.sum()", "empty"),
        ((("W", "1, 2; 3"),), "W.sum()", "tensor_ragged_rows"),
        ((("x", "1, 2"),), "x.__class__", "expr_attribute"),
        ((("x", "1, 2"),), "x[5:]", "y_empty"),
        ((("x", "1, 2"),), "x.sum()", None),
    ],
)
def test_bad_rows_and_expressions_raise_their_own_message(rows, expression, code):
    if code is None:
        assert playground_lesson(rows, expression, ONES).y.item() == 3.0
        return
    with pytest.raises(InputError) as caught:
        playground_lesson(rows, expression, ONES)
    assert caught.value.code == code


def test_a_typed_v_of_the_wrong_length_is_refused():
    with pytest.raises(InputError) as caught:
        playground_lesson((("x", "1, 2, 3"),), "x * x", VectorChoice("typed", text="1, 2"))
    assert caught.value.params == {"length": 2, "m": 3}


def test_entry_labels_flatten_like_torch_and_count_from_zero():
    assert entry_labels("W", (2, 3))[1:4] == ("W[0,1]", "W[0,2]", "W[1,0]")
    assert entry_labels("x", (2,)) == ("x[0]", "x[1]")
    assert entry_labels("y", ()) == ("y",)
    W = torch.arange(6.0).reshape(2, 3)
    assert W.reshape(-1)[entry_labels("W", (2, 3)).index("W[1,0]")] == W[1, 0]


def test_links_carry_every_field_and_skip_names_that_would_clash():
    params = {"lang": "zh", "f": "3*a**3-b**2", "a": "2,3", "b": "6,4", "v": "e2"}
    fields = fields_from_link(params)
    assert fields == Fields((("a", "2,3"), ("b", "6,4")), "3*a**3-b**2", "e2")
    assert link_from_fields(fields, "zh") == params
    assert fields_from_link({"lang": "en", "x": "1"}) is None
    clashing = Fields((("lang", "1"), ("x", "1"), ("x", "2"), ("", "3")), "x.sum()")
    assert link_from_fields(clashing, "en") == {"lang": "en", "f": "x.sum()", "x": "1", "v": "ones"}


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("ones", VectorChoice()),
        ("e2", VectorChoice("one_hot", index=2)),
        ("random7", VectorChoice("random", seed=7)),
        ("1,-1,0.5", VectorChoice("typed", text="1,-1,0.5")),
        ("e0", VectorChoice("typed", text="e0")),  # refused later as typed text is
        ("random99999999999", VectorChoice("typed", text="random99999999999")),
    ],
)
def test_v_in_a_link_round_trips(text, choice):
    assert choice_from_link(text) == choice
    assert link_from_choice(choice) == text


@pytest.mark.parametrize(("name", "fields"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_every_starter_example_runs(name, fields):
    lesson = playground_lesson(fields.inputs, fields.expression, choice_from_link(fields.v))
    assert lesson.steps and lesson.graph.nodes[0].kind.endswith("Backward0")
    assert all(item.grad is not None for item in lesson.inputs)
    for item in lesson.inputs:
        torch.testing.assert_close(item.column_sums, item.grad.reshape(-1))


# Small expressions over one vector and one matrix: every shape of y the page can meet.
pieces = st.sampled_from(
    ["x", "W", "x[0]", "x[1:]", "W.T", "W @ x", "x.sum()", "torch.sin(W)", "x.detach()", "2"]
)
operators = st.sampled_from([" + ", " * ", " - ", " / ", " @ "])
choices = st.builds(
    VectorChoice,
    st.sampled_from(PRESETS),
    st.integers(-2, 6),
    st.integers(0, 3),
    st.sampled_from(["1, 2", "1", "0.5, -1, 2", "x"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(pieces, operators), min_size=1, max_size=3), choices)
def test_any_expression_gives_the_whole_lesson_or_a_readable_error(parts, choice):
    expression = "".join(piece + operator for piece, operator in parts)[:-3]
    try:
        lesson = playground_lesson((("x", "1, -2"), ("W", "0.5, 1; 2, -1")), expression, choice)
    except InputError as error:
        assert_readable(error)
        return
    for item in lesson.inputs:
        assert item.jacobian.shape == (lesson.y.numel(), item.value.numel())
        if item.grad is not None:
            torch.testing.assert_close(item.column_sums, item.grad.reshape(-1))
    assert lesson.program.output.count("\n") >= len(lesson.inputs)


def test_a_y_taller_than_the_limit_keeps_its_gradients_but_draws_no_jacobian():
    x_text = ", ".join(str(value) for value in range(9))
    lesson = playground_lesson((("x", x_text),), "torch.outer(x, x)", ONES)
    assert lesson.y.numel() == 81 > MAX_JACOBIAN_ROWS
    (item,) = lesson.inputs
    assert item.jacobian is None and item.weighted_rows is None and item.column_sums is None
    x = torch.arange(9.0)
    assert torch.equal(item.grad, 2 * x.sum() * torch.ones(9))


# Issue 19: the real work of a script, not only the size of its results.
X64 = ", ".join(str(index % 7 - 3) for index in range(64))


BROADCAST = "A = x.expand(64, 64).reshape(64, 1, 1, 64)\nB = A.reshape(1, 64, 64, 1)"
SQUARE = "A = x.expand(64, 64)\nB = A.T"


def issue_lines(operands: str, ending: str) -> str:
    """Four lines of eleven `A @ B` each (the most that fit 300 nodes), then their sum."""
    lines = [f"s{line} = " + " + ".join(["A @ B"] * 11) for line in range(4)]
    return "\n".join([operands, *lines, ending])


@pytest.mark.parametrize("ending", ["s0 + s1 + s2 + s3", "(s0 + s1 + s2 + s3).sum(0)"])
def test_a_broadcasting_product_is_refused_by_the_copies_it_would_make(ending):
    """A @ B would copy each operand to (64, 64, 1, 64): 262,144 entries, forward and back."""
    with pytest.raises(InputError) as caught:
        playground_lesson((("x", X64),), issue_lines(BROADCAST, ending), ONES)
    assert caught.value.code == "expr_too_large"
    assert caught.value.params["piece"] == "A @ B"
    assert caught.value.params["shape"] == (64, 64, 1, 64)
    assert caught.value.params["count"] == 262_144
    assert_readable(caught.value)


def test_the_same_family_without_broadcasting_is_counted_within_the_budget():
    lesson = playground_lesson(
        (("x", X64),), issue_lines(SQUARE, "(s0 + s1 + s2 + s3).sum()"), ONES
    )
    # 44 products of 64 x 64 matrices: 262,144 multiply-adds and 3 x 4,096 entries each.
    assert lesson.work <= MAX_WORK
    # The lines and backward(), then a one-row Jacobian: the same again.
    forward = lesson.work / (2 * (1 + BACKWARD_WORK))
    assert forward > 44 * (262_144 + 3 * 4096 + OPERATION_WORK)
    assert not lesson.jacobians_too_costly and lesson.inputs[0].jacobian.shape == (1, 64)


def test_a_jacobian_that_would_cost_too_much_is_skipped_and_the_gradients_stay():
    lesson = playground_lesson(
        (("x", X64),), issue_lines(SQUARE, "(s0 + s1 + s2 + s3).sum(0)"), ONES
    )
    assert lesson.y.shape == (64,)
    assert lesson.jacobians_too_costly and lesson.jacobian_work > MAX_WORK >= lesson.work
    assert lesson.inputs[0].jacobian is None and lesson.inputs[0].grad.shape == (64,)


@pytest.mark.parametrize(
    "name", [name for name, (page, _, _) in WORST_SCRIPTS.items() if page == "playground"]
)
def test_the_costliest_scripts_we_could_build_stay_within_the_budget(name):
    _, inputs, lines = WORST_SCRIPTS[name]
    lesson = playground_lesson(inputs, lines, ONES)
    assert MAX_WORK / 4 < lesson.work <= MAX_WORK
    assert not lesson.jacobians_too_costly


def test_the_page_says_why_it_draws_no_jacobian():
    at = open_page("playground")
    at.text_input(key="playground_name_1").set_value("x")
    at.text_input(key="playground_value_1").set_value(X64)
    for row in range(2, 5):
        at.text_input(key=f"playground_name_{row}").set_value("")
        at.text_input(key=f"playground_value_{row}").set_value("")
    at.text_area(key="playground_f").set_value(
        issue_lines(SQUARE, "(s0 + s1 + s2 + s3).sum(0)")
    ).run()
    assert not at.exception and not at.error
    lesson = playground_lesson(
        (("x", X64),), issue_lines(SQUARE, "(s0 + s1 + s2 + s3).sum(0)"), ONES
    )
    shown = escaped_message(
        Translator("en"),
        "playground.jacobian_too_costly",
        name="y",
        work=f"{lesson.jacobian_work:,}",
        limit=f"{MAX_WORK:,}",
    )
    assert shown in [box.value for box in at.info]


def test_a_graph_too_big_to_lay_out_is_described_instead_of_drawn():
    """90 chained `@ D` onto one reshaped leaf took minutes to lay out in the browser."""
    rows = (("x", "1, 2, 3, 4"), ("D", "1, 0; 0, 1"))
    lines = ["a0 = x.reshape(2, 2)"] + [f"a{i + 1} = a{i}" + " @ D" * 9 for i in range(10)]
    lines.append("a10.sum()")
    lesson = playground_lesson(rows, "\n".join(lines), ONES)
    size = graph_size(lesson.graph)
    assert size.in_degree == 90 and not size.drawable
    at = open_page("playground")
    for row, (name, value) in enumerate((*rows, ("", ""), ("", "")), start=1):
        at.text_input(key=f"playground_name_{row}").set_value(name)
        at.text_input(key=f"playground_value_{row}").set_value(value)
    at.text_area(key="playground_f").set_value("\n".join(lines)).run()
    assert not at.exception and not at.error
    assert not at.get("graphviz_chart")
    info = [box.value for box in at.info if "90" in box.value]
    assert info == [
        catalog("en")["playground.graph_too_large"].format(
            **vars(size),
            max_nodes=MAX_DRAWN_NODES,
            max_edges=MAX_DRAWN_EDGES,
            max_in_degree=MAX_DRAWN_IN_DEGREE,
            max_boxes=MAX_DRAWN_BOXES,
        )
    ]
    at.text_area(key="playground_f").set_value("(x * x).sum()").run()
    assert len(at.get("graphviz_chart")) == 1


# Issue 15: a training step as people write it.
TRAINING_ROWS = (("W", "0.5, -1; 1, 2"), ("x", "1, 2"), ("b", "0, -1"), ("t", "1, 0"))
TRAINING_LINES = "h = W @ x + b\nloss = (h.relu() - t).pow(2).mean()"


def test_inputs_held_constant_are_absent_from_graph_grads_and_jacobians():
    lesson = playground_lesson(TRAINING_ROWS, TRAINING_LINES, ONES, constants=("x", "t"))
    assert [item.name for item in lesson.inputs] == ["W", "b"]
    assert lesson.constants == ("x", "t")
    leaves = [node.names for node in lesson.graph.nodes if node.is_leaf]
    assert sorted(leaves) == [("W",), ("b",)]
    # torch's own gradients, with x and t as plain tensors.
    W = torch.tensor([[0.5, -1.0], [1.0, 2.0]], requires_grad=True)
    b = torch.tensor([0.0, -1.0], requires_grad=True)
    x, t = torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0])
    loss = ((W @ x + b).relu() - t).pow(2).mean()
    loss.backward()
    grads = by_name(lesson)
    assert torch.equal(grads["W"].grad, W.grad) and torch.equal(grads["b"].grad, b.grad)
    expected = jacobian(lambda W, b: ((W @ x + b).relu() - t).pow(2).mean(), (W, b))
    torch.testing.assert_close(grads["W"].jacobian, expected[0].reshape(1, 4))
    torch.testing.assert_close(grads["b"].jacobian, expected[1].reshape(1, 2))
    # Every input needing a gradient: x and t are leaves again.
    everything = playground_lesson(TRAINING_ROWS, TRAINING_LINES, ONES)
    assert [item.name for item in everything.inputs] == ["W", "x", "b", "t"]


def test_the_program_builds_constants_without_requires_grad_and_prints_no_grad_for_them():
    lesson = playground_lesson(TRAINING_ROWS, TRAINING_LINES, ONES, constants=("x", "t"))
    code = lesson.program.code
    assert "x = torch.tensor([1.0, 2.0])\n" in code and "t = torch.tensor([1.0, 0.0])\n" in code
    assert "W = torch.tensor([[0.5, -1.0], [1.0, 2.0]], requires_grad=True)" in code
    assert "x.grad" not in code and "t.grad" not in code
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert run.stdout.rstrip("\n") == lesson.program.output


def test_all_inputs_constant_leave_no_graph_and_no_jacobian():
    lesson = playground_lesson((("x", "1, 2"),), "(x * x).sum()", ONES, constants=("x",))
    assert lesson.inputs == () and lesson.steps == () and lesson.graph.nodes == ()
    assert lesson.backward_error == runtime_error(torch.ones(1).sum().backward)
    assert not lesson.jacobians_too_costly


def test_a_constant_that_is_no_input_is_refused_by_name():
    with pytest.raises(InputError) as caught:
        playground_lesson(TRAINING_ROWS, TRAINING_LINES, ONES, constants=("x", "z"))
    assert caught.value.code == "const_unknown"
    assert caught.value.params == {"names": "z", "inputs": "W, x, b, t"}
    assert_readable(caught.value)


def test_a_link_carries_the_constants_and_round_trips():
    params = {"lang": "en", "f": TRAINING_LINES, "W": "1, 2; 3, 4", "x": "1, 2", "v": "ones"}
    params["const"] = "x"
    fields = fields_from_link(params)
    assert fields.constants == ("x",) and [name for name, _ in fields.inputs] == ["W", "x"]
    assert link_from_fields(fields, "en") == params
    # Every input needing a gradient: no const parameter at all.
    assert "const" not in link_from_fields(Fields(fields.inputs, fields.expression), "en")
    spaced = fields_from_link({"f": "x.sum()", "x": "1", "const": " x , ,x,q "})
    assert spaced.constants == ("x", "q") and unknown_constants(spaced) == ("q",)
    # A constant whose row was left out of the link (a reserved name) is left out too.
    clashing = Fields((("const", "1"), ("x", "2")), "x.sum()", constants=("const", "x"))
    assert link_from_fields(clashing, "en") == {
        "lang": "en",
        "f": "x.sum()",
        "x": "2",
        "v": "ones",
        "const": "x",
    }


def test_const_is_reserved_for_the_link():
    with pytest.raises(InputError) as caught:
        playground_lesson((("const", "1, 2"),), "const.sum()", ONES)
    assert (
        caught.value.code == "tensor_name_reserved" and "const" in caught.value.params["reserved"]
    )


def test_the_training_example_holds_the_data_and_the_target_constant():
    fields = dict(EXAMPLES)["training"]
    assert fields.constants == ("x", "t")
    lesson = playground_lesson(fields.inputs, fields.expression, ONES, constants=fields.constants)
    assert [item.name for item in lesson.inputs] == ["W", "b"]


def test_six_inputs_are_taken_and_a_seventh_is_refused():
    names = ("W", "x", "b", "t", "c", "d")
    rows = tuple((name, "1, 2") for name in names[1:])
    six = (("W", "1, 0; 0, 1"), *rows)
    lines = "h = W @ x + b\nloss = ((h - t) * c + d).sum()"
    assert MAX_INPUTS == 6
    lesson = playground_lesson(six, lines, ONES, constants=("x", "t"))
    assert [item.name for item in lesson.inputs] == ["W", "b", "c", "d"]
    assert by_name(lesson)["d"].grad.tolist() == [1.0, 1.0]
    with pytest.raises(InputError) as caught:
        playground_lesson((*six, ("e", "1, 2")), lines, ONES)
    assert caught.value.params == {"count": 7, "limit": 6}


INPLACE_LINES = [
    ("y = x * 2\ny += 1", "expr_inplace", {"piece": "y += 1"}),
    ("y = x * 2\ny[0] = 5", "expr_inplace", {"piece": "y[0] = 5"}),
    ("x.add_(1)", "expr_inplace_method", {"name": "add_"}),
    ("y = x.relu_()", "expr_inplace_method", {"name": "relu_"}),
    ("torch.relu_(x)", "expr_inplace_method", {"name": "relu_"}),
]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(("lines", "code", "params"), INPLACE_LINES)
def test_an_in_place_line_says_so_and_links_to_the_lesson_on_it(lines, code, params, language):
    with pytest.raises(InputError) as caught:
        playground_lesson((("x", "1, -2"),), lines, ONES, language)
    assert (caught.value.code, caught.value.params) == (code, params)
    shown = escaped_message(Translator(language), f"errors.{code}", **caught.value.params)
    # The lesson's address as Streamlit serves it, keeping the learner's language.
    assert f"]({lesson_page('inplace').name}?lang={language})" in shown
    quoted = params.get("piece") or params["name"]
    assert (f"`{quoted}`" if code == "expr_inplace_method" else plain(quoted)) in shown
    assert_readable(caught.value)


def test_a_python_name_ending_in_an_underscore_is_not_called_in_place():
    with pytest.raises(InputError) as caught:
        playground_lesson((("x", "1, -2"),), "x.__class__()", ONES)
    assert caught.value.code == "expr_method"
