"""Turns: the sessions of one server process run their pages one at a time.

Every session's script runs in a thread of one process, and Python runs one thread at a
time. Left alone, a class's scripts all run at once and pass the interpreter around every
few milliseconds, and Streamlit's event loop, which sends every session's elements, waits
behind all of them: a hundred learners on /scalar waited 1.5 s (median) for reruns of
about 20 ms of CPU. Taken in turns, the same work costs no more in total (only one thread
could run Python anyway) and each run is sent as soon as it is done. A partial rerun (a click
on a page its learner already sees) goes ahead of whole page runs, which are mostly pages
opening: when a class opens a link at once, those who have the page keep working while the
others' pages load. The README's "Fifth round" gives the figures.

A turn is for work in this process's Python. Waiting for something else (another
process, a measurement that times seconds of torch) is done aside, so that nobody waits
for the wait.
"""

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class Turns:
    """One holder at a time, handed on in order of arrival, partial reruns first. A turn
    taken inside the holder's own turn (a fragment drawn while its page runs) is already
    held; `aside` hands the turn on for a block and waits for it again after."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()  # guards the two fields below
        self._holder: int | None = None
        # Per waiter, its thread and a locked gate that the giver of the turn opens:
        # partial reruns first, then whole page runs, each queue in order of arrival.
        self._waiting: tuple[deque, deque] = (deque(), deque())

    def held(self) -> bool:
        """Whether the calling thread holds the turn."""
        return self._holder == threading.get_ident()

    @contextmanager
    def turn(self, partial: bool = False) -> Iterator[None]:
        """Hold the turn in the block, waiting for it if another thread has it. A
        `partial` rerun (a fragment's, on a page its learner already sees) waits only for
        the holder and the partial reruns that came before it, not for whole page runs."""
        if self.held():
            yield
            return
        self._take(partial)
        try:
            yield
        finally:
            self._give()

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Let others take turns during the block, and take the turn back after it (as a
        partial rerun: a run half done goes before new ones). Outside a turn, the block
        just runs."""
        if not self.held():
            yield
            return
        self._give()
        try:
            yield
        finally:
            self._take(partial=True)

    def _take(self, partial: bool) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._holder is None:
                self._holder = me
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiting[0 if partial else 1].append((me, gate))
        gate.acquire()  # opened by _give, which has made this thread the holder

    def _give(self) -> None:
        with self._mutex:
            queue = next((queue for queue in self._waiting if queue), None)
            if queue is None:
                self._holder = None
                return
            self._holder, gate = queue.popleft()
            gate.release()


# The process's one queue: a lock, not state that any session's work could change.
TURNS = Turns()
