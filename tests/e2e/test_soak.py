"""One learner reruns the heaviest page many times: the server's memory must level off."""

import asyncio

import pytest

from bench.server import MIB, AppServer
from bench.st_client import Session, session

from .expected import TYPED_PRESET, as_text, shown_gradient

pytestmark = pytest.mark.e2e

# The shipped configuration turns Streamlit's forced full GC after each run off
# (.streamlit/config.toml), so unreachable cycles wait for Python's own full collection,
# which comes once they reach a quarter of the long-lived objects (torch has many).
# Measured here (streamlit 1.67, torch 2.13, 2 cores): the server grows ~8-9 MiB over its
# first ~400 /vjp reruns, then stays within +-1 MiB through 2,000 (with the forced GC: flat
# from the start, ~1 MiB). The warm-up covers that climb. One run sends ~20 KB (two Plotly
# charts); keeping anything that size per run would add >= 10 MiB over RERUNS, and Python
# objects are larger than their wire form. The bound sits between the two.
WARM_UP_RERUNS = 400
RERUNS = 500
MAX_GROWTH_MIB = 8
SOAK_TIMEOUT_S = 360


async def rerun_with_new_inputs(learner: Session, first: int, count: int) -> None:
    """Each rerun types a new x and v, so nothing can be served from a cache of the last run."""
    for number in range(first, first + count):
        x = (number % 97 + 1, -2)
        v = (3, number % 89 + 1)
        learner.set_text("vjp_x", as_text(x))
        learner.set_text("vjp_v", as_text(v))
        run = await learner.run()
        assert not run.errors and not run.exceptions, (run.errors, run.exceptions)
        assert shown_gradient("vjp", x, v) in run.texts_in("vjp_result")


async def soak(server: AppServer) -> tuple[int, int]:
    """Server RSS before and after RERUNS reruns, once a warm-up has filled the caches."""
    async with asyncio.timeout(SOAK_TIMEOUT_S), session(server.url, "vjp") as learner:
        await learner.run()
        learner.set_radio_index("vjp_preset", TYPED_PRESET)
        await learner.run()
        await rerun_with_new_inputs(learner, 0, WARM_UP_RERUNS)
        before = server.rss_bytes()
        await rerun_with_new_inputs(learner, WARM_UP_RERUNS, RERUNS)
        return before, server.rss_bytes()


def test_memory_levels_off_over_500_reruns(app_server, record_figure):
    before, after = asyncio.run(soak(app_server))
    growth_mib = (after - before) / MIB
    record_figure(
        "soak",
        f"{RERUNS} reruns of /vjp after {WARM_UP_RERUNS} warm-up: RSS {before / MIB:.0f} -> "
        f"{after / MIB:.0f} MiB (growth {growth_mib:+.1f} MiB, bound {MAX_GROWTH_MIB} MiB)",
    )
    assert growth_mib < MAX_GROWTH_MIB
