"""What the browser tests need to know about the app's pages, and how to wait for Streamlit."""

import contextlib
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .expected import DEFAULT_X, shown_gradient

SETTLED_APP = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SKELETON = '[data-testid="stSkeleton"]'
EXCEPTION = '[data-testid="stException"]'
# st.error in streamlit 1.67: stAlert > stAlertContainer[role=alert] > stAlertContentError.
ERROR = '[data-testid="stAlertContentError"]'
CHART = '[data-testid="stPlotlyChart"]'
GRAPH = '[data-testid="stGraphVizChart"]'
NAV_LINK = '[data-testid="stSidebarNavLink"]'
# The page title inside a nav link, without the Material icon's ligature text.
NAV_LABEL = f'{NAV_LINK} [data-testid="stMarkdownContainer"]'
RADIO_OPTION = '[data-testid="stRadioOption"]'
MAIN_TEXT_INPUT = (
    '[data-testid="stMain"] [data-testid="stElementContainer"]:has([data-testid="stTextInput"])'
)


@dataclass(frozen=True)
class PageSpec:
    path: str  # url path; "" is the home page
    charts: int  # Plotly charts on the page with its default inputs
    shows: str | None = None  # what its result block shows; lessons: x.grad for x = 1, 2, 3

    @property
    def result_key(self) -> str:
        return f"{self.path}_result"

    @property
    def default_result(self) -> str:
        return self.shows or shown_gradient(self.path, DEFAULT_X)


LESSONS = (
    PageSpec("scalar", charts=0),
    PageSpec("nonscalar", charts=1),  # the Jacobian
    PageSpec("vjp", charts=2),  # the Jacobian; weighted rows with their column sums
    PageSpec("accumulate", charts=0),
    PageSpec("jacobian", charts=3),  # rows so far, columns so far, the batched J
    PageSpec("graph", charts=1),  # x.grad with and without detach()
    PageSpec("inplace", charts=1),  # x.grad after y.data changed, and out of place
    PageSpec("nograd", charts=0),
    PageSpec("gradcheck", charts=1),  # the error against h
    # relu around its kink; x = 0, 4, -1, 4 through the masked torch.where: nan where x ≤ 0
    PageSpec("edges", charts=1, shows="tensor([   nan, 0.2500,    nan, 0.2500])"),
)
# Lessons whose inputs are rows like the playground's (a name and a value each, some held
# constant): hostile text in each is tested through AppTest (tests/test_higher.py). /higher
# shows H for (x**3).sum(), and its result block Hv for v = ones, the column sums of diag(6x).
ROW_LESSONS = (PageSpec("higher", charts=1, shows="tensor([ 6., 12., 18.])"),)
PRACTICE = (PageSpec("puzzles", charts=0, shows="y = x.sum()"),)  # puzzle 1 by default
PAGES = (PageSpec("", charts=0), *LESSONS, *ROW_LESSONS, *PRACTICE)
# In the sidebar too, but tested on its own: tests/e2e/test_playground.py.
PLAYGROUND = "playground"
# In the sidebar too, tested through AppTest: tests/test_errors_finder.py.
ERRORS = "errors"
PAGE = {spec.path: spec for spec in PAGES}


# Playwright's own waits and expectations re-check on a back-off that reaches 500 ms between
# checks: idle time, for a rerun that takes a fraction of a second. So the helpers below
# first poll their condition in the page on every animation frame, then let the usual
# expectation confirm it at its first check. If the poll times out, the expectation waits
# once more and reports what the page shows (a failure takes twice the timeout).
SETTLED = f"""() => !!document.querySelector('{SETTLED_APP}')
    && !document.querySelector('{SKELETON}')"""
# The whitespace-normalized substring test of expect(...).to_contain_text.
CONTAINS_TEXT = r"""([selector, text]) => {
    const normal = s => s.replace(/\u200b/g, '').trim().replace(/\s+/g, ' ');
    const element = document.querySelector(selector);
    return !!element && normal(element.textContent).includes(normal(text));
}"""
PRESENT = "selector => !!document.querySelector(selector)"


