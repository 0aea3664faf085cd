"""The lesson on missing gradients: every cause's outcome asked of this torch directly,
every fix against a gradient derived by hand, the demonstrations the error finder runs,
then the page through AppTest."""

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from i18n import catalog
from lessons.nograd import BIAS, CUTS, DEMONSTRATIONS, nograd_lesson
from lessons.parsing import InputError
from tests.helpers import code_blocks, keyed_codes, open_link, open_page, texts
from tests.test_properties import any_text, result_or_readable_error
from ui.navigation import LESSONS
from ui.session import Translator
from ui.text import message

X = torch.tensor([1.0, -2.0, 0.5])
X_TEXT = "1, -2, 0.5"


def raised(statement) -> str:
    with pytest.raises(RuntimeError) as caught:
        statement()
    return str(caught.value)


def recorded(action) -> tuple[object, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    return result, caught


def causes(x_text: str = X_TEXT, cut: str = "detach", language: str = "en") -> dict:
    return {cause.key: cause for cause in nograd_lesson(x_text, cut, language).causes}


def shown(attempt) -> dict[str, object]:
    return {item.label: item.value for item in attempt.shown if item.label}


def leaf(values=X) -> torch.Tensor:
    return values.clone().requires_grad_()


def no_graph_error() -> str:
    """What this torch says to backward() on a loss made without a graph, asked here."""
    return raised((X * X).sum().backward)


def test_forgotten_requires_grad_raises_and_the_fix_gives_2x():
    cause = causes()["forgotten"]
    assert cause.anchor == "causes"
    assert cause.broken.tried and cause.broken.error == no_graph_error()
    assert cause.broken.code[-1] == "loss.backward()"
    torch.testing.assert_close(shown(cause.fixed)["x.grad ="], 2 * X, rtol=0, atol=0)
    assert cause.fix_agrees


def test_a_loss_computed_under_no_grad_raises_the_same_error():
    x = leaf()
    with torch.no_grad():
        loss = (x * x).sum()
    cause = causes()["no_grad"]
    assert cause.broken.error == raised(loss.backward) == no_graph_error()
    assert "with torch.no_grad():" in cause.broken.code
    torch.testing.assert_close(shown(cause.fixed)["x.grad ="], 2 * X, rtol=0, atol=0)


# Each cut written out here, independently of the lesson's table of them.
CUT_HERE = {
    "detach": lambda x: (x * x).detach().sum(),
    "item": lambda x: torch.tensor((x * x).sum().item()),
    "tolist": lambda x: torch.tensor((x * x).tolist()).sum(),
    "tensor": lambda x: torch.tensor(x * x).sum(),
}


@pytest.mark.parametrize("cut", CUT_HERE)
def test_every_cut_raises_torchs_error_and_only_torch_tensor_warns(cut):
    loss, warned = recorded(lambda: CUT_HERE[cut](leaf()))
    assert torch.equal(loss, (X * X).sum())  # the right value, without the graph
    cause = causes(cut=cut)["cut"]
    assert cause.broken.error == raised(loss.backward)
    assert CUTS[cut][0] in cause.broken.code
    lesson_warnings = [w for item in cause.broken.shown for w in item.warnings]
    assert [(w.kind, w.message) for w in lesson_warnings] == [
        (w.category, str(w.message)) for w in warned
    ]
    assert bool(warned) == (cut == "tensor")
    assert cause.broken.error == no_graph_error()  # the same error for every cut
    torch.testing.assert_close(shown(cause.fixed)["x.grad ="], 2 * X, rtol=0, atol=0)


def test_an_integer_tensor_is_refused_as_integer_literals_are():
    cause = causes()["integer"]
    # Integer literals, as learners write them, get the same refusal as the explicit dtype.
    assert cause.broken.error == raised(lambda: torch.tensor([1, -2, 0], requires_grad=True))
    assert cause.broken.code == (
        "x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.int64, requires_grad=True)",
    )
    fixed = shown(cause.fixed)["x.grad ="]
    assert fixed.dtype == torch.float32
    torch.testing.assert_close(fixed, 2 * X, rtol=0, atol=0)


def test_a_conversion_after_requires_grad_leaves_a_nonleaf_whose_grad_is_none():
    x = leaf().to(torch.float64)
    (x * x).sum().backward()
    grad, warned = recorded(lambda: x.grad)
    assert grad is None and not x.is_leaf
    (expected,) = warned
    cause = causes()["nonleaf"]
    assert not cause.broken.tried
    grads = [item for item in cause.broken.shown if item.label == "x.grad ="]
    assert [item.value for item in grads] == [None, None]  # after .to() and after * 1
    for item in grads:
        (warning,) = item.warnings
        assert (warning.kind, warning.message) == (expected.category, str(expected.message))
        assert issubclass(warning.kind, UserWarning)
    assert [item.value for item in cause.broken.shown if item.label == "x.is_leaf ="] == [
        False,
        False,
    ]
    fixed = shown(cause.fixed)
    assert fixed["x.is_leaf ="] is True
    torch.testing.assert_close(fixed["x.grad ="], 2 * X.double(), rtol=0, atol=0)


def test_loss_requires_grad_hides_the_error_and_no_weight_gets_a_gradient():
    w, b = leaf(), torch.tensor(BIAS, requires_grad=True)
    with torch.no_grad():
        loss = (w * w).sum() + b
    loss.requires_grad = True
    loss.backward()  # no error: that is the trap
    assert w.grad is None and b.grad is None
    cause = causes()["hidden"]
    assert cause.broken.tried and cause.broken.error is None
    assert shown(cause.broken) == {"w.grad =": None, "b.grad =": None}
    fixed = shown(cause.fixed)
    # loss = Σ wⱼ² + b: ∂loss/∂w = 2w, ∂loss/∂b = 1
    torch.testing.assert_close(fixed["w.grad ="], 2 * X, rtol=0, atol=0)
    assert fixed["b.grad ="].item() == 1.0


def test_an_inference_tensor_in_training_raises_and_a_clone_fixes_it():
    with torch.inference_mode():
        data = X.clone()
    w = torch.ones(3, requires_grad=True)
    cause = causes()["inference"]
    assert cause.broken.error == raised(lambda: w * data)
    # ∂(Σ wⱼ dataⱼ)/∂w = data
    torch.testing.assert_close(shown(cause.fixed)["w.grad ="], X, rtol=0, atol=0)


def test_numpy_on_a_tensor_that_requires_grad_raises_and_detach_reads_the_values():
    cause = causes()["numpy"]
    assert cause.broken.error == raised(leaf().numpy)
    array = shown(cause.fixed)["x.detach().numpy() ="]
    np.testing.assert_array_equal(array, np.array([1.0, -2.0, 0.5], dtype=np.float32))


def test_every_fix_agrees_with_the_hand_derived_result_on_other_inputs():
    for cut in CUTS:
        lesson = nograd_lesson("3, 0, -1e3, 0.25", cut)
        assert all(cause.fix_agrees for cause in lesson.causes)


@pytest.mark.parametrize(("text", "code"), [("", "empty"), ("1, x", "not_a_number")])
def test_bad_x_is_an_input_error(text, code):
    with pytest.raises(InputError) as caught:
        nograd_lesson(text)
    assert caught.value.code == code


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.sampled_from(sorted(CUTS)))
def test_nograd_lesson_on_anything(text, cut):
    lesson = result_or_readable_error(nograd_lesson, text, cut)
    if lesson is not None:
        assert all(cause.fix_agrees for cause in lesson.causes)
        raising = [cause.key for cause in lesson.causes if cause.broken.error is not None]
        assert raising == ["forgotten", "no_grad", "cut", "integer", "inference", "numpy"]


