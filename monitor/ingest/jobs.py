"""`newsmon ingest`: read every input, parse it, store its articles, log the run, never stop on bad input."""

from __future__ import annotations

import gzip
import io
import logging
import sys
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, BinaryIO

import sqlite_utils

from monitor import store
from monitor.ingest import limits, records
from monitor.ingest.files import Input, expand_inputs
from monitor.ingest.parsing import Parsed, detect_kind, parse_any
from monitor.ingest.pipeline import store_parsed
from monitor.models import IngestError

if TYPE_CHECKING:  # httpx is loaded only when an input is a URL (a file ingest starts faster)
    from monitor.ingest import http

log = logging.getLogger(__name__)

STREAM_HEAD = 64 * 1024  # bytes read to detect the kind before deciding to stream


@dataclass
class InputOutcome:
    input: str
    kind: str | None = None
    added: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)  # records skipped
    notices: list[str] = field(default_factory=list)  # records kept but cut to the size caps
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
    """Ingest every input; each one's failure is recorded and reported, never raised. Runs left 'running'
    by a killed earlier process are marked interrupted first."""
    store.close_interrupted_runs(db)
    pass_id = uuid.uuid4().hex[:12]
    summary = IngestSummary()
    client = None
    try:
        for item in expand_inputs(arguments):
            if item.kind == "url" and client is None:
                from monitor.ingest import http

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
    saved = store.SaveResult()  # filled batch by batch: true even when the input breaks half-way
    parsed: Parsed | None = None
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
            store_parsed(
                db,
                articles,
                fetched_at=fetched_at,
                source_name=parsed.title if parsed.kind in ("feed", "html") else None,
                default_language=language or parsed.language,
                run_id=run_id,
                result=saved,
            )
        if item.kind == "url":
            http_status = 200
        if saved.added + saved.duplicates == 0 and parsed.kind != "feed":
            detail = f" ({len(parsed.problems)} records skipped)" if parsed.problems else ""
            raise IngestError(item.name, f"no articles found{detail}")
    except IngestError as error:
        outcome.error = error.reason
        http_status = getattr(error, "status", http_status)
    except (OSError, EOFError, zlib.error) as error:  # the input broke while being read (a truncated gzip...)
        outcome.error = f"reading stopped: {error}"
    except Exception as error:  # a bug or an unforeseen input must not stop the other inputs
        log.debug(
            "unexpected error while ingesting %s", item.name, exc_info=True
        )  # the traceback only with -v -v; the reason is reported
        outcome.error = f"unexpected error: {type(error).__name__}: {error}"
    outcome.added, outcome.duplicates = saved.added, saved.duplicates
    if parsed is not None:
        outcome.problems, outcome.notices = list(parsed.problems), list(parsed.notices)
    store.finish_run(
        db,
        run_id,
        status="failed" if outcome.error else "ok",
        fetched=outcome.added + outcome.duplicates + len(outcome.problems),
        added=outcome.added,
        duplicates=outcome.duplicates,
        failed=len(outcome.problems) + (1 if outcome.error else 0),
        http_status=http_status,
        error=outcome.error or ("; ".join([*outcome.problems, *outcome.notices][:20]) or None),
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
        from monitor.ingest import http

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
    """Parse one input, gzip unpacked as it is read. JSON Lines are streamed record by record (each within
    MAX_RECORD_BYTES), so no file is too big for memory; any other kind is one document, read whole up to
    MAX_DOCUMENT_BYTES."""
    stream = _unpacked(stream, item.name)
    try:
        # stdin may be a pipe fed slowly (`tail -f`): take what has arrived instead of waiting for 64 KB.
        head = stream.read1(STREAM_HEAD) if item.kind == "stdin" else stream.read(STREAM_HEAD)
        if head and detect_kind(head, name=item.name, content_type=content_type) == "jsonl":
            return records.stream_jsonl(_joined(head, stream), fetched_at=fetched_at)
        data = head + stream.read(limits.MAX_DOCUMENT_BYTES + 1 - len(head))
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        gzipped = isinstance(stream, gzip.GzipFile)
        raise IngestError(item.name, f"{'gzip data is corrupt' if gzipped else 'unreadable'}: {exc}") from None
    if len(data) > limits.MAX_DOCUMENT_BYTES:
        raise IngestError(
            item.name,
            f"larger than {limits.size(limits.MAX_DOCUMENT_BYTES)} (unpacked), the limit for one feed, page, JSON, "
            "CSV or text document; split it, or give the records as JSON Lines (read one line at a time)",
        )
    return parse_any(data, name=item.name, content_type=content_type, url=url, fetched_at=fetched_at)


def _unpacked(stream: BinaryIO, name: str) -> BinaryIO:
    """The stream itself, or its gzip-decompressed form read as it goes (a gzip bomb is never inflated whole)."""
    peek = getattr(stream, "peek", None)
    magic = peek(2)[:2] if peek else b""
    if not peek:
        magic = stream.read(2)
        stream = _joined(magic, stream)
    return gzip.GzipFile(fileobj=stream, mode="rb") if magic == b"\x1f\x8b" else stream  # type: ignore[return-value]


def _joined(head: bytes, rest: BinaryIO) -> BinaryIO:
    """Bytes already read from a stream, then the rest of it, as one buffered stream (fast readline)."""
    return io.BufferedReader(_Prefixed(head, rest), buffer_size=1 << 16)


class _Prefixed(io.RawIOBase):
    """Bytes already read from a stream, followed by the rest of that stream, as one readable stream."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head = io.BytesIO(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._head.readinto(buffer)
        if count:
            return count
        chunk = getattr(self._rest, "read1", self._rest.read)(len(buffer))  # what has arrived, from a pipe
        buffer[: len(chunk)] = chunk
        return len(chunk)
