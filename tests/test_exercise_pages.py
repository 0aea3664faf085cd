"""The exercises on the lesson pages through AppTest: verdicts, messages, progress, reset."""

import pytest
import torch

from i18n import catalog
from lessons.practice.exercises import EXERCISES, answer, shown_answer
from tests.helpers import LESSON_PAGES, PRACTICE_PAGES, open_page
from ui.practice import TASKS


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

    answer_and_check(at, second, typed_wrong(second))
    wrong = [box.value for box in at.warning]
    key = "exercises.wrong_choice" if second.kind == "choice" else "exercises.wrong"
    assert messages[key] in wrong
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


def test_a_wrong_vector_shows_typed_minus_torchs_until_the_answer_is_edited():
    exercise = EXERCISES["accumulate"][0]  # x.grad = 8, 16, 24
    at = answer_and_check(open_page("accumulate"), exercise, "8, 16, 25")
    assert catalog("en")["exercises.wrong"] in [box.value for box in at.warning]
    assert str(torch.tensor([0.0, 0.0, 1.0])) in [block.value for block in at.code]
    at.text_input(key=f"{exercise.key}_answer").set_value("8, 16").run()
    assert catalog("en")["exercises.wrong"] not in [box.value for box in at.warning]
    assert str(torch.tensor([0.0, 0.0, 1.0])) not in [block.value for block in at.code]


def test_the_hint_comes_first_then_the_answer_torch_prints():
    exercise = EXERCISES["vjp"][2]
    at = open_page("vjp", "zh")
    assert [b for b in at.button if b.key == f"{exercise.key}_reveal"] == []
    at.button(key=f"{exercise.key}_hint").click().run()
    assert catalog("zh")[f"exercises.{exercise.key}_hint"] in [box.value for box in at.info]
    at.button(key=f"{exercise.key}_reveal").click().run()
    assert shown_answer(exercise) in [block.value for block in at.code]


def test_progress_survives_page_and_language_switches_until_reset():
    at = open_page("nonscalar")
    for exercise in EXERCISES["nonscalar"][:2]:
        answer_and_check(at, exercise, typed_right(exercise))
    at.switch_page("pages/vjp.py").run()
    answer_and_check(at, EXERCISES["vjp"][0], typed_right(EXERCISES["vjp"][0]))
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
