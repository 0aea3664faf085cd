"""/higher's fields and results: the learner's function as the playground writes it, the
Hessian three ways, Hv two ways, and the benchmark of Hv against building H.

A link carries the fields as the playground's does: `f` the expression, one parameter per
input named by the input (the first is x), `v` (`ones`, `e2`, `random7` or numbers), `lang`.
"""

import streamlit as st

from charts import (
    AxisTitles,
    CostTitles,
    EntryLabels,
    cost_figure,
    jacobian_figure,
    labelled_table,
    matrix_table,
)
from lessons.cost import HESSIAN_METHODS, HessianCostMeasurement, measure_hessian_cost
from lessons.higher import HessianLesson, HVPLesson
from lessons.language.expression import MAX_INPUTS
from lessons.language.playground import entry_labels
from lessons.links import choice_from_link, link_from_choice
from lessons.parsing import MAX_TENSOR_ENTRIES
from lessons.vjp import VectorChoice
from ui.cost import _ms, _ratio, _times, request_measurement, session_measurement
from ui.links import fill_choice
from ui.playground import Fields, fields_from_link, link_from_fields
from ui.runs import fragment
from ui.session import Translator
from ui.text import code_list, message
from ui.widgets import show_matrix, show_result

PAGE = "higher"
EXPRESSION_KEY = f"{PAGE}_f"
DEFAULT = Fields((("x", "1, 2, 3"),), "(x**3).sum()")
# Set once a link has filled the fields, so that later runs keep what the learner types.
LINK_READ = f"{PAGE}_link_read"
# v as the address writes it, kept while no picker is drawn (the function has an error).
V_TEXT = f"{PAGE}_v_text"
# A link's e_i, kept until x is known: an i beyond x's entries is told, once.
LINKED_INDEX = f"{PAGE}_linked_index"
COST_RESULT = f"{PAGE}_cost"
COST_REQUESTED = f"{PAGE}_cost_requested"


def name_key(row: int) -> str:
    return f"{PAGE}_name_{row}"


def value_key(row: int) -> str:
    """The first row's value is x, under the key every lesson's x has."""
    return f"{PAGE}_x" if row == 1 else f"{PAGE}_value_{row}"


def read_link_once(t: Translator) -> None:
    """A shared link fills the fields on the session's first visit; later runs keep what
    the learner types. Inputs beyond the rows are named in a warning."""
    if st.session_state.get(LINK_READ):
        return
    st.session_state[LINK_READ] = True
    fields = fields_from_link(st.query_params.to_dict()) or DEFAULT
    rows = [*fields.inputs[:MAX_INPUTS]]
    rows += [("", "")] * (MAX_INPUTS - len(rows))
    for row, (name, value) in enumerate(rows, start=1):
        st.session_state[name_key(row)] = name
        st.session_state[value_key(row)] = value
    st.session_state[EXPRESSION_KEY] = fields.expression
    choice = choice_from_link(fields.v)
    fill_choice(PAGE, choice)
    st.session_state[V_TEXT] = link_from_choice(choice)
    if choice.preset == "one_hot":
        st.session_state[LINKED_INDEX] = choice.index
    if len(fields.inputs) > MAX_INPUTS:
        extra = code_list(name for name, _ in fields.inputs[MAX_INPUTS:])
        st.warning(message(t, "higher.link_extra", limit=MAX_INPUTS, names=extra))


def input_rows(t: Translator) -> tuple[tuple[str, str], ...]:
    """The rows name | value; the first row is x."""
    rows = []
    for row in range(1, MAX_INPUTS + 1):
        name_column, value_column = st.columns([1, 3])
        label = t("higher.x_name_label") if row == 1 else t("higher.name_label", row=row)
        name = name_column.text_input(label, key=name_key(row), persist_state="session")
        value = value_column.text_input(
            t("higher.value_label", row=row),
            key=value_key(row),
            help=t("higher.value_help", limit=MAX_TENSOR_ENTRIES),
            persist_state="session",
        )
        rows.append((name, value))
    return tuple(rows)


def write_address(t: Translator, rows: tuple[tuple[str, str], ...], expression: str) -> None:
    fields = Fields(rows, expression, st.session_state.get(V_TEXT, "ones"))
    st.query_params.from_dict(link_from_fields(fields, t.language))


def keep_v(t: Translator, choice: VectorChoice, n: int) -> None:
    """Remember v for the address, and say once if a link's e_i lay beyond x's entries."""
    st.session_state[V_TEXT] = link_from_choice(choice)
    index = st.session_state.pop(LINKED_INDEX, None)
    if index is not None and index > n:
        st.warning(message(t, "higher.link_index", index=index, n=n, shown=choice.index))


