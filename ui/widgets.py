"""Inputs and result blocks that every lesson page uses the same way."""

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts import AxisTitles, jacobian_figure, matrix_table
from lessons.links import Link, Value, choice_for, link_from_choice, switch
from lessons.parsing import MAX_LENGTH, MAX_MAGNITUDE, InputError
from lessons.program import Program
from lessons.vjp import MAX_SEED, PRESETS, VectorChoice
from ui.links import fill_choice, first_link_text, refused_link_text, take_link, write_link
from ui.session import Translator
from ui.text import code_block, message

Lesson = TypeVar("Lesson")

DEFAULT_X = "1, 2, 3"


def vector_input(
    t: Translator,
    key: str,
    label: str,
    help_key: str = "common.x_help",
    default: str = DEFAULT_X,
    link: str | None = "x",
) -> str:
    """A vector typed as text; `link` names its URL parameter (None: links leave it out).
    Text from a link is taken as typed, and gets the same messages."""
    # persist_state keeps what the learner typed across page switches.
    return linked(
        t,
        Link(link) if link else None,
        st.text_input,
        label,
        value=default,
        key=key,
        help=t(help_key, limit=MAX_LENGTH, magnitude=f"{MAX_MAGNITUDE:,.0f}"),
        persist_state="session",
    )


def function_picker(
    t: Translator, key: str, names: list[str], default: str | None = None, link: str = "fn"
) -> str:
    """The function, by its name in lessons/functions.py (so also in links). Radio buttons:
    three to six choices, all in view and one click away."""
    return linked(
        t,
        Link(link, names),
        st.radio,
        t("common.function_label"),
        names,
        index=names.index(default) if default else 0,
        key=key,
        format_func=lambda name: t(f"functions.{name}"),
        persist_state="session",
    )


def linked(
    t: Translator,
    link: Link[Value] | None,
    widget: Callable[..., Value],
    *args: object,
    key: str,
    **kwargs: object,
) -> Value:
    """`widget(*args, key=key, **kwargs)`, set from the link the first time it is drawn in
    this session. A value the control does not offer gets a message beneath it, and the
    control keeps its own value. The address follows the value shown."""
    if link is None:
        return widget(*args, key=key, **kwargs)
    take_link(link, key)
    value = widget(*args, key=key, **kwargs)
    refused = refused_link_text(key)
    if refused is not None:
        show_input_error(t, link.refusal(refused, value))
    write_link(link.name, link.text(value))
    return value


def linked_slider(
    t: Translator, name: str, label: str, low: int, high: int, default: int, key: str
) -> int:
    """A slider of whole numbers from low to high, in links as `name`."""
    link = Link(name, range(low, high + 1))
    return linked(t, link, st.slider, label, low, high, default, key=key, persist_state="session")


def linked_toggle(t: Translator, name: str, label: str, key: str) -> bool:
    """A switch, in links as `name=on` or `name=off`."""
    return linked(t, switch(name), st.toggle, label, key=key, persist_state="session")


def vector_picker(
    t: Translator, page: str, max_index: int, link: str | None = "v", words: str = "vjp"
) -> VectorChoice:
    """How v is chosen, as on /vjp; `link` names its URL parameter (None: not in links),
    written as on the playground: `ones`, `e2`, `random7` or numbers. `words` is the
    catalog section of the labels that say what v weights (index_label, v_label, v_help)."""
    text = first_link_text(f"{page}_preset", link) if link else None
    linked_choice = run_lesson(t, choice_for, text, max_index) if text is not None else None
    if linked_choice is not None:
        fill_choice(page, linked_choice)
    choice = _pick_vector(t, page, max_index, words)
    if link:
        write_link(link, link_from_choice(choice))
    return choice


