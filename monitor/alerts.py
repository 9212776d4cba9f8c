"""Alerts on saved searches: new matching articles, a volume spike, a sentiment shift, or a digest.

`run` evaluates every enabled alert (after each fetch pass of `watch`, or from `newsmon alerts run`), logs
each firing with what, why, the figures and the articles, and delivers it to the alert's apprise targets,
retrying failed deliveries with back-off. An alert reports only articles newer than the last one it reported
(`reported_up_to`, moved in the firing's transaction), so nothing is sent twice, and sends at most one
message per interval: articles that arrive meanwhile wait for the next one. One broken alert (a search
that no longer parses, say) is recorded on the alert and never stops the others or the scheduler.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

import sqlite_utils

from monitor import delivery, searches, store, trends
from monitor.delivery import markdown_link, markdown_text
from monitor.normalise import iso
from monitor.queries import FACTS, Filters, QueryError, check_search, count_articles, run, where_articles
from monitor.searches import SavedSearch, SearchError
from monitor.stats import normal_two_sided, poisson_upper

log = logging.getLogger(__name__)

KINDS = {
    "new_articles": "New articles",
    "volume_spike": "Volume spike",
    "sentiment_shift": "Sentiment shift",
    "digest": "Digest",
}
# Settings of each kind with their defaults; `every` (the least time between two messages) is apart.
DEFAULTS: dict[str, dict[str, float | int | str]] = {
    "new_articles": {},
    "volume_spike": {"window_hours": 24, "baseline_days": 28, "p_value": 0.001, "min_count": 5},
    "sentiment_shift": {"window_hours": 24, "baseline_days": 28, "p_value": 0.01, "min_scored": 20, "min_shift": 0.1},
    "digest": {"period": "daily"},
}
DEFAULT_EVERY = {"new_articles": 3600, "volume_spike": 6 * 3600, "sentiment_shift": 6 * 3600, "digest": 0}
DIGEST_DAYS = {"daily": 1, "weekly": 7}
CHECK_EVERY = timedelta(minutes=5)  # spike and shift tests at most this often (watch passes come every minute)
MIN_HISTORY_DAYS = 7  # a baseline needs this many days of articles before the window
STORIES_IN_MESSAGE = 10
ARTICLES_READ = 2000  # newest matching articles read to group into stories
RETRY_FIRST = timedelta(minutes=1)  # back-off: 1, 2, 4 ... minutes, at most RETRY_MAX apart
RETRY_MAX = timedelta(hours=6)
ATTEMPTS = 8  # then the delivery is marked failed (shown on the Alerts page; `alerts retry` tries again)


class AlertError(ValueError):
    """An alert that cannot be set as asked; one line for the analyst."""


@dataclass(frozen=True)
class Alert:
    id: int
    name: str
    search: SavedSearch
    kind: str
    settings: dict
    targets: tuple[str, ...]
    every_seconds: int
    enabled: bool
    created_at: str
    last_checked_at: str | None
    last_fired_at: str | None
    reported_up_to: int
    last_error: str | None

    def describe(self) -> str:
        """What the alert watches for, in words."""
        s = self.settings
        if self.kind == "new_articles":
            return "new matching articles, grouped by story"
        if self.kind == "volume_spike":
            return (
                f"articles in the last {_hours(s['window_hours'])} against the {s['baseline_days']} days before: "
                f"Poisson p under {s['p_value']:g} and at least {s['min_count']} articles"
            )
        if self.kind == "sentiment_shift":
            return (
                f"mean tone of the last {_hours(s['window_hours'])} against the {s['baseline_days']} days before: "
                f"a shift of at least {s['min_shift']:g}, z-test p < {s['p_value']:g}, "
                f"at least {s['min_scored']} scored articles"
            )
        return f"{s['period']} digest"


@dataclass
class Firing:
    """What an evaluation found worth a message."""

    kind: str
    title: str
    reason: str
    figures: dict
    articles: list[int]
    link: str
    body: str
    body_format: str = "markdown"
    image: bytes | None = None


@dataclass
class RunSummary:
    checked: int = 0
    fired: list[tuple[str, str]] = field(default_factory=list)  # (alert, title)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (alert, reason)
    sent: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (alert, target shown, reason)


def plural(count: int, noun: str, suffix: str = "s") -> str:
    return (
        f"{count} {noun}"
        if count == 1
        else f"{count} {noun.removesuffix('y') + 'ie' if noun.endswith('y') else noun}{suffix}"
    )


def _hours(hours: float) -> str:
    hours = float(hours)
    return "hour" if hours == 1 else f"{hours / 24:g} days" if hours % 24 == 0 and hours > 24 else f"{hours:g} hours"


# ---- setting alerts -------------------------------------------------------------------------------------


def add(
    db: sqlite_utils.Database,
    name: str,
    search_key: str,
    kind: str,
    targets: list[str],
    *,
    every_seconds: int | None = None,
    **settings,
) -> tuple[Alert, bool]:
    """Set an alert (or change the alert of that name). Every problem is an AlertError here, where it is set:
    an unknown search or kind, a setting out of range, a notification URL apprise cannot use, a search whose
    query has a syntax error. Starts from the newest article: the backlog is not reported."""
    name = " ".join(name.split())
    if not name:
        raise AlertError("an alert needs a name")
    if kind not in KINDS:
        raise AlertError(f"unknown kind {kind!r}: choose {', '.join(KINDS)}")
    try:
        search = searches.get(db, search_key)
        if query := search.filters().query:  # a stored search this version cannot read fails here
            check_search(db, query)
    except (SearchError, QueryError) as error:
        raise AlertError(str(error)) from None
    chosen = _settings(kind, settings)
    try:
        checked = [delivery.check_target(target) for target in targets if target.strip()]
    except delivery.DeliveryError as error:
        raise AlertError(str(error)) from None
    if not checked:
        raise AlertError(f"an alert needs at least one notification URL, like {delivery.EXAMPLES}")
    every = DEFAULT_EVERY[kind] if every_seconds is None else every_seconds
    if every < 0:
        raise AlertError("the interval between messages cannot be negative")
    newest = db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    alert_id, created = store.add_alert(
        db, name=name, search_id=search.id, kind=kind, settings=json.dumps(chosen), targets="\n".join(checked),
        every_seconds=every, reported_up_to=newest,
    )  # fmt: skip
    return get(db, str(alert_id)), created


def _settings(kind: str, given: dict) -> dict:
    defaults = DEFAULTS[kind]
    unknown = sorted(key for key, value in given.items() if value is not None and key not in defaults)
    if unknown:
        raise AlertError(f"a {KINDS[kind].lower()} alert has no setting {', '.join(unknown)}")
    chosen = dict(defaults)
    for key, value in given.items():
        if value is None:
            continue
        chosen[key] = type(defaults[key])(value) if not isinstance(defaults[key], str) else str(value)
    limits = {
        "window_hours": (1, 24 * 7),
        "baseline_days": (7, 365),
        "p_value": (1e-9, 0.1),
        "min_count": (1, 1_000_000),
        "min_scored": (5, 1_000_000),
        "min_shift": (0.01, 2),
    }
    for key, (low, high) in limits.items():
        if key in chosen and not low <= chosen[key] <= high:
            raise AlertError(f"{key.replace('_', ' ')} must be between {low:g} and {high:g}")
    if kind == "digest" and chosen["period"] not in DIGEST_DAYS:
        raise AlertError(f"a digest is {' or '.join(DIGEST_DAYS)}")
    return chosen


QUERY = """SELECT a.*, s.name AS search_name, s.params AS search_params, s.created_at AS search_created_at
           FROM alerts a JOIN saved_searches s ON s.id = a.search_id"""


def _alert(row: dict) -> Alert:
    search = SavedSearch(row["search_id"], row["search_name"], row["search_params"], row["search_created_at"])
    return Alert(
        id=row["id"], name=row["name"], search=search, kind=row["kind"], settings=json.loads(row["settings"]),
        targets=tuple(line for line in row["targets"].splitlines() if line.strip()),
        every_seconds=row["every_seconds"], enabled=bool(row["enabled"]), created_at=row["created_at"],
        last_checked_at=row["last_checked_at"], last_fired_at=row["last_fired_at"],
        reported_up_to=row["reported_up_to"], last_error=row["last_error"],
    )  # fmt: skip


def all_alerts(db: sqlite_utils.Database) -> list[Alert]:
    return [_alert(row) for row in db.query(QUERY + " ORDER BY a.name COLLATE NOCASE")]


def get(db: sqlite_utils.Database, key: str) -> Alert:
    rows = list(db.query(QUERY + " WHERE a.name = ? COLLATE NOCASE", [key.strip()]))
    if not rows and key.strip().isdigit():
        rows = list(db.query(QUERY + " WHERE a.id = ?", [int(key)]))
    if not rows:
        names = ", ".join(alert.name for alert in all_alerts(db)) or "none yet"
        raise AlertError(f"no alert named {key!r} (alerts: {names})")
    return _alert(rows[0])


def remove(db: sqlite_utils.Database, key: str) -> Alert:
    found = get(db, key)
    store.delete_alert(db, found.id)
    return found


# ---- evaluating ------------------------------------------------------------------------------------------


def run_all(
    db: sqlite_utils.Database,
    *,
    now: datetime | None = None,
    base_url: str | None = None,
    only: list[str] | None = None,
    force: bool = False,
    send: Callable[..., str | None] = delivery.send,
) -> RunSummary:
    """Evaluate the enabled alerts (or `only` these), log what fires, then deliver what is due. `force`
    ignores the interval between messages and the pause between checks (not the reported articles)."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    summary = RunSummary()
    chosen = [get(db, key) for key in only] if only else [alert for alert in all_alerts(db) if alert.enabled]
    for alert in chosen:
        if not force and not _due(db, alert, now):
            continue
        summary.checked += 1
        newest = db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
        try:
            firing = evaluate(db, alert, now=now, base_url=base_url, up_to=newest)
        except Exception as error:  # noqa: BLE001 (one broken alert never stops the others or the scheduler)
            reason = str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
            log.warning("alert %s: %s", alert.name, reason)
            summary.errors.append((alert.name, reason))
            store.record_alert_check(db, alert.id, checked_at=iso(now), error=reason)
            continue
        if firing is None:  # a new-articles alert had nothing new up to here: no need to read them again
            mark = newest if alert.kind == "new_articles" else None
            store.record_alert_check(db, alert.id, checked_at=iso(now), error=None, reported_up_to=mark)
            continue
        store.record_firing(
            db, alert.id, fired_at=iso(now), kind=firing.kind, title=firing.title, reason=firing.reason,
            figures=json.dumps(firing.figures), articles=json.dumps(firing.articles), link=firing.link,
            body=firing.body, body_format=firing.body_format, image=firing.image,
            reported_up_to=newest if alert.kind != "digest" else alert.reported_up_to, targets=list(alert.targets),
        )  # fmt: skip
        summary.fired.append((alert.name, firing.title))
    deliver_due(db, now=now, summary=summary, send=send)
    return summary