def warnings_per_cause(cut: str) -> list[int]:
    lesson = nograd_lesson("1, 2", cut)
    return [sum(len(item.warnings) for item in cause.broken.shown) for cause in lesson.causes]


def test_each_session_catches_its_own_warnings_while_others_run():
    """Sessions are threads of one process, and warnings are process-wide state."""
    expected = {cut: warnings_per_cause(cut) for cut in ("tensor", "detach")}
    cuts = ["tensor", "detach"] * 12
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(warnings_per_cause, cuts))
    assert counts == [expected[cut] for cut in cuts]
    assert expected["tensor"][2] == 1 and expected["detach"][2] == 0


# --- the demonstrations the error finder runs -------------------------------------------

EXPECTED_DEMONSTRATIONS = {
    "no_grad_fn": ("nograd", "causes"),
    "integer_grad": ("nograd", "integer"),
    "inference_saved": ("nograd", "inference"),
    "numpy_grad": ("nograd", "numpy"),
}


def test_demonstrations_have_the_contracts_keys_pages_and_anchors():
    assert {d.key: (d.page, d.anchor) for d in DEMONSTRATIONS} == EXPECTED_DEMONSTRATIONS
    assert "nograd" in [lesson.name for lesson in LESSONS]


def test_each_demonstration_raises_what_the_lesson_shows_at_its_anchor():
    by_anchor = {cause.anchor: cause.broken.error for cause in nograd_lesson("1, 2, 3").causes}
    for demonstration in DEMONSTRATIONS:
        assert raised(demonstration.run) == by_anchor[demonstration.anchor]


