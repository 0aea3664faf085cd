from functools import partial

import streamlit as st

from lessons.puzzles import PUZZLES
from ui.practice import answer_key, checked_answer, show_buttons, work
from ui.puzzles import judge_attempt, pick_puzzle, show_judgement, show_task
from ui.session import start_page
from ui.widgets import run_lesson, show_closing, show_goal

t = start_page()
show_goal(t, "puzzles")

st.subheader(t("puzzles.step_pick"), divider="gray")
number = pick_puzzle(t)
puzzle = PUZZLES[number - 1]
task = puzzle.key

st.subheader(t("puzzles.step_task", number=number), divider="gray")
with st.container(key="puzzles_result"):
    show_task(t, puzzle)
st.text_input(t("puzzles.answer_label"), key=answer_key(task), persist_state="session")

show_buttons(t, task, partial(judge_attempt, puzzle))
typed = checked_answer(task)
if typed is not None:
    judgement = run_lesson(t, judge_attempt, puzzle, typed)
    if judgement:
        show_judgement(t, puzzle, judgement)
if task in work().hints:
    st.info(t(f"puzzles.{puzzle.name}_hint"), icon=":material/lightbulb:")
if task in work().revealed:
    st.markdown(t("puzzles.reference", answer=puzzle.reference))

show_closing(t, "puzzles", tries=3)
