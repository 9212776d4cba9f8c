"""The `newsmon` command line. Each command maps onto one library call; only this module prints.

Commands import the library where they use it: `newsmon --help` and a small command then start in a fraction of
a second instead of loading pandas, openpyxl, httpx and the analysis for every run (bench/cli.py measures it).
"""

from __future__ import annotations

import errno
import inspect
import json
import logging
import os
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from monitor import config, rule_preview, server
from monitor.filters import FILTER_DIMENSIONS

if TYPE_CHECKING:
    from monitor import export, scheduler


class ExportGroup(TyperGroup):
    """`newsmon export`: one command per summary of monitor/export.py, built when `export` runs (the summaries
    load openpyxl and the queries, which `newsmon --help` and the other commands do not need)."""

    def _load(self) -> None:
        if self.commands:
            return
        from monitor import export

        summaries = typer.Typer(rich_markup_mode=None)
        for summary in export.SUMMARIES.values():
            summaries.command(summary.kind, short_help=summary.description)(_export_command(summary))
        self.commands.update(typer.main.get_group(summaries).commands)

    def list_commands(self, ctx) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx, cmd_name: str):
        self._load()
        return super().get_command(ctx, cmd_name)


# rich_markup_mode=None everywhere: click's plain help and errors; rich's formatter adds ~0.25 s to every start.
app = typer.Typer(
    rich_markup_mode=None,
    help="newsmon: news monitoring for analysts. Feeds, pages and files into one SQLite database.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(
    rich_markup_mode=None, help="Manage the feeds and pages that `fetch` and `watch` poll.", no_args_is_help=True
)
export_app = typer.Typer(
    rich_markup_mode=None, cls=ExportGroup, help="Export CSV summaries of the filtered articles.", no_args_is_help=True
)
groups_app = typer.Typer(
    rich_markup_mode=None,
    help="Source groups: named lists of sources, a filter like the others (`--source-group`, the sidebar).",
    no_args_is_help=True,
)
app.add_typer(sources_app, name="sources")
app.add_typer(groups_app, name="groups")
app.add_typer(export_app, name="export")
topics_app = typer.Typer(
    rich_markup_mode=None,
    help="The topic classifier learnt from your articles, and analysts' verdicts on topic tags.",
    no_args_is_help=True,
)
app.add_typer(topics_app, name="topics")

DbOption = Annotated[Path | None, typer.Option("--db", help="Database file (default: $NEWSMON_DB or data/news.db).")]


class State:
    db_path: Path | None = None
    lean_start = False  # set by main(): this process is the `newsmon` command, not a library user


def open_db(*, create: bool = False):
    """The database. Only commands that add data may create it: a read command on a mistyped --db would
    otherwise make an empty database and report nothing."""
    from monitor import store

    path = config.db_path(State.db_path)
    if not create and str(path) != ":memory:" and not path.exists():
        fail(f"no database at {path} (check --db or NEWSMON_DB; `newsmon init` creates one)", code=2)
    try:
        return store.open_db(path)
    except (store.StoreError, OSError, sqlite3.Error) as error:
        fail(f"cannot open the database {path}: {error}", code=2)


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def refuse_demo(db) -> None:
    """Real articles never go into a demo database: its articles are generated (`newsmon demo`)."""
    from monitor import store

    if store.is_demo(db):
        fail(
            f"{config.db_path(State.db_path)} holds generated demo articles; "
            "ingest into your real database (--db or NEWSMON_DB)",
            code=2,
        )


def require_rules() -> None:
    """Stop before any work when a rule file is broken: every stored article must be analysed."""
    from monitor.analysis.article import RulesError, check_rules

    try:
        check_rules()
    except RulesError as error:
        fail(str(error), code=2)


@app.callback()
def main_options(
    db: DbOption = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Log what happens to stderr (-v -v: debug).")
    ] = 0,
) -> None:
    State.db_path = db
    if State.lean_start:  # before the command body imports the library (after --help, which needs none of it)
        _import_sqlite_utils_without_pandas()
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@app.command()
def init(
    starter: Annotated[bool, typer.Option(help="Load the starter sources when the database has none.")] = True,
) -> None:
    """Create (or migrate) the database; on a database with no sources, load the starter list."""
    from monitor import sources, store

    db = open_db(create=True)
    count = db["sources"].count
    typer.echo(f"database: {config.db_path(State.db_path)} (schema version {store.VERSION})")
    if starter and count == 0:
        added, _ = sources.load_starter_sources(db)
        typer.echo(f"loaded {added} starter sources from {config.STARTER_SOURCES.name}")
    else:
        typer.echo(f"{count} sources, {db['articles'].count} articles")


