"""The demo generator: a deterministic, realistic-looking period of news in a database marked demo, never mixed
with real articles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from monitor import demo, store
from monitor.analysis.article import analyse
from monitor.cli import app
from monitor.normalise import iso

NOW = datetime(2025, 11, 20, 15, 30, tzinfo=UTC)


def rollup(db, dimension: str) -> dict[str, int]:
    sql = "SELECT value, sum(articles) FROM daily_counts WHERE dimension = ? GROUP BY value"
    return dict(db.execute(sql, (dimension,)).fetchall())


def test_generates_a_realistic_period(db):
    added = demo.generate(db, articles=400, days=30, seed=3, now=NOW)

    assert added == 400 == db["articles"].count
    assert store.is_demo(db)
    first, last = db.execute("SELECT min(published_at), max(published_at) FROM articles").fetchone()
    assert iso(NOW - timedelta(days=30)) <= first and last <= iso(NOW)
    assert len(rollup(db, "country")) >= 15
    assert len(rollup(db, "topic")) >= 12
    assert len(rollup(db, "source")) >= 15
    assert len(rollup(db, "published_in")) >= 12
    assert {"en", "fr", "de", "es", "ur", "ar"} & set(rollup(db, "language")) >= {"en"}
    assert len(rollup(db, "language")) >= 3
    labels = {label for (label,) in db.execute("SELECT DISTINCT sentiment_label FROM articles")}
    assert {"negative", "neutral", "positive"} <= labels
    multi = db.execute("SELECT count(*) FROM (SELECT story_id FROM articles GROUP BY story_id HAVING count(*) > 1)")
    assert multi.fetchone()[0] >= 20
    # the Pakistan-Afghanistan border crisis of the last ten days
    crisis = db.execute(
        "SELECT count(*) FROM articles WHERE title LIKE '%Pakistan%Afghanistan%' AND published_at >= ?",
        (iso(NOW - timedelta(days=10)),),
    ).fetchone()[0]
    assert crisis >= 10


def test_sources_are_disabled_and_unreachable(db):
    demo.generate(db, articles=50, days=10, seed=1, now=NOW)
    rows = list(db.query("SELECT url, enabled, country, language FROM sources"))
    assert len(rows) >= 20
    assert all(row["url"].startswith("https://") and ".invalid/" in row["url"] for row in rows)
    assert all(row["enabled"] == 0 and row["country"] and row["language"] for row in rows)
    urls = [url for (url,) in db.execute("SELECT url FROM articles")]
    assert all(".demo.invalid/" in url for url in urls)


def test_same_seed_and_now_give_the_same_articles(tmp_path):
    def titles(name: str, seed: int) -> list[tuple]:
        db = store.open_db(tmp_path / name)
        demo.generate(db, articles=120, days=14, seed=seed, now=NOW)
        return list(db.execute("SELECT url, title, body, published_at, source FROM articles ORDER BY id"))

    first = titles("a.db", 5)
    assert first == titles("b.db", 5)
    assert first != titles("c.db", 6)


def test_refuses_a_real_database(db):
    db["articles"].insert({"url": "https://example.com/1", "content_hash": "h", "source": "Real", "title": "Real",
                           "published_at": iso(NOW), "fetched_at": iso(NOW)})  # fmt: skip
    with pytest.raises(demo.DemoError, match="not a demo database"):
        demo.generate(db, articles=20, now=NOW)
    assert db["articles"].count == 1 and db["sources"].count == 0
    assert not store.is_demo(db)


def test_adds_to_an_existing_demo_database(db):
    demo.generate(db, articles=60, days=7, seed=2, now=NOW)
    assert demo.generate(db, articles=40, days=7, seed=2, now=NOW) == 40
    assert db["articles"].count == 100
    assert db["sources"].count == len(demo.load_catalogue().outlets)


def test_fast_mode_reuses_only_analyses_of_texts_differing_in_numbers(db):
    assert demo.generate(db, articles=300, days=10, seed=4, now=NOW, fast=True) == 300
    tagged = db.execute("SELECT count(DISTINCT article_id) FROM article_topics").fetchone()[0]
    assert tagged >= 250
    assert db.execute("SELECT count(*) FROM article_analysis").fetchone()[0] == 300
    # a reused analysis is the analysis the article's own text gets (its signature is always its own)
    analyser = demo.Analyser(fast=True)
    rows = list(db.query("SELECT title, body, language FROM articles ORDER BY id LIMIT 200"))
    for row in rows:
        reused = analyser(row["title"], row["body"], row["language"])
        fresh = analyse(row["title"], row["body"], row["language"])
        assert replace(reused, rules="") == replace(fresh, rules="")
    assert analyser.analysed < len(rows)


def test_cli_demo_writes_to_its_own_path_and_replaces(tmp_path, db_path):
    runner = CliRunner()
    target = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--path", str(target), "--articles", "60", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "added 60 articles" in result.output
    assert not db_path.exists()  # $NEWSMON_DB (the real database) is left alone

    again = runner.invoke(app, ["demo", "--path", str(target), "--articles", "30", "--days", "7", "--replace"])
    assert again.exit_code == 0, again.output
    assert store.open_db(target)["articles"].count == 30


def test_cli_demo_refuses_to_replace_or_fill_a_real_database(db, db_path):
    store.add_source(db, "https://example.com/rss", name="Real feed")
    for extra in ([], ["--replace"]):
        result = CliRunner().invoke(app, ["demo", "--path", str(db_path), "--articles", "10", *extra])
        assert result.exit_code == 2
        assert result.output.strip().startswith("error:") and "not a demo database" in result.output
    assert db_path.exists() and db["articles"].count == 0


def test_ingest_and_fetch_refuse_a_demo_database(tmp_path):
    target = tmp_path / "demo.db"
    demo.generate(store.open_db(target), articles=20, days=3, now=NOW)
    feed = tmp_path / "items.jsonl"
    feed.write_text('{"title": "A real article", "body": "Text.", "url": "https://example.com/a"}\n')
    for command in (["ingest", str(feed)], ["fetch"]):
        result = CliRunner().invoke(app, ["--db", str(target), *command])
        assert result.exit_code == 2, result.output
        assert "holds generated demo articles" in result.output
    assert store.open_db(target)["articles"].count == 20


def test_a_worker_process_generates_the_same_articles(tmp_path, monkeypatch):
    def articles(name: str) -> list[tuple]:
        db = store.open_db(tmp_path / name)
        assert demo.generate(db, articles=150, days=5, seed=4, now=NOW, fast=True) == 150
        return list(db.execute("SELECT url, title, body, published_at, sentiment, story_id FROM articles ORDER BY id"))

    alone = articles("alone.db")
    monkeypatch.setattr(demo, "WORKER_FROM", 100)
    assert articles("worker.db") == alone
