"""The playground page through AppTest: shared links, bad values, the steps, the examples."""

import pytest
import torch
from streamlit.testing.v1 import AppTest
from torch.autograd.functional import jacobian

from i18n import catalog
from tests.helpers import ROOT, code_blocks, decode, plotly_specs, texts
from ui.text import plain

CUBIC_LINK = {"f": "3*a**3-b**2", "a": "2,3", "b": "6,4", "v": "ones"}


def open_link(params: dict[str, str], language: str = "en") -> AppTest:
    """A shared link opened as a new visitor: the parameters are there on the first run."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = language
    at.run()
    for name, value in params.items():
        at.query_params[name] = value
    return at.switch_page("pages/playground.py").run()


def graph(at: AppTest) -> str:
    (chart,) = at.get("graphviz_chart")
    return chart.proto.spec


def url(at: AppTest) -> dict[str, str]:
    return {
        name: value[-1] if isinstance(value, list) else value
        for name, value in at.query_params.items()
    }


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_shared_link_shows_the_result_graph_and_jacobians_without_clicks(language):
    at = open_link(CUBIC_LINK, language)
    assert not at.exception and not at.error
    messages = catalog(language)
    assert at.title[0].value == messages["playground.title"]
    assert at.text_area(key="playground_f").value == "3*a**3-b**2"
    a, b = torch.tensor([2.0, 3.0]), torch.tensor([6.0, 4.0])
    assert f"a.grad = {9 * a**2}\nb.grad = {-2 * b}" in code_blocks(at)
    vector_y = torch.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError) as caught:
        vector_y.backward()
    assert f"RuntimeError: {caught.value}" in code_blocks(at)
    dot = graph(at)
    assert (
        'label="y\\n3 * a ** 3 - b ** 2\\nSubBackward0\\n(2,)"' in dot
        and 'label="a\\nAccumulateGrad\\n(2,)"' in dot
    )
    expected = jacobian(lambda a, b: 3 * a**3 - b**2, (a, b))
    heatmaps = [spec["data"][0] for spec in plotly_specs(at)]
    assert heatmaps[0]["x"] == ["a[0]", "a[1]"] and heatmaps[0]["y"] == ["y[0]", "y[1]"]
    torch.testing.assert_close(
        torch.tensor(decode(heatmaps[0]["z"])), expected[0], check_dtype=False
    )
    torch.testing.assert_close(
        torch.tensor(decode(heatmaps[2]["z"])), expected[1], check_dtype=False
    )
    assert url(at) == {"lang": language, **CUBIC_LINK}


def test_bad_values_in_the_link_get_the_messages_typed_values_get():
    link = {"f": "x.sum()", "x": "1, abc", "2x": "1", "v": "e9"}
    at = open_link(link)
    assert not at.exception
    messages = catalog("en")
    not_a_number = messages["errors.not_a_number"].format(entry="abc")
    assert [error.value for error in at.error] == [not_a_number]
    at.text_input(key="playground_value_1").set_value("1, 2").run()
    bad_name = messages["errors.tensor_name_invalid"].format(name="2x")
    assert [error.value for error in at.error] == [bad_name]
    at.text_input(key="playground_name_2").set_value("z").run()
    assert not at.error and "x.grad = tensor([1., 1.])\nz.grad = None" in code_blocks(at)
    absent = catalog("en")["playground.absent"].split("{")[0]
    assert any(info.value.startswith(absent) and "`z`" in info.value for info in at.info)
    # Typed, the same bad entry gets the same words; the other fields stay as they were.
    at.text_input(key="playground_value_2").set_value("1, abc").run()
    assert [error.value for error in at.error] == [not_a_number]
    at.text_input(key="playground_value_2").set_value("3, 4")
    at.text_area(key="playground_f").set_value("x.__class__").run()
    attribute = messages["errors.expr_attribute"].format(piece=plain("x.__class__"))
    assert [error.value for error in at.error] == [attribute]
    assert at.text_input(key="playground_value_1").value == "1, 2"
    assert url(at)["x"] == "1, 2" and url(at)["f"] == "x.__class__"


def test_the_step_control_walks_the_engine_order_to_each_grad():
    at = open_link({"f": "(x * torch.sin(x)).sum()", "x": "1, 2, 3"}, "zh")
    messages = catalog("zh")
    runs = messages["playground.step_runs"]
    assert runs.format(number=1, total=4, kind="SumBackward0") in texts(at)
    at.select_slider(key="playground_step").set_value(4).run()
    assert runs.format(number=4, total=4, kind="AccumulateGrad") in texts(at)
    assert at.success[0].value == messages["playground.step_leaf"].format(name="x", result="y")
    x = torch.tensor([1.0, 2.0, 3.0])
    grad = torch.sin(x) + x * torch.cos(x)
    assert str(grad) in code_blocks(at) and f"x.grad = {grad}" in code_blocks(at)
    dot = graph(at)
    assert 'label="x\\nAccumulateGrad\\n(3,)", fillcolor="#f6b26b", penwidth=3' in dot
    assert dot.count('fillcolor="#cfe2f3"') == 3  # Sum, Mul and Sin ran before


TRAINING_LINK = {
    "f": "h = W @ x + b\nloss = (h.relu() - t).pow(2).mean()",
    "W": "0.5, -1; 1, 2",
    "x": "1, 2",
    "b": "0, -1",
    "t": "1, 0",
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_named_scalar_result_is_named_and_draws_no_weighted_rows(language):
    at = open_link(TRAINING_LINK, language)
    messages = catalog(language)
    shown = texts(at)
    assert messages["playground.step_jacobian"].format(name="loss") in [
        header.value for header in at.subheader
    ]
    assert messages["playground.step_incoming"].format(result="loss") in shown
    # A single entry needs no v: one Jacobian per input, and no diag(v)·J repeating it.
    assert len(plotly_specs(at)) == len(TRAINING_LINK) - 1
    assert messages["playground.weighted_intro"] not in shown
    at.select_slider(key="playground_step").set_value(len(at.select_slider[0].options)).run()
    leaf = at.success[0].value
    assert leaf.startswith(messages["playground.step_leaf"].split("{")[0])
    assert "`loss`" in leaf and "`y`" not in leaf


def test_with_v_the_step_names_the_weighted_sum_and_the_sums_show_their_rounding():
    link = {"f": "Q = 3*a**3 - b**2", "a": "0.1, 0.3", "b": "0.7, 0.2", "v": "0.3, 0.7"}
    at = open_link(link)
    messages = catalog("en")
    assert messages["playground.step_incoming_v"].format(result="Q") in texts(at)
    assert messages["playground.weighted_intro"] in texts(at)
    # The column sums of diag(v)·J in float32 against a.grad: shown as they differ, not "exactly".
    a, b = torch.tensor([0.1, 0.3], requires_grad=True), torch.tensor([0.7, 0.2])
    v = torch.tensor([0.3, 0.7])
    (3 * a**3 - b**2).backward(v)
    sums = (v[:, None] * jacobian(lambda a: 3 * a**3 - b**2, a)).sum(dim=0)
    metric = at.metric[0]
    assert metric.label == messages["playground.max_diff"].format(input="a")
    assert metric.value == f"{(sums - a.grad).abs().max().item():.3g}"


def test_the_detach_note_says_the_tensor_shares_storage():
    at = open_link({"f": "(x.detach() * 2).sum() + z.sum()", "x": "1, 2", "z": "3"})
    y = torch.tensor([1.0, 2.0], requires_grad=True) * 2
    u = y.detach()
    u[0] = 5.0  # an in-place change to u is a change to y: they share storage
    assert u.data_ptr() == y.data_ptr() and y[0].item() == 5.0
    note = catalog("en")["playground.absent"].format(names="`x`", result="y")
    assert note in [info.value for info in at.info]


def test_the_starter_menu_fills_every_field():
    at = open_link(CUBIC_LINK)
    at.selectbox(key="playground_example").set_value("training").run()
    assert at.text_area(key="playground_f").value.startswith("h = W @ x + b\n")
    assert [at.text_input(key=f"playground_name_{row}").value for row in (1, 2, 3, 4)] == [
        "W",
        "x",
        "b",
        "t",
    ]
    assert at.selectbox(key="playground_example").value is None
    assert not at.error and "loss.backward()" in code_blocks(at)[-2]
    assert 'label="h\\nW @ x + b\\nAddBackward0\\n(2,)"' in graph(at)
    at.selectbox(key="playground_example").set_value("detach").run()
    assert at.text_input(key="playground_name_2").value == ""
    assert url(at) == {
        "lang": "en",
        "f": "((x * x).detach() * x).sum()",
        "x": "1, 2, 3",
        "v": "ones",
    }


def leaf_names(at: AppTest) -> list[str]:
    """The names on the graph's AccumulateGrad nodes, as the DOT labels them."""
    return sorted(
        line.split('label="')[1].split("\\n")[0]
        for line in graph(at).splitlines()
        if "AccumulateGrad" in line
    )


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_switches_hold_inputs_constant_and_the_link_says_which(language):
    at = open_link(CUBIC_LINK, language)
    messages = catalog(language)
    at.selectbox(key="playground_example").set_value("training").run()
    switches = [at.toggle(key=f"playground_grad_{row}") for row in range(1, 7)]
    assert [switch.value for switch in switches] == [True, False, True, False, True, True]
    assert switches[1].label == messages["playground.grad_label"].format(row=2)
    assert leaf_names(at) == ["W", "b"]
    W = torch.tensor([[0.5, -1.0], [1.0, 2.0]], requires_grad=True)
    b = torch.tensor([0.0, -1.0], requires_grad=True)
    loss = ((W @ torch.tensor([1.0, 2.0]) + b).relu() - torch.tensor([1.0, 0.0])).pow(2).mean()
    loss.backward()
    assert f"W.grad = {W.grad}\nb.grad = {b.grad}" in code_blocks(at)
    note = messages["playground.constants_note"].format(names="`x`, `t`")
    assert note in [info.value for info in at.info]
    assert [tab.label for tab in at.tabs] == ["W", "b"]
    assert url(at)["const"] == "x,t"

    at.toggle(key="playground_grad_2").set_value(True).run()
    assert leaf_names(at) == ["W", "b", "x"]
    assert any(
        block.startswith("W.grad = ") and "\nx.grad = " in block for block in code_blocks(at)
    )
    assert url(at)["const"] == "t"
    at.toggle(key="playground_grad_4").set_value(True).run()
    assert "const" not in url(at) and not at.error


