"""Streamlit glue shared by app.py and the pages: which database, the sidebar filters, cached queries,
names and colours. No SQL here: queries live in monitor.queries and monitor.trends."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import plotly.express as px
import pycountry
import sqlite_utils
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from monitor import config, queries, selection, sources, store, trends
from monitor.analysis.topics import load_taxonomy
from monitor.queries import Filters, QueryError
from monitor.reader import escape_markdown, safe_link
from monitor.selection import LIST_PARAMS, PERIODS, SENTIMENT_FULL, Selection

PARALLEL_QUERIES = 2  # a 2-core laptop
STATE_KEY = "newsmon_view"
FRESH_KEY = "newsmon_view_this_run"  # set by the sidebar, taken by the page it was drawn for


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


QUERY_MODULES = {module.__name__: module for module in (queries, trends, sources)}


def cached(function: Callable, *args, **kwargs):
    """Call a read-only function of monitor.queries, .trends or .sources on the current database, cached on
    the arguments (the filters among them) and the database's version, so new data shows on the next rerun."""
    view = current()
    return _cached_call(function, view.db_path, view.version, *args, **kwargs)


def _cached_call(function: Callable, db_path: str, version: str, *args, **kwargs):
    name = f"{function.__module__}.{function.__name__}"
    return _cached(name, db_path, version, args, tuple(sorted(kwargs.items())))


def prefetch(calls: list[tuple[Callable, tuple, dict]]) -> None:
    """Run a page's queries two at a time before it draws (SQLite reads in parallel on two connections; the
    GIL is released while SQLite works), so the page's own `cached` calls find them ready. Same results,
    about half the wait on a cold cache for a filtered view."""
    view = current()
    context = get_script_run_ctx()

    def run(call: tuple[Callable, tuple, dict]) -> None:
        add_script_run_ctx(threading.current_thread(), context)
        function, args, kwargs = call
        _cached_call(function, view.db_path, view.version, *args, **kwargs)

    with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:
        for future in [pool.submit(run, call) for call in calls]:
            future.exception()  # a failure shows when the page makes the same call itself


def current() -> View:
    """The View of this run (after page_view)."""
    return st.session_state[STATE_KEY]


def page_view() -> View:
    """The View a page starts with: the one app.py's sidebar made in this run, or, when a page is opened
    directly by its link before app.py ever ran (Streamlit then runs pages/ files on their own), a sidebar
    drawn here."""
    view = st.session_state.pop(FRESH_KEY, None)
    if view is None:
        view = sidebar()
        st.session_state.pop(FRESH_KEY, None)
        database_note(view)
    return view


# ---- names and colours -----------------------------------------------------------------------------


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    if code == "XK":
        return "Kosovo"
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else code


@lru_cache(maxsize=512)
def country_alpha3(code: str) -> str | None:
    if code == "XK":
        return "XKX"
    country = pycountry.countries.get(alpha_2=code)
    return country.alpha_3 if country else None


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code)
    return language.name if language else code


def topic_labels() -> dict[str, str]:
    return {topic.slug: topic.label for topic in load_taxonomy().topics}


def topic_label(slug: str) -> str:
    return topic_labels().get(slug, slug)


# The world map's shapes are served by this app (static/topojson), not fetched from plotly's CDN.
MAP_CONFIG = {"topojsonURL": "/app/static/topojson/"}
PALETTE = px.colors.qualitative.Alphabet + px.colors.qualitative.Dark24
OTHER_COLOUR = "#b0b0b0"


def colour(value: str) -> str:
    """The same colour for the same topic or country on every chart: topics by their place in the taxonomy,
    anything else by a stable hash."""
    if value == "other":
        return OTHER_COLOUR
    slugs = list(topic_labels())
    if value in slugs:
        return PALETTE[slugs.index(value) % len(PALETTE)]
    return PALETTE[zlib.crc32(value.encode()) % len(PALETTE)]


def colours(values) -> dict[str, str]:
    return {value: colour(value) for value in values}


def label(dimension: str, value: str) -> str:
    """How a dimension value reads on a chart."""
    if not value:
        return "(none)"
    if dimension in ("country", "published_in"):
        return f"{country_name(value)} ({value})"
    if dimension == "topic":
        return topic_label(value)
    if dimension == "language":
        return language_name(value)
    return value


def local_time(timestamp: str | None, timezone: ZoneInfo | None = None) -> str:
    """An ISO UTC timestamp in the analyst's time zone, to the minute."""
    if not timestamp:
        return ""
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(timezone or current().timezone).strftime("%Y-%m-%d %H:%M")


