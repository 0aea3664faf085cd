"""The app in Debian's Chromium: every page, its numbers, its navigation and its languages."""

import os
import re
import shutil

import pytest
from playwright.sync_api import Page, expect

from bench.server import REPO_ROOT
from i18n import LANGUAGES

from .browser_helpers import (
    ERRORS,
    EXCEPTION,
    LESSONS,
    NAV_LINK,
    PAGE,
    PAGES,
    PLAYGROUND,
    choose_radio,
    expect_page_shown,
    expect_text_in,
    keyed,
    nav_titles,
    open_page,
    save_full_page,
    submit_text,
)
from .conftest import VIEWPORT
from .expected import DEFAULT_X, TYPED_PRESET, as_text, shown_gradient

pytestmark = pytest.mark.e2e

README_SCREENSHOT = REPO_ROOT / "docs" / "vjp-page.png"
# Set to 1 to rewrite README_SCREENSHOT; off in CI so that a run never dirties the checkout.
UPDATE_SCREENSHOT = os.environ.get("AUTOGRAD_LAB_UPDATE_SCREENSHOT") == "1"
FILE_STEMS = {"app", "home", *(spec.path for spec in PAGES if spec.path), PLAYGROUND, ERRORS}
CJK = re.compile(r"[\u4e00-\u9fff]")


def url_of(base_url: str, path: str) -> re.Pattern[str]:
    """The page's address, with any query string."""
    return re.compile(rf"^{re.escape(base_url)}/{path}(\?.*)?$")


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.path or "home")
def test_direct_url_shows_the_page(page: Page, app_server, spec, screenshot_dir):
    open_page(page, app_server.url, spec.path)
    expect_page_shown(page, spec)

    screenshot = save_full_page(page, screenshot_dir / f"{spec.path or 'home'}.png")
    print(f"screenshot: {screenshot}")
    if spec.path == "vjp" and UPDATE_SCREENSHOT:
        shutil.copyfile(screenshot, README_SCREENSHOT)


def test_sidebar_links_open_every_page(page: Page, app_server):
    open_page(page, app_server.url, LESSONS[-1].path)
    for spec in PAGES:
        page.locator(f'{NAV_LINK}[href="{app_server.url}/{spec.path}"]').click()
        expect_page_shown(page, spec)
        # The address bar follows the page a moment after its content.
        expect(page).to_have_url(url_of(app_server.url, spec.path))


def test_a_page_and_its_reruns_load_nothing_from_other_servers(page: Page, app_server):
    """A class may be served where nothing outside the server is reachable: the app's own
    origin serves everything, the favicon included (it is drawn again on every run)."""
    elsewhere: list[str] = []
    own = (app_server.url, "data:", "blob:")
    page.on(
        "request",
        lambda request: None if request.url.startswith(own) else elsewhere.append(request.url),
    )
    open_page(page, app_server.url, "scalar")
    submit_text(page, "scalar_x", as_text((2, 3)))
    expect_text_in(page, "scalar_result", shown_gradient("scalar", (2, 3)))
    assert elsewhere == []


@pytest.mark.parametrize(
    ("path", "x"), [("scalar", (2, 3)), ("nonscalar", (2, 3)), ("accumulate", (-1, 0.5))]
)
def test_new_x_changes_the_gradient(page: Page, app_server, path, x):
    open_page(page, app_server.url, path)
    expect_text_in(page, f"{path}_result", shown_gradient(path, DEFAULT_X))

    submit_text(page, f"{path}_x", as_text(x))
    expect_text_in(page, f"{path}_result", shown_gradient(path, x))
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_typed_v_weights_the_jacobian_rows(page: Page, app_server):
    open_page(page, app_server.url, "vjp")
    choose_radio(page, "vjp_preset", TYPED_PRESET)
    expect_text_in(page, "vjp_result", shown_gradient("vjp", DEFAULT_X, (1, -1, 0.5)))

    submit_text(page, "vjp_v", "2, 1, -2")
    expect_text_in(page, "vjp_result", shown_gradient("vjp", DEFAULT_X, (2, 1, -2)))

    submit_text(page, "vjp_v", "1, 10")
    submit_text(page, "vjp_x", "2, 3")
    expect_text_in(page, "vjp_result", shown_gradient("vjp", (2, 3), (1, 10)))
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_nonscalar_backward_button_shows_torchs_error(page: Page, app_server):
    open_page(page, app_server.url, "nonscalar")
    page.locator(f"{keyed('nonscalar_backward')} button").click()
    # torch's own message, caught live by the app: the app must never type it in itself.
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(
        "grad can be implicitly created only for scalar outputs"
    )
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_deep_link_as_first_request_to_a_fresh_server(page: Page, fresh_app_server):
    """With a pages/ folder beside app.py, a fresh server runs a deep link the old way
    (page without app.py, file names in the sidebar) unless each page's guard reroutes it."""
    open_page(page, fresh_app_server.url, "vjp")
    expect_page_shown(page, PAGE["vjp"])

    titles = nav_titles(page)
    assert "Custom gradient vectors" in titles
    assert len(titles) == len(PAGES) + 2  # and the playground and the error finder
    assert not FILE_STEMS & set(titles), titles
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page).to_have_url(url_of(fresh_app_server.url, "vjp"))


def test_lang_zh_link_opens_in_chinese(page: Page, app_server):
    open_page(page, app_server.url, "", query="lang=zh")
    titles = nav_titles(page)
    assert len(titles) == len(PAGES) + 2  # and the playground and the error finder
    assert all(CJK.search(title) for title in titles), titles
    expect(page.locator('[data-testid="stMain"] h1')).to_contain_text(CJK)


def test_a_chinese_browser_gets_chinese_and_a_link_that_keeps_it(browser, app_server):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    open_page(page, app_server.url, "scalar")
    expect(page.locator('[data-testid="stMain"] h1')).to_contain_text(CJK)
    page.wait_for_url(re.compile(r"[?&]lang=zh(&|$)"))
    context.close()


def test_language_switch_keeps_x_and_updates_the_url(page: Page, app_server):
    open_page(page, app_server.url, "scalar")
    submit_text(page, "scalar_x", "2, 3")
    expect_text_in(page, "scalar_result", shown_gradient("scalar", (2, 3)))
    title = page.locator('[data-testid="stMain"] h1')
    english_title = title.inner_text()

    switch_language(page, "zh")
    expect(title).to_contain_text(CJK)
    switch_language(page, "en")
    expect(title).to_have_text(english_title)


def switch_language(page: Page, language: str) -> None:
    """Pick `language` in the sidebar; the URL follows and x keeps what was typed."""
    choose_radio(page, "lang", LANGUAGES.index(language))
    page.wait_for_url(re.compile(rf"[?&]lang={language}(&|$)"))
    expect_text_in(page, "scalar_result", shown_gradient("scalar", (2, 3)))
    expect(page.locator(f"{keyed('scalar_x')} input")).to_have_value("2, 3")


def test_chinese_stays_chinese_across_sidebar_links(page: Page, app_server):
    open_page(page, app_server.url, "scalar", query="lang=zh")
    for spec in (PAGE["vjp"], PAGE[""], PAGE["accumulate"]):
        page.locator(f'{NAV_LINK}[href="{app_server.url}/{spec.path}"]').click()
        expect_page_shown(page, spec)
        expect(page.locator('[data-testid="stMain"] h1')).to_contain_text(CJK)
        page.wait_for_url(re.compile(rf"/{spec.path}\?(.*&)?lang=zh(&|$)"))