@app.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files, directories, globs, http(s) URLs, or - for JSONL.")],
    source: Annotated[str | None, typer.Option(help="Source name for every article (overrides the input's).")] = None,
    language: Annotated[str | None, typer.Option(help="Language (ISO 639-1) when the input does not say.")] = None,
) -> None:
    """Ingest articles from files, pages and feeds. Exit 0 when every input was read, 1 when some failed."""
    from monitor.ingest import jobs

    require_rules()
    db = open_db(create=True)
    refuse_demo(db)

    def report(outcome: jobs.InputOutcome) -> None:
        if outcome.error:
            typer.echo(f"failed: {outcome.input}: {outcome.error}", err=True)
        for problem in outcome.problems[:20]:
            typer.echo(f"skipped: {outcome.input}: {problem}", err=True)
        if len(outcome.problems) > 20:
            typer.echo(f"skipped: {outcome.input}: ... and {len(outcome.problems) - 20} more records", err=True)
        for notice in outcome.notices[:20]:
            typer.echo(f"truncated: {outcome.input}: {notice}", err=True)
        if len(outcome.notices) > 20:
            typer.echo(f"truncated: {outcome.input}: ... and {len(outcome.notices) - 20} more records", err=True)

    summary = jobs.ingest(db, inputs, source=source, language=language, on_input=report)
    typer.echo(
        f"inputs read: {summary.read}, added: {summary.added}, duplicates: {summary.duplicates}, "
        f"failed: {summary.failed}"
        + (f", records skipped: {summary.skipped_records}" if summary.skipped_records else "")
    )
    raise typer.Exit(1 if summary.failed else 0)


@app.command()
def fetch(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (id, URL or name).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Fetch even if not due yet.")] = False,
) -> None:
    """One pass over the sources that are due (cron-friendly). Exit 1 when a source failed."""
    from monitor import scheduler

    require_rules()
    db = open_db(create=True)
    refuse_demo(db)
    chosen = [_source_or_fail(db, key) for key in source or ()]
    for found in chosen:
        if not found["enabled"]:
            fail(f"source {found['name']!r} is disabled{_paused(found)}: `newsmon sources enable {found['id']}`", 2)
    only = [found["id"] for found in chosen] or None
    summary = scheduler.fetch_due(db, only=only, force=force or bool(only))
    _print_pass(summary)
    raise typer.Exit(1 if summary.failed else 0)


@app.command()
def watch() -> None:
    """Run the scheduler until interrupted: fetch each source when it is due."""
    from monitor import scheduler

    require_rules()
    db = open_db(create=True)
    refuse_demo(db)
    stop = threading.Event()
    typer.echo("watching sources; Ctrl-C to stop")

    def after_pass(summary: scheduler.PassSummary) -> None:
        _print_pass(summary)
        monitoring_cli.run_after_pass(db)  # alerts and digests, after every fetch pass

    try:
        scheduler.watch(db, stop=stop, on_pass=after_pass)
    except KeyboardInterrupt:
        stop.set()
        typer.echo("stopped")


def _print_pass(summary: scheduler.PassSummary) -> None:
    for outcome in summary.outcomes:
        if outcome.error:
            paused = f"; paused: `newsmon sources enable {outcome.source_id}` resumes it" if outcome.paused else ""
            typer.echo(f"failed: {outcome.name} ({outcome.url}): {outcome.error}{paused}", err=True)
    typer.echo(
        f"sources fetched: {summary.attempted} (ok {summary.ok}, not modified {summary.not_modified}, "
        f"failed {summary.failed}), added: {summary.added}, duplicates: {summary.duplicates}"
    )


@app.command()
def runs(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=2**63 - 1, help="How many rows.")] = 20,
    failed: Annotated[bool, typer.Option("--failed", help="Only inputs that failed.")] = False,
) -> None:
    """The run log: one line per input of the latest ingest and fetch passes, newest first."""
    from monitor import queries

    for row in queries.recent_runs(open_db(), limit, failed_only=failed):
        name = row["source_name"] or row["input"]
        line = (
            f"{row['started_at']} {row['kind']:<6} {row['status']:<12} added {row['added']:>5}, "
            f"duplicates {row['duplicates']:>5}, failed {row['failed']:>3}  {name}"
        )
        typer.echo(line + (f"\n    {row['error']}" if row["error"] else ""))


