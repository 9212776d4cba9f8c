"""Tabular and JSON exports to articles: JSON (array or wrapped list), JSON Lines and CSV.

Column names vary by tool (`link`, `pubDate`, `byline` ...), so each field has a list of aliases matched
case-insensitively, ignoring spaces, underscores and dashes. One bad record becomes a problem line; the
other records still load.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from monitor.ingest import limits
from monitor.ingest.parsing import Parsed, blank, decode_text, gunzip, header_key, language_code
from monitor.models import IngestError, ParsedArticle
from monitor.normalise import EARLIEST_PLAUSIBLE, clean_text, html_to_text, parse_date

log = logging.getLogger(__name__)

# Aliases in order of preference, as header_key() spells them.
URL_KEYS = ("url", "link", "href", "permalink", "canonicalurl", "articleurl", "weburl", "guid")
TITLE_KEYS = ("title", "headline", "name")
BODY_KEYS = ("body", "text", "content", "article", "fulltext", "story", "articlebody", "maintext")
SUMMARY_KEYS = ("summary", "description", "excerpt", "abstract", "lede", "standfirst")
DATE_KEYS = (
    "publishedat",
    "published",
    "date",
    "pubdate",
    "datepublished",
    "publicationdate",
    "datetime",
    "createdat",
    "created",
    "timestamp",
    "time",
    "updated",
    "updatedat",
    "seendate",
)
SOURCE_KEYS = ("source", "sourcename", "publisher", "outlet", "site", "sitename", "domain", "feed")
AUTHOR_KEYS = ("author", "byline", "creator", "authors", "writer")
LANGUAGE_KEYS = ("language", "lang", "locale")
WRAPPER_KEYS = ("articles", "items", "data", "results", "entries", "posts", "stories", "news", "docs", "hits")
MARKUP = re.compile(r"<[A-Za-z/!][^>]*>|&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I)

# Article bodies easily exceed the csv module's default 128 KiB field limit.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


# ---- JSON ---------------------------------------------------------------------------------------


def parse(data: bytes, *, url: str | None, fetched_at: datetime) -> Parsed:
    """Records in JSON, JSON Lines or CSV, whichever the content is."""
    from monitor.ingest.parsing import detect_kind

    kind = detect_kind(data, name=url)
    parsers = {"jsonl": parse_jsonl, "csv": parse_csv}
    return parsers.get(kind, parse_json)(data, url=url, fetched_at=fetched_at)


def parse_json(data: bytes, *, url: str | None, fetched_at: datetime) -> Parsed:
    """Articles from a JSON array of objects, or an object holding such a list under a usual key."""
    label = url or "JSON"
    text = decode_text(gunzip(data, label))
    if not text.strip():
        raise IngestError(label, "empty file")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(label, f"invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    except RecursionError:
        raise IngestError(label, "invalid JSON: nested too deeply") from None
    del text
    records = _record_list(value, label)
    parsed = Parsed(kind="json")
    _collect(parsed, ((f"record {n}", r) for n, r in enumerate(records, start=1)), fetched_at)
    return parsed


def _record_list(value: object, label: str) -> list:
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        raise IngestError(label, "JSON is neither a list of articles nor an object holding one")
    for holder in (value, *(v for v in value.values() if isinstance(v, dict))):
        lowered = {header_key(k): v for k, v in holder.items()}
        for key in WRAPPER_KEYS:
            if isinstance(lowered.get(key), list):
                return lowered[key]
    if _pick(_keyed(value), TITLE_KEYS + BODY_KEYS):
        return [value]  # a single article object
    keys = ", ".join(list(value)[:12])
    raise IngestError(label, f"JSON object has no list of articles (keys: {keys})")


def parse_jsonl(data: bytes, *, url: str | None, fetched_at: datetime) -> Parsed:
    """Articles from JSON Lines: one object per line; a broken line is reported and skipped."""
    label = url or "JSON Lines"
    data = gunzip(data, label)
    if blank(data):
        raise IngestError(label, "empty file")
    parsed = stream_jsonl(io.BytesIO(data), fetched_at=fetched_at)
    parsed.articles = list(parsed.articles)
    if not parsed.articles and parsed.problems and all(p.endswith(": invalid JSON") for p in parsed.problems):
        raise IngestError(label, f"no line is valid JSON ({len(parsed.problems)} lines)")
    return parsed


def stream_jsonl(stream: BinaryIO, *, fetched_at: datetime) -> Parsed:
    """JSON Lines read lazily: `articles` is a generator that appends each skipped line to `problems` (and
    each cut one to `notices`) as it goes, so a file of any size (or stdin) is ingested in constant memory.
    A line over MAX_RECORD_BYTES is skipped without being held in memory."""
    parsed = Parsed(kind="jsonl")

    def articles() -> Iterator[ParsedArticle]:
        for number, line, length in bounded_lines(stream, limits.MAX_RECORD_BYTES):
            where = f"line {number}"
            if line is None:
                parsed.problems.append(
                    f"{where}: a record of {limits.size(length)}, over the {limits.size(limits.MAX_RECORD_BYTES)} "
                    "limit for one article, skipped"
                )
                continue
            if blank(line):
                continue
            try:
                record = json.loads(line)
            except RecursionError:
                parsed.problems.append(f"{where}: invalid JSON (nested too deeply)")
                continue
            except ValueError:  # JSONDecodeError, and UnicodeDecodeError for bytes in no UTF encoding
                parsed.problems.append(f"{where}: invalid JSON")
                continue
            del line
            if (article := _record(parsed, where, record, fetched_at)) is not None:
                yield article

    parsed.articles = articles()
    return parsed


def bounded_lines(stream: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, line, its length) for each line of a binary stream; the line is None when it is longer
    than `limit` bytes, in which case it is read past in pieces, never held whole."""
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) <= limit or line.endswith(b"\n"):
            yield number, line, len(line)
            continue
        length = len(line)
        del line
        while piece := stream.readline(1 << 20):
            length += len(piece)
            if piece.endswith(b"\n"):
                break
        yield number, None, length


