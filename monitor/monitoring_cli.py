"""`newsmon searches`, `newsmon alerts` and `newsmon digest`: saved searches, alerts and digests from the
command line (registered on the main app by monitor/cli.py). Like there, commands import the library where
they use it."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor import selection
from monitor.cli import _option, app, fail, open_db
from monitor.filters import FILTER_DIMENSIONS

if TYPE_CHECKING:
    from monitor import alerts

searches_app = typer.Typer(
    rich_markup_mode=None,
    help="Saved searches: a dashboard selection under a name, for links, exports and alerts.",
    no_args_is_help=True,
)
alerts_app = typer.Typer(
    rich_markup_mode=None,
    help="Alerts on saved searches, delivered by e-mail, webhook, Slack... (apprise URLs).",
    no_args_is_help=True,
)
app.add_typer(searches_app, name="searches")
app.add_typer(alerts_app, name="alerts")

BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url", help="The dashboard's address for links (default: $NEWSMON_BASE_URL or localhost:8501)."
    ),
]


# ---- searches -------------------------------------------------------------------------------------------


def searches_add(
    name: str,
    *,
    link: str | None,
    period: str | None,
    from_day: str | None,
    to_day: str | None,
    sentiment_min: float | None,
    sentiment_max: float | None,
    query: str | None,
    **values,
) -> None:
    """Save a selection under a name (or replace the search of that name). Periods stay relative: a search
    saved with --period 7d always means the last 7 days."""
    from monitor import searches
    from monitor.searches import SearchError
    from monitor.selection import Selection

    db = open_db()
    try:
        chosen = searches.parse_link(link) if link else Selection()
        params = {key: value if isinstance(value, list) else [value] for key, value in chosen.params().items()}
        if period:
            params["period"] = [period]
        if from_day or to_day:
            params["period"] = ["custom"]
            params.update({key: [value] for key, value in (("from", from_day), ("to", to_day)) if value})
        for dimension in FILTER_DIMENSIONS:
            if given := values.get(dimension.name):
                params[dimension.param] = list(given)
                for alias in dimension.aliases:
                    params.pop(alias, None)
        if sentiment_min is not None or sentiment_max is not None:
            low = -1.0 if sentiment_min is None else sentiment_min
            high = 1.0 if sentiment_max is None else sentiment_max
            params["sent"] = [f"{low:g},{high:g}"]
        if query is not None:
            params["q"] = [query]
        chosen, problems = selection.from_params(params)
        if problems:
            raise SearchError("; ".join(problems))
        saved, created = searches.save(db, name, chosen)
    except SearchError as error:
        fail(str(error), code=2)
    typer.echo(f"{'saved' if created else 'replaced'} search {saved.name!r}: {searches.describe(saved.selection)}")
    typer.echo(f"    {saved.link()}")


# The filter options come from the registry of dimensions (monitor/filters.py), like `newsmon export`'s.
searches_add.__signature__ = inspect.Signature(
    [
        inspect.Parameter("name", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=Annotated[str, typer.Argument(help="A name for the search.")]),
        _option("link", Annotated[str | None, typer.Option(
            help="A dashboard link (or its ?query) to save as it is; the options below change it.")]),
        _option("period", Annotated[str | None, typer.Option(
            help=f"Relative period: {', '.join(p for p in selection.PERIODS if p != 'custom')}.")]),
        _option("from_day", Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]),
        _option("to_day", Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD), included.")]),
        *[
            _option(dimension.name, Annotated[list[str] | None, typer.Option(
                dimension.option, help=f"Only articles with this {dimension.meaning}; repeat for several.")])
            for dimension in FILTER_DIMENSIONS
        ],
        _option("sentiment_min", Annotated[float | None, typer.Option(min=-1, max=1, help="Lowest sentiment.")]),
        _option("sentiment_max", Annotated[float | None, typer.Option(min=-1, max=1, help="Highest sentiment.")]),
        _option("query", Annotated[str | None, typer.Option(help="Full-text query (FTS5 syntax).")]),
    ]
)  # fmt: skip
searches_app.command("add")(searches_add)


@searches_app.command("list")
def searches_list(base_url: BaseUrl = None) -> None:
    """Every saved search with what it selects and its link."""
    from monitor import searches

    found = searches.all_searches(open_db())
    if not found:
        typer.echo("no saved searches yet: `newsmon searches add NAME --period 7d --country PK` or the dashboard")
        return
    for saved in found:
        typer.echo(f"{saved.name}: {searches.describe(saved.selection)}\n    {saved.link(base_url)}")


@searches_app.command("show")
def searches_show(name: Annotated[str, typer.Argument(help="Name or id.")], base_url: BaseUrl = None) -> None:
    """One saved search: what it selects now, its link, and its alerts."""
    from monitor import alerts, searches

    db = open_db()
    try:
        saved = searches.get(db, name)
    except searches.SearchError as error:
        fail(str(error), code=2)
    filters = saved.filters()
    typer.echo(f"{saved.name} (saved {saved.created_at})")
    typer.echo(f"    selects: {searches.describe(saved.selection)}")
    if filters.since or filters.until:
        since = filters.since.strftime("%Y-%m-%d %H:%M") if filters.since else "the start"
        until = filters.until.strftime("%Y-%m-%d %H:%M") if filters.until else "now"
        typer.echo(f"    today that is: {since} to {until} UTC")
    typer.echo(f"    link: {saved.link(base_url)}")
    typer.echo(f"    export: newsmon export articles --search {_quoted(saved.name)} -o articles.csv")
    for alert in alerts.all_alerts(db):
        if alert.search.id == saved.id:
            typer.echo(f"    alert {alert.name!r}: {alerts.KINDS[alert.kind].lower()}, {alert.describe()}")


def _quoted(text: str) -> str:
    return text if text.replace("-", "").replace("_", "").isalnum() else f"'{text}'"


@searches_app.command("remove")
def searches_remove(name: Annotated[str, typer.Argument(help="Name or id.")]) -> None:
    """Remove a saved search and its alerts."""
    from monitor import searches

    try:
        removed = searches.remove(open_db(), name)
    except searches.SearchError as error:
        fail(str(error), code=2)
    typer.echo(f"removed search {removed.name!r} (and its alerts)")


# ---- alerts ---------------------------------------------------------------------------------------------


@alerts_app.command("add")
def alerts_add(
    name: Annotated[str, typer.Argument(help="A name for the alert.")],
    search: Annotated[str, typer.Option(help="The saved search it watches (name or id).")],
    notify: Annotated[
        list[str],
        typer.Option(help="Where to send it: an apprise URL (mailto://, json://, slack://...); repeat for several."),
    ],
    kind: Annotated[str, typer.Option(help="new_articles, volume_spike, sentiment_shift or digest.")] = "new_articles",
    every: Annotated[
        str | None,
        typer.Option(help="At most one message per this interval (30m, 6h, 1d) [new: 1h, spike/shift: 6h]."),
    ] = None,
    window_hours: Annotated[int | None, typer.Option(help="Spike/shift: the recent window in hours [24].")] = None,
    baseline_days: Annotated[
        int | None, typer.Option(help="Spike/shift: days before it for the baseline [28].")
    ] = None,
    p_value: Annotated[float | None, typer.Option(help="Spike/shift: significance level [0.001 / 0.01].")] = None,
    min_count: Annotated[int | None, typer.Option(help="Spike: fewest articles in the window [5].")] = None,
    min_scored: Annotated[int | None, typer.Option(help="Shift: fewest scored articles [20].")] = None,
    min_shift: Annotated[float | None, typer.Option(help="Shift: smallest change of mean tone [0.1].")] = None,
    period: Annotated[str | None, typer.Option(help="Digest: daily or weekly [daily].")] = None,
) -> None:
    """Set an alert on a saved search (or change the alert of that name). It starts from the newest article."""
    from monitor import alerts, sources

    db = open_db()
    try:
        every_seconds = sources.parse_every(every) if every else None
        settings = {
            "window_hours": window_hours, "baseline_days": baseline_days, "p_value": p_value,
            "min_count": min_count, "min_scored": min_scored, "min_shift": min_shift, "period": period,
        }  # fmt: skip
        alert, created = alerts.add(db, name, search, kind, notify, every_seconds=every_seconds, **settings)
    except (alerts.AlertError, ValueError) as error:
        fail(str(error), code=2)
    typer.echo(f"{'added' if created else 'changed'} alert {alert.name!r} on {alert.search.name!r}: {alert.describe()}")
    typer.echo("    `newsmon alerts test " + _quoted(alert.name) + "` sends a test message now")


@alerts_app.command("list")
def alerts_list() -> None:
    """Every alert: its search, what it watches for, where it goes, when it last fired."""
    from monitor import alerts, sources

    found = alerts.all_alerts(open_db())
    if not found:
        typer.echo("no alerts yet: `newsmon alerts add NAME --search SEARCH --notify URL`")
        return
    from monitor import delivery

    for alert in found:
        state = "" if alert.enabled else " (disabled)"
        typer.echo(f"{alert.name}{state}: {alerts.KINDS[alert.kind].lower()} on {alert.search.name!r}")
        every = sources.format_every(alert.every_seconds) if alert.every_seconds else None
        typer.echo(f"    {alert.describe()}" + (f"; at most one message every {every}" if every else ""))
        typer.echo(f"    to: {', '.join(delivery.masked(target) for target in alert.targets)}")
        typer.echo(f"    last checked {alert.last_checked_at or 'never'}, last fired {alert.last_fired_at or 'never'}")
        if alert.last_error:
            typer.echo(f"    last error: {alert.last_error}")


@alerts_app.command("remove")
def alerts_remove(name: Annotated[str, typer.Argument(help="Name or id.")]) -> None:
    """Remove an alert and its history."""
    from monitor import alerts

    try:
        removed = alerts.remove(open_db(), name)
    except alerts.AlertError as error:
        fail(str(error), code=2)
    typer.echo(f"removed alert {removed.name!r}")


@alerts_app.command("run")
def alerts_run(
    name: Annotated[list[str] | None, typer.Argument(help="Only these alerts (default: every enabled one).")] = None,
    force: Annotated[bool, typer.Option(help="Check now, even within an alert's interval.")] = False,
    base_url: BaseUrl = None,
) -> None:
    """Evaluate the alerts and deliver what fired, retrying earlier failed deliveries that are due
    (cron-friendly: `*/10 * * * * newsmon fetch; newsmon alerts run`). Exit 1 when a delivery or alert failed."""
    from monitor import alerts

    db = open_db()
    try:
        summary = alerts.run_all(db, only=name, force=force, base_url=base_url)
    except alerts.AlertError as error:
        fail(str(error), code=2)
    _print_alerts(summary)
    raise typer.Exit(1 if summary.failed or summary.errors else 0)


def _print_alerts(summary: alerts.RunSummary) -> None:
    for _alert, title in summary.fired:
        typer.echo(f"fired: {title}")
    for alert, reason in summary.errors:
        typer.echo(f"alert failed: {alert}: {reason}", err=True)
    for alert, target, reason in summary.failed:
        typer.echo(f"not delivered: {alert} to {target}: {reason} (retried later)", err=True)
    typer.echo(
        f"alerts checked: {summary.checked}, fired: {len(summary.fired)}, messages sent: {summary.sent}, "
        f"not delivered: {len(summary.failed)}"
    )


def run_after_pass(db, base_url: str | None = None) -> None:
    """The scheduler's hook: evaluate the alerts after a fetch pass; nothing here may stop the scheduler."""
    from monitor import alerts

    try:
        summary = alerts.run_all(db, base_url=base_url)
    except Exception as error:  # noqa: BLE001
        typer.echo(f"alerts: {type(error).__name__}: {error}", err=True)
        return
    if summary.fired or summary.failed or summary.errors:
        _print_alerts(summary)


