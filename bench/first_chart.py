"""Browser time to first chart: /vjp against the floor app, cold (a new server's first
visitor) and warm (a new tab on a server that has served the page before)."""

from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from bench.rerun import FLOOR_APP
from bench.server import running_app
from bench.stats import p50, print_table

CHART = '[data-testid="stPlotlyChart"] .main-svg'  # drawn by plotly.js, not a placeholder
PAGE = "vjp"
WARM_VISITS = 5
TIMEOUT_MS = 60_000


def seconds_to_first_chart(browser: Browser, url: str) -> float:
    """From navigation start to the first Plotly chart drawn, as the page's clock says."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        tab = context.new_page()
        tab.goto(url, timeout=TIMEOUT_MS)
        tab.locator(CHART).first.wait_for(timeout=TIMEOUT_MS)
        return tab.evaluate("performance.now()") / 1000
    finally:
        context.close()


def visits(browser: Browser, url: str) -> tuple[float, list[float]]:
    """The first visit to a fresh server, then WARM_VISITS more in new tabs."""
    cold = seconds_to_first_chart(browser, url)
    return cold, [seconds_to_first_chart(browser, url) for _ in range(WARM_VISITS)]


def run(log_dir: Path, options: list[str]) -> None:
    if not CHROMIUM.exists():
        print(f"\n(browser section skipped: {CHROMIUM} is missing)")
        return
    with (
        running_app(log_dir, options=options) as app,
        running_app(log_dir, FLOOR_APP, options=options) as floor,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page_cold, page_warm = visits(browser, f"{app.url}/{PAGE}")
        floor_cold, floor_warm = visits(browser, floor.url)
        browser.close()
    print_table(
        f"Browser (Chromium) time to the first drawn chart, s; warm: median of {WARM_VISITS}",
        ("page", "cold s", "warm s", "warm / floor warm"),
        [
            (f"/{PAGE}", f"{page_cold:.2f}", f"{p50(page_warm):.2f}",
             f"{p50(page_warm) / p50(floor_warm):.2f}"),
            ("floor app", f"{floor_cold:.2f}", f"{p50(floor_warm):.2f}", "1.00"),
        ],
    )  # fmt: skip
