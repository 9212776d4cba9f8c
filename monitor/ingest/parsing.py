"""What every parser returns, and which parser a blob of bytes needs.

Detection looks at the content first (a feed saved as .txt is still a feed); the file extension and the
HTTP content type only break ties when the content could be read more than one way.
"""

from __future__ import annotations

import csv
import importlib
import json
import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from monitor.ingest import limits
from monitor.models import IngestError, ParsedArticle

log = logging.getLogger(__name__)

KINDS = ("feed", "html", "text", "json", "jsonl", "csv")
UNREADABLE = "not a feed, HTML page, JSON, CSV or text file"
OPML = "an OPML list of feeds, not articles: add its feeds with `newsmon sources import FILE`"
SNIFF_BYTES = 8192

# Column names that make a first line a CSV header (normalised: lower case, no spaces/underscores/dashes).
HEADER_WORDS = {
    "url",
    "link",
    "href",
    "permalink",
    "canonicalurl",
    "guid",
    "title",
    "headline",
    "name",
    "body",
    "text",
    "content",
    "description",
    "article",
    "fulltext",
    "story",
    "summary",
    "date",
    "publishedat",
    "published",
    "pubdate",
    "datetime",
    "createdat",
    "timestamp",
    "time",
    "updated",
    "source",
    "sourcename",
    "publisher",
    "outlet",
    "site",
    "domain",
    "feed",
    "author",
    "byline",
    "creator",
    "authors",
    "language",
    "lang",
    "locale",
}
FEED_ROOTS = {"rss", "feed", "rdf:rdf", "rdf", "channel"}
HTML_TAGS = re.compile(r"<(html|head|body|div|p|article|section|main|span|a|h[1-6]|meta|title|script)\b", re.I)
# kind -> (module in monitor.ingest, function); every function is (data, *, url, fetched_at) -> Parsed.
PARSERS = {
    "feed": ("feeds", "parse"),
    "html": ("pages", "parse"),
    "text": ("text", "parse"),
    "json": ("records", "parse_json"),
    "jsonl": ("records", "parse_jsonl"),
    "csv": ("records", "parse_csv"),
}
EXTENSION_KINDS = {
    "rss": "feed",
    "atom": "feed",
    "xml": "feed",
    "rdf": "feed",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
    "txt": "text",
    "text": "text",
    "md": "text",
    "json": "json",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "csv": "csv",
    "tsv": "csv",
}


@dataclass
class Parsed:
    """The articles found in one input, plus one line per record that had to be skipped."""

    kind: str  # 'feed' | 'html' | 'text' | 'json' | 'jsonl' | 'csv'
    articles: list[ParsedArticle] | Iterator[ParsedArticle] = field(default_factory=list)  # streamed: JSONL
    problems: list[str] = field(default_factory=list)
    title: str | None = None  # feed title / site name when known (used as source name)
    language: str | None = None  # feed-level language when known
    notices: list[str] = field(default_factory=list)  # records kept, but cut to the size caps

    def keep(self, article: ParsedArticle, where: str) -> ParsedArticle | None:
        """The article within the size caps (noting what was cut), or None (noting why) when it is skipped."""
        bounded, skipped, cuts = limits.bound(article)
        if bounded is None:
            self.problems.append(f"{where}: {skipped}, skipped")
        elif cuts:
            self.notices.append(f"{where}: {'; '.join(cuts)}")
        return bounded

    def add(self, article: ParsedArticle, where: str) -> None:
        """Append the article, within the size caps, to a list of articles."""
        if (kept := self.keep(article, where)) is not None:
            self.articles.append(kept)


# ---- helpers shared by the parsers -------------------------------------------------------------


MAX_GUNZIPPED_BYTES = limits.MAX_DOCUMENT_BYTES  # a gzip bomb stops here (JSON Lines are unpacked as read)


def gunzip(data: bytes, name: str = "input") -> bytes:
    """The bytes themselves, or their decompressed form when they are gzip (feeds often arrive so)."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        inflater = zlib.decompressobj(wbits=31)  # 31: expect a gzip header
        inflated = inflater.decompress(data, MAX_GUNZIPPED_BYTES)
    except zlib.error as exc:
        raise IngestError(name, f"gzip data is corrupt: {exc}") from exc
    if inflater.unconsumed_tail:
        raise IngestError(name, f"gzip data unpacks to more than {limits.size(MAX_GUNZIPPED_BYTES)}")
    if not inflater.eof:
        raise IngestError(name, "gzip data is corrupt: the file is truncated")
    return inflated


def blank(data: bytes) -> bool:
    """Empty or only whitespace (without copying a large input as data.strip() would)."""
    return not data or data.isspace()


def decode_text(data: bytes) -> str:
    """Text of a file that declares no encoding: UTF-8 (with or without BOM, or UTF-16 with a BOM),
    falling back to cp1252 and then latin-1, which cover most Western office exports."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def language_code(value: str | None) -> str | None:
    """Two-letter language code from 'en-US', 'en_GB', 'EN' ...; None when there is none."""
    if not value:
        return None
    code = re.split(r"[-_ ]", str(value).strip(), maxsplit=1)[0].lower()
    return code[:2] if len(code) >= 2 and code[:2].isalpha() else None


