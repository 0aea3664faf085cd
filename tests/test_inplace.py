"""The in-place lesson: what nodes save, versions, torch's own errors, the fixes, .data against
.detach(), anomaly mode, the error finder's demonstrations; then the page through AppTest."""

import pytest
import torch

from i18n import catalog
from lessons.inplace import CHANGES, DEMONSTRATIONS, OPERATIONS, expression, inplace_lesson
from lessons.parsing import InputError
from tests.helpers import address, code_blocks, keyed_codes, open_link, open_page, texts

X = torch.tensor([0.5, -1.0, 2.0])
X_TEXT = "0.5, -1, 2"
C = torch.full_like(X, 0.5)
# Each operation written out here, apart from the lesson's code.
BY_HAND = {
    "square": lambda x: x**2,
    "exp": torch.exp,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "times_c": lambda x: x * C,
    "plus_one": lambda x: x + 1,
    "sum": torch.sum,
}


def raised(statement) -> str:
    with pytest.raises(RuntimeError) as caught:
        statement()
    return str(caught.value)


def saved_of(y: torch.Tensor) -> list[tuple[str, str]]:
    node = y.grad_fn
    return [(name, str(getattr(node, name))) for name in dir(node) if name.startswith("_saved_")]


def test_the_operations_are_the_ones_the_page_offers():
    assert [f"y = {expression(name)}" for name in OPERATIONS] == [
        "y = x ** 2",
        "y = x.exp()",
        "y = torch.sigmoid(x)",
        "y = torch.tanh(x)",
        "y = x * c",
        "y = x + 1",
        "y = x.sum()",
    ]
    assert set(BY_HAND) == set(OPERATIONS)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_saved_attributes_are_the_ones_torch_gives_the_node(operation):
    lesson = inplace_lesson(X_TEXT, operation, "add")
    y = BY_HAND[operation](X.clone().requires_grad_())
    assert lesson.node == y.grad_fn.name()
    assert [(item.attribute, item.value) for item in lesson.saved] == saved_of(y)
    assert lesson.saved  # every one of these nodes keeps something


def test_which_tensor_each_node_saved():
    which = {
        name: {item.attribute: item.tensor for item in inplace_lesson(X_TEXT, name).saved}
        for name in OPERATIONS
    }
    assert which["square"]["_saved_self"] == "x"
    for name in ("exp", "sigmoid", "tanh"):
        assert which[name] == {"_saved_result": "y"}
    assert which["times_c"]["_saved_other"] == "c"
    assert set(which["plus_one"].values()) == set(which["sum"].values()) == {None}
    saves_y = {name for name in OPERATIONS if inplace_lesson(X_TEXT, name).saves_y}
    assert saves_y == {"exp", "sigmoid", "tanh"}


@pytest.mark.parametrize("change", CHANGES)
def test_an_in_place_change_adds_one_to_the_version(change):
    lesson = inplace_lesson(X_TEXT, "tanh", change)
    y = torch.tanh(X.clone().requires_grad_())
    before = y._version
    CHANGES[change].apply(y)
    assert lesson.versions == (before, y._version) == (0, 1)


@pytest.mark.parametrize("change", CHANGES)
def test_backward_fails_with_torchs_error_when_the_changed_tensor_was_saved(change):
    lesson = inplace_lesson(X_TEXT, "exp", change)
    y = X.clone().requires_grad_().exp()
    CHANGES[change].apply(y)
    error = raised(lambda: y.sum().backward())
    assert lesson.backward_error == error
    before, after = lesson.versions
    assert f"[{X.numel()}]" in error
    assert f"version {after}" in error and f"version {before}" in error
    assert lesson.error_names_all and lesson.backward_grad is None


@pytest.mark.parametrize("operation", ["square", "times_c", "plus_one", "sum"])
def test_backward_runs_when_the_changed_tensor_was_not_saved(operation):
    lesson = inplace_lesson(X_TEXT, operation, "relu")
    assert lesson.backward_error is None
    x = X.clone().requires_grad_()
    y = BY_HAND[operation](x)
    y.relu_()
    y.sum().backward()
    torch.testing.assert_close(lesson.backward_grad, x.grad)


def test_the_three_fixes_run_and_give_the_gradients_worked_out_by_hand():
    lesson = inplace_lesson(X_TEXT, "exp", "index")
    by_key = {fix.key: fix.grad for fix in lesson.fixes}
    changed = X.exp() * torch.tensor([0.0, 1.0, 1.0])  # y[0] = 0 cuts x₀ out of the sum
    torch.testing.assert_close(by_key["out_of_place"], changed)
    torch.testing.assert_close(by_key["clone"], changed)
    torch.testing.assert_close(by_key["after_backward"], X.exp())


def test_a_change_through_data_gives_a_silently_wrong_gradient():
    lesson = inplace_lesson(X_TEXT, "exp", "add")
    torch.testing.assert_close(lesson.data_grad, X.exp() + 1)  # the node used exp(x) + 1
    torch.testing.assert_close(lesson.fixes[0].grad, X.exp())  # d(exp(x) + 1)/dx
    assert lesson.data_grad_differs and lesson.data_version == 0


