"""Learners on /jacobian at the same time, on a real server: each sees its own J, exactly.

/jacobian runs forward-mode AD (`jvp`, `jacfwd`), whose state torch keeps for the whole
process, and Streamlit runs each session's script in a thread of its own. Without the lock in
lessons/forward_mode.py, two learners rerunning the default function broke each other's
results: forward-mode columns of zeros, max |J - jacfwd| = 3, tracebacks.
"""

import asyncio

import pytest

from bench.st_client import Run, session
from i18n import catalog
from lessons.functions import linear_matrix

from .expected import DEFAULT_X, as_text

pytestmark = pytest.mark.e2e

SESSIONS = 6
ROUNDS = 5  # new x per session after its first run
TEST_TIMEOUT_S = 240
WORDS = catalog("en")


def metrics(run: Run) -> dict[str, str]:
    shown = (e.metric for e in run.elements.values() if e.WhichOneof("type") == "metric")
    return {metric.label: metric.body for metric in shown}


def assert_exact(run: Run, n: int) -> None:
    """y = A x: the first pass of each mode shows row 1 and column 1 of A, and the batched
    J equals jacrev's and jacfwd's exactly."""
    assert not run.errors and not run.exceptions, (run.errors, run.exceptions)
    A = linear_matrix(n)
    result = run.texts_in("jacobian_result")
    assert str(A[0]) in result and str(A[:, 0]) in result, result
    shown = metrics(run)
    for label in ("loop_vs_batched", "batched_vs_jacrev", "batched_vs_jacfwd"):
        assert shown[WORDS[f"jacobian.{label}"]] == "0", shown
    assert shown[WORDS["jacobian.forward_passes"]] == str(n), shown


async def learner(base_url: str, number: int) -> int:
    """Open /jacobian, then type x of a new length a few times; return the runs checked."""
    async with session(base_url, "jacobian") as tab:
        assert_exact(await tab.run(), len(DEFAULT_X))
        for round_number in range(ROUNDS):
            n = 2 + (number + round_number) % 6
            tab.set_text("jacobian_x", as_text(tuple(range(number, number + n))))
            assert_exact(await tab.run(), n)
        return ROUNDS + 1


async def all_learners(base_url: str) -> list[int | BaseException]:
    async with asyncio.timeout(TEST_TIMEOUT_S):
        return await asyncio.gather(
            *(learner(base_url, number) for number in range(SESSIONS)), return_exceptions=True
        )


def test_concurrent_learners_on_the_jacobian_page_see_exact_results(app_server, record_figure):
    outcomes = asyncio.run(all_learners(app_server.url))
    failures = [repr(outcome) for outcome in outcomes if isinstance(outcome, BaseException)]
    record_figure("isolation", f"/jacobian: {SESSIONS} sessions at once, {len(failures)} failed")
    assert not failures, "\n".join(failures)
    assert outcomes == [ROUNDS + 1] * SESSIONS
