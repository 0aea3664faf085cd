"""Streamlit helpers shared by the pages: language, inputs, and how results are shown."""
