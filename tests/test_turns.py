"""lessons/turns.py: one holder at a time, re-entered by its holder, handed over aside."""

import threading

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
