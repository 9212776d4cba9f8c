"""Hostile and unlucky inputs to `ingest`: huge records, deep nesting, gzip bombs, OPML, invisible characters,
and a killed ingest. Memory itself is measured in bench/hostile.py; these tests check the behaviour."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import signal
import string
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from monitor import store
from monitor.cli import app
from monitor.ingest import jobs, limits, records

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)
PROJECT = Path(__file__).resolve().parents[2]


def record(n: int, **fields) -> str:
    base = {
        "url": f"https://news.example/story-{n}",
        "title": f"Flood waters reach the valley town {n}",
        "body": f"Rescue teams reached villages cut off by the floods, officials said on day {n} of the crisis.",
        "published_at": "2025-11-05T10:00:00Z",
    }
    return json.dumps({**base, **fields})


def runs(db) -> list[dict]:
    return list(db.query("SELECT * FROM runs ORDER BY id"))


def test_a_deeply_nested_line_is_one_skipped_record_and_the_rest_is_kept(db, tmp_path):
    path = tmp_path / "export.jsonl"
    nested = "[" * 100_000 + "]" * 100_000
    path.write_text("\n".join([record(1), nested, record(2), record(3)]) + "\n")
    summary = jobs.ingest(db, [str(path)], now=NOW)
    outcome = summary.outcomes[0]
    assert outcome.error is None
    assert (outcome.added, outcome.problems) == (3, ["line 2: invalid JSON (nested too deeply)"])
    assert db["articles"].count == 3
    run = runs(db)[-1]
    assert (run["status"], run["added"], run["failed"]) == ("ok", 3, 1)
    assert "line 2" in run["error"]


def test_a_nested_first_line_does_not_turn_a_jsonl_file_into_one_broken_document(db, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(["[" * 5000 + "]" * 5000, record(1), record(2)]) + "\n")
    outcome = jobs.ingest(db, [str(path)], now=NOW).outcomes[0]
    assert (outcome.added, outcome.problems) == (2, ["line 1: invalid JSON (nested too deeply)"])


def test_a_field_nested_too_deeply_for_the_record_reader_costs_that_record_only(db, tmp_path):
    path = tmp_path / "export.jsonl"
    deep_title = '{"title": ' + "[" * 900 + '"x"' + "]" * 900 + ', "body": "text"}'
    path.write_text("\n".join([deep_title, record(1)]) + "\n")
    outcome = jobs.ingest(db, [str(path)], now=NOW).outcomes[0]
    assert outcome.added == 1
    assert outcome.problems == ["line 1: a field is nested too deeply"]


def test_a_nested_json_document_fails_with_a_clear_reason(db, tmp_path):
    path = tmp_path / "export.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    outcome = jobs.ingest(db, [str(path)], now=NOW).outcomes[0]
    assert outcome.error == "invalid JSON: nested too deeply"


def test_a_record_over_the_limit_is_skipped_unread_with_its_line_number(db, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RECORD_BYTES", 64 * 1024)
    path = tmp_path / "dump.jsonl"
    huge = record(2, body="word " * 100_000)  # 500 KB, over the (lowered) 64 KB limit
    path.write_text("\n".join([record(1), huge, record(3)]) + "\n")
    outcome = jobs.ingest(db, [str(path)], now=NOW).outcomes[0]
    assert outcome.added == 2
    assert outcome.problems == ["line 2: a record of 488 KB, over the 64 KB limit for one article, skipped"]


def test_a_long_line_is_read_past_in_pieces():
    stream = io.BufferedReader(io.BytesIO(b"short\n" + b"x" * 5_000_000 + b"\nlast"))
    reads: list[int] = []
    original = stream.readline

    def recording(size=-1):
        line = original(size)
        reads.append(len(line))
        return line

    stream.readline = recording  # type: ignore[method-assign]
    lines = list(records.bounded_lines(stream, 1000))
    assert [(n, line, length) for n, line, length in lines] == [
        (1, b"short\n", 6), (2, None, 5_000_001), (3, b"last", 4),
    ]  # fmt: skip
    assert max(reads) <= 1 << 20  # never the whole 5 MB line at once


def test_a_gzip_bomb_of_one_huge_record_is_skipped_and_the_next_record_kept(db, tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b'{"title": "bomb", "body": "' + b"a" * (20 * 1024 * 1024) + b'"}\n')
        out.write(record(1).encode() + b"\n")
    assert path.stat().st_size < 100_000
    outcome = jobs.ingest(db, [str(path)], now=NOW).outcomes[0]
    assert outcome.added == 1
    assert outcome.problems == ["line 1: a record of 20 MB, over the 16 MB limit for one article, skipped"]


def test_a_gzip_bomb_of_one_document_stops_at_the_document_limit(db, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", 1024 * 1024)
    path = tmp_path / "page.html.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"<html><body><p>" + b"spam " * 1_000_000 + b"</p></body></html>")
    outcome = jobs.ingest(db, [str(path)], now=NOW).outcomes[0]
    assert outcome.error.startswith("larger than 1 MB (unpacked), the limit for one feed, page, JSON, CSV or text")
    assert db["articles"].count == 0


def test_long_fields_are_cut_and_reported_and_overlong_urls_skipped(db, tmp_path):
    path = tmp_path / "long.jsonl"
    lines = [
        record(1, body="The council met again. " * 20_000, title="Headline " * 200),  # 460 KB body, 1,800-char title
        record(2, url="https://news.example/" + "a" * 5000),
        record(3),
    ]
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, ["--db", str(db_path_of(db)), "ingest", str(path)])
    assert (
        "truncated: " in result.output and "line 1: title cut to its first 1,000 characters; body cut" in result.output
    )
    assert "line 2: URL longer than 4,096 characters, skipped" in result.output
    title, body = db.execute("SELECT title, body FROM articles WHERE url LIKE '%story-1'").fetchone()
    assert len(body) <= limits.MAX_BODY_CHARS and len(title) <= limits.MAX_TITLE_CHARS
    assert db["articles"].count == 2


def db_path_of(db) -> str:
    return db.execute("PRAGMA database_list").fetchone()[2]


def test_counts_stay_true_when_the_input_breaks_after_some_records_were_stored(db, tmp_path):
    noise = random.Random(7)
    lines = [
        record(n, body=" ".join("".join(noise.choices(string.ascii_lowercase, k=8)) for _ in range(3000)))
        for n in range(1, 9)
    ]
    whole = gzip.compress(("\n".join(lines) + "\n").encode())  # 220 KB of text that does not compress away
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) - 400])  # a download cut short: the gzip stream ends early
    outcome = jobs.ingest(db, [str(path)], now=NOW).outcomes[0]
    assert outcome.error == "reading stopped: Compressed file ended before the end-of-stream marker was reached"
    stored = db["articles"].count
    assert 3 <= stored < 8 and outcome.added == stored  # what was read before the break is kept, and counted
    run = runs(db)[-1]
    assert (run["status"], run["added"]) == ("failed", stored)


def test_an_opml_file_is_not_an_article(db, tmp_path):
    path = tmp_path / "subscriptions.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!-- exported -->\n<opml version="2.0"><head><title>Feeds</title></head>'
        '<body><outline text="A" type="rss" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    outcome = jobs.ingest(db, [str(path)], now=NOW).outcomes[0]
    assert outcome.error == "an OPML list of feeds, not articles: add its feeds with `newsmon sources import FILE`"
    assert db["articles"].count == 0


def test_bidi_overrides_and_nul_are_removed_from_stored_text(db, tmp_path):
    path = tmp_path / "tricks.jsonl"
    path.write_text(
        json.dumps({
            "url": "https://news.example/tricks",
            "title": "Invoice \u202egpj.exe\u202c ready\u0000",
            "body": "Text with \u2066isolated\u2069 words, a NUL\u0000 and <b>markup\u0000</b>. " * 3,
            "author": "Ann\u202b Lee",
            "source": "Wire\u202d Service",
        }) + "\n"
    )  # fmt: skip
    jobs.ingest(db, [str(path)], now=NOW)
    row = db.execute("SELECT title, body, author, source FROM articles").fetchone()
    text = "".join(row)
    assert not any(ch in text for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\x00")
    assert row[0] == "Invoice gpj.exe ready" and row[2] == "Ann Lee" and row[3] == "Wire Service"


def test_a_run_of_a_dead_process_is_marked_interrupted_and_a_live_one_is_not(db):
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    dead = store.start_run(db, "p1", "ingest", "old.jsonl")
    live = store.start_run(db, "p2", "ingest", "current.jsonl")
    db.execute("UPDATE runs SET pid = ?, added = 12, duplicates = 3 WHERE id = ?", (finished.pid, dead))
    assert store.close_interrupted_runs(db) == 1
    rows = {row["id"]: row for row in runs(db)}
    assert rows[dead]["status"] == "failed" and rows[dead]["added"] == 12 and rows[dead]["finished_at"]
    assert rows[dead]["error"].startswith("interrupted: the process stopped before the end")
    assert "12 articles added and 3 duplicates" in rows[dead]["error"]
    assert rows[live]["status"] == "running"


KILLABLE = """
import sys
from monitor.ingest import pipeline
pipeline.BATCH_SIZE = 5  # commit small batches, so that some are stored before the kill
from monitor.cli import main
sys.argv = ["newsmon", "ingest", "-"]
main()
"""


def test_kill_9_during_ingest_then_the_next_start_marks_the_run_interrupted_with_the_true_count(db_path, tmp_path):
    store.open_db(db_path).conn.close()
    env = {**os.environ, "NEWSMON_DB": str(db_path)}
    process = subprocess.Popen(
        [sys.executable, "-c", KILLABLE], stdin=subprocess.PIPE, env=env, cwd=PROJECT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    process.stdin.write(("\n".join(record(n) for n in range(1, 13)) + "\n").encode())
    process.stdin.flush()  # 12 records: two batches of 5 are stored, 2 wait for more input that never comes
    db = store.open_db(db_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = db.execute("SELECT status, added FROM runs").fetchone()
        if row and row[1] >= 10:
            break
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert db.execute("SELECT status, added FROM runs").fetchone() == ("running", 10)

    empty = tmp_path / "none.jsonl"
    empty.write_text(record(99) + "\n")
    jobs.ingest(db, [str(empty)], now=NOW)  # the next start
    first = runs(db)[0]
    assert (first["status"], first["added"]) == ("failed", 10)
    assert first["error"].startswith("interrupted:") and "10 articles added" in first["error"]
    assert db["articles"].count == 11
    db.conn.close()


def test_an_html_page_over_the_page_limit_fails_clearly(db, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PAGE_BYTES", 100_000)
    path = tmp_path / "page.html"
    path.write_text("<html><body><article>" + "<p>Paragraph of the long page.</p>" * 5000 + "</article></body></html>")
    outcome = jobs.ingest(db, [str(path)], now=NOW).outcomes[0]
    assert outcome.error == "HTML page larger than 97.7 KB, the limit for one page"
