"""Managing the source list: schedules in words, health figures, OPML import/export, the starter list.

Reads are plain SQL here; every write goes through monitor.store (add_source and friends).
"""

from __future__ import annotations

import csv
import email.utils
import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils
from lxml import etree

from monitor import config, store
from monitor.models import IngestError
from monitor.normalise import iso

log = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
EVERY_PATTERN = re.compile(r"(?:\d+\s*[smhd]\s*)+|\d+", re.I)
DEFAULT_EVERY = 1800
STARTER_COLUMNS = ("name", "url", "country", "language", "every")


# ---- small parsers -----------------------------------------------------------------------------


def parse_every(text: str | int) -> int:
    """Seconds in a schedule interval: "45" or "90s" (seconds), "30m", "2h", "1d", "1h30m"."""
    value = str(text).strip().lower()
    if not EVERY_PATTERN.fullmatch(value):
        raise ValueError(f"cannot read {str(text)!r} as an interval: use seconds (45, 90s) or 30m, 2h, 1d")
    if value.isdigit():
        seconds = int(value)
    else:
        seconds = sum(int(number) * UNITS[unit] for number, unit in re.findall(r"(\d+)\s*([smhd])", value))
    if seconds <= 0:
        raise ValueError(f"interval {str(text)!r} must be longer than 0 seconds")
    return seconds


