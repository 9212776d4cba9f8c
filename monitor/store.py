"""The database: schema, migrations and every write. The only module that runs DDL or DML.

Each article is written in one transaction together with everything derived from it (full-text
index, daily rollups), so a crash at any moment leaves either the whole article or none of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from monitor import config
from monitor.normalise import iso

VERSION = 1

SCHEMA = """
-- Where articles come from: feeds and pages polled on a schedule. Health columns are updated
-- after every attempt so `sources list` and the dashboard can show what is failing and why.
CREATE TABLE sources (
    id                   INTEGER PRIMARY KEY,
    url                  TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    country              TEXT,              -- ISO alpha-2 of the publisher ("published in")
    language             TEXT,              -- ISO 639-1 the source usually writes in
    every_seconds        INTEGER NOT NULL DEFAULT 1800,
    full_text            INTEGER NOT NULL DEFAULT 0,  -- fetch and extract each entry's page
    enabled              INTEGER NOT NULL DEFAULT 1,
    paused_reason        TEXT,              -- set when the scheduler paused it after failures
    added_at             TEXT NOT NULL,
    etag                 TEXT,
    last_modified        TEXT,
    last_attempt_at      TEXT,
    last_success_at      TEXT,
    last_status          INTEGER,           -- HTTP status of the last attempt
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_fetch_at        TEXT               -- NULL: due now
);

-- One row per article; url is canonical (see normalise.canonical_url).
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,
    content_hash  TEXT NOT NULL UNIQUE,     -- same text under another URL or from another feed
    source_id     INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    source        TEXT NOT NULL,            -- display name of the outlet
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    summary       TEXT NOT NULL DEFAULT '',
    author        TEXT NOT NULL DEFAULT '',
    published_at  TEXT NOT NULL,            -- ISO-8601 UTC
    date_inferred INTEGER NOT NULL DEFAULT 0,  -- 1: no date in the input, published_at = fetched_at
    fetched_at    TEXT NOT NULL,
    language      TEXT
);
-- Date-range filters and "latest first" paging.
CREATE INDEX articles_published_at ON articles(published_at);
-- Source filter and per-source health ("newest article", "articles in the last 24 h").
CREATE INDEX articles_source_published_at ON articles(source, published_at);
CREATE INDEX articles_source_id_published_at ON articles(source_id, published_at);

-- Full-text search over title and body, kept in sync by the triggers below.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body, content='articles', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;

-- Daily rollups kept up to date at write time, so charts never scan the articles table.
-- dimension: 'all', 'source', 'language' (the analysis adds 'country', 'topic', ...).
CREATE TABLE daily_counts (
    day           TEXT NOT NULL,            -- YYYY-MM-DD (UTC) of published_at
    dimension     TEXT NOT NULL,
    value         TEXT NOT NULL,
    articles      INTEGER NOT NULL DEFAULT 0,
    sentiment_sum REAL NOT NULL DEFAULT 0,
    sentiment_n   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dimension, value, day)
) WITHOUT ROWID;
-- Whole-period totals per dimension over a date range.
CREATE INDEX daily_counts_day ON daily_counts(dimension, day);

-- The run log: one row per input of every ingest or fetch pass.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    pass_id     TEXT NOT NULL,              -- groups the rows of one `ingest` or `fetch` pass
    kind        TEXT NOT NULL,              -- 'ingest' or 'fetch'
    source_id   INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    input       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL DEFAULT 'running',  -- running, ok, not-modified, failed
    http_status INTEGER,
    fetched     INTEGER NOT NULL DEFAULT 0,
    added       INTEGER NOT NULL DEFAULT 0,
    duplicates  INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    error       TEXT
);
-- Source health: the latest runs of one source.
CREATE INDEX runs_source_started ON runs(source_id, started_at);
"""

# Forward migrations: MIGRATIONS[n] turns a version-n database into version n+1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}


class StoreError(Exception):
    """The database cannot be opened or is of an unknown version."""


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def open_db(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open (creating or migrating as needed) the database at `path`, $NEWSMON_DB or data/news.db."""
    path = config.db_path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # durable in WAL mode except on power loss
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    return sqlite_utils.Database(conn)


