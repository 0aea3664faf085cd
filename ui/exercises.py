"""Predict-then-run exercises at the end of a lesson page, checked by torch when asked."""

from collections.abc import Callable
from functools import partial

import streamlit as st

from lessons.practice.exercises import (
    ABSOLUTE_TOLERANCE,
    EXERCISES,
    RELATIVE_TOLERANCE,
    Exercise,
    Verdict,
    judge,
    program,
    shown_answer,
)
from ui.practice import (
    Checked,
    Judge,
    answer_key,
    checked_answer,
    fragment_key,
    hints_read,
    show_buttons,
    show_in_fragment,
    work,
)
from ui.session import Translator
from ui.widgets import run_lesson, show_result

# A nudge (what to look at), then the rule; the answer only after both.
HINT_STEPS = ("nudge", "rule")
# One mark per typed entry in a wrong answer's verdict; the messages name them.
MARKS = {True: "✓", False: "✗"}


def show_exercises(t: Translator, page: str) -> None:
    st.subheader(t("exercises.title"), divider="gray")
    st.caption(
        t("exercises.intro", absolute=f"{ABSOLUTE_TOLERANCE:g}", relative=f"{RELATIVE_TOLERANCE:g}")
    )
    for number, exercise in enumerate(EXERCISES[page], start=1):
        with st.container(border=True, key=f"{exercise.key}_box"):
            show_in_fragment(exercise.key, _show_exercise, t, exercise, number)


def _show_exercise(t: Translator, exercise: Exercise, number: int) -> None:
    task = exercise.key
    question = t("exercises.question", number=number, question=t(f"exercises.{task}"))
    show_result(question, program(exercise), "python")
    if exercise.kind == "choice":
        st.radio(
            t("exercises.label_choice"),
            exercise.options,
            index=None,
            key=answer_key(task),
            format_func=lambda option: t(f"exercises.option_{option}"),
            persist_state="session",
        )
    else:
        st.text_input(
            t(f"exercises.label_{exercise.kind}"), key=answer_key(task), persist_state="session"
        )
    show_attempt(
        t,
        task,
        partial(judge, exercise),
        partial(_show_verdict, t, exercise),
        hint=tuple(t(f"exercises.{task}_{step}") for step in HINT_STEPS),
        reveal=partial(_show_answer, t, exercise),
        explain=t(f"exercises.{task}_why"),
        fragment=fragment_key(task),
    )


def show_attempt(
    t: Translator,
    task: str,
    judge: Judge,
    show_verdict: Callable[[Checked], None],
    hint: str | tuple[str, ...],
    reveal: Callable[[], None],
    explain: str | None = None,
    fragment: str | None = None,
) -> None:
    """The check, hint and answer buttons, then what they asked for: the verdict on the
    answer last checked (or why it cannot be read), the hints read so far, the answer, and
    after a right answer (or the answer shown) the explanation, folded until opened.
    `hint` is one hint or several in order; `fragment` as for `show_buttons`."""
    hints = (hint,) if isinstance(hint, str) else hint
    show_buttons(t, task, judge, len(hints), fragment)
    typed = checked_answer(task)
    verdict = run_lesson(t, judge, typed) if typed is not None else None
    if verdict:
        show_verdict(verdict)
    for text in hints[: hints_read(task)]:
        st.info(text, icon=":material/lightbulb:")
    revealed = task in work().revealed
    if revealed:
        reveal()
    if explain and (revealed or (verdict and verdict.correct)):
        with st.expander(t("exercises.why_title"), icon=":material/psychology:"):
            st.markdown(explain)


def _show_answer(t: Translator, exercise: Exercise) -> None:
    show_result(t("exercises.answer_is"), shown_answer(exercise))


def _show_verdict(t: Translator, exercise: Exercise, verdict: Verdict) -> None:
    # Text and an icon in every case: the colour of the box is never the only signal.
    if verdict.correct:
        st.success(verdict_message(t, exercise, verdict), icon=":material/check:")
    else:
        st.warning(verdict_message(t, exercise, verdict), icon=":material/close:")


def verdict_message(t: Translator, exercise: Exercise, verdict: Verdict) -> str:
    """What the verdict says. A wrong answer hears where it is wrong (which entries, or more
    or fewer of them), never a number that comes from torch's answer."""
    if verdict.correct:
        if exercise.kind in ("vector", "number"):
            return t("exercises.right", diff=f"{verdict.largest_error:.3g}")
        return t("exercises.right_exact")
    if exercise.kind == "choice":
        return t("exercises.wrong_choice")
    if verdict.expects_more is not None:
        unit = "dimensions" if exercise.kind == "shape" else "entries"
        return t(f"exercises.{'more' if verdict.expects_more else 'fewer'}_{unit}")
    if exercise.kind == "number":
        return t("exercises.wrong_number")
    marks = " ".join(MARKS[right] for right in verdict.entries)
    return t(f"exercises.wrong_{'sizes' if exercise.kind == 'shape' else 'entries'}", marks=marks)
