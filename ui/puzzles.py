"""The puzzles page's parts: choosing a puzzle (also from ?p=), the answer box, and
reporting a judgement."""

import secrets
from functools import partial

import numpy as np
import streamlit as st
from torch import Tensor

from charts import AxisTitles, difference_figure, difference_table
from lessons.practice.puzzles import (
    ABSOLUTE_TOLERANCE,
    POINTS,
    PUZZLES,
    RELATIVE_TOLERANCE,
    ROUNDING_TOLERANCE,
    SIDE_STEP,
    WEIGHTS,
    Judgement,
    Point,
    Puzzle,
    asks_for_weights,
    attempt_seed,
    check_sides,
    judge_answer,
    kinks,
    on_kink,
    puzzle_number,
)
from ui.exercises import show_attempt
from ui.navigation import lesson_page
from ui.practice import answer_key, fragment_key, show_in_fragment, work
from ui.session import Translator
from ui.widgets import run_lesson, show_matrix

PICK_KEY = "puzzles_pick"
LINK_PARAM = "p"
# The ?p= value this session has already followed, so that a later choice is not undone.
FOLLOWED_KEY = "puzzles_followed_link"
# This learner's own random points: drawn once per session, never shared.
SEED_KEY = "puzzles_seed"
# The lesson on kinks and ties, linked from the verdict at a kink.
EDGES = lesson_page("edges")


def pick_puzzle(t: Translator) -> int:
    """The puzzle's number (1-based): ?p= from a shared link first, then the menu."""
    requested = st.query_params.get(LINK_PARAM)
    if requested is not None and requested != st.session_state.get(FOLLOWED_KEY):
        st.session_state[FOLLOWED_KEY] = requested
        number = run_lesson(t, puzzle_number, requested)  # a bad number gets its message
        if number:
            st.session_state[PICK_KEY] = number
    number = st.selectbox(
        t("puzzles.pick"),
        range(1, len(PUZZLES) + 1),
        key=PICK_KEY,
        format_func=lambda n: t("puzzles.option", number=n, function=PUZZLES[n - 1].function),
        persist_state="session",
    )
    # The address always names the puzzle on screen, so that it can be shared.
    st.query_params[LINK_PARAM] = str(number)
    st.session_state[FOLLOWED_KEY] = str(number)
    return number


def session_seed() -> int:
    return st.session_state.setdefault(SEED_KEY, secrets.randbits(63))


def judge_attempt(puzzle: Puzzle, typed: str) -> Judgement:
    """New random points for every attempt, the same ones for a check and its report."""
    seed = attempt_seed(puzzle, session_seed(), work().attempts.get(puzzle.key, 0))
    return judge_answer(puzzle, typed, seed)


def show_answer_box(t: Translator, puzzle: Puzzle) -> None:
    """The answer, its buttons and its verdict: a Check reruns this box (and, on a first
    right answer, the progress), not the page."""
    show_in_fragment(puzzle.key, _answer_box, t, puzzle)


def _answer_box(t: Translator, puzzle: Puzzle) -> None:
    st.text_input(t("puzzles.answer_label"), key=answer_key(puzzle.key), persist_state="session")
    show_attempt(
        t,
        puzzle.key,
        partial(judge_attempt, puzzle),
        partial(show_judgement, t, puzzle),
        hint=t(f"puzzles.{puzzle.name}_hint"),
        reveal=partial(show_reference, t, puzzle),
        fragment=fragment_key(puzzle.key),
    )


def show_task(t: Translator, puzzle: Puzzle) -> None:
    st.markdown(t("puzzles.function", function=puzzle.function))
    lines = []
    for name, shape in puzzle.inputs:
        if name == WEIGHTS:
            lines.append(t("puzzles.input_weights", name=name))
        elif name == puzzle.one_hot:
            lines.append(t("puzzles.input_one_hot", name=name, n=shape[-1]))
        elif len(shape) == 1:
            lines.append(t("puzzles.input_vector", name=name, n=shape[0]))
        else:
            lines.append(t("puzzles.input_matrix", name=name, rows=shape[0], columns=shape[1]))
    st.markdown("\n".join(f"- {line}" for line in lines))
    ask = "puzzles.ask_vjp" if asks_for_weights(puzzle) else "puzzles.ask_gradient"
    st.markdown(t(ask, wrt=puzzle.wrt, weights=WEIGHTS))
    tolerances = {
        "absolute": f"{ABSOLUTE_TOLERANCE:g}",
        "relative": f"{RELATIVE_TOLERANCE:g}",
        "rounding": f"{ROUNDING_TOLERANCE:.1e}",
    }
    st.caption(t("puzzles.how_checked", points=POINTS, **tolerances))
    if kinks(puzzle):
        st.caption(t("puzzles.how_checked_kinks", count=len(kinks(puzzle))))


