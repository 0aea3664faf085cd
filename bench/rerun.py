"""Warm rerun per page over the websocket, against the floor app, alternating."""

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.server import AppServer, running_app
from bench.st_client import Session, session
from bench.stats import p50, p95, print_table
from tests.e2e.expected import as_text, shown_gradient
from ui.navigation import HOME, LESSONS, PRACTICE

FLOOR_APP = "bench/floor_app.py"
FLOOR = "floor"
WARM_UP_RERUNS = 3


def new_x(number: int) -> tuple[int, ...]:
    return (number % 9 + 1, -2, number % 7)


async def rerun_page(learner: Session, page: str, number: int) -> float:
    """One rerun with a new x (when the page has one); checks the numbers it shows."""
    x = new_x(number)
    if page == FLOOR:
        learner.set_text("floor_x", str(number))
    elif _has_widget(learner, f"{page}_x"):
        learner.set_text(f"{page}_x", as_text(x))
    run = await learner.run()
    assert not run.errors and not run.exceptions, (page, run.errors, run.exceptions)
    if page == FLOOR:
        assert f"{float(number)}" in [e.code.code_text for e in run.elements.values()]
    elif page in {lesson.name for lesson in LESSONS}:
        assert shown_gradient(page, x) in run.texts_in(f"{page}_result"), page
    return run.seconds


def _has_widget(learner: Session, key: str) -> bool:
    try:
        learner.last.widget(key)
    except KeyError:
        return False
    return True


@dataclass
class Figures:
    seconds: list[float] = field(default_factory=list)  # input -> finished result, per rerun
    cpu_seconds: float = 0.0  # the server's CPU time over all of them

    async def add(self, server: AppServer, rerun: Awaitable[float]) -> None:
        cpu_before = server.cpu_seconds()
        self.seconds.append(await rerun)
        self.cpu_seconds += server.cpu_seconds() - cpu_before

    @property
    def cpu_ms_per_rerun(self) -> float:
        return self.cpu_seconds / len(self.seconds) * 1000


async def measure(app: AppServer, floor: AppServer, reruns: int) -> dict[str, Figures]:
    """Figures for every page and the floor, one floor rerun after each page's."""
    pages = [HOME.name, *(p.name for p in LESSONS), *(p.name for p in PRACTICE)]
    async with AsyncExitStack() as stack:
        floor_tab = await stack.enter_async_context(session(floor.url, ""))
        tabs = {FLOOR: floor_tab}
        for page in pages:
            tabs[page] = await stack.enter_async_context(
                session(app.url, "" if page == HOME.name else page)
            )
        for name, tab in tabs.items():
            await tab.run()
            for number in range(WARM_UP_RERUNS):
                await rerun_page(tab, name, number)
        figures = {name: Figures() for name in tabs}
        for number in range(reruns):
            for page in pages:
                await figures[page].add(app, rerun_page(tabs[page], page, number))
                await figures[FLOOR].add(floor, rerun_page(floor_tab, FLOOR, number))
        return figures


def run(log_dir: Path, reruns: int, options: list[str]) -> None:
    with (
        running_app(log_dir, options=options) as app,
        running_app(log_dir, FLOOR_APP, options=options) as floor,
    ):
        figures = asyncio.run(measure(app, floor, reruns))
    floor = figures[FLOOR]
    rows = [
        (
            f"/{page}" if page != FLOOR else "floor app",
            f"{p50(page_figures.seconds) * 1000:.0f}",
            f"{p95(page_figures.seconds) * 1000:.0f}",
            f"{p50(page_figures.seconds) / p50(floor.seconds):.2f}",
            f"{page_figures.cpu_ms_per_rerun:.0f}",
            f"{page_figures.cpu_ms_per_rerun / floor.cpu_ms_per_rerun:.2f}",
        )
        for page, page_figures in figures.items()
    ]
    print_table(
        f"Warm rerun over the websocket, {reruns} reruns per page with a new x, "
        f"alternating with the floor app",
        ("page", "median ms", "p95 ms", "median / floor", "server CPU ms", "CPU / floor"),
        rows,
    )
