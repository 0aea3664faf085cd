"""Fragments on a real server: a playground step in Chromium, and a change of x on /scalar
that reruns what x drives and nothing around it."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import torch
from playwright.sync_api import Page, expect

from bench.st_client import session
from i18n import catalog
from lessons.language.graph import CURRENT_COLOUR

from .browser_helpers import EXCEPTION, GRAPH, keyed, wait_until_settled
from .expected import as_text, shown_gradient

pytestmark = pytest.mark.e2e

SIN_LINK = {"f": "(x * torch.sin(x)).sum()", "x": "1, 2, 3"}
FIRST_VISIT_MS = 120_000  # the shared server may not have imported torch yet


def test_next_and_previous_step_the_engine_order_with_its_numbers(page: Page, app_server):
    page.goto(f"{app_server.url}/playground?{urlencode(SIN_LINK)}")
    graph = page.locator(GRAPH)
    expect(graph.locator("svg")).to_have_count(1, timeout=FIRST_VISIT_MS)
    wait_until_settled(page)
    main = page.locator('[data-testid="stMain"]')
    runs = catalog("en")["playground.step_runs"].replace("**", "")
    # The node drawn with the current step's colour (d3-graphviz sets it as the fill).
    current = graph.locator(f'svg g.node:has([fill="{CURRENT_COLOUR}"])')
    expect(main).to_contain_text(runs.format(number=1, total=4, kind="SumBackward0"))
    expect(current).to_contain_text("SumBackward0")
    next_button = page.locator(f"{keyed('playground_step_next')} button")
    for number, kind in ((2, "MulBackward0"), (3, "SinBackward0"), (4, "AccumulateGrad")):
        next_button.click()
        expect(main).to_contain_text(runs.format(number=number, total=4, kind=kind))
        expect(current).to_contain_text(kind)
    x = torch.tensor([1.0, 2.0, 3.0])
    grad = torch.sin(x) + x * torch.cos(x)
    expect(page.locator('[data-testid="stMain"] [data-testid="stCode"]')).to_contain_text(
        [str(grad)]
    )
    expect(next_button).to_be_disabled()
    page.locator(f"{keyed('playground_step_previous')} button").click()
    expect(main).to_contain_text(runs.format(number=3, total=4, kind="SinBackward0"))
    expect(current).to_contain_text("SinBackward0")
    wait_until_settled(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


async def change_x_on_scalar(base_url: str):
    async with session(base_url, "scalar") as tab:
        before = await tab.run()
        tab.set_text("scalar_x", as_text((4, 5, 6)))
        return before, await tab.run()


def test_a_new_x_reruns_the_lesson_at_x_and_leaves_the_function_and_exercises_as_they_were(
    app_server,
):
    """The client reruns only the fragment that holds x (as a browser does): the server
    sends the new result, and no element outside that fragment: not the function's radio
    buttons (drawn by the fragment around it), nor the exercise boxes."""
    # In a thread of its own: Playwright's sync API keeps an asyncio loop in this one.
    with ThreadPoolExecutor(1) as thread:
        before, after = thread.submit(asyncio.run, change_x_on_scalar(app_server.url)).result()
    assert shown_gradient("scalar", (4, 5, 6)) in after.texts_in("scalar_result")
    x_fragment = before.fragment_of("scalar_x")
    assert x_fragment and after.fragment_of("scalar_x") == x_fragment
    assert before.fragment_of("scalar_fn") not in ("", x_fragment)
    assert after.widget("scalar_fn") is before.widget("scalar_fn")
    box = before.texts_in("scalar_two_dot_box")
    assert box and after.texts_in("scalar_two_dot_box") == box
    kept = [path for path, drawn in before.fragments.items() if drawn != x_fragment]
    assert kept and all(after.elements[path] is before.elements[path] for path in kept)
