"""app.py without st.navigation, for AppTest: the same sidebar and banner, then the page named in session state.

AppTest drops the elements of an st.navigation entry script (the sidebar) after the first rerun, so
interactions (a filter picked, a page changed, a button clicked) are tested through this harness; the real
navigation is covered by a first-run test of app.py and by the browser tests.
"""

import runpy
from pathlib import Path

import streamlit as st

from monitor import dashboard

view = dashboard.sidebar()
dashboard.database_note(view)
runpy.run_path(str(Path(__file__).resolve().parent.parent / "app_pages" / f"{st.session_state['page']}.py"))
