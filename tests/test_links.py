"""A link for every lesson page: a teacher's link fills the inputs, the page shows what the
lesson computes for them, a bad value gets its message, and the address follows the page."""

import re

import pytest
import torch
from torch.autograd.functional import jacobian

from i18n import catalog
from lessons.accumulate import MAX_CALLS, accumulation_lesson
from lessons.edges import edges_lesson
from lessons.functions import NONSCALAR_FUNCTIONS, SCALAR_FUNCTIONS, VECTOR_FUNCTIONS
from lessons.gradcheck import DEFAULT_EXPONENT, STEP_EXPONENTS, gradcheck_lesson
from lessons.graph_reuse import graph_lesson
from lessons.jacobian import jacobian_lesson
from lessons.links import Link, choice_for, on_off, step_text
from lessons.nograd import nograd_lesson
from lessons.nonscalar import nonscalar_lesson
from lessons.parsing import InputError
from lessons.scalar import scalar_lesson
from lessons.vjp import VectorChoice, function_at_x, vjp_lesson
from tests.helpers import ROOT, address, keyed_codes, open_link
from ui.session import Translator
from ui.text import message as escaped_message

LANGUAGES = ("en", "zh")


def scalar_shows(language):
    lesson = scalar_lesson("0.5, -2, 3", "x_sin_x", language)
    return {"scalar_result": [lesson.y_printed, str(lesson.grad), str(lesson.expected)]}


def nonscalar_shows(language):
    lesson = nonscalar_lesson("1, -2, 0.5", "cumulative_sum", language)
    return {"nonscalar_full_jacobian": [str(lesson.jacobian)]}


def vjp_shows(language):
    at_x = function_at_x("2, -1, 3", "softmax")
    lesson = vjp_lesson(at_x, VectorChoice("one_hot", index=2), language)
    # And by torch directly: backward(e₂) gives row 2 of J.
    row = jacobian(lambda x: torch.softmax(x, dim=0), torch.tensor([2.0, -1.0, 3.0]))[1]
    torch.testing.assert_close(lesson.grad, row)
    return {"vjp_result": [str(lesson.v), str(lesson.grad)]}


def accumulate_shows(language):
    lesson = accumulation_lesson("0.5, -1", 4, language)
    assert len(lesson.after_each_call) == 4
    return {"accumulate_result": [str(grad) for grad in lesson.after_each_call]}


def jacobian_shows(language):
    lesson = jacobian_lesson("1, 2, 3", "softmax")
    return {"jacobian_result": [str(lesson.rows[1]), str(lesson.columns[1])]}


def graph_shows(language):
    lesson = graph_lesson("2, -1, 0.5", language)
    return {"graph_result": [str(lesson.first_grad), str(lesson.detached_grad)]}


def nograd_shows(language):
    cut = nograd_lesson("2, -1, 0.5", "tolist", language).causes[2]
    return {"nograd_cut_broken": ["\n".join(cut.broken.code), f"RuntimeError: {cut.broken.error}"]}


def gradcheck_shows(language):
    lesson = gradcheck_lesson("0.5, -1", "two_dot", 3, True, language)
    differences = [str(result.differences) for result in lesson.at_step]
    return {
        "gradcheck_differences": [str(lesson.grad), *differences],
        "gradcheck_result": [str(lesson.square_grad)],
    }


def edges_shows(language):
    lesson = edges_lesson("0, -2, 2", "clamp", language)
    masked = lesson.run("masked")
    ties = [block for tie in lesson.ties for block in ("\n".join(tie.run.code), str(tie.run.grad))]
    return {
        "edges_result": ["\n".join(masked.code), str(masked.value), str(masked.grad)],
        "edges_ties": ties,
    }


