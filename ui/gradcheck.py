"""/gradcheck's sweep: the error of finite differences against h, in both dtypes and schemes."""

import streamlit as st

from charts import AxisTitles, LogCurve, error_curves_figure, labelled_table
from lessons.gradcheck import DIFFERENCE_LATEX, DTYPE_NAMES, GradcheckLesson
from ui.session import Translator


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
    st.plotly_chart(figure, width="stretch", key="gradcheck_curves")
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
    central64, central32 = (lesson.curve(dtype, "central") for dtype in DTYPE_NAMES)
    # Without truncation error (low-degree polynomials) the best h is simply the largest.
    if not central64.interior:
        st.info(t("gradcheck.no_truncation"), icon=":material/info:")
    elif central32.interior:
        st.markdown(
            t(
                "gradcheck.float_explained",
                f64=f"{central64.errors[central64.best]:.1g}",
                f32=f"{central32.errors[central32.best]:.1g}",
            )
        )
