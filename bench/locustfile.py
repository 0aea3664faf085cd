"""The capacity scenario as a Locust user: a learner on /scalar who types a new x every 3 s
over Streamlit's websocket, and checks that the page shows the gradient of *its* x.

Point it at any deployment before class (from the repository root, so that `bench`,
`lessons` and `tests` import):

    python -m locust -f bench/locustfile.py --host https://lab.example.org \
        --headless --users 100 --spawn-rate 20 --run-time 60s

Locust's workers (`--master` / `--worker`) spread the load over several machines. Request
names: "open" (connect and the first run), "change x" (new x -> finished result).
`python -m bench capacity` runs this file headless against servers on loopback ports.
"""

import itertools
import os
import random
import time
from collections.abc import Callable

import gevent
from locust import User, task
from locust.exception import StopUser
from websocket import create_connection

from bench.capacity import CHANGE_EVERY_S, PAGE
from bench.st_client import BlockingSession, Run, stream_url
from tests.e2e.expected import DEFAULT_X, as_text, shown_gradient

OPEN_TIMEOUT_S = 10
# `python -m bench` names a file here: every request as a line (bench/capacity.py reads it),
# so that figures can be cut by time, such as once every learner has opened the page.
REQUEST_LOG = os.environ.get("BENCH_REQUEST_LOG")
# One number per learner in this Locust process: the x it types is its own.
_learner_numbers = itertools.count(1)
# Importing torch (through the expected results) blocks for seconds while gevent's loop
# keeps the time it read before: without a refresh, Locust's --run-time timer fires at once.
gevent.get_hub().loop.update_now()


class LearnerError(AssertionError):
    """The page showed something other than this learner's result."""


class Reporting:
    """Each action of a Locust user is one request in Locust's figures, failed if it raised."""

    def _report(self, name: str, action: Callable[[], None]) -> bool:
        started_at, started = time.time(), time.perf_counter()
        error = None
        try:
            action()
        except Exception as caught:  # every failure is a figure, not a crash of the user
            error = caught
        milliseconds = (time.perf_counter() - started) * 1000
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=milliseconds,
            response_length=0,
            exception=error,
            context={},
        )
        if REQUEST_LOG:
            with open(REQUEST_LOG, "a") as log:
                log.write(f"{name}\t{started_at:.3f}\t{milliseconds:.1f}\t{error is None}\n")
        return error is None


class Learner(Reporting, User):
    """Opens the page, then types a new x every 3 s on a beat of its own: its first change
    comes a seeded random part of a period after its page opened. (Locust's constant_pacing
    counts from the instant it made the user, and it makes each second's learners in one
    instant: they would all press Enter within the same milliseconds, every 3 s, as no
    class does. Rounds one to six of the README's figures were measured so.)"""

    def on_start(self) -> None:
        self.number = next(_learner_numbers)
        self.changes = 0
        self.socket = None
        if not self._report("open", self._open):
            raise StopUser()  # no page to type into: this learner's figure is the failure
        gevent.sleep(random.Random(self.number).uniform(0, CHANGE_EVERY_S))

    def wait_time(self) -> float:
        """Until 3 s after the last change started (none, if that change took longer)."""
        return max(0.0, self.change_started + CHANGE_EVERY_S - time.perf_counter())

    def on_stop(self) -> None:
        if self.socket is not None:
            self.socket.close()

    @task
    def change_x(self) -> None:
        self.change_started = time.perf_counter()
        self.changes += 1
        x = (self.number, -self.changes, 7)
        self.tab.set_text(f"{PAGE}_x", as_text(x))
        self._report("change x", lambda: _check(self.tab.run(), x))

    def _open(self) -> None:
        # websocket-client never sends loopback traffic through a proxy; other hosts follow
        # the usual proxy variables.
        self.socket = create_connection(
            stream_url(self.host), timeout=OPEN_TIMEOUT_S, subprotocols=["streamlit"]
        )
        self.tab = BlockingSession(self.socket, PAGE)
        _check(self.tab.run(), DEFAULT_X)


def check_run(run: Run) -> Run:
    """The run, unless it showed an error, an exception or no page at all."""
    if run.errors or run.exceptions or run.page_not_found:
        raise LearnerError(f"errors {run.errors}, exceptions {run.exceptions}")
    return run


def _check(run: Run, x: tuple[int, ...]) -> None:
    check_run(run)
    if shown_gradient(PAGE, x) not in run.texts_in(f"{PAGE}_result"):
        raise LearnerError(f"x = {x}: another result was shown")
