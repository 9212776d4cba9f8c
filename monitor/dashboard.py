"""Streamlit state shared by app.py and the pages: which database, the sidebar filters (the View), cached
queries and the pieces more than one page draws. No SQL here (monitor.queries and monitor.trends), no names
(monitor.labels), no figures (monitor.charts); what one page alone needs lives in that page."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlite_utils
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from monitor import columnar, config, labels, queries, selection, sources, store, trends
from monitor.filters import FILTER_DIMENSIONS, Filters
from monitor.queries import QueryError
from monitor.reader import escape_markdown
from monitor.selection import PERIODS, SENTIMENT_FULL, Selection

columnar.enabled = True  # a long-running process: counting two filters or a search at scale pays off here

PARALLEL_QUERIES = 2  # a 2-core laptop
STATE_KEY = "newsmon_view"
FRESH_KEY = "newsmon_view_this_run"  # set by the sidebar, taken by the page it was drawn for
TITLED_KEY = "newsmon_titled_this_run"  # app.py drew the page's title


@dataclass(frozen=True)
class View:
    """What every page needs: the database, whether it is demo data, its version, and the selection."""

    db_path: str
    demo: bool
    version: str  # changes whenever the data changes: part of every cache key
    filters: Filters
    selection: Selection
    today: date  # presets count back from here: today, or the last day of a demo database
    first_day: date | None  # of the data (UTC)
    timezone: ZoneInfo


# ---- database --------------------------------------------------------------------------------------


@contextmanager
def connect(db_path: str) -> Iterator[sqlite_utils.Database]:
    """A connection for one query: Streamlit runs each session in its own threads, so none is shared."""
    db = store.open_db(db_path)
    try:
        yield db
    finally:
        db.conn.close()


def has_articles(db_path: Path) -> bool:
    if not db_path.exists():
        return False
    with connect(str(db_path)) as db:
        return queries.has_articles(db)


def choose_database(wanted: str | None) -> tuple[Path, bool]:
    """(path, is_demo): the real database unless the link asks for the demo one, or the real one is empty
    and a demo database exists (the first run without network)."""
    real = config.db_path()
    demo = config.DEMO_DB
    if wanted == "real" or not demo.exists():
        return real, False
    if wanted == "demo" or not has_articles(real):
        return demo, True
    return real, False


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached(function_name: str, db_path: str, version: str, args: tuple, kwargs: tuple) -> object:
    module_name, name = function_name.rsplit(".", 1)
    function = getattr(QUERY_MODULES[module_name], name)
    with connect(db_path) as db:
        return function(db, *args, **dict(kwargs))


QUERY_MODULES = {module.__name__: module for module in (queries, trends, sources, store)}


def cached(function: Callable, *args, **kwargs):
    """Call a read-only function of monitor.queries, .trends, .sources (or a reader of .store) on the current
    database, cached on the arguments (the filters among them) and the database's version, so new data shows
    on the next rerun."""
    view = current()
    return _cached_call(function, view.db_path, view.version, *args, **kwargs)


def _cached_call(function: Callable, db_path: str, version: str, *args, **kwargs):
    name = f"{function.__module__}.{function.__name__}"
    return _cached(name, db_path, version, args, tuple(sorted(kwargs.items())))


def prefetch(calls: list[tuple[Callable, tuple, dict]]) -> None:
    """Start a page's queries, two at a time (SQLite reads in parallel on two connections; the GIL is released
    while SQLite works), and return at once: the page's own `cached` calls take each result when it is ready
    (st.cache_data computes a value once and the other callers wait for it). So the headline figures are drawn
    while the later queries still run, and a cold page waits about half as long. Same results."""
    view = current()
    context = get_script_run_ctx()

    def run(call: tuple[Callable, tuple, dict]) -> None:
        add_script_run_ctx(threading.current_thread(), context)
        function, args, kwargs = call
        _cached_call(function, view.db_path, view.version, *args, **kwargs)  # a failure shows on the page's call

    for call in calls:
        PREFETCH.submit(run, call)


# One pool for every session and run: a run that a click stopped leaves its queued queries to this pool, whose two
# threads keep the queries of a busy dashboard to the laptop's two cores. A page never waits for the pool: its own
# call computes a value that no thread has started on.
PREFETCH = ThreadPoolExecutor(max_workers=PARALLEL_QUERIES, thread_name_prefix="prefetch")


def current() -> View:
    """The View of this run (after page_view)."""
    return st.session_state[STATE_KEY]


def page_title(title: str) -> None:
    """The page's title, drawn by app.py before the sidebar (whose queries take a moment on a big database), so
    that it shows first; page_view draws it when the page runs without app.py."""
    st.title(title)
    st.session_state[TITLED_KEY] = True


def page_view(title: str) -> View:
    """The View a page starts with: the one app.py's sidebar made in this run (a page run on its own, as by
    `streamlit run pages/trends.py`, draws the sidebar itself), under the page's title. After a drill-down, the
    page it leads to."""
    if not st.session_state.pop(TITLED_KEY, False):
        st.title(title)
    view = st.session_state.pop(FRESH_KEY, None)
    if view is None:
        _run_through_app()
        view = sidebar()
        st.session_state.pop(FRESH_KEY, None)
        database_note(view)
    if drill := st.session_state.pop(DRILL_KEY, None):
        _switch_with_selection(*drill)
    return view


def _switch_with_selection(page: str, params: dict | None) -> None:
    """Open `page` with the selection the sidebar drew in this run. st.switch_page sends no widget values, so
    Streamlit drops the sidebar's state on the way: the selection goes in the link instead, and the next run loads
    it into the widgets as on a first visit (the filter keys are removed so that it does)."""
    link = {key: st.query_params.get_all(key) for key in (*selection.SELECTION_PARAMS, "db") if key in st.query_params}
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)
    st.switch_page(PAGES_DIR / f"{page}.py", query_params={**link, **(params or {})})


def _run_through_app() -> None:
    """On a fresh server Streamlit runs pages/NAME.py on its own for a first visit by link (with its menu of
    file names and the narrow layout) until app.py's st.navigation has run once in the process. Leave that
    mode and rerun: the rerun goes through app.py, whose navigation opens the same page by its URL."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the old pages-folder mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


