"""The floor the app's pages are measured against: one text input and one 3 x 3 Plotly
heatmap, the least a page of this app can show. Served from the repository root, so it
runs with the same .streamlit/config.toml as the app. Benchmark-only: not a page."""

import plotly.graph_objects as go
import streamlit as st

text = st.text_input("x", value="1", key="floor_x")
try:
    x = float(text)
except ValueError:
    x = 0.0
st.code(str(x), language="text")  # the client reads this to check the run saw its input
figure = go.Figure(go.Heatmap(z=[[x * (i - j) for j in range(3)] for i in range(3)]))
st.plotly_chart(figure, width="stretch", key="floor_chart")
