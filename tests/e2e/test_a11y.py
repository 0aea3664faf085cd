"""WCAG 2.1 AA in Debian's Chromium: axe-core on every page in both languages on a laptop
and a phone (one load per page and language: checked at 1280 px, then narrowed to 390 px in
the same tab), the document's language, and a keyboard-only walk through a lesson and
through the playground's steps."""

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import torch
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Browser, Page, expect

from i18n import LANGUAGES
from lessons.functions import VECTOR_FUNCTIONS

from .browser_helpers import (
    CHART,
    EXCEPTION,
    GRAPH,
    PAGES,
    PLAYGROUND,
    PageSpec,
    choose_radio,
    expect_page_shown,
    expect_text_in,
    keyed,
    open_page,
    wait_until_settled,
)
from .expected import DEFAULT_X, shown_gradient
from .test_playground import LINK

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 390)
LAPTOP = WIDTHS[0]
# Streamlit folds its sidebar away below this width, on a load and on a resize alike.
SIDEBAR_FOLDS_BELOW = 768
# WCAG 2.0 and 2.1, levels A and AA; only what axe rates serious or critical fails a page.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
# Upstream, not ours: Streamlit's own sidebar navigation puts <div>s between its <ul> and
# its <li>s, which axe's list and listitem rules refuse. The only part of any page that
# axe does not check (README, "Accessibility").
UPSTREAM_SIDEBAR_NAV = '[data-testid="stSidebarNavItems"]'
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
RUN_AXE = "([excluded, options]) => axe.run({exclude: [[excluded]]}, options)"
# Every chart drawn by plotly.js and every graph laid out by d3-graphviz.
DRAWN = f"""() => [...document.querySelectorAll('{CHART}')].every(c => c.querySelector('.main-svg'))
    && [...document.querySelectorAll('{GRAPH}')].every(g => g.querySelector('svg'))"""
# The layout a visitor at `width` gets once a resize is over: the document that wide, the
# sidebar open or folded away (it slides), and every chart redrawn to its new box (Plotly
# follows a resize a moment later).
LAID_OUT = f"""([width, folded]) => {{
    const sidebar = document.querySelector('[data-testid="stSidebar"]').getBoundingClientRect();
    return document.documentElement.clientWidth === width
        && (folded ? sidebar.right <= 0 : sidebar.left === 0 && sidebar.width > 0)
        && [...document.querySelectorAll('{CHART}')].every(chart => {{
            const svg = chart.querySelector('.main-svg');
            return svg && Math.abs(svg.getBoundingClientRect().width - chart.clientWidth) <= 1;
        }});
}}"""

PLAYGROUND_LINK = urlencode(LINK)
# The error finder, empty and with a pasted error (written by hand, as a learner pastes it).
ERRORS = "errors"
ERRORS_LINK = urlencode(
    {"q": "RuntimeError: grad can be implicitly created only for scalar outputs"}
)
TARGETS = [(spec, "") for spec in PAGES] + [(PLAYGROUND, ""), (PLAYGROUND, PLAYGROUND_LINK)]
TARGETS += [(ERRORS, ""), (ERRORS, ERRORS_LINK)]


def target_id(target: tuple[PageSpec | str, str]) -> str:
    spec, query = target
    path = spec if isinstance(spec, str) else spec.path
    return (path or "home") + ("-link" if query else "")


@pytest.fixture(scope="module")
def tab(browser: Browser) -> Iterator[Page]:
    """One tab for the whole module, with axe-core in every document it loads: ~36 page
    loads share one server, one browser and one tab."""
    context = browser.new_context(viewport={"width": LAPTOP, "height": 900}, locale="en-US")
    context.set_default_timeout(30_000)
    context.add_init_script(AXE_SCRIPT)
    yield context.new_page()
    context.close()


