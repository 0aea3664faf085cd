"""The exercises on the lesson pages through AppTest: verdicts, messages, progress, reset.

Each exercise box is a fragment. AppTest reruns the whole script for every interaction
(it sends no fragment ids), except when a callback asks for named fragments: the first
right answer of a task reruns its box and the sidebar's progress only, and the tree then
holds those two alone. The tests redraw the whole page (`at.run()`), as the browser keeps
showing it, before they touch another box.
"""

import re

import pytest
import torch

from i18n import catalog
from lessons.practice.exercises import EXERCISES, answer, judge, program, shown_answer
from tests.helpers import (
    LESSON_PAGES,
    PRACTICE_PAGES,
    code_blocks,
    decode,
    element_parts,
    keyed_codes,
    keyed_contents,
    open_page,
    plotly_specs,
)
from ui.exercises import MARKS, verdict_message
from ui.practice import TASKS
from ui.session import Translator


def typed_right(exercise) -> str:
    value = answer(exercise)
    if isinstance(value, torch.Tensor):
        return " ".join(f"{entry:.6g}" for entry in value.tolist())
    return ", ".join(str(size) for size in value) if isinstance(value, tuple) else str(value)


def typed_wrong(exercise) -> str:
    value = answer(exercise)
    if exercise.kind == "choice":
        return next(option for option in exercise.options if option != value)
    if isinstance(value, torch.Tensor):
        return " ".join(f"{entry + 1:.6g}" for entry in value.tolist())
    if exercise.kind == "number":
        return str(value + 1)
    return ", ".join(str(size + 1) for size in value)


def lesson_text_inputs(at) -> dict[str, str]:
    return {box.key: box.value for box in at.text_input if not box.key.endswith("_answer")}


def answer_and_check(at, exercise, text):
    key = f"{exercise.key}_answer"
    widget = at.radio(key=key) if exercise.kind == "choice" else at.text_input(key=key)
    widget.set_value(text).run()
    return at.button(key=f"{exercise.key}_check").click().run()


def progress(at) -> list[str]:
    return [bar.proto.text for bar in at.sidebar.get("progress")]


def page_progress(language, page, done) -> str:
    messages = catalog(language)
    total = len(TASKS[page])
    return messages["exercises.progress_page"].format(
        page=messages[f"nav.{page}"], done=done, total=total
    )


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("page", LESSON_PAGES)
def test_right_wrong_and_unreadable_answers_on_every_lesson_page(page, language):
    messages = catalog(language)
    first, second, *_ = EXERCISES[page]
    at = open_page(page, language)
    lesson_inputs = lesson_text_inputs(at)
    assert page_progress(language, page, 0) in progress(at)

    answer_and_check(at, first, typed_right(first))
    assert not at.exception
    assert page_progress(language, page, 1) in progress(at)
    right = [box.value for box in at.success]
    assert any(text.startswith(messages["exercises.right"].split("{")[0]) for text in right) or (
        messages["exercises.right_exact"] in right
    )
    # Only the box and the progress ran: the lesson above was not rebuilt.
    assert [title.value for title in at.title] == []
    assert messages[f"exercises.{first.key}_why"] in [text.value for text in at.markdown]

    at.run()
    answer_and_check(at, second, typed_wrong(second))
    wrong = [box.value for box in at.warning]
    verdict = judge(second, typed_wrong(second))
    assert verdict_message(Translator(language), second, verdict) in wrong
    assert not any(
        char.isdigit() for char in verdict_message(Translator(language), second, verdict)
    )
    assert page_progress(language, page, 1) in progress(at)

    # Unreadable text gets the parser's own message; the page and the other answers stay.
    typed = next(exercise for exercise in EXERCISES[page] if exercise.kind != "choice")
    answer_and_check(at, typed, "1, two")
    assert not at.exception
    assert [error.value for error in at.error] == [
        messages["errors.not_a_number"].format(entry="two")
    ]
    assert lesson_text_inputs(at) == lesson_inputs
    assert page_progress(language, page, 1) in progress(at)


def test_a_wrong_vector_shows_which_entries_are_wrong_until_the_answer_is_edited():
    exercise = EXERCISES["accumulate"][0]  # x.grad = 12, -24, 6
    messages = catalog("en")
    at = answer_and_check(open_page("accumulate"), exercise, "12, -24, 7")
    marks = " ".join(MARKS[right] for right in (True, True, False))
    verdict = messages["exercises.wrong_entries"].format(marks=marks)
    assert verdict in [box.value for box in at.warning]
    # The box shows its program and no other code: no difference, no entry of torch's answer.
    assert keyed_codes(at, f"{exercise.key}_box") == [program(exercise).rstrip("\n")]
    at.text_input(key=f"{exercise.key}_answer").set_value("12, -24").run()
    assert verdict not in [box.value for box in at.warning]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_hints_come_in_steps_then_the_answer_torch_prints_and_why(language):
    exercise = EXERCISES["vjp"][2]
    messages = catalog(language)
    nudge, rule, why = (
        messages[f"exercises.{exercise.key}_{step}"] for step in ("nudge", "rule", "why")
    )
    at = open_page("vjp", language)
    keys = [b.key for b in at.button]
    assert f"{exercise.key}_reveal" not in keys and f"{exercise.key}_hint_2" not in keys
    at.button(key=f"{exercise.key}_hint").click().run()
    assert [box.value for box in at.info if box.value in (nudge, rule)] == [nudge]
    assert f"{exercise.key}_reveal" not in [b.key for b in at.button]
    at.button(key=f"{exercise.key}_hint_2").click().run()
    assert [box.value for box in at.info if box.value in (nudge, rule)] == [nudge, rule]
    assert shown_answer(exercise) not in code_blocks(at)
    assert why not in [text.value for text in at.markdown]
    at.button(key=f"{exercise.key}_reveal").click().run()
    assert shown_answer(exercise) in code_blocks(at)
    assert why in [text.value for text in at.markdown]