def poll(page: Page, condition: str, arg: object = None) -> None:
    """Wait until `condition` holds, checking on every animation frame; on a timeout, return
    and leave the verdict to the expectation that follows."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(condition, arg=arg)


def keyed(key: str) -> str:
    """CSS selector of the element Streamlit renders for widget/container key `key`."""
    return f".st-key-{key}"


def wait_until_settled(page: Page) -> None:
    """The script run is over and every placeholder has been replaced by its element."""
    poll(page, SETTLED)
    page.locator(SETTLED_APP).wait_for()
    expect(page.locator(SKELETON)).to_have_count(0)


def expect_to_contain(page: Page, selector: str, text: str) -> None:
    poll(page, CONTAINS_TEXT, [selector, text])
    expect(page.locator(selector)).to_contain_text(text)


def expect_shown(page: Page, selector: str) -> None:
    """The first element `selector` names is there and visible."""
    poll(page, PRESENT, selector)
    expect(page.locator(selector).first).to_be_visible()


def open_page(page: Page, base_url: str, path: str, query: str = "") -> None:
    page.goto(f"{base_url}/{path}" + (f"?{query}" if query else ""))
    wait_until_settled(page)


def expect_page_shown(page: Page, spec: PageSpec) -> None:
    """Wait until `spec`'s page replaced whatever was on screen, then check what it shows.

    A click or Enter does not flip the app to "running" at once, so "settled" alone could
    still describe the previous page: wait first for content only this page has."""
    if spec.path:
        expect_to_contain(page, keyed(spec.result_key), spec.default_result)
    else:
        expect(page.locator(",".join(keyed(s.result_key) for s in LESSONS))).to_have_count(0)
    wait_until_settled(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.locator(CHART)).to_have_count(spec.charts)


def submit_text(page: Page, key: str, text: str) -> None:
    """Replace a text input's value and press Enter, as a learner would."""
    field = page.locator(f"{keyed(key)} input")
    field.fill(text)
    field.press("Enter")


def choose_radio(page: Page, key: str, index: int) -> None:
    page.locator(f"{keyed(key)} {RADIO_OPTION}").nth(index).click()


def expect_text_in(page: Page, key: str, text: str) -> None:
    """Wait until the keyed element shows `text` and the run that put it there is over."""
    expect_to_contain(page, keyed(key), text)
    wait_until_settled(page)


def text_input_keys(page: Page) -> set[str]:
    """Keys of the text inputs in the page's main area (read from their st-key-* class),
    except the answers to exercises and puzzles, which are read when Check is pressed."""
    return {
        key
        for key in page.locator(MAIN_TEXT_INPUT).evaluate_all(
            "containers => containers.flatMap(c => [...c.classList]"
            ".filter(name => name.startsWith('st-key-')).map(name => name.slice(7)))"
        )
        if not key.endswith("_answer")
    }


def nav_titles(page: Page) -> list[str]:
    return [label.strip() for label in page.locator(NAV_LABEL).all_inner_texts()]


def save_full_page(page: Page, path: Path) -> Path:
    """Screenshot the whole page. Streamlit scrolls inside its own container, so a plain
    full-page screenshot would stop at the viewport: grow the viewport to the content."""
    content_height = page.locator('[data-testid="stMainBlockContainer"]').evaluate(
        "block => Math.ceil(block.getBoundingClientRect().top + block.scrollHeight)"
    )
    page.set_viewport_size({"width": page.viewport_size["width"], "height": content_height})
    # Charts re-layout to the new size; wait until the main area no longer scrolls.
    page.wait_for_function(
        "() => { const main = document.querySelector('[data-testid=\"stMain\"]');"
        " return main.scrollHeight <= main.clientHeight + 1; }"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    return path
