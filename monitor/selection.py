"""The dashboard's selection as URL parameters: what a bookmarked or shared link means.

Pure functions (no Streamlit), so the meaning of a link is tested like any other code:
`?period=30d&country=PK&country=AF&topic=conflict&q=border` ⇄ a `Filters` plus the period preset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from monitor.filters import FILTER_DIMENSIONS, Filters, url_values

# Date presets: label -> length. Day presets are whole UTC days (today included), as the daily rollups count
# them, so a preset view reads the rollups and stays the same all day (a stable cache key).
PERIODS: dict[str, str] = {
    "24h": "Last 24 hours",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "all": "All time",
    "custom": "Custom range",
}
PERIOD_DAYS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_PERIOD = "30d"
SENTIMENT_FULL = (-1.0, 1.0)

# URL parameter -> Filters field for the multi-value filters (older names, such as `pub`, still read).
LIST_PARAMS = {dimension.param: dimension.field for dimension in FILTER_DIMENSIONS}
OLD_PARAMS = tuple(alias for dimension in FILTER_DIMENSIONS for alias in dimension.aliases)

SELECTION_PARAMS = ("period", "from", "to", *LIST_PARAMS, *OLD_PARAMS, "sent", "q")


@dataclass(frozen=True)
class Selection:
    """What the sidebar shows: a period preset (or a custom day range), the list filters, sentiment, query."""

    period: str = DEFAULT_PERIOD
    start: date | None = None  # custom range, inclusive
    end: date | None = None
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)  # URL parameter -> values
    sentiment: tuple[float, float] = SENTIMENT_FULL
    query: str = ""

    def filters(self, *, today: date, now: datetime | None = None) -> Filters:
        """The Filters for this selection, with presets counted back from `today` (and `now` for 24 h)."""
        since = until = None
        if self.period == "24h":
            anchor = (now or datetime.combine(today, time(23, 59, 59), tzinfo=UTC)).replace(
                minute=0, second=0, microsecond=0
            )
            since = anchor - timedelta(hours=23)  # the current hour and the 23 before it
        elif self.period in PERIOD_DAYS:
            since = datetime.combine(today - timedelta(days=PERIOD_DAYS[self.period] - 1), time(), tzinfo=UTC)
        elif self.period == "custom":
            if self.start:
                since = datetime.combine(self.start, time(), tzinfo=UTC)
            if self.end:
                until = datetime.combine(self.end, time(23, 59, 59), tzinfo=UTC)
        return Filters(
            since=since,
            until=until,
            sentiment=None if self.sentiment == SENTIMENT_FULL else self.sentiment,
            query=self.query.strip() or None,
            **{LIST_PARAMS[key]: tuple(values) for key, values in self.lists.items() if values},
        )

    def params(self) -> dict[str, str | list[str]]:
        """URL parameters (defaults left out, so a plain link stays plain)."""
        params: dict[str, str | list[str]] = {}
        if self.period != DEFAULT_PERIOD:
            params["period"] = self.period
        if self.period == "custom":
            if self.start:
                params["from"] = self.start.isoformat()
            if self.end:
                params["to"] = self.end.isoformat()
        for key in LIST_PARAMS:
            if values := self.lists.get(key):
                params[key] = list(values)
        if self.sentiment != SENTIMENT_FULL:
            params["sent"] = f"{self.sentiment[0]:g},{self.sentiment[1]:g}"
        if self.query.strip():
            params["q"] = self.query.strip()
        return params


def from_params(params: Mapping[str, Sequence[str]]) -> tuple[Selection, list[str]]:
    """Read URL parameters (each a list of values); unknown or malformed values are dropped with a note."""
    problems: list[str] = []

    def first(key: str) -> str | None:
        values = params.get(key) or []
        return values[0] if values else None

    period = first("period") or DEFAULT_PERIOD
    if period not in PERIODS:
        problems.append(f"unknown period {period!r}; showing {PERIODS[DEFAULT_PERIOD].lower()}")
        period = DEFAULT_PERIOD
    start, end = _day(first("from"), "from", problems), _day(first("to"), "to", problems)
    if start and end and start > end:
        start, end = end, start
    if (start or end) and period != "custom":
        period = "custom"
    sentiment = SENTIMENT_FULL
    if raw := first("sent"):
        try:
            low, high = (max(-1.0, min(1.0, float(part))) for part in raw.split(","))
            sentiment = (min(low, high), max(low, high))
        except ValueError:
            problems.append(f"sentiment range {raw!r} is not two numbers like -0.5,0.5")
    lists = {dimension.param: tuple(url_values(dimension, params)) for dimension in FILTER_DIMENSIONS}
    return Selection(period, start, end, lists, sentiment, first("q") or ""), problems


def _day(text: str | None, name: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{name}={text!r} is not a date like 2025-11-06")
        return None
