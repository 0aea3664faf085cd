"""lessons/turns.py: one holder at a time, in order of arrival with partial reruns first,
re-entered by its holder, handed on aside; and the app's runs taking their turns."""

import threading
import time

import pytest

import lessons.scalar
import ui.runs
from lessons.turns import TURNS, Turns
from tests.helpers import open_page

WAIT_S = 5  # far longer than any step below takes; only a broken Turns waits this long


def started(work) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def finished(thread: threading.Thread) -> bool:
    thread.join(WAIT_S)
    return not thread.is_alive()


def test_a_second_thread_waits_until_the_first_turn_ends():
    turns, events = Turns(), []
    inside, release = threading.Event(), threading.Event()

    def first():
        with turns.turn():
            events.append("first in")
            inside.set()
            release.wait(WAIT_S)
            events.append("first out")

    def second():
        inside.wait(WAIT_S)
        with turns.turn():
            events.append("second in")

    one, two = started(first), started(second)
    inside.wait(WAIT_S)
    two.join(0.2)  # long enough for the second to have entered, had it not waited
    assert events == ["first in"]
    release.set()
    assert finished(one) and finished(two)
    assert events == ["first in", "first out", "second in"]


def test_the_holder_takes_a_turn_inside_its_own_without_waiting():
    turns, events = Turns(), []

    def nested():
        with turns.turn():
            with turns.turn():
                events.append("inner")
            assert turns.held()
        events.append(turns.held())

    assert finished(started(nested))
    assert events == ["inner", False]


def test_aside_lets_another_thread_in_and_takes_the_turn_back():
    turns, events = Turns(), []
    aside, second_done = threading.Event(), threading.Event()

    def first():
        with turns.turn():
            with turns.aside():
                assert not turns.held()
                aside.set()
                second_done.wait(WAIT_S)
            events.append(("first back", turns.held()))

    def second():
        aside.wait(WAIT_S)
        with turns.turn():
            events.append("second in")
        second_done.set()

    one, two = started(first), started(second)
    assert finished(one) and finished(two)
    assert events == ["second in", ("first back", True)]


def test_aside_outside_a_turn_just_runs_the_block():
    turns = Turns()
    with turns.aside():
        assert not turns.held()
    with turns.turn():  # and the turn is still free to take
        assert turns.held()


def test_an_exception_gives_the_turn_up():
    turns = Turns()
    with pytest.raises(ZeroDivisionError), turns.turn():
        raise ZeroDivisionError
    assert not turns.held()

    def take():
        with turns.turn():
            pass

    assert finished(started(take))  # another thread gets it


def test_a_page_run_holds_the_turn_while_its_lesson_computes(monkeypatch):

    held = []
    lesson = lessons.scalar.scalar_lesson

    def recording(*args, **kwargs):
        held.append(TURNS.held())
        return lesson(*args, **kwargs)

    monkeypatch.setattr(lessons.scalar, "scalar_lesson", recording)
    at = open_page("scalar")
    assert held == [True]  # one run of the lesson, inside the page's turn
    assert not at.exception and at.success  # and the page drew its verdict
    assert not TURNS.held()


def test_a_fragment_rerun_takes_its_turn(monkeypatch):

    # Outside a script run st.fragment's wrapper draws nothing; what runs on a rerun is
    # the function it was given, which is what this calls.
    monkeypatch.setattr(ui.runs.st, "fragment", lambda draw, key=None: draw)
    held = []

    def draw(value):
        held.append((value, TURNS.held()))

    rerun = ui.runs.fragment(draw, key="k")
    assert (rerun.__module__, rerun.__qualname__) == (draw.__module__, draw.__qualname__)
    assert finished(started(lambda: rerun(7)))
    assert held == [(7, True)]


def queued(turns: Turns, names: list[str], partial: dict[str, bool]) -> list[str]:
    """The order in which threads that all asked while one held the turn got it."""
    order, holding, release = [], threading.Event(), threading.Event()

    def holder():
        with turns.turn():
            holding.set()
            release.wait(WAIT_S)

    def waiter(name):
        with turns.turn(partial=partial[name]):
            order.append(name)

    first = started(holder)
    holding.wait(WAIT_S)
    waiters = []
    for name in names:  # each in the queue before the next asks
        waiters.append(started(lambda name=name: waiter(name)))
        while len(turns._waiting[0]) + len(turns._waiting[1]) < len(waiters):
            time.sleep(0.001)
    release.set()
    assert all(finished(thread) for thread in (first, *waiters))
    return order


def test_whole_page_runs_take_turns_in_order_of_arrival():
    names = [f"page {i}" for i in range(5)]
    assert queued(Turns(), names, dict.fromkeys(names, False)) == names


def test_a_partial_rerun_goes_ahead_of_waiting_page_runs():
    partial = {"open 1": False, "click 1": True, "open 2": False, "click 2": True}
    order = queued(Turns(), list(partial), partial)
    assert order == ["click 1", "click 2", "open 1", "open 2"]
