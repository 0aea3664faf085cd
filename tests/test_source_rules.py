"""Rules of the house that the code itself can be checked for."""

import ast
import subprocess
import sys

import pytest

from tests.helpers import ROOT

APP_SOURCES = sorted(
    [ROOT / "app.py", ROOT / "charts.py"]
    + [
        path
        for folder in ("pages", "ui", "lessons", "i18n")
        for path in (ROOT / folder).rglob("*.py")
    ]
)
UI_SOURCES = [
    path for path in APP_SOURCES if path.parent.name in ("pages", "ui") or path.name == "app.py"
]
# Streamlit calls whose text arguments a reader sees. st.code and st.latex show code and
# maths, which read the same in every language.
DISPLAY_CALLS = {
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "text",
    "write",
    "info",
    "success",
    "warning",
    "error",
    "toast",
    "button",
    "text_input",
    "number_input",
    "selectbox",
    "radio",
    "slider",
    "metric",
    "page_link",
    "expander",
    "tabs",
    "Page",
    "set_page_config",
}
TEXT_KEYWORDS = {"label", "help", "placeholder", "body", "title", "page_title", "caption"}


def has_words(node: ast.expr) -> bool:
    """A str literal, or the literal part of an f-string, containing any letter."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(char.isalpha() for char in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(has_words(part) for part in node.values if isinstance(part, ast.Constant))
    return False


def calls(path):
    """Every call in the source file at `path`."""
    tree = ast.parse(path.read_text(), str(path))
    return (node for node in ast.walk(tree) if isinstance(node, ast.Call))


def literal_texts(path):
    for node in calls(path):
        if not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in DISPLAY_CALLS:
            continue
        texts = [*node.args, *(k.value for k in node.keywords if k.arg in TEXT_KEYWORDS)]
        yield from (f"{path.name}:{node.lineno}" for text in texts if has_words(text))


@pytest.mark.parametrize("path", UI_SOURCES, ids=lambda path: path.name)
def test_pages_pass_no_literal_prose_to_streamlit(path):
    assert list(literal_texts(path)) == []


def test_the_literal_scan_catches_prose(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('st.title("Hello")\ncolumn.markdown(f"Row {i}")\nst.button(label="Go")\n')
    assert list(literal_texts(page)) == ["page.py:1", "page.py:2", "page.py:3"]
    page.write_text('st.title(t("x.title"))\nst.code("y = x * x")\nst.markdown("**")\n')
    assert list(literal_texts(page)) == []


def dangerous_calls(path):
    for node in calls(path):
        # eval(…), exec(…), compile(…) and builtins.eval(…); re.compile is harmless.
        name = getattr(node.func, "id", "")
        method = getattr(node.func, "attr", "")
        if name in ("eval", "exec", "compile", "__import__") or method in ("eval", "exec"):
            yield f"{path.name}:{node.lineno} calls {name or method}"
        for keyword in node.keywords:
            if keyword.arg == "unsafe_allow_html":
                yield f"{path.name}:{node.lineno} passes unsafe_allow_html"


@pytest.mark.parametrize("path", APP_SOURCES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_app_code_never_evaluates_text_nor_renders_raw_html(path):
    assert list(dangerous_calls(path)) == []


def test_the_danger_scan_catches_eval_and_raw_html(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("eval(text)\nbuiltins.exec(text)\nst.markdown(text, unsafe_allow_html=True)\n")
    assert len(list(dangerous_calls(page))) == 3


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=" ".join)
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def unwrapped_code_blocks(path):
    """st.code calls that would scroll sideways on a phone instead of wrapping."""
    for node in calls(path):
        if getattr(node.func, "attr", "") == "code":
            wraps = any(
                k.arg == "wrap_lines" and getattr(k.value, "value", False) is True
                for k in node.keywords
            )
            if not wraps:
                yield f"{path.name}:{node.lineno}"


@pytest.mark.parametrize("path", UI_SOURCES, ids=lambda path: path.name)
def test_every_code_block_wraps_its_lines(path):
    assert list(unwrapped_code_blocks(path)) == []


def test_the_wrap_scan_catches_a_block_that_scrolls(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("st.code(x)\ncolumn.code(x, wrap_lines=False)\nst.code(x, wrap_lines=True)\n")
    assert list(unwrapped_code_blocks(page)) == ["page.py:1", "page.py:2"]


def runs_outside_turns(path):
    """Fragments made with st.fragment itself, and a navigation run outside run_in_turn:
    either would run a session's script outside its turn (lessons/turns.py)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Attribute) and node.attr in ("fragment", "run")):
            continue
        if getattr(node.value, "id", "") == "st" or isinstance(node.value, ast.Call):
            yield f"{path.name}:{node.lineno} {node.attr}"


@pytest.mark.parametrize("path", UI_SOURCES, ids=lambda path: path.name)
def test_every_run_takes_its_turn(path):
    found = [place.split()[-1] for place in runs_outside_turns(path)]
    assert found == (["fragment"] if path.name == "runs.py" else [])  # the one that wraps


def test_the_turn_scan_catches_a_run_outside_a_turn(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        "@st.fragment\ndef f(): pass\nst.fragment(g, key='k')\nst.navigation(p).run()\n"
    )
    expected = ["page.py:1 fragment", "page.py:3 fragment", "page.py:4 run"]
    assert list(runs_outside_turns(page)) == expected


# Plotly's step-by-step figure API: each call validates and copies the whole figure again.
STEPWISE_FIGURE_CALLS = {
    "add_trace", "add_traces", "add_vline", "add_hline", "add_shape", "add_annotation",
    "update_layout", "update_traces", "update_xaxes", "update_yaxes", "make_subplots",
}  # fmt: skip


def stepwise_figure_calls(path):
    """Figures grown call by call instead of written out once (charts.py's docstring)."""
    for node in calls(path):
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name in STEPWISE_FIGURE_CALLS:
            yield f"{path.name}:{node.lineno} {name}"


@pytest.mark.parametrize("path", APP_SOURCES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_figure_is_built_in_one_call(path):
    assert list(stepwise_figure_calls(path)) == []


def test_the_figure_scan_catches_a_figure_built_step_by_step(tmp_path):
    chart = tmp_path / "chart.py"
    chart.write_text(
        "f = go.Figure()\nf.add_trace(t)\nf.update_layout(title='a')\nmake_subplots(2)\n"
    )
    assert list(stepwise_figure_calls(chart)) == [
        "chart.py:2 add_trace", "chart.py:3 update_layout", "chart.py:4 make_subplots"
    ]  # fmt: skip
