"""Autograd Lab: the router. Pages live in pages/, lesson logic in lessons/."""

import streamlit as st

from i18n import LANGUAGES
from ui.navigation import ERRORS, HOME, LESSONS, PRACTICE, LessonPage
from ui.runs import run_in_turn
from ui.session import LANGUAGE_KEY, Translator, initial_language

# The default follows the URL, which follows the switch, so the two never disagree.
# The switch reads the same in every language: any translator will do for its labels.
default_language = initial_language()
switch_text = Translator(default_language)
language = st.sidebar.radio(
    switch_text("app.language"),
    LANGUAGES,
    index=LANGUAGES.index(default_language),
    key=LANGUAGE_KEY,
    format_func=lambda code: switch_text(f"app.language_{code}"),
    horizontal=True,
)
# Always in the URL, so that a copied link opens in the language it was copied in.
st.query_params[LANGUAGE_KEY] = language
t = Translator(language)
# An emoji, not a :material/...: icon: the browser draws an emoji favicon itself, but fetches
# a Material one from Google's font server on every run, which a class offline cannot reach.
st.set_page_config(page_title=t("app.name"), page_icon="📉")


def page(lesson_page: LessonPage, default: bool = False) -> st.Page:
    return st.Page(
        lesson_page.path,
        title=t(f"nav.{lesson_page.name}"),
        icon=lesson_page.icon,
        url_path=lesson_page.name,
        default=default,
    )


sections = {
    t("app.section_start"): [page(HOME, default=True), page(ERRORS)],
    t("app.section_lessons"): [page(lesson) for lesson in LESSONS],
    t("app.section_practice"): [page(practice) for practice in PRACTICE],
}
# Every page listed: past twelve, Streamlit would fold all but ten behind "View more".
# The page runs in its turn, one session's page at a time (lessons/turns.py).
run_in_turn(
    st.navigation({title: pages for title, pages in sections.items() if pages}, expanded=True)
)
