"""A mixed class as Locust users: learners spread over every page, each doing what that page
asks at a learner's pace, over Streamlit's websocket, and checking what comes back.

    python -m locust -f bench/locust_mixed.py --host https://lab.example.org \
        --headless --users 100 --spawn-rate 20 --run-time 60s

Learner n works on page n (cycling): on a lesson page it types a new x of its own (and
checks that the page shows the gradient of *that* x), then answers the page's first typed
exercise and presses Check; on the playground it presses Next and Previous in turn; on the
puzzles it types an answer and presses Check. Request names, one per kind: "open",
"change x", "check exercise", "step", "attempt puzzle". Widgets inside a fragment rerun
only their fragment, as in a browser. `python -m bench mixed` runs this file headless.
"""

import itertools

import gevent
from locust import User, between, task
from locust.exception import StopUser
from websocket import create_connection

from bench.locustfile import OPEN_TIMEOUT_S, LearnerError, Reporting, check_run, stream_url
from bench.st_client import BlockingSession, Run
from i18n import catalog
from lessons.practice.exercises import EXERCISES
from lessons.practice.puzzles import PUZZLES
from tests.e2e.expected import as_text, shown_gradient
from ui.navigation import LESSONS

LESSON_PAGES = tuple(lesson.name for lesson in LESSONS)
PAGES = (*LESSON_PAGES, "playground", "puzzles")
# A typed answer of each kind: right or wrong, the page must give a verdict.
TYPED = {"vector": "1, 2, 3", "number": "2", "shape": "3"}
MESSAGES = catalog("en")
VERDICTS = tuple(
    MESSAGES[f"exercises.{key}"].split("{")[0]
    for key in (
        *("right", "right_exact", "wrong_entries", "wrong_sizes", "wrong_number", "wrong_choice"),
        *(f"{more}_{unit}" for more in ("more", "fewer") for unit in ("entries", "dimensions")),
    )
)
STEP_RUNS = MESSAGES["playground.step_runs"].split("{number}")[0]
PUZZLE = PUZZLES[0]
PUZZLE_RIGHT = MESSAGES["puzzles.right"].split("{")[0]
_learner_numbers = itertools.count(1)
gevent.get_hub().loop.update_now()  # see bench/locustfile.py


def texts(run: Run) -> list[str]:
    return [element.markdown.body for element in run.elements.values() if element.markdown.body]


def alerts(run: Run) -> list[str]:
    return [e.alert.body for e in run.elements.values() if e.WhichOneof("type") == "alert"]


class MixedLearner(Reporting, User):
    wait_time = between(2, 4)  # a change every ~3 s, not in lockstep

    def on_start(self) -> None:
        self.number = next(_learner_numbers)
        self.page = PAGES[self.number % len(PAGES)]
        self.actions = 0
        self.socket = None
        if not self._report("open", self._open):
            raise StopUser()

    def on_stop(self) -> None:
        if self.socket is not None:
            self.socket.close()

    def _open(self) -> None:
        self.socket = create_connection(
            stream_url(self.host), timeout=OPEN_TIMEOUT_S, subprotocols=["streamlit"]
        )
        self.tab = BlockingSession(self.socket, self.page)
        check_run(self.tab.run())

    @task
    def act(self) -> None:
        self.actions += 1
        if self.page == "playground":
            self._report("step", self._step)
        elif self.page == "puzzles":
            self._report("attempt puzzle", self._attempt)
        elif self.actions % 2:
            self._report("change x", self._change_x)
        else:
            self._report("check exercise", self._check_exercise)

    def _change_x(self) -> None:
        x = (self.number, -self.actions, 7)
        self.tab.set_text(f"{self.page}_x", as_text(x))
        run = check_run(self.tab.run())
        if shown_gradient(self.page, x) not in run.texts_in(f"{self.page}_result"):
            raise LearnerError(f"x = {x}: another result was shown")

    def _check_exercise(self) -> None:
        exercise = next(e for e in EXERCISES[self.page] if e.kind in TYPED)
        self.tab.set_text(f"{exercise.key}_answer", TYPED[exercise.kind])
        self.tab.press(f"{exercise.key}_check")
        run = check_run(self.tab.run())
        if not any(text.startswith(VERDICTS) for text in run.texts_in(f"{exercise.key}_box")):
            raise LearnerError(f"{exercise.key}: no verdict after Check")

    def _step(self) -> None:
        # From step 1: Next shows step 2, then Previous shows step 1 again.
        forward = self.actions % 2
        self.tab.press(f"playground_step_{'next' if forward else 'previous'}")
        run = check_run(self.tab.run())
        if not any(text.startswith(f"{STEP_RUNS}{2 if forward else 1} ") for text in texts(run)):
            raise LearnerError("the step panel does not show the step asked for")

    def _attempt(self) -> None:
        self.tab.set_text(f"{PUZZLE.key}_answer", PUZZLE.reference)
        self.tab.press(f"{PUZZLE.key}_check")
        run = check_run(self.tab.run())
        if not any(text.startswith(PUZZLE_RIGHT) for text in alerts(run)):
            raise LearnerError("the right answer to the first puzzle was not accepted")
