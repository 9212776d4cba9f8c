"""`newsmon ingest`: read every input, parse it, store its articles, log the run, never stop on bad input."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from monitor import store
from monitor.ingest import http
from monitor.ingest.files import Input, expand_inputs
from monitor.ingest.parsing import parse_any
from monitor.ingest.pipeline import store_parsed
from monitor.models import IngestError

log = logging.getLogger(__name__)


@dataclass
class InputOutcome:
    input: str
    kind: str | None = None
    added: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class IngestSummary:
    outcomes: list[InputOutcome] = field(default_factory=list)

    @property
    def read(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.error is None)

    @property
    def failed(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.error is not None)

    @property
    def added(self) -> int:
        return sum(outcome.added for outcome in self.outcomes)

    @property
    def duplicates(self) -> int:
        return sum(outcome.duplicates for outcome in self.outcomes)

    @property
    def skipped_records(self) -> int:
        return sum(len(outcome.problems) for outcome in self.outcomes)


def ingest(
    db: sqlite_utils.Database,
    arguments: list[str],
    *,
    source: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
    stdin: bytes | None = None,
    settings: http.FetchSettings | None = None,
    on_input: Callable[[InputOutcome], None] | None = None,
) -> IngestSummary:
    """Ingest every input; each one's failure is recorded and reported, never raised."""
    pass_id = uuid.uuid4().hex[:12]
    summary = IngestSummary()
    client = None
    try:
        for item in expand_inputs(arguments):
            if item.kind == "url" and client is None:
                client = http.make_client(settings or http.FetchSettings())
            outcome = _ingest_one(db, item, pass_id, source, language, now, stdin, client, settings)
            summary.outcomes.append(outcome)
            if on_input:
                on_input(outcome)
    finally:
        if client is not None:
            client.close()
    return summary


def _ingest_one(db, item: Input, pass_id, source, language, now, stdin, client, settings) -> InputOutcome:
    outcome = InputOutcome(item.name)
    run_id = store.start_run(db, pass_id, "ingest", item.name)
    http_status = None
    try:
        if item.missing:
            raise IngestError(item.name, item.missing)
        fetched_at = now or datetime.now(UTC).replace(microsecond=0)
        data, content_type, url = _read(item, stdin, client, settings)
        if item.kind == "url":
            http_status = 200
        parsed = parse_any(data, name=item.name, content_type=content_type, url=url, fetched_at=fetched_at)
        outcome.kind = parsed.kind
        outcome.problems = list(parsed.problems)
        articles = parsed.articles
        if source:
            articles = [replace(article, source=source) for article in articles]
        saved = store_parsed(
            db,
            articles,
            fetched_at=fetched_at,
            source_name=parsed.title if parsed.kind in ("feed", "html") else None,
            default_language=language or parsed.language,
        )
        outcome.added, outcome.duplicates = saved.added, saved.duplicates
        if not articles and not parsed.problems and parsed.kind != "feed":
            raise IngestError(item.name, "no articles found")
    except IngestError as error:
        outcome.error = error.reason
        http_status = getattr(error, "status", http_status)
    except Exception as error:  # a bug or an unforeseen input must not stop the other inputs
        log.exception("unexpected error while ingesting %s", item.name)
        outcome.error = f"unexpected error: {type(error).__name__}: {error}"
    store.finish_run(
        db,
        run_id,
        status="failed" if outcome.error else "ok",
        fetched=outcome.added + outcome.duplicates + len(outcome.problems),
        added=outcome.added,
        duplicates=outcome.duplicates,
        failed=len(outcome.problems) + (1 if outcome.error else 0),
        http_status=http_status,
        error=outcome.error or ("; ".join(outcome.problems[:20]) or None),
    )
    return outcome


def _read(item: Input, stdin: bytes | None, client, settings) -> tuple[bytes, str | None, str | None]:
    """(bytes, content type, URL) of one input."""
    if item.kind == "stdin":
        data = stdin if stdin is not None else sys.stdin.buffer.read()
        return data, "application/x-ndjson", None
    if item.kind == "url":
        fetched = http.fetch(client, item.name, settings=settings or http.FetchSettings())
        return fetched.content, fetched.content_type, fetched.url
    try:
        return Path(item.name).read_bytes(), None, None
    except OSError as error:
        raise IngestError(item.name, error.strerror or str(error)) from None
