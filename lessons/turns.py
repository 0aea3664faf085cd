"""Turns: the sessions of one server process run their pages one at a time.

Every session's script runs in a thread of one process, and Python runs one thread at a
time. Left alone, a class's scripts all run at once and pass the interpreter around every
few milliseconds, and Streamlit's event loop, which sends every session's elements, waits
behind all of them: a hundred learners on /scalar waited seconds for a page that takes
20 ms of CPU. Taken in turns, the same work costs no more in total (only one thread could
run Python anyway) and each run is sent as soon as it is done. The README's "Fifth round"
gives the figures.

A turn is for work in this process's Python. Waiting for something else (another
process, a measurement that times seconds of torch) is done aside, so that nobody waits
for the wait.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Turns:
    """One holder at a time. A turn taken inside the holder's own turn (a fragment drawn
    while its page runs) is already held; `aside` hands the turn back for a block."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Written only by the thread holding the lock, so a thread reads its own id here
        # exactly when it holds the turn.
        self._holder: int | None = None

    def held(self) -> bool:
        """Whether the calling thread holds the turn."""
        return self._holder == threading.get_ident()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the turn in the block, waiting for it if another thread has it."""
        if self.held():
            yield
            return
        with self._lock:
            self._holder = threading.get_ident()
            try:
                yield
            finally:
                self._holder = None

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Let others take turns during the block, and take the turn back after it.
        Outside a turn, the block just runs."""
        if not self.held():
            yield
            return
        self._holder = None
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._holder = threading.get_ident()


# The process's one queue: a lock, not state that any session's work could change.
TURNS = Turns()
