"""`fetch` and `watch` against the local test server: storage, health, schedule, politeness."""

from __future__ import annotations

import gzip
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from monitor import scheduler, store
from monitor.ingest import http
from monitor.normalise import iso

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)
FAST = http.FetchSettings(connect_timeout=2, read_timeout=1, max_redirects=3)


def rss(items: list[tuple[str, str]], *, base: str = "http://example.org", title: str = "Test Feed") -> bytes:
    """An RSS 2.0 feed with one item per (slug, text)."""
    entries = "".join(
        f"<item><title>Story {slug}</title><link>{base}/{slug}</link><guid>{base}/{slug}</guid>"
        f"<description>{text}</description><pubDate>Wed, 05 Nov 2025 0{n}:00:00 GMT</pubDate></item>"
        for n, (slug, text) in enumerate(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{base}/</link><description>test</description>{entries}</channel></rss>"
    ).encode()


THREE = [("a", "Alpha happened today."), ("b", "Bravo happened today."), ("c", "Charlie happened today.")]
FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}


def source_row(db, source_id: int) -> dict:
    return db["sources"].get(source_id)


def runs(db) -> list[dict]:
    return list(db.query("SELECT * FROM runs ORDER BY id"))


# ---- storing and health ------------------------------------------------------------------------


def test_feed_is_fetched_and_stored_with_the_source_name(db, web):
    url = web.route("/feed.xml", rss(THREE), headers={**FEED, "ETag": '"v1"'})
    source_id, _ = store.add_source(db, url, name="Test Wire", language="en", every_seconds=3600)

    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)

    assert (summary.attempted, summary.ok, summary.failed, summary.added) == (1, 1, 0, 3)
    rows = list(db.query("SELECT source, source_id, language, fetched_at FROM articles"))
    assert rows == [{"source": "Test Wire", "source_id": source_id, "language": "en", "fetched_at": iso(NOW)}] * 3
    source = source_row(db, source_id)
    assert source["last_status"] == 200 and source["last_error"] is None
    assert source["last_success_at"] == source["last_attempt_at"] == iso(NOW)
    assert source["next_fetch_at"] == iso(NOW + timedelta(hours=1))
    assert source["etag"] == '"v1"'
    [run] = runs(db)
    assert (run["kind"], run["status"], run["source_id"], run["http_status"], run["added"]) == (
        "fetch",
        "ok",
        source_id,
        200,
        3,
    )
    assert run["pass_id"] == summary.pass_id and run["finished_at"]


def test_not_due_sources_are_left_alone_unless_forced_or_named(db, web):
    url = web.route("/feed.xml", rss(THREE), headers=FEED)
    source_id, _ = store.add_source(db, url, every_seconds=3600)
    scheduler.fetch_due(db, now=NOW, settings=FAST)

    assert scheduler.due_sources(db, NOW + timedelta(minutes=59)) == []
    assert scheduler.fetch_due(db, now=NOW + timedelta(minutes=10), settings=FAST).attempted == 0
    assert scheduler.fetch_due(db, now=NOW + timedelta(minutes=10), only=[source_id], settings=FAST).attempted == 0
    forced = scheduler.fetch_due(db, now=NOW + timedelta(minutes=10), only=[source_id], force=True, settings=FAST)
    assert forced.attempted == 1 and forced.duplicates == 3
    assert [s["id"] for s in scheduler.due_sources(db, NOW + timedelta(hours=2))] == [source_id]


def test_second_fetch_is_conditional_on_the_etag(db, web):
    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {**FEED, "ETag": '"v1"'}, rss(THREE)

    url = web.route("/feed.xml", handler=handler)
    source_id, _ = store.add_source(db, url, every_seconds=600)
    scheduler.fetch_due(db, now=NOW, settings=FAST)
    summary = scheduler.fetch_due(db, now=NOW + timedelta(hours=1), settings=FAST)

    assert (summary.not_modified, summary.ok, summary.added) == (1, 0, 0)
    assert summary.outcomes[0].status == "not-modified"
    assert web.requests[1][2]["If-None-Match"] == '"v1"'
    source = source_row(db, source_id)
    assert source["last_status"] == 304 and source["consecutive_failures"] == 0
    assert source["next_fetch_at"] == iso(NOW + timedelta(hours=1, minutes=10))
    assert [run["status"] for run in runs(db)] == ["ok", "not-modified"]


