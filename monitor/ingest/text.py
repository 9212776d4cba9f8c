"""Plain text to one article: text copied from a news site (with its navigation debris) or a simple note.

A scraped page reads top to bottom as: debris (`-`, `- Web Desk`, `- 15 Minutes ago`), the headline, the
byline and date, then the paragraphs. We classify each line of that header block and start the body at the
first line that is neither debris nor byline nor date. A leading `Title:` / `Date:` / `Author:` block is
read as fields.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from monitor.ingest import limits
from monitor.ingest.parsing import Parsed, decode_text, gunzip, language_code
from monitor.models import IngestError, ParsedArticle
from monitor.normalise import clean_text, parse_date

log = logging.getLogger(__name__)

MAX_DATE_LINE = 40  # longer lines are sentences: never read them as dates
MAX_HEADLINE = 250
DEBRIS = re.compile(r"^[-–—•*|·>]+$")
LIST_ITEM = re.compile(r"^[-–—•*]\s+(.*)$")
BYLINE = re.compile(r"^(by|written by|reported by|posted by)\s*:?\s+(.+)$", re.I)
RELATIVE = re.compile(
    r"^(updated\s*:?\s*)?((\d+|an?|one)\s+(sec|second|min|minute|hr|hour|day|week|month|year)s?\s+ago"
    r"|just now|yesterday|today)$",
    re.I,
)
DATE_PREFIX = re.compile(r"^(published|updated|last updated|posted|posted on|date|on)\s*:?\s*", re.I)
FIELD = re.compile(r"^([A-Za-z][A-Za-z _-]{1,20}):\s*(.*)$")
FIELD_NAMES = {
    "title": "title",
    "headline": "title",
    "date": "date",
    "published": "date",
    "published at": "date",
    "pubdate": "date",
    "author": "author",
    "by": "author",
    "byline": "author",
    "source": "source",
    "url": "url",
    "link": "url",
    "language": "language",
    "lang": "language",
}
NAME_LIKE = re.compile(r"^[A-Z][\w'.-]*(\s+[A-Z][\w'.-]*){0,4}$")


@dataclass
class Header:
    """What the lines above the body told us."""

    title: str = ""
    author: str = ""
    date: datetime | None = None
    relative_date: datetime | None = None
    fields: dict[str, str] = field(default_factory=dict)


def parse(data: bytes, *, url: str | None, fetched_at: datetime) -> Parsed:
    """One article from a text file; raises IngestError when the file holds no text."""
    label = url or "text"
    text = clean_text(decode_text(gunzip(data, label))[: limits.MAX_FIELD_CHARS])
    if not text:
        raise IngestError(label, "empty file")
    article = parse_article(text, url=url, fetched_at=fetched_at)
    if article is None:
        raise IngestError(label, "no title or body found in the text")
    parsed = Parsed(kind="text", language=article.language)
    parsed.add(article, "text")
    return parsed


def parse_article(text: str, *, url: str | None, fetched_at: datetime) -> ParsedArticle | None:
    """Headline, byline, date and paragraphs of one article's text; None when nothing is left."""
    lines = [line for line in clean_text(text).split("\n") if line]
    header = Header()
    lines = _read_fields(lines, header, fetched_at)
    start = 0
    if not header.title:
        start = _find_headline(lines, header, fetched_at)
    body_start = _skip_meta(lines, start, header, fetched_at)
    # Bylines and dates above the headline count only when none follow it (nav items look the same).
    if not header.author or not header.date:
        _skip_meta(lines[:start], 0, header, fetched_at, before_headline=True)
    body_lines = [line for line in lines[body_start:] if not DEBRIS.match(line)]
    while body_lines and LIST_ITEM.match(body_lines[-1]):
        body_lines.pop()  # "- Share", "- Related" after the story
    body = "\n".join(body_lines)
    if not header.title and not body:
        return None
    return ParsedArticle(
        title=header.title,
        body=body,
        url=header.fields.get("url") or url,
        author=header.author,
        published_at=header.date or header.relative_date,
        language=language_code(header.fields.get("language")),
        source=header.fields.get("source") or None,
    )