def test_the_no_grad_fn_demonstration_is_the_error_torch_gives_any_loss_without_a_graph():
    (demonstration,) = [d for d in DEMONSTRATIONS if d.key == "no_grad_fn"]
    assert raised(demonstration.run) == no_graph_error()


# --- the page ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_shows_every_error_none_and_fix_in_both_languages(language):
    at = open_page("nograd", language)
    at.text_input(key="nograd_x").set_value(X_TEXT).run()
    assert not at.exception and not at.error
    lesson = nograd_lesson(X_TEXT, "detach", language)
    blocks = code_blocks(at)
    for cause in lesson.causes:
        if cause.broken.error is not None:
            assert f"RuntimeError: {cause.broken.error}" in blocks
        assert keyed_codes(at, f"nograd_{cause.key}_fixed")[1:] == [
            str(item.value) for item in cause.fixed.shown
        ]
    words = catalog(language)
    assert words["nograd.hidden_agrees"] in texts(at)
    assert words["common.no_error"] in texts(at)  # the hidden error
    anchors = [heading.proto.anchor for heading in at.subheader]
    for demonstration in DEMONSTRATIONS:
        assert demonstration.anchor in anchors
    table = at.dataframe[0].value
    assert list(table.index) == [words[f"nograd.{c.key}_short"] for c in lesson.causes]
    outcomes = table[words["nograd.column_outcome"]].tolist()
    assert outcomes[0] == f"RuntimeError: {no_graph_error()}"
    assert outcomes[5] == "; ".join([words["nograd.no_error"], "w.grad = None", "b.grad = None"])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_bad_x_gets_its_message_and_keeps_the_cut(language):
    at = open_page("nograd", language)
    at.selectbox(key="nograd_cut").set_value("tolist").run()
    at.text_input(key="nograd_x").set_value("1, zwei").run()
    assert not at.exception
    expected = message(Translator(language), "errors.not_a_number", entry="zwei")
    assert [error.value for error in at.error] == [expected]
    assert at.selectbox(key="nograd_cut").value == "tolist"
    at.text_input(key="nograd_x").set_value("4, 5").run()
    assert not at.error
    cut = nograd_lesson("4, 5", "tolist", language).causes[2]
    assert keyed_codes(at, "nograd_cut_broken")[0] == "\n".join(cut.broken.code)


def test_a_link_with_an_unknown_cut_says_so_and_keeps_the_default():
    at = open_link("nograd", {"x": "1, 2", "cut": "numpy"})
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith(catalog("en")["errors.link_value_list"].split("{")[0])
    assert at.selectbox(key="nograd_cut").value == "detach"
    assert at.text_input(key="nograd_x").value == "1, 2"


def test_the_page_shows_torchs_warning_about_torch_tensor_before_the_error():
    at = open_page("nograd", "zh")
    at.selectbox(key="nograd_cut").set_value("tensor").run()
    _, (warning,) = recorded(lambda: CUT_HERE["tensor"](leaf()))
    assert keyed_codes(at, "nograd_cut_broken") == [
        "\n".join(
            (
                "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)",
                CUTS["tensor"][0],
                "loss.backward()",
            )
        ),
        f"{warning.category.__name__}: {warning.message}",
        f"RuntimeError: {no_graph_error()}",
    ]
    assert catalog("zh")["nograd.torch_warned"] in texts(at)