def test_second_fetch_is_conditional_on_last_modified(db, web):
    stamp = "Wed, 05 Nov 2025 10:00:00 GMT"

    def handler(request):
        if request.headers.get("If-Modified-Since") == stamp:
            return 304, {}, b""
        return 200, {**FEED, "Last-Modified": stamp}, rss(THREE)

    url = web.route("/feed.xml", handler=handler)
    source_id, _ = store.add_source(db, url)
    scheduler.fetch_due(db, now=NOW, settings=FAST)
    summary = scheduler.fetch_due(db, now=NOW + timedelta(hours=1), settings=FAST)

    assert summary.not_modified == 1
    assert "If-None-Match" not in web.requests[1][2]
    assert web.requests[1][2]["If-Modified-Since"] == stamp
    assert source_row(db, source_id)["last_modified"] == stamp


def test_a_changed_feed_adds_new_entries_and_counts_old_ones_as_duplicates(db, web):
    url = web.route("/feed.xml", rss(THREE[:2]), headers=FEED)
    store.add_source(db, url)
    assert scheduler.fetch_due(db, now=NOW, settings=FAST).added == 2
    web.route("/feed.xml", rss(THREE), headers=FEED)
    summary = scheduler.fetch_due(db, now=NOW + timedelta(hours=1), settings=FAST)
    assert (summary.added, summary.duplicates) == (1, 2)
    assert db["articles"].count == 3


def test_a_plain_article_page_is_a_source_too(db, web):
    page = (
        "<html><head><title>Floods in the valley</title></head><body><article><h1>Floods in the valley</h1>"
        + "".join(f"<p>Paragraph {n} about the floods that hit the valley this week, in detail.</p>" for n in range(8))
        + "</article></body></html>"
    )
    url = web.route("/story.html", page, headers={"Content-Type": "text/html; charset=utf-8"})
    store.add_source(db, url, name="Valley Post")
    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)
    assert summary.added == 1
    assert db.execute("SELECT source FROM articles").fetchone()[0] == "Valley Post"


def test_redirect_is_followed(db, web):
    web.route("/new.xml", rss(THREE), headers=FEED)
    url = web.route("/old.xml", status=301, headers={"Location": "/new.xml"})
    store.add_source(db, url)
    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)
    assert summary.ok == 1 and summary.added == 3


def test_redirect_loop_fails_with_a_clear_error(db, web):
    web.route("/a", status=302, headers={"Location": "/b"})
    url = web.route("/b", status=302, headers={"Location": "/a"})
    source_id, _ = store.add_source(db, url)
    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)
    assert summary.failed == 1
    assert "too many redirects" in summary.failures[0].error
    assert "too many redirects" in source_row(db, source_id)["last_error"]


def test_http_errors_are_recorded_and_other_sources_still_succeed(db, web):
    good = web.route("/good.xml", rss(THREE), headers=FEED)
    missing = web.route("/missing.xml", b"no", status=404)
    broken = web.route("/broken.xml", b"boom", status=500)
    ids = {
        name: store.add_source(db, url, name=name)[0]
        for name, url in [("Good", good), ("Missing", missing), ("Broken", broken)]
    }

    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)

    assert (summary.attempted, summary.ok, summary.failed, summary.added) == (3, 1, 2, 3)
    assert {o.name: o.error for o in summary.failures} == {
        "Missing": "HTTP 404 Not Found",
        "Broken": "HTTP 500 Internal Server Error",
    }
    for name, status in [("Missing", 404), ("Broken", 500)]:
        source = source_row(db, ids[name])
        assert source["last_status"] == status
        assert source["last_error"] == f"HTTP {status} {'Not Found' if status == 404 else 'Internal Server Error'}"
        assert source["consecutive_failures"] == 1 and source["enabled"] == 1
        assert source["last_success_at"] is None
    failed_runs = {run["source_id"]: run for run in runs(db) if run["status"] == "failed"}
    assert failed_runs[ids["Missing"]]["http_status"] == 404
    assert failed_runs[ids["Broken"]]["error"] == "HTTP 500 Internal Server Error"
    assert source_row(db, ids["Good"])["consecutive_failures"] == 0


def test_timeout_is_a_failure_with_a_readable_reason(db, web):
    def slow(request):
        time.sleep(1.2)
        return 200, FEED, rss(THREE)

    url = web.route("/slow.xml", handler=slow)
    source_id, _ = store.add_source(db, url)
    settings = http.FetchSettings(connect_timeout=2, read_timeout=0.3)
    summary = scheduler.fetch_due(db, now=NOW, settings=settings)
    assert summary.failures[0].error == "timed out after 0.3 s"
    assert source_row(db, source_id)["last_status"] is None


def test_oversized_response_is_a_failure(db, web):
    url = web.route("/huge.xml", rss([(str(n), "x" * 200) for n in range(50)]), headers=FEED)
    store.add_source(db, url)
    summary = scheduler.fetch_due(db, now=NOW, settings=http.FetchSettings(max_bytes=4096))
    assert summary.failures[0].error == "response larger than 4 KB"
    assert db["articles"].count == 0


