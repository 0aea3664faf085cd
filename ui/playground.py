"""The playground's fields: starter examples, shareable links, and the steps of backward().

A link carries every field: `f` the expression, one parameter per input named by the
input (`x=1,2,3`, `W=1,2;3,4`), `v` (`ones`, `e2`, `random7` or numbers), `const` (the
inputs held constant, `const=x,t`; left out when every input needs a gradient) and `lang`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from charts import (
    AxisTitles,
    EntryLabels,
    jacobian_figure,
    matrix_table,
    weighted_rows_figure,
    weighted_rows_table,
)
from lessons.language.chain import StepText
from lessons.language.expression import MAX_INPUTS, MAX_WORK
from lessons.language.graph import (
    MAX_DRAWN_BOXES,
    MAX_DRAWN_EDGES,
    MAX_DRAWN_IN_DEGREE,
    MAX_DRAWN_NODES,
    Edge,
    Node,
    graph_size,
    to_dot,
)
from lessons.language.playground import MAX_JACOBIAN_ROWS, playground_lesson
from lessons.language.snapshot import PlaygroundSnapshot, snapshot
from lessons.links import choice_from_link
from lessons.parsing import MAX_TENSOR_ENTRIES, InputError, check_input_name
from lessons.vjp import VectorChoice
from ui.links import fill_choice
from ui.runs import fragment
from ui.session import LANGUAGE_KEY, Translator
from ui.text import code, code_block, code_list, message, visible
from ui.widgets import show_matrix, show_result, show_torch_error

PAGE = "playground"
EXPRESSION_KEY = "f"
V_KEY = "v"
CONST_KEY = "const"
EXAMPLE_KEY = "playground_example"
STEP_KEY = "playground_step"
PICKER_KEY = "playground_step_picker"
PANEL_KEY = "playground_step_panel"
# Set once a link has filled the fields, so that later runs keep what the learner types.
LINK_READ = "playground_link_read"


@dataclass(frozen=True)
class Fields:
    inputs: tuple[tuple[str, str], ...]  # (name, value text), in order
    expression: str
    v: str = "ones"  # as in a link
    constants: tuple[str, ...] = ()  # the inputs held constant: no requires_grad


EXAMPLES = (
    ("notes_scalar", Fields((("x", "0, 1, 2, 3"),), "y = 2 * torch.dot(x, x)")),
    ("notes_vector", Fields((("x", "1, 2, 3"),), "y = x * x")),
    ("cubic", Fields((("a", "2, 3"), ("b", "6, 4")), "Q = 3*a**3 - b**2")),
    (
        "neuron",
        Fields(
            (("W", "1, -1; 0.5, 2"), ("x", "1, 2"), ("b", "0.1, -0.2")),
            "(W @ x + b).sigmoid().sum()",
        ),
    ),
    ("detach", Fields((("x", "1, 2, 3"),), "((x * x).detach() * x).sum()")),
    (
        "training",
        Fields(
            (("W", "0.5, -1; 1, 2"), ("x", "1, 2"), ("b", "0, -1"), ("t", "1, 0")),
            "h = W @ x + b\nloss = (h.relu() - t).pow(2).mean()",
            constants=("x", "t"),  # the data and the target
        ),
    ),
)
DEFAULT = dict(EXAMPLES)["cubic"]


def name_key(row: int) -> str:
    return f"{PAGE}_name_{row}"


def value_key(row: int) -> str:
    return f"{PAGE}_value_{row}"


def grad_key(row: int) -> str:
    return f"{PAGE}_grad_{row}"


def expression_key() -> str:
    return f"{PAGE}_{EXPRESSION_KEY}"


def session_fields() -> Fields:
    """The playground's fields as the learner left them, for other pages to use; its
    defaults when the playground has not been opened in this session."""
    if expression_key() not in st.session_state:
        return DEFAULT
    state = st.session_state
    rows = range(1, MAX_INPUTS + 1)
    inputs = tuple((state[name_key(row)], state[value_key(row)]) for row in rows)
    switches = tuple(state.get(grad_key(row), True) for row in rows)
    return Fields(inputs, state[expression_key()], constants=held_constant(inputs, switches))


def held_constant(inputs: Sequence[tuple[str, str]], switches: Sequence[bool]) -> tuple[str, ...]:
    """The names of the rows whose "needs a gradient" switch is off (rows without a name
    hold nothing)."""
    return tuple(
        name.strip()
        for (name, _), needs_grad in zip(inputs, switches, strict=True)
        if not needs_grad and name.strip()
    )


def fields_from_link(params: Mapping[str, str]) -> Fields | None:
    """The fields a link carries, or None for a URL that is not a playground link.

    Every parameter other than f, v, const and lang is an input, in the link's order; names
    and values are checked later exactly like typed ones."""
    if EXPRESSION_KEY not in params:
        return None
    inputs = tuple(
        (name, value)
        for name, value in params.items()
        if name not in (EXPRESSION_KEY, V_KEY, CONST_KEY, LANGUAGE_KEY)
    )
    constants = tuple(
        dict.fromkeys(name.strip() for name in params.get(CONST_KEY, "").split(",") if name.strip())
    )
    return Fields(inputs, params[EXPRESSION_KEY], params.get(V_KEY, "ones"), constants)


def unknown_constants(fields: Fields) -> tuple[str, ...]:
    """The names a link holds constant that are none of its inputs."""
    names = {name.strip() for name, _ in fields.inputs}
    return tuple(name for name in fields.constants if name not in names)


def link_from_fields(fields: Fields, language: str) -> dict[str, str]:
    """The URL parameters for these fields. A row whose name could not be an input (empty,
    reserved such as `f`, or taken) is left out: it must not overwrite another parameter."""
    link = {LANGUAGE_KEY: language, EXPRESSION_KEY: fields.expression}
    taken: list[str] = []
    for name, value in fields.inputs:
        try:
            check_input_name(name, taken)
        except InputError:
            continue
        taken.append(name)
        link[name] = value
    link[V_KEY] = fields.v
    held = [name for name in fields.constants if name in taken]
    return link | ({CONST_KEY: ",".join(held)} if held else {})


def fill(fields: Fields) -> None:
    """Put these fields into the widgets' state (before the widgets are drawn)."""
    rows = [*fields.inputs[:MAX_INPUTS]]
    rows += [("", "")] * (MAX_INPUTS - len(rows))
    for row, (name, value) in enumerate(rows, start=1):
        st.session_state[name_key(row)] = name
        st.session_state[value_key(row)] = value
        st.session_state[grad_key(row)] = name.strip() not in fields.constants
    st.session_state[expression_key()] = fields.expression
    fill_choice(PAGE, choice_from_link(fields.v))


