"""`newsmon fetch` and `newsmon watch`: poll the sources that are due, store what they publish.

Threads: a few hosts are fetched in parallel, but one host's requests always go one at a time (each worker
takes all the sources of one host). Workers only do HTTP and parsing; the calling thread owns the database:
it receives their results through a queue, stores the articles and then the source's health, in that
order, so a kill in between leads to a re-fetch and deduplication, never to a lost article.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import sqlite_utils

from monitor import store
from monitor.ingest import http, pages
from monitor.ingest.parsing import Parsed, parse_any
from monitor.ingest.pipeline import store_parsed
from monitor.models import IngestError
from monitor.normalise import canonical_url, iso

log = logging.getLogger(__name__)

MAX_PARALLEL_HOSTS = 4
MAX_FAILURES = 5  # consecutive failures after which a source is paused until `sources enable`
MAX_BACKOFF_SECONDS = 24 * 3600
MAX_PAGES_PER_SOURCE = 50  # full-text pages fetched per source per pass; the rest keep the feed's text
WATCH_MIN_SLEEP = 1.0
WATCH_MAX_SLEEP = 60.0


@dataclass
class SourceOutcome:
    """What one source's fetch came to in this pass (one line of `newsmon fetch` output)."""

    source_id: int
    name: str
    url: str
    status: str  # 'ok' | 'not-modified' | 'failed'
    http_status: int | None = None
    fetched: int = 0  # articles found in the response
    added: int = 0
    duplicates: int = 0
    pages: int = 0  # full-text pages fetched
    problems: list[str] = field(default_factory=list)  # skipped entries, failed full-text pages
    error: str | None = None
    paused: bool = False  # this failure paused the source
    next_fetch_at: str | None = None


@dataclass
class PassSummary:
    """The outcome of one pass over the due sources."""

    pass_id: str
    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.outcomes)

    @property
    def ok(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == "ok")

    @property
    def not_modified(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == "not-modified")

    @property
    def failed(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == "failed")

    @property
    def added(self) -> int:
        return sum(outcome.added for outcome in self.outcomes)

    @property
    def duplicates(self) -> int:
        return sum(outcome.duplicates for outcome in self.outcomes)

    @property
    def failures(self) -> list[SourceOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]


# ---- schedule ----------------------------------------------------------------------------------


def due_sources(db: sqlite_utils.Database, now: datetime | None = None) -> list[dict]:
    """Enabled sources whose next fetch time has come (or was never set), longest-waiting first."""
    return _select_sources(db, now or store.now_utc(), only=None, force=False)


def _select_sources(db: sqlite_utils.Database, now: datetime, *, only: list[int] | None, force: bool) -> list[dict]:
    query = "SELECT * FROM sources WHERE enabled = 1"
    params: list = []
    if not force:
        query += " AND (next_fetch_at IS NULL OR next_fetch_at <= ?)"
        params.append(iso(now))
    if only is not None:
        if not only:
            return []
        query += f" AND id IN ({','.join('?' * len(only))})"
        params.extend(only)
    return list(db.query(query + " ORDER BY coalesce(next_fetch_at, ''), id", params))


def backoff_seconds(every_seconds: int, failures: int) -> int:
    """Delay before retrying a source that has now failed `failures` times in a row:
    every_seconds * 2**failures, capped at 24 h (or at every_seconds when that is longer)."""
    cap = max(MAX_BACKOFF_SECONDS, every_seconds)
    if failures >= 40:  # 2**40 seconds is beyond any cap; avoid huge integers
        return cap
    return min(every_seconds * 2**failures, cap)


def seconds_until_due(db: sqlite_utils.Database, now: datetime | None = None) -> float | None:
    """Seconds until the next enabled source is due (0 when one is due now); None when none is enabled."""
    now = now or store.now_utc()
    row = db.execute("SELECT min(coalesce(next_fetch_at, '')) FROM sources WHERE enabled = 1").fetchone()
    if row[0] is None:
        return None
    if row[0] == "":
        return 0.0
    due = datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return max(0.0, (due - now).total_seconds())


