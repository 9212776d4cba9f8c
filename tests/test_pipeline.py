"""The ingest pipeline's worker processes: the same analysis as in the writer, batches stored in order and whole."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor import config, store
from monitor.analysis.article import analyse
from monitor.ingest import pipeline, workers
from monitor.models import ParsedArticle

NOW = datetime(2025, 11, 4, 9, 0, tzinfo=UTC)
PLACES = ["Islamabad", "Kabul", "Tehran", "New Delhi", "Geneva", "Beijing", "Moscow"]
EVENTS = [
    "the central bank raised interest rates to curb inflation",
    "a ceasefire along the border held after talks",
    "flood warnings were issued for the river valley",
    "the election commission delayed the vote",
    "health workers began a vaccination campaign",
]


def article(i: int) -> ParsedArticle:
    place, event = PLACES[i % len(PLACES)], EVENTS[i % len(EVENTS)]
    body = "\n".join(
        f"In {PLACES[(i + n) % len(PLACES)]}, officials said {EVENTS[(i + n) % len(EVENTS)]} on day {i}."
        for n in range(6)
    )
    return ParsedArticle(
        title=f"In {place}, {event} ({i})",
        body=body,
        url=f"https://wire.example/{i}",
        language="en",
        source="Wire",
    )


@pytest.fixture
def in_workers(monitor_batches, monkeypatch):
    """Every batch of four or more new articles goes to two worker processes, three articles per task."""
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    monkeypatch.setattr(pipeline, "PARALLEL_MIN", 4)
    monkeypatch.setattr(pipeline, "CHUNK", 3)
    yield monitor_batches
    workers.stop()


@pytest.fixture
def monitor_batches(monkeypatch) -> list[list[store.ArticleRecord]]:
    """Batches of ten; each batch the writer saves, as it saves it."""
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 10)
    saved: list[list[store.ArticleRecord]] = []
    real = store.save_articles

    def save(db, records, **options):
        records = list(records)
        saved.append(records)
        return real(db, records, **options)

    monkeypatch.setattr(store, "save_articles", save)
    return saved


def test_workers_analyse_like_the_writer(db, in_workers):
    result = pipeline.store_parsed(db, [article(i) for i in range(25)], fetched_at=NOW)
    assert (result.added, result.duplicates) == (25, 0)
    assert [len(batch) for batch in in_workers] == [10, 10, 5]  # in order, each batch whole
    stored = [record for batch in in_workers for record in batch]
    assert [record.url for record in stored] == [f"https://wire.example/{i}" for i in range(25)]
    for record in stored:
        assert record.analysis == analyse(record.title, record.body, record.language)


def test_known_articles_are_not_sent_to_workers(db, in_workers):
    pipeline.store_parsed(db, [article(i) for i in range(12)], fetched_at=NOW)
    in_workers.clear()
    result = pipeline.store_parsed(db, [article(i) for i in range(25)], fetched_at=NOW)
    assert (result.added, result.duplicates) == (13, 12)
    assert [record.url for batch in in_workers for record in batch] == [
        f"https://wire.example/{i}" for i in range(12, 25)
    ]


def test_articles_read_before_an_error_are_stored(db, in_workers):
    def broken_input():
        for i in range(23):
            yield article(i)
        raise ValueError("the input broke")

    result = store.SaveResult()
    with pytest.raises(ValueError, match="the input broke"):
        pipeline.store_parsed(db, broken_input(), fetched_at=NOW, result=result)
    assert result.added == 23
    assert db["articles"].count == 23


def test_workers_read_the_writers_rule_files(db, in_workers, tmp_path, monkeypatch):
    taxonomy = tmp_path / "taxonomy.toml"
    shutil.copy(config.TAXONOMY, taxonomy)
    unicorns = '[topics.unicorns]\nlabel = "Unicorns"\n\n[topics.unicorns.terms]\n4 = ["unicorn", "unicorns"]\n\n'
    text = taxonomy.read_text(encoding="utf-8").replace("[topics.politics]\n", unicorns + "[topics.politics]\n", 1)
    taxonomy.write_text(text, encoding="utf-8")
    monkeypatch.setattr(config, "TAXONOMY", taxonomy)
    herd = [
        ParsedArticle(
            title=f"Unicorns seen near the river ({i})",
            body="Villagers said the unicorns came down to drink. A unicorn was photographed at dawn.",
            url=f"https://wire.example/unicorn/{i}",
            language="en",
        )
        for i in range(6)
    ]
    pipeline.store_parsed(db, herd, fetched_at=NOW)
    [batch] = in_workers
    assert all("unicorns" in {tag.slug for tag in record.analysis.topics} for record in batch)


def test_small_inputs_stay_in_this_process(db, monitor_batches, monkeypatch):
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    pipeline.store_parsed(db, [article(i) for i in range(3)], fetched_at=NOW)
    assert workers._Running.pool is None


def test_the_worker_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(workers.WORKERS_ENV, "3")
    assert workers.count() == 3
    monkeypatch.setenv(workers.WORKERS_ENV, "many")
    assert workers.count() >= 1
    monkeypatch.setenv(workers.WORKERS_ENV, "1")
    assert workers.pool(None) is None


def test_articles_stored_under_their_url_are_not_prepared_again(db, monitor_batches, monkeypatch):
    pipeline.store_parsed(db, [article(i) for i in range(12)], fetched_at=NOW)
    prepared = []
    real = pipeline.prepare
    monkeypatch.setattr(pipeline, "prepare", lambda one, **options: prepared.append(one.url) or real(one, **options))
    moved = replace(article(3), url="https://wire.example/moved")  # same text, new URL: found by its content hash
    result = pipeline.store_parsed(db, [*(article(i) for i in range(15)), moved], fetched_at=NOW)
    assert (result.added, result.duplicates) == (3, 13)
    assert prepared == [*(f"https://wire.example/{i}" for i in range(12, 15)), "https://wire.example/moved"]


def test_an_article_that_cannot_be_prepared_keeps_the_ones_before(db, monitor_batches, monkeypatch):
    real = pipeline.prepare

    def prepare(one, **options):
        if one.url.endswith("/14"):
            raise ValueError("cannot prepare this one")
        return real(one, **options)

    monkeypatch.setattr(pipeline, "prepare", prepare)
    result = store.SaveResult()
    with pytest.raises(ValueError, match="cannot prepare"):
        pipeline.store_parsed(db, [article(i) for i in range(20)], fetched_at=NOW, result=result)
    assert result.added == 14 and db["articles"].count == 14


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found + [grandchild for child in found for grandchild in _children(child)]


def _running(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_workers_stop_when_the_writer_is_killed(tmp_path):
    data = tmp_path / "many.jsonl"
    fields = ("url", "title", "body", "language", "source")
    lines = [json.dumps({name: getattr(article(i), name) for name in fields}) for i in range(3000)]
    data.write_text("\n".join(lines) + "\n")
    env = {**os.environ, workers.WORKERS_ENV: "2"}
    writer = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--db", str(tmp_path / "news.db"), "ingest", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(_children(writer.pid)) < 4 and time.monotonic() < deadline:  # resource tracker, forkserver, workers
        time.sleep(0.2)
    helpers = _children(writer.pid)
    assert len(helpers) >= 4, "the workers did not start"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in helpers if _running(pid)]
