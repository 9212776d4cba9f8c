"""How big one article and one input may be, so that memory stays flat whatever an input holds.

A news article is rarely over 200 KB of text; a record many times that is a dump, a mistake or an attack.
Records are capped before they are parsed (a JSON Lines record too large is skipped unread) and articles
before they are analysed (text beyond the caps is cut, and each cut is reported).
"""

from __future__ import annotations

from dataclasses import replace

from monitor.models import ParsedArticle

MAX_TITLE_CHARS = 1_000
MAX_BODY_CHARS = 200_000
MAX_SUMMARY_CHARS = 20_000
MAX_AUTHOR_CHARS = 1_000
MAX_URL_CHARS = 4_096
# Raw text of one field before markup is removed: HTML is bulkier than its text, but not unboundedly so.
MAX_FIELD_CHARS = 2_000_000
# One record (a JSON Lines line) as bytes: larger ones are skipped without being read into memory.
MAX_RECORD_BYTES = 16 * 1024 * 1024
# One document read whole (a feed, a page, a JSON array, a CSV, a text file), unpacked.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
# One HTML page: the extractor's tree costs many times the page, and no article page comes near this.
MAX_PAGE_BYTES = 10 * 1024 * 1024


def size(n: int) -> str:
    """A byte count for people: 16 MB, 200 KB, 12 bytes."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n} bytes"


def bound(article: ParsedArticle) -> tuple[ParsedArticle | None, str | None, list[str]]:
    """The article within the caps: (article or None when it must be skipped, why it was skipped, what was cut)."""
    if article.url and len(article.url) > MAX_URL_CHARS:
        return None, f"URL longer than {MAX_URL_CHARS:,} characters", []
    cuts: list[str] = []
    changes: dict[str, str] = {}
    for name, cap in (
        ("title", MAX_TITLE_CHARS),
        ("body", MAX_BODY_CHARS),
        ("summary", MAX_SUMMARY_CHARS),
        ("author", MAX_AUTHOR_CHARS),
    ):
        value = getattr(article, name) or ""
        if len(value) > cap:
            changes[name] = value[:cap]
            cuts.append(f"{name} cut to its first {cap:,} characters")
    source = article.source
    if source and len(source) > MAX_AUTHOR_CHARS:
        changes["source"] = source[:MAX_AUTHOR_CHARS]
    return (replace(article, **changes) if changes else article), None, cuts
