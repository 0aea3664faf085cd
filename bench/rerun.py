"""Warm rerun per page over the websocket, against the floor app, alternating."""

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from bench.server import running_app
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


async def measure(app_url: str, floor_url: str, reruns: int) -> dict[str, list[float]]:
    """Seconds per rerun for every page and the floor, one floor rerun after each page's."""
    pages = [HOME.name, *(p.name for p in LESSONS), *(p.name for p in PRACTICE)]
    async with AsyncExitStack() as stack:
        floor = await stack.enter_async_context(session(floor_url, ""))
        tabs = {FLOOR: floor}
        for page in pages:
            tabs[page] = await stack.enter_async_context(
                session(app_url, "" if page == HOME.name else page)
            )
        for name, tab in tabs.items():
            await tab.run()
            for number in range(WARM_UP_RERUNS):
                await rerun_page(tab, name, number)
        seconds: dict[str, list[float]] = {name: [] for name in tabs}
        for number in range(reruns):
            for page in pages:
                seconds[page].append(await rerun_page(tabs[page], page, number))
                seconds[FLOOR].append(await rerun_page(floor, FLOOR, number))
        return seconds


def run(log_dir: Path, reruns: int, options: list[str]) -> None:
    with (
        running_app(log_dir, options=options) as app,
        running_app(log_dir, FLOOR_APP, options=options) as floor,
    ):
        seconds = asyncio.run(measure(app.url, floor.url, reruns))
    floor_median = p50(seconds[FLOOR])
    rows = [
        (
            f"/{page}" if page != FLOOR else "floor app",
            f"{p50(values) * 1000:.0f}",
            f"{p95(values) * 1000:.0f}",
            f"{p50(values) / floor_median:.2f}",
        )
        for page, values in seconds.items()
    ]
    print_table(
        f"Warm rerun over the websocket, {reruns} reruns per page with a new x, "
        f"alternating with the floor app",
        ("page", "median ms", "p95 ms", "median / floor"),
        rows,
    )