def read_link_once() -> Fields | None:
    """A shared link fills the fields on the session's first visit; later runs keep what
    the learner types. Returns the link's fields when it did."""
    if st.session_state.get(LINK_READ):
        return None
    st.session_state[LINK_READ] = True
    fields = fields_from_link(st.query_params.to_dict())
    fill(fields or DEFAULT)
    return fields


def fill_example() -> None:
    """on_change of the starter menu: fill the fields, then show the menu's prompt again."""
    name = st.session_state[EXAMPLE_KEY]
    if name is not None:
        fill(dict(EXAMPLES)[name])
    st.session_state[EXAMPLE_KEY] = None


@dataclass(frozen=True)
class InputRows:
    inputs: tuple[tuple[str, str], ...]  # (name, value text) of every row, empty ones too
    constants: tuple[str, ...]  # the named rows whose "needs a gradient" switch is off


def input_rows(t: Translator) -> InputRows:
    rows, switches = [], []
    for row in range(1, MAX_INPUTS + 1):
        name_column, value_column, grad_column = st.columns([2, 5, 3], vertical_alignment="bottom")
        name = name_column.text_input(
            t("playground.name_label", row=row), key=name_key(row), persist_state="session"
        )
        value = value_column.text_input(
            t("playground.value_label", row=row),
            key=value_key(row),
            help=t("playground.value_help", limit=MAX_TENSOR_ENTRIES),
            persist_state="session",
        )
        st.session_state.setdefault(grad_key(row), True)  # on, unless fill() set it off
        needs_grad = grad_column.toggle(
            t("playground.grad_label", row=row),
            key=grad_key(row),
            help=t("playground.grad_help"),
            wrap=True,  # the whole label, on two lines if the column is narrow
            persist_state="session",
        )
        rows.append((name, value))
        switches.append(needs_grad)
    return InputRows(tuple(rows), held_constant(rows, switches))


