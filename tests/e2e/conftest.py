"""Fixtures for the end-to-end tests: a live app server, Debian's Chromium, and a folder for
screenshots (tests/conftest.py collects the figures these tests record)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from bench.server import AppServer, running_app

VIEWPORT = {"width": 1280, "height": 900}


# How long an expectation waits for the page to get there. A lesson page replaces some
# sixty placeholders, charts among them; on two busy cores that can take longer than
# Playwright's default 5 s. This bounds a wait; it asserts nothing about speed.
EXPECT_TIMEOUT_MS = 30_000


def pytest_configure(config: pytest.Config) -> None:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """One server shared by the tests that do not care about its history."""
    with running_app(tmp_path_factory.mktemp("server")) as server:
        yield server


@pytest.fixture
def fresh_app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A server nobody has visited yet: its first request is the test's."""
    with running_app(tmp_path_factory.mktemp("fresh-server")) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope, not session: Playwright's sync API keeps an asyncio loop running in
    # this thread while it lives, and the websocket tests need `asyncio.run`.
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (Debian: apt-get install -y chromium fonts-noto-cjk)"
        if os.environ.get("CI", "").lower() in {"true", "1"}:
            pytest.fail(f"CI must run the browser tests, but {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab with its own cookies, in English whatever the machine's locale."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory, record_figure) -> Path:
    """Where the browser tests save full-page screenshots; its path is in the summary."""
    folder = tmp_path_factory.mktemp("screenshots")
    record_figure("screenshots", str(folder))
    return folder
