"""Work a page keeps between reruns: one entry per purpose and session, keyed by its inputs.

Session state, not st.cache_data: what one learner computed is neither shared with nor
evicted by another, and a session holds at most one result for each name.
"""

from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

from lessons.parsing import InputError
from ui.session import Translator
from ui.widgets import show_input_error

Value = TypeVar("Value")


def remembered(name: str, inputs: Hashable, compute: Callable[[], Value]) -> Value:
    """compute()'s result for these inputs, computed again only when the inputs change."""
    kept = st.session_state.get(name)
    if kept is not None and kept[0] == inputs:
        return kept[1]
    value = compute()
    st.session_state[name] = (inputs, value)
    return value


def remembered_lesson(
    t: Translator, name: str, lesson: Callable[..., Value], *args: Hashable
) -> Value | None:
    """run_lesson, computed once per distinct arguments: an input error is kept too (a
    fresh copy, without the traceback that would hold the lesson's tensors) and shown again."""

    def compute() -> Value | InputError:
        try:
            return lesson(*args)
        except InputError as error:
            return InputError(error.code, error.params)

    result = remembered(name, args, compute)
    if isinstance(result, InputError):
        show_input_error(t, result)
        return None
    return result
