"""Cost against size: reruns of /vjp for growing n, up to the input cap."""

import asyncio
from pathlib import Path

from bench.rerun import Figures
from bench.server import AppServer, running_app
from bench.st_client import Session, session
from bench.stats import p50, print_table
from lessons.parsing import MAX_LENGTH
from tests.e2e.expected import as_text, shown_gradient

SIZES = (3, 8, 16, MAX_LENGTH)
RERUNS_PER_SIZE = 5  # a median of a few, so that one preempted run does not decide


async def rerun_with(learner: Session, x: tuple[int, ...]) -> float:
    learner.set_text("vjp_x", as_text(x))
    run = await learner.run()
    assert shown_gradient("vjp", x) in run.texts_in("vjp_result"), len(x)
    return run.seconds


async def measure(server: AppServer) -> dict[int, Figures]:
    figures = {n: Figures() for n in SIZES}
    async with session(server.url, "vjp") as learner:
        await learner.run()
        for n in SIZES:
            await rerun_with(learner, tuple(range(n)))  # the first run of each size warms up
            for offset in range(1, RERUNS_PER_SIZE + 1):
                x = tuple((j + offset) % 11 - 5 for j in range(n))
                await figures[n].add(server, rerun_with(learner, x))
    return figures


def run(log_dir: Path, options: list[str]) -> None:
    with running_app(log_dir, options=options) as app:
        figures = asyncio.run(measure(app))
    smallest = figures[SIZES[0]]
    print_table(
        f"One rerun of /vjp against the length n of x (median of {RERUNS_PER_SIZE})",
        ("n", "median ms", "server CPU ms", f"CPU / n = {SIZES[0]}"),
        [
            (
                n,
                f"{p50(f.seconds) * 1000:.0f}",
                f"{f.cpu_ms_per_rerun:.0f}",
                f"{f.cpu_ms_per_rerun / smallest.cpu_ms_per_rerun:.2f}",
            )
            for n, f in figures.items()
        ],
    )
