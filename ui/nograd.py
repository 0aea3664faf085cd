"""The causes of a missing gradient, drawn the same way each: the broken code and what
torch did, the cause in one line, then the fix and what it gives."""

import streamlit as st

from charts import labelled_table
from lessons.nograd import Attempt, Cause, Shown
from ui.session import Translator
from ui.text import code_block
from ui.widgets import show_result, show_torch_error


def show_cause(t: Translator, cause: Cause) -> None:
    key = f"nograd.{cause.key}"
    st.subheader(t(f"{key}_title"), anchor=cause.anchor, divider="gray")
    st.markdown(t(f"{key}_intro"))
    with st.container(key=f"nograd_{cause.key}_broken"):
        _show_attempt(t, cause.broken)
    st.markdown(f"**{t('nograd.cause')}** {t(f'{key}_cause')}")
    st.markdown(t(f"{key}_fix"))
    with st.container(key=f"nograd_{cause.key}_fixed"):
        _show_attempt(t, cause.fixed)
    if cause.fix_agrees:
        st.success(t(f"{key}_agrees"), icon=":material/check:")


def _show_attempt(t: Translator, attempt: Attempt) -> None:
    st.code("\n".join(attempt.code), language="python", wrap_lines=True)
    # What torch warned about a line that prints nothing came before the error, as it ran.
    for shown in attempt.shown:
        if not shown.label:
            _show_shown(t, shown)
    if attempt.tried:
        show_torch_error(t, attempt.error)
    for shown in attempt.shown:
        if shown.label:
            _show_shown(t, shown)


def _show_shown(t: Translator, shown: Shown) -> None:
    if shown.label:
        show_result(f"`{shown.label}`", shown.value)
    if shown.warnings:
        warnings = [code_block(warning.label) for warning in shown.warnings]
        st.markdown("\n\n".join([t("nograd.torch_warned"), *warnings]))


def show_summary_table(t: Translator, causes: tuple[Cause, ...]) -> None:
    st.markdown(t("nograd.table_intro"))
    table = labelled_table(
        [t(f"nograd.{cause.key}_short") for cause in causes],
        {
            t("nograd.column_outcome"): [what_torch_did(t, cause.broken) for cause in causes],
            t("nograd.column_fix"): [t(f"nograd.{cause.key}_fix_short") for cause in causes],
        },
    )
    wide = st.column_config.TextColumn(width="large")
    columns = {t("nograd.column_outcome"): wide, t("nograd.column_fix"): wide}
    st.dataframe(table, width="stretch", column_config=columns, key="nograd_causes")


def what_torch_did(t: Translator, attempt: Attempt) -> str:
    """The first sentence of torch's error, or the gradients it left and what it warned."""
    if attempt.error is not None:
        return f"RuntimeError: {attempt.error.split('. ')[0]}"
    # Each .grad and each kind of warning once, in the order the step met them.
    parts = [t("nograd.no_error")] if attempt.tried else []
    parts += [f"{shown.label} {shown.value}" for shown in attempt.shown if shown.value is None]
    parts += [w.kind.__name__ for shown in attempt.shown for w in shown.warnings]
    return "; ".join(dict.fromkeys(parts))
