"""Streamlit glue for the Alerts page (pages/alerts.py): tables and forms over monitor/alerts.py and
monitor/searches.py. Every text from articles, feeds, servers and users is shown as data or escaped."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import streamlit as st

from monitor import alerts, delivery, searches, sources, store
from monitor.dashboard import connect, local_time
from monitor.reader import escape_markdown

MESSAGE_KEY = "alerts_message"
KIND_HELP = {
    "new_articles": "Every new article matching the search, grouped by story (wire copies are one item).",
    "volume_spike": "More articles in the recent window than the search's baseline makes likely (Poisson test).",
    "sentiment_shift": "The mean tone of the recent window differs from the baseline's (z-test, scored articles).",
    "digest": "A daily or weekly summary: figures with change, top stories, rising keywords, a chart, data quality.",
}


@dataclass
class State:
    searches: list[searches.SavedSearch]
    alerts: list[alerts.Alert]
    history: list[dict]
    unsent: list[dict]


def load(db_path: str) -> State:
    """Read fresh on every run: alerts change without the articles changing (no cache)."""
    with connect(db_path) as db:
        return State(
            searches.all_searches(db), alerts.all_alerts(db), alerts.history(db, limit=100),
            alerts.deliveries(db, unsent_only=True),
        )  # fmt: skip


def flash() -> None:
    if message := st.session_state.pop(MESSAGE_KEY, None):
        kind, text = message
        getattr(st, kind)(escape_markdown(text))


def done(kind: str, text: str) -> None:
    st.session_state[MESSAGE_KEY] = (kind, text)
    st.rerun()


def _base() -> str:
    """The dashboard's address for links: $NEWSMON_BASE_URL (`newsmon serve` sets it), else localhost:8501."""
    return searches.base_url()


SEARCH_COLUMNS = {
    "name": st.column_config.TextColumn("Name"),
    "selects": st.column_config.TextColumn("Selects", width="large"),
    "alerts": st.column_config.NumberColumn("Alerts"),
    "link": st.column_config.LinkColumn("Link", help="Opens the view with these filters"),
}


def searches_table(state: State) -> list[dict]:
    counts = {search.id: 0 for search in state.searches}
    for alert in state.alerts:
        counts[alert.search.id] = counts.get(alert.search.id, 0) + 1
    return [
        {
            "name": search.name,
            "selects": searches.describe(search.selection),
            "alerts": counts[search.id],
            "link": search.link(_base()),
        }
        for search in state.searches
    ]


def remove_search_form(db_path: str, state: State) -> None:
    with st.expander("Remove a saved search"):
        name = st.selectbox("Saved search", [s.name for s in state.searches], key="alerts_remove_search")
        if st.button("Remove it and its alerts", key="alerts_remove_search_button"):
            with connect(db_path) as db:
                searches.remove(db, name)
            done("success", f"Removed the saved search “{name}”.")


ALERT_COLUMNS = {
    "name": st.column_config.TextColumn("Alert"),
    "search": st.column_config.TextColumn("Saved search"),
    "kind": st.column_config.TextColumn("Kind"),
    "watches": st.column_config.TextColumn("Fires on", width="large"),
    "to": st.column_config.TextColumn("Sent to", help="Passwords and tokens hidden"),
    "every": st.column_config.TextColumn("At most every"),
    "last_fired": st.column_config.TextColumn("Last fired"),
    "state": st.column_config.TextColumn("State"),
}


def alerts_table(state: State, timezone: ZoneInfo) -> list[dict]:
    return [
        {
            "name": alert.name,
            "search": alert.search.name,
            "kind": alerts.KINDS[alert.kind],
            "watches": alert.describe(),
            "to": ", ".join(delivery.masked(target) for target in alert.targets),
            "every": sources.format_every(alert.every_seconds) if alert.every_seconds else "–",
            "last_fired": local_time(alert.last_fired_at, timezone) or "never",
            "state": ("paused" if not alert.enabled else f"error: {alert.last_error}" if alert.last_error else "on"),
        }
        for alert in state.alerts
    ]


