"""Normalisation shared by every input kind: canonical URLs, plain text, content hashes, dates."""

from __future__ import annotations

import email.utils
import hashlib
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the click, never change the article.
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "ref",
    "ref_src",
    "ref_url",
    "cmpid",
    "ncid",
    "ocid",
    "smid",
    "sr_share",
    "share",
    "spm",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "rss",
    "at_medium",
    "at_campaign",
    "taid",
}
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """One spelling per article URL: lower-case scheme and host, no default port, no fragment,
    no tracking parameters, sorted query, no trailing slash on the path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = re.sub(r"/{2,}", "/", parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, path if path != "/" else "", urlencode(sorted(query)), ""))


# Removed from stored text: NUL, the zero-width space, and the bidirectional overrides and isolates
# (U+202A-U+202E, U+2066-U+2069) that can make text display in an order other than the one it is stored in.
INVISIBLE = dict.fromkeys([0x00, 0x200B, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F], " ")


def clean_text(text: str) -> str:
    """Unicode-normalised text with single spaces inside lines and no blank lines (one line per paragraph),
    without NUL, zero-width spaces or bidirectional override characters."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(INVISIBLE)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "section",
    "article",
    "header",
    "footer",
    "figure",
    "figcaption",
    "hr",
    "dd",
    "dt",
}


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (feed summaries), one line per block element; scripts dropped."""
    import lxml.html  # here: lxml is 20-50 ms of the start of a command that reads no HTML

    html = html.translate(CONTROLS)  # lxml refuses text with NUL or other control characters
    if "<" not in html:
        return clean_text(lxml.html.fromstring(f"<p>{html}</p>").text_content() if "&" in html else html)
    try:
        root = lxml.html.fromstring(f"<div>{html}</div>")
    except (lxml.etree.ParserError, ValueError):
        return clean_text(re.sub(r"<[^>]+>", " ", html))
    for bad in root.xpath("//script|//style|//noscript|//iframe"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() == "br":
                continue
            element.text = "\n" + (element.text or "")
    return clean_text(root.text_content())


def fingerprint_text(title: str, body: str) -> str:
    """Text reduced to lower-case words, so markup, spacing and punctuation do not hide a copy."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", f"{title}\n{body}").casefold())
    return " ".join(words)


def content_hash(title: str, body: str) -> str:
    """SHA-1 of the fingerprint: the same article under two URLs or from two feeds has one hash."""
    return hashlib.sha1(fingerprint_text(title, body).encode()).hexdigest()


def content_url(title: str, body: str) -> str:
    """A stable identifier for a record with no URL, derived from its content."""
    return f"urn:newsmon:{content_hash(title, body)[:20]}"


# ---- dates -------------------------------------------------------------------------------------

EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
RELATIVE_WORDS = re.compile(
    r"\b(ago|just now|yesterday|today|an? (minute|hour|day|week)|"
    r"\d+\s*(sec|second|min|minute|hr|hour|day|week|month|year)s?)\b",
    re.I,
)


def to_utc(value: datetime) -> datetime:
    """Aware datetimes are converted; naive ones are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def looks_relative(text: str) -> bool:
    return bool(RELATIVE_WORDS.search(text))


def parse_date(text: str | None, now: datetime | None = None) -> datetime | None:
    """Any common date spelling (ISO 8601, RFC 822, `Nov 06, 2025`, `6 November 2025`, `15 minutes ago`)
    as an aware UTC datetime; None when it is not a date or not a plausible publication time."""
    if not text or not (text := str(text).strip()):
        return None
    now = now or datetime.now(UTC)
    parsed = _parse_fast(text)
    if parsed is None:
        parsed = _parse_dateparser(text, now)
    if parsed is None:
        return None
    parsed = to_utc(parsed)
    # A publication date in the future (beyond clock skew) or before the web is a parsing accident.
    if parsed > now + timedelta(days=1) or parsed < EARLIEST_PLAUSIBLE:
        return None
    return parsed


DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\b(.*)$")


def _parse_fast(text: str) -> datetime | None:
    if match := DOTTED_DATE.match(text):  # 06.11.2025: day first wherever dots are written
        day, month, year, rest = match.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}{rest}"
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    if "," in text[:5] or re.match(r"^\d{1,2} \w{3} \d{4} ", text):
        try:
            return email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    return None


def _parse_dateparser(text: str, now: datetime) -> datetime | None:
    import dateparser  # slow to import; only needed for unusual spellings

    if len(text) > 80:
        return None
    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None) if now.tzinfo else now,
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "STRICT_PARSING": not looks_relative(text),
    }
    try:
        return dateparser.parse(text, settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None


def iso(value: datetime) -> str:
    """ISO-8601 UTC with seconds, e.g. 2025-11-06T00:00:00Z: sorts as text, reads as a date."""
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
