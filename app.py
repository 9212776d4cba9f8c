"""newsmon dashboard: `streamlit run app.py` or `newsmon serve`. The navigation and the shared filters only;
each page in pages/ reads the View the sidebar stored and calls monitor/ for its data."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from monitor import dashboard

# Streamlit also serves pages/ as a menu of file names until this script has run once in the server: a page
# opened that way reruns through here (dashboard.page_view), so every visit gets this menu and layout.
PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="newsmon", page_icon="📰", layout="wide")
navigation = st.navigation(
    [
        st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(PAGES / "trends.py", title="Trends", icon=":material/trending_up:"),
        st.Page(PAGES / "articles.py", title="Articles", icon=":material/article:"),
        st.Page(PAGES / "sources.py", title="Sources", icon=":material/rss_feed:"),
        st.Page(PAGES / "export.py", title="Export", icon=":material/download:"),
        st.Page(PAGES / "alerts.py", title="Alerts", icon=":material/notifications:"),
    ]
)
dashboard.page_title(navigation.title)  # first: the sidebar's queries take a moment on a big database
view = dashboard.sidebar()
dashboard.database_note(view)
navigation.run()
