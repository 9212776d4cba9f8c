"""`newsmon ingest` end to end: every input kind, summaries, exit codes, idempotence, crash safety."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor import store
from monitor.cli import app

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Frontier Wire</title><link>https://frontier.example/</link>
<language>en</language>
<item><title>Border crossing reopens after talks</title><link>https://frontier.example/a?utm_source=rss</link>
<description>&lt;p&gt;Traders returned to the &lt;b&gt;Torkham&lt;/b&gt; crossing on Tuesday.&lt;/p&gt;</description>
<pubDate>Tue, 04 Nov 2025 08:30:00 +0500</pubDate></item>
<item><title>Flood warnings issued for the river valley</title><link>https://frontier.example/b</link>
<description>Authorities told residents to move to higher ground.</description></item>
</channel></rss>"""

SCRAPED = """-
- Staff Reporter
- 2 Hours ago
Quetta traders protest power outages
-
- Staff Reporter
- Oct 21, 2025
Shopkeepers in Quetta closed their businesses on Tuesday to protest long power outages that they said had cut sales by half this month.
The provincial government promised to raise the issue with the electricity company and said supply would improve next week.
"""


def run_cli(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def articles(db_path: Path) -> list[dict]:
    database = store.open_db(db_path)
    try:
        return list(database.query("SELECT * FROM articles ORDER BY id"))
    finally:
        database.conn.close()


@pytest.fixture
def inputs(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    (folder / "nested").mkdir(parents=True)
    (folder / "feed.xml").write_text(RSS)
    (folder / "nested" / "scraped.txt").write_text(SCRAPED)
    (folder / "records.jsonl").write_text(
        json.dumps(
            {
                "link": "https://other.example/1",
                "headline": "Wheat prices rise",
                "text": "Flour costs more.",
                "pubDate": "2025-11-02",
                "publisher": "Other Daily",
            }
        )
        + "\n"
    )
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not an article file: skipped in a folder walk
    return folder


def test_ingest_a_directory_recursively(db_path, inputs):
    result = run_cli("ingest", str(inputs))
    assert result.exit_code == 0, result.output
    assert "inputs read: 3, added: 4, duplicates: 0, failed: 0" in result.output
    stored = {row["title"]: row for row in articles(db_path)}
    crossing = stored["Border crossing reopens after talks"]
    assert crossing["url"] == "https://frontier.example/a"
    assert crossing["source"] == "Frontier Wire"
    assert crossing["published_at"] == "2025-11-04T03:30:00Z"
    assert crossing["body"] == "Traders returned to the Torkham crossing on Tuesday."
    assert crossing["date_inferred"] == 0
    flood = stored["Flood warnings issued for the river valley"]
    assert flood["date_inferred"] == 1 and flood["published_at"] == flood["fetched_at"]
    quetta = stored["Quetta traders protest power outages"]
    assert quetta["published_at"] == "2025-10-21T00:00:00Z" and quetta["author"] == "Staff Reporter"
    assert quetta["body"].startswith("Shopkeepers in Quetta")
    assert stored["Wheat prices rise"]["source"] == "Other Daily"


def test_ingest_twice_adds_nothing_the_second_time(db_path, inputs):
    run_cli("ingest", str(inputs))
    again = run_cli("ingest", str(inputs))
    assert again.exit_code == 0
    assert "added: 0, duplicates: 4" in again.output
    assert len(articles(db_path)) == 4


def test_same_article_under_another_url_is_a_duplicate(db_path, tmp_path):
    record = {"url": "https://a.example/x", "title": "Same story", "body": "Word for word the same text."}
    mirror = dict(record, url="https://b.example/copy?utm_campaign=z")
    (tmp_path / "a.json").write_text(json.dumps([record]))
    (tmp_path / "b.json").write_text(json.dumps([mirror]))
    result = run_cli("ingest", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert "added: 1, duplicates: 1" in result.output


def test_bad_inputs_are_reported_and_do_not_stop_the_others(db_path, tmp_path, inputs):
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "broken.json").write_text('[{"title": "unterminated')
    result = run_cli(
        "ingest",
        str(tmp_path / "empty.json"),
        str(tmp_path / "missing.csv"),
        str(tmp_path / "broken.json"),
        str(inputs / "feed.xml"),
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"failed: {tmp_path / 'missing.csv'}: no such file or directory" in result.output
    assert f"failed: {tmp_path / 'empty.json'}:" in result.output
    assert f"failed: {tmp_path / 'broken.json'}:" in result.output
    assert "inputs read: 1, added: 2, duplicates: 0, failed: 3" in result.output
    database = store.open_db(db_path)
    runs = list(database.query("SELECT input, status, error FROM runs ORDER BY id"))
    assert [r["status"] for r in runs] == ["failed", "failed", "failed", "ok"]
    assert all(r["error"] for r in runs[:3])


def test_a_broken_row_is_skipped_and_reported_not_fatal(db_path, tmp_path):
    lines = [
        json.dumps({"url": "https://x.example/1", "title": "One", "body": "First."}),
        "{not json",
        json.dumps({"url": "https://x.example/2", "title": "Two", "body": "Second."}),
    ]
    (tmp_path / "rows.jsonl").write_text("\n".join(lines) + "\n")
    result = run_cli("ingest", str(tmp_path / "rows.jsonl"))
    assert result.exit_code == 0
    assert "added: 2" in result.output and "records skipped: 1" in result.output
    assert "line 2" in result.output


def test_glob_and_stdin(db_path, tmp_path, inputs):
    result = run_cli("ingest", str(inputs / "*.xml"))
    assert "added: 2" in result.output
    jsonl = json.dumps({"url": "https://s.example/1", "title": "From stdin", "body": "Piped in."}) + "\n"
    result = run_cli("ingest", "-", "--source", "Pipe", input=jsonl)
    assert result.exit_code == 0 and "added: 1" in result.output
    assert [r["source"] for r in articles(db_path) if r["title"] == "From stdin"] == ["Pipe"]
    result = run_cli("ingest", str(tmp_path / "nothing-*.xml"))
    assert result.exit_code == 1 and "no file matches this pattern" in result.output


def test_gzipped_file(db_path, tmp_path):
    (tmp_path / "feed.xml.gz").write_bytes(gzip.compress(RSS.encode()))
    result = run_cli("ingest", str(tmp_path / "feed.xml.gz"))
    assert result.exit_code == 0 and "added: 2" in result.output


def test_usage_error_exit_2(db_path):
    assert run_cli("ingest").exit_code == 2


def test_ingest_urls_from_a_local_server(db_path, web):
    feed = web.route("/feed.xml", RSS, headers={"Content-Type": "application/rss+xml"})
    page = web.route(
        "/story.html",
        "<html lang='en'><head><title>Dam project approved | Valley Times</title></head><body><article>"
        "<h1>Dam project approved</h1>"
        + "".join(
            f"<p>The provincial cabinet approved the dam project on Monday, paragraph {i} of the "
            "report says, after years of delays and disputes over water rights.</p>"
            for i in range(6)
        )
        + "</article></body></html>",
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    missing = web.url("/gone")
    result = run_cli("ingest", feed, page, missing)
    assert result.exit_code == 1
    assert "inputs read: 2, added: 3" in result.output
    assert f"failed: {missing}: HTTP 404" in result.output
    titles = [r["title"] for r in articles(db_path)]
    assert "Dam project approved" in titles


def test_killed_mid_run_then_rerun_loses_nothing_and_duplicates_nothing(db_path, tmp_path):
    count = 6000
    with (tmp_path / "big.jsonl").open("w") as out:
        for i in range(count):
            out.write(
                json.dumps(
                    {"url": f"https://k.example/{i}", "title": f"Story {i}", "body": f"Body of story number {i}. " * 20}
                )
                + "\n"
            )
    newsmon = [sys.executable, "-m", "monitor", "--db", str(db_path), "ingest", str(tmp_path / "big.jsonl")]
    process = subprocess.Popen(newsmon, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:  # kill once some batches committed
        if db_path.exists() and _count(db_path) > 0:
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = _count(db_path)
    assert partial < count, "the job finished before it could be killed; make the input bigger"
    rerun = subprocess.run(newsmon, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    database = store.open_db(db_path)
    assert database["articles"].count == count
    assert database.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == count
    assert database.execute("SELECT sum(articles) FROM daily_counts WHERE dimension = 'all'").fetchone()[0] == count
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _count(db_path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def test_large_jsonl_is_streamed_with_broken_lines_reported_by_number(db_path, tmp_path):
    lines = [
        json.dumps({"url": f"https://big.example/{i}", "title": f"Item {i}", "body": "word " * 100}) for i in range(400)
    ]
    lines[250] = "{broken"
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines))  # > 64 KiB, so a record straddles the first chunk; no final newline
    assert path.stat().st_size > 64 * 1024
    result = run_cli("ingest", str(path))
    assert result.exit_code == 0, result.output
    assert "added: 399" in result.output and "records skipped: 1" in result.output
    assert "line 251: invalid JSON" in result.output
    assert len({row["url"] for row in articles(db_path)}) == 399


def test_known_articles_are_not_analysed_again(db_path, inputs, monkeypatch):
    from monitor.ingest import pipeline

    calls = []
    real = pipeline.analyse_many
    monkeypatch.setattr(pipeline, "analyse_many", lambda texts, *args: calls.extend(texts) or real(texts, *args))
    run_cli("ingest", str(inputs))
    assert len(calls) == 4
    run_cli("ingest", str(inputs))
    assert len(calls) == 4
