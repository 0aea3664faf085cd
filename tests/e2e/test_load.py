"""Many learners at once on one server: each sees only its own numbers, and nothing fails.

Sessions are websocket clients (see bench/st_client.py), not browser tabs: twenty Chromium pages
would swamp a 2-core machine and measure the browser instead of the server.
"""

import asyncio
import statistics

import pytest

from bench.server import MIB, PeakRss
from bench.st_client import Run, session

from .expected import DEFAULT_X, TYPED_PRESET, as_text, shown_gradient

pytestmark = pytest.mark.e2e

SESSIONS = 21  # seven on each lesson page that takes typed vectors
PAGES = ("scalar", "nonscalar", "vjp")
ROUNDS = 4  # new inputs per session after its first run
TEST_TIMEOUT_S = 150


async def learner(base_url: str, number: int) -> list[float]:
    """Open a page, then type new vectors a few times; return the seconds each update took.

    Every session's x (and v) is unique to it, so a result leaked from another session
    cannot pass the equality check."""
    page = PAGES[number % len(PAGES)]
    async with session(base_url, page) as learner_session:
        run = await learner_session.run()
        assert_clean(run, page, shown_gradient(page, DEFAULT_X))
        if page == "vjp":
            learner_session.set_radio_index("vjp_preset", TYPED_PRESET)
            await learner_session.run()  # shows the v input, whose id the next runs need
        latencies = []
        for round_number in range(ROUNDS):
            x = (number + 1, round_number - 5)
            v = (round_number + 2, -number)
            learner_session.set_text(f"{page}_x", as_text(x))
            if page == "vjp":
                learner_session.set_text("vjp_v", as_text(v))
            run = await learner_session.run()
            assert_clean(run, page, shown_gradient(page, x, v))
            latencies.append(run.seconds)
        return latencies


def assert_clean(run: Run, page: str, gradient: str) -> None:
    assert not run.errors and not run.exceptions, (run.errors, run.exceptions)
    assert not run.page_not_found
    assert gradient in run.texts_in(f"{page}_result"), (gradient, run.texts_in(f"{page}_result"))


async def all_learners(base_url: str) -> list[list[float] | BaseException]:
    async with asyncio.timeout(TEST_TIMEOUT_S):
        return await asyncio.gather(
            *(learner(base_url, number) for number in range(SESSIONS)), return_exceptions=True
        )


def test_concurrent_sessions_see_only_their_own_results(app_server, record_figure):
    with PeakRss(app_server) as memory:
        outcomes = asyncio.run(all_learners(app_server.url))
    failures = [repr(outcome) for outcome in outcomes if isinstance(outcome, BaseException)]
    latencies = [s for outcome in outcomes if isinstance(outcome, list) for s in outcome]
    record_figure(
        "load",
        f"{SESSIONS} sessions x {ROUNDS} updates, {len(failures)} errors, "
        f"server peak RSS {memory.peak_bytes / MIB:.0f} MiB",
    )
    if latencies:
        record_figure(
            "load",
            f"input -> finished result: median {statistics.median(latencies):.2f} s, "
            f"p95 {statistics.quantiles(latencies, n=20)[-1]:.2f} s over {len(latencies)} updates",
        )
    assert not failures, "\n".join(failures)
    assert len(latencies) == SESSIONS * ROUNDS
