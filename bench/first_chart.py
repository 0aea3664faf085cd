"""Browser time to first chart: /vjp against the floor app, cold (a new server's first
visitor) and warm (a new tab on a server that has served the page before); the app started
as the README starts it (`streamlit run app.py`) and as the image does (`serve.py`, warmed
before it answers)."""

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
    figures = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # One server at a time: each cold visit is the first request its process serves.
        for label, script, path in (
            (f"/{PAGE}, streamlit run app.py", "app.py", PAGE),
            (f"/{PAGE}, streamlit run serve.py", "serve.py", PAGE),
            ("floor app", FLOOR_APP, ""),
        ):
            with running_app(log_dir, script, options=options) as server:
                figures[label] = visits(browser, f"{server.url}/{path}")
        browser.close()
    floor_warm = p50(figures["floor app"][1])
    print_table(
        f"Browser (Chromium) time to the first drawn chart, s; warm: median of {WARM_VISITS}",
        ("page", "cold s", "warm s", "cold / warm", "warm / floor warm"),
        [
            (label, f"{cold:.2f}", f"{p50(warm):.2f}", f"{cold / p50(warm):.2f}",
             f"{p50(warm) / floor_warm:.2f}")
            for label, (cold, warm) in figures.items()
        ],
    )  # fmt: skip
