"""Cost against size: reruns of /vjp for growing n, up to the input cap."""

import asyncio
from pathlib import Path

from bench.server import running_app
from bench.st_client import session
from bench.stats import p50, print_table
from lessons.parsing import MAX_LENGTH
from tests.e2e.expected import as_text, shown_gradient

SIZES = (3, 8, 16, MAX_LENGTH)
RERUNS_PER_SIZE = 5  # a median of a few, so that one preempted run does not decide


async def measure(url: str) -> dict[int, list[float]]:
    seconds: dict[int, list[float]] = {}
    async with session(url, "vjp") as learner:
        await learner.run()
        for n in SIZES:
            seconds[n] = []
            for offset in range(RERUNS_PER_SIZE + 1):  # the first run of each size warms up
                x = tuple((j + offset) % 11 - 5 for j in range(n))
                learner.set_text("vjp_x", as_text(x))
                run = await learner.run()
                assert shown_gradient("vjp", x) in run.texts_in("vjp_result"), n
                if offset:
                    seconds[n].append(run.seconds)
    return seconds


def run(log_dir: Path, options: list[str]) -> None:
    with running_app(log_dir, options=options) as app:
        seconds = asyncio.run(measure(app.url))
    smallest = p50(seconds[SIZES[0]])
    print_table(
        f"One rerun of /vjp against the length n of x (median of {RERUNS_PER_SIZE})",
        ("n", "median ms", f"/ n = {SIZES[0]}"),
        [(n, f"{p50(s) * 1000:.0f}", f"{p50(s) / smallest:.2f}") for n, s in seconds.items()],
    )