def show_judgement(t: Translator, puzzle: Puzzle, judgement: Judgement) -> None:
    if judgement.number:
        st.info(t("puzzles.number_spread", wrt=puzzle.wrt), icon=":material/info:")
    points = judgement.random_points
    if judgement.approximate:
        gap, rounding = f"{judgement.gap:.1e}", f"{ROUNDING_TOLERANCE:.1e}"
        text = t("puzzles.right_approximate", points=points, gap=gap, rounding=rounding)
        st.success(text, icon=":material/check:")
        return
    if judgement.correct and judgement.kink_points:
        text = t("puzzles.right_kinks", points=points, kinks=judgement.kink_points)
        st.success(text, icon=":material/check:")
        return
    if judgement.correct:
        st.success(t("puzzles.right", points=points), icon=":material/check:")
        return
    if judgement.shapes:
        given, expected = judgement.shapes
        st.warning(t("puzzles.wrong_shape", given=given, expected=expected, wrt=puzzle.wrt))
        return
    point = judgement.failure
    if point.kink:
        show_kink_verdict(t, puzzle, judgement)
    else:
        st.warning(t("puzzles.wrong", point=judgement.checked), icon=":material/close:")
    rows = [(f"`{name}`", value) for name, value in point.inputs.items()]
    rows.append((t("puzzles.value_autograd", wrt=puzzle.wrt), point.expected))
    rows.append((t("puzzles.value_given"), point.given))
    with st.container(key=f"{puzzle.key}_point"):
        for label, value in rows:
            label_column, value_column = st.columns([1, 3])
            label_column.markdown(label)
            value_column.code(format_values(value), language="text", wrap_lines=True)
    difference = point.difference.numpy()
    titles = AxisTitles(
        t("puzzles.difference_chart"), t("puzzles.difference_rows"), t("puzzles.difference_columns")
    )
    figure = difference_figure(difference, puzzle.wrt, titles)
    show_matrix(t, figure, difference_table(difference, puzzle.wrt), f"{puzzle.key}_difference")


def show_kink_verdict(t: Translator, puzzle: Puzzle, judgement: Judgement) -> None:
    """Right at every random point, wrong on a kink or tie: what torch returns there, and
    why that value is torch's choice rather than a derivative."""
    point = judgement.failure
    text = t(
        "puzzles.wrong_at_kink",
        points=judgement.random_points,
        operation=point.kink.operation,
        where=kink_place(t, puzzle, point),
    )
    st.warning(text, icon=":material/close:")
    below, above = check_sides(puzzle, point)
    convention = t(
        "puzzles.kink_convention",
        wrt=puzzle.wrt,
        moved=entry_name(puzzle, point.entries[0]),
        entries=", ".join(entry_name(puzzle, entry) for entry in point.entries),
        step=f"{SIDE_STEP:g}",
        below=format_values(below),
        above=format_values(above),
        torch=format_values(on_kink(point.expected, point)),
        given=format_values(on_kink(point.given, point)),
    )
    st.markdown(convention)
    st.page_link(EDGES.path, label=t(f"nav.{EDGES.name}"), icon=EDGES.icon)


def kink_place(t: Translator, puzzle: Puzzle, point: Point) -> str:
    """Which entries the point put on the kink, and where: `x[0] = 0`, `x[1] = x[2]`."""
    value = f"{on_kink(point.inputs[puzzle.wrt], point)[0].item():g}"
    names = [entry_name(puzzle, entry) for entry in point.entries]
    if point.kink.at is None:
        return t("puzzles.kink_tie", entries=" = ".join(names), value=value)
    if isinstance(point.kink.at, str):
        partner = entry_name(puzzle, point.entries[0], point.kink.at)
        return t("puzzles.kink_partner", entry=names[0], partner=partner, value=value)
    return t("puzzles.kink_value", entry=names[0], value=value)


def entry_name(puzzle: Puzzle, flat: int, name: str | None = None) -> str:
    """`x[2]`, `W[1, 0]`: a flat index of wrt (or of `name`, shaped like it), written as
    Python indexes it."""
    shape = dict(puzzle.inputs)[puzzle.wrt]
    index = ", ".join(str(int(i)) for i in np.unravel_index(flat, shape))
    return f"{name or puzzle.wrt}[{index}]"


def show_reference(t: Translator, puzzle: Puzzle) -> None:
    st.markdown(t("puzzles.reference", answer=puzzle.reference))


def format_values(value: Tensor) -> str:
    """float64 values with six significant digits, without torch's dtype suffix."""
    return np.array2string(value.numpy(), precision=6, separator=", ")