def test_a_change_through_detach_raises_the_version_error():
    lesson = inplace_lesson(X_TEXT, "sigmoid", "add")
    y = torch.sigmoid(X.clone().requires_grad_())
    y.detach().add_(1)
    assert lesson.detach_version == y._version == 1
    assert lesson.detach_error == raised(lambda: y.sum().backward())


def test_a_change_through_data_is_harmless_when_the_node_saved_something_else():
    lesson = inplace_lesson(X_TEXT, "square", "add")
    assert not lesson.data_grad_differs and lesson.detach_error is None
    torch.testing.assert_close(lesson.data_grad, 2 * X)


def test_a_leaf_refuses_the_change_and_takes_the_no_grad_update():
    lesson = inplace_lesson(X_TEXT, "square", "add")
    x = X.clone().requires_grad_()
    assert lesson.leaf_error == raised(lambda: x.add_(1))
    assert lesson.leaf_version == x._version == 0
    torch.testing.assert_close(lesson.update_grad, 2 * X)
    torch.testing.assert_close(lesson.updated_x, X - 0.1 * 2 * X)
    assert lesson.updated == (1, True, True)


def test_anomaly_mode_names_the_forward_line_and_is_off_again():
    lesson = inplace_lesson(X_TEXT, "exp", "add")
    frame = lesson.anomaly_frame
    assert (frame.file, frame.function, frame.code) == ("inplace.py", "_exp", "return x.exp()")
    (warning,) = lesson.anomaly_warnings
    assert issubclass(warning.kind, UserWarning) and lesson.node in warning.message
    assert f"version {lesson.versions[1]}" in lesson.anomaly_error
    assert not torch.is_anomaly_enabled()
    nothing = inplace_lesson(X_TEXT, "square", "add")
    assert nothing.anomaly_error is None and nothing.anomaly_frame is None


def test_a_number_has_no_entry_to_set_and_bad_x_is_an_input_error():
    with pytest.raises(InputError) as caught:
        inplace_lesson(X_TEXT, "sum", "index")
    assert caught.value.params == {"line": "y = x.sum()"}
    with pytest.raises(InputError) as caught:
        inplace_lesson("1, x")
    assert caught.value.code == "not_a_number"


def test_the_demonstrations_raise_what_the_lesson_shows():
    by_key = {demo.key: demo for demo in DEMONSTRATIONS}
    assert {(key, demo.page, demo.anchor) for key, demo in by_key.items()} == {
        ("inplace_saved", "inplace", "version"),
        ("inplace_leaf", "inplace", "leaf"),
    }
    lesson = inplace_lesson("1, 2, 3", "exp", "add")
    assert raised(by_key["inplace_saved"].run) == lesson.backward_error
    assert raised(by_key["inplace_leaf"].run) == lesson.leaf_error


# --- the page ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_shows_torchs_errors_and_both_gradients(language):
    at = open_page("inplace", language)
    at.text_input(key="inplace_x").set_value(X_TEXT).run()
    lesson = inplace_lesson(X_TEXT, "exp", "add", language)
    blocks = code_blocks(at)
    for error in (lesson.backward_error, lesson.leaf_error, lesson.anomaly_error):
        assert f"RuntimeError: {error}" in blocks
    assert keyed_codes(at, "inplace_result") == [str(lesson.data_grad), str(lesson.fixes[0].grad)]
    assert at.dataframe[0].value.index.tolist() == [
        name for name, _ in saved_of(X.clone().requires_grad_().exp())
    ]
    assert catalog(language)["inplace.data_wrong"] in texts(at)
    assert "return x.exp()" in blocks
    assert [s.proto.anchor for s in at.subheader if s.proto.anchor in ("version", "leaf")] == [
        "version",
        "leaf",
    ]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_bad_x_gets_its_message_and_the_page_comes_back(language):
    at = open_page("inplace", language)
    at.text_input(key="inplace_x").set_value("1, abc").run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith(catalog(language)["errors.not_a_number"].split("“")[0])
    at.text_input(key="inplace_x").set_value("1, 2").run()
    assert not at.error and not at.exception and at.dataframe


def test_a_link_sets_x_the_operation_and_the_change():
    params = {"x": "2, -1", "op": "sigmoid", "change": "index"}
    at = open_link("inplace", params)
    assert not at.exception and not at.error
    lesson = inplace_lesson("2, -1", "sigmoid", "index")
    assert f"RuntimeError: {lesson.backward_error}" in code_blocks(at)
    assert address(at) == {"lang": "en", **params}
    refused = open_link("inplace", {"op": "cos"})
    assert refused.selectbox(key="inplace_op").value == "exp" and len(refused.error) == 1


def test_setting_an_entry_of_a_number_gets_a_message_and_keeps_the_choices():
    at = open_link("inplace", {"op": "sum", "change": "index"}, "zh")
    assert not at.exception
    (error,) = at.error
    assert "y = x.sum()" in error.value and "y[0]" in error.value
    assert at.selectbox(key="inplace_op").value == "sum"
    at.radio(key="inplace_change").set_value("relu").run()
    shown = at.dataframe[0].value.index.tolist()
    assert not at.error and shown == [
        name for name, _ in saved_of(X.clone().requires_grad_().sum())
    ]
