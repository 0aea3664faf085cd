from functools import partial

import streamlit as st

from lessons.practice.puzzles import PUZZLES
from ui.exercises import show_attempt
from ui.practice import answer_key
from ui.puzzles import judge_attempt, pick_puzzle, show_judgement, show_reference, show_task
from ui.session import start_page
from ui.widgets import show_closing, show_goal

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

show_attempt(
    t,
    task,
    partial(judge_attempt, puzzle),
    partial(show_judgement, t, puzzle),
    hint=t(f"puzzles.{puzzle.name}_hint"),
    reveal=partial(show_reference, t, puzzle),
)

show_closing(t, "puzzles", tries=3)
