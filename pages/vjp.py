import streamlit as st

from charts import weighted_rows_figure, weighted_rows_table
from lessons.functions import VECTOR_FUNCTIONS
from lessons.parsing import MAX_LENGTH
from lessons.vjp import MAX_SEED, PRESETS, VJP_LATEX, VectorChoice, vjp_lesson
from ui.exercises import show_exercises
from ui.session import start_page
from ui.widgets import (
    axis_titles,
    function_picker,
    run_lesson,
    show_closing,
    show_goal,
    show_jacobian,
    show_matrix,
    show_program,
    vector_input,
)

t = start_page()
show_goal(t, "vjp")

st.subheader(t("vjp.step_inputs"), divider="gray")
x_text = vector_input(t, "vjp_x", t("common.x_label"))
function_name = function_picker(t, "vjp_fn", list(VECTOR_FUNCTIONS))
preset = st.radio(
    t("vjp.preset_label"),
    PRESETS,
    key="vjp_preset",
    format_func=lambda name: t(f"vjp.preset_{name}"),
    horizontal=True,
    persist_state="session",
)
choice = VectorChoice(preset)
if preset == "one_hot":
    index = st.number_input(
        t("vjp.index_label"), 1, MAX_LENGTH, key="vjp_index", persist_state="session"
    )
    choice = VectorChoice(preset, index=index)
elif preset == "random":
    seed = st.number_input(
        t("vjp.seed_label"), 0, MAX_SEED, key="vjp_seed", persist_state="session"
    )
    choice = VectorChoice(preset, seed=seed)
elif preset == "typed":
    v_text = vector_input(t, "vjp_v", t("vjp.v_label"), "vjp.v_help", default="1, -1, 0.5")
    choice = VectorChoice(preset, text=v_text)

st.subheader(t("vjp.step_result"), divider="gray")
lesson = run_lesson(t, vjp_lesson, x_text, function_name, choice, t.language)
if lesson:
    st.latex(lesson.latex)
    with st.container(key="vjp_result"):
        v_column, grad_column = st.columns(2)
        v_column.markdown(t("vjp.v_heading"))
        v_column.code(str(lesson.v), language="text")
        grad_column.markdown(t("vjp.grad_heading"))
        grad_column.code(str(lesson.grad), language="text")
    st.markdown(t("vjp.formula_intro"))
    st.latex(VJP_LATEX)
    if preset in ("ones", "one_hot"):
        st.info(t(f"vjp.{preset}_explained", index=choice.index), icon=":material/info:")

    st.subheader(t("vjp.step_jacobian"), divider="gray")
    st.latex(lesson.jacobian_latex)
    show_jacobian(t, lesson.jacobian.numpy(), "vjp.jacobian_chart", "vjp_jacobian")

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

    show_program(t, lesson.program)

show_exercises(t, "vjp")
show_closing(t, "vjp", tries=4)
