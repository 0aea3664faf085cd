"""Learners share one process: what one session does must not reach another's results."""

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import torch

from lessons import forward_mode
from lessons.functions import VECTOR_FUNCTIONS
from lessons.jacobian import JacobianLesson, jacobian_lesson, playground_jacobian_lesson
from lessons.practice.exercises import EXERCISES, answer
from tests.helpers import ROOT

X = "0.5, -1, 2, 3"
THREADS = 8
# Calls per test. Without the lock, 10 threads x 20 lessons gave ~150 RuntimeErrors and ~18
# wrong results here, and once a crashed process; with this test's sizes every test failed.
CALLS = 160
PLAYGROUND_INPUTS = (("x", "1, 2, 3"), ("W", "1, 0, 2; 0, 1, -1"))
PLAYGROUND_CODE = "h = W @ x.tanh()\n(h * h).cumsum(0)"


def in_threads(task: Callable[[int], object], calls: int = CALLS) -> list[object]:
    """task(0), task(1), … run by THREADS threads at once; their results, in order."""
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(task, range(calls)))


def tensors(lesson: JacobianLesson) -> dict[str, torch.Tensor]:
    return {
        "rows": torch.stack(lesson.rows),
        "columns": torch.stack(lesson.columns, dim=1),
        "batched": lesson.batched,
        "jacrev": lesson.jacrev,
        "jacfwd": lesson.jacfwd,
    }


def assert_same(lesson: JacobianLesson, reference: JacobianLesson) -> None:
    for name, tensor in tensors(reference).items():
        assert torch.equal(tensors(lesson)[name], tensor), name
    assert lesson.forward_passes == reference.forward_passes


def test_the_jacobian_of_every_function_is_exact_while_other_sessions_run_forward_mode():
    names = list(VECTOR_FUNCTIONS)
    references = {name: jacobian_lesson(X, name) for name in names}
    lessons = in_threads(lambda k: jacobian_lesson(X, names[k % len(names)]))
    for k, lesson in enumerate(lessons):
        assert_same(lesson, references[names[k % len(names)]])
    # The default function: the columns are A's, exactly, as the single-threaded run says.
    linear = references["linear"]
    assert torch.equal(tensors(linear)["columns"], linear.jacrev)
    assert linear.batched_vs_jacfwd == 0.0


def test_the_learners_own_function_is_exact_while_other_sessions_run_forward_mode():
    reference = playground_jacobian_lesson(PLAYGROUND_INPUTS, PLAYGROUND_CODE)
    torch.testing.assert_close(tensors(reference)["columns"], reference.jacrev)
    mixed = in_threads(
        lambda k: (
            playground_jacobian_lesson(PLAYGROUND_INPUTS, PLAYGROUND_CODE)
            if k % 2
            else jacobian_lesson(X, "linear")
        )
    )
    for lesson in mixed[1::2]:
        assert_same(lesson, reference)


def test_exercise_answers_in_forward_mode_are_exact_in_threads():
    exercises = EXERCISES["jacobian"]
    references = [answer(exercise) for exercise in exercises]
    answers = in_threads(lambda k: answer(exercises[k % len(exercises)]))
    for k, result in enumerate(answers):
        expected = references[k % len(exercises)]
        same = torch.equal(result, expected) if isinstance(result, torch.Tensor) else None
        assert same if same is not None else result == expected


def test_a_forward_mode_call_waits_for_the_one_holding_the_lock():
    started, finished = threading.Event(), threading.Event()

    def column() -> torch.Tensor:
        started.set()
        _, tangent = forward_mode.jvp(torch.sin, (torch.zeros(2),), (torch.ones(2),))
        finished.set()
        return tangent

    with ThreadPoolExecutor(1) as pool:
        with forward_mode.exclusive():
            future = pool.submit(column)
            assert started.wait(10)
            assert not finished.wait(0.2)
        assert torch.equal(future.result(10), torch.ones(2))
    assert forward_mode.jacfwd(torch.sin)(torch.zeros(2)).tolist() == [[1.0, 0.0], [0.0, 1.0]]


SERVE_AND_COUNT_THREADS = """
import threading, torch
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=60).run()
at.switch_page("pages/scalar.py").run()
assert not at.exception
counts = [torch.get_num_threads()]
worker = threading.Thread(target=lambda: counts.append(torch.get_num_threads()))
worker.start()
worker.join()
print(counts)
"""


def test_torch_runs_one_thread_in_every_thread_once_the_app_has_run():
    """In a fresh process whose torch would start with two threads (OMP_NUM_THREADS), as on
    a two-core server; the main thread as the server's, which runs no torch of its own."""
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    result = subprocess.run(
        [sys.executable, "-c", SERVE_AND_COUNT_THREADS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[1, 1]"