# ---- CSV ----------------------------------------------------------------------------------------


def parse_csv(data: bytes, *, url: str | None, fetched_at: datetime) -> Parsed:
    """Articles from a CSV with a header row; delimiter sniffed, UTF-8 (BOM or not) or cp1252/latin-1."""
    label = url or "CSV"
    text = decode_text(gunzip(data, label))
    if not text.strip():
        raise IngestError(label, "empty file")
    text = text.lstrip("\ufeff\r\n")
    delimiter = _delimiter(text)
    parsed = Parsed(kind="csv")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(reader, [])
        keys = [header_key(cell) for cell in header]
        if not any(k in TITLE_KEYS + BODY_KEYS + SUMMARY_KEYS for k in keys):
            columns = ", ".join(cell.strip() for cell in header) or "none"
            raise IngestError(label, f"CSV has no title or body column (columns: {columns})")
        rows: list[tuple[str, object]] = []
        for number, row in enumerate(reader, start=2):  # row 1 is the header, as in a spreadsheet
            if not any(cell.strip() for cell in row):
                continue
            rows.append((f"row {number}", dict(zip(header, row, strict=False))))
    except csv.Error as exc:
        raise IngestError(label, f"unreadable CSV: {exc}") from exc
    _collect(parsed, rows, fetched_at)
    return parsed


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = text.split("\n", 1)[0]
        return max(",;\t|", key=first.count)


# ---- one record ---------------------------------------------------------------------------------


def _collect(parsed: Parsed, records: Iterable[tuple[str, object]], fetched_at: datetime) -> None:
    for where, record in records:
        if (article := _record(parsed, where, record, fetched_at)) is not None:
            parsed.articles.append(article)