def alert_actions(db_path: str, state: State) -> None:
    names = [alert.name for alert in state.alerts]
    columns = st.columns([2, 1, 1, 1, 1], vertical_alignment="bottom")
    name = columns[0].selectbox("Alert", names, key="alerts_pick")
    chosen = next(alert for alert in state.alerts if alert.name == name)
    if columns[1].button("Run now", key="alerts_run", help="Check it now, even within its interval"):
        with connect(db_path) as db, st.spinner("Checking and sending..."):
            summary = alerts.run_all(db, only=[name], force=True, base_url=_base())
        if summary.errors:
            done("error", f"{name}: {summary.errors[0][1]}")
        if summary.fired:
            failed = f"; not delivered to {len(summary.failed)} (retried later)" if summary.failed else ""
            done("success", f"Fired: {summary.fired[0][1]}. Messages sent: {summary.sent}{failed}.")
        done("info", f"{name}: nothing to report now (no new matching article, or the test does not pass).")
    if columns[2].button("Send a test", key="alerts_test", help="A test message to each target, now"):
        with connect(db_path) as db, st.spinner("Sending..."):
            results = alerts.send_test(db, name, base_url=_base())
        failed = [f"{target}: {error}" for target, error in results if error]
        if failed:
            done("error", "Test not delivered: " + " · ".join(failed))
        done("success", f"Test message sent to {len(results)} target(s).")
    if columns[3].button("Resume" if not chosen.enabled else "Pause", key="alerts_pause"):
        with connect(db_path) as db:
            store.set_alert_enabled(db, chosen.id, not chosen.enabled)
        done("success", f"{'Resumed' if not chosen.enabled else 'Paused'} “{name}”.")
    if columns[4].button("Remove", key="alerts_remove"):
        with connect(db_path) as db:
            alerts.remove(db, name)
        done("success", f"Removed the alert “{name}” and its history.")


def alert_form(db_path: str, state: State) -> None:
    """Set an alert. Every problem (a notification URL apprise cannot use, a setting out of range) is one
    message here, where it is set."""
    columns = st.columns(3)
    name = columns[0].text_input("Alert name", key="alert_name", placeholder="e.g. PK conflict spike")
    search = columns[1].selectbox("Saved search", [s.name for s in state.searches], key="alert_search")
    kind = columns[2].selectbox("Kind", list(alerts.KINDS), format_func=alerts.KINDS.get, key="alert_kind")
    st.caption(KIND_HELP[kind])
    targets = st.text_area(
        "Send to (apprise URLs, one per line)",
        key="alert_targets",
        placeholder="mailto://user:password@smtp.example.org?to=analyst@example.org\njson://hooks.example.org/newsmon",
        help="E-mail: mailto:// (mailtos:// for TLS); webhook: json:// or jsons://; Slack, Telegram, Teams... "
        "see apprise's documentation for each service's URL.",
    )
    settings: dict = {}
    defaults = alerts.DEFAULTS[kind]
    row = st.columns(4)
    if kind == "digest":
        settings["period"] = row[0].selectbox("Period", list(alerts.DIGEST_DAYS), key="alert_period")
        every = None
    else:
        every = row[0].text_input(
            "At most one message every", value=sources.format_every(alerts.DEFAULT_EVERY[kind]), key="alert_every"
        )
    if kind in ("volume_spike", "sentiment_shift"):
        settings["window_hours"] = row[1].number_input(
            "Recent window (hours)", 1, 168, int(defaults["window_hours"]), key="alert_window"
        )
        settings["p_value"] = row[2].number_input(
            "Significance (p below)", 0.0000001, 0.1, float(defaults["p_value"]), format="%.4g", key="alert_p"
        )
    if kind == "volume_spike":
        settings["min_count"] = row[3].number_input("At least (articles)", 1, 100_000, 5, key="alert_min_count")
    if kind == "sentiment_shift":
        settings["min_scored"] = row[3].number_input("At least (scored articles)", 5, 100_000, 20, key="alert_min")
        settings["min_shift"] = row[1].number_input("Smallest shift", 0.01, 2.0, 0.1, key="alert_shift")
    if st.button("Set the alert", key="alert_save", type="primary"):
        try:
            every_seconds = sources.parse_every(every) if every else None
            with connect(db_path) as db:
                alert, created = alerts.add(
                    db, name, search, kind, targets.splitlines(), every_seconds=every_seconds, **settings
                )
        except (alerts.AlertError, ValueError) as error:
            st.error(escape_markdown(str(error)))
            return
        done("success", f"{'Set' if created else 'Changed'} the alert “{alert.name}”: {alert.describe()}.")