def show_create_graph(t: Translator, lesson: HessianLesson) -> None:
    """Step 2: the gradient without and with a graph, torch's error, and row 1 of H."""
    st.markdown(t("higher.plain_intro"))
    show_result(t("higher.plain_label"), lesson.plain_gradient)
    show_result(t("common.torch_said"), lesson.second_error.label)
    st.markdown(t("higher.create_graph_intro"))
    show_result(t("higher.gradient_label"), lesson.gradient)
    st.markdown(message(t, "higher.gradient_node", node=lesson.gradient_node))
    show_result(t("higher.first_row_label"), lesson.first_row)


def show_hessian(t: Translator, lesson: HessianLesson) -> None:
    """Step 3: H as a heatmap, its table, and how far the three ways and Hᵀ lie from it."""
    n = lesson.x.numel()
    labels = EntryLabels(entry_labels("g", (n,)), entry_labels(lesson.name, (n,)))
    titles = AxisTitles(t("higher.hessian_chart"), t("higher.rows"), t("higher.columns"))
    matrix = lesson.hessian.numpy()
    figure = jacobian_figure(matrix, titles, labels)
    show_matrix(t, figure, matrix_table(matrix, labels), f"{PAGE}_hessian")
    functional, func, symmetry = st.columns(3)
    functional.metric(t("higher.vs_functional"), f"{lesson.rows_vs_functional:.3g}")
    func.metric(t("higher.vs_func"), f"{lesson.rows_vs_func:.3g}")
    symmetry.metric(t("higher.asymmetry"), f"{lesson.asymmetry:.3g}")


def show_hvp(t: Translator, lesson: HessianLesson, hvp: HVPLesson) -> None:
    """Step 4: Hv both ways, beside H @ v from the H above."""
    with st.container(key=f"{PAGE}_result"):
        show_result(t("higher.v_label_shown"), hvp.v)
        show_result(t("higher.double_backward_label"), hvp.double_backward)
        show_result(t("higher.forward_over_reverse_label"), hvp.forward_over_reverse)
        show_result(t("higher.h_times_v_label"), hvp.hessian_times_v)
    st.metric(t("higher.hvp_difference"), f"{hvp.difference:.3g}")


@fragment
def show_cost(t: Translator) -> None:
    """Step 5's button and, once measured, the chart and what this run says."""
    st.button(
        t("higher.cost_button"),
        key=f"{PAGE}_cost_button",
        icon=":material/timer:",
        on_click=request_measurement,
        args=(COST_REQUESTED,),
    )
    measurement = session_measurement(t, measure_hessian_cost, COST_RESULT, COST_REQUESTED)
    if measurement is None:
        st.caption(t("higher.cost_hint"))
        return
    show_measurement(t, measurement)


def show_measurement(t: Translator, measurement: HessianCostMeasurement) -> None:
    sizes = [timing.n for timing in measurement.sizes]
    milliseconds = {
        t(f"higher.method_{method}"): [
            1000 * timing.seconds(method) for timing in measurement.sizes
        ]
        for method in HESSIAN_METHODS
    }
    titles = CostTitles(t("higher.cost_chart"), t("higher.cost_size"), t("higher.cost_time"))
    table = labelled_table([str(n) for n in sizes], milliseconds)
    show_matrix(t, cost_figure(sizes, milliseconds, titles), table, f"{PAGE}_cost_chart")
    largest = measurement.largest
    with st.container(key=f"{PAGE}_cost_conclusion"):
        times = {method: _times(largest.relative(method)) for method in HESSIAN_METHODS[1:]}
        st.markdown(
            t("higher.cost_conclusion", n=largest.n, gradient=_ms(largest.gradient), **times)
        )
        cheaper = largest.double_backward < largest.hessian
        ratio = _ratio(largest.double_backward, largest.hessian)
        st.markdown(t(f"higher.cost_hvp_{'cheaper' if cheaper else 'dearer'}", ratio=ratio))
        faster = largest.double_backward < largest.forward_over_reverse
        ratio = _ratio(largest.double_backward, largest.forward_over_reverse)
        key = "double_backward" if faster else "forward_over_reverse"
        st.markdown(t(f"higher.cost_faster_{key}", ratio=ratio))
        if len(measurement.sizes) > 1:
            first = measurement.sizes[0]
            growth = {
                method: _times(largest.seconds(method) / first.seconds(method))
                for method in ("double_backward", "hvp_loop")
            }
            st.markdown(t("higher.cost_growth", first=first.n, last=largest.n, **growth))
        st.markdown(t("higher.cost_noise"))
    if not measurement.reached_max_size:
        stopped = {"budget": f"{measurement.budget:g}", "limit": measurement.max_size}
        st.caption(t("higher.cost_stopped", n=largest.n, **stopped))
