"""Trends for the dashboard and exports: counts over time, sentiment over time, rising keywords.

A selection that is only a date range is answered from the daily rollups (`daily_counts`, kept up to date
at write time), so charts never scan the articles table; any other filter falls back to SQL over the
filtered articles, which the indexes keep fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import sqlite_utils

from monitor.queries import Filters, run, where_articles

DIMENSIONS = {
    # dimension -> (tag table, its column) for the filtered-articles path; None: a column of articles
    "country": ("article_countries", "country"),
    "topic": ("article_topics", "topic"),
    "keyword": ("article_keywords", "keyword"),
    "source": None,
    "language": None,
    "published_in": None,
}
INTERVALS = {"day": "{day}", "week": "date({day}, 'weekday 0', '-6 days')"}  # a week is named by its Monday
SIGNIFICANT_G2 = 10.83  # log-likelihood for p < 0.001 with one degree of freedom


def _period(interval: str, day_sql: str) -> str:
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    return INTERVALS[interval].format(day=day_sql)


def uses_rollups(filters: Filters) -> bool:
    """True when the selection is only a date range, which the daily rollups answer exactly."""
    return replace(filters, since=None, until=None) == Filters()


def _day_bounds(filters: Filters) -> tuple[str, str]:
    start = filters.since.astimezone(UTC).strftime("%Y-%m-%d") if filters.since else "0000-00-00"
    end = filters.until.astimezone(UTC).strftime("%Y-%m-%d") if filters.until else "9999-99-99"
    return start, end


def counts_over_time(
    db: sqlite_utils.Database, filters: Filters, *, by: str | None = None, interval: str = "day"
) -> list[dict]:
    """Articles per period: rows {period, value, articles, sentiment_sum, sentiment_n}; `value` is the
    dimension's value (a country, topic, source...) or '' for all articles."""
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"cannot count by {by!r}: choose one of {', '.join(DIMENSIONS)}")
    if uses_rollups(filters):
        start, end = _day_bounds(filters)
        period = _period(interval, "day")
        return list(
            db.query(
                f"""SELECT {period} AS period, value, sum(articles) AS articles,
                           sum(sentiment_sum) AS sentiment_sum, sum(sentiment_n) AS sentiment_n
                    FROM daily_counts WHERE dimension = ? AND day BETWEEN ? AND ?
                    GROUP BY period, value HAVING sum(articles) > 0 ORDER BY period, value""",
                [by or "all", start, end],
            )
        )
    where = where_articles(filters)
    period = _period(interval, "substr(a.published_at, 1, 10)")
    if by is None:
        value, join = "''", ""
    elif DIMENSIONS[by] is None:
        value, join = f"a.{by}", ""
    else:
        table, column = DIMENSIONS[by]
        value, join = f"t.{column}", f"JOIN {table} t ON t.article_id = a.id"
    cursor = run(
        db,
        f"""SELECT {period} AS period, {value} AS value, count(*) AS articles,
                   coalesce(sum(a.sentiment), 0) AS sentiment_sum, count(a.sentiment) AS sentiment_n
            FROM articles a {join} WHERE {where.sql} AND {value} IS NOT NULL
            GROUP BY period, value ORDER BY period, value""",
        where.params,
        filters,
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def totals(db: sqlite_utils.Database, filters: Filters, by: str, *, limit: int | None = None) -> list[dict]:
    """Articles and mean sentiment per value of a dimension over the whole selection, largest first."""
    merged: dict[str, dict] = {}
    for row in counts_over_time(db, filters, by=by):
        total = merged.setdefault(
            row["value"], {"value": row["value"], "articles": 0, "sentiment_sum": 0.0, "sentiment_n": 0}
        )
        for key in ("articles", "sentiment_sum", "sentiment_n"):
            total[key] += row[key]
    rows = sorted(merged.values(), key=lambda row: (-row["articles"], row["value"]))
    for row in rows:
        row["mean_sentiment"] = row["sentiment_sum"] / row["sentiment_n"] if row["sentiment_n"] else None
    return rows[:limit] if limit else rows


def stories_over_time(db: sqlite_utils.Database, filters: Filters, *, interval: str = "day") -> list[dict]:
    """Articles and stories per period: rows {period, articles, stories}. A story counts in the period of its
    first article, so wire copies republished by several outlets count once."""
    articles = {row["period"]: row["articles"] for row in counts_over_time(db, filters, interval=interval)}
    if uses_rollups(filters):
        start, end = _day_bounds(filters)
        rows = db.execute(
            f"""SELECT {_period(interval, "day")} AS period, sum(articles) FROM daily_counts
                WHERE dimension = 'new_stories' AND day BETWEEN ? AND ? GROUP BY period""",
            [start, end],
        )
    else:
        where = where_articles(filters)
        rows = run(
            db,
            f"""SELECT {_period(interval, "substr(a.published_at, 1, 10)")} AS period, count(*) FROM articles a
                WHERE {where.sql} AND a.story_id = a.id GROUP BY period""",
            where.params,
            filters,
        )
    stories = dict(rows.fetchall())
    return [
        {"period": period, "articles": count, "stories": stories.get(period, 0)} for period, count in articles.items()
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


def term_counts(db: sqlite_utils.Database, filters: Filters, terms: list[str], *, interval: str = "day") -> list[dict]:
    """Articles per period matching each full-text query (a word, a "phrase", a OR b, prefix*), within the
    selection: rows {period, term, articles}."""
    rows: list[dict] = []
    for term in terms:
        query = f"({filters.query}) AND ({term})" if filters.query else term
        for row in counts_over_time(db, replace(filters, query=query), interval=interval):
            rows.append({"period": row["period"], "term": term, "articles": row["articles"]})
    return rows


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
    if uses_rollups(window):
        rows = db.execute(
            """SELECT value, sum(CASE WHEN day >= :recent THEN articles ELSE 0 END),
                      sum(CASE WHEN day < :recent THEN articles ELSE 0 END)
               FROM daily_counts WHERE dimension = 'keyword' AND day BETWEEN :start AND :end GROUP BY value""",
            {"recent": recent_start, "start": baseline_start, "end": end_day},
        ).fetchall()
    else:
        where = where_articles(window)
        rows = run(
            db,
            f"""SELECT k.keyword, sum(substr(a.published_at, 1, 10) >= ?), sum(substr(a.published_at, 1, 10) < ?)
                FROM article_keywords k JOIN articles a ON a.id = k.article_id
                WHERE {where.sql} AND a.published_at >= ? AND substr(a.published_at, 1, 10) <= ?
                GROUP BY k.keyword""",
            [recent_start, recent_start, *where.params, baseline_start, end_day],
            window,
        ).fetchall()
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


def _log_likelihood(a: int, b: int, c: int, d: int) -> float:
    """Dunning's G2 for a term seen a times in a corpus of c and b times in one of d."""
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    return 2 * ((a * math.log(a / e1) if a else 0.0) + (b * math.log(b / e2) if b else 0.0))
