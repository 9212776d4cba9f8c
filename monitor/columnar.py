"""A columnar copy (DuckDB) of what the counting queries read, for the selections no rollup answers.

Two filters together, a search, several values of one filter: SQLite counts these article by article, seconds at
a million articles. DuckDB counts the same SQL over a copy of the article facts and tags 5-10 times faster
(bench/columnar.py). SQLite stays the source of truth: the copy lives beside the database (`news.db.columns`),
is brought up to date before it answers (articles added since, and those whose tags changed: store's
article_changes), and is only used by the dashboard's process. While it is being built or far behind (the first
run on a big database: about a minute per million articles, in the background), the queries go to SQLite.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

log = logging.getLogger(__name__)

# table -> columns copied (the article facts that filters and counts read, and the tag tables).
TABLES = {
    "articles": "id, published_at, source, language, published_in, sentiment, story_id, date_inferred, source_id",
    "article_countries": "article_id, country",
    "article_countries_mentioned": "article_id, country",
    "article_topics": "article_id, topic",
    "article_keywords": "article_id, keyword",
}
TYPES = {
    "id": "BIGINT", "article_id": "BIGINT", "story_id": "BIGINT", "source_id": "BIGINT", "date_inferred": "INTEGER",
    "sentiment": "DOUBLE",
}  # fmt: skip
WHOLE_TABLES = {"source_group_members": "group_name, source"}  # small: copied again on every sync
MIN_ARTICLES = 50_000  # below this SQLite counts any selection well under a second: no copy
CHUNK = 50_000  # articles read from SQLite at a time
INLINE_SYNC = 20_000  # a copy this many articles behind is brought up to date before it answers; more in background
MODE = os.environ.get("NEWSMON_COLUMNAR", "auto")  # auto (big databases), on (any file database), off


@dataclass
class _State:
    generation: str
    articles_upto: int
    changes_upto: int
    data_version: str


class Copy:
    """The DuckDB copy of one SQLite database file."""

    def __init__(self, database: Path, connection) -> None:
        self.database = database
        self.duck = connection
        self.lock = threading.Lock()  # one sync at a time
        self.syncing: threading.Thread | None = None

    def cursor(self):
        """A cursor of its own for one thread's query."""
        return self.duck.cursor()

    def state(self) -> _State:
        sql = "SELECT generation, articles_upto, changes_upto, data_version FROM copy_state"
        row = self.duck.cursor().execute(sql).fetchone()
        return _State(*row) if row else _State("", 0, 0, "")

    def behind(self, generation: str, newest: int, changes: int) -> int:
        """How many articles the copy must read to be up to date (all of them when it must start over)."""
        state = self.state()
        if state.generation != generation:
            return newest
        return max(newest - state.articles_upto, 0) + max(changes - state.changes_upto, 0)

    def sync(self) -> None:
        """Bring the copy up to date with the database: in steps of CHUNK articles, each committed, so a build that
        stops half way goes on from there. Answers only once the last step recorded the database's version."""
        with self.lock:
            self._writer = self.duck.cursor()  # a connection of the syncing thread's own
            source = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)
            try:
                source.execute("BEGIN")  # one snapshot of the database for the whole sync
                version, generation, newest, changes = _position(source)
                state = self.state()
                if state.generation != generation:
                    self._start_over(generation)
                    state = _State(generation, 0, changes, "")
                    self._save(state)
                changed = [
                    row[0]
                    for row in source.execute(
                        "SELECT article_id FROM article_changes WHERE seq > ? AND article_id <= ?",
                        (state.changes_upto, state.articles_upto),
                    )
                ]
                for start in range(0, len(changed), CHUNK):
                    ids = changed[start : start + CHUNK]
                    self._writer.execute("BEGIN")
                    for table in TABLES:
                        key = "id" if table == "articles" else "article_id"
                        self._writer.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT unnest(?))", [ids])
                    self._copy(source, "IN (SELECT value FROM json_each(?))", [_json_list(ids)])
                    self._writer.execute("COMMIT")
                state.changes_upto = changes
                self._save(state)
                while state.articles_upto < newest:
                    high = min(state.articles_upto + CHUNK, newest)
                    self._writer.execute("BEGIN")
                    self._copy(source, "BETWEEN ? AND ?", [state.articles_upto + 1, high])
                    state.articles_upto = high
                    self._save(state)
                    self._writer.execute("COMMIT")
                self._writer.execute("BEGIN")
                for table, columns in WHOLE_TABLES.items():
                    self._writer.execute(f"DELETE FROM {table}")
                    self._insert(table, columns, source.execute(f"SELECT {columns} FROM {table}").fetchall())
                state.data_version = version
                self._save(state)
                self._writer.execute("COMMIT")
            finally:
                source.close()

    def _start_over(self, generation: str) -> None:
        log.info("building the columnar copy of %s", self.database)
        self._writer.execute("BEGIN")
        for table, columns in {**TABLES, **WHOLE_TABLES}.items():
            typed = ", ".join(f"{name} {TYPES.get(name, 'VARCHAR')}" for name in columns.split(", "))
            self._writer.execute(f"CREATE OR REPLACE TABLE {table} ({typed})")
        self._writer.execute("DELETE FROM copy_state")
        self._writer.execute("COMMIT")

    def _copy(self, source: sqlite3.Connection, ids: str, params: list) -> None:
        """Copy the rows of the articles whose ids match `ids` (SQL after `id`) from every table."""
        for table, columns in TABLES.items():
            key = "id" if table == "articles" else "article_id"
            rows = source.execute(f"SELECT {columns} FROM {table} WHERE {key} {ids} ORDER BY {key}", params).fetchall()
            self._insert(table, columns, rows)

    def _insert(self, table: str, columns: str, rows: list[tuple]) -> None:
        if not rows:
            return
        import pandas as pd

        frame = pd.DataFrame.from_records(rows, columns=columns.split(", "))  # noqa: F841 (DuckDB reads it by name)
        self._writer.execute(f"INSERT INTO {table} SELECT * FROM frame")

    def _save(self, state: _State) -> None:
        self._writer.execute("DELETE FROM copy_state")
        self._writer.execute(
            "INSERT INTO copy_state VALUES (?, ?, ?, ?)",
            [state.generation, state.articles_upto, state.changes_upto, state.data_version],
        )


