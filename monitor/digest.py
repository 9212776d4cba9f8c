"""Digests: a summary of a saved search over a period, as HTML (self-contained) or Markdown.

Headline figures with their change against the period before, the top stories with links, rising keywords,
a volume chart (PNG drawn by matplotlib's Agg renderer: no browser, no network) and the data-quality line.
Sent by digest alerts (monitor/alerts.py) and written by `newsmon digest SEARCH -o digest.html`.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import sqlite_utils

from monitor import quality, searches, trends
from monitor.delivery import markdown_link, markdown_text
from monitor.queries import FACTS, Filters, run, where_articles
from monitor.searches import SavedSearch

TOP_STORIES = 10
RISING = 10
CONTEXT_DAYS = 28  # the chart shows at least this many days up to the end of the period
FIGURES = (  # key of trends.headline, label, format
    ("articles", "Articles", "{:,.0f}"),
    ("stories", "Stories", "{:,.0f}"),
    ("sources", "Sources", "{:,.0f}"),
    ("countries", "Countries", "{:,.0f}"),
    ("mean_sentiment", "Mean sentiment", "{:+.3f}"),
)


@dataclass(frozen=True)
class TopStory:
    story_id: int
    title: str  # of its newest article in the period
    url: str
    source: str
    articles: int  # in the period
    sources: int
    newest_id: int


@dataclass
class Digest:
    search: SavedSearch
    since: datetime | None
    until: datetime
    figures: dict[str, trends.Figure]
    stories: list[TopStory]
    rising: list[trends.RisingTerm]
    volume: list[tuple[str, int]]  # (day, articles) for the chart
    chart: bytes  # PNG
    quality: quality.Quality
    link: str
    base_url: str | None
    made_at: datetime

    def period_text(self) -> str:
        since = self.since.strftime("%Y-%m-%d %H:%M") if self.since else "the first article"
        return f"{since} to {self.until:%Y-%m-%d %H:%M} UTC"

    def figures_dict(self) -> dict:
        return {key: {"value": f.value, "previous": f.previous} for key, f in self.figures.items()}

    def reader_link(self, story: TopStory) -> str:
        """The story's newest article in the dashboard's reader, within the digest's period."""
        return self.link.replace("/?", "/articles?", 1) + f"&article={story.newest_id}"


def top_stories(db: sqlite_utils.Database, filters: Filters, *, limit: int = TOP_STORIES) -> list[TopStory]:
    """The stories with the most articles in the selection, largest first (wire copies make one story)."""
    where = where_articles(filters)
    rows = run(
        db,
        f"""SELECT coalesce(a.story_id, a.id) AS story, count(*) AS articles, count(DISTINCT a.source) AS sources,
                   max(a.id) AS newest_id FROM {FACTS} WHERE {where.sql}
            GROUP BY story ORDER BY articles DESC, newest_id DESC LIMIT ?""",
        [*where.params, limit],
        filters,
    ).fetchall()
    stories = []
    for story, articles, story_sources, newest_id in rows:
        title, url, source = db.execute("SELECT title, url, source FROM articles WHERE id = ?", [newest_id]).fetchone()
        stories.append(TopStory(story, title, url, source, articles, story_sources, newest_id))
    return stories


def build(
    db: sqlite_utils.Database,
    search: SavedSearch,
    *,
    since: datetime | None,
    until: datetime,
    now: datetime | None = None,
    base_url: str | None = None,
) -> Digest:
    """The digest of a saved search from `since` to `until` (its other filters as saved)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    filters = replace(search.filters(now=now), since=since, until=until)
    figures = _figures(db, filters)
    days = max(1, min(7, round(((until - since).total_seconds() if since else 7 * 86400) / 86400)))
    rising = trends.rising_keywords(
        db, replace(filters, since=None, until=None), now=until, recent_days=days, limit=RISING
    )
    last_day = until.astimezone(UTC).date()
    first_day = min(since.astimezone(UTC).date() if since else last_day, last_day - timedelta(days=CONTEXT_DAYS - 1))
    whole = replace(
        filters,
        since=datetime.combine(first_day, time(), UTC),
        until=datetime.combine(last_day, time(23, 59, 59), UTC),
    )
    counts = {row["period"]: row["articles"] for row in trends.counts_over_time(db, whole, interval="day")}
    volume = [
        ((first_day + timedelta(days=n)).isoformat(), counts.get((first_day + timedelta(days=n)).isoformat(), 0))
        for n in range((last_day - first_day).days + 1)
    ]
    chart = volume_chart(volume, since.astimezone(UTC).date() if since else None, search.name)
    custom = {"period": "custom", "from": (since or whole.since).date().isoformat(), "to": last_day.isoformat()}
    return Digest(
        search=search,
        since=since,
        until=until,
        figures=figures,
        stories=top_stories(db, filters),
        rising=rising,
        volume=volume,
        chart=chart,
        quality=quality.check(db, filters, now=now),
        link=search.link(base_url, "", **custom),
        base_url=base_url,
        made_at=now,
    )


def _figures(db: sqlite_utils.Database, filters: Filters) -> dict[str, trends.Figure]:
    """Headline figures against the window of the same length just before (to the second, not whole days)."""
    current = trends.headline(db, filters)
    if filters.since is None or filters.until is None:
        return {key: trends.Figure(figure.value, None, None) for key, figure in current.items()}
    length = filters.until - filters.since
    before = trends.headline(
        db, replace(filters, since=filters.since - length, until=filters.since - timedelta(seconds=1))
    )
    return {
        key: trends.Figure(
            figure.value,
            before[key].value,
            figure.value - before[key].value if figure.value is not None and before[key].value is not None else None,
        )
        for key, figure in current.items()
    }


def volume_chart(volume: list[tuple[str, int]], period_start: date | None, title: str) -> bytes:
    """Articles per day as a PNG bar chart, the digest's period in a darker colour."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 2.8), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    days = [date.fromisoformat(day) for day, _ in volume]
    colours = ["#1f5fa8" if period_start is None or day >= period_start else "#a9c4e4" for day in days]
    axes.bar(days, [articles for _, articles in volume], color=colours, width=0.8)
    axes.set_title(f"Articles per day: {title}", fontsize=10, loc="left")
    axes.set_ylabel("articles")
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(labelsize=8)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _change(figure: trends.Figure, fmt: str) -> str:
    if figure.value is None or figure.previous is None:
        return ""
    if isinstance(figure.value, float):
        return f"{figure.value - figure.previous:+.3f}"
    if not figure.previous:
        return "new" if figure.value else ""
    return f"{(figure.value - figure.previous) / figure.previous:+.0%} (was {fmt.format(figure.previous)})"


