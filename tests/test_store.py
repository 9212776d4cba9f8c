import sqlite3
from dataclasses import replace

import pytest

from monitor import store
from monitor.store import ArticleRecord

RECORD = ArticleRecord(
    url="https://example.com/a",
    content_hash="h1",
    source="Example",
    title="Ceasefire talks resume",
    body="Delegates met in Istanbul.",
    published_at="2025-11-06T10:00:00Z",
    fetched_at="2025-11-06T11:00:00Z",
    language="en",
)


def test_new_database_has_schema_version_wal_and_foreign_keys(db, db_path):
    assert db.execute("PRAGMA user_version").fetchone()[0] == store.VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert {"sources", "articles", "articles_fts", "daily_counts", "runs"} <= set(db.table_names())


def test_duplicates_by_url_and_by_content_hash(db):
    first = store.save_articles(db, [RECORD])
    again = store.save_articles(
        db, [RECORD, replace(RECORD, url="https://mirror.example.org/x"), replace(RECORD, content_hash="h2")]
    )
    assert (first.added, first.duplicates) == (1, 0)
    assert (again.added, again.duplicates) == (0, 3)
    assert db["articles"].count == 1


def test_full_text_index_follows_inserts_updates_and_deletes(db):
    store.save_articles(db, [RECORD])

    def hits(term):
        return [r[0] for r in db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [term])]

    assert hits("istanbul") == [1]
    with store.transaction(db) as conn:
        conn.execute("UPDATE articles SET body = 'Delegates met in Doha.' WHERE id = 1")
    assert hits("istanbul") == [] and hits("doha") == [1]
    with store.transaction(db) as conn:
        conn.execute("DELETE FROM articles WHERE id = 1")
    assert hits("doha") == []


def test_daily_rollups_counted_at_write_time(db):
    store.save_articles(
        db,
        [
            RECORD,
            replace(RECORD, url="https://example.com/b", content_hash="h2"),
            replace(RECORD, url="https://example.com/c", content_hash="h3", published_at="2025-11-07T01:00:00Z"),
            replace(RECORD, url="https://example.com/a", content_hash="h4"),  # duplicate: not counted
        ],
    )
    rows = {(r["day"], r["dimension"], r["value"]): r["articles"] for r in db["daily_counts"].rows}
    assert rows[("2025-11-06", "all", "")] == 2
    assert rows[("2025-11-07", "all", "")] == 1
    assert rows[("2025-11-06", "source", "Example")] == 2
    assert rows[("2025-11-06", "language", "en")] == 2


def test_a_failing_write_leaves_no_half_written_article(db, monkeypatch):
    def broken_rollup(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_add_shares", broken_rollup)
    with pytest.raises(RuntimeError):
        store.save_articles(db, [RECORD])
    assert db["articles"].count == 0
    assert db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 0
    assert db["daily_counts"].count == 0


def test_newer_schema_is_refused(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(store.StoreError, match="newer"):
        store.open_db(db_path)


def test_forward_migrations_run_in_order_and_keep_data(db_path, monkeypatch):
    database = store.open_db(db_path)
    store.save_articles(database, [RECORD])
    database.conn.close()

    def add_note_column(conn):
        conn.execute("ALTER TABLE articles ADD COLUMN note TEXT DEFAULT 'migrated'")

    monkeypatch.setattr(store, "VERSION", store.VERSION + 1)
    monkeypatch.setitem(store.MIGRATIONS, store.VERSION - 1, add_note_column)
    database = store.open_db(db_path)
    assert database.execute("PRAGMA user_version").fetchone()[0] == store.VERSION
    assert [r["note"] for r in database["articles"].rows] == ["migrated"]
    assert database["articles"].count == 1


def test_sources_add_update_enable_remove(db):
    source_id, created = store.add_source(db, "https://example.com/feed", name="Example", country="PK")
    again_id, created_again = store.add_source(db, "https://example.com/feed", every_seconds=3600)
    assert created and not created_again and source_id == again_id
    row = store.find_source(db, "example")
    assert row["country"] == "PK" and row["every_seconds"] == 3600 and row["name"] == "Example"
    store.save_articles(db, [replace(RECORD, source_id=source_id)])
    store.remove_source(db, source_id)
    assert store.find_source(db, str(source_id)) is None
    assert [r["source_id"] for r in db["articles"].rows] == [None]  # articles stay