def show_link_warnings(t: Translator, link: Fields | None) -> None:
    """What a link asked for that the fields could not take."""
    if link is None:
        return
    if len(link.inputs) > MAX_INPUTS:
        extra = code_list(name for name, _ in link.inputs[MAX_INPUTS:])
        st.warning(message(t, "playground.link_extra", limit=MAX_INPUTS, names=extra))
    unknown = unknown_constants(link)
    if unknown:
        names = code_list(unknown)
        st.warning(message(t, "playground.link_const_unknown", names=names, parameter=CONST_KEY))


def playground_snapshot(
    rows: InputRows, expression: str, choice: VectorChoice, language: str
) -> PlaygroundSnapshot:
    lesson = playground_lesson(rows.inputs, expression, choice, language, rows.constants)
    return snapshot(lesson)


def show_steps(t: Translator, lesson: PlaygroundSnapshot) -> None:
    """The step control, the graph with this step's node highlighted, and the step panel.

    A fragment over the recorded steps: moving the step reruns only this, with the texts
    already made, so a step evaluates nothing, computes no Jacobian and traces nothing.
    The colours and the order are said once, above it: the panel keeps to this step's
    numbers, so that on a phone they start close below the graph."""
    st.caption(t("playground.step_order"))
    st.html(_GRAPH_STYLES)  # the same at every step: outside the fragment, sent once
    _steps_fragment(t, lesson)


@fragment
def _steps_fragment(t: Translator, lesson: PlaygroundSnapshot) -> None:
    number = step_picker(t, lesson)
    # Side by side, so the highlighted node and its numbers are seen together; on a phone
    # the panel comes right below the graph's box, which is at most 40 % of the screen tall.
    graph_column, step_column = st.columns([3, 2])
    with graph_column:
        show_graph(t, lesson, number)
    with step_column.container(key=PANEL_KEY):
        show_step(t, lesson, number)


def step_picker(t: Translator, lesson: PlaygroundSnapshot) -> int:
    """Which engine step to show (1-based); kept in range when the graph changes. Previous
    and Next beside the slider, for keyboards and fingers."""
    count = len(lesson.steps)
    number = st.session_state.get(STEP_KEY, 1)
    if not 1 <= number <= count:
        number = st.session_state[STEP_KEY] = count
    # One row at every width, the slider taking what the buttons leave: on a phone the
    # buttons stay beside it, large enough for a finger.
    row = st.container(horizontal=True, vertical_alignment="bottom", wrap=False, key=PICKER_KEY)
    row.button(
        t("playground.step_previous"),
        key=f"{STEP_KEY}_previous",
        icon=":material/chevron_left:",
        disabled=number <= 1,
        on_click=_move_step,
        args=(-1,),
    )
    number = row.select_slider(
        t("playground.step_label"),
        options=range(1, count + 1),
        key=STEP_KEY,
        format_func=lambda number: f"{number} · {_kind(lesson, lesson.steps[number - 1])}",
        persist_state="session",
        width="stretch",
    )
    row.button(
        t("playground.step_next"),
        key=f"{STEP_KEY}_next",
        icon=":material/chevron_right:",
        disabled=number >= count,
        on_click=_move_step,
        args=(1,),
    )
    return number


def _move_step(offset: int) -> None:
    st.session_state[STEP_KEY] += offset


# The box the graph scrolls in: its height follows the screen's, so that on a phone the
# step panel below it starts within the same screen.
GRAPH_KEY = "playground_graph"
# Streamlit caps the graph's svg at its column's width (max-width: 100%), shrinking a large
# graph's text to a few pixels: here the svg keeps its own size, and the box scrolls. The
# box also holds the script that scrolls it, which takes no room.
_GRAPH_STYLES = f"""<style>
.st-key-{GRAPH_KEY} {{ max-height: min(36rem, 60vh); overflow: auto; }}
@media (max-width: 640px) {{ .st-key-{GRAPH_KEY} {{ max-height: 40vh; }} }}
.st-key-{GRAPH_KEY} [data-testid="stGraphVizChart"] svg {{ max-width: none; }}
.st-key-{GRAPH_KEY} [data-testid="stElementContainer"]:has(> [data-testid="stHtml"]) {{
  display: none;
}}
</style>"""
# Centres node `n{index}` in the graph's box once d3-graphviz has drawn it (it draws after
# the script runs), scrolling only that box, never the page. The script's text changes with
# the step, which is what makes Streamlit run it again.
_SCROLL_SCRIPT = """<script>
(() => {{
  const title = "n{index}";
  let tries = 0;
  const timer = setInterval(() => {{
    const box = document.querySelector(".st-key-{box}");
    // A box that scrolls takes the keyboard's focus, so that arrow keys can scroll it too.
    if (box) box.tabIndex = 0;
    const node = box && [...box.querySelectorAll("g.node")].find(
      (group) => group.querySelector("title")?.textContent === title);
    if (node || ++tries > 100) clearInterval(timer);
    if (!node) return;
    const outer = box.getBoundingClientRect(), inner = node.getBoundingClientRect();
    box.scrollTop += inner.top - outer.top - (outer.height - inner.height) / 2;
    box.scrollLeft += inner.left - outer.left - (outer.width - inner.width) / 2;
  }}, 50);
}})();
</script>"""