def _value(figure: trends.Figure, fmt: str) -> str:
    return "–" if figure.value is None else fmt.format(figure.value)


def _html_link(text: str, url: str | None) -> str:
    if url and re.match(r"https?://", url, re.IGNORECASE):
        return f"<a href='{html.escape(url)}'>{html.escape(text)}</a>"
    return html.escape(text)


def to_html(digest: Digest) -> str:
    """A self-contained HTML page (the chart inline). Every text from articles and feeds is escaped."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{label}</td><td style='text-align:right'><b>{_value(digest.figures[key], fmt)}</b></td>"
        f"<td style='color:#555'>{e(_change(digest.figures[key], fmt))}</td></tr>"
        for key, label, fmt in FIGURES
    )
    stories = "".join(
        f"<li>{_html_link(story.title, story.url)} — {e(story.source)}"
        + (f" ({story.articles} articles, {story.sources} sources)" if story.articles > 1 else "")
        + f" · <a href='{e(digest.reader_link(story))}'>in newsmon</a></li>"
        for story in digest.stories
    )
    rising = ", ".join(f"{e(term.keyword)} ({term.recent}, ×{term.ratio:.1f})" for term in digest.rising)
    image = base64.b64encode(digest.chart).decode()
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>newsmon digest: {e(digest.search.name)}</title></head>
<body style="font-family: sans-serif; max-width: 820px; margin: auto; color: #222">
<h1 style="font-size: 1.4em">Digest: {e(digest.search.name)}</h1>
<p>Saved search: {e(searches.describe(digest.search.selection))}<br>{e(digest.period_text())}, compared with the
period of the same length before.</p>
<table style="border-collapse: collapse">{rows}</table>
<h2 style="font-size: 1.1em">Top stories</h2>
<ol>{stories or "<li>No articles in this period.</li>"}</ol>
<h2 style="font-size: 1.1em">Rising keywords</h2>
<p>{rising or "None significantly above the 28 days before."}</p>
<h2 style="font-size: 1.1em">Volume</h2>
<img alt="Articles per day" src="data:image/png;base64,{image}" style="max-width: 100%">
<p style="color:#555; font-size: 0.9em">{e(digest.quality.line())}</p>
<p><a href="{e(digest.link)}">Open this view in newsmon</a> · made {digest.made_at:%Y-%m-%d %H:%M} UTC</p>
</body></html>
"""


def to_markdown(digest: Digest, image_name: str = "digest.png") -> str:
    """Markdown with the chart as a separate image file (`image_name`, beside the .md)."""
    m = markdown_text
    lines = [
        f"# Digest: {m(digest.search.name)}",
        "",
        f"Saved search: {m(searches.describe(digest.search.selection))}  ",
        f"{m(digest.period_text())}, compared with the period of the same length before.",
        "",
        "| figure | value | change |",
        "| --- | ---: | --- |",
        *(
            f"| {label} | {_value(digest.figures[key], fmt)} | {m(_change(digest.figures[key], fmt))} |"
            for key, label, fmt in FIGURES
        ),
        "",
        "## Top stories",
        "",
    ]
    for number, story in enumerate(digest.stories, 1):
        copies = f" ({story.articles} articles, {story.sources} sources)" if story.articles > 1 else ""
        lines.append(
            f"{number}. {markdown_link(story.title, story.url)} — {m(story.source)}{copies} · "
            f"[in newsmon]({digest.reader_link(story)})"
        )
    if not digest.stories:
        lines.append("No articles in this period.")
    rising = ", ".join(f"{m(term.keyword)} ({term.recent}, ×{term.ratio:.1f})" for term in digest.rising)
    lines += [
        "",
        "## Rising keywords",
        "",
        rising or "None significantly above the 28 days before.",
        "",
        "## Volume",
        "",
        f"![Articles per day]({image_name})",
        "",
        m(digest.quality.line()),
        "",
        f"[Open this view in newsmon]({digest.link}) · made {digest.made_at:%Y-%m-%d %H:%M} UTC",
        "",
    ]
    return "\n".join(lines)


def write(digest: Digest, output: Path) -> list[Path]:
    """Write the digest as HTML, or as Markdown (.md) with its chart beside it. Returns the files written."""
    if output.suffix.lower() in (".md", ".markdown"):
        image = output.with_suffix(".png")
        image.write_bytes(digest.chart)
        output.write_text(to_markdown(digest, image.name), encoding="utf-8")
        return [output, image]
    output.write_text(to_html(digest), encoding="utf-8")
    return [output]
