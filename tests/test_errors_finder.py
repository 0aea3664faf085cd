"""The error finder: pasted errors, written here by hand, against what the lessons raise live."""

import re
from dataclasses import replace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from i18n import MISSING_MARK, catalog
from lessons import edges
from lessons.demonstrations import Demonstration
from lessons.errors import (
    DEMONSTRATING_LESSONS,
    MAX_PASTE,
    find,
    find_errors,
    known_errors,
    learn,
)
from lessons.parsing import InputError
from tests.helpers import address, keyed_contents, open_link, open_page, texts
from ui.navigation import lesson_page
from ui.session import Translator
from ui.text import message

TRACEBACK_START = (
    "Traceback (most recent call last):\n"
    '  File "/home/ana/project/train.py", line 88, in <module>\n'
    "    loss.backward()\n"
    '  File "/usr/lib/python3.10/site-packages/torch/_tensor.py", line 522, in backward\n'
    "    torch.autograd.backward(\n"
)
TRACEBACK_END = "\n\nProcess finished with exit code 1\n"

# Messages as other programs, devices, platforms and torch versions print them.
VARIANTS = [
    (
        "nonscalar_backward",
        TRACEBACK_START
        + "RuntimeError: grad can be implicitly created only for scalar outputs"
        + TRACEBACK_END,
        "only for scalar outputs",
    ),
    (
        "v_shape_mismatch",
        "RuntimeError: Mismatch in shape: grad_output[1] has a shape of torch.Size([2, 5]) "
        "and output[1] has a shape of torch.Size([10]).",
        "has a shape of torch.Size([10])",
    ),
    (
        "second_backward",
        TRACEBACK_START + "RuntimeError: Trying to backward through the graph a second time, "
        "but the saved intermediate results have already been freed. Specify "
        "retain_graph=True when calling backward the first time.",
        "the graph a second time",
    ),
    (
        "second_backward",
        "RuntimeError: Trying to backward through the graph a second time (or directly access "
        "saved tensors after they have already been freed). Saved intermediate values of the "
        "graph are freed when you call .backward() or autograd.grad(). Specify "
        "retain_graph=True if you need to backward through the graph a second time or if you "
        "need to access saved tensors after calling backward.",
        "after calling backward",
    ),
    (
        "nonleaf_grad",
        r"C:\Users\ana\Desktop\lab\run.py:14: UserWarning: The .grad attribute of a Tensor that "
        "is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during "
        "autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
        "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
        "by mistake, make sure you access the leaf Tensor instead. See "
        "github.com/pytorch/pytorch/pull/30531 for more information. (Triggered internally at "
        r"C:\actions-runner\_work\pytorch\pytorch\builder\windows\pytorch\build\aten\src"
        r"\ATen/core/TensorBody.h:494.)" + "\n  print(hidden.grad)",
        r"ATen/core/TensorBody.h:494",
    ),
    (
        "nonleaf_grad",
        "UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being "
        "accessed. Its .grad attribute won't be populated during autograd.backward(). If you "
        "indeed want the gradient for a non-leaf Tensor, use .retain_grad() on the non-leaf "
        "Tensor.",
        "won't be populated during autograd.backward",
    ),
    (
        "inplace_saved",
        TRACEBACK_START + "RuntimeError: one of the variables needed for gradient computation "
        "has been modified by an inplace operation: [torch.cuda.FloatTensor [64, 1]], which is "
        "output 0 of AsStridedBackward0, is at version 3; expected version 2 instead. Hint: the "
        "backtrace further above shows the operation that failed to compute its gradient. The "
        "variable in question was changed in there or anywhere later. Good luck!" + TRACEBACK_END,
        "output 0 of AsStridedBackward0, is at version 3; expected version 2 instead",
    ),
    (
        "inplace_saved",
        "RuntimeError: one of the variables needed for gradient computation has been modified "
        "by an inplace operation: [torch.FloatTensor [10, 10]] is at version 1; expected "
        "version 0 instead.",
        "inplace operation",
    ),
    (
        "inplace_leaf",
        "RuntimeError: a leaf Variable that requires grad has been used in an in-place operation.",
        "a leaf Variable that requires grad",
    ),
    (
        "no_grad_fn",
        TRACEBACK_START
        + "RuntimeError: element 1 of tensors does not require grad and does not have a grad_fn",
        "does not have a grad_fn",
    ),
    (
        "integer_grad",
        "RuntimeError: Only Tensors of floating point dtype can require gradients",
        "Only Tensors of floating point",
    ),
    (
        "inference_saved",
        "RuntimeError: Inference tensors cannot be saved for backward. To work around you can "
        "make a clone to get a normal tensor and use it in autograd." + TRACEBACK_END,
        "cannot be saved for backward",
    ),
    (
        "numpy_grad",
        "RuntimeError: Can't call numpy() on Variable that requires grad. Use var.detach().numpy() "
        "instead.",
        "Can't call numpy() on",
    ),
    (
        "anomaly_nan",
        TRACEBACK_START + "RuntimeError: Function 'DivBackward0' returned nan values in its 1th "
        "output." + TRACEBACK_END,
        "returned nan values in its 1th output",
    ),
]