# ---- the sidebar -----------------------------------------------------------------------------------

WIDGETS = {  # session-state key -> URL parameter
    "f_country": "country",
    "f_pub": "pub",
    "f_topic": "topic",
    "f_source": "source",
    "f_lang": "lang",
}


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
    for key, param in WIDGETS.items():
        state[key] = list(chosen.lists.get(param, ()))
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
        version = trends.data_version(db)
        first_day, last_day = trends.date_span(db)
    today = date.fromisoformat(last_day) if demo and last_day else datetime.now(UTC).date()
    choices = _cached_call(trends.filter_choices, str(db_path), version)

    if "f_period" not in st.session_state:
        chosen, problems = selection.from_params(params)
        _load_url_into_widgets(chosen)
        for problem in problems:
            st.sidebar.warning(f"Link: {problem}")

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
    labels = {"f_country": "About countries", "f_pub": "Publisher country", "f_topic": "Topics"}
    labels |= {"f_source": "Sources", "f_lang": "Languages"}
    dimension = {"f_country": "country", "f_pub": "published_in", "f_topic": "topic", "f_source": "source"}
    dimension |= {"f_lang": "language"}
    lists: dict[str, tuple[str, ...]] = {}
    for key, param in WIDGETS.items():
        options = list(choices.get(LIST_PARAMS[param], []))
        options += [value for value in st.session_state.get(key, []) if value not in options]  # from a link
        lists[param] = tuple(
            bar.multiselect(labels[key], options, key=key, format_func=lambda value, d=dimension[key]: label(d, value))
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
        help='Full-text search (FTS5): words, "exact phrases", OR, NOT, prefix*.',
    )
    if query.strip():
        try:
            with connect(str(db_path)) as db:
                queries.check_search(db, query)
        except QueryError as error:
            bar.error(f"{error}. The search is ignored until it is fixed.")
            query = ""
    bar.button("Clear filters", on_click=_clear_filters, width="stretch")

    chosen = Selection(period, start, end, lists, tuple(sentiment), query)
    if chosen.sentiment == SENTIMENT_FULL:
        chosen = replace(chosen, sentiment=SENTIMENT_FULL)
    filters = chosen.filters(today=today, now=datetime.now(UTC) if not demo else None)
    _write_url(chosen.params())
    first = date.fromisoformat(first_day) if first_day else None
    view = View(str(db_path), demo, version, filters, chosen, today, first, _browser_timezone())
    st.session_state[STATE_KEY] = st.session_state[FRESH_KEY] = view
    return view


def database_note(view: View) -> None:
    """The demo banner with the way back, or which database is open."""
    if view.demo:
        st.warning(
            f"**Demo data.** These articles are generated by `newsmon demo` to show what the dashboard does; "
            f"they are not real news. Periods count back from the demo's last day ({view.today}). "
            f"Your own database ({config.db_path()}) has no articles yet: add sources on the Sources page "
            f"or run `newsmon fetch`.",
            icon="⚠️",
        )
        if st.button("Open my database instead", key="leave_demo"):
            st.query_params["db"] = "real"
            st.rerun()
    elif config.DEMO_DB.exists() and st.query_params.get("db") == "real" and st.sidebar.button("Show the demo data"):
        st.query_params["db"] = "demo"
        st.rerun()


def figure_defaults(figure, *, title: str, y_title: str | None = None, x_title: str | None = None):
    """Every chart the same way: a title, axis titles, a legend that does not hide the data."""
    figure.update_layout(
        title=title,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "title": None},
        hoverlabel={"namelength": -1},
    )
    if y_title is not None:
        figure.update_yaxes(title=y_title)
    if x_title is not None:
        figure.update_xaxes(title=x_title)
    return figure


# ---- shared page pieces ----------------------------------------------------------------------------

HEADLINE_FIGURES = (  # key of trends.headline, label, number format
    ("articles", "Articles", "{:,}"),
    ("stories", "Stories", "{:,}"),
    ("sources", "Sources", "{:,}"),
    ("countries", "Countries", "{:,}"),
    ("mean_sentiment", "Mean sentiment", "{:+.3f}"),
)


def change_text(figure) -> str | None:
    """'+12%' against the previous period, or the absolute change for sentiment-like figures near zero."""
    if figure.value is None or figure.previous is None:
        return None
    if isinstance(figure.value, float):
        return f"{figure.value - figure.previous:+.3f}"
    if not figure.previous:
        return "new" if figure.value else None
    return f"{(figure.value - figure.previous) / figure.previous:+.0%}"


