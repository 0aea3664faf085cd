"""Every result is readable whole: no code block on a lesson page scrolls sideways or
runs off the screen, on a laptop (1280 px) or a phone (390 px), for the longest x allowed."""

import pytest
from playwright.sync_api import Page, expect

from lessons.parsing import MAX_LENGTH, MAX_MAGNITUDE, MAX_TEXT_CHARS

from .browser_helpers import EXCEPTION, LESSONS, keyed, open_page, submit_text, wait_until_settled

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 390)
# MAX_LENGTH entries, each near the largest magnitude and with many digits: torch prints
# them in scientific notation, in the longest lines a result can have.
LONGEST_X = ", ".join(
    f"{(-1) ** k * (MAX_MAGNITUDE - 1234.567891 * k):.6f}" for k in range(MAX_LENGTH)
)
CODE_BLOCKS = '[data-testid="stMain"] [data-testid="stCode"]'
# A code block whose text scrolls sideways inside its box, or whose box runs off the page.
CUT_OFF = """blocks => blocks.flatMap(block => {
    const cut = [block.querySelector('pre'), block.querySelector('code')].some(
        e => e && e.scrollWidth > e.clientWidth + 1);
    const off = block.getBoundingClientRect().right > window.innerWidth + 1;
    return cut || off ? [block.innerText.slice(0, 60)] : [];
})"""


def test_the_longest_input_is_what_the_tests_use():
    assert len(LONGEST_X.split(", ")) == MAX_LENGTH
    assert len(LONGEST_X) <= MAX_TEXT_CHARS
    assert all(abs(float(entry)) <= MAX_MAGNITUDE for entry in LONGEST_X.split(", "))


@pytest.mark.parametrize("spec", LESSONS, ids=lambda spec: spec.path)
def test_no_result_is_cut_off_on_a_laptop_or_a_phone(page: Page, app_server, spec):
    open_page(page, app_server.url, spec.path)
    submit_text(page, f"{spec.path}_x", LONGEST_X)
    expect(page.locator(keyed(spec.result_key))).not_to_contain_text(spec.default_result)
    wait_until_settled(page)
    if spec.path == "nonscalar":  # torch's error too, in a code block of its own
        errors = page.locator(CODE_BLOCKS).filter(has_text="RuntimeError")
        before = errors.count()
        page.locator(f"{keyed('nonscalar_backward')} button").click()
        expect(errors).to_have_count(before + 1)
        wait_until_settled(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    blocks = page.locator(CODE_BLOCKS)
    assert blocks.count() >= 3
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # Let the layout follow the new width before measuring.
        page.wait_for_function(f"() => document.documentElement.clientWidth === {width}")
        page.wait_for_timeout(300)
        assert blocks.evaluate_all(CUT_OFF) == [], f"{spec.path} at {width} px"