def _due(db: sqlite_utils.Database, alert: Alert, now: datetime) -> bool:
    """Whether to evaluate now: the interval since the last message has passed, and (except for digests)
    articles arrived since the last report; spike and shift tests run at most every CHECK_EVERY."""
    if alert.last_fired_at and now < _time(alert.last_fired_at) + timedelta(seconds=alert.every_seconds):
        return False
    if alert.kind == "digest":
        days = DIGEST_DAYS[alert.settings["period"]]
        return alert.last_fired_at is None or now >= _time(alert.last_fired_at) + timedelta(days=days)
    if alert.kind != "new_articles" and alert.last_checked_at and now < _time(alert.last_checked_at) + CHECK_EVERY:
        return False
    newest = db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    return newest > alert.reported_up_to


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def evaluate(
    db: sqlite_utils.Database, alert: Alert, *, now: datetime, base_url: str | None = None, up_to: int | None = None
) -> Firing | None:
    """What this alert would say now about the articles up to id `up_to` (all), or None. Raises
    QueryError/SearchError for a broken search."""
    up_to = up_to if up_to is not None else db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    if alert.search.selection.query:
        check_search(db, alert.search.selection.query)
    if alert.kind == "new_articles":
        return _new_articles(db, alert, now, base_url, up_to)
    if alert.kind == "volume_spike":
        return _volume_spike(db, alert, now, base_url, up_to)
    if alert.kind == "sentiment_shift":
        return _sentiment_shift(db, alert, now, base_url, up_to)
    return _digest(db, alert, now, base_url)