# ---- one pass ----------------------------------------------------------------------------------


@dataclass
class _Retrieved:
    """A worker's result for one source: the response and its parse, or the error."""

    source: dict
    fetched_at: datetime
    fetched: http.Fetched | None = None
    parsed: Parsed | None = None
    error: str | None = None
    http_status: int | None = None
    pages: int = 0
    page_problems: list[str] = field(default_factory=list)


@dataclass
class _Started:
    source: dict


@dataclass
class _KnownUrlsQuery:
    """A worker asks the database thread which canonical URLs are stored already."""

    urls: list[str]
    reply: Future


_WORKER_DONE = object()


def fetch_due(
    db: sqlite_utils.Database,
    *,
    now: datetime | None = None,
    settings: http.FetchSettings | None = None,
    only: list[int] | None = None,
    force: bool = False,
    progress: Callable[[SourceOutcome], None] | None = None,
    stop: threading.Event | None = None,
) -> PassSummary:
    """Fetch every due source once (or the sources `only` names; `force` ignores the schedule), store new
    articles, record each source's health and schedule, and log one run row per source under one pass id.
    Disabled sources are never fetched. Setting `stop` ends the pass after the requests in flight."""
    settings = settings or http.FetchSettings()
    pass_now = now
    store.close_interrupted_runs(db)
    sources = _select_sources(db, now or store.now_utc(), only=only, force=force)
    summary = PassSummary(pass_id=uuid.uuid4().hex[:12])
    if not sources:
        return summary
    groups = _group_by_host(sources)
    log.info("fetch pass %s: %d sources on %d hosts", summary.pass_id, len(sources), len(groups))

    outbox: queue.Queue = queue.Queue()
    cancel = threading.Event()

    def cancelled() -> bool:
        return cancel.is_set() or (stop is not None and stop.is_set())

    def clock() -> datetime:
        return pass_now or store.now_utc()

    run_ids: dict[int, int] = {}
    workers = min(MAX_PARALLEL_HOSTS, len(groups))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newsmon-fetch") as pool:
        for group in groups:
            pool.submit(_work_on_host, group, settings, outbox, cancelled, clock)
        running = len(groups)
        try:
            while running:
                message = outbox.get()
                if message is _WORKER_DONE:
                    running -= 1
                elif isinstance(message, _Started):
                    source = message.source
                    run_ids[source["id"]] = store.start_run(db, summary.pass_id, "fetch", source["url"], source["id"])
                elif isinstance(message, _KnownUrlsQuery):
                    try:
                        message.reply.set_result(store.known_urls(db, message.urls))
                    except Exception as exc:
                        message.reply.set_exception(exc)
                        raise
                else:
                    outcome = _record(db, message, run_ids.pop(message.source["id"]), clock())
                    summary.outcomes.append(outcome)
                    if progress:
                        progress(outcome)
        except BaseException:
            cancel.set()  # workers finish their request in flight and stop; the pool waits for them
            raise
    log.info(
        "fetch pass %s: %d ok, %d not modified, %d failed, %d added, %d duplicates",
        summary.pass_id,
        summary.ok,
        summary.not_modified,
        summary.failed,
        summary.added,
        summary.duplicates,
    )
    return summary


def _group_by_host(sources: list[dict]) -> list[list[dict]]:
    groups: dict[str, list[dict]] = {}
    for source in sources:
        groups.setdefault(_host(source["url"]), []).append(source)
    return list(groups.values())


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _work_on_host(
    sources: list[dict],
    settings: http.FetchSettings,
    outbox: queue.Queue,
    cancelled: Callable[[], bool],
    clock: Callable[[], datetime],
) -> None:
    """Worker: fetch and parse one host's sources one after the other; never touches the database."""
    try:
        with http.make_client(settings) as client:
            for source in sources:
                if cancelled():
                    break
                outbox.put(_Started(source))
                outbox.put(_retrieve(client, source, settings, outbox, cancelled, clock()))
    except Exception as exc:  # a bug here must not leave the database thread waiting forever
        log.error("fetch worker stopped: %s: %s", type(exc).__name__, exc)
        log.debug("fetch worker traceback", exc_info=True)
    finally:
        outbox.put(_WORKER_DONE)


