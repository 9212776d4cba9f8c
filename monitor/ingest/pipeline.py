"""From parsed articles to stored ones: normalise, deduplicate, write in transactions."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

import sqlite_utils

from monitor import store, topic_training
from monitor.analysis.article import analyse
from monitor.ingest import limits
from monitor.models import ParsedArticle
from monitor.normalise import canonical_url, clean_text, content_hash, content_url, iso, to_utc

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # articles per transaction: each commits whole or not at all


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
    batch: list[store.ArticleRecord] = []
    try:
        for article in articles:
            record = prepare(
                article,
                fetched_at=fetched_at,
                source_name=source_name,
                source_id=source_id,
                default_language=default_language,
                published_in=published_in,
            )
            if record is None:
                continue
            batch.append(record)
            if len(batch) >= BATCH_SIZE:
                full, batch = batch, []
                result += _save(db, full, run_id)
    except Exception:
        if batch:  # the articles read before the input broke are kept
            result += _save(db, batch, run_id)
        raise
    if batch:
        result += _save(db, batch, run_id)
    return result


def _save(db: sqlite_utils.Database, batch: list[store.ArticleRecord], run_id: int | None) -> store.SaveResult:
    known = store.known_articles(db, batch)
    model = topic_training.current_model(db)  # the topic classifier of this database, if trained
    new = [
        replace(record, analysis=analyse(record.title, record.body, record.language, model))
        for record in batch
        if (record.url, record.content_hash) not in known
    ]
    return store.save_articles(db, new, run_id=run_id, known_duplicates=len(batch) - len(new))