def format_every(seconds: int) -> str:
    """The shortest spelling parse_every reads back: 1800 -> "30m", 5400 -> "1h30m", 90 -> "90s"."""
    if seconds % 60:
        return f"{seconds}s"
    parts = []
    for unit in ("d", "h", "m"):
        count, seconds = divmod(seconds, UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def normalise_country(value: str) -> str:
    """ISO 3166 alpha-2 code in upper case ("pk" -> "PK"); ValueError otherwise."""
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError(f"country {value!r} is not a two-letter ISO code such as PK or GB")
    return code


def normalise_language(value: str) -> str:
    """ISO 639-1 code in lower case ("EN", "en-GB" -> "en"); ValueError otherwise."""
    code = re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()
    if not re.fullmatch(r"[a-z]{2}", code):
        raise ValueError(f"language {value!r} is not a two-letter ISO 639-1 code such as en or ur")
    return code


# ---- health ------------------------------------------------------------------------------------


@dataclass
class SourceHealth:
    """One source with its settings, its last fetch and its article figures (`sources list`)."""

    id: int
    name: str
    url: str
    country: str | None
    language: str | None
    enabled: bool
    paused_reason: str | None
    every_seconds: int
    full_text: bool
    last_attempt_at: str | None
    last_success_at: str | None
    last_status: int | None
    last_error: str | None
    consecutive_failures: int
    next_fetch_at: str | None
    articles_24h: int
    articles_total: int
    newest_article: str | None  # latest published_at

    @property
    def state(self) -> str:
        """One word for a listing: paused, disabled, new, failing or ok."""
        if not self.enabled:
            return "paused" if self.paused_reason else "disabled"
        if self.last_attempt_at is None:
            return "new"
        return "failing" if self.consecutive_failures else "ok"


# Each figure is one range over the (source_id, published_at) index per source, never a table scan.
LIST_QUERY = """
SELECT s.id, s.name, s.url, s.country, s.language, s.enabled, s.paused_reason, s.every_seconds, s.full_text,
       s.last_attempt_at, s.last_success_at, s.last_status, s.last_error, s.consecutive_failures,
       s.next_fetch_at,
       (SELECT count(*) FROM articles a WHERE a.source_id = s.id AND a.published_at >= :since) AS articles_24h,
       (SELECT count(*) FROM articles a WHERE a.source_id = s.id) AS articles_total,
       (SELECT max(a.published_at) FROM articles a WHERE a.source_id = s.id) AS newest_article
FROM sources s
ORDER BY lower(s.name), s.id
"""


def list_sources(db: sqlite_utils.Database, now: datetime | None = None) -> list[SourceHealth]:
    """Every source with its health and article figures ("last 24 h" is by publication time)."""
    since = iso((now or store.now_utc()) - timedelta(hours=24))
    health = []
    for row in db.query(LIST_QUERY, {"since": since}):
        row["enabled"], row["full_text"] = bool(row["enabled"]), bool(row["full_text"])
        health.append(SourceHealth(**row))
    return health


def _source_by_url(db: sqlite_utils.Database, url: str) -> dict | None:
    rows = list(db.query("SELECT * FROM sources WHERE url = ?", [url]))
    return rows[0] if rows else None


# ---- OPML --------------------------------------------------------------------------------------


def import_opml(db: sqlite_utils.Database, path_or_bytes: str | Path | bytes) -> tuple[int, int, list[str]]:
    """Add the feeds of an OPML file (<outline xmlUrl=...> at any depth), or update the sources that
    have their URL. Reads the optional attributes country, language, every and fullText.
    Returns (added, updated, problems); raises IngestError when the file is not OPML."""
    label, data = _read_input(path_or_bytes)
    root = _parse_opml(label, data)
    added = updated = 0
    problems: list[str] = []
    seen: set[str] = set()
    outlines = [element for element in root.iter() if _local(element) == "outline"]
    for number, outline in enumerate(outlines, start=1):
        attributes = {key.lower(): (value or "").strip() for key, value in outline.attrib.items()}
        url = attributes.get("xmlurl", "")
        if not url:
            continue  # a folder, or a plain link
        name = attributes.get("title") or attributes.get("text") or None
        where = f"outline {number} ({name or url})"
        if not re.match(r"https?://[^/\s]+", url, re.I):
            problems.append(f"{where}: xmlUrl is not an http(s) URL")
            continue
        if url in seen:
            problems.append(f"{where}: the same xmlUrl appears twice; the first one was used")
            continue
        seen.add(url)
        settings, setting_problems = _outline_settings(attributes)
        problems.extend(f"{where}: {problem}" for problem in setting_problems)
        existing = _source_by_url(db, url)
        store.add_source(db, url, name=name, **settings)
        if existing is None:
            added += 1
        elif _changed(existing, name, settings):
            updated += 1
    if not seen and not problems:
        problems.append("no feeds found (no outline has an xmlUrl)")
    log.info("%s: %d sources added, %d updated, %d problems", label, added, updated, len(problems))
    return added, updated, problems


def _read_input(path_or_bytes: str | Path | bytes) -> tuple[str, bytes]:
    if isinstance(path_or_bytes, bytes):
        return "OPML", path_or_bytes
    path = Path(path_or_bytes)
    try:
        return str(path), path.read_bytes()
    except OSError as exc:
        raise IngestError(str(path), exc.strerror or str(exc)) from None


def _parse_opml(label: str, data: bytes) -> etree._Element:
    if not data.strip():
        raise IngestError(label, "empty file")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise IngestError(label, f"not valid XML: {exc}") from None
    if root is None or _local(root) != "opml":
        tag = _local(root) if root is not None else "none"
        raise IngestError(label, f"not an OPML file (the root element is <{tag}>, not <opml>)")
    if not any(_local(child) == "body" for child in root):
        raise IngestError(label, "not an OPML file (no <body> element)")
    return root


def _local(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return etree.QName(tag).localname.lower()


def _outline_settings(attributes: dict[str, str]) -> tuple[dict, list[str]]:
    settings: dict = {}
    problems: list[str] = []
    for key, normalise in (("country", normalise_country), ("language", normalise_language)):
        if attributes.get(key):
            try:
                settings[key] = normalise(attributes[key])
            except ValueError as exc:
                problems.append(f"{exc}; ignored")
    if attributes.get("every"):
        try:
            settings["every_seconds"] = parse_every(attributes["every"])
        except ValueError as exc:
            problems.append(f"{exc}; ignored")
    if attributes.get("fulltext"):
        settings["full_text"] = attributes["fulltext"].lower() in ("1", "true", "yes")
    return settings, problems


def _changed(existing: dict, name: str | None, settings: dict) -> bool:
    wanted = {"name": name, **settings}
    if "full_text" in wanted:
        wanted["full_text"] = int(wanted["full_text"])
    return any(value is not None and existing[key] != value for key, value in wanted.items())


def export_opml(db: sqlite_utils.Database, now: datetime | None = None) -> str:
    """All sources as OPML 2.0, with country, language, every and fullText attributes so that
    import_opml(export_opml()) restores the same settings."""
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = "newsmon sources"
    etree.SubElement(head, "dateCreated").text = email.utils.format_datetime(now or store.now_utc(), usegmt=True)
    body = etree.SubElement(opml, "body")
    for source in db.query("SELECT * FROM sources ORDER BY lower(name), id"):
        outline = etree.SubElement(body, "outline", type="rss", text=source["name"], title=source["name"])
        outline.set("xmlUrl", source["url"])
        for key in ("country", "language"):
            if source[key]:
                outline.set(key, source[key])
        outline.set("every", format_every(source["every_seconds"]))
        if source["full_text"]:
            outline.set("fullText", "1")
    return etree.tostring(opml, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")


# ---- starter list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StarterSource:
    name: str
    url: str
    country: str
    language: str
    every_seconds: int


def read_starter_sources(path: str | Path = config.STARTER_SOURCES) -> list[StarterSource]:
    """The rows of the starter CSV (name,url,country,language,every), checked; IngestError names the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise IngestError(str(path), exc.strerror or str(exc)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(reader.fieldnames or ()) != STARTER_COLUMNS:
        raise IngestError(str(path), f"the header must be {','.join(STARTER_COLUMNS)}")
    rows = []
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        try:
            if None in row or any(row[column] is None for column in STARTER_COLUMNS):
                raise ValueError("wrong number of columns")
            name, url = row["name"].strip(), row["url"].strip()
            if not name:
                raise ValueError("no name")
            if not re.match(r"https?://[^/\s]+", url):
                raise ValueError(f"{url!r} is not an http(s) URL")
            if url in seen:
                raise ValueError(f"{url} is listed twice")
            seen.add(url)
            rows.append(
                StarterSource(
                    name=name,
                    url=url,
                    country=normalise_country(row["country"]),
                    language=normalise_language(row["language"]),
                    every_seconds=parse_every(row["every"]),
                )
            )
        except ValueError as exc:
            raise IngestError(str(path), f"line {line}: {exc}") from None
    return rows


def load_starter_sources(db: sqlite_utils.Database, path: str | Path = config.STARTER_SOURCES) -> tuple[int, int]:
    """Add the starter sources that are not in the database yet (by URL); sources already there keep
    their settings. Returns (added, existing)."""
    added = existing = 0
    for starter in read_starter_sources(path):
        if _source_by_url(db, starter.url):
            existing += 1
            continue
        store.add_source(
            db,
            starter.url,
            name=starter.name,
            country=starter.country,
            language=starter.language,
            every_seconds=starter.every_seconds,
        )
        added += 1
    return added, existing