def lay_out_at(page: Page, width: int) -> None:
    """Resize the tab to `width` and wait until the page has followed."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_function(LAID_OUT, arg=[width, width < SIDEBAR_FOLDS_BELOW])


def show(page: Page, base_url: str, target: tuple[PageSpec | str, str], language: str) -> None:
    """Open the page in `language` and wait until its result and its drawings are shown."""
    spec, query = target
    path = spec if isinstance(spec, str) else spec.path
    open_page(page, base_url, path, "&".join(filter(None, [query, f"lang={language}"])))
    if isinstance(spec, PageSpec):
        expect_page_shown(page, spec)  # its result, the run over, no exception
    else:
        if spec == PLAYGROUND and query:  # the link's graph: one box per node torch recorded
            expect(page.locator(f"{GRAPH} svg g.node")).to_have_count(6)
        wait_until_settled(page)
        expect(page.locator(EXCEPTION)).to_have_count(0)
    page.wait_for_function(DRAWN)


def serious_violations(page: Page) -> list[str]:
    """What axe finds serious or critical, one line per rule, with where it found it."""
    results = page.evaluate(RUN_AXE, [UPSTREAM_SIDEBAR_NAV, AXE_OPTIONS])
    return [
        f"{rule['id']} ({rule['impact']}, {len(rule['nodes'])} nodes): {rule['help']}; "
        + " | ".join(node["html"][:100] for node in rule["nodes"][:3])
        for rule in results["violations"]
        if rule["impact"] in FAILING_IMPACTS
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("target", TARGETS, ids=target_id)
def test_axe_finds_nothing_serious_on_a_laptop_or_a_phone(tab: Page, app_server, target, language):
    tab.set_viewport_size({"width": LAPTOP, "height": 900})
    show(tab, app_server.url, target, language)
    # The exclusion covers Streamlit's navigation list and nothing else.
    expect(tab.locator(UPSTREAM_SIDEBAR_NAV)).to_have_count(1)
    found = {}
    for width in WIDTHS:
        lay_out_at(tab, width)
        found[f"{width}px"] = serious_violations(tab)
    assert found == {f"{width}px": [] for width in WIDTHS}


def test_axe_reports_text_too_faint_to_read(tab: Page, app_server):
    """The check above can fail: a grey paragraph on white, 1.6 : 1, is reported."""
    tab.set_viewport_size({"width": LAPTOP, "height": 900})
    open_page(tab, app_server.url, "", "lang=en")
    tab.locator('[data-testid="stMainBlockContainer"]').evaluate(
        "main => main.insertAdjacentHTML('afterbegin', '<p style=\"color:#cccccc\">faint</p>')"
    )
    assert [line.split(" ")[0] for line in serious_violations(tab)] == ["color-contrast"]


def test_the_document_language_follows_the_chosen_language(page: Page, app_server):
    open_page(page, app_server.url, "scalar", "lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    open_page(page, app_server.url, "scalar", "lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    choose_radio(page, "lang", LANGUAGES.index("zh"))  # the sidebar's switch
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect_text_in(page, "scalar_result", shown_gradient("scalar", DEFAULT_X))
    choose_radio(page, "lang", LANGUAGES.index("en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the keyboard focus is on the element `selector` names."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def test_a_lesson_works_with_the_keyboard_alone(page: Page, app_server):
    open_page(page, app_server.url, "vjp", "lang=en")
    expect_text_in(page, "vjp_result", shown_gradient("vjp", DEFAULT_X))
    # The function's radio buttons: Tab reaches the one chosen, an arrow chooses the next.
    tab_to(page, f"{keyed('vjp_fn')} input:checked")
    sine = list(VECTOR_FUNCTIONS).index("sine")
    for _ in range(sine):
        page.keyboard.press("ArrowDown")
    expect(page.locator(f"{keyed('vjp_fn')} input[value='{sine}']")).to_be_checked()
    expect_text_in(page, "vjp_result", str(torch.tensor(DEFAULT_X).cos()))  # v = ones
    # x is below it: Tab goes on to its box.
    tab_to(page, f"{keyed('vjp_x')} input", limit=5)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("3, 4")
    page.keyboard.press("Enter")
    expect_text_in(page, "vjp_result", str(torch.tensor([3.0, 4.0]).cos()))


def test_the_playground_steps_move_with_the_arrow_keys(page: Page, app_server):
    """The step slider, by keyboard."""
    open_page(page, app_server.url, PLAYGROUND, f"{PLAYGROUND_LINK}&lang=en")
    slider = f"{keyed('playground_step')} input[type='range']"
    step = page.locator(slider)
    expect(step).to_have_value("0")  # the first of its options: step 1
    tab_to(page, slider)
    page.keyboard.press("ArrowRight")
    expect(step).to_have_value("1")
    expect(step).to_have_attribute("aria-valuetext", re.compile(r"^2 · "))
    # The step panel follows: 6 nodes, so 6 steps (tests/e2e/test_playground.py).
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Step 2 of 6:")
    wait_until_settled(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
