"""The sidebar's saved searches: open one (its selection fills the filters and the link), or save the current
view under a name. Streamlit glue over monitor/searches.py; drawn by dashboard.sidebar()."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from monitor import searches, store
from monitor.reader import escape_markdown
from monitor.searches import SearchError
from monitor.selection import Selection

OPEN_KEY = "saved_search_open"
NOTE_KEY = "saved_search_note"


def _saved(db_path: str) -> list[searches.SavedSearch]:
    db = store.open_db(db_path)
    try:
        return searches.all_searches(db)
    finally:
        db.conn.close()


def _open(found: dict[str, searches.SavedSearch], load: Callable[[Selection], None]) -> None:
    name = st.session_state.get(OPEN_KEY)
    if name in found:
        load(found[name].selection)
        st.session_state[NOTE_KEY] = ("info", f"Opened the saved search “{name}”.")
    st.session_state[OPEN_KEY] = None  # the filters can change from here: the box does not claim the name


def _save(db_path: str, chosen: Selection) -> None:
    name = st.session_state.get("saved_search_name", "")
    typed = st.session_state.get("f_query", "").strip()
    if typed and not chosen.query.strip():  # the sidebar dropped a search it could not run
        st.session_state[NOTE_KEY] = ("error", f"The search “{typed}” has a syntax error: fix it before saving.")
        return
    db = store.open_db(db_path)
    try:
        saved, created = searches.save(db, name, chosen)
    except SearchError as error:
        st.session_state[NOTE_KEY] = ("error", str(error))
        return
    finally:
        db.conn.close()
    st.session_state["saved_search_name"] = ""
    verb = "Saved" if created else "Replaced"
    st.session_state[NOTE_KEY] = ("success", f"{verb} “{saved.name}”: {searches.describe(saved.selection)}.")


def sidebar(db_path: str, chosen: Selection, load: Callable[[Selection], None]) -> None:
    """A box to open a saved search and a "Save this view" form, under the filters."""
    bar = st.sidebar
    bar.divider()
    found = {saved.name: saved for saved in _saved(db_path)}
    if found:
        bar.selectbox(
            "Saved searches",
            list(found),
            index=None,
            placeholder=f"Open one of {len(found)}",
            key=OPEN_KEY,
            on_change=_open,
            args=(found, load),
            help="Its filters replace the current ones; a relative period (last 7 days) counts back from today.",
        )
    # An expander, not a popover: it scrolls with the sidebar, so Save stays in reach on a short screen.
    with bar.expander("Save this view", icon=":material/bookmark_add:"):
        st.text_input("Name", key="saved_search_name", max_chars=searches.NAME_MAX, placeholder="e.g. PK conflict")
        st.caption(escape_markdown(searches.describe(chosen)))
        st.button("Save", key="saved_search_save", on_click=_save, args=(db_path, chosen), type="primary")
    if note := st.session_state.pop(NOTE_KEY, None):
        kind, text = note
        getattr(bar, kind)(escape_markdown(text))
