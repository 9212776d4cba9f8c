"""Feeds to articles: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed through the json module.

feedparser 6.0 does not read JSON Feed, so that small format is mapped here by hand.
Bytes go to feedparser untouched, so it can honour the encoding the feed declares (windows-1251, latin-1 ...).
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

import feedparser

from monitor.ingest import limits
from monitor.ingest.parsing import Parsed, blank, decode_text, gunzip, language_code
from monitor.models import IngestError, ParsedArticle
from monitor.normalise import EARLIEST_PLAUSIBLE, clean_text, html_to_text, parse_date

log = logging.getLogger(__name__)

# feedparser flags these as "bozo" although the feed itself is fine (they are about HTTP headers).
BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
MARKUP = re.compile(r"<[A-Za-z/!]|&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I)


def parse(data: bytes, *, url: str | None, fetched_at: datetime) -> Parsed:
    """Articles of an RSS, Atom or JSON feed; raises IngestError when nothing feed-like can be read."""
    label = url or "feed"
    data = gunzip(data, label)
    if blank(data):
        raise IngestError(label, "empty file")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return parse_json_feed(data, url=url, fetched_at=fetched_at)

    headers = {"content-location": url} if url else None
    # A BytesIO, never bare bytes: feedparser would try a bytes value as a file name first.
    result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    problem = result.get("bozo_exception")
    if isinstance(problem, BENIGN):
        problem = None
    if not result.entries:
        if problem:
            reason = _one_line(problem) or "unknown error"
            raise IngestError(label, f"feed has no entries and could not be parsed: {reason}")
        if not result.get("version"):
            raise IngestError(label, "not a feed (no RSS, Atom or RDF root element)")
    elif problem:
        log.info("%s: ill-formed feed recovered: %s", label, _one_line(problem))

    feed = result.feed
    feed_language = language_code(feed.get("language") or (feed.get("title_detail") or {}).get("language"))
    parsed = Parsed(
        kind="feed",
        title=_text(feed.get("title", "")) or None,
        language=feed_language,
    )
    for number, entry in enumerate(result.entries, start=1):
        article = _entry_article(entry, feed_url=url, fetched_at=fetched_at, feed_language=feed_language)
        if article is None:
            parsed.problems.append(f"entry {number}: no title or content")
        else:
            parsed.add(article, f"entry {number}")
    return parsed


def _entry_article(entry, *, feed_url: str | None, fetched_at: datetime, feed_language: str | None):
    title = _text(entry.get("title", "")).replace("\n", " ")
    summary = _html(entry.get("summary", ""))
    contents = [_html(c.get("value", "")) for c in entry.get("content", [])]
    body = max([summary, *contents], key=len)
    if not title and not body:
        return None
    link = entry.get("link") or ""
    guid = entry.get("id") or ""
    if not link and guid.startswith(("http://", "https://")):
        link = guid
    details = [entry.get("title_detail") or {}, *entry.get("content", []), entry.get("summary_detail") or {}]
    languages = [entry.get("language"), *(d.get("language") for d in details)]
    entry_language = next((lang for lang in languages if lang), None)
    source = (entry.get("source") or {}).get("title")  # the publisher behind an aggregator's entry
    return ParsedArticle(
        title=title,
        body=body,
        url=urljoin(feed_url or "", link) if link else None,
        summary=summary,
        author=_author(entry),
        published_at=_entry_date(entry, fetched_at),
        language=language_code(entry_language) or feed_language,
        source=_text(source) if source else None,
        extra={key: value for key, value in (("guid", guid), ("tags", _tags(entry))) if value},
    )


def _entry_date(entry, fetched_at: datetime) -> datetime | None:
    # dict.get, not entry.get: feedparser's own get() maps updated<->published with a DeprecationWarning.
    for key in ("published", "updated", "created"):
        struct = dict.get(entry, f"{key}_parsed")
        if struct:
            value = _from_struct(struct)
            if value and EARLIEST_PLAUSIBLE <= value <= fetched_at + timedelta(days=1):
                return value
        if dict.get(entry, key):
            value = parse_date(dict.get(entry, key), now=fetched_at)
            if value:
                return value
    return None


def _from_struct(struct: time.struct_time) -> datetime | None:
    try:
        return datetime(*struct[:6], tzinfo=UTC)  # feedparser normalises to UTC
    except (ValueError, TypeError):
        return None


def _author(entry) -> str:
    names = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
    if not names and entry.get("author"):
        names = [entry.get("author")]
    return ", ".join(dict.fromkeys(clean_text(_text(n)) for n in names if n))


def _tags(entry) -> list[str]:
    return [t.get("term") for t in entry.get("tags", []) if t.get("term")]


def _text(value: str) -> str:
    """Plain text of a title that may carry markup or entities."""
    if not value:
        return ""
    value = value[: limits.MAX_FIELD_CHARS]
    return html_to_text(value) if MARKUP.search(value) else clean_text(value)


def _html(value: object) -> str:
    """Plain text of an entry's HTML, its size bounded first (the article caps apply later)."""
    return html_to_text(str(value or "")[: limits.MAX_FIELD_CHARS])


def _one_line(exc: object) -> str:
    return " ".join(str(exc or "").split())[:300]


# ---- JSON Feed (https://www.jsonfeed.org/version/1.1/) -------------------------------------------


def parse_json_feed(data: bytes, *, url: str | None, fetched_at: datetime) -> Parsed:
    """Articles of a JSON Feed 1.0/1.1 document."""
    label = url or "feed"
    try:
        feed = json.loads(decode_text(data))
    except RecursionError:
        raise IngestError(label, "invalid JSON Feed: nested too deeply") from None
    except ValueError as exc:
        raise IngestError(label, f"invalid JSON Feed: {_one_line(exc)}") from exc
    if not isinstance(feed, dict) or "jsonfeed.org" not in str(feed.get("version", "")):
        raise IngestError(label, "not a JSON Feed (no jsonfeed.org version)")
    items = feed.get("items")
    if not isinstance(items, list):
        raise IngestError(label, "JSON Feed has no items list")
    base = feed.get("feed_url") or url or feed.get("home_page_url") or ""
    feed_language = language_code(feed.get("language"))
    feed_authors = _json_authors(feed)
    parsed = Parsed(kind="feed", title=_text(str(feed.get("title") or "")) or None, language=feed_language)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            parsed.problems.append(f"item {number}: not an object")
            continue
        title = _text(str(item.get("title") or "")).replace("\n", " ")
        summary = _html(item.get("summary"))
        html_body = _html(item.get("content_html"))
        text_body = clean_text(str(item.get("content_text") or "")[: limits.MAX_FIELD_CHARS])
        body = max([text_body, html_body, summary], key=len)
        if not title and not body:
            parsed.problems.append(f"item {number}: no title or content")
            continue
        link = item.get("url") or item.get("external_url") or ""
        published = parse_date(item.get("date_published") or item.get("date_modified"), now=fetched_at)
        parsed.add(
            ParsedArticle(
                title=title,
                body=body,
                url=urljoin(base, str(link)) if link else None,
                summary=summary,
                author=_json_authors(item) or feed_authors,
                published_at=published,
                language=language_code(item.get("language")) or feed_language,
                extra={k: v for k, v in (("guid", str(item.get("id") or "")), ("tags", item.get("tags"))) if v},
            ),
            f"item {number}",
        )
    return parsed


def _json_authors(obj: dict) -> str:
    authors = obj.get("authors") or ([obj["author"]] if obj.get("author") else [])
    names = [a.get("name", "") if isinstance(a, dict) else str(a) for a in authors]
    return ", ".join(n for n in names if n)