def test_gzip_encoded_feed(db, web):
    url = web.route("/gz.xml", gzip.compress(rss(THREE)), headers={**FEED, "Content-Encoding": "gzip"})
    store.add_source(db, url)
    assert scheduler.fetch_due(db, now=NOW, settings=FAST).added == 3


def test_gzip_file_served_as_application_gzip(db, web):
    url = web.route("/feed.xml.gz", gzip.compress(rss(THREE)), headers={"Content-Type": "application/gzip"})
    store.add_source(db, url)
    assert scheduler.fetch_due(db, now=NOW, settings=FAST).added == 3


def test_articles_are_saved_before_the_validators(db, web, monkeypatch):
    """A kill between saving articles and updating the etag means a re-fetch and dedup, never a loss."""
    url = web.route("/feed.xml", rss(THREE), headers={**FEED, "ETag": '"v1"'})
    source_id, _ = store.add_source(db, url)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(store, "record_source_attempt", killed)
        with pytest.raises(KeyboardInterrupt):
            scheduler.fetch_due(db, now=NOW, settings=FAST)
    assert db["articles"].count == 3
    assert source_row(db, source_id)["etag"] is None

    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)
    assert "If-None-Match" not in web.requests[-1][2]
    assert (summary.added, summary.duplicates) == (0, 3)


# ---- back-off and pausing ----------------------------------------------------------------------


def test_backoff_doubles_and_is_capped():
    assert [scheduler.backoff_seconds(1800, n) for n in (1, 2, 3, 4)] == [3600, 7200, 14400, 28800]
    assert scheduler.backoff_seconds(1800, 6) == 24 * 3600
    assert scheduler.backoff_seconds(3600, 100) == 24 * 3600
    assert scheduler.backoff_seconds(7 * 24 * 3600, 3) == 7 * 24 * 3600  # never sooner than the schedule


def test_failing_source_backs_off_then_is_paused_and_enable_makes_it_due(db, web):
    url = web.route("/down.xml", b"down", status=503)
    source_id, _ = store.add_source(db, url, every_seconds=600)
    moment = NOW
    for failures in range(1, 6):
        summary = scheduler.fetch_due(db, now=moment, settings=FAST)
        assert summary.failed == 1
        source = source_row(db, source_id)
        assert source["consecutive_failures"] == failures
        expected_delay = min(600 * 2**failures, 24 * 3600)
        assert source["next_fetch_at"] == iso(moment + timedelta(seconds=expected_delay))
        # not due one second before the back-off ends
        assert scheduler.due_sources(db, moment + timedelta(seconds=expected_delay - 1)) == []
        moment += timedelta(seconds=expected_delay)

    source = source_row(db, source_id)
    assert source["enabled"] == 0
    assert source["paused_reason"] == "paused after 5 consecutive failures: HTTP 503 Service Unavailable"
    assert summary.outcomes[0].paused
    assert scheduler.due_sources(db, moment + timedelta(days=30)) == []
    assert scheduler.fetch_due(db, now=moment + timedelta(days=30), force=True, settings=FAST).attempted == 0

    store.set_source_enabled(db, source_id, True)
    assert [s["id"] for s in scheduler.due_sources(db, moment)] == [source_id]
    web.route("/down.xml", rss(THREE), headers=FEED)
    assert scheduler.fetch_due(db, now=moment, settings=FAST).ok == 1
    assert source_row(db, source_id)["consecutive_failures"] == 0


# ---- full text ---------------------------------------------------------------------------------


def article_page(topic: str) -> str:
    paragraphs = "".join(
        f"<p>Paragraph {n}: a long and detailed account of {topic}, with quotes from officials and "
        f"witnesses who described what they saw in the hours after it began.</p>"
        for n in range(6)
    )
    return (
        f"<html><head><title>{topic}</title></head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>{topic}</h1>{paragraphs}</article><footer>Copyright</footer></body></html>"
    )