# torch errors that are not autograd's, and text that only looks like an error.
UNKNOWN = [
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a "
    "total capacity of 3.81 GiB of which 12.56 MiB is free.",
    TRACEBACK_START + "RuntimeError: mat1 and mat2 shapes cannot be multiplied (64x100 and 10x1)",
    "RuntimeError: Expected all tensors to be on the same device, but found at least two "
    "devices, cuda:0 and cpu!",
    "ValueError: too many values to unpack (expected 2)",
    "One of the variables in my model is always nan, can you help?",
    "grad can be",
]


@pytest.mark.parametrize(("key", "pasted", "matched"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_hand_written_variants_find_their_error(key, pasted, matched):
    (finding,) = find_errors(pasted)
    assert finding.known.key == key
    assert matched in finding.pasted
    assert pasted[finding.position :].startswith(finding.pasted)


@settings(max_examples=60, deadline=None)
@given(
    before=st.text(max_size=300),
    after=st.text(max_size=300),
    variant=st.sampled_from(VARIANTS),
)
def test_whatever_surrounds_a_message_on_its_own_lines_it_is_found(before, after, variant):
    key, message_text, matched = variant
    findings = find_errors(f"{before}\n{message_text}\n{after}")
    assert [finding.known.key for finding in findings] == [key]
    assert matched in findings[0].pasted


@pytest.mark.parametrize("pasted", UNKNOWN)
def test_errors_the_lessons_do_not_raise_are_unknown(pasted):
    assert find_errors(pasted) == ()


def test_a_paste_with_two_known_errors_finds_both_in_order():
    pasted = VARIANTS[4][1] + "\n" + VARIANTS[2][1]
    assert [finding.known.key for finding in find_errors(pasted)] == [
        "nonleaf_grad",
        "second_backward",
    ]


def raised_here(run) -> str:
    with pytest.raises(Exception) as caught:
        run()
    return f"{type(caught.value).__name__}: {caught.value}"


def test_the_finder_knows_every_demonstration_by_what_it_raises_now():
    demonstrations = [d for lesson in DEMONSTRATING_LESSONS for d in lesson.DEMONSTRATIONS]
    assert [known.key for known in known_errors()] == [d.key for d in demonstrations]
    for known, demonstration in zip(known_errors(), demonstrations, strict=True):
        if demonstration.key != "nonleaf_grad":  # a warning, not an exception
            assert known.label == raised_here(demonstration.run)
        # What torch says here is itself found, from start to end.
        (finding,) = find_errors(known.label)
        assert finding.known == known
        said = known.label.split(": ", 1)[1]
        assert said.startswith(finding.pasted)
        assert re.fullmatch(r"\W*", said.removeprefix(finding.pasted))  # all but a last "."


def test_the_nonleaf_warning_is_learned_from_torchs_warning():
    (known,) = [known for known in known_errors() if known.key == "nonleaf_grad"]
    assert known.label.startswith("UserWarning: The .grad attribute of a Tensor that is not")
    assert re.search(r"\.h:\d+\.\)$", known.label)  # torch's own file name and line


def mismatch_of(length: int, v_shape: tuple[int, ...]) -> Demonstration:
    def run() -> None:
        (torch.ones(length, requires_grad=True) * 2).backward(torch.ones(v_shape))

    return Demonstration("v_shape_mismatch", "vjp", "wrong_v", run)


@pytest.mark.parametrize(("length", "v_shape"), [(3, (4,)), (6, (2, 3)), (1, (5, 5))])
def test_patterns_come_from_the_demonstration_whatever_its_shapes(length, v_shape):
    known = learn(mismatch_of(length, v_shape))
    assert f"torch.Size([{length}])" in known.label
    # Another program's shapes, matched through to the end of the message.
    finding = find(known, VARIANTS[1][1])
    assert finding.pasted.endswith("output[1] has a shape of torch.Size([10])")


def test_patterns_come_from_what_the_demonstration_raises_not_from_the_finder():
    def run() -> None:
        raise RuntimeError("frobnicating the widget failed after 42 tries at /tmp/w.py:7")

    known = learn(Demonstration("made_up", "graph", "twice", run))
    pasted = r"RuntimeError: frobnicating the widget failed after 3 tries at C:\x\w.py:12"
    assert find(known, pasted).pasted == pasted.removeprefix("RuntimeError: ")
    assert find(known, "frobnicating the gadget failed") is None


def test_a_demonstration_that_raises_nothing_teaches_nothing():
    assert learn(Demonstration("quiet", "graph", "twice", lambda: None)) is None


def test_the_finder_works_without_a_demonstration_that_could_not_run(monkeypatch):
    """The anomaly step's separate Python failing (a broken server) leaves the others."""
    not_run = replace(edges.anomaly_run(), error=None, warning=None, ran=False)
    monkeypatch.setattr(edges, "anomaly_run", lambda: not_run)
    known_errors.cache_clear()
    try:
        keys = [known.key for known in known_errors()]
        assert "anomaly_nan" not in keys and "nonleaf_grad" in keys
    finally:
        known_errors.cache_clear()


def test_the_paste_has_a_length_limit():
    assert find_errors(" " * MAX_PASTE) == ()
    with pytest.raises(InputError) as refused:
        find_errors("x" * (MAX_PASTE + 1))
    assert refused.value.params == {"chars": MAX_PASTE + 1, "limit": MAX_PASTE}


def test_patterns_for_pasted_text_repeat_only_a_bounded_number_of_times():
    for known in known_errors():
        for pattern in (known.start, *known.rest):
            assert not re.search(r"(?<!\\)[*+]|\{\d*,\}", pattern.pattern), pattern.pattern


ADVERSARIAL = [
    "element 0 of tensors does " * 760,
    "one of the variables " * 950,
    "Mismatch in shape: grad[" + "0, " * 6600,
    "[torch." * 2800,
    "a leaf " + "_" * 19_990,
    "C:" + "\\a" * 9990,
    "0" * MAX_PASTE,
]


@pytest.mark.parametrize("pasted", ADVERSARIAL, ids=lambda text: text[:12])
def test_long_adversarial_pastes_are_read_through_and_found_unknown(pasted):
    assert len(pasted) <= MAX_PASTE
    assert find_errors(pasted) == ()
    # The same text with a real message at its very end is still found.
    tail = VARIANTS[9][1].rsplit("\n", 1)[1]
    (finding,) = find_errors(pasted[: MAX_PASTE - len(tail) - 1] + "\n" + tail)
    assert finding.known.key == "no_grad_fn"


# --- the page -------------------------------------------------------------------------------


def test_every_demonstration_names_a_step_anchor_of_its_page():
    anchors: dict[str, list[str]] = {}  # each lesson page opened once, however many errors
    for known in known_errors():
        lesson = lesson_page(known.page)
        if lesson is None:  # a lesson not merged into this app yet
            continue
        if lesson.name not in anchors:
            anchors[lesson.name] = [h.proto.anchor for h in open_page(lesson.name).subheader]
        assert known.anchor in anchors[lesson.name], known.key


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_link_opens_the_finding_with_its_lesson(language):
    pasted = VARIANTS[2][1]
    at = open_link("errors", {"q": pasted}, language)
    words = catalog(language)
    assert not at.exception and not at.error
    assert at.title[0].value == words["errors_finder.title"]
    shown = keyed_contents(at, "errors_found_second_backward")
    assert words["errors_finder.second_backward"] in shown
    t = Translator(language)
    assert (
        message(
            t, "errors_finder.you_pasted", text="Trying to backward through the graph a second time"
        )
        in shown
    )
    (known,) = [known for known in known_errors() if known.key == "second_backward"]
    assert known.label in shown
    links = [
        (link.proto.page, link.proto.label, link.proto.query_string) for link in at.get("page_link")
    ]
    graph_title = words["nav.graph"]
    label = words["errors_finder.open"].format(lesson=graph_title)
    assert links == [("graph", label, f"at={known.anchor}")]
    assert address(at)["q"] == pasted
    assert MISSING_MARK.format(key="")[0] not in texts(at)


def test_typing_in_the_box_finds_the_error_and_writes_the_address():
    at = open_page("errors")
    assert [info.value for info in at.info][-1] == catalog("en")["errors_finder.empty"]
    at.text_area(key="errors_q").set_value(VARIANTS[6][1]).run()
    assert keyed_contents(at, "errors_found_inplace_saved")
    assert address(at)["q"] == VARIANTS[6][1]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_unknown_error_gets_no_guess_and_the_list_of_known_ones(language):
    at = open_link("errors", {"q": UNKNOWN[1]}, language)
    words = catalog(language)
    assert [warning.value for warning in at.warning] == [words["errors_finder.unknown"]]
    assert not at.get("page_link") and not at.success
    listed = texts(at)
    assert all(known.headline in listed for known in known_errors())


def test_a_too_long_link_gets_its_message_and_the_page_goes_on():
    at = open_link("errors", {"q": "x" * (MAX_PASTE + 5)})
    assert not at.exception
    refusal = message(
        Translator("en"), "errors.paste_too_long", chars=MAX_PASTE + 5, limit=MAX_PASTE
    )
    assert [error.value for error in at.error] == [refusal]
    assert f"{MAX_PASTE + 5} characters" in refusal
    at.text_area(key="errors_q").set_value(VARIANTS[0][1]).run()
    assert not at.error and keyed_contents(at, "errors_found_nonscalar_backward")


def test_an_empty_or_blank_box_asks_for_an_error():
    at = open_link("errors", {"q": "  \n\t "})
    assert not at.error and not at.warning
    assert [info.value for info in at.info][-1] == catalog("en")["errors_finder.empty"]


def test_markup_in_the_matched_paste_is_shown_as_text():
    pasted = (
        "UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being "
        "accessed. Its .grad attribute won't be populated during autograd.backward(). If you "
        "indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() "
        "on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you "
        "access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more "
        "information. (Triggered internally at /x/`**$a$**`[y]:red[z]/T.h:4.)"
    )
    (finding,) = find_errors(pasted)
    assert "`**$a$**`[y]:red[z]/T.h:4" in finding.pasted
    at = open_link("errors", {"q": pasted})
    shown = keyed_contents(at, "errors_found_nonleaf_grad")
    expected = message(Translator("en"), "errors_finder.you_pasted", text=finding.pasted)
    assert expected in shown
    assert "``" in expected  # the span is fenced by more backticks than it holds


def sidebar_scripts(at) -> list[str]:
    return [element.proto.body for element in at.sidebar.get("html")]


@pytest.mark.parametrize("known", known_errors(), ids=lambda known: known.key)
def test_a_link_to_a_step_scrolls_its_lesson_there_once(known):
    at = open_page(known.page)
    at.query_params["at"] = known.anchor  # as the finder's page_link opens the lesson
    at.run()
    assert not at.exception and not at.error
    (script,) = [body for body in sidebar_scripts(at) if "scrollIntoView" in body]
    assert f'getElementById("{known.anchor}")' in script
    # The subheader the script looks for is on the page, under that anchor.
    assert known.anchor in [heading.proto.anchor for heading in at.subheader]
    assert "at" not in address(at)  # later reruns stay where the learner is
    at.run()
    assert not [body for body in sidebar_scripts(at) if "scrollIntoView" in body]


def test_a_link_to_an_unknown_step_runs_no_script():
    at = open_page("graph")
    at.query_params["at"] = '");alert(1);("'
    at.run()
    assert not at.exception
    assert not [body for body in sidebar_scripts(at) if "scrollIntoView" in body]
    assert "at" not in address(at)