def _retrieve(
    client,
    source: dict,
    settings: http.FetchSettings,
    outbox: queue.Queue,
    cancelled: Callable[[], bool],
    fetched_at: datetime,
) -> _Retrieved:
    result = _Retrieved(source=source, fetched_at=fetched_at)
    try:
        fetched = http.fetch(
            client, source["url"], etag=source["etag"], last_modified=source["last_modified"], settings=settings
        )
        result.fetched, result.http_status = fetched, fetched.status
        if fetched.not_modified:
            return result
        parsed = parse_any(
            fetched.content,
            name=source["url"],
            content_type=fetched.content_type,
            url=fetched.url,
            fetched_at=fetched_at,
        )
        if not parsed.articles and parsed.kind != "feed":
            raise IngestError(source["url"], "no articles found")
        result.parsed = parsed
        if source["full_text"] and parsed.kind == "feed":
            _fill_full_text(client, result, settings, outbox, cancelled)
    except IngestError as exc:
        result.error = exc.reason
        result.http_status = getattr(exc, "status", None) or result.http_status
    except Exception as exc:  # a parser bug must fail this source only
        log.debug(
            "unexpected error while fetching %s", source["url"], exc_info=True
        )  # the traceback only with -v -v; the reason is reported
        result.error = f"unexpected error: {type(exc).__name__}: {exc}"
    return result


def _fill_full_text(
    client,
    result: _Retrieved,
    settings: http.FetchSettings,
    outbox: queue.Queue,
    cancelled: Callable[[], bool],
) -> None:
    """Replace each new entry's feed text by its page's extracted text when that is longer.
    A page that fails keeps the feed's text and is reported as a problem, not as the source's failure."""
    assert result.parsed is not None
    candidates = [article for article in result.parsed.articles if article.url and "://" in article.url]
    if not candidates:
        return
    known = _ask_known_urls(outbox, [canonical_url(article.url) for article in candidates], cancelled)
    if known is None:  # the pass is being cancelled
        return
    new = [article for article in candidates if canonical_url(article.url) not in known]
    if len(new) > MAX_PAGES_PER_SOURCE:
        log.info(
            "%s: %d new entries, fetching the pages of the first %d only",
            result.source["url"],
            len(new),
            MAX_PAGES_PER_SOURCE,
        )
    for article in new[:MAX_PAGES_PER_SOURCE]:
        if cancelled():
            return
        result.pages += 1
        try:
            # The link is the feed's choice: it may be internal only on the source's own host and port.
            page = http.fetch(client, article.url, settings=settings, user_url=result.source["url"])
            extracted = pages.extract_article(page.content, page.url, result.fetched_at)
        except IngestError as exc:
            result.page_problems.append(f"full text of {article.url}: {exc.reason}")
            continue
        except Exception as exc:  # an extractor bug costs one page, not the source
            log.debug(
                "unexpected error while extracting %s", article.url, exc_info=True
            )  # the traceback only with -v -v; the reason is reported
            result.page_problems.append(f"full text of {article.url}: unexpected error: {type(exc).__name__}")
            continue
        if extracted is None or not extracted.body:
            result.page_problems.append(f"full text of {article.url}: no article text found on the page")
            continue
        if len(extracted.body) > len(article.body):
            if not article.summary:
                article.summary = article.body
            article.body = extracted.body
            article.author = article.author or extracted.author
            article.published_at = article.published_at or extracted.published_at


def _ask_known_urls(outbox: queue.Queue, urls: list[str], cancelled: Callable[[], bool]) -> set[str] | None:
    reply: Future = Future()
    outbox.put(_KnownUrlsQuery(urls, reply))
    while True:
        try:
            return reply.result(timeout=1)
        except TimeoutError:
            if cancelled():
                return None


