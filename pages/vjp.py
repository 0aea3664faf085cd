import streamlit as st

from charts import weighted_rows_figure, weighted_rows_table
from lessons.functions import VECTOR_FUNCTIONS
from lessons.parsing import MAX_LENGTH
from lessons.vjp import (
    LOSS,
    LOSS_GRADIENT,
    LOSS_LATEX,
    VJP_LATEX,
    function_at_x,
    vjp_lesson,
    wrong_length_error,
)
from ui.exercises import show_exercises
from ui.runs import fragment
from ui.session import Translator, start_page
from ui.widgets import (
    axis_titles,
    function_picker,
    run_lesson,
    show_closing,
    show_goal,
    show_jacobian,
    show_matrix,
    show_program,
    show_result,
    show_torch_error,
    vector_input,
    vector_picker,
)


def show_agreement(t: Translator, name: str, diff: float) -> None:
    """vjp.<name>_agrees when two x.grad are identical, else vjp.<name>_differs."""
    if diff == 0:
        st.success(t(f"vjp.{name}_agrees"), icon=":material/check:")
    else:
        st.warning(t(f"vjp.{name}_differs", diff=f"{diff:.3g}"))


t = start_page()
show_goal(t, "vjp")


# The inputs and all they drive, as one fragment: a change of an input reruns this, not
# the exercises, the closing or the sidebar progress below and around it.
@fragment
def lesson_body() -> None:
    st.subheader(t("vjp.step_inputs"), divider="gray")
    lesson_at_x(function_picker(t, "vjp_fn", list(VECTOR_FUNCTIONS)))


# Within it, x, v and all they drive: a new x or v does not draw the function's buttons again.
@fragment
def lesson_at_x(function_name: str) -> None:
    x_text = vector_input(t, "vjp_x", t("common.x_label"))
    # y and its Jacobian do not depend on v: they stay on screen whatever v is.
    at_x = run_lesson(t, function_at_x, x_text, function_name)
    if at_x:
        st.latex(at_x.latex)
        with st.container(key="vjp_y"):
            show_result(t("vjp.y_heading", m=at_x.m), at_x.y_printed)
    m = at_x.m if at_x else MAX_LENGTH

    choice = vector_picker(t, "vjp", m)

    st.subheader(t("vjp.step_result"), divider="gray", anchor="wrong_v")
    lesson = run_lesson(t, vjp_lesson, at_x, choice, t.language) if at_x else None
    if at_x and not lesson and choice.preset == "typed":
        torch_error = wrong_length_error(at_x, choice.text)
        if torch_error:
            show_torch_error(t, torch_error)
    if lesson:
        with st.container(key="vjp_result"):
            show_result(t("vjp.v_heading"), lesson.v)
            show_result(t("vjp.grad_heading"), lesson.grad)
        st.markdown(t("vjp.formula_intro"))
        st.latex(VJP_LATEX)
        if choice.preset in ("ones", "one_hot"):
            st.info(t(f"vjp.{choice.preset}_explained", index=choice.index), icon=":material/info:")

    if at_x:
        st.subheader(t("vjp.step_jacobian"), divider="gray")
        st.latex(at_x.jacobian_latex)
        show_jacobian(t, at_x.jacobian.numpy(), "vjp.jacobian_chart", "vjp_jacobian")

    if lesson:
        st.subheader(t("vjp.step_weighted"), divider="gray")
        st.markdown(t("vjp.weighted_intro"))
        weighted = lesson.weighted_rows.numpy()
        sums = lesson.column_sums.numpy()
        figure = weighted_rows_figure(
            weighted, sums, axis_titles(t, "vjp.weighted_chart"), t("chart.sums")
        )
        show_matrix(t, figure, weighted_rows_table(weighted, sums, t("chart.sums")), "vjp_weighted")
        st.metric(t("vjp.max_diff"), f"{lesson.max_abs_diff:.3g}")
        st.caption(t("vjp.orientation"))

        st.subheader(t("vjp.step_chain"), divider="gray")
        st.markdown(t("vjp.chain_intro"))
        with st.container(key="vjp_chain"):
            show_result(t("vjp.backward_v"), lesson.grad)
            show_result(t("vjp.sum_v_y"), lesson.product_grad)
            show_agreement(t, "product", lesson.product_max_abs_diff)
            st.markdown(t("vjp.two_stage_intro", loss=LOSS, loss_gradient=LOSS_GRADIENT))
            st.latex(LOSS_LATEX)
            show_result(t("vjp.loss_gradient"), lesson.loss_gradient)
            show_result(t("vjp.loss_backward"), lesson.loss_grad)
            show_result(t("vjp.chained_backward"), lesson.chained_grad)
            show_agreement(t, "chain", lesson.chain_max_abs_diff)
        st.markdown(t("vjp.chain_explained"))

        show_program(t, lesson.program)


lesson_body()
show_exercises(t, "vjp")
show_closing(t, "vjp", tries=4)