@dataclass(frozen=True)
class Story:
    story_id: int
    title: str  # of its newest matching article
    url: str
    source: str
    articles: int  # matching articles in the window
    sources: int
    article_ids: tuple[int, ...]


def stories_of(
    db: sqlite_utils.Database, filters: Filters, *, after_id: int = 0, up_to: int | None = None
) -> tuple[list[Story], int]:
    """The newest matching articles (ids after `after_id`, up to `up_to`) grouped by story, largest first:
    (stories, articles read). 20 wire copies of one report are one story."""
    where = where_articles(filters)
    rows = run(
        db,
        f"""SELECT a.id, a.title, a.url, a.source, coalesce(a.story_id, a.id) FROM articles a
            WHERE {where.sql} AND a.id > ? AND a.id <= ? ORDER BY a.id DESC LIMIT ?""",
        [*where.params, after_id, up_to if up_to is not None else 2**62, ARTICLES_READ],
        filters,
    ).fetchall()
    grouped: dict[int, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[4], []).append(row)
    stories = [
        Story(story_id, members[0][1], members[0][2], members[0][3], len(members),
              len({member[3] for member in members}), tuple(member[0] for member in members))
        for story_id, members in grouped.items()
    ]  # fmt: skip
    stories.sort(key=lambda story: (-story.articles, -max(story.article_ids)))
    return stories, len(rows)


