"""What Streamlit's API does not reach in the whole document: its language, a KaTeX rule
that turns every formula with an index into a scroll box, code blocks inside Markdown that
do not wrap, and scrolling to a linked step."""

import json

import streamlit as st

from i18n import LANGUAGES
from lessons.errors import step_anchors

# A link from the error finder names the step that raises the error: `/inplace?at=version`.
STEP_PARAM = "at"
# How long the script waits for the step's heading to be drawn: 100 tries, 100 ms apart.
_SCROLL_SCRIPT = """
let tries = 0;
const timer = setInterval(() => {{
  const heading = document.getElementById({anchor});
  if (heading || ++tries > 100) {{
    clearInterval(timer);
    if (heading) heading.scrollIntoView({{block: "start"}});
  }}
}}, 100);
"""

# KaTeX pulls each column of sub- and superscripts 2 px to the left (margin-right: -2px)
# and closes it with a 2 px cell. In Streamlit's formula box, sized to its content, that
# cell sticks out by 2 px: the box scrolls sideways, and a scroll box that a keyboard
# cannot focus fails WCAG 2.1.1. Without the pull every formula fits its box.
# Streamlit colours numbers in highlighted code from a fixed palette, not the theme: its
# blue-green falls short of 4.5 : 1 on the code background (axe, on /nograd); this
# darker one gives about 5.4 : 1 there.
# A code block inside Markdown (ui/text.py's code_block) wraps its lines and keeps its
# padding as st.code(wrap_lines=True) does: the highlighter writes white-space: pre on it.
_STYLES = """<style>
.katex-display .vlist-t2 { margin-right: 0; }
[data-testid="stMarkdownPre"] pre { padding-right: 1rem; }
[data-testid="stMarkdownPre"] code {
  display: inline; padding-right: 0; white-space: pre-wrap !important; overflow-wrap: break-word;
}
[data-testid="stCode"] .token.number, [data-testid="stCode"] .token.regex { color: #0b6e63; }
</style>"""


def fit_styles() -> None:
    """Style rules the theme does not reach. A style-only body goes to Streamlit's event
    container: it takes no room."""
    st.html(_STYLES)


def set_document_language(language: str) -> None:
    """Write `language` into <html lang>: screen readers choose their voice from it, and
    Streamlit always writes "en". The script runs again whenever the language changes; it
    holds only a code from the allow-list, never text a visitor typed."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    script = f"document.documentElement.lang = {json.dumps(language)};"
    st.sidebar.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def scroll_to_linked_step() -> None:
    """Bring the step a link names (`?at=version`) into view once the page has drawn its
    heading, then take `at` out of the address so that later reruns stay where the learner
    is. Only an anchor from the allow-list reaches the script, never text from the link."""
    anchor = st.query_params.get(STEP_PARAM)
    if anchor is None:
        return
    del st.query_params[STEP_PARAM]
    if anchor in step_anchors():
        script = _SCROLL_SCRIPT.format(anchor=json.dumps(anchor))
        st.sidebar.html(f"<script>{script}</script>", unsafe_allow_javascript=True)