def previous_text(figure, fmt: str) -> str:
    if figure.previous is None:
        return "No previous period to compare with (the selection has no start date)."
    return f"Previous period of the same length: {fmt.format(figure.previous)}"


def describe(view: View) -> str:
    """The selection in words, under each page title."""
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
    named = (
        ("about", "country", filters.countries),
        ("published in", "published_in", filters.published_in),
        ("topic", "topic", filters.topics),
        ("source", "source", filters.sources),
        ("language", "language", filters.languages),
    )
    for prefix, dimension, values in named:
        if values:
            parts.append(f"{prefix} " + " or ".join(label(dimension, value) for value in values))
    if filters.sentiment:
        parts.append(f"sentiment {filters.sentiment[0]:+.2f} to {filters.sentiment[1]:+.2f}")
    if filters.query:
        parts.append(f"matching “{filters.query}”")
    return " · ".join(parts)


def empty_state(view: View) -> None:
    """What to do when there is nothing to show."""
    total = cached(queries.count_articles, Filters())
    if not total:
        st.info(
            "**No articles yet.** Add a feed on the **Sources** page (or upload files there), then press "
            "*Fetch now*. From a terminal: `newsmon sources add URL`, `newsmon fetch`, or "
            "`newsmon ingest FILES...`. To look around first, run `newsmon demo` and reload this page."
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


STORY_COLUMNS = {
    "title": st.column_config.TextColumn("Story (first headline)", width="large"),
    "articles": st.column_config.NumberColumn("Articles", width="small"),
    "sources": st.column_config.NumberColumn("Sources", width="small"),
    "last_seen": st.column_config.TextColumn("Latest", width="small", help="Newest article, your time zone"),
}


def stories_table(stories: list[dict]) -> list[dict]:
    return [
        {
            "title": story["title"],
            "articles": story["articles"],
            "sources": story["sources"],
            "last_seen": local_time(story["last_seen"])[5:],  # MM-DD HH:MM: the year is the selection's
        }
        for story in stories
    ]


def daily_series(rows: list[dict], values, first: date, last: date) -> dict[str, list[int]]:
    """Counts per day from counts_over_time rows, with the missing days as zeros (for sparklines)."""
    days = [(first + timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)]
    counts = {(row["value"], row["period"]): row["articles"] for row in rows}
    return {value: [counts.get((value, day), 0) for day in days] for value in values}


ARTICLE_SORTS = {  # label -> (queries.article_page sort, descending)
    "Newest first": ("published_at", True),
    "Oldest first": ("published_at", False),
    "Source (A–Z)": ("source", False),
    "Most negative": ("sentiment", False),
    "Most positive": ("sentiment", True),
    "Title (A–Z)": ("title", False),
}
ARTICLE_COLUMNS = {
    "published": st.column_config.TextColumn("Published", help="In your time zone"),
    "source": st.column_config.TextColumn("Source", width="small"),
    "title": st.column_config.TextColumn("Title", width="large"),
    "sentiment": st.column_config.NumberColumn(
        "Tone", format="%+.2f", help="VADER compound, −1 to 1; English only", width="small"
    ),
    "countries": st.column_config.TextColumn("About", help="Countries the article is about, strongest first"),
    "topics": st.column_config.TextColumn("Topics", help="Strongest first", width="medium"),
}


def article_table(rows: list[dict]) -> list[dict]:
    return [
        {
            "id": row["id"],
            "published": local_time(row["published_at"]),
            "source": row["source"],
            "title": row["title"],
            "countries": ", ".join((row["countries"] or "").split(";")) if row["countries"] else "",
            "topics": ", ".join(topic_label(slug) for slug in row["topics"].split(";")) if row["topics"] else "",
            "sentiment": row["sentiment"],
        }
        for row in rows
    ]


def story_table(story: list[dict]) -> list[dict]:
    return [
        {"published": local_time(row["published_at"]), "source": row["source"], "title": row["title"], "id": row["id"]}
        for row in story
    ]


def evidence_panel(article: dict) -> None:
    """Why each tag was given: the matched words and scores stored with the article's analysis."""
    evidence = article["evidence"]
    if evidence is None:
        st.info("Not analysed yet: run `newsmon analyze`.")
        return
    language = evidence["language"]
    st.markdown(
        f"**Language:** {escape_markdown(str(language['value'] or 'unknown'))} — {escape_markdown(language['method'])}"
    )
    st.markdown("**Countries (about)**")
    if evidence["countries"]:
        st.dataframe(
            [
                {
                    "country": f"{tag['name']} ({tag['code']})",
                    "score": tag["score"],
                    "mentions": tag["mentions"],
                    "in title": tag["in_title"],
                    "matched": ", ".join(tag["matched"]),
                }
                for tag in evidence["countries"]
            ],
            hide_index=True,
            key="evidence_countries",
        )
    else:
        st.caption("No country scored above the threshold.")
    st.markdown("**Topics**")
    if evidence["topics"]:
        st.dataframe(
            [
                {"topic": tag["label"], "score": tag["score"], "matched terms": ", ".join(tag["matched"])}
                for tag in evidence["topics"]
            ],
            hide_index=True,
            key="evidence_topics",
        )
    else:
        st.caption("No topic scored above its threshold.")
    tone = evidence["sentiment"]
    value = "not scored" if tone["compound"] is None else f"{tone['compound']:+.3f} ({tone['label']})"
    st.markdown(f"**Sentiment:** {escape_markdown(value)} — {escape_markdown(tone['reason'])}")
    if tone["strongest"]:
        st.dataframe(
            [{"score": score, "sentence": text} for text, score in tone["strongest"]],
            hide_index=True,
            key="evidence_sentences",
        )
    if tone["news_terms"]:
        st.caption("News lexicon and tone rules: " + escape_markdown(", ".join(tone["news_terms"])))
    st.markdown("**Keywords:** " + escape_markdown(", ".join(phrase for phrase, _ in evidence["keywords"]) or "none"))


HEALTH_COLUMNS = {
    "state": st.column_config.TextColumn("Status", help="ok, failing, new, paused (after 5 failures) or disabled"),
    "name": st.column_config.TextColumn("Source"),
    "country": st.column_config.TextColumn("Country"),
    "language": st.column_config.TextColumn("Lang"),
    "every": st.column_config.TextColumn("Every"),
    "last_success": st.column_config.TextColumn("Last success"),
    "failures": st.column_config.NumberColumn("Failures", help="Consecutive failed fetches"),
    "last_error": st.column_config.TextColumn("Last error", width="medium"),
    "per_day": st.column_config.BarChartColumn("Articles per day (14 days)", y_min=0),
    "articles_24h": st.column_config.NumberColumn("24 h"),
    "articles_total": st.column_config.NumberColumn("Total"),
    "url": st.column_config.LinkColumn("URL"),
}


def health_table(health, activity: list[dict], today: date) -> list[dict]:
    """One row per source for the health table, with its articles per day as a small bar chart."""
    first = today - timedelta(days=13)
    series = daily_series(
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
            "last_success": local_time(source.last_success_at) or "never",
            "failures": source.consecutive_failures,
            "last_error": source.last_error or "",
            "per_day": series[source.name],
            "articles_24h": source.articles_24h,
            "articles_total": source.articles_total,
            "url": safe_link(source.url),
        }
        for source in health
    ]