def _json_list(ids: list[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _position(conn: sqlite3.Connection) -> tuple[str, str, int, int]:
    """(data version as store.data_version spells it, generation, newest article id, latest change number)."""
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('changes', 'generation')"))
    newest = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    changes = conn.execute("SELECT coalesce(max(seq), 0) FROM article_changes").fetchone()[0]
    return f"{meta.get('changes', '0')}.{newest}", meta.get("generation", ""), newest, changes


_COPIES: dict[Path, Copy | None] = {}  # database file -> its copy (None: cannot be opened, locked by another process)
_COPIES_LOCK = threading.Lock()
enabled = False  # the dashboard turns it on: commands and exports run once and count in SQLite


def current(db: sqlite_utils.Database) -> Copy | None:
    """The up-to-date copy of this database, or None: count in SQLite (copies off, a small or in-memory database,
    the copy locked by another process, or still being built)."""
    if not enabled or MODE == "off":
        return None
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    if not path:
        return None
    version, generation, newest, changes = _position(db.conn)
    if MODE != "on" and newest < MIN_ARTICLES:
        return None
    copy = _open(Path(path))
    if copy is None:
        return None
    state = copy.state()
    if state.data_version == version and state.generation == generation:
        return copy
    if copy.syncing is not None and copy.syncing.is_alive():
        return None
    if copy.behind(generation, newest, changes) <= INLINE_SYNC:
        try:
            copy.sync()
        except Exception:  # a full disk, a damaged copy: SQLite answers, and the log says why
            log.exception("the columnar copy of %s could not be brought up to date", copy.database)
            return None
        return copy
    with _COPIES_LOCK:  # a first build: about a minute per million articles; SQLite answers meanwhile
        if copy.syncing is None or not copy.syncing.is_alive():
            copy.syncing = threading.Thread(target=_sync_quietly, args=(copy,), daemon=True, name="columnar-sync")
            copy.syncing.start()
    return None


def build(db: sqlite_utils.Database) -> Copy | None:
    """Bring the copy of this database up to date now, in this thread, however far behind (benchmarks, and a copy
    made before the dashboard opens). None when it cannot be opened."""
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    copy = _open(Path(path)) if path else None
    if copy is not None:
        if copy.syncing is not None:
            copy.syncing.join()
        copy.sync()
    return copy


def _sync_quietly(copy: Copy) -> None:
    try:
        copy.sync()
    except Exception:  # the pages keep counting in SQLite; the next query tries again
        log.exception("the columnar copy of %s could not be brought up to date", copy.database)


def _open(database: Path) -> Copy | None:
    with _COPIES_LOCK:
        if database not in _COPIES:
            _COPIES[database] = _connect(database)
        return _COPIES[database]


def _connect(database: Path) -> Copy | None:
    import duckdb

    try:
        connection = duckdb.connect(str(database) + ".columns")
    except duckdb.Error as error:  # another dashboard holds it, a read-only folder, a damaged file
        log.warning("not using the columnar copy of %s: %s", database, error)
        return None
    connection.execute("SET threads = 2")  # a laptop's cores, shared with the dashboard's own threads
    connection.execute("SET memory_limit = '1GB'")
    connection.execute(
        """CREATE TABLE IF NOT EXISTS copy_state (generation VARCHAR, articles_upto BIGINT, changes_upto BIGINT,
                                                  data_version VARCHAR)"""
    )
    return Copy(database, connection)


def close_all() -> None:
    """Close every copy (tests, and a database file about to be replaced)."""
    with _COPIES_LOCK:
        for copy in _COPIES.values():
            if copy is not None:
                if copy.syncing is not None:
                    copy.syncing.join()
                copy.duck.close()
        _COPIES.clear()
