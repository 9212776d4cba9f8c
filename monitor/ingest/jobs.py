"""`newsmon ingest`: read every input, parse it, store its articles, log the run, never stop on bad input."""

from __future__ import annotations

import io
import itertools
import logging
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import BinaryIO

import sqlite_utils

from monitor import store
from monitor.ingest import http, records
from monitor.ingest.files import Input, expand_inputs
from monitor.ingest.parsing import Parsed, detect_kind, parse_any
from monitor.ingest.pipeline import store_parsed
from monitor.models import IngestError

log = logging.getLogger(__name__)

STREAM_HEAD = 64 * 1024  # bytes read to detect the kind before deciding to stream


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
        with _open(item, stdin, client, settings) as (stream, content_type, url):
            parsed = _parse(item, stream, content_type, url, fetched_at)
            outcome.kind = parsed.kind
            articles = parsed.articles
            if source:
                articles = (replace(article, source=source) for article in articles)
            saved = store_parsed(
                db,
                articles,
                fetched_at=fetched_at,
                source_name=parsed.title if parsed.kind in ("feed", "html") else None,
                default_language=language or parsed.language,
            )
        if item.kind == "url":
            http_status = 200
        outcome.added, outcome.duplicates = saved.added, saved.duplicates
        outcome.problems = list(parsed.problems)
        if saved.added + saved.duplicates == 0 and parsed.kind != "feed":
            detail = f" ({len(parsed.problems)} records skipped)" if parsed.problems else ""
            raise IngestError(item.name, f"no articles found{detail}")
    except IngestError as error:
        outcome.error = error.reason
        http_status = getattr(error, "status", http_status)
    except Exception as error:  # a bug or an unforeseen input must not stop the other inputs
        log.debug(
            "unexpected error while ingesting %s", item.name, exc_info=True
        )  # the traceback only with -v -v; the reason is reported
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


@contextmanager
def _open(
    item: Input, stdin: BinaryIO | bytes | None, client, settings
) -> Iterator[tuple[BinaryIO, str | None, str | None]]:
    """(a binary stream, its content type, its URL) for one input."""
    if item.kind == "stdin":
        yield (
            (io.BytesIO(stdin) if isinstance(stdin, bytes) else stdin or sys.stdin.buffer),
            "application/x-ndjson",
            None,
        )
    elif item.kind == "url":
        fetched = http.fetch(client, item.name, settings=settings or http.FetchSettings())
        yield io.BytesIO(fetched.content), fetched.content_type, fetched.url
    else:
        try:
            file = open(item.name, "rb")  # noqa: SIM115 (closed by the with below)
        except OSError as error:
            raise IngestError(item.name, error.strerror or str(error)) from None
        with file:
            yield file, None, None


def _parse(item: Input, stream: BinaryIO, content_type, url, fetched_at: datetime) -> Parsed:
    """Parse one input; JSON Lines are streamed record by record so no file is too big for memory."""
    head = stream.read(STREAM_HEAD)
    if head[:2] != b"\x1f\x8b" and len(head) == STREAM_HEAD and detect_kind(head, name=item.name) == "jsonl":
        lines = itertools.chain(io.BytesIO(head).readlines(), stream)  # the head's cut line rejoins below
        return records.stream_jsonl(_rejoin(lines), fetched_at=fetched_at)
    data = head + stream.read()
    return parse_any(data, name=item.name, content_type=content_type, url=url, fetched_at=fetched_at)


def _rejoin(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Lines of a stream whose first chunk may end mid-line: glue a partial line to the next one."""
    pending = b""
    for line in lines:
        pending += line
        if pending.endswith(b"\n"):
            yield pending
            pending = b""
    if pending:
        yield pending