def _stories_markdown(stories: list[Story], search: SavedSearch, base_url: str | None) -> str:
    lines = []
    for story in stories[:STORIES_IN_MESSAGE]:
        copies = f" ({story.articles} articles, {story.sources} sources)" if story.articles > 1 else ""
        reader = search.link(base_url, "articles", article=str(story.article_ids[-1]))
        lines.append(f"- {markdown_link(story.title, story.url)} — {markdown_text(story.source)}"
                     f"{copies} · [in newsmon]({reader})")  # fmt: skip
    if len(stories) > STORIES_IN_MESSAGE:
        lines.append(f"- … and {len(stories) - STORIES_IN_MESSAGE} more stories")
    return "\n".join(lines)


def _message(alert: Alert, firing_reason: str, stories: list[Story], link: str, base_url: str | None) -> str:
    return (
        f"**{markdown_text(alert.name)}** on the saved search **{markdown_text(alert.search.name)}** "
        f"({markdown_text(searches.describe(alert.search.selection))})\n\n"
        f"Why: {markdown_text(firing_reason)}\n\n"
        + (_stories_markdown(stories, alert.search, base_url) + "\n\n" if stories else "")
        + f"Open the view in newsmon: {link}\n"
    )


def _new_articles(db, alert: Alert, now: datetime, base_url: str | None, up_to: int) -> Firing | None:
    filters = alert.search.filters(now=now)
    stories, read = stories_of(db, filters, after_id=alert.reported_up_to, up_to=up_to)
    if not stories:
        return None
    articles = sum(story.articles for story in stories)
    more = "+" if read >= ARTICLES_READ else ""
    reason = (
        f"{plural(articles, 'new article')}{more} in {plural(len(stories), 'story')} match the saved search "
        "since the last message"
    )
    link = alert.search.link(base_url, "articles")
    return Firing(
        kind=alert.kind,
        title=f"{alert.name}: {plural(articles, 'new article')}{more}, {plural(len(stories), 'story')}",
        reason=reason,
        figures={"articles": articles, "stories": len(stories), "capped": bool(more)},
        articles=[article_id for story in stories for article_id in story.article_ids][:500],
        link=link,
        body=_message(alert, reason, stories, link, base_url),
    )


