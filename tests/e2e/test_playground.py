"""The playground in Debian's Chromium: a teacher's shared link, opened cold."""

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import torch
from playwright.sync_api import Page, expect

from lessons.language.chain import step_texts
from lessons.language.graph import CURRENT_COLOUR
from lessons.language.playground import playground_lesson
from lessons.vjp import VectorChoice

from .browser_helpers import (
    EXCEPTION,
    GRAPH,
    PLAYGROUND,
    keyed,
    open_page,
    wait_until_settled,
)

pytestmark = pytest.mark.e2e

LINK = {"f": "3*a**3-b**2", "a": "2,3", "b": "6,4", "v": "ones"}
# A cold server imports torch and plotly during this very request; on a busy 2-core
# machine that has taken over 30 s, so the first wait is longer than the default.
COLD_START_MS = 120_000


def test_a_shared_link_as_first_request_to_a_fresh_server_draws_graph_and_grads(
    page: Page, fresh_app_server
):
    page.goto(f"{fresh_app_server.url}/playground?{urlencode(LINK)}")
    graph = page.locator(GRAPH)
    # d3-graphviz turns the DOT into an svg in the browser: one box per node torch recorded.
    expect(graph.locator("svg")).to_have_count(1, timeout=COLD_START_MS)
    wait_until_settled(page)
    expect(graph.locator("svg g.node")).to_have_count(6)
    expect(graph).to_contain_text("SubBackward0")
    expect(graph).to_contain_text("AccumulateGrad")
    a, b = torch.tensor([2.0, 3.0]), torch.tensor([6.0, 4.0])
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text(f"a.grad = {9 * a**2}")
    expect(main).to_contain_text(f"b.grad = {-2 * b}")
    wait_until_settled(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    # The address still carries every field, ready to be copied again.
    assert dict(parse_qsl(urlsplit(page.url).query)) == {"lang": "en", **LINK}


# Issue 15: a 20-node training step, stepped through with Next on a laptop and a phone.
BIG_LINK = {
    "f": "h = (W @ x + b).tanh()\ng = h * c + d\n"
    "loss = ((g - t) ** 2).mean() + (h.sigmoid() * d).sum() + (c.exp() / 2).sum()",
    "W": "0.5, -1; 1, 2",
    "x": "1, 2",
    "b": "0, -1",
    "t": "1, 0",
    "c": "0.5, 2",
    "d": "1, -1",
    "v": "ones",
    "const": "x,t",
}
SMALL_LINES = "W.sum()"  # SumBackward0 and W's AccumulateGrad
# The node's text as the browser draws it: the font size the style gives it, times the
# scale at which the svg is drawn (its box against its own coordinates).
NODE_FONT_PX = """box => {
  const svg = box.querySelector('[data-testid="stGraphVizChart"] svg');
  const text = svg.querySelector("g.node text");
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return parseFloat(getComputedStyle(text).fontSize) * scale;
}"""
# The current node (the highlighted fill) and a code block of the step panel showing
# `numbers`, both wholly inside the window, the node inside the graph's box too.
SEEN_TOGETHER = """([colour, title, numbers]) => {
  const inside = (inner, outer) => inner.top >= outer.top && inner.bottom <= outer.bottom
    && inner.left >= outer.left && inner.right <= outer.right;
  const screen = {top: 0, left: 0, bottom: innerHeight, right: innerWidth};
  const box = document.querySelector(".st-key-playground_graph");
  const node = [...box.querySelectorAll("g.node")].find(
    (group) => group.querySelector("path, polygon").getAttribute("fill") === colour);
  if (!node || node.querySelector("title").textContent !== title) return false;
  const nodeRect = node.getBoundingClientRect();
  const blocks = [...document.querySelectorAll(
    '.st-key-playground_step_panel [data-testid="stCode"]')].filter(
    (block) => block.innerText.replace(/\\s+/g, " ").trim() === numbers);
  return inside(nodeRect, box.getBoundingClientRect()) && inside(nodeRect, screen)
    && blocks.some((block) => inside(block.getBoundingClientRect(), screen));
}"""


def one_line(text: str) -> str:
    return " ".join(text.split())


def rows_of(link: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, value) for name, value in link.items() if name not in ("f", "v", "const"))


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_each_step_shows_its_node_and_its_numbers_together_at_a_readable_size(
    page: Page, app_server, width, height
):
    lesson = playground_lesson(
        rows_of(BIG_LINK), BIG_LINK["f"], VectorChoice(), constants=("x", "t")
    )
    assert len(lesson.graph.nodes) == len(lesson.steps) == 20
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, app_server.url, PLAYGROUND, urlencode(BIG_LINK))
    box = page.locator(keyed("playground_graph"))
    expect(box.locator("svg g.node")).to_have_count(20)
    big_font = box.evaluate(NODE_FONT_PX)
    assert 10 <= big_font <= 20

    picker = page.locator(keyed("playground_step_picker"))
    picker.evaluate("row => row.scrollIntoView({block: 'start'})")
    # Previous, the slider and Next on one row, at both widths.
    buttons = [page.locator(keyed(f"playground_step_{side}")) for side in ("previous", "next")]
    slider = picker.locator('[data-testid="stSlider"]').bounding_box()
    for button in buttons:
        bounds = button.bounding_box()
        assert bounds["y"] < slider["y"] + slider["height"] and slider["y"] < bounds["y"] + 40
    for number, step in enumerate(step_texts(lesson.steps, lesson.graph), start=1):
        if number > 1:
            buttons[1].locator("button").click()
        arguments = [CURRENT_COLOUR, f"n{step.node}", one_line(step.incoming)]
        page.wait_for_function(SEEN_TOGETHER, arg=arguments, timeout=10_000)
        wait_until_settled(page)
    expect(buttons[1].locator("button")).to_be_disabled()

    # A 2-node graph is drawn with text of the same size, not blown up to the column.
    expression = page.locator(f"{keyed('playground_f')} textarea")
    expression.fill(SMALL_LINES)
    expression.press("Control+Enter")
    expect(box.locator("svg g.node")).to_have_count(2)
    wait_until_settled(page)
    assert box.evaluate(NODE_FONT_PX) == pytest.approx(big_font, abs=0.5)
    expect(page.locator(EXCEPTION)).to_have_count(0)