@alerts_app.command("test")
def alerts_test(name: Annotated[str, typer.Argument(help="Name or id.")], base_url: BaseUrl = None) -> None:
    """Send a test message to each of an alert's targets now, and say whether it arrived."""
    from monitor import alerts

    try:
        results = alerts.send_test(open_db(), name, base_url=base_url)
    except alerts.AlertError as error:
        fail(str(error), code=2)
    for target, error in results:
        typer.echo(f"{'sent' if error is None else 'failed'}: {target}" + (f": {error}" if error else ""))
    raise typer.Exit(1 if any(error for _, error in results) else 0)


@alerts_app.command("history")
def alerts_history(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many firings.")] = 20,
) -> None:
    """The latest firings, newest first: what, why, and whether each message was delivered."""
    from monitor import alerts

    rows = alerts.history(open_db(), limit=limit)
    if not rows:
        typer.echo("no alert has fired yet")
    for row in rows:
        state = f"sent {row['sent']}" + (f", waiting {row['pending']}" if row["pending"] else "")
        state += f", failed {row['failed']}" if row["failed"] else ""
        typer.echo(f"{row['fired_at']}  {row['title']}  [{state}]\n    why: {row['reason']}\n    {row['link']}")
        if row["last_error"]:
            typer.echo(f"    delivery error: {row['last_error']}")


