"""The playground in Debian's Chromium: a teacher's shared link, opened cold."""

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import torch
from playwright.sync_api import Page, expect

from .browser_helpers import EXCEPTION, GRAPH, wait_until_settled

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
