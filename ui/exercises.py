"""Predict-then-run exercises at the end of a lesson page, checked by torch when asked."""

from collections.abc import Callable
from functools import partial

import streamlit as st
import torch

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
from ui.practice import Checked, Judge, answer_key, checked_answer, show_buttons, work
from ui.session import Translator
from ui.widgets import run_lesson


def show_exercises(t: Translator, page: str) -> None:
    st.subheader(t("exercises.title"), divider="gray")
    st.caption(
        t("exercises.intro", absolute=f"{ABSOLUTE_TOLERANCE:g}", relative=f"{RELATIVE_TOLERANCE:g}")
    )
    for number, exercise in enumerate(EXERCISES[page], start=1):
        with st.container(border=True, key=f"{exercise.key}_box"):
            _show_exercise(t, exercise, number)


def _show_exercise(t: Translator, exercise: Exercise, number: int) -> None:
    task = exercise.key
    st.markdown(t("exercises.question", number=number, question=t(f"exercises.{task}")))
    st.code(program(exercise), language="python", wrap_lines=True)
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
        hint=t(f"exercises.{task}_hint"),
        reveal=partial(_show_answer, t, exercise),
    )


def show_attempt(
    t: Translator,
    task: str,
    judge: Judge,
    show_verdict: Callable[[Checked], None],
    hint: str,
    reveal: Callable[[], None],
) -> None:
    """The check, hint and answer buttons, then what they asked for: the verdict on the
    answer last checked (or why it cannot be read), the hint, the answer."""
    show_buttons(t, task, judge)
    typed = checked_answer(task)
    if typed is not None:
        verdict = run_lesson(t, judge, typed)
        if verdict:
            show_verdict(verdict)
    state = work()
    if task in state.hints:
        st.info(hint, icon=":material/lightbulb:")
    if task in state.revealed:
        reveal()


def _show_answer(t: Translator, exercise: Exercise) -> None:
    st.markdown(t("exercises.answer_is"))
    st.code(shown_answer(exercise), language="text", wrap_lines=True)


def _show_verdict(t: Translator, exercise: Exercise, verdict: Verdict) -> None:
    if exercise.kind == "choice":
        if verdict.correct:
            st.success(t("exercises.right_exact"), icon=":material/check:")
        else:
            st.warning(t("exercises.wrong_choice"), icon=":material/close:")
        return
    if verdict.sizes:
        typed, expected = verdict.sizes
        st.warning(t(f"exercises.wrong_sizes_{exercise.kind}", typed=typed, expected=expected))
        return
    difference = verdict.difference
    if verdict.correct and exercise.kind == "shape":
        st.success(t("exercises.right_exact"), icon=":material/check:")
        return
    if verdict.correct:
        largest = torch.as_tensor(difference).abs().max().item()
        st.success(t("exercises.right", diff=f"{largest:.3g}"), icon=":material/check:")
        return
    st.warning(t("exercises.wrong"), icon=":material/close:")
    if exercise.kind == "number":
        st.code(f"{difference.item():.6g}", language="text", wrap_lines=True)
    elif exercise.kind == "shape":
        st.code(str(difference), language="text", wrap_lines=True)
    else:
        # Shown in float32, as torch prints the answers themselves.
        st.code(str(torch.as_tensor(difference).float()), language="text", wrap_lines=True)
