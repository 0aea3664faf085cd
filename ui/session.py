"""Per-session state: the language, and the repair of a deep link that skipped app.py."""

import gc
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from i18n import DEFAULT_LANGUAGE, LANGUAGES, language_for_locale, translate
from ui.document import fit_styles, scroll_to_linked_step, set_document_language
from ui.practice import show_progress

LANGUAGE_KEY = "lang"


@dataclass(frozen=True)
class Translator:
    """`t("scalar.title")`: a message in this session's language."""

    language: str

    def __call__(self, key: str, **params: object) -> str:
        return translate(self.language, key, **params)


def initial_language() -> str:
    """?lang= from a shared link first, then the browser's language."""
    requested = st.query_params.get(LANGUAGE_KEY)
    if requested in LANGUAGES:
        return requested
    return language_for_locale(st.context.locale)


@st.cache_resource(show_spinner=False)
def freeze_imported_heap() -> bool:
    """Once per process, when the first page has imported torch, Plotly and the lessons:
    their hundreds of thousands of objects live as long as the process, and the collector's
    full passes, which hold every session up while they walk the heap, skip them from now
    on (gc.freeze)."""
    gc.freeze()
    return True


def start_page() -> Translator:
    """Call first on every page. Returns the translator for this session's language,
    after drawing the learner's progress in the sidebar and telling the browser the
    document's language.

    A `pages/` folder next to app.py makes a fresh server answer its first request the
    old way: a deep link such as /vjp then runs the page without app.py (no navigation,
    file names in the sidebar). st.navigation clears this private flag; clearing it here
    and rerunning sends the request through app.py. streamlit is pinned for this reason,
    and tests/e2e checks a deep link as the first request to a new server.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
    freeze_imported_heap()
    t = Translator(st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE))
    show_progress(t)
    set_document_language(t.language)
    fit_styles()
    scroll_to_linked_step()
    return t
