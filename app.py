"""Autograd Lab: the router. Pages live in pages/, lesson logic in lessons/."""

import streamlit as st

from i18n import LANGUAGES
from ui.navigation import HOME, LESSONS, LessonPage
from ui.session import LANGUAGE_KEY, initial_language, translator

if LANGUAGE_KEY not in st.session_state:
    st.session_state[LANGUAGE_KEY] = initial_language()

# The switch reads the same in both languages, so the language before the switch will do.
switch_text = translator()
st.sidebar.radio(
    switch_text("app.language"),
    LANGUAGES,
    key=LANGUAGE_KEY,
    format_func=lambda code: switch_text(f"app.language_{code}"),
    horizontal=True,
)
# Always in the URL, so that a copied link opens in the language it was copied in.
st.query_params[LANGUAGE_KEY] = st.session_state[LANGUAGE_KEY]
t = translator()
st.set_page_config(page_title=t("app.name"), page_icon=":material/function:")


def page(lesson_page: LessonPage, default: bool = False) -> st.Page:
    return st.Page(
        lesson_page.path,
        title=t(f"nav.{lesson_page.name}"),
        icon=lesson_page.icon,
        url_path=lesson_page.name,
        default=default,
    )


st.navigation(
    {
        t("app.section_start"): [page(HOME, default=True)],
        t("app.section_lessons"): [page(lesson) for lesson in LESSONS],
    }
).run()
