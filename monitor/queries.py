"""Filters → SQL. The only place that turns "the current selection" into queries for pages and exports."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from monitor.normalise import iso, parse_date


class QueryError(Exception):
    """A filter the database cannot answer (bad FTS5 syntax, unknown date); one line for the analyst."""


@dataclass(frozen=True)
class Filters:
    """The current selection. Empty tuples and None mean "no restriction"."""

    since: datetime | None = None
    until: datetime | None = None
    sources: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # about these countries (ISO alpha-2), filled by the analysis
    published_in: tuple[str, ...] = ()  # publisher country from the source's configuration
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    query: str | None = None  # FTS5 syntax: phrases, OR, NOT, prefix*
    sentiment: tuple[float, float] | None = None  # compound range; excludes articles with no score


def parse_when(text: str | None, *, end_of_day: bool = False) -> datetime | None:
    """A --since/--until value: a date, a timestamp, or a relative time such as `7 days ago`."""
    if not text:
        return None
    value = parse_date(text)
    if value is None:
        raise QueryError(f"not a date: {text!r} (try 2025-11-06 or '7 days ago')")
    if end_of_day and len(text.strip()) == 10:  # a bare date includes the whole day
        value = value.replace(hour=23, minute=59, second=59)
    return value


@dataclass
class Where:
    clauses: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)

    def add(self, clause: str, *params) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "1"


def _marks(values) -> str:
    return ",".join("?" * len(values))


def where_articles(filters: Filters, alias: str = "a") -> Where:
    """WHERE clause over the articles table (aliased `alias`) for these filters."""
    where = Where()
    if filters.since:
        where.add(f"{alias}.published_at >= ?", iso(filters.since))
    if filters.until:
        where.add(f"{alias}.published_at <= ?", iso(filters.until))
    if filters.sources:
        where.add(f"{alias}.source IN ({_marks(filters.sources)})", *filters.sources)
    if filters.languages:
        where.add(f"{alias}.language IN ({_marks(filters.languages)})", *[lang.lower() for lang in filters.languages])
    if filters.published_in:
        codes = [code.upper() for code in filters.published_in]
        where.add(f"{alias}.published_in IN ({_marks(codes)})", *codes)
    if filters.countries:
        codes = [code.upper() for code in filters.countries]
        where.add(
            f"{alias}.id IN (SELECT article_id FROM article_countries WHERE country IN ({_marks(codes)}))", *codes
        )
    if filters.topics:
        where.add(
            f"{alias}.id IN (SELECT article_id FROM article_topics WHERE topic IN ({_marks(filters.topics)}))",
            *filters.topics,
        )
    if filters.sentiment:
        low, high = filters.sentiment
        where.add(f"{alias}.sentiment BETWEEN ? AND ?", low, high)
    if filters.query and filters.query.strip():
        where.add(f"{alias}.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)", filters.query)
    return where


def run(db: sqlite_utils.Database, sql: str, params, filters: Filters) -> sqlite3.Cursor:
    """Execute; with a full-text query, SQLite's complaint becomes a short QueryError."""
    try:
        return db.execute(sql, params)
    except sqlite3.OperationalError as error:
        if filters.query and filters.query.strip():
            reason = str(error).removeprefix("fts5: ")
            raise QueryError(f"search syntax: {reason} in {filters.query!r} (see FTS5 query syntax)") from None
        raise


ARTICLE_COLUMNS = (
    "id",
    "url",
    "title",
    "source",
    "author",
    "published_at",
    "language",
    "countries",
    "topics",
    "sentiment",
    "keywords",
    "story_id",
)


def article_rows(
    db: sqlite_utils.Database, filters: Filters, *, full_text: bool = False, limit: int | None = None
) -> Iterator[dict]:
    """Filtered articles, newest first, as dicts with ARTICLE_COLUMNS (+ body). Streams from a cursor."""
    where = where_articles(filters)
    body = ", a.body" if full_text else ""
    sql = f"""SELECT a.id, a.url, a.title, a.source, a.author, a.published_at, a.language, {ANALYSIS_COLUMNS}{body}
              FROM articles a WHERE {where.sql} ORDER BY a.published_at DESC, a.id DESC"""
    params = list(where.params)
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    cursor = run(db, sql, params, filters)  # now, so a bad query fails before anything is written
    names = [column[0] for column in cursor.description]
    return (dict(zip(names, row, strict=True)) for row in cursor)


ANALYSIS_COLUMNS = """
    (SELECT group_concat(country, ';') FROM
        (SELECT country FROM article_countries WHERE article_id = a.id ORDER BY score DESC)) AS countries,
    (SELECT group_concat(topic, ';') FROM
        (SELECT topic FROM article_topics WHERE article_id = a.id ORDER BY score DESC)) AS topics,
    a.sentiment,
    (SELECT group_concat(keyword, ';') FROM
        (SELECT keyword FROM article_keywords WHERE article_id = a.id ORDER BY score DESC)) AS keywords,
    a.story_id"""


def recent_runs(db: sqlite_utils.Database, limit: int = 20, *, failed_only: bool = False) -> list[dict]:
    """The latest rows of the run log (one per input of each ingest or fetch pass), newest first."""
    where = "WHERE status = 'failed'" if failed_only else ""
    return list(
        db.query(
            f"""SELECT r.*, s.name AS source_name FROM runs r LEFT JOIN sources s ON s.id = r.source_id
                {where} ORDER BY r.id DESC LIMIT ?""",
            [limit],
        )
    )


def article_detail(db: sqlite_utils.Database, article_id: int) -> dict | None:
    """One article with its analysis evidence (parsed) and the other articles of its story."""
    rows = list(
        db.query(
            """SELECT a.*, x.rules, x.evidence FROM articles a
               LEFT JOIN article_analysis x ON x.article_id = a.id WHERE a.id = ?""",
            [article_id],
        )
    )
    if not rows:
        return None
    article = rows[0]
    article["evidence"] = json.loads(article["evidence"]) if article["evidence"] else None
    article["story"] = story_articles(db, article["story_id"], exclude=article_id) if article["story_id"] else []
    return article


def story_articles(
    db: sqlite_utils.Database, story_id: int, *, exclude: int | None = None, limit: int = 50
) -> list[dict]:
    """The articles of one story, oldest first."""
    return list(
        db.query(
            """SELECT id, title, source, published_at, url FROM articles
               WHERE story_id = ? AND id != ? ORDER BY published_at, id LIMIT ?""",
            [story_id, exclude or -1, limit],
        )
    )
