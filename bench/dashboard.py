"""Dashboard speed and memory at scale: builds a demo database (1,000,000 articles by default) and times a full
AppTest run of every page, cold (empty cache) and warm, for typical selections; prints peak memory.

    .venv/bin/python bench/dashboard.py                    # build bench/out/dashboard-1m.db once, then time
    .venv/bin/python bench/dashboard.py -n 100000 --db bench/out/dashboard-100k.db
    .venv/bin/python bench/dashboard.py -n 5000000 --db /big/disk/dashboard-5m.db --build-only

A big database is 20,000 generated demo articles (analysed one by one, as ingest does) copied until it holds -n:
each copy has its own ids, URLs and stories, the same dates, sources and tags. `--copies-of DB` copies another
generated database; `--generate` generates every article instead (hours at 1M).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's "no runtime" notes would drown the table

SELECTIONS = {  # name -> URL parameters
    "30 days": {},
    "90 days": {"period": "90d"},
    "all time": {"period": "all"},
    "30 days, one country": {"country": "PK"},
    "all time, one topic": {"period": "all", "topic": "conflict"},
    "90 days, country + topic": {"period": "90d", "country": "AF", "topic": "conflict"},
    "30 days, search": {"q": "border"},
}
PAGES = ("overview", "trends", "articles", "sources", "export")
BASE_ARTICLES = 20_000  # generated and analysed one by one; a bigger database is made of copies of them
HARNESS = ROOT / "tests" / "page_harness.py"


def build(path: Path, articles: int, days: int) -> None:
    from monitor import demo, store

    path.parent.mkdir(parents=True, exist_ok=True)
    db = store.open_db(path)
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            rate = done / (last[0] - started)
            print(f"  {done:,} articles, {rate:,.0f}/s", flush=True)

    added = demo.generate(db, articles=articles, days=days, fast=True, on_progress=progress)
    db.conn.close()
    took = time.perf_counter() - started
    size = path.stat().st_size / 1e9
    print(f"built {path}: {added:,} articles in {took:,.0f} s ({added / took:,.0f}/s), {size:.2f} GB")


# The tables copied by --copies-of, with the columns that hold an article id.
COPIED = {
    "article_analysis": ("article_id",),
    "article_countries": ("article_id",),
    "article_countries_mentioned": ("article_id",),
    "article_topics": ("article_id",),
    "article_keywords": ("article_id",),
}


def build_copies(path: Path, base: Path, articles: int) -> None:
    """A database of `articles` made of copies of a smaller generated one (`base`): each copy has new ids,
    URLs and stories but the same dates, sources and tags, so the mix of countries, topics and keywords per day
    is the demo's, at `articles / base` times its volume. Plain SQL in id order with the secondary indexes and
    the full-text triggers set aside (each rebuilt once at the end, by sorting), then the rollups recomputed
    from the tags (store.rebuild_rollups): minutes where generating the articles one by one takes hours."""
    from monitor import store

    started = time.perf_counter()
    db = store.open_db(path)
    conn = db.conn
    conn.execute("ATTACH DATABASE ? AS base", [f"file:{base}?mode=ro"])
    (base_count,) = conn.execute("SELECT count(*) FROM base.articles").fetchone()
    (last_id,) = conn.execute("SELECT max(id) FROM base.articles").fetchone()
    copies = max(1, round(articles / base_count))
    conn.execute("INSERT INTO sources SELECT * FROM base.sources")
    conn.execute("INSERT INTO meta SELECT * FROM base.meta WHERE key = 'demo'")
    tables = ("articles", *COPIED)
    set_aside = conn.execute(
        f"""SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
            AND tbl_name IN ({", ".join("?" * len(tables))})""",
        tables,
    ).fetchall()
    for kind, name, _ in set_aside:
        conn.execute(f"DROP {kind} {name}")
    conn.execute(f"CREATE TEMP TABLE copies AS WITH RECURSIVE n(copy) AS (SELECT 0 UNION ALL SELECT copy + 1 FROM n "
                 f"WHERE copy < {copies - 1}) SELECT copy FROM n")  # fmt: skip
    # Ids interleave the copies (id x copies + copy), so they follow the dates as the base's do; rows are
    # written in that order, so every table's key grows at its end.
    moved = {
        "id": f"id * {copies} + copy",
        "url": "url || '#copy' || copy",
        "content_hash": "content_hash || '-' || copy",
        "story_id": f"story_id * {copies} + copy",
    }
    step = max(1, 200_000 // copies)  # base articles per transaction
    for low in range(0, last_id + 1, step):
        with store.transaction(db):
            for table in tables:
                names = [row[1] for row in conn.execute(f"PRAGMA base.table_info({table})")]
                key = "id" if table == "articles" else "article_id"
                if table == "articles":
                    picked = ", ".join(moved.get(name, name) for name in names)
                else:
                    picked = ", ".join(f"{name} * {copies} + copy" if name == key else name for name in names)
                conn.execute(
                    f"""INSERT INTO {table} ({", ".join(names)}) SELECT {picked} FROM base.{table} CROSS JOIN copies
                        WHERE {key} >= ? AND {key} < ? ORDER BY {key}, copy""",
                    [low, low + step],
                )
        print(f"  {min(low + step, last_id) * copies:,} articles, {time.perf_counter() - started:,.0f} s", flush=True)
    conn.execute("DETACH DATABASE base")
    with store.transaction(db):
        for _, _, sql in sorted(set_aside, key=lambda row: row[0]):  # indexes, then triggers
            conn.execute(sql)
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    print(f"  indexes and full text: {time.perf_counter() - started:,.0f} s", flush=True)
    store.rebuild_rollups(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = path.stat().st_size / 1e9
    took = time.perf_counter() - started
    print(f"built {path}: {copies} copies of {base_count:,} articles from {base} in {took:,.0f} s, {size:.2f} GB")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


SLOW_CALL = 0.05  # --calls lists the monitor calls of a cold page that took longer than this (seconds)


def time_calls() -> list[tuple[str, float]]:
    """Wrap the public functions of the modules the pages read from so that each outermost call is timed:
    returns the list the (name, seconds) pairs go to."""
    import functools
    import inspect

    from monitor import export, quality, queries, sources, store, trends

    calls: list[tuple[str, float]] = []
    depth = [0]

    def timed(name, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            depth[0] += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    calls.append((name, time.perf_counter() - started))

        return wrapper

    for module in (queries, trends, sources, store, quality, export):
        for name, function in list(vars(module).items()):
            if inspect.isfunction(function) and function.__module__ == module.__name__ and not name.startswith("_"):
                setattr(module, name, timed(f"{module.__name__.split('.')[-1]}.{name}", function))
    return calls


def time_pages(path: Path, *, show_calls: bool = False, only: str | None = None) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from monitor import config

    os.environ["NEWSMON_DB"] = str(path)
    config.DEMO_DB = path.with_suffix(".no-demo")  # the real database is the one measured
    calls = time_calls() if show_calls else []
    first = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    first.run()  # imports and first-run costs, not timed
    # Each new AppTest scans every installed package for Streamlit components on its first run (about 2 s): a
    # server does that once when it starts, so the timed runs share the first one's findings.
    components = first._bidi_component_manager
    # CPU seconds of this process (the page's thread, its query threads and AppTest) tell the page's own cost
    # apart from waiting for a busy machine's cores.
    print(f"{'selection':28} {'page':9} {'cold s':>7} {'warm s':>7} {'cold cpu':>7} {'warm cpu':>7}")
    worst = 0.0
    for name, params in SELECTIONS.items():
        if only and only not in name:
            continue
        for page in PAGES:
            timings, cpu_times = [], []
            for cold in (True, False):
                # The page harness is app.py without st.navigation: AppTest loses the sidebar's state after
                # switch_page, which would time another selection than the one asked for.
                at = AppTest.from_file(str(HARNESS), default_timeout=600)
                at._bidi_component_manager = components  # found once, as a server does at its start
                at.session_state["page"] = page
                for key, value in params.items():
                    at.query_params[key] = value
                if cold:
                    st.cache_data.clear()
                calls.clear()
                started, cpu = time.perf_counter(), time.process_time()
                at.run()
                timings.append(time.perf_counter() - started)
                cpu_times.append(time.process_time() - cpu)
                if at.exception:
                    print(f"  exception on {page}: {at.exception[0].value}")
                if cold:
                    slow = sorted((call for call in calls if call[1] >= SLOW_CALL), key=lambda call: -call[1])
            worst = max(worst, timings[0])
            figures = " ".join(f"{value:7.2f}" for value in (*timings, *cpu_times))
            print(f"{name:28} {page:9} {figures}", flush=True)
            for call, seconds in slow if show_calls else ():
                print(f"{'':38} {seconds:7.2f}  {call}")
    print(f"slowest cold page: {worst:.2f} s; peak memory of this process: {peak_rss_mb():,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1_000_000, help="articles to generate (default 1,000,000)")
    parser.add_argument("--days", type=int, default=365, help="days the articles span (default 365)")
    parser.add_argument("--db", type=Path, default=ROOT / "bench/out/dashboard-1m.db")
    parser.add_argument(
        "--copies-of",
        type=Path,
        metavar="DB",
        help=f"copy this generated database (default: generate {BASE_ARTICLES:,} articles next to --db, then copy)",
    )
    parser.add_argument("--calls", action="store_true", help="list the slow query calls of each cold page")
    parser.add_argument("--only", help="time only the selections whose name contains this")
    parser.add_argument("--build-only", action="store_true", help="build the database if missing, time nothing")
    parser.add_argument(
        "--no-columnar", action="store_true", help="count every selection in SQLite (no columnar copy), to compare"
    )
    parser.add_argument(
        "--generate", action="store_true", help="generate and analyse every article (hours at 1M) instead of copies"
    )
    args = parser.parse_args()
    if not args.db.exists():
        if args.generate or args.n <= BASE_ARTICLES:
            build(args.db, args.n, args.days)
        else:
            base = args.copies_of or args.db.with_name(f"{args.db.stem}-base.db")
            if not base.exists():
                build(base, BASE_ARTICLES, args.days)
            build_copies(args.db, base, args.n)
    if args.no_columnar:
        from monitor import columnar

        columnar.MODE = "off"
    elif not args.build_only:
        columnar_copy(args.db)
    if not args.build_only:
        describe(args.db)
        time_pages(args.db, show_calls=args.calls, only=args.only)


def describe(path: Path) -> None:
    """The database's size, for the scale curve (time per page against articles and bytes)."""
    import sqlite3

    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
        (articles,) = conn.execute("SELECT count(*) FROM articles").fetchone()
    size = path.stat().st_size
    per_article = size / max(articles, 1) / 1000
    print(f"database: {articles:,} articles, {size / 1e9:.2f} GB ({per_article:.1f} kB per article, all included)")


def columnar_copy(path: Path) -> None:
    """Bring the dashboard's columnar copy up to date before timing, as a running dashboard keeps it, and say
    what that took (the first time: the whole copy)."""
    from monitor import columnar, store

    started, cpu = time.perf_counter(), time.process_time()
    db = store.open_db(path)
    columnar.build(db)
    copy_file = path.with_name(path.name + ".columns")
    print(f"columnar copy up to date in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU), "
          f"{copy_file.stat().st_size / 1e6:,.0f} MB; peak memory {peak_rss_mb():,.0f} MB", flush=True)
    db.conn.close()  # the copy stays open, as in a running dashboard


if __name__ == "__main__":
    main()