def _pick_vector(t: Translator, page: str, max_index: int, words: str) -> VectorChoice:
    """A preset and, for some presets, an index, seed or text."""
    preset = st.radio(
        t("vjp.preset_label"),
        PRESETS,
        key=f"{page}_preset",
        format_func=lambda name: t(f"vjp.preset_{name}"),
        horizontal=True,
        persist_state="session",
    )
    if preset == "one_hot":
        # i counts entries of y: bring a value kept from a longer y back into range first.
        index_key = f"{page}_index"
        if st.session_state.get(index_key, 1) > max_index:
            st.session_state[index_key] = max_index
        index = st.number_input(
            t(f"{words}.index_label", m=max_index),
            1,
            max_index,
            key=index_key,
            persist_state="session",
        )
        return VectorChoice(preset, index=index)
    if preset == "random":
        seed = st.number_input(
            t("vjp.seed_label"), 0, MAX_SEED, key=f"{page}_seed", persist_state="session"
        )
        return VectorChoice(preset, seed=seed)
    if preset == "typed":
        text = vector_input(
            t,
            f"{page}_v",
            t(f"{words}.v_label"),
            f"{words}.v_help",
            default="1, -1, 0.5",
            link=None,
        )
        return VectorChoice(preset, text=text)
    return VectorChoice(preset)


def run_lesson(t: Translator, lesson: Callable[..., Lesson], *args: object) -> Lesson | None:
    """The lesson's result, or None after telling the learner what is wrong with the input."""
    try:
        return lesson(*args)
    except InputError as error:
        show_input_error(t, error)
        return None


def show_input_error(t: Translator, error: InputError) -> None:
    st.error(message(t, f"errors.{error.code}", **error.params), icon=":material/error:")


def show_goal(t: Translator, page: str) -> None:
    st.title(t(f"{page}.title"), anchor=False)
    st.info(f"**{t('common.goal')}**  \n{t(f'{page}.goal')}", icon=":material/flag:")


def show_torch_error(t: Translator, message: str | None) -> None:
    if message is None:
        st.warning(t("common.no_error"))
        return
    show_result(t("common.torch_said"), f"RuntimeError: {message}")


def axis_titles(t: Translator, title_key: str) -> AxisTitles:
    return AxisTitles(t(title_key), t("chart.rows"), t("chart.columns"))


def show_matrix(t: Translator, figure: go.Figure, table: pd.DataFrame, key: str) -> None:
    """The chart, and the same numbers as a table: for screen readers, and for readers who
    cannot use colour."""
    st.plotly_chart(figure, width="stretch", key=key)
    with st.expander(t("common.table")):
        st.dataframe(table, width="stretch")


def show_jacobian(
    t: Translator, jacobian: np.ndarray, title_key: str, key: str, **marks: float | None
) -> None:
    """`marks`: jacobian_figure's current_row, current_column and colour limit."""
    figure = jacobian_figure(jacobian, axis_titles(t, title_key), **marks)
    show_matrix(t, figure, matrix_table(jacobian), key)


def show_program(t: Translator, program: Program) -> None:
    """The program and what it prints, as one element. Its lines wrap (ui/document.py); that
    changes only the display: the copy button copies the lines as they are."""
    st.subheader(t("common.program"), divider="gray")
    code = code_block(program.code, "python")
    st.markdown(f"{code}\n\n{result_text(t('common.program_prints'), program.output)}")


def show_closing(t: Translator, page: str, tries: int) -> None:
    st.subheader(t("common.try_this"), divider="gray")
    st.markdown("\n".join(f"- {t(f'{page}.try_{n}')}" for n in range(1, tries + 1)))
    st.subheader(t("common.summary"), divider="gray")
    st.info(t(f"{page}.summary_body"), icon=":material/lightbulb:")


def show_result(label: str, value: object, language: str = "text") -> None:
    """A labelled result (or code) stacked on its own full-width, wrapping block, so that no
    narrow column cuts it off, on a phone as on a laptop."""
    st.markdown(result_text(label, value, language))


def result_text(label: str, value: object, language: str = "text") -> str:
    """A label and its value as one Markdown element: the value in a code block that wraps
    its lines (ui/document.py), as st.code(wrap_lines=True) does."""
    return f"{label}\n\n{code_block(value, language)}"