# ---- drill-down: a map country, a bar, a story row opens the matching articles --------------------------

DRILL_KEY = "newsmon_drill"
PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


def picked_point(key: str) -> dict | None:
    """The point or row picked in the chart or table with this key (its selection event), if any."""
    event = st.session_state.get(key) or {}
    selection = event.get("selection") or {}
    points = selection.get("points") or selection.get("rows") or []
    return points[0] if points else None


def drill_down(
    *, page: str = "articles", days: tuple[date, date] | None = None, params: dict | None = None, **values: str
) -> None:
    """Narrow the sidebar to these values (by dimension name: country="PK") and days, then open `page` (with
    these URL parameters). Call it from a selection callback: widget state may change only before the run."""
    state = st.session_state
    for name, value in values.items():
        state[f"f_{name}"] = [value]
    if days is not None:
        state["f_period"] = "custom"
        state["f_range"] = days
    state[DRILL_KEY] = (page, params)


# ---- time ----------------------------------------------------------------------------------------------


def local_time(timestamp: str | None, timezone: ZoneInfo | None = None) -> str:
    """An ISO UTC timestamp in the analyst's time zone, to the minute."""
    if not timestamp:
        return ""
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(timezone or current().timezone).strftime("%Y-%m-%d %H:%M")


# ---- the sidebar -----------------------------------------------------------------------------------

WIDGETS = {f"f_{dimension.name}": dimension for dimension in FILTER_DIMENSIONS}  # session-state key -> dimension
FILTER_KEYS = ("f_period", "f_range", *WIDGETS, "f_sentiment", "f_query")  # every widget of the sidebar's selection


