"""Each page run and each fragment rerun in its turn (lessons/turns.py): every fragment of
the app is made here, so none of them runs outside one."""

import functools
from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from lessons.turns import TURNS

Draw = TypeVar("Draw", bound=Callable[..., object])


def run_in_turn(page: StreamlitPage) -> None:
    """Run the page `st.navigation` chose, in this session's turn."""
    with TURNS.turn():
        page.run()


def fragment(draw: Draw, key: str | None = None) -> Draw:
    """`st.fragment(draw, key=key)`, whose reruns wait for their turn as partial reruns:
    ahead of whole page runs (lessons/turns.py). Drawn during its page's run, it is
    already in that run's turn."""

    @functools.wraps(draw)  # the same module and name: Streamlit's fragment id stays the same
    def in_turn(*args: object, **kwargs: object) -> object:
        with TURNS.turn(partial=True):
            return draw(*args, **kwargs)

    return st.fragment(in_turn, key=key)
