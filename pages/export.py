"""Export: pick a summary of the current selection, preview it, download it as CSV or XLSX with its JSON manifest."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import streamlit as st

from monitor import dashboard as ui
from monitor import export, quality_view
from monitor.filters import Filters
from monitor.queries import QueryError
from monitor.reader import escape_markdown


@st.cache_data(max_entries=200, show_spinner=False)
def _export_file(
    db_path: str, version: str, kind: str, filters: Filters, options: tuple, file_format: str, max_rows
) -> tuple[bytes, int]:
    with ui.connect(db_path) as db:
        return export.summary_file(db, kind, filters, file_format=file_format, max_rows=max_rows, **dict(options))


def export_file(kind: str, filters: Filters, options: dict, file_format: str, max_rows: int | None = None):
    """The summary as CSV or XLSX (formulas neutralised) and its row count, cached like every query."""
    view = ui.current()
    return _export_file(view.db_path, view.version, kind, filters, tuple(options.items()), file_format, max_rows)


def export_file_later(
    kind: str, filters: Filters, options: dict, file_format: str, max_rows: int | None = None
) -> Callable[[], bytes]:
    """The file made only when its download button is pressed (large article lists, workbooks)."""
    view = ui.current()
    frozen = tuple(options.items())
    return lambda: _export_file(view.db_path, view.version, kind, filters, frozen, file_format, max_rows)[0]


@st.cache_data(max_entries=200, show_spinner=False)
def _export_preview(db_path: str, version: str, kind: str, filters: Filters, options: tuple, limit) -> dict:
    with ui.connect(db_path) as db:
        columns, rows = export.summary_rows(db, kind, filters, limit=limit, **dict(options))
        return {"columns": columns, "rows": [dict(row) for _, row in zip(range(limit), rows, strict=False)]}


def export_preview(kind: str, filters: Filters, options: dict, limit: int) -> dict:
    view = ui.current()
    return _export_preview(view.db_path, view.version, kind, filters, tuple(options.items()), limit)


PREVIEW_ROWS = 100
ARTICLES_IN_BROWSER = 50_000  # beyond this, the CLI streams to a file

view = ui.page_view("Export")
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
if summary.intervals and not (kind == "sentiment" and by != "day"):  # sentiment by country has no periods
    interval = (  # one choice per summary: another summary starts again at "day"
        st.segmented_control("Per", ["day", "week"], default="day", key=f"export_interval_{kind}", bind="query-params")
        or "day"
    )
terms: tuple[str, ...] = ()
if summary.terms:  # the same key as the Trends page, so its link's terms (`trends_terms`) come along
    text = st.text_area(
        f"Terms to compare, one per line (up to {export.MAX_TERMS})", key="trends_terms", bind="query-params",
        placeholder="One per line, e.g. ceasefire", height=110,
        help='Each line is a search like the sidebar\'s (words, "phrases", OR, NOT, prefix*), counted within the '
        "current filters.",
    )  # fmt: skip
    terms = tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if len(terms) > export.MAX_TERMS:
        st.warning(f"Only the first {export.MAX_TERMS} lines are compared.")
        terms = terms[: export.MAX_TERMS]
    if not terms:
        st.info("Type a few terms to compare how often they appear over time.")
        st.stop()
partial = export.partial_weeks(view.filters, today=view.today) if interval == "week" else []
if partial:
    st.caption(
        "Partial weeks (the selection covers only some of their days): " + ", ".join(partial)
        + ". The manifest lists them too."
    )  # fmt: skip

full_text = kind == "articles" and st.checkbox(
    "With the full text (a body column last)", key="export_full_text", bind="query-params"
)
options = {"by": by, "interval": interval, "full_text": full_text, **({"terms": terms} if terms else {})}
try:
    preview = export_preview(kind, view.filters, {**options, "full_text": False}, PREVIEW_ROWS)  # no bodies
except (QueryError, export.ExportError) as error:
    st.error(escape_markdown(str(error)))
    st.stop()
if not preview["rows"]:
    ui.empty_state(view)
    st.stop()
st.dataframe(preview["rows"], hide_index=True, key="export_preview", column_order=preview["columns"])
st.caption(f"Preview of the first {min(PREVIEW_ROWS, len(preview['rows']))} rows.")

stamp = datetime.now(UTC).replace(microsecond=0)
per = f"-per-{interval}" if interval != "day" else ""
name = f"newsmon-{kind}{'-by-' + by if by else ''}{per}-{stamp:%Y%m%d-%H%M}"
if kind == "articles":
    csv_data = export_file_later(kind, view.filters, options, "csv", ARTICLES_IN_BROWSER)
    xlsx_data = export_file_later(kind, view.filters, options, "xlsx", ARTICLES_IN_BROWSER)
    st.caption(
        f"The download holds up to {ARTICLES_IN_BROWSER:,} articles, newest first. For more, use the CLI: "
        "`newsmon export articles [filters] -o articles.csv`."
    )
    rows_written = None
else:
    csv_data, rows_written = export_file(kind, view.filters, options, "csv")
    xlsx_data = export_file_later(kind, view.filters, options, "xlsx")  # the same rows, made when asked
columns = st.columns(3)
columns[0].download_button(
    "Download CSV", data=csv_data, file_name=f"{name}.csv", mime="text/csv", key="export_csv", type="primary",
    icon=":material/download:",
)  # fmt: skip
columns[1].download_button(
    "Download XLSX", data=xlsx_data, file_name=f"{name}.xlsx", key="export_xlsx", icon=":material/table:",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)  # fmt: skip
manifest = export.manifest(
    kind,
    view.filters,
    by=by,
    interval=interval,
    rows=rows_written,
    snapshot_at=stamp,
    database=view.db_path,
    today=view.today,
    full_text=full_text,
    terms=terms,
)
if view.demo:
    manifest["demo_data"] = True
manifest["data_quality"] = quality_view.check(view).as_dict()  # so a dip can be told apart from a dead feed
columns[2].download_button(
    "Download manifest (JSON)", data=json.dumps(manifest, indent=2, ensure_ascii=False),
    file_name=f"{name}.json", mime="application/json", key="export_manifest",
)  # fmt: skip
with st.expander("What the columns mean"):
    st.dataframe(
        [
            {"column": column, "meaning": meaning}
            for column, meaning in summary.column_meanings(by, interval, full_text=full_text).items()
        ],
        hide_index=True, key="export_columns",
    )  # fmt: skip