def test_full_text_fetches_new_entry_pages_and_keeps_the_summary_when_a_page_fails(db, web):
    html = {"Content-Type": "text/html; charset=utf-8"}
    web.route("/news/a", article_page("the harbour fire"), headers=html)
    web.route("/news/b", article_page("the bridge collapse"), headers=html)
    # /news/c is missing: a 404 page keeps the feed's summary
    url = web.route("/feed.xml", rss(THREE[:2], base=web.url("/news")), headers=FEED)
    source_id, _ = store.add_source(db, url, full_text=True)

    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)
    assert (summary.ok, summary.added) == (1, 2)
    bodies = dict(db.execute("SELECT title, body FROM articles").fetchall())
    assert "harbour fire, with quotes from officials" in bodies["Story a"]
    assert "Paragraph 5" in bodies["Story b"] and "Home | World" not in bodies["Story b"]
    summaries = dict(db.execute("SELECT title, summary FROM articles").fetchall())
    assert summaries["Story a"] == "Alpha happened today."

    web.route("/feed.xml", rss(THREE, base=web.url("/news")), headers=FEED)
    summary = scheduler.fetch_due(db, now=NOW + timedelta(hours=1), settings=FAST)
    outcome = summary.outcomes[0]
    assert (outcome.status, outcome.added, outcome.duplicates, outcome.pages) == ("ok", 1, 2, 1)
    assert outcome.problems == [f"full text of {web.url('/news/c')}: HTTP 404 Not Found"]
    assert (web.hits("/news/a"), web.hits("/news/b"), web.hits("/news/c")) == (1, 1, 1)
    body = db.execute("SELECT body FROM articles WHERE title = 'Story c'").fetchone()[0]
    assert body == "Charlie happened today."
    assert source_row(db, source_id)["consecutive_failures"] == 0


def test_full_text_pages_are_capped_per_source(db, web, monkeypatch):
    monkeypatch.setattr(scheduler, "MAX_PAGES_PER_SOURCE", 2)
    items = [(f"s{n}", f"Item {n} summary.") for n in range(5)]
    for slug, _ in items:
        web.route(f"/news/{slug}", article_page(f"event {slug}"), headers={"Content-Type": "text/html"})
    url = web.route("/feed.xml", rss(items, base=web.url("/news")), headers=FEED)
    store.add_source(db, url, full_text=True)
    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)
    assert summary.added == 5 and summary.outcomes[0].pages == 2
    assert sum(web.hits(f"/news/{slug}") for slug, _ in items) == 2


# ---- politeness and parallelism ----------------------------------------------------------------


class InFlight:
    """A handler that records the most concurrent requests seen, per Host header and overall."""

    def __init__(self, body: bytes, delay: float = 0.25):
        self.body, self.delay = body, delay
        self.lock = threading.Lock()
        self.now: dict[str, int] = {}
        self.max: dict[str, int] = {}
        self.total = 0
        self.max_total = 0

    def __call__(self, request):
        host = request.headers["Host"].split(":")[0]
        with self.lock:
            self.now[host] = self.now.get(host, 0) + 1
            self.max[host] = max(self.max.get(host, 0), self.now[host])
            self.total += 1
            self.max_total = max(self.max_total, self.total)
        time.sleep(self.delay)
        with self.lock:
            self.now[host] -= 1
            self.total -= 1
        return 200, FEED, self.body


def test_one_request_at_a_time_per_host_but_hosts_in_parallel(db, web):
    counter = InFlight(rss(THREE))
    for n in range(3):
        web.route(f"/feed{n}.xml", handler=counter)
        store.add_source(db, web.url(f"/feed{n}.xml"), name=f"ip {n}")
        store.add_source(db, web.url(f"/feed{n}.xml").replace("127.0.0.1", "localhost"), name=f"name {n}")

    started = time.monotonic()
    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)
    elapsed = time.monotonic() - started

    assert summary.ok == 6
    assert counter.max == {"127.0.0.1": 1, "localhost": 1}
    assert counter.max_total == 2  # the two hosts were fetched side by side
    assert elapsed < 6 * counter.delay


# ---- watch -------------------------------------------------------------------------------------


def test_watch_runs_passes_on_schedule(db, web):
    url = web.route("/feed.xml", rss(THREE), headers=FEED)
    store.add_source(db, url, every_seconds=1)
    passes: list[scheduler.PassSummary] = []
    started = time.monotonic()
    count = scheduler.watch(db, max_passes=2, on_pass=passes.append, settings=FAST)
    assert count == 2 and len(passes) == 2
    assert web.hits("/feed.xml") == 2
    assert (passes[0].added, passes[1].duplicates) == (3, 3)
    assert time.monotonic() - started < 5
    assert len({run["pass_id"] for run in runs(db)}) == 2


def test_watch_stops_when_asked(db, web):
    url = web.route("/feed.xml", rss(THREE), headers=FEED)
    store.add_source(db, url, every_seconds=3600)
    stop = threading.Event()
    started = time.monotonic()
    count = scheduler.watch(db, stop=stop, on_pass=lambda summary: stop.set(), settings=FAST)
    assert count == 1 and time.monotonic() - started < 3


def test_seconds_until_due(db):
    assert scheduler.seconds_until_due(db, NOW) is None
    source_id, _ = store.add_source(db, "http://example.org/feed")
    assert scheduler.seconds_until_due(db, NOW) == 0
    store.record_source_attempt(
        db, source_id, attempted_at=iso(NOW), next_fetch_at=iso(NOW + timedelta(seconds=90)), ok=True, status=200
    )
    assert scheduler.seconds_until_due(db, NOW) == 90