def _browser_timezone() -> ZoneInfo:
    try:
        return ZoneInfo(st.context.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _load_url_into_widgets(chosen: Selection) -> None:
    """First run of a session: the link's selection becomes the widgets' starting values."""
    state = st.session_state
    state["f_period"] = chosen.period
    state["f_range"] = (chosen.start, chosen.end) if chosen.start and chosen.end else ()
    for key, dimension in WIDGETS.items():
        state[key] = list(chosen.lists.get(dimension.param, ()))
    state["f_sentiment"] = chosen.sentiment
    state["f_query"] = chosen.query


def _clear_filters() -> None:
    _load_url_into_widgets(Selection())


def _write_url(wanted: dict[str, str | list[str]]) -> None:
    """Put the selection in the link; other parameters (db, article) are left as they are."""
    for key in selection.SELECTION_PARAMS:
        value = wanted.get(key)
        current_values = st.query_params.get_all(key)
        if value is None:
            if current_values:
                del st.query_params[key]
        elif current_values != (value if isinstance(value, list) else [value]):
            st.query_params[key] = value


def sidebar() -> View:
    """Draw the shared filters, keep them in the URL, and store the View for the pages."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    wanted_db = (params.get("db") or [None])[0]
    db_path, demo = choose_database(wanted_db)
    with connect(str(db_path)) as db:
        demo = demo or store.is_demo(db)  # also a demo database opened as the real one (--db data/demo.db)
        version = trends.data_version(db)
        first_day, last_day = trends.date_span(db)
    today = date.fromisoformat(last_day) if demo and last_day else datetime.now(UTC).date()
    choices = _cached_call(trends.filter_choices, str(db_path), version)

    if "f_period" not in st.session_state:
        chosen, problems = selection.from_params(params)
        _load_url_into_widgets(chosen)
        for problem in problems:
            st.sidebar.warning(f"Link: {escape_markdown(problem)}")

    bar = st.sidebar
    bar.header("Filters")
    period = bar.selectbox("Period", list(PERIODS), format_func=PERIODS.get, key="f_period")
    start = end = None
    if period == "custom":
        picked = bar.date_input(  # no min/max: a shared link may ask for days outside the data
            "From – to (UTC days)", key="f_range", help=f"Articles from {first_day or '–'} to {last_day or '–'}"
        )
        if isinstance(picked, tuple) and len(picked) == 2:
            start, end = picked
        elif isinstance(picked, tuple) and len(picked) == 1:
            start = picked[0]
    lists: dict[str, tuple[str, ...]] = {}
    for key, dimension in WIDGETS.items():
        options = list(choices.get(dimension.field, []))
        options += [value for value in st.session_state.get(key, []) if value not in options]  # from a link
        if not options:  # nothing to choose (no source groups yet)
            continue
        lists[dimension.param] = tuple(
            bar.multiselect(dimension.label, options, key=key, format_func=partial(labels.label, dimension.name))
        )
    sentiment = bar.slider(
        "Sentiment (English articles)",
        -1.0,
        1.0,
        step=0.05,
        key="f_sentiment",
        help="VADER compound score. Narrowing the range leaves out articles without a score (other languages).",
    )
    query = bar.text_input(
        "Search",
        key="f_query",
        placeholder='e.g. border OR "peace talks"',
        help='Words (all of them), "exact phrases", OR, NOT, (groups), prefix*. Words with hyphens, '
        "apostrophes or dots (Pakistan-Afghanistan, Pakistan's, U.S.) are searched as written; quote "
        '"or", "and" or "not" to search the word itself.',
    )
    if query.strip():
        searched = queries.fts_query(query)
        if searched != " ".join(query.split()):
            bar.caption("Searching for: " + escape_markdown(searched or "nothing (no word left)"))
        try:
            with connect(str(db_path)) as db:
                queries.check_search(db, query)
        except QueryError as error:
            bar.error(f"{escape_markdown(str(error))}. The search is ignored until it is fixed.")
            query = ""
    bar.button("Clear filters", on_click=_clear_filters, width="stretch")

    chosen = Selection(period, start, end, lists, tuple(sentiment), query)
    if chosen.sentiment == SENTIMENT_FULL:
        chosen = replace(chosen, sentiment=SENTIMENT_FULL)
    filters = chosen.filters(today=today, now=datetime.now(UTC) if not demo else None)
    _write_url(chosen.params())
    from monitor import saved_views  # open a saved search, save this view

    saved_views.sidebar(str(db_path), chosen, _load_url_into_widgets)
    first = date.fromisoformat(first_day) if first_day else None
    view = View(str(db_path), demo, version, filters, chosen, today, first, _browser_timezone())
    st.session_state[STATE_KEY] = st.session_state[FRESH_KEY] = view
    return view


def database_note(view: View) -> None:
    """The demo banner with the way back, or which database is open."""
    if view.demo:
        real = config.db_path()
        shown = escape_markdown(str(real))
        leave = False
        if Path(view.db_path).resolve() == real.resolve():  # opened with --db or NEWSMON_DB
            own = f"This database ({shown}) was made by `newsmon demo`: open yours with `--db PATH` or `NEWSMON_DB`."
        elif has_articles(real):
            own, leave = f"Your own database ({shown}) has articles: open it with the button below.", True
        else:
            own = (
                f"Your own database ({shown}) has no articles yet: open it with the button below and add sources "
                "on its Sources page, or run `newsmon fetch`."
            )
            leave = True
        st.warning(
            f"**Demo data.** These articles are generated by `newsmon demo` to show what the dashboard does; "
            f"they are not real news. Periods count back from the demo's last day ({view.today}). {own}",
            icon="⚠️",
        )
        if leave and st.button("Open my database instead", key="leave_demo"):
            st.query_params["db"] = "real"
            st.rerun()
    elif config.DEMO_DB.exists() and st.query_params.get("db") == "real" and st.sidebar.button("Show the demo data"):
        st.query_params["db"] = "demo"
        st.rerun()
    if building := columnar.progress(view.db_path):
        done, total = building
        st.caption(
            f"Preparing the columnar copy that counts two filters or a search quickly: {done:,} of {total:,} "
            "articles. Until it is ready such selections take a few seconds."
        )


# ---- shared page pieces ----------------------------------------------------------------------------


def describe(view: View) -> str:
    """The selection in words (Markdown, link values escaped), under each page title."""
    filters = view.filters
    parts = [PERIODS[view.selection.period] if view.selection.period != "custom" else "Custom range"]
    if filters.since or filters.until:
        since = (
            filters.since.strftime("%Y-%m-%d %H:%M" if view.selection.period == "24h" else "%Y-%m-%d")
            if (filters.since)
            else "start"
        )
        until = filters.until.strftime("%Y-%m-%d") if filters.until else str(view.today)
        parts[0] += f" ({since} – {until} UTC)"
    for dimension, values in filters.chosen():
        named = (escape_markdown(labels.label(dimension.name, value)) for value in values)
        parts.append(f"{dimension.prefix} " + " or ".join(named))
    if filters.sentiment:
        parts.append(f"sentiment {filters.sentiment[0]:+.2f} to {filters.sentiment[1]:+.2f}")
    if filters.query:
        parts.append(f"matching “{escape_markdown(filters.query)}”")
    return " · ".join(parts)


def empty_state(view: View) -> None:
    """What to do when there is nothing to show."""
    total = cached(queries.count_articles, Filters())
    if not total:
        st.info(
            "**No articles yet.** Add a feed on the **Sources** page (or upload files there), then press "
            "*Fetch now*. From a terminal: `newsmon sources add URL`, `newsmon fetch`, or "
            "`newsmon ingest FILE [FILE ...]`. To look around first, run `newsmon demo` and reload this page."
        )
    else:
        st.info(
            f"**No article matches these filters** (the database has {total:,}). Widen the period, remove a "
            "filter, or press *Clear filters* in the sidebar."
        )


def interval(view: View) -> str:
    """Days for up to four months, weeks beyond."""
    filters = view.filters
    if view.selection.period in ("24h", "7d", "30d", "90d"):
        return "day"
    since = filters.since.date() if filters.since else (view.first_day or view.today)
    until = filters.until.date() if filters.until else view.today
    return "day" if (until - since).days <= 120 else "week"


def anchor(view: View) -> datetime:
    """'Now' for recent-vs-baseline comparisons: the end of the selection, or the demo's last day."""
    if view.filters.until:
        return view.filters.until
    if view.demo:
        return day_end(view.today)
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def day_end(day: date) -> datetime:
    return datetime.combine(day, datetime.max.time(), tzinfo=UTC).replace(microsecond=0)


def headline_figure(column, key: str, label: str, value: str, change: str | None, meaning: str) -> None:
    """A headline figure in a bordered box: its label (with its meaning on hover), value and change against the
    previous period, green up or red down. Drawn from the heading and Markdown elements the page's title has
    already loaded rather than st.metric, whose script the browser loads apart: on a first visit it shows
    st.metric only once plotly's script has loaded, seconds after the title (README, Speed)."""
    with column.container(border=True, key=f"headline_{key}"):
        st.markdown(label, help=meaning)
        st.subheader(value, anchor=False)
        if change:
            st.markdown(change_markdown(change))


def change_markdown(change: str) -> str:
    """A change against the previous period ("+12%", "-0.082", "new") in green with an arrow up, or in red with an
    arrow down when it falls, as st.metric draws its delta."""
    colour, arrow = ("red", "downward") if change.startswith("-") else ("green", "upward")
    return f":{colour}[:material/arrow_{arrow}: {change}]"


RISING_COLUMNS = {
    "keyword": st.column_config.TextColumn("Keyword"),
    "recent": st.column_config.NumberColumn("Last 2 days", help="Articles with the keyword in the last 2 days"),
    "baseline": st.column_config.NumberColumn("28 days before", help="Articles with it in the 28 days before"),
    "ratio": st.column_config.NumberColumn("Rise ×", format="%.1f", help="Recent share / earlier share"),
    "g2": st.column_config.NumberColumn("G²", format="%.0f", help="Log-likelihood; above 10.8 is p < 0.001"),
}


def rising_table(rising) -> list[dict]:
    return [
        {"keyword": term.keyword, "recent": term.recent, "baseline": term.baseline, "ratio": term.ratio, "g2": term.g2}
        for term in rising
    ]


def daily_series(rows: list[dict], values, first: date, last: date) -> dict[str, list[int]]:
    """Counts per day from counts_over_time rows, with the missing days as zeros (for sparklines)."""
    days = [(first + timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)]
    counts = {(row["value"], row["period"]): row["articles"] for row in rows}
    return {value: [counts.get((value, day), 0) for day in days] for value in values}