def test_a_link_holds_its_inputs_constant_and_names_the_ones_it_does_not_have():
    link = {**TRAINING_LINK, "const": "x,t,q"}
    at = open_link(link)
    assert not at.exception and not at.error
    assert leaf_names(at) == ["W", "b"]
    warning = catalog("en")["playground.link_const_unknown"].format(names="`q`", parameter="const")
    assert [box.value for box in at.warning] == [warning]
    assert url(at)["const"] == "x,t"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_in_place_line_on_the_page_links_to_the_lesson_and_keeps_the_fields(language):
    at = open_link({"f": "y = x * 2\ny += 1", "x": "1, 2"}, language)
    assert not at.exception
    shown = catalog(language)["errors.expr_inplace"].format(piece=plain("y += 1"))
    assert [error.value for error in at.error] == [shown]
    assert f"(inplace?lang={language})" in shown
    at.text_area(key="playground_f").set_value("x.relu_()").run()
    shown = catalog(language)["errors.expr_inplace_method"].format(name="relu_")
    assert [error.value for error in at.error] == [shown]
    assert at.text_input(key="playground_value_1").value == "1, 2"


def test_six_input_rows_are_drawn_and_a_seventh_link_input_is_named():
    names = ("a", "b", "c", "d", "e", "g", "h")
    link = {"f": "a + b + c + d + e + g", **dict.fromkeys(names, "1, 2")}
    at = open_link(link)
    assert [at.text_input(key=f"playground_name_{row}").value for row in range(1, 7)] == list(
        names[:6]
    )
    extra = catalog("en")["playground.link_extra"].format(limit=6, names="`h`")
    assert [box.value for box in at.warning] == [extra]
    assert leaf_names(at) == sorted(names[:6])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_with_every_input_constant_the_page_says_there_is_nothing_to_differentiate(language):
    at = open_link({"f": "(x * x).sum()", "x": "1, 2", "const": "x"}, language)
    assert not at.exception and not at.error
    messages = catalog(language)
    infos = [info.value for info in at.info]
    assert messages["playground.no_graph"].format(name="y") in infos
    assert messages["playground.jacobian_no_leaves"].format(name="y") in infos
    assert not at.get("graphviz_chart") and not at.tabs
    x = torch.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError) as caught:
        (x * x).sum().backward()
    assert f"RuntimeError: {caught.value}" in code_blocks(at)
    assert messages["playground.grads_heading"] not in texts(at)
