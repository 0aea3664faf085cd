"""The learner's work on exercises and puzzles: session state, buttons, and the sidebar.

Everything a learner has done (answers checked, hints read, answers revealed, tasks
solved) lives in one `Work` object in session state, so it survives page and language
switches and one reset clears it. Presses are recorded by on_click callbacks: they run
before the script, so the press survives the deep-link guard's rerun and the sidebar,
drawn first, already counts a task solved by this very press.

A task's box may run as a fragment (`show_in_fragment`): then typing and pressing rerun
that box alone. The sidebar's progress is a fragment of its own, so that the one press
that changes it, a task's first right answer, reruns the box and the progress together
(`st.rerun` with both fragment keys, from the press's callback), never the lesson.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import streamlit as st

from lessons.parsing import InputError
from lessons.practice.exercises import EXERCISES
from lessons.practice.puzzles import PUZZLES
from ui.navigation import LESSONS, PRACTICE
from ui.runs import fragment

WORK_KEY = "practice_work"
RESET_KEY = "practice_reset"
PROGRESS_FRAGMENT = "practice_progress"

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
    hints: dict[str, int] = field(default_factory=dict)  # task -> number of hints read
    revealed: set[str] = field(default_factory=set)


def work() -> Work:
    return st.session_state.setdefault(WORK_KEY, Work())


def answer_key(task: str) -> str:
    return f"{task}_answer"


def fragment_key(task: str) -> str:
    return f"{task}_fragment"


def show_in_fragment(task: str, draw: Callable[..., None], *args: object) -> None:
    """Draw a task's box as a fragment: its widgets rerun the box, not the page around it.
    A box drawn so must pass `fragment_key(task)` to `show_buttons`."""
    fragment(draw, key=fragment_key(task))(*args)


def checked_answer(task: str) -> str | None:
    """The answer last checked, while the input still holds it (editing hides the verdict)."""
    checked = work().checked.get(task)
    return checked if checked == st.session_state.get(answer_key(task)) else None


class Checked(Protocol):
    correct: bool


# Judges a typed answer; raises InputError when it cannot be read.
Judge = Callable[[str], Checked]


def record_check(task: str, judge: Judge, fragment: str | None = None) -> None:
    """on_click of a check button: remember the answer and whether it solved the task."""
    typed = st.session_state.get(answer_key(task))
    if typed is None:
        return
    state = work()
    state.checked[task] = typed
    state.attempts[task] = state.attempts.get(task, 0) + 1
    try:
        solved = judge(typed).correct and task not in state.solved
    except InputError:
        return  # the page shows the message when it draws the verdict
    if solved:
        state.solved.add(task)
        if fragment:
            # The box's own rerun would leave the sidebar's count behind: name both
            # fragments, so that they rerun and the lesson does not. Only a first right
            # answer changes the progress, so only it asks for more than the box.
            st.rerun([fragment, PROGRESS_FRAGMENT])


def show_buttons(
    t: Callable[..., str], task: str, judge: Judge, hints: int = 1, fragment: str | None = None
) -> None:
    """Check, then the hints one at a time, and only after the last hint the answer.
    `fragment` is the key of the fragment the box runs in, if it runs in one."""
    state = work()
    check_column, help_column = st.columns(2)
    check_column.button(
        t("exercises.check"),
        key=f"{task}_check",
        icon=":material/done:",
        on_click=record_check,
        args=(task, judge, fragment),
        disabled=st.session_state.get(answer_key(task)) is None,
        width="stretch",
    )
    if task in state.revealed:
        return
    # The hints first, one per press; once the last is read, the same place offers the answer.
    read = hints_read(task)
    if read < hints:
        help_column.button(
            t("exercises.hint_more_button" if read else "exercises.hint_button"),
            key=f"{task}_hint_{read + 1}" if read else f"{task}_hint",
            icon=":material/lightbulb:",
            on_click=_read_hint,
            args=(task,),
            width="stretch",
        )
    else:
        help_column.button(
            t("exercises.reveal_button"),
            key=f"{task}_reveal",
            icon=":material/visibility:",
            on_click=state.revealed.add,
            args=(task,),
            width="stretch",
        )


def hints_read(task: str) -> int:
    return work().hints.get(task, 0)


def _read_hint(task: str) -> None:
    work().hints[task] = hints_read(task) + 1


def show_progress(t: Callable[..., str]) -> None:
    """Done / total for every page in the navigation that has tasks, and a reset; a
    fragment, so that a first right answer can redraw it without the page."""
    fragment(_draw_progress, key=PROGRESS_FRAGMENT)(t)


def _draw_progress(t: Callable[..., str]) -> None:
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
    # The button sits in the progress fragment; a reset clears every box on the page too.
    st.rerun(scope="app")