@alerts_app.command("retry")
def alerts_retry() -> None:
    """Retry every delivery not sent yet (failed or waiting for its back-off) now."""
    from monitor import alerts

    db = open_db()
    count = alerts.retry_failed(db)
    summary = alerts.deliver_due(db)
    typer.echo(f"retried {count} deliveries: sent {summary.sent}, still failing {len(summary.failed)}")
    for alert, target, reason in summary.failed:
        typer.echo(f"not delivered: {alert} to {target}: {reason}", err=True)
    raise typer.Exit(1 if summary.failed else 0)


# ---- digest ---------------------------------------------------------------------------------------------


@app.command("digest")
def digest_command(
    search: Annotated[str, typer.Argument(help="Saved search (name or id).")],
    since: Annotated[
        str | None, typer.Option(help="From (a date or '7 days ago'; default: the search's period).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Up to (default: now).")] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="digest.html, or digest.md (Markdown; the chart beside it).")
    ] = Path("digest.html"),
    base_url: BaseUrl = None,
) -> None:
    """Write a digest of a saved search: headline figures with their change, top stories with links, rising
    keywords, a volume chart and the data-quality line."""
    from monitor import digest, searches
    from monitor.queries import QueryError, parse_when
    from monitor.searches import SearchError

    db = open_db()
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        saved = searches.get(db, search)
        filters = saved.filters(now=now)
        start = parse_when(since) if since else filters.since
        end = parse_when(until, end_of_day=True) if until else (filters.until or now)
        made = digest.build(db, saved, since=start, until=end, now=now, base_url=base_url)
    except (SearchError, QueryError) as error:
        fail(str(error), code=2)
    written = digest.write(made, output)
    typer.echo(f"wrote the digest of {saved.name!r} ({made.figures['articles'].value or 0} articles) to "
               + ", ".join(str(path) for path in written))  # fmt: skip
