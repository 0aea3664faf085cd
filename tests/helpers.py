"""Shared test helpers: open a page with AppTest, read back what it shows."""

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from ui.text import markdown_parts

ROOT = Path(__file__).resolve().parent.parent
LESSON_PAGES = (
    "scalar",
    "nonscalar",
    "vjp",
    "accumulate",
    "jacobian",
    "graph",
    "inplace",
    "nograd",
    "gradcheck",
    "edges",
    "higher",
)
PRACTICE_PAGES = ("playground", "puzzles")
ALL_PAGES = ("home", *LESSON_PAGES, *PRACTICE_PAGES)


def open_page(page: str, language: str = "en") -> AppTest:
    """Start from app.py, as a visitor does, then switch to `page`.

    AppTest resets Streamlit's `pages/` flag before every run, so every run here also
    passes through the pages' deep-link guard (ui/session.py) and its rerun."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.query_params["lang"] = language
    at.run()
    if page != "home":
        at.switch_page(f"pages/{page}.py").run()
    return at


def code_blocks(at: AppTest) -> list[str]:
    """Every code block on the page in page order: st.code's and those inside Markdown."""
    return [
        text
        for leaf in (*_leaves(at.main), *_leaves(at.sidebar))
        for kind, text in element_parts(leaf)
        if kind == "code"
    ]


def element_parts(element) -> list[tuple[str, str]]:
    """("code", text) for a code block, ("text", text) for anything else with a value; a
    Markdown element gives its prose and its code blocks in order."""
    if element.type == "code":
        return [("code", element.value)]
    if element.type == "markdown":
        return markdown_parts(element.value)
    return [("text", str(element.value))] if hasattr(element, "value") else []


def program_and_output(at: AppTest) -> tuple[str, str]:
    """The copyable program on the page and the output shown beneath it."""
    blocks = code_blocks(at)
    start = next(i for i, block in enumerate(blocks) if block.startswith("import torch"))
    return blocks[start], blocks[start + 1]


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def decode(array: object) -> np.ndarray:
    """A Plotly array from a figure spec: a plain list, or Plotly ≥ 6's base64 `bdata`."""
    if isinstance(array, dict) and "bdata" in array:
        values = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        shape = [int(size) for size in str(array.get("shape", len(values))).split(",")]
        return values.reshape(shape)
    return np.asarray(array, dtype=float)


def texts(at: AppTest) -> str:
    """Everything the page says in prose, for searching."""
    parts = [
        element.value
        for kind in (
            "title",
            "subheader",
            "markdown",
            "caption",
            "info",
            "success",
            "warning",
            "error",
        )
        for element in getattr(at, kind)
    ]
    return "\n".join(str(part) for part in parts)


def keyed_contents(at: AppTest, key: str) -> list[str]:
    """The texts and code blocks inside `st.container(key=key)`, in page order."""
    return [text for _, text in _keyed_parts(at, key)]


def keyed_codes(at: AppTest, key: str) -> list[str]:
    return [text for kind, text in _keyed_parts(at, key) if kind == "code"]


def _keyed_parts(at: AppTest, key: str) -> list[tuple[str, str]]:
    block = _find_keyed(at.main, key)
    assert block is not None, f"no container with key {key!r}"
    return [part for element in _leaves(block) for part in element_parts(element)]


def _find_keyed(node, key: str):
    for child in getattr(node, "children", {}).values():
        if str(getattr(getattr(child, "proto", None), "id", "")).endswith(f"-{key}"):
            return child
        found = _find_keyed(child, key)
        if found is not None:
            return found
    return None


def _leaves(node):
    for child in getattr(node, "children", {}).values():
        if getattr(child, "children", None):
            yield from _leaves(child)
        else:
            yield child


def open_link(page: str, params: dict[str, str], language: str = "en") -> AppTest:
    """A shared link opened by a new visitor: its parameters are there before the first run."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = language
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    return at.switch_page(f"pages/{page}.py").run()


def address(at: AppTest) -> dict[str, str]:
    """The page's URL parameters, each with its one value."""
    return {
        name: value[-1] if isinstance(value, list) else value
        for name, value in at.query_params.items()
    }