def _windows(db, alert: Alert, now: datetime) -> tuple[Filters, Filters, Filters] | None:
    """(search filters without their period, the recent window, the baseline days), or None when the database
    has too little history for a baseline."""
    search = replace(alert.search.filters(now=now), since=None, until=None)
    start = now - timedelta(hours=float(alert.settings["window_hours"]))
    # The baseline: whole UTC days before the window's first day, so the rollups answer it.
    first = datetime.combine(start.date() - timedelta(days=int(alert.settings["baseline_days"])), time(), UTC)
    last = datetime.combine(start.date() - timedelta(days=1), time(23, 59, 59), UTC)
    span_first, _ = trends.date_span(db)
    if span_first is None or span_first > (start.date() - timedelta(days=MIN_HISTORY_DAYS)).isoformat():
        return None
    return search, replace(search, since=start, until=now), replace(search, since=first, until=last)


def _volume_spike(db, alert: Alert, now: datetime, base_url: str | None, up_to: int) -> Firing | None:
    s = alert.settings
    windows = _windows(db, alert, now)
    if windows is None:
        return None
    _, recent, baseline = windows
    observed = count_articles(db, recent)
    baseline_articles = count_articles(db, baseline)
    window_hours, days = float(s["window_hours"]), int(s["baseline_days"])
    # A baseline with no articles still expects a little (half an article over it), so 0 -> 5 can fire.
    expected = (baseline_articles + 0.5) * window_hours / (days * 24)
    p = poisson_upper(observed, expected)
    if observed < s["min_count"] or observed <= expected or p >= s["p_value"]:
        return None
    reason = (
        f"{observed} articles in the last {_hours(window_hours)} against {expected:.1f} expected from the "
        f"{days} days before ({baseline_articles} articles): Poisson test p = {p:.2g} < {s['p_value']:g}, "
        f"and at least {s['min_count']} articles"
    )
    ratio = observed / expected if expected else math.inf
    return _window_firing(
        db,
        alert,
        recent,
        title=f"{alert.name}: volume spike, {observed} articles in {_hours(window_hours)} ({ratio:.1f}× usual)",
        reason=reason,
        figures={
            "observed": observed,
            "expected": round(expected, 3),
            "baseline_articles": baseline_articles,
            "baseline_days": days,
            "window_hours": window_hours,
            "p_value": p,
        },  # fmt: skip
        base_url=base_url,
        up_to=up_to,
    )


