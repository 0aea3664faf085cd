"""/gradcheck's sweep: the error of finite differences against h, in both dtypes and schemes."""

import streamlit as st

from charts import AxisTitles, LogCurve, error_curves_figure, error_curves_table, labelled_table
from lessons.gradcheck import DIFFERENCE_LATEX, DTYPE_NAMES, GradcheckLesson, precision_sentences
from ui.session import Translator
from ui.widgets import show_matrix


def show_error_curves(t: Translator, lesson: GradcheckLesson, h: str) -> None:
    """The curves with the best and the chosen h marked, the best h as a table, and what
    the two precisions' best errors say."""
    st.subheader(t("gradcheck.step_curve"), divider="gray")
    st.markdown(t("gradcheck.curve_intro"))
    st.latex(DIFFERENCE_LATEX["forward"])
    curves = [
        LogCurve(
            t("gradcheck.series", scheme=t(f"gradcheck.scheme_{c.scheme}"), dtype=c.dtype),
            c.steps,
            c.errors,
            group=DTYPE_NAMES.index(c.dtype),
            dashed=c.scheme == "forward",
        )
        for c in lesson.curves
    ]
    figure = error_curves_figure(
        curves,
        lesson.step,
        AxisTitles(t("gradcheck.curve_chart"), t("gradcheck.axis_error"), t("gradcheck.axis_step")),
        t("gradcheck.best_marker"),
        t("gradcheck.chosen_marker", h=h),
    )
    table = error_curves_table(curves, t("gradcheck.axis_step"))
    show_matrix(t, figure, table, "gradcheck_curves")
    st.dataframe(
        labelled_table(
            [curve.name for curve in curves],
            {
                t("gradcheck.column_best_step"): [f"{c.steps[c.best]:.1e}" for c in lesson.curves],
                t("gradcheck.column_best_error"): [
                    f"{c.errors[c.best]:.3g}" for c in lesson.curves
                ],
            },
        ),
        width="stretch",
        key="gradcheck_best",
    )
    # Without truncation error (low-degree polynomials) the best h is simply the largest.
    if lesson.curve("float64", "central").best == 0:
        st.info(t("gradcheck.no_truncation"), icon=":material/info:")
    for key, params in precision_sentences(lesson):
        st.markdown(t(f"gradcheck.{key}", **params))
