"""Export: pick a summary of the current selection, preview it, download the CSV and its JSON manifest."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import streamlit as st

from monitor import dashboard as ui
from monitor import export
from monitor.filters import Filters


@st.cache_data(max_entries=200, show_spinner=False)
def _export_csv(db_path: str, version: str, kind: str, filters: Filters, by, interval, max_rows) -> tuple[bytes, int]:
    with ui.connect(db_path) as db:
        return export.summary_csv(db, kind, filters, by=by, interval=interval, max_rows=max_rows)


def export_csv(kind: str, filters: Filters, by, interval: str, max_rows: int | None = None) -> tuple[bytes, int]:
    """The summary's CSV (formulas neutralised) and its row count, cached like every query."""
    view = ui.current()
    return _export_csv(view.db_path, view.version, kind, filters, by, interval, max_rows)


def export_csv_later(kind: str, filters: Filters, by, interval: str, max_rows: int) -> Callable[[], bytes]:
    """The CSV made only when the download button is pressed (large article lists)."""
    view = ui.current()
    return lambda: _export_csv(view.db_path, view.version, kind, filters, by, interval, max_rows)[0]


@st.cache_data(max_entries=200, show_spinner=False)
def _export_preview(db_path: str, version: str, kind: str, filters: Filters, by, interval, limit) -> dict:
    with ui.connect(db_path) as db:
        columns, rows = export.summary_rows(db, kind, filters, by=by, interval=interval, limit=limit)
        return {"columns": columns, "rows": [dict(row) for _, row in zip(range(limit), rows, strict=False)]}


def export_preview(kind: str, filters: Filters, by, interval: str, limit: int) -> dict:
    view = ui.current()
    return _export_preview(view.db_path, view.version, kind, filters, by, interval, limit)


PREVIEW_ROWS = 100
ARTICLES_IN_BROWSER = 50_000  # beyond this, the CLI streams to a file

view = ui.page_view()
st.title("Export")
st.caption(ui.describe(view))

kinds = list(export.SUMMARIES)
kind = st.selectbox(
    "Summary", kinds, key="export_kind", bind="query-params",
    format_func=lambda key: f"{export.SUMMARIES[key].title}",
)  # fmt: skip
summary = export.SUMMARIES[kind]
st.caption(summary.description)
by = None
if summary.by:
    by = st.segmented_control(
        "By", list(summary.by), default=summary.by[0], key=f"export_by_{kind}", bind="query-params",
        format_func=lambda value: value.replace("_", " ").capitalize(),
    ) or summary.by[0]  # fmt: skip
interval = "day"
if summary.intervals:
    interval = (
        st.segmented_control("Per", ["day", "week"], default="day", key="export_interval", bind="query-params") or "day"
    )

preview = export_preview(kind, view.filters, by, interval, PREVIEW_ROWS)
if not preview["rows"]:
    ui.empty_state(view)
    st.stop()
st.dataframe(preview["rows"], hide_index=True, key="export_preview", column_order=preview["columns"])
st.caption(f"Preview of the first {min(PREVIEW_ROWS, len(preview['rows']))} rows.")

stamp = datetime.now(UTC).replace(microsecond=0)
name = f"newsmon-{kind}{'-by-' + by if by else ''}-{stamp:%Y%m%d-%H%M}"
if kind == "articles":
    data = export_csv_later(kind, view.filters, by, interval, ARTICLES_IN_BROWSER)
    st.caption(
        f"The download holds up to {ARTICLES_IN_BROWSER:,} articles, newest first. For more, use the CLI: "
        "`newsmon export articles [filters] -o articles.csv`."
    )
    rows_written = None
else:
    data, rows_written = export_csv(kind, view.filters, by, interval)
columns = st.columns(2)
columns[0].download_button(
    "Download CSV", data=data, file_name=f"{name}.csv", mime="text/csv", key="export_csv", type="primary",
    icon=":material/download:",
)  # fmt: skip
manifest = export.manifest(
    kind, view.filters, by=by, interval=interval, rows=rows_written, snapshot_at=stamp, database=view.db_path
)
if view.demo:
    manifest["demo_data"] = True
columns[1].download_button(
    "Download manifest (JSON)", data=json.dumps(manifest, indent=2, ensure_ascii=False),
    file_name=f"{name}.json", mime="application/json", key="export_manifest",
)  # fmt: skip
with st.expander("What the columns mean"):
    st.dataframe(
        [{"column": column, "meaning": meaning} for column, meaning in summary.column_meanings(by, interval).items()],
        hide_index=True, key="export_columns",
    )  # fmt: skip