# ---- exports ---------------------------------------------------------------------------------------


@st.cache_data(max_entries=200, show_spinner=False)
def _export_csv(db_path: str, version: str, kind: str, filters: Filters, by, interval, max_rows) -> tuple[bytes, int]:
    from monitor import export

    with connect(db_path) as db:
        return export.summary_csv(db, kind, filters, by=by, interval=interval, max_rows=max_rows)


def export_csv(kind: str, filters: Filters, by, interval: str, max_rows: int | None = None) -> tuple[bytes, int]:
    """The summary's CSV (formulas neutralised) and its row count, cached like every query."""
    view = current()
    return _export_csv(view.db_path, view.version, kind, filters, by, interval, max_rows)


def export_csv_later(kind: str, filters: Filters, by, interval: str, max_rows: int) -> Callable[[], bytes]:
    """The CSV made only when the download button is pressed (large article lists)."""
    view = current()
    return lambda: _export_csv(view.db_path, view.version, kind, filters, by, interval, max_rows)[0]


@st.cache_data(max_entries=200, show_spinner=False)
def _export_preview(db_path: str, version: str, kind: str, filters: Filters, by, interval, limit) -> dict:
    from monitor import export

    with connect(db_path) as db:
        columns, rows = export.summary_rows(db, kind, filters, by=by, interval=interval, limit=limit)
        return {"columns": columns, "rows": [dict(row) for _, row in zip(range(limit), rows, strict=False)]}


def export_preview(kind: str, filters: Filters, by, interval: str, limit: int) -> dict:
    view = current()
    return _export_preview(view.db_path, view.version, kind, filters, by, interval, limit)
