"""Schema version 8: packed evidence, story candidates kept for the story window only, and the migration from 7."""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from monitor import queries, store
from monitor.analysis import clusters
from monitor.analysis.article import analyse
from monitor.cli import app

ANALYSIS = Path(__file__).parent / "fixtures" / "analysis"

V7_ANALYSIS = """CREATE TABLE article_analysis (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    rules      TEXT NOT NULL,
    signature  BLOB,
    evidence   TEXT NOT NULL,
    confident_topic TEXT,
    topic_model     TEXT
)"""


def ingest(*names: str) -> None:
    result = CliRunner().invoke(app, ["ingest", *[str(ANALYSIS / name) for name in names]])
    assert result.exit_code == 0, result.output


def schema(database) -> list[tuple]:
    return sorted(database.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


def make_version_7(db_path: Path) -> dict[int, dict]:
    """Turn the database into what version 7 stored: JSON evidence and a signature per article, 36 band rows with
    keys of another hashing, no story_signatures. Returns the evidence of each article."""
    db = store.open_db(db_path)
    rows = db.execute(
        "SELECT a.id, a.title, a.body, x.evidence FROM articles a JOIN article_analysis x ON x.article_id = a.id"
    ).fetchall()
    with store.transaction(db) as conn:
        conn.execute("ALTER TABLE article_analysis RENAME TO packed")
        for index in ("article_analysis_rules", "article_analysis_confident", "article_analysis_topic_model"):
            conn.execute(f"DROP INDEX {index}")
        conn.execute(V7_ANALYSIS)
        conn.executemany(
            """INSERT INTO article_analysis (article_id, rules, signature, evidence, confident_topic, topic_model)
               SELECT article_id, rules, ?, ?, confident_topic, topic_model FROM packed WHERE article_id = ?""",
            [
                (clusters.signature(title, body), json.dumps(store.unpack_evidence(evidence)), article_id)
                for article_id, title, body, evidence in rows
            ],
        )
        conn.execute("DROP TABLE packed")
        conn.execute("CREATE INDEX article_analysis_rules ON article_analysis(rules)")
        conn.execute("DROP TABLE story_signatures")
        conn.execute("DELETE FROM story_bands")
        conn.executemany(
            "INSERT INTO story_bands (band, day, article_id) VALUES (?, 0, ?)",
            [(band, article_id) for article_id, *_ in rows for band in range(36)],
        )
        conn.execute("DELETE FROM meta WHERE key = 'story_window_from'")
        conn.execute("PRAGMA user_version = 7")
    db.conn.close()
    return {article_id: store.unpack_evidence(evidence) for article_id, _, _, evidence in rows}


def test_migration_from_version_7_packs_evidence_and_keeps_stories_working(db_path):
    ingest("border-talks.txt", "wire-copy-a.json", "other-story.json")
    evidence = make_version_7(db_path)
    assert evidence and all(isinstance(value, dict) for value in evidence.values())

    db = store.open_db(db_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == store.VERSION
    assert schema(db) == schema(store.open_db(db_path.with_name("fresh.db")))
    for article_id, before in evidence.items():
        assert queries.article_detail(db, article_id)["evidence"] == before  # every reason still there
    assert db.execute("SELECT count(*) FROM story_signatures").fetchone()[0] == len(evidence)
    assert db.execute("SELECT count(*) FROM story_bands WHERE day = 0").fetchone()[0] == 0  # the old keys went

    ingest("wire-copy-b.json")  # a copy of a story stored before the migration still joins it
    stories = dict(db.execute("SELECT source, story_id FROM articles"))
    assert stories["Second Herald"] == stories["First Daily"] != stories["Third Times"]
    explained = CliRunner().invoke(app, ["explain", str(min(evidence))])
    assert explained.exit_code == 0 and "Keywords:" in explained.output

    with store.transaction(db) as conn:  # again, on a converted database: nothing changes
        before = schema(db), db.execute("SELECT * FROM article_analysis ORDER BY 1").fetchall()
        store.update_from_7_to_8(conn)
    assert (schema(db), db.execute("SELECT * FROM article_analysis ORDER BY 1").fetchall()) == before
    db.conn.close()


def test_evidence_is_packed_to_a_third_and_unpacks_unchanged():
    evidence = analyse(
        "Floods hit Sindh as rivers overflow",
        "Floods hit Pakistan's Sindh province after heavy rain, and thousands of families were displaced. " * 5,
        "en",
    ).evidence()
    packed = store.pack_evidence(evidence)
    assert store.unpack_evidence(packed) == json.loads(json.dumps(evidence))
    assert len(packed) < len(json.dumps(evidence)) / 2
    assert store.unpack_evidence(None) is None


def test_story_candidates_are_kept_for_the_story_window_only(db):
    body = (ANALYSIS / "border-talks.txt").read_text(encoding="utf-8")
    record = store.ArticleRecord(
        url="https://example.com/a", content_hash="a", source="Example", title="Border talks",
        body=body, published_at="2025-11-01T10:00:00Z", fetched_at="2025-11-01T10:00:00Z",
        analysis=analyse("Border talks", body, "en"),
    )  # fmt: skip
    store.save_articles(db, [record])
    later = replace(record, url="https://example.com/b", content_hash="b", published_at="2025-12-20T10:00:00Z")
    store.save_articles(db, [later])
    kept = {row[0] for row in db.execute("SELECT article_id FROM story_signatures")}
    banded = {row[0] for row in db.execute("SELECT DISTINCT article_id FROM story_bands")}
    newest = db.execute("SELECT max(id) FROM articles").fetchone()[0]
    assert kept == banded == {newest}
    # an article written late, published in the window, still finds the story of one stored before
    late = replace(record, url="https://example.com/c", content_hash="c", published_at="2025-12-21T09:00:00Z")
    store.save_articles(db, [late])
    assert db.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM story_signatures").fetchone()[0] == 2


def test_migration_to_version_10_adds_the_facts_index_the_counts_read(db_path):
    ingest("border-talks.txt", "wire-copy-a.json")
    db = store.open_db(db_path)
    db.conn.execute("DROP INDEX articles_facts")
    db.conn.execute("PRAGMA user_version = 9")
    db.conn.close()

    db = store.open_db(db_path)

    assert db.execute("PRAGMA user_version").fetchone()[0] == store.VERSION
    assert schema(db) == schema(store.open_db(db_path.with_name("fresh.db")))
    plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN SELECT count(a.sentiment) FROM {queries.FACTS}"))
    assert "COVERING INDEX articles_facts" in plan


def test_an_upgrade_says_so_before_it_starts(tmp_path, caplog):
    path = tmp_path / "old.db"
    store.open_db(path).conn.close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {store.VERSION - 1}")
    with caplog.at_level(logging.WARNING, logger="monitor.store"):
        store.open_db(path).conn.close()
    assert f"from schema version {store.VERSION - 1} to {store.VERSION}" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="monitor.store"):
        store.open_db(tmp_path / "new.db").conn.close()  # a new database is created, not upgraded
    assert "upgrading" not in caplog.text


def test_migration_to_version_13_adds_the_main_country_and_keeps_the_old_order(db_path):
    ingest("border-talks.txt", "wire-copy-a.json")
    db = store.open_db(db_path)
    before = [row["countries"] for row in queries.article_page(db, queries.Filters())]
    db.conn.execute("ALTER TABLE article_countries DROP COLUMN is_main")
    db.conn.execute("PRAGMA user_version = 12")
    db.conn.close()

    db = store.open_db(db_path)

    assert db.execute("PRAGMA user_version").fetchone()[0] == store.VERSION
    fresh = store.open_db(db_path.with_name("fresh.db"))
    assert [row for row in schema(db) if row[1] != "article_countries"] == [
        row for row in schema(fresh) if row[1] != "article_countries"
    ]
    columns = "PRAGMA table_info(article_countries)"
    assert db.execute(columns).fetchall() == fresh.execute(columns).fetchall()
    assert db.execute("SELECT count(*) FROM article_countries WHERE is_main").fetchone()[0] == 0  # until re-tagged
    by_score = [
        ";".join(country for (country,) in db.execute(
            "SELECT country FROM article_countries WHERE article_id = ? ORDER BY score DESC", [row["id"]]))
        or None
        for row in queries.article_page(db, queries.Filters())
    ]  # fmt: skip
    assert [row["countries"] for row in queries.article_page(db, queries.Filters())] == by_score
    assert len(before) == len(by_score)
