"""The lesson on a graph used twice, leaves, detach and no_grad: values, and torch's own
messages and their types, asked of this torch directly; then the page through AppTest."""

import warnings

import numpy as np
import pytest
import torch

from i18n import catalog
from lessons.graph_reuse import GRAPH_LINES, graph_lesson
from lessons.parsing import InputError
from tests.helpers import code_blocks, decode, open_page, plotly_specs, texts

X = torch.tensor([1.0, -2.0, 0.5])
X_TEXT = "1, -2, 0.5"


def raised(statement) -> str:
    with pytest.raises(RuntimeError) as caught:
        statement()
    return str(caught.value)


def graph_of(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """GRAPH_LINES, built here independently of the lesson."""
    y = x * x
    z = y * x
    return y, z, z.sum()


def warnings_reading_nonleaf_grad() -> list[warnings.WarningMessage]:
    x = X.clone().requires_grad_()
    y, _, s = graph_of(x)
    s.backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
    return caught


def test_the_graph_is_the_one_the_page_shows():
    assert GRAPH_LINES == ("y = x * x", "z = y * x", "s = z.sum()")


def test_a_second_backward_fails_with_the_error_this_torch_raises():
    lesson = graph_lesson(X_TEXT)
    assert torch.equal(lesson.first_grad, 3 * X**2)
    x = X.clone().requires_grad_()
    s = graph_of(x)[2]
    s.backward()
    assert lesson.second_pass_error == raised(s.backward)


def test_retain_graph_lets_the_second_call_add_the_same_gradient():
    lesson = graph_lesson(X_TEXT)
    first, second = lesson.retained_grads
    assert first.tolist() == [3.0, 12.0, 0.75]
    assert second.tolist() == [6.0, 24.0, 1.5]
    assert lesson.retained_max_abs_diff == 0.0


def test_a_nonleaf_grad_is_none_and_torch_warns_with_a_user_warning():
    lesson = graph_lesson(X_TEXT)
    assert lesson.nonleaf_grad is None
    (warning,) = lesson.nonleaf_warnings
    (expected,) = warnings_reading_nonleaf_grad()
    assert warning.kind is expected.category
    assert issubclass(warning.kind, UserWarning)
    assert warning.message == str(expected.message)
    assert warning.label == f"{expected.category.__name__}: {expected.message}"


def test_retain_grad_keeps_the_gradient_of_the_intermediate():
    lesson = graph_lesson(X_TEXT)
    assert torch.equal(lesson.retained_nonleaf_grad, X)  # ∂(Σ yⱼxⱼ)/∂y = x


def test_detach_turns_y_into_a_constant():
    lesson = graph_lesson(X_TEXT)
    assert torch.equal(lesson.u, X**2)
    assert torch.equal(lesson.detached_grad, X**2)
    assert torch.equal(lesson.first_grad, 3 * X**2)  # the same product without detach()
    assert lesson.detach_max_abs_diff == 0.0


def test_what_the_page_says_about_freeing_and_sums_holds_in_this_torch():
    # backward() frees what the graph saved: a graph that saved nothing can be walked again.
    x = X.clone().requires_grad_()
    s = x.sum()
    s.backward()
    s.backward()
    torch.testing.assert_close(x.grad, torch.full_like(X, 2.0))
    # One pass through the sum of two losses gives the gradients of two retained passes.
    _, z, s = graph_of(x)
    loss1, loss2 = s, (z * 2).sum()
    x.grad = None
    loss1.backward(retain_graph=True)
    loss2.backward()
    twice = x.grad.clone()
    x.grad = None
    _, z, s = graph_of(x)
    (s + (z * 2).sum()).backward()
    torch.testing.assert_close(x.grad, twice)
    # detach() comes after the graph of s was built: it leaves that graph in place.
    _, _, s = graph_of(x)
    u = s.detach()
    assert s.grad_fn is not None and u.grad_fn is None and u.data_ptr() == s.data_ptr()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_says_what_is_freed_and_how_to_evaluate(language):
    at = open_page("graph", language)
    words, shown = catalog(language), texts(at)
    for key in ("goal", "retain_cost", "table_intro", "no_grad_use"):
        assert words[f"graph.{key}"] in shown, key


def test_backward_without_a_graph_raises_what_this_torch_raises():
    lesson = graph_lesson(X_TEXT)
    x = X.clone().requires_grad_()
    with torch.no_grad():
        w = x * x
    assert lesson.no_graph_error == raised(w.sum().backward)
    # A detached tensor has no graph either, and torch says the same.
    assert lesson.no_graph_error == raised((x * x).detach().sum().backward)


def test_facts_of_every_tensor_come_from_torch():
    lesson = graph_lesson(X_TEXT)
    x = X.clone().requires_grad_()
    y, z, s = graph_of(x)
    expected = {
        "x": (True, True, None),
        "y": (False, True, y.grad_fn.name()),
        "z": (False, True, z.grad_fn.name()),
        "s": (False, True, s.grad_fn.name()),
        "u": (True, False, None),
        "w": (True, False, None),
    }
    assert {f.name: (f.is_leaf, f.requires_grad, f.grad_fn) for f in lesson.tensors} == expected
    assert [f.built_by for f in lesson.tensors][1:4] == list(GRAPH_LINES)


def test_the_program_prints_the_warning_on_stdout():
    lesson = graph_lesson(X_TEXT)
    (warning,) = lesson.nonleaf_warnings
    assert lesson.program.code.startswith("import torch\nimport warnings\n")
    assert f"\n{warning.label}\n" in lesson.program.output
    assert lesson.program.output.endswith("w True False None")


@pytest.mark.parametrize(("text", "code"), [("", "empty"), ("1, x", "not_a_number")])
def test_bad_x_is_an_input_error(text, code):
    with pytest.raises(InputError) as caught:
        graph_lesson(text)
    assert caught.value.code == code


# --- the page ---------------------------------------------------------------------------


def shown_tensors(at) -> list[str]:
    return [block for block in code_blocks(at) if block.startswith(("tensor(", "None"))]


def test_graph_page_shows_the_gradients_the_errors_and_the_warning():
    at = open_page("graph")
    at.text_input(key="graph_x").set_value(X_TEXT).run()
    lesson = graph_lesson(X_TEXT)
    assert shown_tensors(at) == [
        str(3 * X**2),  # after one backward()
        str(3 * X**2),  # retained: first call
        str(6 * X**2),  # retained: second call
        "None",  # y.grad
        str(X),  # y.grad after retain_grad()
        str(3 * X**2),  # x.grad next to it
        str(3 * X**2),  # z = y * x
        str(X**2),  # z = u * x
    ]
    blocks = code_blocks(at)
    assert f"RuntimeError: {lesson.second_pass_error}" in blocks
    assert f"RuntimeError: {lesson.no_graph_error}" in blocks
    (warning,) = warnings_reading_nonleaf_grad()
    assert f"{warning.category.__name__}: {warning.message}" in blocks
    assert catalog("en")["graph.retained_doubled"] in texts(at)


def test_graph_page_draws_both_gradients_and_tabulates_every_tensor():
    at = open_page("graph", "zh")
    at.text_input(key="graph_x").set_value(X_TEXT).run()
    (spec,) = plotly_specs(at)
    with_y, with_u = spec["data"]
    np.testing.assert_array_equal(decode(with_y["y"]), (3 * X**2).numpy())
    np.testing.assert_array_equal(decode(with_u["y"]), (X**2).numpy())
    assert with_u["name"] == catalog("zh")["graph.series_u"]
    table = at.dataframe[0].value
    assert list(table.index) == ["x", "y", "z", "s", "u", "w"]
    assert table["is_leaf"].tolist() == [True, False, False, False, True, True]
    assert table["requires_grad"].tolist() == [True, True, True, True, False, False]
    assert table["grad_fn"].tolist()[:4] == ["None", "MulBackward0", "MulBackward0", "SumBackward0"]
    assert at.title[0].value == catalog("zh")["graph.title"]
