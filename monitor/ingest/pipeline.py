"""From parsed articles to stored ones: normalise, deduplicate, analyse, write in transactions.

Analysis is the costly step, so a large input is analysed in worker processes (one per core, or
$NEWSMON_WORKERS) while this process, the only writer, stores the batch before: SQLite has one writer, and
the analysis of one batch overlaps the transaction of the previous one. A small input (a feed, one file) is
analysed here: starting workers would cost more than it saves.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

import sqlite_utils

from monitor import store, topic_training
from monitor.analysis.article import ArticleAnalysis, analyse_many
from monitor.ingest import limits, workers
from monitor.models import ParsedArticle
from monitor.normalise import canonical_url, clean_text, content_hash, content_url, iso, to_utc

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # articles per transaction: each commits whole or not at all
PARALLEL_MIN = 200  # new articles in a batch before it is worth sending to worker processes
CHUNK = 50  # articles per task: small enough to share a batch evenly between the workers


def prepare(
    article: ParsedArticle,
    *,
    fetched_at: datetime,
    source_name: str | None = None,
    source_id: int | None = None,
    default_language: str | None = None,
    published_in: str | None = None,
) -> store.ArticleRecord | None:
    """The storable form of a parsed article (not analysed yet), or None when it has neither title nor body.
    Parsers cap articles and report the cuts (limits.bound); the caps are applied here again so that no path
    (a full-text page, a future parser) can bring a larger article to the analysis."""
    title = clean_text((article.title or "")[: limits.MAX_TITLE_CHARS]).replace("\n", " ")
    body = clean_text((article.body or "")[: limits.MAX_BODY_CHARS])
    if not title and not body:
        return None
    if not title:
        title = body.split("\n", 1)[0][:200]
    url = canonical_url(article.url) if article.url and "://" in article.url else content_url(title, body)
    published = to_utc(article.published_at) if article.published_at else None
    source = clean_text((article.source or source_name or _host(article.url) or "")[: limits.MAX_AUTHOR_CHARS])
    source = source.replace("\n", " ") or "unknown"
    language = (article.language or default_language or "").split("-")[0].lower()[:2] or None
    return store.ArticleRecord(
        published_in=published_in,
        url=url,
        content_hash=content_hash(title, body),
        source=source,
        source_id=source_id,
        title=title,
        body=body,
        summary=clean_text((article.summary or "")[: limits.MAX_SUMMARY_CHARS]),
        author=clean_text((article.author or "")[: limits.MAX_AUTHOR_CHARS]).replace("\n", ", "),
        published_at=iso(published or fetched_at),
        date_inferred=published is None,
        fetched_at=iso(fetched_at),
        language=language,
    )


def _host(url: str | None) -> str | None:
    if url and "://" in url:
        return urlsplit(url).hostname
    return None


def store_parsed(
    db: sqlite_utils.Database,
    articles: Iterable[ParsedArticle],
    *,
    fetched_at: datetime,
    source_name: str | None = None,
    source_id: int | None = None,
    default_language: str | None = None,
    published_in: str | None = None,
    run_id: int | None = None,
    result: store.SaveResult | None = None,
) -> store.SaveResult:
    """Prepare, analyse and save articles in batches. Articles already stored (by URL or content hash) are
    not analysed again: re-ingesting a file costs a lookup per article, not an analysis. An article with no
    title and no body is skipped (the caller reports it through the parser's problems).

    The counts go into `result` (when given) batch by batch, and into the run log row `run_id` in each
    batch's transaction: when reading the input fails half-way, or the process is killed, the counts of
    what was stored stay true. On an error the articles read so far are stored before it is raised."""
    result = result if result is not None else store.SaveResult()
    prepare_one = functools.partial(
        prepare,
        fetched_at=fetched_at,
        source_name=source_name,
        source_id=source_id,
        default_language=default_language,
        published_in=published_in,
    )
    writer = _Writer(db, run_id, result, prepare_one)
    batch: list[ParsedArticle] = []
    try:
        for article in articles:
            batch.append(article)
            if len(batch) >= BATCH_SIZE:
                full, batch = batch, []
                writer.add(full)
    except Exception:
        if batch:  # the articles read before the input broke are kept
            writer.add(batch)
        writer.finish()
        raise
    if batch:
        writer.add(batch)
    writer.finish()
    return result


def _stored_url(article: ParsedArticle) -> str | None:
    """The URL `prepare` would store the article under, when it has one."""
    if not (article.url and "://" in article.url):
        return None
    try:
        return canonical_url(article.url)
    except ValueError:  # a malformed URL: `prepare` meets it again and reports it
        return None


@dataclass(frozen=True)
class _StoredAs:
    """What store.known_articles compares: an article's canonical URL (its content hash is not computed yet)."""

    url: str
    content_hash: None = None


@dataclass
class _Pending:
    """A batch whose new articles are being analysed (in workers, or already here)."""

    new: list[store.ArticleRecord]
    known: int  # articles of the batch stored already
    analyses: list[Future] | list[ArticleAnalysis]


class _Writer:
    """Saves batches in the order they came, each in its own transaction; analyses the next batch meanwhile."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        run_id: int | None,
        result: store.SaveResult,
        prepare_one: Callable[[ParsedArticle], store.ArticleRecord | None],
    ) -> None:
        self.db, self.run_id, self.result, self.prepare = db, run_id, result, prepare_one
        self.pending: deque[_Pending] = deque()
        self.model = topic_training.current_model(db)  # the topic classifier of this database, if trained

    def add(self, articles: list[ParsedArticle]) -> None:
        # Re-ingesting a file is mostly articles whose URL is stored: found by URL before their text is cleaned
        # and hashed, the costly part of `prepare` (an article with no text is left to `prepare` to skip).
        urls = {
            id(article): url
            for article in articles
            if ((article.title or "").strip() or (article.body or "").strip()) and (url := _stored_url(article))
        }
        stored = {url for url, _ in store.known_articles(self.db, [_StoredAs(url) for url in set(urls.values())])}
        batch: list[store.ArticleRecord] = []
        known_by_url, failure = 0, None
        for article in articles:
            if urls.get(id(article)) in stored:
                known_by_url += 1
                continue
            try:
                record = self.prepare(article)
            except Exception as error:  # noqa: BLE001 - raised below, once the articles before it are stored
                failure = error
                break
            if record is not None:
                batch.append(record)
        known = store.known_articles(self.db, batch)
        new = [record for record in batch if (record.url, record.content_hash) not in known]
        known_count = known_by_url + len(batch) - len(new)
        self._analyse(new, known_count)
        if failure is not None:
            raise failure

    def _analyse(self, new: list[store.ArticleRecord], known_count: int) -> None:
        pool = workers.pool(self.model) if len(new) >= PARALLEL_MIN else None
        if pool is None:
            self.finish()  # earlier batches first: they are stored in order
            self._save(_Pending(new, known_count, self._analyse_here(new)))
            return
        chunks = [new[start : start + CHUNK] for start in range(0, len(new), CHUNK)]
        texts = [[(record.title, record.body, record.language) for record in chunk] for chunk in chunks]
        futures = [pool.submit(workers.analyse_chunk, chunk) for chunk in texts]
        self.pending.append(_Pending(new, known_count, futures))
        while len(self.pending) > 1:  # store the batch before while the workers analyse this one
            self._save(self.pending.popleft())

    def finish(self) -> None:
        """Store every batch sent to the workers (after an error too: what was read is kept)."""
        while self.pending:
            self._save(self.pending.popleft())

    def _analyse_here(self, records: list[store.ArticleRecord]) -> list[ArticleAnalysis]:
        return analyse_many([(record.title, record.body, record.language) for record in records], self.model)

    def _save(self, pending: _Pending) -> None:
        analyses = pending.analyses
        if analyses and isinstance(analyses[0], Future):
            try:
                analyses = [analysis for future in analyses for analysis in future.result()]
            except BrokenProcessPool as error:  # a worker died (killed, out of memory): analyse here instead
                log.warning("analysis worker stopped (%s); analysing the batch in this process", error)
                workers.stop()
                analyses = self._analyse_here(pending.new)
        new = [replace(record, analysis=analysis) for record, analysis in zip(pending.new, analyses, strict=True)]
        self.result += store.save_articles(self.db, new, run_id=self.run_id, known_duplicates=pending.known)