def _sentiment_shift(db, alert: Alert, now: datetime, base_url: str | None, up_to: int) -> Firing | None:
    s = alert.settings
    windows = _windows(db, alert, now)
    if windows is None:
        return None
    _, recent, baseline = windows
    where = where_articles(recent)
    scored, mean, mean_square = run(
        db,
        f"""SELECT count(a.sentiment), avg(a.sentiment), avg(a.sentiment * a.sentiment) FROM {FACTS}
            WHERE {where.sql} AND a.sentiment IS NOT NULL""",
        where.params,
        recent,
    ).fetchone()
    days = trends.counts_over_time(db, baseline)  # from the rollups when the search allows
    base_scored = sum(row["sentiment_n"] for row in days)
    base = sum(row["sentiment_sum"] for row in days) / base_scored if base_scored else None
    if scored < s["min_scored"] or base is None or base_scored < s["min_scored"]:
        return None
    shift = mean - base
    spread = math.sqrt(max(mean_square - mean * mean, 1e-6) * scored / max(scored - 1, 1))
    z = shift / (spread / math.sqrt(scored))
    p = normal_two_sided(z)
    if abs(shift) < s["min_shift"] or p >= s["p_value"]:
        return None
    direction = "more negative" if shift < 0 else "more positive"
    window_hours, days = float(s["window_hours"]), int(s["baseline_days"])
    reason = (
        f"mean tone {mean:+.3f} over {scored} scored articles in the last {_hours(window_hours)} against "
        f"{base:+.3f} over {base_scored} in the {days} days before: {shift:+.3f} ({direction}), z-test "
        f"p = {p:.2g} < {s['p_value']:g}, shift at least {s['min_shift']:g}"
    )
    return _window_firing(
        db,
        alert,
        recent,
        title=f"{alert.name}: tone {direction} ({shift:+.2f} over {scored} articles)",
        reason=reason,
        figures={
            "mean": mean,
            "baseline_mean": base,
            "shift": shift,
            "scored": scored,
            "baseline_scored": base_scored,
            "z": z,
            "p_value": p,
        },  # fmt: skip
        base_url=base_url,
        up_to=up_to,
    )


def _window_firing(
    db, alert: Alert, recent: Filters, *, title: str, reason: str, figures: dict, base_url: str | None, up_to: int
) -> Firing:
    """The firing of a test over the recent window: its stories not reported yet, and a link to the window."""
    stories, _ = stories_of(db, recent, after_id=alert.reported_up_to if alert.last_fired_at else 0, up_to=up_to)
    window_hours = float(alert.settings["window_hours"])
    link = alert.search.link(base_url, "", period="24h" if window_hours <= 24 else "7d")
    return Firing(
        kind=alert.kind,
        title=title,
        reason=reason,
        figures=figures,
        articles=[article_id for story in stories for article_id in story.article_ids][:500],
        link=link,
        body=_message(alert, reason, stories, link, base_url),
    )


def _digest(db, alert: Alert, now: datetime, base_url: str | None) -> Firing | None:
    from monitor import digest

    days = DIGEST_DAYS[alert.settings["period"]]
    made = digest.build(db, alert.search, since=now - timedelta(days=days), until=now, now=now, base_url=base_url)
    articles = plural(made.figures["articles"].value or 0, "article")
    return Firing(
        kind=alert.kind,
        title=f"{alert.name}: {alert.settings['period']} digest, {articles}",
        reason=f"the {alert.settings['period']} digest of the saved search is due",
        figures=made.figures_dict(),
        articles=[story.newest_id for story in made.stories],
        link=made.link,
        body=digest.to_html(made),
        body_format="html",
        image=made.chart,
    )


# ---- delivering ------------------------------------------------------------------------------------------


