"""Two things about the whole document that Streamlit's API does not reach: its language,
and a KaTeX rule that turns every formula with an index into a scroll box."""

import json

import streamlit as st

from i18n import LANGUAGES

# KaTeX pulls each column of sub- and superscripts 2 px to the left (margin-right: -2px)
# and closes it with a 2 px cell. In Streamlit's formula box, sized to its content, that
# cell sticks out by 2 px: the box scrolls sideways, and a scroll box that a keyboard
# cannot focus fails WCAG 2.1.1. Without the pull every formula fits its box.
_FORMULA_FIT = "<style>.katex-display .vlist-t2 { margin-right: 0; }</style>"


def fit_formulas() -> None:
    """A style-only body goes to Streamlit's event container: it takes no room."""
    st.html(_FORMULA_FIT)


def set_document_language(language: str) -> None:
    """Write `language` into <html lang>: screen readers choose their voice from it, and
    Streamlit always writes "en". The script runs again whenever the language changes; it
    holds only a code from the allow-list, never text a visitor typed."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    script = f"document.documentElement.lang = {json.dumps(language)};"
    st.sidebar.html(f"<script>{script}</script>", unsafe_allow_javascript=True)