def _scroll_to_node(index: int) -> None:
    """Bring the graph's node `index` into view. The script holds only that number; it sits
    in the graph's box, where the styles above hide it."""
    script = _SCROLL_SCRIPT.format(index=int(index), box=GRAPH_KEY)
    st.html(script, unsafe_allow_javascript=True)


def graph_dot(lesson: PlaygroundSnapshot, number: int) -> str:
    done = {step.node for step in lesson.steps[: number - 1]}
    return to_dot(lesson.graph, done, lesson.steps[number - 1].node)


def show_graph(t: Translator, lesson: PlaygroundSnapshot, number: int) -> None:
    """The graph, or why it is not drawn: a large one would freeze the learner's tab.

    Drawn at its natural size, so that its text reads the same whatever the node count: a
    graph larger than its box scrolls inside it, and each step scrolls its node into view."""
    size = graph_size(lesson.graph)
    if size.drawable:
        with st.container(key=GRAPH_KEY):
            # "content": the width Graphviz gave the graph, not the column's.
            st.graphviz_chart(graph_dot(lesson, number), width="content")
            _scroll_to_node(lesson.steps[number - 1].node)
        return
    limits = {"max_nodes": MAX_DRAWN_NODES, "max_edges": MAX_DRAWN_EDGES}
    limits |= {"max_in_degree": MAX_DRAWN_IN_DEGREE, "max_boxes": MAX_DRAWN_BOXES}
    st.info(t("playground.graph_too_large", **vars(size), **limits), icon=":material/info:")


def show_step(t: Translator, lesson: PlaygroundSnapshot, number: int) -> None:
    """The chain rule at the node of this step, from torch's own records: what arrived,
    what the node saved, its local rule, and what the rule and the engine passed on.

    As few elements as the panel allows (a step sends every one of them again): its texts
    and code blocks are one Markdown element, and a box only where a verdict stands apart."""
    step = lesson.steps[number - 1]
    node = lesson.graph.nodes[step.node]
    result = lesson.result_name
    parts = [t("playground.step_runs", number=number, total=len(lesson.steps), kind=node.kind)]
    if node.source:
        made = "step_made_within" if node.within else "step_made_by"
        parts.append(message(t, f"playground.{made}", code=node.source))
    # With v, what arrives is vᵀ·∂result/∂(this output): the gradient of Σ vᵢ resultᵢ.
    incoming = "step_incoming" if lesson.v is None else "step_incoming_v"
    parts += [message(t, f"playground.{incoming}", result=result), code_block(step.incoming)]
    parts += _saved_text(t, step)
    if node.is_leaf:
        name = ", ".join(node.names)
        parts += _contributions_text(t, lesson, step, name)
        st.markdown("\n\n".join(parts))
        leaf = message(t, "playground.step_leaf", name=name, result=result)
        st.success(leaf, icon=":material/check:")
        return
    if not step.has_rule:
        st.markdown("\n\n".join(parts))
        st.info(t("playground.step_no_rule", kind=node.kind), icon=":material/info:")
        parts = []
    parts += _rule_text(t, step) + _passes_text(t, lesson, step)
    if step.difference is not None:
        parts.append(t("playground.step_difference", difference=f"{step.difference:.3g}"))
    st.markdown("\n\n".join(parts))


def _saved_text(t: Translator, step: StepText) -> list[str]:
    if not step.saved:
        return [t("playground.step_saved_nothing")]
    return [t("playground.step_saved"), code_block(_saved_lines(t, step), "python")]