def deliver_due(
    db: sqlite_utils.Database,
    *,
    now: datetime | None = None,
    summary: RunSummary | None = None,
    send: Callable[..., str | None] = delivery.send,
) -> RunSummary:
    """Try every delivery that is due; a failure is retried after 1, 2, 4 ... minutes (at most 6 h apart),
    and after ATTEMPTS tries marked failed, shown on the Alerts page and in `alerts history`."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    summary = summary or RunSummary()
    due = list(
        db.query(
            """SELECT d.id, d.target, d.attempts, f.title, f.body, f.body_format, f.image, a.name AS alert
               FROM alert_deliveries d JOIN alert_firings f ON f.id = d.firing_id JOIN alerts a ON a.id = f.alert_id
               WHERE d.status IN ('pending', 'retrying') AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?)
               ORDER BY d.id""",
            [iso(now)],
        )
    )
    for row in due:
        error = send(row["target"], title=row["title"], body=row["body"], body_format=row["body_format"],
                     image=row["image"])  # fmt: skip
        if error is None:
            store.record_delivery(db, row["id"], status="sent", attempted_at=iso(now))
            summary.sent += 1
            continue
        attempts = row["attempts"] + 1
        if attempts >= ATTEMPTS:
            store.record_delivery(db, row["id"], status="failed", attempted_at=iso(now), error=error)
        else:
            wait = min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)
            store.record_delivery(
                db, row["id"], status="retrying", attempted_at=iso(now), error=error, next_attempt_at=iso(now + wait)
            )
        summary.failed.append((row["alert"], delivery.masked(row["target"]), error))
    return summary


def retry_failed(db: sqlite_utils.Database) -> int:
    """Make every unsent delivery due now; how many."""
    ids = [row[0] for row in db.execute("SELECT id FROM alert_deliveries WHERE status IN ('failed', 'retrying')")]
    store.retry_deliveries(db, ids)
    return len(ids)


def send_test(db: sqlite_utils.Database, key: str, *, base_url: str | None = None,
              send: Callable[..., str | None] = delivery.send) -> list[tuple[str, str | None]]:  # fmt: skip
    """Send a test message to each target of an alert now: [(target shown, None or why it failed)]."""
    alert = get(db, key)
    link = alert.search.link(base_url)
    body = (
        f"Test message for the alert **{markdown_text(alert.name)}** ({markdown_text(alert.describe())}) "
        f"on the saved search **{markdown_text(alert.search.name)}**. Open it: {link}"
    )
    return [
        (delivery.masked(target), send(target, title=f"newsmon test: {alert.name}", body=body))
        for target in alert.targets
    ]


# ---- history ---------------------------------------------------------------------------------------------


def history(db: sqlite_utils.Database, *, limit: int = 50, alert_id: int | None = None) -> list[dict]:
    """The latest firings, newest first, with their delivery state: rows {id, alert, fired_at, kind, title,
    reason, figures, articles, link, body, body_format, sent, pending, failed, last_error}."""
    where = "WHERE f.alert_id = ?" if alert_id is not None else ""
    params = [alert_id] if alert_id is not None else []
    rows = list(
        db.query(
            f"""SELECT f.id, a.name AS alert, f.fired_at, f.kind, f.title, f.reason, f.figures, f.articles, f.link,
                       f.body, f.body_format,
                       (SELECT count(*) FROM alert_deliveries d WHERE d.firing_id = f.id AND d.status = 'sent') AS sent,
                       (SELECT count(*) FROM alert_deliveries d WHERE d.firing_id = f.id
                          AND d.status IN ('pending', 'retrying')) AS pending,
                       (SELECT count(*) FROM alert_deliveries d WHERE d.firing_id = f.id AND d.status = 'failed')
                          AS failed,
                       (SELECT d.last_error FROM alert_deliveries d WHERE d.firing_id = f.id AND d.status != 'sent'
                          AND d.last_error IS NOT NULL ORDER BY d.id LIMIT 1) AS last_error
                FROM alert_firings f JOIN alerts a ON a.id = f.alert_id {where}
                ORDER BY f.fired_at DESC, f.id DESC LIMIT ?""",
            [*params, limit],
        )
    )
    for row in rows:
        row["figures"] = json.loads(row["figures"])
        row["articles"] = json.loads(row["articles"])
    return rows


def deliveries(db: sqlite_utils.Database, *, unsent_only: bool = False, limit: int = 100) -> list[dict]:
    """Deliveries, newest first: rows {id, alert, title, target, status, attempts, next_attempt_at,
    last_error, sent_at} (target as shown: secrets hidden)."""
    where = "WHERE d.status != 'sent'" if unsent_only else ""
    rows = list(
        db.query(
            f"""SELECT d.id, a.name AS alert, f.title, d.target, d.status, d.attempts, d.next_attempt_at,
                       d.last_error, d.sent_at
                FROM alert_deliveries d JOIN alert_firings f ON f.id = d.firing_id JOIN alerts a ON a.id = f.alert_id
                {where} ORDER BY d.id DESC LIMIT ?""",
            [limit],
        )
    )
    for row in rows:
        row["target"] = delivery.masked(row["target"])
    return rows
