"""A lesson link in Debian's Chromium: a teacher's hand-written link, opened cold, shows
the link's numbers, and the address follows the learner's edit."""

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import torch
from playwright.sync_api import Page, expect

from .browser_helpers import (
    ERROR,
    EXCEPTION,
    expect_text_in,
    keyed,
    submit_text,
    wait_until_settled,
)
from .expected import shown_gradient

pytestmark = pytest.mark.e2e

# "Open /vjp with x = 2, -1, 3 and v = e₂", typed by hand (commas not escaped).
LINK = "x=2,-1,3&fn=square&v=e2"
# A cold server imports torch and plotly during this very request (see test_playground.py).
COLD_START_MS = 120_000


def parameters(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_a_lesson_link_as_first_request_to_a_fresh_server_shows_its_numbers(
    page: Page, fresh_app_server
):
    page.goto(f"{fresh_app_server.url}/vjp?{LINK}")
    result = page.locator(keyed("vjp_result"))
    # y = x * x and v = e₂: x.grad = 2·v·x keeps only the second entry.
    gradient = shown_gradient("vjp", (2, -1, 3), (0, 1, 0))
    expect(result).to_contain_text(gradient, timeout=COLD_START_MS)
    expect(result).to_contain_text(str(torch.tensor([0.0, 1.0, 0.0])))
    wait_until_settled(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.locator(ERROR)).to_have_count(0)
    expect(page.locator(f"{keyed('vjp_x')} input")).to_have_value("2,-1,3")
    assert parameters(page.url) == {"lang": "en", "x": "2,-1,3", "fn": "square", "v": "e2"}

    submit_text(page, "vjp_x", "1, 4")
    expect_text_in(page, "vjp_result", shown_gradient("vjp", (1, 4), (0, 1)))
    edited = {"lang": "en", "x": "1, 4", "fn": "square", "v": "e2"}
    page.wait_for_url(lambda url: parameters(url) == edited)


# An error as a learner pastes it from their own program, written by hand: its step, the
# leaf changed in place, is far down its lesson, out of view when the page opens.
PASTED_LEAF_ERROR = (
    "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation."
)
# Whether an element's top edge is inside the window.
IN_VIEW = "el => { const t = el.getBoundingClientRect().top; return t >= 0 && t < innerHeight; }"


def test_the_error_finder_opens_the_lesson_at_the_step_that_raises_the_error(
    page: Page, app_server
):
    page.goto(f"{app_server.url}/inplace")
    wait_until_settled(page)
    assert not page.locator("#leaf").evaluate(IN_VIEW)  # opened plainly, the step is below
    page.goto(f"{app_server.url}/errors?{urlencode({'q': PASTED_LEAF_ERROR})}")
    wait_until_settled(page)
    page.locator(f"{keyed('errors_found_inplace_leaf')} a").click()
    wait_until_settled(page)
    page.wait_for_function(f"() => ({IN_VIEW})(document.getElementById('leaf'))")
    assert urlsplit(page.url).path == "/inplace" and "at" not in parameters(page.url)
    expect(page.locator(EXCEPTION)).to_have_count(0)
