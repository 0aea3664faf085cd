"""How long Chromium takes to lay out and draw a graph with st.graphviz_chart, for graphs
around the bounds of lessons/language/graph.py: `python -m bench.graph_layout`.

A small page draws one DOT file chosen by a query parameter; each graph's time runs from
`goto` until its first node is drawn. Compare each with the 2-node graph measured in the
same run: the difference is the layout. (90 chained products, the graph of issue 19, took
minutes; it is left out.)
"""

import tempfile
import time
from pathlib import Path

import torch
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from bench.server import running_app
from lessons.language.graph import graph_size, to_dot, trace

PAGE = """import sys
import streamlit as st
folder = sys.argv[1]
name = st.query_params.get("graph", "tiny")
st.graphviz_chart(open(f"{folder}/{name}.dot").read(), width="stretch")
"""
TIMEOUT_MS = 120_000


def _leaf() -> torch.Tensor:
    return torch.tensor([1.0, 2.0], requires_grad=True)


def chained_products(count: int) -> torch.Tensor:
    """`h @ D @ D …` onto one reshaped leaf: `count` arrows into D's node."""
    h, d = torch.arange(4.0, requires_grad=True).reshape(2, 2), torch.eye(2, requires_grad=True)
    for _ in range(count):
        h = h @ d
    return h.sum()


def reused_inputs(levels: int, inputs: int, sines: int) -> torch.Tensor:
    """A chain that multiplies by one of `inputs` leaves at each level: long arrows."""
    leaves = [_leaf() for _ in range(inputs)]
    h = leaves[0]
    for level in range(levels):
        h = h * leaves[level % inputs]
        for _ in range(sines):
            h = h.sin()
    return h.sum()


GRAPHS = {
    "tiny": lambda: _leaf().sin().sum(),
    "products 12": lambda: chained_products(12),
    "products 30": lambda: chained_products(30),
    "products 45": lambda: chained_products(45),
    "120 sines": lambda: reused_inputs(1, 1, 120),
    "4 inputs, 10 levels": lambda: reused_inputs(10, 4, 8),
    "1 input, 10 levels": lambda: reused_inputs(10, 1, 6),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        names = {name: f"graph{index}" for index, name in enumerate(GRAPHS)}
        for name, build in GRAPHS.items():
            graph = trace(build(), {}, {})
            Path(folder, f"{names[name]}.dot").write_text(to_dot(graph, (), 0))
        Path(folder, "page.py").write_text(PAGE)
        script = str(Path(folder, "page.py"))
        with running_app(Path(folder), script, ["--", folder]) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"{server.url}/?graph={names['tiny']}")  # warm: the first load is slow
            for name, build in GRAPHS.items():
                size = graph_size(trace(build(), {}, {}))
                start = time.perf_counter()
                page.goto(f"{server.url}/?graph={names[name]}")
                try:
                    page.wait_for_selector(
                        '[data-testid="stGraphVizChart"] svg g.node', timeout=TIMEOUT_MS
                    )
                    seconds = f"{time.perf_counter() - start:.2f} s"
                except PlaywrightTimeout:
                    seconds = f"> {TIMEOUT_MS / 1000:.0f} s"
                    page = browser.new_page()
                bounds = f"within bounds: {size.drawable!s:5}"
                print(f"{name:22s} {size}  {bounds}  {seconds}", flush=True)
            browser.close()


if __name__ == "__main__":
    main()
