import streamlit as st

from ui.navigation import ERRORS, LESSONS, PRACTICE
from ui.session import start_page
from ui.widgets import show_result

t = start_page()

st.title(t("home.title"), anchor=False)
st.markdown(t("home.intro"))
st.page_link(ERRORS.path, label=t(f"nav.{ERRORS.name}"), icon=ERRORS.icon)
st.caption(t("home.errors_blurb"))

st.subheader(t("home.map"), divider="gray")
for lesson in LESSONS:
    st.page_link(lesson.path, label=t(f"nav.{lesson.name}"), icon=lesson.icon)
    st.caption(t(f"home.{lesson.name}_blurb"))

st.subheader(t("app.section_practice"), divider="gray")
for practice in PRACTICE:
    st.page_link(practice.path, label=t(f"nav.{practice.name}"), icon=practice.icon)
    st.caption(t(f"home.{practice.name}_blurb"))

with st.expander(t("home.notation_title")):
    st.markdown(t("home.notation_body"))

st.subheader(t("home.run_title"), divider="gray")
show_result(t("home.run_body"), t("home.run_commands").strip(), "bash")
