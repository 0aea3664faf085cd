"""The address as the pages' controls read and write it (the spellings: lessons/links.py).

Every control named in a link takes the link's value the first time it is drawn in a
session; later runs keep what the learner does. After every run the address holds the
value on screen, so that copying it shares what the learner sees.
"""

from typing import Any

import streamlit as st

from lessons.links import Link
from lessons.vjp import VectorChoice

# The controls a link has already filled in this session (by widget key).
LINKS_READ = "links_read"
# Link texts a control does not offer, kept until the control is drawn and says so.
LINKS_REFUSED = "links_refused"


def first_link_text(key: str, name: str) -> str | None:
    """The link's `name`, the first time the control `key` is drawn in this session;
    None after that, or when the link does not carry it."""
    read = st.session_state.setdefault(LINKS_READ, set())
    if key in read:
        return None
    read.add(key)
    return st.query_params.get(name)


def take_link(link: Link[Any], key: str) -> None:
    """Set the control `key` from the link the first time it is read in this session. A
    page may call this before drawing the control, when what the control drives comes
    first; a text the control does not offer waits for `refused_link_text`."""
    text = first_link_text(key, link.name)
    if text is None:
        return
    if link.offers(text):
        st.session_state[key] = link.value_of(text)
    else:
        st.session_state.setdefault(LINKS_REFUSED, {})[key] = text


def refused_link_text(key: str) -> str | None:
    """The link's text for `key` that the control did not offer, once."""
    return st.session_state.get(LINKS_REFUSED, {}).pop(key, None)


def write_link(name: str, text: str) -> None:
    """Put `text` in the address; unchanged values send the browser nothing."""
    if st.query_params.get(name) != text:
        st.query_params[name] = text


def fill_choice(page: str, choice: VectorChoice) -> None:
    """Set the v controls of `page` (vector_picker's keys) to `choice`, before they are
    drawn; the fields this preset does not use keep what they hold."""
    st.session_state[f"{page}_preset"] = choice.preset
    match choice.preset:
        case "one_hot":
            st.session_state[f"{page}_index"] = choice.index
        case "random":
            st.session_state[f"{page}_seed"] = choice.seed
        case "typed":
            st.session_state[f"{page}_v"] = choice.text