def test_progress_survives_page_and_language_switches_until_reset():
    at = open_page("nonscalar")
    for exercise in EXERCISES["nonscalar"][:2]:
        answer_and_check(at, exercise, typed_right(exercise)).run()
    at.switch_page("pages/vjp.py").run()
    answer_and_check(at, EXERCISES["vjp"][0], typed_right(EXERCISES["vjp"][0])).run()
    at.radio(key="lang").set_value("zh").run()
    assert page_progress("zh", "nonscalar", 2) in progress(at)
    assert page_progress("zh", "vjp", 1) in progress(at)
    at.switch_page("pages/nonscalar.py").run()
    first = EXERCISES["nonscalar"][0]
    assert at.radio(key=f"{first.key}_answer").value == answer(first)
    assert catalog("zh")["exercises.right_exact"] in [box.value for box in at.success]

    at.button(key="practice_reset").click().run()
    pages = [page for page in (*LESSON_PAGES, *PRACTICE_PAGES) if page in TASKS]
    assert progress(at) == [page_progress("zh", page, 0) for page in pages]
    assert at.radio(key=f"{first.key}_answer").value is None
    assert catalog("zh")["exercises.right_exact"] not in [box.value for box in at.success]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_first_right_answer_reruns_its_box_and_the_progress_and_a_second_check_the_box(
    language,
):
    """The Check of a first right answer redraws the box and the progress, not the lesson;
    checking the same answer again changes no progress, so it asks for no app rerun."""
    messages = catalog(language)
    exercise = EXERCISES["graph"][0]
    at = answer_and_check(open_page("graph", language), exercise, typed_right(exercise))
    assert page_progress(language, "graph", 1) in progress(at)
    # The box is drawn, with its verdict; the lesson is not, nor the other boxes.
    assert at.text_input(key=f"{exercise.key}_answer").value == typed_right(exercise)
    assert messages["exercises.right"].split("{")[0] in at.success[0].value
    assert not at.title and not at.get("plotly_chart") and len(at.text_input) == 1
    at.button(key=f"{exercise.key}_check").click().run()
    assert at.title and messages["exercises.right"].split("{")[0] in at.success[-1].value
    assert page_progress(language, "graph", 1) in progress(at)


# --- no exercise answered on its own page --------------------------------------------------

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")


def shown_numbers(at, page) -> list[float]:
    """Every number the page shows with its default inputs, outside its exercise boxes, in
    page order: texts, code blocks, tables and the charts' data."""
    boxed = {
        text for exercise in EXERCISES[page] for text in keyed_contents(at, f"{exercise.key}_box")
    }
    texts = [
        text
        for kind in ("markdown", "code", "caption", "info", "success", "warning", "latex")
        for element in getattr(at, kind)
        for _, text in element_parts(element)
        if text not in boxed
    ]
    texts += [frame.value.to_string() for frame in at.dataframe]
    # Chart data, numbers or labels (labels such as x₁ add their digits, harmlessly).
    texts += [
        str(trace[axis])
        if isinstance(trace[axis], list)
        else " ".join(map(str, decode(trace[axis]).ravel()))
        for spec in plotly_specs(at)
        for trace in spec["data"]
        for axis in ("x", "y", "z")
        if isinstance(trace.get(axis), (list, dict))
    ]
    return [float(number) for number in NUMBER.findall("\n".join(texts))]


@pytest.mark.parametrize("page", LESSON_PAGES)
def test_no_vector_answer_appears_among_the_values_its_page_shows(page):
    """Where a search can tell: answers of two or more entries that are not all equal (a run
    of zeros or twos turns up in any heatmap). Shapes, counts and choices are checked by
    reading: each asks about a case the page does not show."""
    at = open_page(page)
    numbers = [round(number, 4) for number in shown_numbers(at, page)]
    assert numbers
    for exercise in EXERCISES[page]:
        value = answer(exercise)
        if not isinstance(value, torch.Tensor) or value.numel() < 2 or len(set(value.tolist())) < 2:
            continue
        entries = [round(entry, 4) for entry in value.tolist()]
        runs = (numbers[i : i + len(entries)] for i in range(len(numbers)))
        assert entries not in runs, exercise.key
