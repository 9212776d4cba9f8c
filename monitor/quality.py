"""Data quality of a selection: what a chart cannot show by itself.

The share of articles with an inferred date (no date in the input), not scored for tone (not English), with
no country or no topic; sources failing or silent for longer than usual; days with unusually low volume. So a
dip in a chart can be told apart from a dead feed. Shown next to the trends, in digests and in the export
manifest.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import sqlite_utils

from monitor import sources, trends
from monitor.queries import Filters, rollup_for, selection_rows
from monitor.stats import poisson_lower

USUAL_DAYS = 28  # a source's usual pace: its articles over this many days
SILENT_P = 0.001  # silent: no article for so long that a source at its usual pace would do it less often
MIN_USUAL = 5  # ... counted only for sources with at least this many articles in USUAL_DAYS
LOW_DAY_P = 0.001  # a low day: Poisson p below this against the median day ...
LOW_DAY_SHARE = 0.5  # ... and fewer than half its articles
MIN_MEDIAN = 5  # no low days in a selection whose median day has fewer articles


@dataclass(frozen=True)
class SilentSource:
    name: str
    newest: str | None  # newest article (ISO UTC)
    silent_hours: float
    usual_per_day: float


@dataclass(frozen=True)
class LowDay:
    day: str
    articles: int
    median: float
    p_value: float


@dataclass(frozen=True)
class Quality:
    articles: int
    date_inferred: int
    not_scored: int
    no_country: int
    no_topic: int
    failing_sources: list[tuple[str, str]] = field(default_factory=list)  # (name, state: failing or paused, error)
    silent_sources: list[SilentSource] = field(default_factory=list)
    low_days: list[LowDay] = field(default_factory=list)

    def share(self, part: int) -> float | None:
        return part / self.articles if self.articles else None

    def shares(self) -> dict[str, float | None]:
        return {
            "date_inferred": self.share(self.date_inferred),
            "not_scored": self.share(self.not_scored),
            "no_country": self.share(self.no_country),
            "no_topic": self.share(self.no_topic),
        }

    def line(self) -> str:
        """The facts in one sentence, for digests and captions."""
        if not self.articles:
            return "Data quality: no articles in the selection."
        shares = self.shares()
        parts = [
            f"{shares['date_inferred']:.0%} of {self.articles:,} articles have an inferred date",
            f"{shares['not_scored']:.0%} are not scored for tone (not English)",
            f"{shares['no_country']:.0%} have no country",
            f"{shares['no_topic']:.0%} no topic",
        ]
        text = "Data quality: " + ", ".join(parts) + "."
        if self.failing_sources:
            names = ", ".join(name for name, _ in self.failing_sources[:5])
            more = f" and {len(self.failing_sources) - 5} more" if len(self.failing_sources) > 5 else ""
            text += f" Sources failing: {names}{more}."
        if self.silent_sources:
            names = ", ".join(f"{s.name} ({s.silent_hours:.0f} h)" for s in self.silent_sources[:5])
            more = f" and {len(self.silent_sources) - 5} more" if len(self.silent_sources) > 5 else ""
            text += f" Silent longer than usual: {names}{more}."
        if self.low_days:
            days = ", ".join(f"{d.day} ({d.articles} vs median {d.median:g})" for d in self.low_days[:5])
            text += f" Unusually low volume on {days}."
        else:
            text += " No day with unusually low volume."
        return text

    def as_dict(self) -> dict:
        """JSON-ready, for the export manifest."""
        data = asdict(self)
        data["shares"] = {key: round(value, 4) if value is not None else None for key, value in self.shares().items()}
        data["failing_sources"] = [{"source": name, "problem": problem} for name, problem in self.failing_sources]
        data["rules"] = {
            "silent": f"no article for longer than a source at its pace over the last {USUAL_DAYS} days would go "
            f"with probability {SILENT_P:g} (Poisson), for sources with at least {MIN_USUAL} articles then",
            "low_day": f"fewer than {LOW_DAY_SHARE:.0%} of the median day's articles and Poisson p under {LOW_DAY_P:g}",
        }
        return data


def check(db: sqlite_utils.Database, filters: Filters, *, now: datetime | None = None) -> Quality:
    """The data quality of a selection (one aggregate over its articles, the rest from the rollups and the
    source health)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    articles, inferred, not_scored, no_country, no_topic = _gaps(db, filters)
    failing, silent = _source_problems(db, filters, now)
    return Quality(articles, inferred, not_scored, no_country, no_topic, failing, silent, _low_days(db, filters, now))