UNSENT_COLUMNS = {
    "alert": st.column_config.TextColumn("Alert"),
    "title": st.column_config.TextColumn("Message", width="medium"),
    "target": st.column_config.TextColumn("To"),
    "status": st.column_config.TextColumn("Status", help="retrying (with back-off) or failed (gave up)"),
    "attempts": st.column_config.NumberColumn("Attempts"),
    "next": st.column_config.TextColumn("Next attempt"),
    "error": st.column_config.TextColumn("Last error", width="large"),
}


def unsent(db_path: str, state: State, timezone: ZoneInfo) -> None:
    if not state.unsent:
        st.caption("Every message has been delivered.")
        return
    st.dataframe(
        [
            {
                "alert": row["alert"], "title": row["title"], "target": row["target"], "status": row["status"],
                "attempts": row["attempts"], "next": local_time(row["next_attempt_at"], timezone) or "–",
                "error": row["last_error"] or "",
            }
            for row in state.unsent
        ],
        hide_index=True, key="alerts_unsent", column_config=UNSENT_COLUMNS,
    )  # fmt: skip
    if st.button("Retry now", key="alerts_retry"):
        with connect(db_path) as db, st.spinner("Sending..."):
            alerts.retry_failed(db)
            summary = alerts.deliver_due(db)
        kind = "success" if not summary.failed else "warning"
        done(kind, f"Sent {summary.sent}; still not delivered: {len(summary.failed)}.")


HISTORY_COLUMNS = {
    "fired": st.column_config.TextColumn("Fired", help="Your time zone"),
    "alert": st.column_config.TextColumn("Alert"),
    "what": st.column_config.TextColumn("What", width="medium"),
    "why": st.column_config.TextColumn("Why", width="large"),
    "articles": st.column_config.NumberColumn("Articles"),
    "delivered": st.column_config.TextColumn("Delivered"),
    "link": st.column_config.LinkColumn("View", display_text="open"),
}


def history(state: State, timezone: ZoneInfo) -> None:
    if not state.history:
        st.caption("No alert has fired yet.")
        return
    rows = [
        {
            "fired": local_time(row["fired_at"], timezone),
            "alert": row["alert"],
            "what": row["title"],
            "why": row["reason"],
            "articles": len(row["articles"]),
            "delivered": f"{row['sent']} sent"
            + (f", {row['pending']} waiting" if row["pending"] else "")
            + (f", {row['failed']} failed" if row["failed"] else ""),
            "link": row["link"],
        }
        for row in state.history
    ]
    picked = st.dataframe(rows, hide_index=True, key="alerts_history", column_config=HISTORY_COLUMNS,
                          on_select="rerun", selection_mode="single-row")  # fmt: skip
    chosen = picked.selection.rows if picked and picked.selection else []
    if chosen:
        row = state.history[chosen[0]]
        st.markdown(f"**{escape_markdown(row['title'])}**")
        st.text(f"Why: {row['reason']}")
        st.json(row["figures"], expanded=False)
        st.code(row["body"], language="html" if row["body_format"] == "html" else "markdown", wrap_lines=True)
    else:
        st.caption("Pick a row to see its figures and the message as it was sent.")
