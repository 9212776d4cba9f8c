"""Alerts: saved searches, the alerts on them, a form to set one, deliveries not sent yet, and the history."""

from __future__ import annotations

import streamlit as st

from monitor import alerts_view as ui_alerts
from monitor import dashboard as ui

view = ui.page_view("Alerts")
st.caption(
    "Alerts watch saved searches and send a message (e-mail, webhook, Slack, Telegram... through apprise URLs) "
    "when something happens. They run after every fetch pass of `newsmon serve` or `newsmon watch`, and with "
    "`newsmon alerts run` (cron)."
)
if view.demo:
    st.warning("This is the demo database: alerts set here watch generated articles, not your news.")
ui_alerts.flash()
state = ui_alerts.load(view.db_path)

st.subheader("Saved searches")
if not state.searches:
    st.info(
        "No saved search yet. Pick filters in the sidebar and press **Save this view**, or run "
        "`newsmon searches add NAME --period 7d --country PK`."
    )
else:
    st.dataframe(ui_alerts.searches_table(state), hide_index=True, key="alerts_searches",
                 column_config=ui_alerts.SEARCH_COLUMNS)  # fmt: skip
    ui_alerts.remove_search_form(view.db_path, state)

st.subheader("Alerts")
if state.alerts:
    st.dataframe(ui_alerts.alerts_table(state, view.timezone), hide_index=True, key="alerts_table",
                 column_config=ui_alerts.ALERT_COLUMNS)  # fmt: skip
    ui_alerts.alert_actions(view.db_path, state)
elif state.searches:
    st.info("No alert yet: set one below.")
if state.searches:
    with st.expander("Set an alert", expanded=not state.alerts):
        ui_alerts.alert_form(view.db_path, state)

st.subheader("Deliveries not sent")
ui_alerts.unsent(view.db_path, state, view.timezone)

st.subheader("History")
ui_alerts.history(state, view.timezone)
