"""The playground's step control through AppTest: Previous and Next, the highlight, the table,
and what a session keeps (texts, never tensors; the lesson computed once per input)."""

import gc
import types

import pytest
import torch

import lessons.language.playground as playground_module
from i18n import catalog
from lessons.language.graph import CURRENT_COLOUR
from tests.helpers import code_blocks
from tests.test_playground_page import graph, open_link
from ui.playground import TABLE_COLUMNS

SIN_LINK = {"f": "(x * torch.sin(x)).sum()", "x": "1, 2, 3"}
CURRENT = f'fillcolor="{CURRENT_COLOUR}", penwidth=3'


def current_label(at) -> str:
    """The label of the one node the graph marks as the current step."""
    (line,) = [line for line in graph(at).splitlines() if CURRENT in line]
    return line.split('label="')[1].split('"')[0]


def step_button(at, direction: str):
    return at.button(key=f"playground_step_{direction}")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_previous_and_next_move_the_highlight_along_the_engine_order(language):
    at = open_link(SIN_LINK, language)
    runs = catalog(language)["playground.step_runs"]
    assert at.select_slider(key="playground_step").value == 1
    assert current_label(at) == "y\\n(x * torch.sin(x)).sum()\\nSumBackward0\\n()"
    assert step_button(at, "previous").disabled and not step_button(at, "next").disabled
    assert step_button(at, "next").label == catalog(language)["playground.step_next"]

    step_button(at, "next").click().run()
    assert at.select_slider(key="playground_step").value == 2
    assert current_label(at) == "x * torch.sin(x)\\nMulBackward0\\n(3,)"
    # The step's first paragraph: what runs, as its opening words.
    assert any(
        m.value.startswith(runs.format(number=2, total=4, kind="MulBackward0")) for m in at.markdown
    )
    for _ in range(2):
        step_button(at, "next").click().run()
    assert current_label(at) == "x\\nAccumulateGrad\\n(3,)"
    assert step_button(at, "next").disabled
    x = torch.tensor([1.0, 2.0, 3.0])
    assert str(torch.sin(x) + x * torch.cos(x)) in code_blocks(at)

    step_button(at, "previous").click().run()
    assert at.select_slider(key="playground_step").value == 3
    assert current_label(at) == "torch.sin(x)\\nSinBackward0\\n(3,)"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_steps_table_lists_each_node_what_arrived_and_what_it_passed_on(language):
    at = open_link(SIN_LINK, language)
    messages = catalog(language)
    (table,) = at.table
    frame = table.value
    assert list(frame.columns) == [messages[f"playground.table_{name}"] for name in TABLE_COLUMNS]
    assert frame.index.name == messages["playground.table_step"]
    assert list(frame[messages["playground.table_node"]]) == [
        "y SumBackward0",
        "MulBackward0",
        "SinBackward0",
        "x AccumulateGrad",
    ]
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    sine = torch.sin(x)
    sine.retain_grad()
    (x * sine).sum().backward()
    arrived = list(frame[messages["playground.table_arrived"]])
    assert arrived[0] == str(torch.tensor(1.0)) and arrived[2] == str(sine.grad)
    assert arrived[3] == str(x.grad)
    passed = list(frame[messages["playground.table_passed"]])
    assert passed[2] == f"x AccumulateGrad: {torch.cos(x.detach()) * sine.grad}"
    assert passed[3] == ""


def test_stepping_and_rerunning_with_the_same_fields_evaluate_nothing(monkeypatch):
    calls = []
    real = playground_module.evaluate

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(playground_module, "evaluate", counting)
    at = open_link(SIN_LINK)
    assert calls  # y itself, then the Jacobian's function
    first = len(calls)
    step_button(at, "next").click().run()
    at.select_slider(key="playground_step").set_value(4).run()
    assert len(calls) == first and current_label(at) == "x\\nAccumulateGrad\\n(3,)"
    at.text_input(key="playground_value_1").set_value("1, 2").run()
    assert len(calls) > first  # a new x is a new lesson
    assert at.select_slider(key="playground_step").value == 4  # still in range


def reachable_tensors(roots) -> list[torch.Tensor]:
    """Every tensor reachable from `roots` through the objects they refer to (functions and
    modules aside: through their globals everything is reachable)."""
    seen, found, stack = set(), [], list(roots)
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, (type, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(item))
        if isinstance(item, torch.Tensor):
            found.append(item)
            continue
        stack.extend(gc.get_referents(item))
    return found


def test_a_session_keeps_no_tensor_after_a_playground_run_nor_after_an_error():
    at = open_link({"f": "h = W @ x\nloss = h.relu().sum()", "W": "1, 2; 3, 4", "x": "1, -1"})
    assert at.get("graphviz_chart") and len(at.table) == 1
    step_button(at, "next").click().run()
    assert not reachable_tensors(at.session_state.values())
    at.text_area(key="playground_f").set_value("x @ W @ W.T @ x @ x").run()
    assert at.error
    assert not reachable_tensors(at.session_state.values())


def test_the_tensor_scan_finds_a_tensor_behind_a_dataclass_and_a_tuple():
    from lessons.language.graph import Step

    assert len(reachable_tensors([{"k": (Step(0, (torch.ones(1),), ()),)}])) == 1


def scrolled_to(at) -> str:
    """The graph node the page's scroll script brings into view."""
    (script,) = [html.proto.body for html in at.get("html") if "g.node" in html.proto.body]
    return script.split('const title = "')[1].split('"')[0]


def test_each_step_scrolls_the_graph_to_the_node_it_highlights():
    at = open_link(SIN_LINK)
    for number in range(1, 5):
        if number > 1:
            step_button(at, "next").click().run()
        (current,) = [line for line in graph(at).splitlines() if CURRENT in line]
        assert current.split()[0] == scrolled_to(at)
    assert scrolled_to(at) != "n0"  # the last step is a leaf, not y's node
