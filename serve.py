"""`streamlit run serve.py`: app.py, served by a process that is warm before it answers.

Streamlit runs a page only for a session, so the first learner of a fresh process would
pay for every first import and figure. Run this way, the server's ASGI lifespan calls
ui.warm.warm_up() before uvicorn accepts a connection: /_stcore/health answers only once
the process is warm, so a readiness probe on it holds learners back until then.
`streamlit run app.py` serves the same app, warming on its first visit instead.
"""

from contextlib import asynccontextmanager

import streamlit as st

from ui.warm import warm_up


@asynccontextmanager
async def _warmed(_app: st.App):
    warm_up()
    yield


app = st.App("app.py", lifespan=_warmed)
