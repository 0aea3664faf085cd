import streamlit as st

from lessons.practice.puzzles import PUZZLES
from ui.puzzles import pick_puzzle, show_answer_box, show_task
from ui.session import start_page
from ui.widgets import show_closing, show_goal

t = start_page()
show_goal(t, "puzzles")

st.subheader(t("puzzles.step_pick"), divider="gray")
number = pick_puzzle(t)
puzzle = PUZZLES[number - 1]

st.subheader(t("puzzles.step_task", number=number), divider="gray")
with st.container(key="puzzles_result"):
    show_task(t, puzzle)
show_answer_box(t, puzzle)

show_closing(t, "puzzles", tries=4)