def _gaps(db: sqlite_utils.Database, filters: Filters) -> tuple[int, int, int, int, int]:
    """(articles, inferred date, not scored, no country, no topic) of the selection: from the rollups (the 'gaps'
    dimension) when they answer it, else one aggregate over the selected articles."""
    rollup = rollup_for(filters)
    if rollup is not None:
        rows = rollup.rows("all")
        articles, scored = db.execute(
            f"SELECT coalesce(sum(articles), 0), coalesce(sum(sentiment_n), 0) FROM {rows.sql}", rows.params
        ).fetchone()
        rows = rollup.rows("gaps")
        gaps = dict(db.execute(f"SELECT value, sum(articles) FROM {rows.sql} GROUP BY value", rows.params).fetchall())
        return (
            articles,
            gaps.get("date_inferred", 0),
            articles - scored,
            gaps.get("no_country", 0),
            gaps.get("no_topic", 0),
        )
    return selection_rows(
        db,
        filters,
        """SELECT count(*), coalesce(sum(a.date_inferred), 0), coalesce(sum(a.sentiment IS NULL), 0),
                  coalesce(sum(NOT EXISTS (SELECT 1 FROM article_countries c WHERE c.article_id = a.id)), 0),
                  coalesce(sum(NOT EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id)), 0)
           FROM {facts} WHERE {where}""",
    )[0]


def _source_problems(
    db: sqlite_utils.Database, filters: Filters, now: datetime
) -> tuple[list[tuple[str, str]], list[SilentSource]]:
    wanted = set(filters.sources)
    health = [source for source in sources.list_sources(db, now=now) if not wanted or source.name in wanted]
    failing = [
        (source.name, f"{source.state}: {source.paused_reason or source.last_error or 'failing'}")
        for source in health
        if source.enabled and source.consecutive_failures or source.paused_reason
    ]
    first = (now - timedelta(days=USUAL_DAYS)).date().isoformat()
    usual = {
        name: (articles, first_day)
        for name, articles, first_day in db.execute(
            """SELECT value, sum(articles), min(day) FROM daily_counts
               WHERE dimension = 'source' AND day BETWEEN ? AND ? AND articles > 0 GROUP BY value""",
            [first, now.date().isoformat()],
        )
    }
    silent = []
    for source in health:
        count, first_day = usual.get(source.name, (0, None))
        if not source.enabled or count < MIN_USUAL or not source.newest_article:
            continue
        newest = datetime.fromisoformat(source.newest_article.replace("Z", "+00:00"))
        # Its pace while it was publishing: from its first day in the window to its newest article.
        active_hours = max(
            24.0, (newest - datetime.fromisoformat(first_day).replace(tzinfo=UTC)).total_seconds() / 3600
        )
        per_hour = count / active_hours
        quiet = (now - newest).total_seconds() / 3600
        limit = max(-math.log(SILENT_P) / per_hour, 2 * source.every_seconds / 3600)
        if quiet > limit:
            silent.append(SilentSource(source.name, source.newest_article, quiet, per_hour * 24))
    return failing, silent


def _low_days(db: sqlite_utils.Database, filters: Filters, now: datetime) -> list[LowDay]:
    """Whole days of the selection (today excluded: it is not over) far below its median day."""
    first_data, last_data = trends.date_span(db)
    if first_data is None:
        return []
    start = max(filters.since.astimezone(UTC).date() if filters.since else date.min, date.fromisoformat(first_data))
    end = min(
        filters.until.astimezone(UTC).date() if filters.until else date.max,
        date.fromisoformat(last_data),
        now.date() - timedelta(days=1),
    )
    if end < start:
        return []
    whole = replace(
        filters,
        since=datetime.combine(start, datetime.min.time(), UTC),
        until=datetime.combine(end, datetime.max.time(), UTC).replace(microsecond=0),
    )
    counts = {row["period"]: row["articles"] for row in trends.counts_over_time(db, whole, interval="day")}
    days = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    values = sorted(counts.get(day, 0) for day in days)
    if len(values) < 7:
        return []
    middle = len(values) // 2
    median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    if median < MIN_MEDIAN:
        return []
    low = []
    for day in days:
        articles = counts.get(day, 0)
        p = poisson_lower(articles, median)
        if articles < LOW_DAY_SHARE * median and p < LOW_DAY_P:
            low.append(LowDay(day, articles, median, p))
    return low
