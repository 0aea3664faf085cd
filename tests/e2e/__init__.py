"""End-to-end tests: a real `streamlit run` server, driven by Chromium or a websocket client."""
