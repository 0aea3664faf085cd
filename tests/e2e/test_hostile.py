"""Hostile text in every text input of every lesson page, in a real browser: the app must
answer with an error message, run nothing from the text, and keep working."""

import pytest
from playwright.sync_api import Page, expect

from .browser_helpers import (
    ERROR,
    EXCEPTION,
    LESSONS,
    choose_radio,
    expect_shown,
    expect_text_in,
    keyed,
    open_page,
    submit_text,
    text_input_keys,
    wait_until_settled,
)
from .expected import TYPED_PRESET, as_text, shown_gradient

pytestmark = pytest.mark.e2e

PAYLOADS = {
    "script tag": "<script>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "10,000 characters": "1," * 5_000,
    "overflow to inf": "1e309",
    "nan": "nan",
    "full-width digits": "\uff11, \uff12",  # float() would accept these
    "empty": "",
}
X, V = (2, 3), (1, 10)
# A valid value for every text input on each page (vjp's v input shows once v is typed).
VALID_INPUTS = {
    "scalar": {"scalar_x": as_text(X)},
    "nonscalar": {"nonscalar_x": as_text(X)},
    "vjp": {"vjp_x": as_text(X), "vjp_v": as_text(V)},
    "accumulate": {"accumulate_x": as_text(X)},
    "jacobian": {"jacobian_x": as_text(X)},
    "graph": {"graph_x": as_text(X)},
    "inplace": {"inplace_x": as_text(X)},
    "nograd": {"nograd_x": as_text(X)},
    "gradcheck": {"gradcheck_x": as_text(X)},
    "edges": {"edges_x": as_text(X)},
}
INJECTED_FROM_TEXT = """() => document.querySelectorAll('img[src="x"]').length
    + [...document.scripts].filter(script => script.text.includes('alert(1)')).length"""


@pytest.mark.parametrize("path", [spec.path for spec in LESSONS])
def test_hostile_text_is_refused_and_the_page_recovers(page: Page, app_server, path):
    dialogs = []

    def note_and_dismiss(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", note_and_dismiss)
    valid = VALID_INPUTS[path]
    result = shown_gradient(path, X, V)

    open_page(page, app_server.url, path)
    if path == "vjp":
        choose_radio(page, "vjp_preset", TYPED_PRESET)
    fill_all(page, valid)
    expect_text_in(page, f"{path}_result", result)
    assert text_input_keys(page) == set(valid), "a text input without a hostile-input check"

    for key in valid:
        for name, payload in PAYLOADS.items():
            submit_text(page, key, payload)
            expect_shown(page, ERROR)
            wait_until_settled(page)
            expect(page.locator(EXCEPTION)).to_have_count(0)
            assert page.evaluate(INJECTED_FROM_TEXT) == 0, f"{name} in {key} injected markup"
            for other, text in valid.items():
                if other != key:
                    expect(page.locator(f"{keyed(other)} input")).to_have_value(text)

            submit_text(page, key, valid[key])
            expect_text_in(page, f"{path}_result", result)
            expect(page.locator(ERROR)).to_have_count(0)
            assert not dialogs, f"{name} in {key} opened a dialog: {dialogs}"


# Answers are read when Check is pressed: an exercise on a lesson page, and a puzzle.
ANSWERS = {"scalar": "scalar_two_dot", "puzzles": "puzzles_sum"}


@pytest.mark.parametrize(("path", "task"), ANSWERS.items())
def test_hostile_answers_are_refused_when_checked(page: Page, app_server, path, task):
    open_page(page, app_server.url, path)
    for name, payload in PAYLOADS.items():
        submit_text(page, f"{task}_answer", payload)
        wait_until_settled(page)
        expect(page.locator(ERROR)).to_have_count(0)
        page.locator(f"{keyed(f'{task}_check')} button").click()
        expect_shown(page, ERROR)
        wait_until_settled(page)
        expect(page.locator(EXCEPTION)).to_have_count(0)
        assert page.evaluate(INJECTED_FROM_TEXT) == 0, f"{name} in {task} injected markup"


def fill_all(page: Page, inputs: dict[str, str]) -> None:
    for key, text in inputs.items():
        submit_text(page, key, text)