def _saved_lines(t: Translator, step: StepText) -> str:
    """`_saved_self = tensor([6., 4.])  # b`: each value with the tensor it came from."""
    lines = []
    for saved in step.saved:
        origin = t("playground.step_saved_own") if saved.own_output else saved.origin
        comment = f"  # {visible(origin)}" if origin else ""
        lines.append(f"_saved_{saved.name} = {saved.value}{comment}")
    return "\n".join(lines)


def _rule_text(t: Translator, step: StepText) -> list[str]:
    if not step.has_rule:
        return []
    rule = f"{step.formula}\n{t('playground.step_here')} {visible(step.here)}"
    parts = [t("playground.step_rule"), code_block(rule)]
    if "[" in step.formula:
        parts.append(t("playground.step_brackets"))
    return parts


def _passes_text(t: Translator, lesson: PlaygroundSnapshot, step: StepText) -> list[str]:
    parts = []
    for edge, target in _passes(lesson, step):
        label = f" ({code_list([target.label])})" if target.label else ""
        parts.append(t("playground.step_passes", kind=target.kind, label=label))
        parts.append(code_block(_sent_and_computed(t, step, edge)))
    return parts


def _sent_and_computed(t: Translator, step: StepText, edge: Edge) -> str:
    sent = _sent(step, edge)
    if not step.has_rule:
        return sent
    computed = "".join(step.computed[edge.slot : edge.slot + 1])
    engine, rule = t("playground.step_engine_line"), t("playground.step_rule_line")
    return f"{engine}: {sent}\n{rule}: {computed}"


def _contributions_text(
    t: Translator, lesson: PlaygroundSnapshot, step: StepText, name: str
) -> list[str]:
    """Each edge's contribution to leaf `name` and their sum (the verdict says it is .grad)."""
    if not step.contributions:
        return []
    difference = f"{step.total_difference:.3g}"
    return [
        message(t, "playground.step_contributions", name=name),
        code_block(_contribution_lines(lesson, step)),
        message(t, "playground.step_contributions_sum", name=name, diff=difference),
    ]


def _contribution_lines(lesson: PlaygroundSnapshot, step: StepText) -> str:
    lines = []
    for contribution in step.contributions:
        source = lesson.graph.nodes[contribution.source]
        sender = f"{source.label} ({source.kind})" if source.label else source.kind
        lines.append(f"← {visible(sender)}: {contribution.value}")
    return "\n".join([*lines, f"Σ = {step.total}"])


def show_steps_table(t: Translator, lesson: PlaygroundSnapshot) -> None:
    """Every step as a table (node, what arrived, what it saved, its rule, what it passed on):
    the graph and the step control as text, for screen readers and large graphs."""
    with st.expander(t("playground.steps_table_title")):
        st.table(steps_table(t, lesson))


TABLE_COLUMNS = ("node", "code", "arrived", "saved", "rule", "passed", "computed", "difference")


def steps_table(t: Translator, lesson: PlaygroundSnapshot) -> pd.DataFrame:
    rows = [_table_row(t, lesson, step) for step in lesson.steps]
    columns = [t(f"playground.table_{name}") for name in TABLE_COLUMNS]
    frame = pd.DataFrame(rows, columns=columns)
    frame.index = pd.RangeIndex(1, len(rows) + 1, name=t("playground.table_step"))
    return frame


def _table_row(t: Translator, lesson: PlaygroundSnapshot, step: StepText) -> tuple[str, ...]:
    node = lesson.graph.nodes[step.node]
    passes = _passes(lesson, step)
    sent = [f"{_node_text(target)}: {_sent(step, edge)}" for edge, target in passes]
    if node.is_leaf and step.contributions:
        computed = _contribution_lines(lesson, step)
        difference = step.total_difference
    else:
        computed = "\n".join(
            f"{_node_text(target)}: {''.join(step.computed[edge.slot : edge.slot + 1])}"
            for edge, target in passes
            if step.has_rule
        )
        difference = step.difference
    rule = f"{step.formula}\n{step.here}" if step.has_rule else ""
    return (
        _node_text(node),
        _cell(node.source),
        step.incoming,
        _cell(_saved_lines(t, step)),
        _cell(rule),
        "\n".join(sent),
        _cell(computed),
        "" if difference is None else f"{difference:.3g}",
    )


