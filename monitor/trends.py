"""Trends for the dashboard and exports: counts over time, sentiment over time, rising keywords.

A selection that is only a date range is answered from the daily rollups (`daily_counts`, kept up to date
at write time), so charts never scan the articles table; any other filter falls back to SQL over the
filtered articles, which the indexes keep fast.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import sqlite_utils

from monitor import filters as filters_registry
from monitor import store
from monitor.queries import (
    Filters,
    Where,
    article_rows_counted,
    database_key,
    fts_query,
    rollup_for,
    run,
    selection_rows,
)

# The dimensions one can count by (monitor/filters.py): the rollups answer those they keep, SQL the others.
DIMENSIONS = filters_registry.DIMENSIONS
INTERVALS = {"day": "{day}", "week": "date({day}, 'weekday 0', '-6 days')"}  # a week is named by its Monday
SIGNIFICANT_G2 = 10.83  # log-likelihood for p < 0.001 with one degree of freedom
OTHER = "other"  # the value under which counts_over_time(top=N) adds up everything but the top N

# dimension -> (its value, a join, a condition) over the filtered articles `a`: the SQL path of the rollups.
ARTICLE_VALUES = {
    "all": ("''", "", "1"),
    "new_stories": ("''", "", "a.story_id = a.id"),
    **{name: dimension.article_values() for name, dimension in DIMENSIONS.items()},
}


def _period(interval: str, day_sql: str) -> str:
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    return INTERVALS[interval].format(day=day_sql)


def _check_dimension(by: str | None) -> None:
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"cannot count by {by!r}: choose one of {', '.join(DIMENSIONS)}")


def _marks(values) -> str:
    return ",".join("?" * len(values))


def _grouped(
    db: sqlite_utils.Database,
    filters: Filters,
    dimension: str,
    *,
    interval: str | None = None,
    values: tuple[str, ...] | None = None,
    keep: tuple[str, ...] | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Rows {period (with an interval), value, articles, sentiment_sum, sentiment_n} of the selection counted
    by one dimension, from the rollups when they answer it, else from the filtered articles. `values`: only
    these; `keep`: these, and all others added up as OTHER. Without an interval: largest first, `limit` rows."""
    rollup = rollup_for(filters, dimension)
    if rollup is None and (dimension != "keyword" or interval is not None or keep is not None):
        # keywords: too many values per day to keep in memory; the rows of the chosen ones only
        if dimension == "keyword":
            rows = _scan_days(db, filters, dimension, values)
        else:
            rows = _day_rows(db, filters, dimension)
        return _from_day_rows(rows, interval=interval, values=values, keep=keep, limit=limit)
    if rollup is None:  # a keyword's totals: the largest `limit` of the selection
        value, join, condition = ARTICLE_VALUES[dimension]
        if values is not None:
            condition += f" AND {value} IN ({_marks(values)})"
        rows = selection_rows(
            db,
            filters,
            f"""SELECT {value}, count(*) AS articles, coalesce(sum(a.sentiment), 0.0), count(a.sentiment)
                FROM {{facts}} {join} WHERE {{where}} AND {condition} GROUP BY 1 ORDER BY articles DESC, 1
                {"LIMIT ?" if limit is not None else ""}""",
            after=[*(values or ()), *([limit] if limit is not None else [])],
        )
        names = ("value", "articles", "sentiment_sum", "sentiment_n")
        return [dict(zip(names, row, strict=True)) for row in rows]
    where = Where()
    rows = rollup.rows(dimension, values)
    value = "value"
    count = "sum(articles) AS articles, sum(sentiment_sum) AS sentiment_sum, sum(sentiment_n) AS sentiment_n"
    if keep is not None:
        where.params.extend(keep)
        value = f"CASE WHEN {value} IN ({_marks(keep)}) THEN {value} ELSE '{OTHER}' END"
    where.params.extend(rows.params)
    if interval is not None:
        sql = f"""SELECT {_period(interval, "day")} AS period, {value} AS value, {count} FROM {rows.sql}
                  GROUP BY period, 2 HAVING sum(articles) > 0 ORDER BY period, 2"""
    else:
        sql = f"""SELECT {value} AS value, {count} FROM {rows.sql} GROUP BY 1 HAVING sum(articles) > 0
                  ORDER BY articles DESC, 1"""
        if limit is not None:
            sql += " LIMIT ?"
            where.params.append(limit)
    cursor = run(db, sql, where.params, filters)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