def migrate(conn: sqlite3.Connection) -> int:
    """Create the schema in an empty database, or apply the forward migrations. Returns the version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > VERSION:
        raise StoreError(f"database schema version {version} is newer than this newsmon ({VERSION}); upgrade")
    if version == VERSION:
        return version
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
        if version == 0 and not _has_tables(conn):
            for statement in _statements(SCHEMA):
                conn.execute(statement)
            version = VERSION
        while version < VERSION:
            MIGRATIONS[version](conn)
            version += 1
        conn.execute(f"PRAGMA user_version = {VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return VERSION


def _has_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'articles'").fetchone()[0] > 0


def _statements(script: str) -> Iterator[str]:
    """Split a script into statements (executescript would commit mid-transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (or on kill: SQLite's journal does it)."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# ---- articles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleRecord:
    """An article ready to store: canonical URL, UTC ISO dates, clean text."""

    url: str
    content_hash: str
    source: str
    title: str
    body: str
    published_at: str
    fetched_at: str
    date_inferred: bool = False
    summary: str = ""
    author: str = ""
    language: str | None = None
    source_id: int | None = None


@dataclass
class SaveResult:
    added: int = 0
    duplicates: int = 0

    def __iadd__(self, other: SaveResult) -> SaveResult:
        self.added += other.added
        self.duplicates += other.duplicates
        return self


# Derived writes run inside the article's transaction: f(conn, article_id, record).
ArticleHook = Callable[[sqlite3.Connection, int, ArticleRecord], None]
ARTICLE_HOOKS: list[ArticleHook] = []


def save_articles(db: sqlite_utils.Database, records: Iterable[ArticleRecord]) -> SaveResult:
    """Insert the articles that are new (by canonical URL and by content hash) in one transaction,
    with their full-text rows and daily rollups. Returns how many were added and how many were known."""
    result = SaveResult()
    with transaction(db) as conn:
        for record in records:
            cursor = conn.execute(
                """INSERT INTO articles (url, content_hash, source_id, source, title, body, summary, author,
                                         published_at, date_inferred, fetched_at, language)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                (
                    record.url,
                    record.content_hash,
                    record.source_id,
                    record.source,
                    record.title,
                    record.body,
                    record.summary,
                    record.author,
                    record.published_at,
                    int(record.date_inferred),
                    record.fetched_at,
                    record.language,
                ),
            )
            if cursor.rowcount == 0:
                result.duplicates += 1
                continue
            article_id = cursor.lastrowid
            _count_daily(conn, record)
            for hook in ARTICLE_HOOKS:
                hook(conn, article_id, record)
            result.added += 1
    return result


def _count_daily(conn: sqlite3.Connection, record: ArticleRecord) -> None:
    day = record.published_at[:10]
    dimensions = [("all", ""), ("source", record.source)]
    if record.language:
        dimensions.append(("language", record.language))
    conn.executemany(
        """INSERT INTO daily_counts (day, dimension, value, articles) VALUES (?, ?, ?, 1)
           ON CONFLICT (dimension, value, day) DO UPDATE SET articles = articles + 1""",
        [(day, dimension, value) for dimension, value in dimensions],
    )


def known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> set[str]:
    """Which of these canonical URLs are stored already (to skip fetching their pages again)."""
    urls = list(urls)
    found: set[str] = set()
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(row[0] for row in db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk))
    return found


# ---- sources -----------------------------------------------------------------------------------

SOURCE_SETTINGS = ("name", "country", "language", "every_seconds", "full_text", "enabled")


def add_source(
    db: sqlite_utils.Database,
    url: str,
    *,
    name: str | None = None,
    country: str | None = None,
    language: str | None = None,
    every_seconds: int | None = None,
    full_text: bool | None = None,
) -> tuple[int, bool]:
    """Add a source, or change the settings given (None keeps the current one) of the source with
    this URL. A new source fetches every 30 minutes without full text unless told otherwise.
    Returns (id, created)."""
    with transaction(db) as conn:
        row = conn.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()
        full_text_flag = None if full_text is None else int(full_text)
        if row:
            conn.execute(
                """UPDATE sources SET name = coalesce(?, name), country = coalesce(?, country),
                   language = coalesce(?, language), every_seconds = coalesce(?, every_seconds),
                   full_text = coalesce(?, full_text) WHERE id = ?""",
                (name, country, language, every_seconds, full_text_flag, row[0]),
            )
            return row[0], False
        cursor = conn.execute(
            """INSERT INTO sources (url, name, country, language, every_seconds, full_text, added_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (url, name or url, country, language, every_seconds or 1800, full_text_flag or 0, iso(now_utc())),
        )
        return cursor.lastrowid, True


def name_unnamed_source(db: sqlite_utils.Database, source_id: int, name: str) -> None:
    """Give a source added without a name (its name is its URL) the title its feed announces."""
    with transaction(db) as conn:
        conn.execute("UPDATE sources SET name = ? WHERE id = ? AND name = url", (name, source_id))


def find_source(db: sqlite_utils.Database, key: str) -> dict | None:
    """A source by id, URL or name (case-insensitive)."""
    query = "SELECT * FROM sources WHERE url = ? OR lower(name) = lower(?)"
    params: tuple = (key, key)
    if key.isdigit():
        query += " OR id = ?"
        params += (int(key),)
    rows = list(db.query(query + " ORDER BY id LIMIT 2", params))
    return rows[0] if rows else None


def remove_source(db: sqlite_utils.Database, source_id: int) -> None:
    """Delete a source; its articles stay (their source name is kept, the link is cleared)."""
    with transaction(db) as conn:
        conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))


def set_source_enabled(db: sqlite_utils.Database, source_id: int, enabled: bool) -> None:
    """Enable (clearing failures and back-off, so it is due at once) or disable a source."""
    with transaction(db) as conn:
        if enabled:
            conn.execute(
                """UPDATE sources SET enabled = 1, paused_reason = NULL, consecutive_failures = 0,
                   next_fetch_at = NULL WHERE id = ?""",
                (source_id,),
            )
        else:
            conn.execute("UPDATE sources SET enabled = 0 WHERE id = ?", (source_id,))


def record_source_attempt(
    db: sqlite_utils.Database,
    source_id: int,
    *,
    attempted_at: str,
    next_fetch_at: str,
    ok: bool,
    status: int | None,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    pause_reason: str | None = None,
) -> None:
    """Store the outcome of one fetch of a source: health columns, cache validators, schedule."""
    with transaction(db) as conn:
        if ok:
            conn.execute(
                """UPDATE sources SET last_attempt_at = ?, last_success_at = ?, last_status = ?,
                   last_error = NULL, consecutive_failures = 0, next_fetch_at = ?,
                   etag = coalesce(?, etag), last_modified = coalesce(?, last_modified) WHERE id = ?""",
                (attempted_at, attempted_at, status, next_fetch_at, etag, last_modified, source_id),
            )
        else:
            conn.execute(
                """UPDATE sources SET last_attempt_at = ?, last_status = ?, last_error = ?,
                   consecutive_failures = consecutive_failures + 1, next_fetch_at = ?,
                   enabled = CASE WHEN ? IS NULL THEN enabled ELSE 0 END,
                   paused_reason = coalesce(?, paused_reason) WHERE id = ?""",
                (attempted_at, status, error, next_fetch_at, pause_reason, pause_reason, source_id),
            )


# ---- run log -----------------------------------------------------------------------------------


def start_run(db: sqlite_utils.Database, pass_id: str, kind: str, input: str, source_id: int | None = None) -> int:
    with transaction(db) as conn:
        cursor = conn.execute(
            "INSERT INTO runs (pass_id, kind, source_id, input, started_at) VALUES (?, ?, ?, ?, ?)",
            (pass_id, kind, source_id, input, iso(now_utc())),
        )
        return cursor.lastrowid


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    status: str,
    fetched: int = 0,
    added: int = 0,
    duplicates: int = 0,
    failed: int = 0,
    http_status: int | None = None,
    error: str | None = None,
) -> None:
    with transaction(db) as conn:
        conn.execute(
            """UPDATE runs SET finished_at = ?, status = ?, fetched = ?, added = ?, duplicates = ?,
               failed = ?, http_status = ?, error = ? WHERE id = ?""",
            (iso(now_utc()), status, fetched, added, duplicates, failed, http_status, error, run_id),
        )