def _cell(text: str) -> str:
    """st.table reads Markdown in its cells: the learner's code (`a ** 3`) and torch's names
    (`_saved_self`) go in as code, one span per line."""
    return "\n".join(code(line) for line in text.splitlines())


def _passes(lesson: PlaygroundSnapshot, step: StepText) -> list[tuple[Edge, Node]]:
    """The edges out of this step's node, each with the node it leads to."""
    edges = (edge for edge in lesson.graph.edges if edge.source == step.node)
    return [(edge, lesson.graph.nodes[edge.target]) for edge in edges]


def _sent(step: StepText, edge: Edge) -> str:
    # Empty when the engine ran no hook after the node (its gradient went nowhere).
    return "".join(step.outgoing[edge.slot : edge.slot + 1])


def _node_text(node: Node) -> str:
    return " ".join([*node.names, node.kind])


def _kind(lesson: PlaygroundSnapshot, step: StepText) -> str:
    return lesson.graph.nodes[step.node].kind


def show_run(t: Translator, lesson: PlaygroundSnapshot) -> None:
    """y, what torch said to y.backward(), the v used instead, and every input's .grad."""
    name = lesson.result_name
    st.code(lesson.code, language="python", wrap_lines=True)
    show_result(message(t, "playground.y_is", name=name, shape=lesson.y_shape), lesson.y)
    if not lesson.y_finite:
        st.warning(message(t, "playground.not_finite", name=name))
    if lesson.backward_error is not None:
        show_torch_error(t, lesson.backward_error)
    if lesson.v is not None:
        show_result(message(t, "playground.v_used", name=name), lesson.v)
    elif lesson.backward_error is None:
        st.markdown(message(t, "playground.single", name=name))
    if lesson.inputs:
        st.markdown(t("playground.grads_heading"))
        grads = "\n".join(f"{item.name}.grad = {item.grad}" for item in lesson.inputs)
        st.code(grads, language="text", wrap_lines=True)
    if lesson.constants:
        note = message(t, "playground.constants_note", names=code_list(lesson.constants))
        st.info(note, icon=":material/lock:")


def show_jacobians(t: Translator, lesson: PlaygroundSnapshot) -> None:
    """One tab per input: its Jacobian, and the rows weighted by v above their sums."""
    name = lesson.result_name
    if not lesson.inputs:
        st.info(message(t, "playground.jacobian_no_leaves", name=name), icon=":material/info:")
        return
    if lesson.y_size > MAX_JACOBIAN_ROWS:
        count, limit = lesson.y_size, MAX_JACOBIAN_ROWS
        st.info(message(t, "playground.jacobian_too_tall", name=name, count=count, limit=limit))
        return
    if lesson.jacobians_too_costly:
        work, limit = f"{lesson.jacobian_work:,}", f"{MAX_WORK:,}"
        st.info(message(t, "playground.jacobian_too_costly", name=name, work=work, limit=limit))
        return
    st.markdown(message(t, "playground.jacobian_intro", name=name))
    tabs = st.tabs([item.name for item in lesson.inputs])
    for number, (tab, item) in enumerate(zip(tabs, lesson.inputs, strict=True)):
        labels = EntryLabels(lesson.y_labels, item.labels)
        rows, columns = t("playground.rows", name=name), t("playground.columns", input=item.name)
        title = t("playground.jacobian_chart", name=name, input=item.name)
        jacobian, weighted, sums = item.jacobian, item.weighted_rows, item.column_sums
        sums_label = f"{item.name}.grad"  # code: the same in every language
        with tab:
            figure = jacobian_figure(jacobian, AxisTitles(title, rows, columns), labels)
            show_matrix(t, figure, matrix_table(jacobian, labels), f"{PAGE}_jacobian_{number}")
            if lesson.v is None:  # a single entry: no v, and diag(v)·J would repeat J
                continue
            st.markdown(t("playground.weighted_intro"))
            titles = AxisTitles(t("playground.weighted_chart", input=item.name), rows, columns)
            figure = weighted_rows_figure(weighted, sums, titles, sums_label, labels)
            table = weighted_rows_table(weighted, sums, sums_label, labels)
            show_matrix(t, figure, table, f"{PAGE}_weighted_{number}")
            if item.sums_vs_grad is not None:
                difference = f"{item.sums_vs_grad:.3g}"
                st.metric(t("playground.max_diff", input=item.name), difference)