# Every parameter of every lesson page, set away from its default.
LINKS = {
    "scalar": ({"x": "0.5, -2, 3", "fn": "x_sin_x"}, scalar_shows),
    "nonscalar": ({"x": "1, -2, 0.5", "fn": "cumulative_sum"}, nonscalar_shows),
    "vjp": ({"x": "2, -1, 3", "fn": "softmax", "v": "e2"}, vjp_shows),
    "accumulate": ({"x": "0.5, -1", "calls": "4"}, accumulate_shows),
    "jacobian": ({"x": "1, 2, 3", "fn": "softmax", "step": "2"}, jacobian_shows),
    "graph": ({"x": "2, -1, 0.5"}, graph_shows),
    "nograd": ({"x": "2, -1, 0.5", "cut": "tolist"}, nograd_shows),
    "gradcheck": ({"x": "0.5, -1", "fn": "two_dot", "h": "1e-3", "bug": "on"}, gradcheck_shows),
    "edges": ({"x": "0, -2, 2", "kink": "clamp"}, edges_shows),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", LINKS)
def test_a_link_opens_the_lesson_for_its_inputs(page, language):
    params, lesson_shows = LINKS[page]
    at = open_link(page, params, language)
    assert not at.exception and not at.error
    assert at.title[0].value == catalog(language)[f"{page}.title"]
    assert at.text_input(key=f"{page}_x").value == params["x"]
    for key, blocks in lesson_shows(language).items():
        assert keyed_codes(at, key) == blocks
    assert address(at) == {"lang": language, **params}


def message(language: str, code: str, **params: str) -> str:
    return escaped_message(Translator(language), f"errors.{code}", **params)


def errors(at) -> list[str]:
    return [error.value for error in at.error]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bad_x_gets_the_message_typed_text_gets_and_keeps_the_other_inputs(language):
    at = open_link("scalar", {"x": "1, abc", "fn": "mean"}, language)
    assert not at.exception
    from_link = errors(at)
    assert from_link == [message(language, "not_a_number", entry="abc")]
    assert at.radio(key="scalar_fn").value == "mean"
    at.text_input(key="scalar_x").set_value("1, 3").run()
    assert not at.error
    assert keyed_codes(at, "scalar_result")[1] == str(scalar_lesson("1, 3", "mean").grad)
    at.text_input(key="scalar_x").set_value("1, abc").run()
    assert errors(at) == from_link
    assert address(at) == {"lang": language, "x": "1, abc", "fn": "mean"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_function_gets_a_message_and_the_default(language):
    at = open_link("vjp", {"x": "2, -1, 3", "fn": "cube", "v": "e2"}, language)
    assert not at.exception
    names = ", ".join(VECTOR_FUNCTIONS)
    refusal = message(
        language, "link_value_list", name="fn", value="cube", choices=names, current="square"
    )
    assert errors(at) == [refusal]
    lesson = vjp_lesson(function_at_x("2, -1, 3", "square"), VectorChoice("one_hot", index=2))
    assert keyed_codes(at, "vjp_result") == [str(lesson.v), str(lesson.grad)]
    assert address(at)["fn"] == "square"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bad_v_gets_its_message_and_the_page_keeps_x_and_fn(language):
    at = open_link("vjp", {"x": "2, -1, 3", "fn": "sine", "v": "1, 2"}, language)
    assert not at.exception
    assert errors(at) == [message(language, "v_length", length="2", m="3")]
    assert at.radio(key="vjp_preset").value == "typed"
    assert at.text_input(key="vjp_v").value == "1, 2"
    # y and its Jacobian do not depend on v: they are on screen for the link's x and fn.
    assert keyed_codes(at, "vjp_y") == [function_at_x("2, -1, 3", "sine").y_printed]

    at = open_link("vjp", {"x": "2, -1, 3", "fn": "sine", "v": "e9"}, language)
    assert not at.exception
    assert errors(at) == [message(language, "index_out_of_range", index="9", m="3")]
    assert at.radio(key="vjp_preset").value == "ones"
    assert at.radio(key="vjp_fn").value == "sine"
    assert address(at)["v"] == "ones"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_step_out_of_range_gets_a_message_and_the_page_keeps_working(language):
    at = open_link("jacobian", {"x": "1, 2", "fn": "softmax", "step": "99"}, language)
    assert not at.exception
    refusal = message(
        language, "link_value_list", name="step", value="99", choices="0, 1, 2", current="1"
    )
    assert errors(at) == [refusal]
    lesson = jacobian_lesson("1, 2", "softmax")
    assert keyed_codes(at, "jacobian_result") == [str(lesson.rows[0]), str(lesson.columns[0])]
    assert address(at) == {"lang": language, "x": "1, 2", "fn": "softmax", "step": "1"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_bad_calls_h_and_bug_get_messages_and_keep_x(language):
    at = open_link("accumulate", {"x": "0.5, -1", "calls": "two"}, language)
    assert not at.exception
    range_of_calls = {"choices": ", ".join(map(str, range(1, MAX_CALLS + 1))), "current": "2"}
    assert errors(at) == [
        message(language, "link_value_list", name="calls", value="two", **range_of_calls)
    ]
    assert len(keyed_codes(at, "accumulate_result")) == 2

    at = open_link("gradcheck", {"x": "0.5, -1", "h": "0.001", "bug": "yes"}, language)
    assert not at.exception
    assert errors(at) == [
        message(
            language,
            "link_value_range",
            name="h",
            value="0.001",
            low=step_text(STEP_EXPONENTS[0]),
            high=step_text(STEP_EXPONENTS[-1]),
            current=step_text(DEFAULT_EXPONENT),
        ),
        message(
            language, "link_value_list", name="bug", value="yes", choices="off, on", current="off"
        ),
    ]
    lesson = gradcheck_lesson("0.5, -1", "x_sin_x", DEFAULT_EXPONENT, False)
    assert keyed_codes(at, "gradcheck_result") == [str(lesson.square_grad)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_address_follows_edits_and_the_link_is_read_once(language):
    at = open_link("nonscalar", {"x": "1, 2", "fn": "sine"}, language)
    assert at.text_input(key="nonscalar_x").value == "1, 2"
    at.text_input(key="nonscalar_x").set_value("4, 5, 6").run()
    at.radio(key="nonscalar_fn").set_value("square").run()
    assert address(at) == {"lang": language, "x": "4, 5, 6", "fn": "square"}
    at.query_params["x"] = "7"  # a later run does not read the link again
    at.run()
    assert at.text_input(key="nonscalar_x").value == "4, 5, 6"
    lesson = nonscalar_lesson("4, 5, 6", "square", language)
    assert keyed_codes(at, "nonscalar_full_jacobian") == [str(lesson.jacobian)]
    assert address(at)["x"] == "4, 5, 6"


def test_a_link_spells_each_value_one_way():
    calls = Link("calls", range(1, 6))
    assert calls.offers("3") and calls.value_of("3") == 3
    assert not calls.offers("03") and not calls.offers("3.0")
    refusal = calls.refusal("9", 2)
    assert (refusal.code, refusal.params["choices"]) == ("link_value_list", "1, 2, 3, 4, 5")
    h = Link("h", tuple(range(1, 15)), step_text)
    assert h.value_of("1e-6") == 6 and not h.offers("1e-15")
    assert h.refusal("x" * 50, 6).params == {
        "name": "h",
        "value": "x" * 20 + "…",  # a long value is quoted short
        "current": "1e-6",
        "low": "1e-1",
        "high": "1e-14",
    }
    bug = Link("bug", (False, True), on_off)
    assert bug.value_of("on") is True and bug.value_of("off") is False
    assert Link("x").offers("anything at all") and Link("x").value_of("1, abc") == "1, abc"


def test_a_one_hot_v_past_the_end_of_y_is_refused():
    assert choice_for("e3", 3) == VectorChoice("one_hot", index=3)
    assert choice_for("1, 2", 3) == VectorChoice("typed", text="1, 2")  # checked as typed
    with pytest.raises(InputError) as caught:
        choice_for("e4", 3)
    assert (caught.value.code, caught.value.params) == ("index_out_of_range", {"index": 4, "m": 3})


@pytest.mark.parametrize(
    ("page", "names"),
    [("scalar", SCALAR_FUNCTIONS), ("nonscalar", NONSCALAR_FUNCTIONS), ("vjp", VECTOR_FUNCTIONS)],
)
def test_the_readme_lists_the_functions_a_link_can_name(page, names):
    readme = (ROOT / "README.md").read_text()
    (row,) = [line for line in readme.splitlines() if line.startswith(f"| `/{page}` |")]
    listed = row.split("`fn` =")[1].split(";")[0]
    assert re.findall(r"`(\w+)`", listed) == list(names)
