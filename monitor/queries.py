"""Filters → SQL. The only place that turns "the current selection" into queries for pages and exports."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import sqlite_utils

from monitor import columnar
from monitor.filters import DIMENSIONS, Filters
from monitor.normalise import iso, parse_date
from monitor.store import CROSS_DIMENSIONS, CROSS_PAIRS, ROLLUP_DIMENSIONS, data_version, unpack_evidence

__all__ = ["Filters", "QueryError", "where_articles", "rollup_for"]  # Filters lives in monitor.filters


class QueryError(Exception):
    """A filter the database cannot answer (bad FTS5 syntax, unknown date); one line for the analyst."""


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


# ---- what analysts type into the search box ----------------------------------------------------------

# A "phrase"* (unclosed quotes too), a parenthesis, or a run of anything else.
SEARCH_TOKEN = re.compile(r'"[^"]*"?\*?|[()]|[^\s()"]+')
OPERATORS = ("AND", "OR", "NOT")  # in any case: `india or pakistan` means what it says; "or" quoted is the word


def search_tokens(text: str | None) -> list[tuple[str, str]]:
    """(kind, FTS5 text) of a search as analysts type it, kind being term, op, open or close.
    Words with hyphens, apostrophes or dots (`Pakistan-Afghanistan`, `Pakistan's`, `U.S.`) become phrases,
    which is what the index holds for them; operators in any case; an operator with no term on one side,
    unbalanced parentheses and stray quotes are dropped rather than refused; a leading `NOT x` is dropped
    with its term (FTS5 has no "everything but x", and searching x would invert it)."""
    tokens: list[tuple[str, str]] = []
    for raw in SEARCH_TOKEN.findall(text or ""):
        if raw.startswith('"'):
            prefix = "*" if raw.endswith("*") else ""
            inner = " ".join(raw.rstrip("*").strip('"').split())
            if re.search(r"\w", inner):
                tokens.append(("term", f'"{inner}"{prefix}'))
        elif raw in "()":
            tokens.append(("open" if raw == "(" else "close", raw))
        elif raw.upper() in OPERATORS:
            tokens.append(("op", raw.upper()))
        elif re.search(r"\w", raw):
            prefix = "*" if raw.endswith("*") else ""
            core = raw.rstrip("*")
            tokens.append(("term", raw if re.fullmatch(r"\w+", core) else f'"{core}"{prefix}'))
    if sum(kind == "open" for kind, _ in tokens) != sum(kind == "close" for kind, _ in tokens) or _misnested(tokens):
        tokens = [token for token in tokens if token[0] not in ("open", "close")]
    changed = True
    while changed:  # drop operators without a term on each side, and empty groups
        changed = False
        for n, (kind, token) in enumerate(tokens):
            before = tokens[n - 1][0] if n else None
            after = tokens[n + 1][0] if n + 1 < len(tokens) else None
            if kind == "op" and token == "NOT" and before in (None, "op", "open") and after == "term":
                del tokens[n : n + 2]  # FTS5 cannot search for "not X" alone: searching X would invert it
                changed = True
                break
            if (kind == "op" and (before in (None, "op", "open") or after in (None, "op", "close"))) or (
                kind == "open" and after == "close"
            ):
                del tokens[n : n + (2 if kind == "open" else 1)]
                changed = True
                break
    return tokens


def _misnested(tokens: list[tuple[str, str]]) -> bool:
    depth = 0
    for kind, _ in tokens:
        depth += {"open": 1, "close": -1}.get(kind, 0)
        if depth < 0:
            return True
    return False


def fts_query(text: str | None) -> str:
    """The FTS5 query for what was typed ('' when nothing is left to search for). Valid FTS5 comes out as it
    went in, so translating twice changes nothing."""
    return " ".join(token for _, token in search_tokens(text))


def positive_terms(text: str | None) -> list[str]:
    """The words and phrases a search looks for (to highlight), without those after NOT: `prefix*` kept."""
    terms, skip_depth, depth, negated = [], None, 0, False
    for kind, token in search_tokens(text):
        if kind == "open":
            depth += 1
            if negated and skip_depth is None:
                skip_depth = depth
            negated = False
        elif kind == "close":
            if skip_depth == depth:
                skip_depth = None
            depth -= 1
        elif kind == "op":
            negated = token == "NOT"
        else:
            if not negated and skip_depth is None:
                terms.append(token.replace('"', ""))
            negated = False
    return list(dict.fromkeys(terms))


@dataclass
class Where:
    clauses: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)
    search_hits: object = None  # for the columnar copy: a frame of the search's article ids, read as `search_hits`
    table: str = "articles a"  # what a page of the selection's ids reads (see where_articles' rare search)

    def add(self, clause: str, *params) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "1"


def _marks(values) -> str:
    return ",".join("?" * len(values))


# The articles `a` as the SQL paths that count a selection read them: through the articles_facts index (schema
# v10), about 70 bytes an article, rather than each article's row with its text. Not for reading titles or
# text, nor for a page of newest articles (articles_published_at reads those in order).
FACTS = "articles a INDEXED BY articles_facts"


def where_articles(
    filters: Filters,
    alias: str = "a",
    db: sqlite_utils.Database | None = None,
    *,
    in_date_order: bool = False,
    walks_index: bool | None = None,
    columnar_copy: bool = False,
) -> Where:
    """WHERE clause over the articles table (aliased `alias`) for these filters. With the database (`db`), a
    selection within a date range reads only the ids of that range (see id_range): its tag filters and search
    too. `in_date_order`: for a query that walks the published_at index to its LIMIT (the newest articles),
    which an id range on the articles themselves would turn into reading and sorting the whole period.
    `walks_index` (default: `in_date_order`): the query walks an index in its sort order to its LIMIT, so a common
    tag value is looked up per article (see PROBE_SHARE) rather than listed first. `columnar_copy`: for the
    columnar copy (monitor/columnar.py), which has no full-text index: the search's hits are found in SQLite
    (`db`) and passed as a frame (Where.search_hits)."""
    where = Where()
    if filters.since:
        where.add(f"{alias}.published_at >= ?", iso(filters.since))
    if filters.until:
        where.add(f"{alias}.published_at <= ?", iso(filters.until))
    chosen = filters.chosen()
    search = fts_query(filters.query)
    ids = None
    if db is not None and (filters.since or filters.until):
        low, high = id_range(db, filters)
        ids = ("BETWEEN ? AND ?", [low, high]) if low is not None else ("IS NULL", [])
        if not in_date_order:
            where.add(f"{alias}.id {ids[0]}", *ids[1])  # reads the period's stretch of FACTS, not all of it
    walks = in_date_order if walks_index is None else walks_index
    for dimension, values in chosen:
        probe = walks and db is not None and share(db, filters, dimension, values) >= PROBE_SHARE
        sql, params = dimension.where(values, alias, ids, probe=probe)
        where.add(sql, *params)
    if filters.sentiment:
        low, high = filters.sentiment
        where.add(f"{alias}.sentiment BETWEEN ? AND ?", low, high)
    if search:
        bound, params = (f" AND rowid {ids[0]}", ids[1]) if ids else ("", [])
        hits = f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?{bound}"
        if columnar_copy:
            where.add(f"{alias}.id IN (SELECT id FROM search_hits)")
            where.search_hits = _search_hits(db, filters, hits, [search, *params])
        elif walks and db is not None and search_share(db, filters, hits, [search, *params]) >= PROBE_SHARE:
            # A common word: walk the index in the page's order, looking each article up in the hits. The unary
            # plus keeps SQLite from reading every hit's row first (81,000 rows, 300 MB from a cold disk at 1M).
            where.add(f"+{alias}.id IN ({hits})", search, *params)
        else:
            where.add(f"{alias}.id IN ({hits})", search, *params)
            if walks:  # a rare word: its hits' sort keys are in the facts index, 70 bytes each, not in their rows
                where.table = FACTS
    return where


def article_rows_counted(db: sqlite_utils.Database, sql: str, params: list | tuple = ()) -> list[tuple]:
    """The rows of a count over the articles and their tags with no selection (the columns the columnar copy
    holds): on the copy when it is up to date, else on SQLite."""
    copy = columnar.current(db)
    if copy is None:
        return db.execute(sql, params).fetchall()
    return copy.cursor().execute(sql, params).fetchall()


_SEARCH_HITS: dict[tuple, object] = {}
_SEARCH_HITS_LOCK = threading.Lock()


def _search_hits(db: sqlite_utils.Database, filters: Filters, sql: str, params: list):
    """The ids a full-text search finds (SQLite's index), as a one-column frame for the columnar copy; remembered
    per database version, since a page's queries all ask for them."""
    key = (*database_key(db), sql, *params)
    with _SEARCH_HITS_LOCK:  # a page's parallel queries: one look-up, not one each
        if key not in _SEARCH_HITS:
            import numpy as np
            import pandas as pd

            if len(_SEARCH_HITS) >= 8:
                _SEARCH_HITS.clear()
            # One string of ids parsed in C: a row per hit costs three times as much (81,000 hits: 0.07 s of CPU)
            (joined,) = run(db, f"SELECT group_concat(rowid) FROM ({sql})", params, filters).fetchone()
            ids = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.empty(0, dtype=np.int64)
            _SEARCH_HITS[key] = pd.DataFrame({"id": ids})
        return _SEARCH_HITS[key]


def selection_rows(
    db: sqlite_utils.Database,
    filters: Filters,
    sql: str,
    before: list | tuple = (),
    after: list | tuple = (),
    *,
    in_date_order: bool = False,
) -> list[tuple]:
    """The rows of a query that counts the selected articles: `sql` reads them as `{facts}` (alias `a`) under
    `{where}`, between parameters `before` and `after`; `{plus}` is SQLite's unary plus (an index hint) or nothing.
    `in_date_order`: SQLite walks the newest articles to a LIMIT (see where_articles). Runs on the columnar copy
    when it is up to date (two filters, a search: 5-10x faster at a million articles), else on SQLite; a walk
    through the newest articles of a selection a rollup answers (a period, one filter value) stays on SQLite, whose
    index gives them in order at once where the copy would sort the whole period."""
    copy = None if in_date_order and rollup_for(filters) is not None else columnar.current(db)
    if copy is None:
        where = where_articles(filters, db=db, in_date_order=in_date_order)
        facts = "articles a" if in_date_order else FACTS  # the published_at index, or the facts
        sql = sql.format(facts=facts, where=where.sql, plus="+")
        return run(db, sql, [*before, *where.params, *after], filters).fetchall()
    selected = _selected_ids(db, copy, filters)
    # CROSS JOIN ... ON is how SQLite is told the join order; DuckDB plans its own and reads it as JOIN ... ON.
    where = "a.id BETWEEN ? AND ? AND a.id IN (SELECT id FROM selected)"  # the bounds skip other row groups
    sql = sql.format(facts="articles a", where=where, plus="").replace("CROSS JOIN", "JOIN")
    cursor = copy.cursor()
    cursor.register("selected", selected)  # this cursor's own: a page's queries run in parallel
    bounds = [selected["id"].min(), selected["id"].max()] if len(selected) else [None, None]
    return cursor.execute(sql, [*before, *map(_plain, bounds), *after]).fetchall()


_SELECTED: dict[tuple, object] = {}
_SELECTED_LOCK = threading.Lock()


def _selected_ids(db: sqlite_utils.Database, copy, filters: Filters):
    """The ids of the selected articles, found on the columnar copy once per selection and data version (a page
    counts the same selection a dozen ways; finding it is half of each count), as a one-column frame."""
    key = (*database_key(db), filters)
    with _SELECTED_LOCK:
        if key not in _SELECTED:
            where = where_articles(filters, db=db, columnar_copy=True)
            cursor = copy.cursor()
            if where.search_hits is not None:
                cursor.register("search_hits", where.search_hits)
            if len(_SELECTED) >= 8:  # a million ids are 8 MB
                _SELECTED.clear()
            _SELECTED[key] = cursor.execute(f"SELECT id FROM articles a WHERE {where.sql} ORDER BY id",
                                            where.params).df()  # fmt: skip
        return _SELECTED[key]


def _plain(value):
    return None if value is None else int(value)


# A newest-first walk looks up the tags of each article it passes when the filter's values hold at least this share
# of the period's articles (it soon finds its page: 300 rows at 2% read 15,000 index entries); below it, listing the
# values' articles first costs less than walking past the others.
PROBE_SHARE = 0.02


def share(db: sqlite_utils.Database, filters: Filters, dimension, values: tuple[str, ...]) -> float:
    """The share of the period's articles that have one of these values of a tag dimension, from the rollups
    (0.0 when they do not count it)."""
    if dimension.table is None or dimension.members is not None:
        return 0.0
    having = _rollup_articles(db, filters, dimension.name, [dimension.spell(value) for value in values])
    everything = _rollup_articles(db, filters, "all", [""])
    return having / everything if everything else 0.0


def _rollup_articles(db: sqlite_utils.Database, filters: Filters, dimension: str, values: list[str]) -> int:
    """The articles of the selection's days that have one of these values of a dimension, from the daily rollups."""
    start, end = day_bounds(filters)
    (articles,) = db.execute(
        f"""SELECT coalesce(sum(articles), 0) FROM daily_counts
            WHERE dimension = ? AND value IN ({_marks(values)}) AND day BETWEEN ? AND ?""",
        [dimension, *values, start, end],
    ).fetchone()
    return articles


_SEARCH_COUNTS: dict[tuple, int] = {}


def search_share(db: sqlite_utils.Database, filters: Filters, hits: str, params: list) -> float:
    """The share of the period's articles (counted by the rollups) that a full-text search finds; `hits` is
    the query of their ids. Remembered per database version: a page asks for it several times."""
    key = (*database_key(db), hits, *params)
    if key not in _SEARCH_COUNTS:
        if len(_SEARCH_COUNTS) > 256:
            _SEARCH_COUNTS.clear()
        _SEARCH_COUNTS[key] = run(db, f"SELECT count(*) FROM ({hits})", params, filters).fetchone()[0]
    everything = _rollup_articles(db, filters, "all", [""])
    return _SEARCH_COUNTS[key] / everything if everything else 0.0


def database_key(db: sqlite_utils.Database) -> tuple:
    """(database, data version): the key of a result remembered in this process until the data changes. An
    in-memory database has no file name, so its connection stands for it."""
    return db.conn.execute("PRAGMA database_list").fetchone()[2] or id(db.conn), data_version(db)


_ID_RANGES: dict[tuple, tuple[int | None, int | None]] = {}


def id_range(db: sqlite_utils.Database, filters: Filters) -> tuple[int | None, int | None]:
    """The lowest and highest id of the articles in the selection's date range ((None, None): none; open ends
    stay open). Articles are stored roughly in date order, so bounding a tag filter's index range or a
    full-text search by these ids reads the period's rows instead of all time's. One scan of the period's
    published_at index entries, remembered per database version."""
    since, until = iso(filters.since) if filters.since else "", iso(filters.until) if filters.until else "9999"
    key = (*database_key(db), since, until)
    if key not in _ID_RANGES:
        if len(_ID_RANGES) > 256:
            _ID_RANGES.clear()
        copy = columnar.current(db)
        if copy is not None:  # reads one column; SQLite reads the period's index entries (0.2 s for 90 days at 1M)
            _ID_RANGES[key] = copy.cursor().execute(
                "SELECT min(id), max(id) FROM articles WHERE published_at >= ? AND published_at <= ?", [since, until]
            ).fetchone()
        else:
            # INDEXED BY: left alone, SQLite answers min(id) by walking the table in id order from the first row.
            _ID_RANGES[key] = db.execute(
                """SELECT min(id), max(id) FROM articles INDEXED BY articles_published_at
                   WHERE published_at >= ? AND published_at <= ?""",
                [since, until],
            ).fetchone()
    return _ID_RANGES[key]


# ---- rollups --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rollup:
    """The rollup rows that answer a selection: `daily_counts` for a date range alone, `daily_cross` for a date
    range and one value of one filter (one country, topic, source, language or publisher country).
    Rollups count whole UTC days: since/until count from the start of their day to the end of theirs."""

    start: str  # first day, YYYY-MM-DD
    end: str  # last day
    filter_dimension: str | None = None
    filter_value: str | None = None

    def rows(self, dimension: str, values: tuple[str, ...] | None = None) -> Where:
        """`FROM ... WHERE ...` (without the keywords) over the rows of one dimension of this rollup."""
        where = Where()
        if self.filter_dimension is None:
            where.add("dimension = ?", dimension)
            table = "daily_counts"
        else:
            where.add("filter_dimension = ? AND filter_value = ? AND dimension = ?", self.filter_dimension,
                      self.filter_value, dimension)  # fmt: skip
            table = "daily_cross"
        where.add("day BETWEEN ? AND ?", self.start, self.end)
        if values is not None:
            where.add(f"value IN ({_marks(values)})", *values)
        return Where([f"{table} WHERE {where.sql}"], where.params)


def day_bounds(filters: Filters) -> tuple[str, str]:
    """The first and last UTC day of the selection's date range (open ends stay open)."""
    start = filters.since.astimezone(UTC).strftime("%Y-%m-%d") if filters.since else "0000-00-00"
    end = filters.until.astimezone(UTC).strftime("%Y-%m-%d") if filters.until else "9999-99-99"
    return start, end


def _whole_days(filters: Filters) -> bool:
    """Rollups count whole UTC days, so they answer only a range from midnight to the end of a day
    (the "last 24 hours" preset, say, is counted from the articles)."""
    since = filters.since.astimezone(UTC).time() if filters.since else None
    until = filters.until.astimezone(UTC).time() if filters.until else None
    return since in (None, time(0, 0)) and until in (None, time(23, 59, 59))


def rollup_for(filters: Filters, dimension: str = "all") -> Rollup | None:
    """The rollup that answers this selection's counts by `dimension`, or None when only SQL over the
    filtered articles can: a full-text query, a sentiment range, several filter values, or a pair of filter and
    dimension that the cross rollups do not count (store.CROSS_PAIRS: keywords within a source, say).
    'country_topic' (values 'PK conflict') is counted within one filter value only."""
    if dimension not in ROLLUP_DIMENSIONS and dimension not in CROSS_DIMENSIONS:
        if dimension in DIMENSIONS:  # counted in SQL only (source groups)
            return None
        raise ValueError(f"no rollup of {dimension!r}")
    if fts_query(filters.query) or filters.sentiment is not None or not _whole_days(filters):
        return None
    start, end = day_bounds(filters)
    chosen = filters.chosen()
    if not chosen:
        return Rollup(start, end) if dimension in ROLLUP_DIMENSIONS else None
    if len(chosen) > 1 or len(chosen[0][1]) != 1 or (chosen[0][0].name, dimension) not in CROSS_PAIRS:
        return None
    filter_dimension, (value,) = chosen[0]
    return Rollup(start, end, filter_dimension.name, filter_dimension.spell(value))


SEARCH_HINT = 'AND, OR and NOT need a word on each side, "phrases" need both quotes, prefix* ends a word'


def run(db: sqlite_utils.Database, sql: str, params, filters: Filters) -> sqlite3.Cursor:
    """Execute; with a full-text query, SQLite's complaint becomes a short QueryError."""
    try:
        return db.execute(sql, params)
    except sqlite3.OperationalError as error:
        if fts_query(filters.query):
            reason = str(error).removeprefix("fts5: ")
            raise QueryError(f"search syntax: {reason} in {filters.query!r}; {SEARCH_HINT}") from None
        raise


def has_articles(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is not None


def check_search(db: sqlite_utils.Database, query: str) -> None:
    """QueryError when a full-text query is not valid FTS5 syntax. One index probe: the sidebar runs it on
    every rerun."""
    search = fts_query(query)
    if query and query.strip() and not search:
        raise QueryError(f"search syntax: no word to search for in {query!r}")
    if search:
        sql = "SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT 1"
        run(db, sql, [search], Filters(query=query)).fetchone()


ARTICLE_COLUMNS = (
    "id",
    "url",
    "title",
    "source",
    "author",
    "published_at",
    "language",
    "countries",
    "countries_mentioned",
    "topics",
    "sentiment",
    "keywords",
    "story_id",
)


def _page_sql(columns: str, where: Where, order: str, *, offset: bool = False) -> str:
    """The first rows of a sorted selection: sort the ids, then compute the columns (tag lists are subqueries)
    for those rows only, not for every selected article before the sort."""
    return f"""SELECT {columns} FROM (SELECT a.id FROM {where.table} WHERE {where.sql} ORDER BY {order}
                                       LIMIT ?{" OFFSET ?" if offset else ""}) page
               JOIN articles a ON a.id = page.id ORDER BY {order}"""


def article_rows(
    db: sqlite_utils.Database, filters: Filters, *, full_text: bool = False, limit: int | None = None
) -> Iterator[dict]:
    """Filtered articles, newest first, as dicts with ARTICLE_COLUMNS (+ body). Streams from a cursor."""
    where = where_articles(filters, db=db, in_date_order=True, walks_index=limit is not None)
    body = ", a.body" if full_text else ""
    columns = f"a.id, a.url, a.title, a.source, a.author, a.published_at, a.language, {ANALYSIS_COLUMNS}{body}"
    order = "a.published_at DESC, a.id DESC"
    params = list(where.params)
    if limit is None:
        sql = f"SELECT {columns} FROM articles a WHERE {where.sql} ORDER BY {order}"
    else:
        sql = _page_sql(columns, where, order)
        params.append(limit)
    cursor = run(db, sql, params, filters)  # now, so a bad query fails before anything is written
    names = [column[0] for column in cursor.description]
    return (dict(zip(names, row, strict=True)) for row in cursor)


# An article's tags, one ';'-separated column each: the main country first, then the strongest first.
TAG_COLUMNS = """
    (SELECT group_concat(country, ';') FROM
        (SELECT country FROM article_countries WHERE article_id = a.id ORDER BY is_main DESC, score DESC))
        AS countries,
    (SELECT group_concat(country, ';') FROM
        (SELECT country FROM article_countries_mentioned WHERE article_id = a.id ORDER BY score DESC))
        AS countries_mentioned,
    (SELECT group_concat(topic, ';') FROM
        (SELECT topic FROM article_topics WHERE article_id = a.id ORDER BY score DESC)) AS topics"""

ANALYSIS_COLUMNS = f"""{TAG_COLUMNS},
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
    article["evidence"] = unpack_evidence(article["evidence"])
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


# ---- the articles table of the dashboard ------------------------------------------------------------

# sort name -> ORDER BY (with {d} the direction). Each matches an index (see store.SCHEMA), so a page of
# the newest, by-source or by-sentiment articles reads LIMIT + OFFSET index entries instead of sorting the
# selection. Title has no index: sorting by it sorts the selection (about a second at a million articles).
SORTS = {  # an index serves each but the title's (see article_page)
    "published_at": "a.published_at {d}, a.id {d}",
    "source": "a.source {d}, a.published_at {d}, a.id {d}",
    "sentiment": "coalesce(a.sentiment, 0) {d}, a.published_at {d}, a.id {d}",
    "title": "a.title {d}, a.id {d}",
}

PAGE_COLUMNS = f"""a.id, a.url, a.title, a.source, a.author, a.published_at, a.language,{TAG_COLUMNS},
    a.sentiment, a.story_id, a.sentiment_label"""


def article_page(
    db: sqlite_utils.Database,
    filters: Filters,
    *,
    sort: str = "published_at",
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> list[dict]:
    """One page (1-based) of the selection's articles: ARTICLE_COLUMNS without keywords, plus sentiment_label.
    Sorts: published_at, source, sentiment (unscored counts as 0) or title; ties go by date in the same
    direction. An unknown sort is a ValueError."""
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort!r}: choose one of {', '.join(SORTS)}")
    if page < 1 or page_size < 1:
        raise ValueError("page and page_size start at 1")
    where = where_articles(filters, db=db, in_date_order=True, walks_index=sort != "title")
    order = SORTS[sort].format(d="DESC" if descending else "ASC")
    cursor = run(
        db,
        _page_sql(PAGE_COLUMNS, where, order, offset=True),
        [*where.params, page_size, (page - 1) * page_size],
        filters,
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def count_articles(db: sqlite_utils.Database, filters: Filters) -> int:
    """How many articles the selection holds: from the rollups when they answer it (whole days), else SQL."""
    rollup = rollup_for(filters)
    if rollup is not None:
        rows = rollup.rows("all")
        return db.execute(f"SELECT coalesce(sum(articles), 0) FROM {rows.sql}", rows.params).fetchone()[0]
    return selection_rows(db, filters, "SELECT count(*) FROM {facts} WHERE {where}")[0][0]
