import streamlit as st

from lessons.errors import MAX_PASTE, Finding, KnownError, find_errors, known_errors
from lessons.links import Link
from ui.document import STEP_PARAM
from ui.navigation import lesson_page
from ui.session import Translator, start_page
from ui.text import code, message
from ui.widgets import linked, run_lesson, show_goal, show_result

PASTE_LINK = Link("q")


def show_lesson_link(t: Translator, known: KnownError) -> None:
    """The lesson that raises `known`, opened at its step: st.page_link carries no #anchor,
    so the link names the step in `at` and the lesson page scrolls to it (ui/document.py)."""
    lesson = lesson_page(known.page)
    title = t(f"nav.{lesson.name}")
    label = t("errors_finder.open", lesson=title)
    step = {STEP_PARAM: known.anchor}
    st.page_link(lesson.path, label=label, icon=lesson.icon, query_params=step)


def show_finding(t: Translator, finding: Finding) -> None:
    known = finding.known
    with st.container(border=True, key=f"errors_found_{known.key}"):
        st.success(t("errors_finder.found"), icon=":material/check:")
        st.markdown(t(f"errors_finder.{known.key}"))
        st.markdown(message(t, "errors_finder.you_pasted", text=finding.pasted))
        show_result(t("errors_finder.torch_here"), known.label)
        show_lesson_link(t, known)


def show_covered(t: Translator) -> None:
    """Every error the finder knows, in this torch's words, beside its lesson."""
    lines = []
    for known in known_errors():
        lesson = t(f"nav.{lesson_page(known.page).name}")
        lines.append(f"- {code(known.headline)} — {lesson}")
    st.markdown("\n".join(lines))


t = start_page()
show_goal(t, "errors_finder")

st.caption(t("errors_finder.limit", limit=f"{MAX_PASTE:,}"))
pasted = linked(
    t,
    PASTE_LINK,
    st.text_area,
    t("errors_finder.box_label"),
    key="errors_q",
    help=t("errors_finder.box_help"),
    height=200,
    persist_state="session",
)

findings = run_lesson(t, find_errors, pasted) if pasted.strip() else None
if not pasted.strip():
    st.info(t("errors_finder.empty"), icon=":material/content_paste:")
elif findings == ():
    st.warning(t("errors_finder.unknown"), icon=":material/help:")
for finding in findings or ():
    show_finding(t, finding)

with st.expander(t("errors_finder.covered"), expanded=findings == ()):
    show_covered(t)