def _record(parsed: Parsed, where: str, record: object, fetched_at: datetime) -> ParsedArticle | None:
    """The article of one record within the size caps, or None with the reason added to parsed.problems."""
    if not isinstance(record, dict):
        parsed.problems.append(f"{where}: not an object")
        return None
    try:
        article = record_article(record, fetched_at=fetched_at)
    except RecursionError:
        parsed.problems.append(f"{where}: a field is nested too deeply")
        return None
    except Exception as exc:  # one strange record must cost that record only
        log.debug("%s: unreadable record", where, exc_info=True)
        parsed.problems.append(f"{where}: unreadable record ({type(exc).__name__})")
        return None
    if article is None:
        parsed.problems.append(f"{where}: no title or body")
        return None
    return parsed.keep(article, where)


def record_article(record: dict, *, fetched_at: datetime) -> ParsedArticle | None:
    """The article in one record (JSON object or CSV row); None when it has neither title nor body."""
    fields = _keyed(record)
    title = _text(_pick(fields, TITLE_KEYS)).replace("\n", " ")
    bodies = [_text(fields.get(key)) for key in BODY_KEYS]
    summaries = [_text(fields.get(key)) for key in SUMMARY_KEYS]
    body = max(bodies, key=len)
    summary = max(summaries, key=len)
    if len(summary) > len(body):
        body, summary = summary, ""  # only a description: it is the body
    if not title and not body:
        return None
    return ParsedArticle(
        title=title,
        body=body,
        url=_url(fields),
        summary=summary if summary != body else "",
        author=_names(_pick(fields, AUTHOR_KEYS)),
        published_at=_date(fields, fetched_at),
        language=language_code(_scalar(_pick(fields, LANGUAGE_KEYS))),
        source=_scalar(_pick(fields, SOURCE_KEYS)) or None,
    )


def _keyed(record: dict) -> dict:
    """Keys reduced for alias matching; the first spelling wins when two reduce alike."""
    fields: dict = {}
    for key, value in record.items():
        fields.setdefault(header_key(str(key)), value)
    return fields


def _pick(fields: dict, keys: tuple[str, ...]) -> object:
    """The first non-empty value among the aliases."""
    for key in keys:
        value = fields.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _scalar(value: object) -> str:
    """A string from a value that may be nested: {"name": ...}, {"rendered": ...} (WordPress), a list."""
    if value is None:
        return ""
    if isinstance(value, dict):
        for key in ("name", "title", "rendered", "text", "value", "href", "url"):
            if value.get(key):
                return _scalar(value[key])
        return ""
    if isinstance(value, list):
        return ", ".join(s for s in (_scalar(v) for v in value) if s)
    return str(value).strip()


def _text(value: object) -> str:
    text = _scalar(value)[: limits.MAX_FIELD_CHARS]  # the article caps apply later; this bounds the work
    return html_to_text(text) if MARKUP.search(text) else clean_text(text)


def _names(value: object) -> str:
    if isinstance(value, str) and re.search(r"\s(and|&)\s|;", value):
        value = re.split(r"\s+(?:and|&)\s+|\s*;\s*", value)
    return clean_text(_scalar(value)).replace("\n", ", ")


def _url(fields: dict) -> str | None:
    for key in URL_KEYS:
        value = _scalar(fields.get(key))
        if value.startswith(("http://", "https://")):
            return value
        if value and key != "guid" and "://" not in value and value.startswith("www."):
            return f"https://{value}"
    return None


def _date(fields: dict, fetched_at: datetime) -> datetime | None:
    for key in DATE_KEYS:
        value = fields.get(key)
        if value in (None, ""):
            continue
        found = _epoch(value) if _is_number(value) else parse_date(_scalar(value), fetched_at)
        if found and EARLIEST_PLAUSIBLE <= found <= fetched_at + timedelta(days=1):
            return found
    return None


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or (isinstance(value, str) and bool(re.fullmatch(r"\d{9,13}(\.\d+)?", value)))


def _epoch(value: object) -> datetime | None:
    """Unix time in seconds or milliseconds (13 digits) as an aware datetime."""
    seconds = float(value)
    if seconds > 1e11:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