# (database, data version, filters, dimension) -> _day_rows: a page asks for the totals, the top values and the
# series of one dimension, and each would scan the whole selection again.
_DAY_ROWS: dict[tuple, list[tuple]] = {}
_DAY_ROWS_LOCKS: dict[tuple, threading.Lock] = {}  # the pages' queries run in parallel: one scan per key
_LOCKS_LOCK = threading.Lock()


def _day_rows(db: sqlite_utils.Database, filters: Filters, dimension: str) -> list[tuple]:
    """(day, value, articles, sentiment_sum, sentiment_n) of the filtered articles, one row per day and value of
    a dimension: one scan of the selection, remembered until the data changes."""
    key = (*database_key(db), filters, dimension)
    rows = _DAY_ROWS.get(key)
    if rows is not None:
        return rows
    with _LOCKS_LOCK:
        if len(_DAY_ROWS_LOCKS) >= 256:
            _DAY_ROWS_LOCKS.clear()
        lock = _DAY_ROWS_LOCKS.setdefault(key, threading.Lock())
    with lock:  # another thread may be scanning for the same key: wait for its rows
        rows = _DAY_ROWS.get(key)
        if rows is None:
            rows = _scan_days(db, filters, dimension)
            if len(_DAY_ROWS) >= 16:  # a few pages' worth: days x values of a dimension can be 100,000 rows
                _DAY_ROWS.clear()
            _DAY_ROWS[key] = rows
    return rows


def _scan_days(
    db: sqlite_utils.Database, filters: Filters, dimension: str, values: tuple[str, ...] | None = None
) -> list[tuple]:
    """(day, value, articles, sentiment_sum, sentiment_n) of the filtered articles, counted in SQL."""
    value, join, condition = ARTICLE_VALUES[dimension]
    if values is not None:
        condition += f" AND {value} IN ({_marks(values)})"
    return selection_rows(
        db,
        filters,
        f"""SELECT substr(a.published_at, 1, 10), {value}, count(*), coalesce(sum(a.sentiment), 0.0),
                   count(a.sentiment) FROM {{facts}} {join} WHERE {{where}} AND {condition} GROUP BY 1, 2""",
        after=values or (),
    )


def _from_day_rows(
    rows: list[tuple],
    *,
    interval: str | None,
    values: tuple[str, ...] | None,
    keep: tuple[str, ...] | None,
    limit: int | None,
) -> list[dict]:
    """_grouped's rows from _day_rows: as its SQL would count them (see there)."""
    if interval is not None:
        _period(interval, "")  # the same ValueError for an unknown interval
    sums: dict[tuple, list] = {}
    for day, value, articles, sentiment_sum, sentiment_n in rows:
        if values is not None and value not in values:
            continue
        if keep is not None and value not in keep:
            value = OTHER
        key = (_period_of(interval, day), value) if interval else (value,)
        total = sums.get(key)
        if total is None:
            sums[key] = [articles, sentiment_sum, sentiment_n]
        else:
            total[0] += articles
            total[1] += sentiment_sum
            total[2] += sentiment_n
    names = ("period", "value") if interval else ("value",)
    ordered = sorted(sums.items()) if interval else sorted(sums.items(), key=lambda item: (-item[1][0], item[0]))
    if limit is not None and not interval:
        ordered = ordered[:limit]
    return [
        {**dict(zip(names, key, strict=True)), "articles": n, "sentiment_sum": total, "sentiment_n": scored}
        for key, (n, total, scored) in ordered
    ]