def _record(db: sqlite_utils.Database, result: _Retrieved, run_id: int, now: datetime) -> SourceOutcome:
    """Database thread: store the articles first, then the source's health and validators, then the run."""
    source = result.source
    outcome = SourceOutcome(
        source_id=source["id"],
        name=source["name"],
        url=source["url"],
        status="failed",
        http_status=result.http_status,
        pages=result.pages,
        error=result.error,
    )
    attempted_at = iso(result.fetched_at)
    notices = result.parsed.notices if result.parsed is not None else []  # entries cut to the size caps
    if result.error is None and result.fetched is not None:
        fetched = result.fetched
        if result.parsed is not None:
            parsed = result.parsed
            if source["name"] == source["url"] and parsed.title:
                store.name_unnamed_source(db, source["id"], parsed.title)
                outcome.name = parsed.title
            saved = store_parsed(
                db,
                parsed.articles,
                fetched_at=result.fetched_at,
                source_name=outcome.name,
                source_id=source["id"],
                default_language=source["language"] or parsed.language,
                published_in=source["country"],
                run_id=run_id,
            )
            outcome.fetched, outcome.added, outcome.duplicates = len(parsed.articles), saved.added, saved.duplicates
            outcome.problems = [*parsed.problems, *result.page_problems]
        outcome.status = "not-modified" if fetched.not_modified else "ok"
        outcome.next_fetch_at = iso(now + timedelta(seconds=source["every_seconds"]))
        store.record_source_attempt(
            db,
            source["id"],
            attempted_at=attempted_at,
            next_fetch_at=outcome.next_fetch_at,
            ok=True,
            status=fetched.status,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
        )
        for problem in outcome.problems:
            log.info("%s: %s", source["name"], problem)
    else:
        failures = source["consecutive_failures"] + 1
        delay = backoff_seconds(source["every_seconds"], failures)
        outcome.next_fetch_at = iso(now + timedelta(seconds=delay))
        pause_reason = None
        if failures >= MAX_FAILURES:
            pause_reason = f"paused after {failures} consecutive failures: {result.error}"
            outcome.paused = True
        store.record_source_attempt(
            db,
            source["id"],
            attempted_at=attempted_at,
            next_fetch_at=outcome.next_fetch_at,
            ok=False,
            status=result.http_status,
            error=result.error,
            pause_reason=pause_reason,
        )
        log.info("%s: %s%s", source["name"], result.error, " (paused)" if pause_reason else "")  # the caller reports it
    store.finish_run(
        db,
        run_id,
        status=outcome.status,
        fetched=outcome.fetched,
        added=outcome.added,
        duplicates=outcome.duplicates,
        failed=len(outcome.problems) + (1 if outcome.status == "failed" else 0),
        http_status=outcome.http_status,
        error=outcome.error or ("; ".join([*outcome.problems, *notices][:20]) or None),
    )
    return outcome


# ---- watch -------------------------------------------------------------------------------------


def watch(
    db: sqlite_utils.Database,
    *,
    stop: threading.Event | None = None,
    max_passes: int | None = None,
    on_pass: Callable[[PassSummary], None] | None = None,
    settings: http.FetchSettings | None = None,
    progress: Callable[[SourceOutcome], None] | None = None,
) -> int:
    """Fetch due sources, sleep until the next one is due (1-60 s), repeat until `stop` is set or
    `max_passes` passes are done. A locked or busy database skips a pass instead of ending the watch.
    Returns the number of passes."""
    stop = stop or threading.Event()
    passes = 0
    while not stop.is_set():
        try:
            summary = fetch_due(db, settings=settings, progress=progress, stop=stop)
        except sqlite3.OperationalError as exc:
            log.error("fetch pass skipped: database error: %s", exc)
            summary = None
        passes += 1
        if summary is not None and on_pass:
            on_pass(summary)
        if max_passes is not None and passes >= max_passes:
            break
        wait = seconds_until_due(db)
        wait = WATCH_MAX_SLEEP if wait is None else min(WATCH_MAX_SLEEP, max(WATCH_MIN_SLEEP, wait))
        log.debug("watch: next pass in %.0f s", wait)
        stop.wait(wait)
    return passes
