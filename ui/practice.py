"""The learner's work on exercises and puzzles: session state, buttons, and the sidebar.

Everything a learner has done (answers checked, hints read, answers revealed, tasks
solved) lives in one `Work` object in session state, so it survives page and language
switches and one reset clears it. Presses are recorded by on_click callbacks: they run
before the script, so the press survives the deep-link guard's rerun and the sidebar,
drawn first, already counts a task solved by this very press.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import streamlit as st

from lessons.parsing import InputError
from lessons.practice.exercises import EXERCISES
from lessons.practice.puzzles import PUZZLES
from ui.navigation import LESSONS, PRACTICE

WORK_KEY = "practice_work"
RESET_KEY = "practice_reset"

# Task keys per page, each page-prefixed; widget keys are built from them.
TASKS: dict[str, tuple[str, ...]] = {
    **{page: tuple(exercise.key for exercise in tasks) for page, tasks in EXERCISES.items()},
    "puzzles": tuple(puzzle.key for puzzle in PUZZLES),
}


@dataclass
class Work:
    solved: set[str] = field(default_factory=set)
    checked: dict[str, str] = field(default_factory=dict)  # task -> the answer last checked
    attempts: dict[str, int] = field(default_factory=dict)  # task -> number of checks
    hints: set[str] = field(default_factory=set)
    revealed: set[str] = field(default_factory=set)


def work() -> Work:
    return st.session_state.setdefault(WORK_KEY, Work())


def answer_key(task: str) -> str:
    return f"{task}_answer"


def checked_answer(task: str) -> str | None:
    """The answer last checked, while the input still holds it (editing hides the verdict)."""
    checked = work().checked.get(task)
    return checked if checked == st.session_state.get(answer_key(task)) else None


class Checked(Protocol):
    correct: bool


# Judges a typed answer; raises InputError when it cannot be read.
Judge = Callable[[str], Checked]


def record_check(task: str, judge: Judge) -> None:
    """on_click of a check button: remember the answer and whether it solved the task."""
    typed = st.session_state.get(answer_key(task))
    if typed is None:
        return
    state = work()
    state.checked[task] = typed
    state.attempts[task] = state.attempts.get(task, 0) + 1
    try:
        if judge(typed).correct:
            state.solved.add(task)
    except InputError:
        pass  # the page shows the message when it draws the verdict


def show_buttons(t: Callable[..., str], task: str, judge: Judge) -> None:
    """Check, then one hint, and only after the hint the answer."""
    state = work()
    check_column, help_column = st.columns(2)
    check_column.button(
        t("exercises.check"),
        key=f"{task}_check",
        icon=":material/done:",
        on_click=record_check,
        args=(task, judge),
        disabled=st.session_state.get(answer_key(task)) is None,
        width="stretch",
    )
    if task not in state.revealed:
        # One hint first; once it is read, the same place offers the answer.
        hinted = task in state.hints
        help_column.button(
            t("exercises.reveal_button" if hinted else "exercises.hint_button"),
            key=f"{task}_{'reveal' if hinted else 'hint'}",
            icon=":material/visibility:" if hinted else ":material/lightbulb:",
            on_click=(state.revealed if hinted else state.hints).add,
            args=(task,),
            width="stretch",
        )


def show_progress(t: Callable[..., str]) -> None:
    """Done / total for every page in the navigation that has tasks, and a reset."""
    pages = [page.name for page in (*LESSONS, *PRACTICE) if page.name in TASKS]
    solved = work().solved
    with st.sidebar:
        st.subheader(t("exercises.progress_title"), anchor=False)
        for page in pages:
            done, total = len(solved.intersection(TASKS[page])), len(TASKS[page])
            label = t("exercises.progress_page", page=t(f"nav.{page}"), done=done, total=total)
            st.progress(done / total, text=label)
        st.button(
            t("exercises.reset"), key=RESET_KEY, icon=":material/restart_alt:", on_click=_reset
        )


def _reset() -> None:
    st.session_state[WORK_KEY] = Work()
    for tasks in TASKS.values():
        for task in tasks:
            st.session_state.pop(answer_key(task), None)