def _period_of(interval: str, day: str) -> str:
    """The period a day (YYYY-MM-DD) falls in, named as INTERVALS names it (a week by its Monday)."""
    if interval == "day":
        return day
    start = date.fromisoformat(day)
    return (start - timedelta(days=start.weekday())).isoformat()


def counts_over_time(
    db: sqlite_utils.Database,
    filters: Filters,
    *,
    by: str | None = None,
    interval: str = "day",
    values: tuple[str, ...] | None = None,
    top: int | None = None,
) -> list[dict]:
    """Articles per period: rows {period, value, articles, sentiment_sum, sentiment_n}; `value` is the
    dimension's value (a country, topic, source...) or '' for all articles. `values`: only these (a few
    keywords for sparklines); `top`: the `top` largest values over the selection, plus OTHER adding up the
    rest (tag mentions: an article about two other countries counts in OTHER twice)."""
    _check_dimension(by)
    if (values is not None or top is not None) and by is None:
        raise ValueError("values and top need a dimension (by=...)")
    if values is not None and top is not None:
        raise ValueError("give values or top, not both")
    keep = tuple(top_values(db, filters, by, top)) if top is not None and by is not None else None
    return _grouped(db, filters, by or "all", interval=interval, values=values, keep=keep)


def top_values(db: sqlite_utils.Database, filters: Filters, by: str, limit: int = 10) -> list[str]:
    """The `limit` values of a dimension with the most articles in the selection, largest first."""
    _check_dimension(by)
    return [row["value"] for row in _grouped(db, filters, by, limit=limit)]


def totals(db: sqlite_utils.Database, filters: Filters, by: str, *, limit: int | None = None) -> list[dict]:
    """Articles and mean sentiment per value of a dimension over the whole selection, largest first:
    rows {value, articles, sentiment_sum, sentiment_n, mean_sentiment}."""
    _check_dimension(by)
    rows = _grouped(db, filters, by, limit=limit or None)
    for row in rows:
        row["mean_sentiment"] = row["sentiment_sum"] / row["sentiment_n"] if row["sentiment_n"] else None
    return rows


def share_over_time(
    db: sqlite_utils.Database,
    filters: Filters,
    by: str,
    interval: str = "day",
    limit: int = 10,
    *,
    values: tuple[str, ...] | None = None,
) -> list[dict]:
    """Each of the top `limit` values' (or these `values`') share of the selection's articles per period:
    rows {period, value, articles, total, share}, with a row (0 articles) for every value in every period
    that has articles, values in order of size."""
    _check_dimension(by)
    keep = tuple(values) if values is not None else tuple(top_values(db, filters, by, limit))
    totals_by_period = {row["period"]: row["articles"] for row in _grouped(db, filters, "all", interval=interval)}
    counts = {
        (row["period"], row["value"]): row["articles"]
        for row in (_grouped(db, filters, by, interval=interval, values=keep) if keep else [])
    }
    return [
        {
            "period": period,
            "value": value,
            "articles": counts.get((period, value), 0),
            "total": total,
            "share": counts.get((period, value), 0) / total if total else None,
        }
        for period, total in totals_by_period.items()
        for value in keep
    ]


def stories_over_time(db: sqlite_utils.Database, filters: Filters, *, interval: str = "day") -> list[dict]:
    """Articles and stories per period: rows {period, articles, stories}. A story counts in the period of its
    first article, so wire copies republished by several outlets count once."""
    articles = _grouped(db, filters, "all", interval=interval)
    stories = {row["period"]: row["articles"] for row in _grouped(db, filters, "new_stories", interval=interval)}
    return [
        {"period": row["period"], "articles": row["articles"], "stories": stories.get(row["period"], 0)}
        for row in articles
    ]