def _read_fields(lines: list[str], header: Header, fetched_at: datetime) -> list[str]:
    """Consume a leading `Key: value` block of known keys; the remaining lines."""
    consumed = 0
    for line in lines:
        match = FIELD.match(line)
        key = FIELD_NAMES.get(match.group(1).strip().lower()) if match else None
        if key is None or not match.group(2).strip():
            break
        header.fields[key] = match.group(2).strip()
        consumed += 1
    fields = header.fields
    header.title = fields.get("title", "")
    header.author = _clean_byline(fields.get("author", ""))
    if fields.get("date"):
        header.date = parse_date(fields["date"], fetched_at)
    return lines[consumed:]


def _find_headline(lines: list[str], header: Header, fetched_at: datetime) -> int:
    """Set header.title to the first line that reads like a headline; the index after it.

    A one-word line ("Home", "World") is a menu entry unless nothing better comes before the body."""
    fallback = None
    for index, line in enumerate(lines):
        if _meta_kind(line, fetched_at) is not None:
            continue
        if _is_paragraph(line):
            break
        if " " not in line:
            fallback = index if fallback is None else fallback
            continue
        header.title = line
        return index + 1
    else:
        index = len(lines)
    if fallback is not None:
        header.title = lines[fallback]
        return fallback + 1
    return 0 if index == len(lines) else index


def _skip_meta(
    lines: list[str], start: int, header: Header, fetched_at: datetime, *, before_headline: bool = False
) -> int:
    """Record bylines and dates from lines[start:] until the first ordinary line; its index."""
    index = start
    while index < len(lines):
        line = lines[index]
        kind = _meta_kind(line, fetched_at)
        if kind is None and not before_headline and _name_before_date(lines, index, fetched_at):
            kind = ("byline", line)
        if kind is None:
            if before_headline:
                index += 1
                continue
            break
        what, value = kind
        if what == "date" and header.date is None:
            header.date = value
        elif what == "relative" and header.relative_date is None:
            header.relative_date = value
        elif what == "byline" and not header.author:
            header.author = _clean_byline(value)
        index += 1
    return index


def _meta_kind(line: str, fetched_at: datetime) -> tuple[str, object] | None:
    """('debris'|'date'|'relative'|'byline', value) for a header line, None for an ordinary line."""
    if DEBRIS.match(line):
        return ("debris", None)
    item = LIST_ITEM.match(line)
    inner = item.group(1).strip() if item else line
    if len(inner) < MAX_DATE_LINE:
        unprefixed = DATE_PREFIX.sub("", inner).replace("|", " ").strip()
        if RELATIVE.match(unprefixed):
            return ("relative", parse_date(unprefixed, now=fetched_at))
        if re.search(r"\d", unprefixed) and (date := parse_date(unprefixed, fetched_at)):
            return ("date", date)
    if (match := BYLINE.match(inner)) and len(inner) < 100:
        return ("byline", match.group(2))
    if item:
        # A list item in the header block that is not a date: a byline, or navigation when it is long.
        return ("byline", inner) if len(inner) < 60 else ("debris", None)
    return None


def _name_before_date(lines: list[str], index: int, fetched_at: datetime) -> bool:
    """A bare `Jane Doe` line directly followed by a date line is a byline."""
    if index + 1 >= len(lines) or not NAME_LIKE.match(lines[index]):
        return False
    following = _meta_kind(lines[index + 1], fetched_at)
    return following is not None and following[0] in ("date", "relative")


def _is_paragraph(line: str) -> bool:
    """A sentence paragraph, not a headline: long, or fairly long and ending like a sentence."""
    return len(line) >= MAX_HEADLINE or (len(line) >= 100 and line.rstrip("\"'”’)").endswith((".", "!", "?")))


def _clean_byline(value: str) -> str:
    value = BYLINE.sub(r"\2", value.strip())
    return value.strip(" -–—|,")