@app.command()
def analyse(
    all_articles: Annotated[bool, typer.Option("--all", help="Re-analyse every article, not only stale ones.")] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Write nothing: show which articles would gain or lose each topic, country and tone."
        ),
    ] = False,
    limit: Annotated[
        int,
        typer.Option(min=0, help="With --dry-run: check the newest LIMIT articles (0: all; time grows with it)."),
    ] = rule_preview.DEFAULT_LIMIT,
    examples: Annotated[int, typer.Option(min=0, help="With --dry-run: example articles per tag and direction.")] = (
        rule_preview.EXAMPLES
    ),
) -> None:
    """Analyse the articles not yet analysed with the current rules (after editing data/taxonomy.toml,
    data/countries.toml, data/news_lexicon.tsv or data/tone_rules.toml), or every article with --all.
    With --dry-run, preview what the edited rules would change first."""
    from monitor import reanalyse

    require_rules()
    db = open_db()
    if dry_run:
        print_rule_preview(db, limit or None, examples)
        return
    with typer.progressbar(length=0, label="analysing", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        summary = reanalyse.analyse_stored(db, everything=all_articles, progress=progress)
    rate = summary.analysed / summary.seconds if summary.seconds else 0
    typer.echo(
        f"analysed {summary.analysed} articles in {summary.seconds:.1f} s ({rate:,.0f}/s), rules {summary.rules}"
    )
    if summary.topic_training:
        typer.echo(summary.topic_training.describe())


@topics_app.command("train")
def topics_train() -> None:
    """Train the topic classifier on the articles the rules tag with confidence (and on analysts' confirmed tags),
    then let it tag the articles the rules are unsure of. `newsmon analyse` does it too after the rules change."""
    from monitor import store, topic_training
    from monitor.analysis.article import rules_fingerprint

    require_rules()
    db = open_db()
    stale = store.articles_to_analyse(db, rules_fingerprint())
    if stale:
        fail(f"{len(stale)} articles were analysed with other rules: run `newsmon analyse` first", code=2)
    with typer.progressbar(length=0, label="tagging", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        summary = topic_training.train(db, progress=progress)
    typer.echo(summary.describe())
    raise typer.Exit(0 if summary.model else 1)


def _verdict(article_id: int, topic: str, verdict: str | None) -> None:
    from monitor import store
    from monitor.analysis import topics

    slugs = topics.load_taxonomy().slugs
    if topic not in slugs:
        fail(f"unknown topic {topic!r} (known: {', '.join(slugs)})", code=2)
    db = open_db()
    try:
        result = store.set_topic_verdict(db, article_id, topic, verdict)
    except ValueError as error:
        fail(str(error), code=2)
    given = ", ".join(tag["slug"] for tag in result["topics"]) or "none"
    typer.echo(f"article {article_id}: topics now {given}")


ArticleId = Annotated[int, typer.Argument(help="Article id.")]
TopicSlug = Annotated[str, typer.Argument(help="Topic slug (data/taxonomy.toml).")]


@topics_app.command("confirm")
def topics_confirm(article_id: ArticleId, topic: TopicSlug) -> None:
    """An analyst's verdict: this topic is right for the article (kept whatever the layers say; trains the next
    classifier)."""
    _verdict(article_id, topic, "confirmed")


@topics_app.command("reject")
def topics_reject(article_id: ArticleId, topic: TopicSlug) -> None:
    """An analyst's verdict: this topic is wrong for the article (removed now and after every re-analysis)."""
    _verdict(article_id, topic, "rejected")


@topics_app.command("undo")
def topics_undo(article_id: ArticleId, topic: TopicSlug) -> None:
    """Take a verdict back: the layers decide this topic again."""
    _verdict(article_id, topic, None)


app.command("analyze", hidden=True, help="The same as `analyse` (the spelling of earlier versions).")(analyse)


def print_rule_preview(db, limit: int | None, examples: int) -> None:
    with typer.progressbar(length=0, label="checking", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        preview = rule_preview.preview_rules(db, limit=limit, examples=examples, progress=progress)
    typer.echo(rule_preview.summary_line(preview) + " Nothing was written; `newsmon analyse` applies the rules.")
    for change in preview.changes:
        typer.echo(f"\n{change.dimension} {change.tag}: {change.gained:,} would gain it, {change.lost:,} would lose it")
        for sign, shown in (("+", change.gained_examples), ("-", change.lost_examples)):
            for article_id, title in shown:
                typer.echo(f"  {sign} [{article_id}] {title if len(title) <= 100 else title[:99] + '…'}")


@app.command()
def explain(
    article_id: Annotated[int, typer.Argument(min=1, max=2**63 - 1, help="Article id (the `id` column of exports).")],
) -> None:
    """Why each country, topic, sentiment and keyword was given to an article."""
    from monitor import queries
    from monitor.analysis.article import rules_fingerprint

    article = queries.article_detail(open_db(), article_id)
    if article is None:
        fail(f"no article with id {article_id}", code=2)
    typer.echo(f"[{article['id']}] {article['title']}")
    typer.echo(
        f"    {article['source']}, {article['published_at']}" + (" (date inferred)" if article["date_inferred"] else "")
    )
    typer.echo(f"    {article['url']}")
    evidence = article["evidence"]
    if evidence is None:
        typer.echo("\nnot analysed yet: run `newsmon analyse`")
        return
    for line in explain_lines(evidence, current_rules=rules_fingerprint()):
        typer.echo(line)
    if article["story"]:
        typer.echo(f"\nStory {article['story_id']}: {len(article['story']) + 1} articles")
        for other in article["story"]:
            typer.echo(f"  [{other['id']}] {other['title']} ({other['source']}, {other['published_at'][:10]})")


def _country_line(tag: dict) -> str:
    from monitor import labels

    where = ", in the title" if tag["in_title"] else ""
    # where the article places its event, the first party of talks or the actor of a measure (what chose the main
    # country), or that it is only a venue
    located = f"; main-country evidence: {', '.join(tag['located'])}" if tag.get("located") else ""
    return (
        f"{tag['code']} {labels.country_name(tag['code'])}: score {tag['score']:.2f}, "
        f"{tag['mentions']} mentions{where}; matched {', '.join(tag['matched'])}{located}"
    )


def explain_lines(evidence: dict, *, current_rules: str) -> list[str]:
    """The evidence of one article's analysis as readable lines."""
    lines = []
    lang = evidence["language"]
    lines.append(f"\nLanguage: {lang['value'] or 'unknown'} ({lang['method']})")
    lines.append("Countries (about), the main one first, then strongest first:")
    for tag in evidence["countries"] or [{"code": None}]:
        if tag["code"] is None:
            lines.append("  none above the threshold")
            continue
        lines.append("  " + _country_line(tag))
    about = {tag["code"] for tag in evidence["countries"]}
    passing = [tag for tag in evidence.get("countries_mentioned", []) if tag["code"] not in about]
    if passing:
        lines.append("Countries only mentioned (below the threshold, or the venue of talks or a match):")
        lines += ["  " + _country_line(tag) for tag in passing]
    lines.append("Topics, strongest first:")
    for tag in evidence["topics"] or [{"slug": None}]:
        if tag["slug"] is None:
            lines.append("  none above its threshold")
            continue
        lines.append(f"  {tag['slug']} ({tag['label']}): {topic_reason(tag)}")
    for tag in evidence.get("topics_rejected", []):
        lines.append(f"  not {tag['slug']} ({tag['label']}): rejected by an analyst; {topic_reason(tag)}")
    tone = evidence["sentiment"]
    value = "not scored" if tone["compound"] is None else f"{tone['compound']:+.3f} {tone['label']}"
    lines.append(f"Sentiment: {value}: {tone['reason']}")
    for text, score in tone["strongest"]:
        lines.append(f"  {score:+.2f}  {text}")
    if tone["news_terms"]:
        lines.append(f"  news lexicon and tone rules: {', '.join(tone['news_terms'])}")
    lines.append("Keywords: " + ", ".join(phrase for phrase, _ in evidence["keywords"]))
    stale = "" if evidence["rules"] == current_rules else " (rules changed since: run `newsmon analyse`)"
    lines.append(f"Rules: {evidence['rules']}{stale}")
    return lines


def topic_reason(tag: dict) -> str:
    """Which layer gave a topic and why, in words."""
    layer = tag.get("layer", "rules")
    matched = ", ".join(tag["matched"])
    if layer == "analyst":
        return "confirmed by an analyst"
    if layer == "classifier":
        reason = f"classifier, probability {tag['probability']:.2f}; words that weighed most: {matched}"
    elif layer == "rules+classifier":
        reason = (
            f"rules, score {tag['score']:.2f}, and classifier, probability {tag['probability']:.2f}; matched {matched}"
        )
    else:
        reason = f"rules, score {tag['score']:.2f}; matched {matched}"
    return reason + ("; confirmed by an analyst" if tag.get("verdict") == "confirmed" else "")


@app.command("demo")
def demo_command(
    path: Annotated[
        Path | None, typer.Option(help="Demo database file (default: data/demo.db; --db and $NEWSMON_DB are ignored).")
    ] = None,
    articles: Annotated[int, typer.Option(min=1, help="How many articles to add.")] = 3000,
    days: Annotated[int, typer.Option(min=1, help="Spread them over this many days up to now.")] = 90,
    seed: Annotated[int, typer.Option(help="The same seed on the same day gives the same articles.")] = 7,
    fast: Annotated[
        bool, typer.Option("--fast", help="Reuse the analysis of texts that differ only in numbers (benchmarks).")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete the demo database first (never one that is not a demo).")
    ] = False,
) -> None:
    """Generate fictional news into a separate demo database, analysed like real articles, for trying the
    dashboard without a network. It never writes into a database that holds real articles or sources."""
    from monitor import demo, store

    require_rules()
    path = path or config.DEMO_DB
    try:
        if replace:
            demo.delete_demo_db(path)
        try:
            db = store.open_db(path)
        except (store.StoreError, OSError) as error:
            fail(f"cannot open the database {path}: {error}", code=2)
        demo.claim(db)  # refuse a real database before drawing the progress bar
        started = time.perf_counter()
        with typer.progressbar(length=articles, label="generating", file=sys.stderr) as bar:
            added = demo.generate(
                db,
                articles=articles,
                days=days,
                seed=seed,
                fast=fast,
                on_progress=lambda done, total: bar.update(done - bar.pos),
            )
    except demo.DemoError as error:
        fail(str(error), code=2)
    seconds = time.perf_counter() - started
    typer.echo(
        f"demo database {path}: added {added} articles over {days} days in {seconds:.1f} s "
        f"({added / seconds if seconds else 0:,.0f}/s), {db['articles'].count} in all"
    )


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8501,
    address: Annotated[
        str,
        typer.Option(
            help="Address to listen on. The dashboard has no login: anything but 127.0.0.1 lets other machines "
            "read and change it (see the README, Sharing the dashboard)."
        ),
    ] = server.LOCAL_ADDRESS,
    watch_sources: Annotated[
        bool, typer.Option("--watch/--no-watch", help="Fetch the sources in the background while it runs.")
    ] = True,
    demo_if_empty: Annotated[
        bool, typer.Option("--demo-if-empty/--no-demo", help="Generate the demo database when yours is empty.")
    ] = True,
    headless: Annotated[bool, typer.Option("--headless", help="Do not open a browser.")] = False,
) -> None:
    """Open the dashboard (Streamlit) on the database, with `watch` fetching in the background. When the
    database has no articles yet (say, no network), it shows a separate demo database until real ones arrive."""
    db_path = config.db_path(State.db_path)
    open_db(create=True).conn.close()  # create or migrate it now, with a clear error if it cannot be opened
    if demo_if_empty and server.needs_demo(db_path):
        typer.echo(f"{db_path} has no articles yet: generating demo data in {config.DEMO_DB} (shown with a banner)")
        with typer.progressbar(length=server.DEMO_ARTICLES, label="demo", file=sys.stderr) as bar:
            server.make_demo(on_progress=lambda done, total: bar.update(done - bar.pos))
    if not server.is_loopback(address):
        typer.echo(
            f"warning: listening on {address}: anyone who can reach this machine on port {port} can read your "
            "articles and add, remove or fetch sources, with no login. Put it behind authentication (README: "
            "Sharing the dashboard) or use the default, 127.0.0.1.",
            err=True,
        )
    typer.echo(f"dashboard: {server.dashboard_url(port, address)}  (Ctrl+C to stop)")
    raise typer.Exit(server.serve(db_path, port=port, watch=watch_sources, headless=headless, address=address))


@app.command()
def compact() -> None:
    """Give the database's free space back to the disk (SQLite VACUUM): after an upgrade that made the stored
    rows smaller. Needs free disk about the database's size; stop `serve` and
    `watch` first."""
    import sqlite3

    from monitor import store

    db = open_db()
    try:
        before, after = store.compact(db)
    except sqlite3.Error as error:
        fail(f"cannot compact {config.db_path(State.db_path)}: {error} (is it in use, or the disk full?)")
    typer.echo(f"{config.db_path(State.db_path)}: {before / 1e6:,.1f} MB -> {after / 1e6:,.1f} MB")


# ---- sources -----------------------------------------------------------------------------------


def _source_or_fail(db, key: str) -> dict:
    from monitor import store

    found = store.find_source(db, key)
    if found is None:
        fail(f"no source with id, URL or name {key!r} (see `newsmon sources list`)", code=2)
    return found


def _paused(source: dict) -> str:
    return f" ({source['paused_reason']})" if source["paused_reason"] else ""


@sources_app.command("add")
def sources_add(
    url: Annotated[str, typer.Argument(help="Feed or page URL.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the feed's title).")] = None,
    country: Annotated[str | None, typer.Option(help="Publisher country, ISO alpha-2.")] = None,
    language: Annotated[str | None, typer.Option(help="Language, ISO 639-1.")] = None,
    every: Annotated[str | None, typer.Option(help="How often to fetch: 90s, 30m, 2h, 1d [default: 30m].")] = None,
    full_text: Annotated[
        bool | None, typer.Option("--full-text/--feed-text", help="Fetch and extract each entry's page.")
    ] = None,
) -> None:
    """Add a source, or change the given settings of the source with this URL."""
    from monitor import sources, store

    if not url.startswith(("http://", "https://")):
        fail("a source URL starts with http:// or https://", code=2)
    try:
        every_seconds = sources.parse_every(every) if every else None
        country = sources.normalise_country(country) if country else None
        language = sources.normalise_language(language) if language else None
    except ValueError as error:
        fail(str(error), code=2)
    source_id, created = store.add_source(
        open_db(create=True),
        url,
        name=name,
        country=country,
        language=language,
        every_seconds=every_seconds,
        full_text=full_text,
    )
    typer.echo(f"{'added' if created else 'updated'} source {source_id}: {name or url}")


@sources_app.command("list")
def sources_list() -> None:
    """Every source with its health: state, last success, HTTP status, failures, articles, last error."""
    from monitor import sources

    rows = sources.list_sources(open_db())
    if not rows:
        typer.echo("no sources yet: `newsmon sources add URL` or `newsmon init`")
        return
    width = min(32, max(len(row.name) for row in rows))
    typer.echo(
        f"{'id':>4}  {'state':<8} {'name':<{width}}  {'cc':<2} {'lang':<4} {'every':<6} {'last success':<16} "
        f"{'HTTP':>4} {'fails':>5} {'24 h':>6} {'total':>8}  newest"
    )
    for row in rows:
        typer.echo(
            f"{row.id:>4}  {row.state:<8} {row.name[:width]:<{width}}  {row.country or '--':<2} "
            f"{row.language or '--':<4} {sources.format_every(row.every_seconds):<6} "
            f"{_minute(row.last_success_at) or 'never':<16} {row.last_status or '-':>4} "
            f"{row.consecutive_failures:>5} {row.articles_24h:>6} {row.articles_total:>8}  "
            f"{_minute(row.newest_article) or '-'}"
        )
    problems = [row for row in rows if row.last_error or row.paused_reason]
    if problems:
        typer.echo("\nlast errors:")
        for row in problems:
            typer.echo(f"{row.id:>4}  {row.name}: {row.paused_reason or row.last_error}  ({row.url})")


def _minute(timestamp: str | None) -> str | None:
    """2025-11-04T09:00:00Z -> 2025-11-04 09:00 (UTC), for listings."""
    return timestamp[:16].replace("T", " ") if timestamp else None


SourceKey = Annotated[str, typer.Argument(help="Source id, URL or name.")]


def _change_source(key: str, change, done: str) -> None:
    db = open_db()
    found = _source_or_fail(db, key)
    change(db, found["id"])
    typer.echo(f"{done} source {found['id']}: {found['name']}")


@sources_app.command("remove")
def sources_remove(key: SourceKey) -> None:
    """Remove a source. Its articles stay in the database."""
    from monitor import store

    _change_source(key, store.remove_source, "removed")


@sources_app.command("enable")
def sources_enable(key: SourceKey) -> None:
    """Enable (or resume a paused) source; it is due at once."""
    from monitor import store

    _change_source(key, lambda db, source_id: store.set_source_enabled(db, source_id, True), "enabled")


@sources_app.command("disable")
def sources_disable(key: SourceKey) -> None:
    """Disable a source: `fetch` and `watch` skip it until it is enabled."""
    from monitor import store

    _change_source(key, lambda db, source_id: store.set_source_enabled(db, source_id, False), "disabled")


@sources_app.command("import")
def sources_import(path: Annotated[Path, typer.Argument(help="OPML file.")]) -> None:
    """Import sources from an OPML file (country, language and every attributes are read when present)."""
    from monitor import sources
    from monitor.models import IngestError

    db = open_db(create=True)
    try:
        added, updated, problems = sources.import_opml(db, path)
    except IngestError as error:
        fail(error.reason)
    for problem in problems:
        typer.echo(f"skipped: {problem}", err=True)
    typer.echo(f"sources added: {added}, updated: {updated}, skipped: {len(problems)}")


@sources_app.command("export")
def sources_export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Export the sources as OPML 2.0."""
    from monitor import export, sources

    _check_output(output)
    text = sources.export_opml(open_db())
    if output:
        try:
            with export.atomic_text_file(output) as file:
                file.write(text)
        except OSError as error:
            _output_failed(output, error)
    else:
        sys.stdout.write(text)


@sources_app.command("load-starter")
def sources_load_starter() -> None:
    """Load the starter list of public world-news feeds (data/starter_sources.csv)."""
    from monitor import sources

    added, existing = sources.load_starter_sources(open_db(create=True))
    typer.echo(f"starter sources added: {added}, already present: {existing}")


# ---- source groups -----------------------------------------------------------------------------


@groups_app.command("list")
def groups_list() -> None:
    """Every source group with its sources."""
    from monitor import store

    groups = store.source_groups(open_db())
    if not groups:
        typer.echo("no source groups yet: `newsmon groups set NAME SOURCE...`")
    for name, members in groups.items():
        typer.echo(f"{name}: {', '.join(members)}")


@groups_app.command("set")
def groups_set(
    name: Annotated[str, typer.Argument(help="Group name, e.g. 'South Asia'.")],
    members: Annotated[list[str], typer.Argument(help="Source names (as `newsmon sources list` shows them).")],
) -> None:
    """Make a group hold exactly these sources (creating it when new)."""
    from monitor import store

    try:
        chosen = store.set_source_group(open_db(), name, members)
    except ValueError as error:
        fail(str(error), code=2)
    typer.echo(f"group {name!r}: {len(chosen)} sources")


@groups_app.command("delete")
def groups_delete(name: Annotated[str, typer.Argument(help="Group name.")]) -> None:
    """Delete a group (its sources and their articles stay)."""
    from monitor import store

    db = open_db()
    if name not in store.source_groups(db):
        fail(f"no source group {name!r} (see `newsmon groups list`)", code=2)
    store.set_source_group(db, name, [])
    typer.echo(f"deleted group {name!r}")


# ---- export ------------------------------------------------------------------------------------


def _option(name: str, annotation, default=None) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


# The filter and output options every `newsmon export KIND` command takes (one list, not six copies).
EXPORT_FILTERS = [
    _option(
        "search",
        Annotated[
            str | None,
            typer.Option(help="A saved search (`newsmon searches list`); the options below replace its parts."),
        ],
    ),
    _option("since", Annotated[str | None, typer.Option(help="From this date or time (2025-11-01, '7 days ago').")]),
    _option(
        "until", Annotated[str | None, typer.Option(help="Up to this date or time (a bare date includes the day).")]
    ),
    *[
        _option(
            dimension.name,
            Annotated[
                list[str] | None,
                typer.Option(
                    dimension.option, help=f"Only articles with this {dimension.meaning}; repeat for several."
                ),
            ],
        )
        for dimension in FILTER_DIMENSIONS
    ],
    _option("query", Annotated[str | None, typer.Option(help="Full-text query in FTS5 syntax.")]),
    _option(
        "sentiment_min",
        Annotated[float | None, typer.Option(min=-1, max=1, help="Only articles scored at least this.")],
    ),
    _option(
        "sentiment_max",
        Annotated[float | None, typer.Option(min=-1, max=1, help="Only articles scored at most this.")],
    ),
    _option(
        "output",
        Annotated[
            Path | None,
            typer.Option(
                "--output", "-o", help="CSV file, or an XLSX workbook when named *.xlsx (default: CSV to stdout)."
            ),
        ],
    ),
    _option(
        "manifest",
        Annotated[
            Path | None, typer.Option(help="Also write a JSON manifest: filters, snapshot time, column meanings.")
        ],
    ),
]


def _summary_options(summary: export.Summary) -> list[inspect.Parameter]:
    """The options only some summaries take: --by, --interval, --top, --full-text, --term."""
    from monitor import export

    options = []
    if summary.by:
        choices = ", ".join(summary.by)
        options.append(_option("by", Annotated[str, typer.Option(help=f"Group by {choices}.")], summary.by[0]))
    if summary.intervals:
        help_text = "day or week (a week is named by its Monday)."
        options.append(_option("interval", Annotated[str, typer.Option(help=help_text)], "day"))
    if summary.top:
        help_text = "How many keywords (those in most articles of the selection)."
        options.append(_option("top", Annotated[int, typer.Option(min=1, help=help_text)], export.KEYWORDS_TOP))
    if summary.full_text:
        help_text = "Add the article body as a last column."
        options.append(_option("full_text", Annotated[bool, typer.Option("--full-text", help=help_text)], False))
    if summary.terms:
        help_text = (
            f'A search to count (a word, "a phrase", a OR b, prefix*); repeat for up to {export.MAX_TERMS} terms.'
        )
        options.insert(0, _option("terms", Annotated[list[str], typer.Option("--term", help=help_text)], []))
    return options


def _export_command(summary: export.Summary):
    """`newsmon export KIND`: the summary's own options, then the shared filter and output options."""

    def command(**options) -> None:
        _export(summary.kind, **options)

    command.__signature__ = inspect.Signature([*_summary_options(summary), *EXPORT_FILTERS])
    columns = ", ".join(summary.column_meanings())
    command.__doc__ = f"{summary.description}\n\nColumns (with the default options): {columns}."
    return command


def _export(
    kind: str,
    *,
    search: str | None,
    since: str | None,
    until: str | None,
    query: str | None,
    sentiment_min: float | None,
    sentiment_max: float | None,
    output: Path | None,
    manifest: Path | None,
    **options,
) -> None:
    """Write one summary (CSV to a file or stdout) and, when asked, its manifest."""
    from monitor import export, quality, queries, searches
    from monitor.filters import Filters

    snapshot_at = datetime.now(UTC)
    for path in (output, manifest):
        _check_output(path)
    db = open_db()
    values = {dimension.name: options.pop(dimension.name, None) for dimension in FILTER_DIMENSIONS}
    try:
        filters = Filters.from_args(
            since=queries.parse_when(since),
            until=queries.parse_when(until, end_of_day=True),
            query=query,
            sentiment_min=sentiment_min,
            sentiment_max=sentiment_max,
            **values,
        )
        if search:
            filters = searches.narrowed(searches.get(db, search), filters, now=snapshot_at)
        count = export.write_summary(db, kind, filters, output or sys.stdout, **options)
    except (queries.QueryError, export.ExportError, searches.SearchError) as error:
        fail(str(error), code=2)
    except OSError as error:
        _output_failed(output, error)
    if output:
        typer.echo(f"exported {count} rows to {output}", err=True)
    if manifest:
        described = export.manifest(
            kind, filters, rows=count, snapshot_at=snapshot_at, database=str(config.db_path(State.db_path)), **options
        )
        described["data_quality"] = quality.check(db, filters, now=snapshot_at).as_dict()
        if search:
            described["saved_search"] = search
        try:
            with export.atomic_text_file(manifest) as file:
                file.write(json.dumps(described, indent=2, ensure_ascii=False) + "\n")
        except OSError as error:
            _output_failed(manifest, error)
        typer.echo(f"wrote the manifest to {manifest}", err=True)


# Writing failed although the path was right: the disk, not the command, is at fault (exit 1, not 2).
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG}


def _check_output(path: Path | None) -> None:
    """Refuse an output path that cannot be a file before any work is done."""
    if path is None:
        return
    if path.is_dir():
        fail(f"{path} is a folder: give a file name, like {path / 'export.csv'}", code=2)
    if not path.parent.is_dir():
        fail(f"cannot write {path}: the folder {path.parent} does not exist", code=2)


def _output_failed(path: Path | None, error: OSError) -> None:
    """One line for a file that could not be written; atomic writes leave no partial file behind."""
    if path is None and isinstance(error, BrokenPipeError):  # `newsmon export ... | head`: the reader has enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python exits
        raise typer.Exit(1)
    where = path if path is not None else "the output"
    reason = error.strerror or str(error)
    kept = f"; {path} was not written" if path is not None else ""
    if path is not None and path.exists():
        kept = f"; {path} is unchanged"
    fail(f"cannot write {where}: {reason}{kept}", code=1 if error.errno in DISK_ERRORS else 2)


# Saved searches, alerts and digests: their commands register themselves on `app`.
from monitor import monitoring_cli  # noqa: E402, F401


def main() -> None:
    State.lean_start = True
    app()


def _import_sqlite_utils_without_pandas() -> None:
    """Import sqlite-utils without pandas (half a second of every command's start).

    sqlite_utils.db imports pandas at import time only to add `pandas.Timestamp` to the column types it infers
    when it creates or alters a table from Python values. newsmon's tables come from the schema in store.py and
    its values are str, int, float and bytes, so the mapping is never needed. Hiding pandas (a None entry in
    sys.modules makes `import pandas` raise ImportError, which sqlite-utils handles) costs nothing else: it is
    restored at once, and the commands that use pandas import it as usual. Only the CLI process does this; a
    process that has pandas or sqlite-utils loaded already is left alone."""
    if "sqlite_utils" in sys.modules or "pandas" in sys.modules:
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["pandas"]