def sentiment_over_time(db: sqlite_utils.Database, filters: Filters, *, interval: str = "day") -> list[dict]:
    """Mean sentiment per period with the number of scored articles behind each point."""
    return [
        {
            "period": row["period"],
            "mean_sentiment": row["sentiment_sum"] / row["sentiment_n"] if row["sentiment_n"] else None,
            "scored_articles": row["sentiment_n"],
            "articles": row["articles"],
        }
        for row in counts_over_time(db, filters, interval=interval)
    ]


# ---- headline figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A headline figure, the same figure over the previous period of equal length, and value - previous
    (None when there is no previous period or no value, e.g. no mean sentiment without scored articles)."""

    value: float | None
    previous: float | None
    change: float | None


def headline(db: sqlite_utils.Database, filters: Filters, *, now: datetime | None = None) -> dict[str, Figure]:
    """The selection's articles, stories (started in it), sources, countries (about) and mean sentiment, each
    with the previous period: the same number of whole UTC days just before `since`, up to `until` or `now`.
    Without `since` there is no previous period: previous and change are None."""
    current = _figures(db, filters)
    previous: dict[str, float | None] = dict.fromkeys(current)
    if filters.since is not None:
        first = filters.since.astimezone(UTC).date()
        last = (filters.until or now or datetime.now(UTC)).astimezone(UTC).date()
        length = max((last - first).days + 1, 1)
        before = replace(
            filters, since=_start_of(first - timedelta(days=length)), until=_end_of(first - timedelta(days=1))
        )
        previous = _figures(db, before)
    return {
        key: Figure(
            value,
            previous[key],
            value - previous[key] if value is not None and previous[key] is not None else None,
        )
        for key, value in current.items()
    }


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0, 0), tzinfo=UTC)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _figures(db: sqlite_utils.Database, filters: Filters) -> dict[str, float | None]:
    rollup = rollup_for(filters)
    if rollup is not None:

        def one(sql: str, dimension: str):
            rows = rollup.rows(dimension)
            return db.execute(sql.format(rows=rows.sql), rows.params).fetchone()

        articles, sentiment_sum, sentiment_n = one(
            "SELECT coalesce(sum(articles), 0), sum(sentiment_sum), sum(sentiment_n) FROM {rows}", "all"
        )
        (stories,) = one("SELECT coalesce(sum(articles), 0) FROM {rows}", "new_stories")
        distinct = "SELECT count(*) FROM (SELECT value FROM {rows} GROUP BY value HAVING sum(articles) > 0)"
        (sources,) = one(distinct, "source")
        (countries,) = one(distinct, "country")
    else:
        ((articles, stories, sources, sentiment_sum, sentiment_n),) = selection_rows(
            db,
            filters,
            """SELECT count(*), coalesce(sum(a.story_id = a.id), 0), count(DISTINCT a.source),
                      sum(a.sentiment), count(a.sentiment) FROM {facts} WHERE {where}""",
        )
        ((countries,),) = selection_rows(
            db,
            filters,
            """SELECT count(DISTINCT t.country) FROM {facts} CROSS JOIN article_countries t ON t.article_id = a.id
               WHERE {where}""",
        )
    return {
        "articles": articles,
        "stories": stories,
        "sources": sources,
        "countries": countries,
        "mean_sentiment": sentiment_sum / sentiment_n if sentiment_n else None,
    }


# ---- tables for the pages ------------------------------------------------------------------------------


def country_topic_matrix(db: sqlite_utils.Database, filters: Filters, *, countries_limit: int = 15) -> list[dict]:
    """Articles about each of the selection's top countries on each topic: rows {country, topic, articles,
    sentiment_sum, sentiment_n}, countries largest first, then topics largest first. From the cross rollups
    for a date range alone or with one filter value; any other selection counts the filtered articles."""
    countries = top_values(db, filters, "country", countries_limit)
    if not countries:
        return []
    rollup = rollup_for(filters)
    within = rollup_for(filters, "country_topic")
    if rollup is not None and rollup.filter_dimension is None:
        sql = f"""SELECT filter_value AS country, value AS topic, sum(articles) AS articles,
                         sum(sentiment_sum) AS sentiment_sum, sum(sentiment_n) AS sentiment_n
                  FROM daily_cross WHERE filter_dimension = 'country' AND filter_value IN ({_marks(countries)})
                    AND dimension = 'topic' AND day BETWEEN ? AND ?
                  GROUP BY 1, 2 HAVING sum(articles) > 0"""
        params = [*countries, rollup.start, rollup.end]
    elif within is not None:  # values 'PK conflict': the country, a space, the topic
        rows = within.rows("country_topic")
        sql = f"""SELECT substr(value, 1, instr(value, ' ') - 1) AS country, substr(value, instr(value, ' ') + 1)
                         AS topic, sum(articles) AS articles, sum(sentiment_sum) AS sentiment_sum,
                         sum(sentiment_n) AS sentiment_n
                  FROM {rows.sql} GROUP BY value HAVING sum(articles) > 0 AND country IN ({_marks(countries)})"""
        params = [*rows.params, *countries]
    else:
        # The selection first, then its tags (CROSS JOIN keeps that order): otherwise the planner may walk every
        # article of the top countries. `+c.country`: read each article's few countries in one range of the key,
        # rather than probing the key once per top country.
        names = ("country", "topic", "articles", "sentiment_sum", "sentiment_n")
        counted = selection_rows(
            db,
            filters,
            f"""SELECT c.country, t.topic, count(*), coalesce(sum(a.sentiment), 0.0), count(a.sentiment)
                FROM {{facts}} CROSS JOIN article_countries c ON c.article_id = a.id
                CROSS JOIN article_topics t ON t.article_id = a.id
                WHERE {{where}} AND {{plus}}c.country IN ({_marks(countries)}) GROUP BY 1, 2""",
            after=countries,
        )
        return _by_country_rank([dict(zip(names, row, strict=True)) for row in counted], countries)
    cursor = run(db, sql, params, filters)
    names = [column[0] for column in cursor.description]
    return _by_country_rank([dict(zip(names, row, strict=True)) for row in cursor], countries)


def _by_country_rank(rows: list[dict], countries: list[str]) -> list[dict]:
    rank = {country: n for n, country in enumerate(countries)}
    return sorted(rows, key=lambda row: (rank[row["country"]], -row["articles"], row["topic"]))


LATEST_SCAN = 30  # latest_stories reads this many newest articles per story asked for


def latest_stories(db: sqlite_utils.Database, filters: Filters, *, limit: int = 10) -> list[dict]:
    """The stories of the selection's newest articles, newest first: rows {story_id, title (of its first
    article), articles, sources, first_seen, last_seen}, counted over the whole story (all its articles,
    in the selection or not). Reads the newest limit x LATEST_SCAN selected articles (published_at index),
    then each story through the story_id index."""
    newest = selection_rows(
        db,
        filters,
        "SELECT a.story_id FROM {facts} WHERE {where} ORDER BY a.published_at DESC, a.id DESC LIMIT ?",
        after=[limit * LATEST_SCAN],
        in_date_order=True,
    )
    story_ids: list[int] = []
    for (story_id,) in newest:
        if story_id is not None and story_id not in story_ids:
            story_ids.append(story_id)
            if len(story_ids) == limit:
                break
    if not story_ids:
        return []
    # Counted on the columnar copy when there is one: a story of the demo's 1M database has 30,000 articles.
    counted = article_rows_counted(
        db,
        f"""SELECT story_id, count(*), count(DISTINCT source), min(published_at), max(published_at)
            FROM articles WHERE story_id IN ({_marks(story_ids)}) GROUP BY story_id""",
        story_ids,
    )
    titles = dict(db.execute(f"SELECT id, title FROM articles WHERE id IN ({_marks(story_ids)})", story_ids))
    found = {
        story_id: {"story_id": story_id, "title": titles.get(story_id), "articles": articles, "sources": sources,
                   "first_seen": first_seen, "last_seen": last_seen}
        for story_id, articles, sources, first_seen, last_seen in counted
    }  # fmt: skip
    return [found[story_id] for story_id in story_ids if story_id in found]


# ---- the sidebar, the Sources page, the cache key ------------------------------------------------------


def filter_choices(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """The values each sidebar filter can take, by Filters field (countries, published_in, topics...): most
    articles first, from the daily rollups; a dimension without rollups (source groups) by name."""
    choices = {}
    for dimension in filters_registry.FILTER_DIMENSIONS:
        if dimension.rollup:
            sql = """SELECT value FROM daily_counts WHERE dimension = ? GROUP BY value HAVING sum(articles) > 0
                     ORDER BY sum(articles) DESC, value"""
            choices[dimension.field] = [row[0] for row in db.execute(sql, [dimension.name])]
        else:
            sql = f"SELECT DISTINCT name FROM ({dimension.members}) ORDER BY name"
            choices[dimension.field] = [row[0] for row in db.execute(sql)]
    return choices


def date_span(db: sqlite_utils.Database) -> tuple[str | None, str | None]:
    """The first and last day (YYYY-MM-DD) with articles, or (None, None) for an empty database."""
    first, last = db.execute(
        "SELECT min(day), max(day) FROM daily_counts WHERE dimension = 'all' AND value = '' AND articles > 0"
    ).fetchone()
    return first, last


def sources_activity(db: sqlite_utils.Database, *, days: int = 14, now: datetime | None = None) -> list[dict]:
    """Articles per source per day over the last `days` days up to today (UTC): rows {source, day, articles}
    for every source with articles in that window and every day of it (0 on days without), by source then
    day. Sources without articles in the window have no rows."""
    last = (now or datetime.now(UTC)).astimezone(UTC).date()
    window = [(last - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
    if not window:
        return []
    counts = {
        (source, day): articles
        for source, day, articles in db.execute(
            """SELECT value, day, articles FROM daily_counts
               WHERE dimension = 'source' AND day BETWEEN ? AND ? AND articles > 0""",
            [window[0], window[-1]],
        )
    }
    sources = sorted({source for source, _ in counts})
    return [
        {"source": source, "day": day, "articles": counts.get((source, day), 0)} for source in sources for day in window
    ]


def data_version(db: sqlite_utils.Database) -> str:
    """A cheap token that changes whenever articles, their analysis or the sources change: the dashboard's
    cache key (see store.data_version)."""
    return store.data_version(db)


def term_counts(db: sqlite_utils.Database, filters: Filters, terms: list[str], *, interval: str = "day") -> list[dict]:
    """Articles per period matching each search (as the search box reads it: a word, a "phrase", a OR b,
    prefix*), within the selection: rows {period, term, articles, all_articles} for every period with articles
    in the selection and every term, zeros included, so lines do not jump over quiet days and a term with no
    match is still there (at zero)."""
    totals = {row["period"]: row["articles"] for row in counts_over_time(db, filters, interval=interval)}
    periods = _every_period(totals, interval)
    rows: list[dict] = []
    for term in terms:
        query = f"({fts_query(filters.query)}) AND ({fts_query(term)})" if fts_query(filters.query) else term
        counts = {
            row["period"]: row["articles"]
            for row in (
                counts_over_time(db, replace(filters, query=query), interval=interval) if fts_query(term) else []
            )
        }
        rows += [
            {"period": period, "term": term, "articles": counts.get(period, 0), "all_articles": total}
            for period, total in periods.items()
        ]
    return rows


def _every_period(counts: dict[str, int], interval: str) -> dict[str, int]:
    """The counts with the periods between the first and the last that have none, at zero."""
    if not counts:
        return {}
    step = timedelta(days=7 if interval == "week" else 1)
    day, last = date.fromisoformat(min(counts)), date.fromisoformat(max(counts))
    every = {}
    while day <= last:
        every[day.isoformat()] = counts.get(day.isoformat(), 0)
        day += step
    return every


@dataclass(frozen=True)
class RisingTerm:
    keyword: str
    recent: int  # articles with the keyword in the recent window
    baseline: int  # ... in the baseline window before it
    expected: float  # recent count expected from the baseline rate
    g2: float  # log-likelihood ratio (Dunning); > 10.83 is significant at p < 0.001
    ratio: float  # recent rate / baseline rate (smoothed)


def rising_keywords(
    db: sqlite_utils.Database,
    filters: Filters = Filters(),  # noqa: B008 (frozen, so a safe default)
    *,
    now: datetime | None = None,
    recent_days: int = 2,
    baseline_days: int = 28,
    min_recent: int = 3,
    limit: int = 20,
) -> list[RisingTerm]:
    """Keywords whose share of all keyword mentions in the last `recent_days` is significantly above their
    share in the `baseline_days` before (Dunning's log-likelihood), strongest first."""
    end = (now or datetime.now(UTC)).astimezone(UTC)
    recent_start = (end - timedelta(days=recent_days)).strftime("%Y-%m-%d")
    baseline_start = (end - timedelta(days=recent_days + baseline_days)).strftime("%Y-%m-%d")
    end_day = end.strftime("%Y-%m-%d")
    window = replace(filters, since=None, until=None)
    rollup = rollup_for(window, "keyword")
    if rollup is not None:
        rows = replace(rollup, start=baseline_start, end=end_day).rows("keyword")
        rows = db.execute(
            f"""SELECT value, sum(CASE WHEN day >= ? THEN articles ELSE 0 END),
                       sum(CASE WHEN day < ? THEN articles ELSE 0 END) FROM {rows.sql} GROUP BY value""",
            [recent_start, recent_start, *rows.params],
        ).fetchall()
    else:
        # From the baseline's first day: a tag filter or a search then reads only these days' ids.
        start = datetime.fromisoformat(baseline_start).replace(tzinfo=UTC)
        # published_at is ISO text: it sorts after its day's date and before the next day's (no substr per row).
        rows = selection_rows(
            db,
            replace(window, since=start),
            """SELECT keyword, recent, mentions - recent FROM (
                   SELECT k.keyword AS keyword, sum(a.published_at >= ?) AS recent, count(*) AS mentions
                   FROM {facts} CROSS JOIN article_keywords k ON k.article_id = a.id
                   WHERE {where} AND a.published_at >= ? AND a.published_at < ?
                   GROUP BY k.keyword)""",
            before=[recent_start],
            after=[baseline_start, _next_day(end_day)],
        )
    recent_total = sum(row[1] for row in rows)
    baseline_total = sum(row[2] for row in rows)
    if not recent_total or not baseline_total:
        return []
    rising = []
    for keyword, recent, baseline in rows:
        if recent < min_recent:
            continue
        expected = recent_total * (recent + baseline) / (recent_total + baseline_total)
        if recent <= expected:
            continue
        g2 = _log_likelihood(recent, baseline, recent_total, baseline_total)
        if g2 < SIGNIFICANT_G2:
            continue
        ratio = (recent / recent_total) / ((baseline + 0.5) / baseline_total)
        rising.append(RisingTerm(keyword, recent, baseline, expected, g2, ratio))
    rising.sort(key=lambda term: (-term.g2, term.keyword))
    return rising[:limit]


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _log_likelihood(a: int, b: int, c: int, d: int) -> float:
    """Dunning's G2 for a term seen a times in a corpus of c and b times in one of d."""
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    return 2 * ((a * math.log(a / e1) if a else 0.0) + (b * math.log(b / e2) if b else 0.0))
