"""Sources: health of every feed, add / remove / pause / resume, OPML import, file upload, fetch now, rule preview."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import streamlit as st

from monitor import dashboard as ui
from monitor import labels, rule_preview, sources, store, trends
from monitor.models import IngestError
from monitor.reader import escape_markdown, plain_text, safe_link

HEALTH_COLUMNS = {
    "state": st.column_config.TextColumn("Status", help="ok, failing, new, paused (after 5 failures) or disabled"),
    "name": st.column_config.TextColumn("Source", width=180),
    "country": st.column_config.TextColumn("Country"),
    "language": st.column_config.TextColumn("Lang"),
    "every": st.column_config.TextColumn("Every"),
    "last_success": st.column_config.TextColumn("Last success"),
    "failures": st.column_config.NumberColumn("Failures", help="Consecutive failed fetches"),
    "last_error": st.column_config.TextColumn("Last error", width="medium"),
    "per_day": st.column_config.BarChartColumn("Articles per day (14 days)", y_min=0),
    "articles_24h": st.column_config.NumberColumn("24 h"),
    "articles_total": st.column_config.NumberColumn("Total"),
    "url": st.column_config.LinkColumn("URL", width=320),
}


def health_table(health, activity: list[dict], today: date) -> list[dict]:
    """One row per source for the health table, with its articles per day as a small bar chart."""
    first = today - timedelta(days=13)
    series = ui.daily_series(
        [{"value": row["source"], "period": row["day"], "articles": row["articles"]} for row in activity],
        [source.name for source in health],
        first,
        today,
    )
    return [
        {
            "state": source.state,
            "name": source.name,
            "country": source.country or "",
            "language": source.language or "",
            "every": sources.format_every(source.every_seconds),
            "last_success": ui.local_time(source.last_success_at) or "never",
            "failures": source.consecutive_failures,
            "last_error": source.last_error or "",
            "per_day": series[source.name],
            "articles_24h": source.articles_24h,
            "articles_total": source.articles_total,
            "url": safe_link(source.url),
        }
        for source in health
    ]


view = ui.page_view("Sources")

if message := st.session_state.pop("sources_message", None):
    kind, text = message
    getattr(st, kind)(text)

health = ui.cached(sources.list_sources)
activity = ui.cached(trends.sources_activity, days=14, now=ui.anchor(view))
if health:
    st.dataframe(
        health_table(health, activity, view.today), hide_index=True, key="sources_health",
        column_config=HEALTH_COLUMNS, column_order=list(HEALTH_COLUMNS),
    )  # fmt: skip
    failing = [source for source in health if source.last_error]
    if failing:
        with st.expander(f"Last errors ({len(failing)})"):
            for source in failing:
                st.text(plain_text(f"{source.name}: {source.last_error}"))
else:
    st.info("No sources yet. Add a feed below, import an OPML file, or upload files you already have.")

# Read-only, so the demo database has it too: try a rule edit on the demo articles.
with st.expander("Rule preview: what an edited rule file would change"):
    st.caption(
        "After editing data/taxonomy.toml, countries.toml, news_lexicon.tsv or tone_rules.toml: which articles "
        "would gain or lose each topic, country and tone if `newsmon analyse` applied the rules now. "
        "Nothing is written. The newest articles are re-analysed in memory, a few milliseconds each."
    )
    limit = st.number_input(
        "Newest articles to check", min_value=100, max_value=20_000, step=500,
        value=rule_preview.DEFAULT_LIMIT, key="rules_limit",
        help="Each takes a few milliseconds; for more, `newsmon analyse --dry-run --limit 0` checks them all.",
    )  # fmt: skip
    if st.button("Preview the rules", key="rules_preview"):
        with st.spinner("Re-analysing in memory…"), ui.connect(view.db_path) as db:
            st.session_state["rules_preview_result"] = (view.db_path, rule_preview.preview_rules(db, limit=int(limit)))
    checked_db, preview = st.session_state.get("rules_preview_result", (None, None))
    if preview is not None and checked_db == view.db_path:
        st.text(rule_preview.summary_line(preview))
        if preview.changes:
            st.dataframe(rule_preview.change_rows(preview, labels.label), hide_index=True, key="rules_changes")

if view.demo:
    st.warning(
        "This is the demo database: its sources are made up and never fetched, and nothing can be added "
        "to it. Open your own database (button above) to manage real sources."
    )
    st.stop()


def done(kind: str, text: str) -> None:
    """Show the outcome after the rerun that refreshes the figures."""
    st.session_state["sources_message"] = (kind, text)
    st.rerun()


add_tab, manage_tab, fetch_tab, upload_tab, opml_tab, groups_tab = st.tabs(
    ["Add a source", "Pause / resume / remove", "Fetch now", "Upload files", "Import OPML", "Source groups"],
    key="sources_tab",  # the open tab stays open after an action's rerun, and is in the link
    bind="query-params",
)
with add_tab, st.form("add_source", clear_on_submit=True):
    url = st.text_input("Feed or page URL", placeholder="https://example.org/rss.xml")
    columns = st.columns(4)
    name = columns[0].text_input("Name (optional)", help="Default: the title the feed announces")
    country = columns[1].text_input("Publisher country", placeholder="PK", help="ISO 3166 alpha-2")
    language = columns[2].text_input("Language", placeholder="en", help="ISO 639-1")
    every = columns[3].text_input("Fetch every", value="30m", help="e.g. 15m, 2h, 1d")
    full_text = st.checkbox("Fetch each entry's page for the full text")
    if st.form_submit_button("Add source"):
        try:
            if not url.strip().lower().startswith(("http://", "https://")):
                raise ValueError("the URL must start with http:// or https://")
            with ui.connect(view.db_path) as db:
                source_id, created = store.add_source(
                    db, url.strip(), name=name.strip() or None,
                    country=sources.normalise_country(country) if country.strip() else None,
                    language=sources.normalise_language(language) if language.strip() else None,
                    every_seconds=sources.parse_every(every), full_text=full_text,
                )  # fmt: skip
            verb = "Added" if created else "Updated"
            added = f"{verb} source {source_id}: {escape_markdown(url.strip())}."
            done("success", f"{added} It is fetched on the next *Fetch now*.")
        except ValueError as error:
            st.error(f"Not added: {escape_markdown(str(error))}")

with manage_tab:
    if not health:
        st.caption("No sources yet.")
    else:
        by_id = {source.id: source for source in health}
        chosen = st.selectbox(
            "Source", list(by_id), key="sources_manage",
            format_func=lambda key: f"{by_id[key].name} ({by_id[key].state}) — {by_id[key].url}",
        )  # fmt: skip
        picked = by_id[chosen]
        buttons = st.columns(3)
        if buttons[0].button("Pause", disabled=not picked.enabled, key="sources_pause"):
            with ui.connect(view.db_path) as db:
                store.set_source_enabled(db, picked.id, False)
            done("success", f"Paused {escape_markdown(picked.name)}: it is not fetched until resumed.")
        if buttons[1].button("Resume", disabled=picked.enabled, key="sources_resume"):
            with ui.connect(view.db_path) as db:
                store.set_source_enabled(db, picked.id, True)
            done("success", f"Resumed {escape_markdown(picked.name)}; its failure count was reset and it is due now.")
        confirm = buttons[2].checkbox("Yes, remove it", key="sources_confirm_remove")
        if buttons[2].button("Remove", disabled=not confirm, key="sources_remove"):
            with ui.connect(view.db_path) as db:
                store.remove_source(db, picked.id)
            name = escape_markdown(picked.name)
            done("success", f"Removed {name}. Its {picked.articles_total:,} articles stay in the database.")

with fetch_tab:
    enabled = [source for source in health if source.enabled]
    st.caption(f"Fetches all {len(enabled)} enabled sources now, whether due or not (4 hosts at a time).")
    if st.button("Fetch now", disabled=not enabled, type="primary", key="sources_fetch"):
        from monitor import scheduler  # HTTP and page extraction: imported on the first fetch, not every first visit

        bar = st.progress(0.0, text="Fetching…")
        outcomes: list[scheduler.SourceOutcome] = []

        def progress(outcome: scheduler.SourceOutcome) -> None:
            outcomes.append(outcome)
            text = f"{len(outcomes)}/{len(enabled)}: {escape_markdown(outcome.name)}"
            bar.progress(len(outcomes) / len(enabled), text=text)

        with ui.connect(view.db_path) as db:
            summary = scheduler.fetch_due(db, force=True, progress=progress)
        lines = [
            f"Fetched {summary.attempted} sources: {summary.ok} ok, {summary.not_modified} unchanged, "
            f"{summary.failed} failed; {summary.added} new articles, {summary.duplicates} already known."
        ]
        lines += [f"- {escape_markdown(f'{outcome.name}: {outcome.error}')}" for outcome in summary.failures]
        done("warning" if summary.failed else "success", "\n".join(lines))

with upload_tab:
    uploads = st.file_uploader(
        "Articles you already have: feed XML, HTML pages, scraped text, JSON/JSONL, CSV (gzip too)",
        accept_multiple_files=True, key="sources_upload",
    )  # fmt: skip
    source_name = st.text_input("Source name for these articles (optional)", key="sources_upload_name")
    if uploads and st.button("Ingest the files", key="sources_ingest"):
        from monitor.ingest import jobs  # the parsers: imported on the first upload

        with tempfile.TemporaryDirectory(prefix="newsmon-upload-") as folder:
            paths = []
            for upload in uploads:
                path = Path(folder) / Path(upload.name).name  # never a path from the browser
                path.write_bytes(upload.getvalue())
                paths.append(str(path))
            with ui.connect(view.db_path) as db:
                summary = jobs.ingest(db, paths, source=source_name.strip() or None)
        lines = [
            f"Read {summary.read} of {len(paths)} files: {summary.added} new articles, "
            f"{summary.duplicates} already known, {summary.skipped_records} records skipped."
        ]
        for outcome in summary.outcomes:
            name = Path(outcome.input).name
            if outcome.error:
                lines.append(f"- {escape_markdown(f'{name}: {outcome.error}')}")
            lines += [f"- {escape_markdown(f'{name}: {problem}')}" for problem in outcome.problems[:5]]
        done("warning" if summary.failed or summary.skipped_records else "success", "\n".join(lines))

with opml_tab:
    opml = st.file_uploader("OPML file (from another feed reader)", type=["opml", "xml"], key="sources_opml")
    if opml and st.button("Import", key="sources_import"):
        try:
            with ui.connect(view.db_path) as db:
                added, updated, problems = sources.import_opml(db, opml.getvalue())
            lines = [f"- {escape_markdown(problem)}" for problem in problems]
            text = "\n".join([f"Imported: {added} sources added, {updated} updated.", *lines])
            done("warning" if problems else "success", text)
        except IngestError as error:
            st.error(f"Not imported: {escape_markdown(str(error))}")

with groups_tab:
    st.caption(
        "A source group is a named list of sources (for example the outlets of one region), a sidebar filter "
        "like the others. From a terminal: `newsmon groups set NAME SOURCE...`."
    )
    groups = ui.cached(store.source_groups)
    names = ui.cached(store.source_names)
    for group, members in groups.items():
        st.text(f"{group}: {', '.join(members)}")  # st.text: never Markdown
    editing = st.selectbox("Group", ["(new group)", *groups], key="sources_group")
    group_name = st.text_input(
        "Name", value="" if editing == "(new group)" else editing, key=f"sources_group_name_{editing}"
    )
    members = st.multiselect(
        "Sources",
        names,
        default=[m for m in groups.get(editing, []) if m in names],
        key=f"sources_group_members_{editing}",
    )
    buttons = st.columns(2)
    if buttons[0].button("Save the group", key="sources_group_save", disabled=not group_name.strip() or not members):
        try:
            with ui.connect(view.db_path) as db:
                store.set_source_group(db, group_name, members)
            done("success", f"Saved the group {escape_markdown(group_name.strip())} ({len(members)} sources).")
        except ValueError as error:
            st.error(f"Not saved: {escape_markdown(str(error))}")
    if editing != "(new group)" and buttons[1].button("Delete the group", key="sources_group_delete"):
        with ui.connect(view.db_path) as db:
            store.set_source_group(db, editing, [])
        done("success", f"Deleted the group {escape_markdown(editing)}. Its sources stay.")
