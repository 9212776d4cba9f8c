"""Saved searches: a dashboard selection kept under a name, as the query string of its link.

Storing the link's parameters (monitor/selection.py) keeps a relative period relative: "last 7 days" saved
today still means the last 7 days next month. A saved search opens as a link, fills the sidebar, and gives
the Filters of every export (`newsmon export KIND --search NAME`) and alert.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import sqlite_utils

from monitor import queries, selection, store
from monitor.queries import Filters, QueryError
from monitor.selection import Selection

DEFAULT_BASE_URL = "http://localhost:8501"
NAME_MAX = 80


class SearchError(ValueError):
    """A saved search that cannot be stored or used; one line for the analyst."""


def base_url(explicit: str | None = None) -> str:
    """Where the dashboard answers, for the links in messages: --base-url, $NEWSMON_BASE_URL, or localhost:8501."""
    return (explicit or os.environ.get("NEWSMON_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


@dataclass(frozen=True)
class SavedSearch:
    id: int
    name: str
    params: str  # the dashboard link's query string
    created_at: str

    @property
    def selection(self) -> Selection:
        chosen, _ = selection.from_params(parse_qs(self.params, keep_blank_values=False))
        return chosen

    def filters(self, *, now: datetime | None = None, today: date | None = None) -> Filters:
        """The Filters this search means at `now` (relative periods count back from it)."""
        now = now or datetime.now(UTC)
        return self.selection.filters(today=today or now.astimezone(UTC).date(), now=now)

    def link(self, base: str | None = None, page: str = "", **overrides: str) -> str:
        """The dashboard view of this search (`page`: '', 'trends', 'articles'...), with some parameters
        replaced (period=24h, article=ID)."""
        params = parse_qs(self.params)
        for key, value in overrides.items():
            params[key] = [value]
        query = urlencode(params, doseq=True)
        return f"{base_url(base)}/{page}" + (f"?{query}" if query else "")


def params_of(chosen: Selection) -> str:
    """A selection as the query string of its dashboard link (defaults left out)."""
    return urlencode(chosen.params(), doseq=True)


def parse_link(text: str) -> Selection:
    """A pasted dashboard link (or just its query string) as a Selection; malformed parts are an error."""
    text = text.strip()
    query = urlsplit(text).query if "://" in text or text.startswith("/") else text.removeprefix("?")
    params = parse_qs(query)
    unknown = sorted(set(params) - set(selection.SELECTION_PARAMS) - {"db", "article"})
    if unknown:
        raise SearchError(f"the link has parameters that are not filters: {', '.join(unknown)}")
    chosen, problems = selection.from_params(params)
    if problems:
        raise SearchError("; ".join(problems))
    return chosen


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise SearchError("a saved search needs a name")
    if len(name) > NAME_MAX:
        raise SearchError(f"a name has at most {NAME_MAX} characters")
    return name


def save(db: sqlite_utils.Database, name: str, chosen: Selection) -> tuple[SavedSearch, bool]:
    """Save a selection under a name (replacing the search of that name). A full-text query with a syntax
    error is refused here, with how to fix it, rather than failing later in every alert run."""
    name = check_name(name)
    if chosen.query.strip():
        try:
            queries.check_search(db, chosen.query)
        except QueryError as error:
            raise SearchError(str(error)) from None
    search_id, created = store.save_search(db, name, params_of(chosen))
    return get(db, str(search_id)), created


def all_searches(db: sqlite_utils.Database) -> list[SavedSearch]:
    return [SavedSearch(**row) for row in db.query("SELECT * FROM saved_searches ORDER BY name COLLATE NOCASE")]


def get(db: sqlite_utils.Database, key: str) -> SavedSearch:
    """A saved search by name (case-insensitive) or id; SearchError naming the searches there are."""
    rows = list(db.query("SELECT * FROM saved_searches WHERE name = ? COLLATE NOCASE", [key.strip()]))
    if not rows and key.strip().isdigit():
        rows = list(db.query("SELECT * FROM saved_searches WHERE id = ?", [int(key)]))
    if not rows:
        names = ", ".join(search.name for search in all_searches(db)) or "none yet"
        raise SearchError(f"no saved search named {key!r} (saved searches: {names})")
    return SavedSearch(**rows[0])


def remove(db: sqlite_utils.Database, key: str) -> SavedSearch:
    found = get(db, key)
    store.delete_search(db, found.id)
    return found


def describe(chosen: Selection) -> str:
    """A selection in words, for listings and messages (codes, not names: no database needed)."""
    parts = [selection.PERIODS[chosen.period]]
    if chosen.period == "custom":
        parts[0] = f"{chosen.start or 'start'} to {chosen.end or 'now'}"
    names = {"country": "about", "pub": "published in", "topic": "topic", "source": "source", "lang": "language"}
    for key, values in chosen.lists.items():
        if values:
            parts.append(f"{names.get(key, key)} {' or '.join(values)}")
    if chosen.sentiment != selection.SENTIMENT_FULL:
        parts.append(f"sentiment {chosen.sentiment[0]:+.2f} to {chosen.sentiment[1]:+.2f}")
    if chosen.query.strip():
        parts.append(f"matching “{chosen.query.strip()}”")
    return " · ".join(parts)


def narrowed(search: SavedSearch, given: Filters, *, now: datetime | None = None) -> Filters:
    """The search's filters with the parts also given on the command line replaced by them."""
    base = search.filters(now=now)
    changes = {
        name: getattr(given, name)
        for name in Filters.__dataclass_fields__
        if getattr(given, name) not in (None, (), "")
    }
    return replace(base, **changes)