def _is_binary(data: bytes) -> bool:
    """Control bytes other than whitespace (NUL above all) mean this is no text format we read."""
    sample = data[:SNIFF_BYTES]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False  # UTF-16 text is full of NULs
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(2, len(sample) // 100)


def _root_tag(head: str) -> str | None:
    """Name of the first element, skipping the XML prolog, comments, doctype and processing instructions."""
    text = head.lstrip()
    while text.startswith("<?") or text.startswith("<!"):
        if text.startswith("<!--"):
            end = text.find("-->")
            text = text[end + 3 :] if end >= 0 else ""
        elif text[:9].lower() == "<!doctype":
            if text[9:].lstrip().lower().startswith("html"):
                return "html"
            end = text.find(">")
            text = text[end + 1 :] if end >= 0 else ""
        else:
            end = text.find(">")
            text = text[end + 1 :] if end >= 0 else ""
        text = text.lstrip()
    match = re.match(r"<([A-Za-z][\w:.-]*)", text)
    return match.group(1).lower() if match else None


def _hint(name: str | None, content_type: str | None) -> str | None:
    """Kind suggested by the content type or the extension; only used to break ties."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype:
        if "json" in ctype:
            if "feed+json" in ctype:
                return "feed"
            return "jsonl" if "ndjson" in ctype or "jsonl" in ctype else "json"
        if any(word in ctype for word in ("rss", "atom", "rdf", "xml")) and "html" not in ctype:
            return "feed"
        if "html" in ctype:
            return "html"
        if "csv" in ctype or "tab-separated" in ctype:
            return "csv"
    if name:
        path = re.split(r"[?#]", name, maxsplit=1)[0].lower()
        if path.endswith(".gz"):
            path = path[:-3]
        extension = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
        return EXTENSION_KINDS.get(extension)
    return None


JSON_FEED_VERSION = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/', re.I)


def _json_kind(text: str, hint: str | None = None) -> str:
    """feed, json or jsonl, without parsing a large document in full (the parser does that once).
    A name or content type saying JSON Lines is believed: its first line may be the broken one."""
    stripped = text.strip()
    if hint == "jsonl":
        return "jsonl"
    if stripped.startswith("["):
        return "json"
    lines = [line.strip() for line in stripped.splitlines() if line.strip()]
    if len(lines) > 1:
        try:
            first_is_object = isinstance(json.loads(lines[0]), dict)
        except (ValueError, RecursionError):
            first_is_object = False
        objects = sum(1 for line in lines[:50] if line.startswith("{") and line.endswith("}"))
        if first_is_object or objects >= max(2, len(lines[:50]) // 2):
            return "jsonl"
    if JSON_FEED_VERSION.search(stripped):
        return "feed"
    return "json"  # the JSON parser will say where it breaks, if it does


def _csv_header(first_line: str) -> list[str] | None:
    """The header cells when the first line looks like a delimited header row."""
    if not any(d in first_line for d in ",;\t|"):
        return None
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = max(",;\t|", key=first_line.count)
    cells = next(csv.reader([first_line], delimiter=delimiter), [])
    # Header cells are names, not prose: a headline with a comma must not pass for a header.
    if len(cells) < 2 or any(len(cell.split()) > 4 or len(cell) > 40 for cell in cells):
        return None
    return cells


def header_key(cell: str) -> str:
    """A column name reduced for alias matching: 'Published At' and 'published_at' are the same."""
    return re.sub(r"[\s_\-]+", "", cell.strip().strip('"').lower())


def detect_kind(data: bytes, *, name: str | None = None, content_type: str | None = None) -> str:
    """One of KINDS, read from the content; raises IngestError for empty or binary input."""
    label = name or "input"
    data = gunzip(data, label)
    if blank(data):
        raise IngestError(label, "empty file")
    if _is_binary(data):
        raise IngestError(label, UNREADABLE)
    hint = _hint(name, content_type)
    text = decode_text(data[:SNIFF_BYTES]).lstrip("\ufeff \t\r\n")
    head = text[:2048].lower()

    if head.startswith("<"):
        root = _root_tag(head)
        if root == "opml":
            raise IngestError(label, OPML)
        if root in FEED_ROOTS:
            return "feed"
        if root == "html" or HTML_TAGS.search(head):
            return "html"
        if head.startswith("<?xml"):
            return "feed"  # some other XML: feedparser will say whether it is a feed
    if head.startswith(("{", "[")):
        if hint == "jsonl" or head.startswith("["):
            return _json_kind(head, hint)  # decided without decoding a large document
        return _json_kind(decode_text(data), hint)
    if re.search(r"<(rss|feed|rdf:rdf)[\s>]", head):
        return "feed"  # a feed behind some leading junk (a PHP warning, a stray line)
    first_line = text.split("\n", 1)[0].strip()
    cells = _csv_header(first_line)
    if cells and (any(header_key(c) in HEADER_WORDS for c in cells) or hint == "csv"):
        return "csv"
    # Plain text that is mostly markup is an HTML fragment or a page with leading junk.
    if len(HTML_TAGS.findall(text)) >= 5 and text.count("<") > len(text) / 200:
        return "html"
    if hint in ("html", "feed") and "<" in head:
        return hint
    return "text"


def parse_any(
    data: bytes,
    *,
    name: str | None = None,
    content_type: str | None = None,
    url: str | None = None,
    fetched_at: datetime,
) -> Parsed:
    """Detect the kind of `data` and parse it with the matching parser."""
    label = name or url or "input"
    data = gunzip(data, label)
    kind = detect_kind(data, name=name, content_type=content_type)
    log.debug("%s: detected %s", label, kind)
    module_name, function_name = PARSERS[kind]
    # Imported here: the parser modules import this one for Parsed and the helpers.
    parser = getattr(importlib.import_module(f"monitor.ingest.{module_name}"), function_name)
    try:
        return parser(data, url=url, fetched_at=fetched_at)
    except IngestError as exc:
        # Parsers name the input by URL when they know it; the caller's file name reads better.
        if exc.input != label:
            raise IngestError(label, exc.reason) from exc
        raise
