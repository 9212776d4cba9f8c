"""Dashboard speed and memory at scale: builds a demo database (1,000,000 articles by default) and times a full
AppTest run of every page, cold (empty cache) and warm, for typical selections; prints peak memory.

    .venv/bin/python bench/dashboard.py                    # build bench/out/dashboard-1m.db once, then time
    .venv/bin/python bench/dashboard.py -n 100000 --db bench/out/dashboard-100k.db
    .venv/bin/python bench/dashboard.py -n 5000000 --db /big/disk/dashboard-5m.db --build-only
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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_pages(path: Path) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from monitor import config

    os.environ["NEWSMON_DB"] = str(path)
    config.DEMO_DB = path.with_suffix(".no-demo")  # the real database is the one measured
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()  # imports and first-run costs, not timed
    print(f"{'selection':28} {'page':9} {'cold s':>7} {'warm s':>7}")
    worst = 0.0
    for name, params in SELECTIONS.items():
        for page in PAGES:
            timings = []
            for cold in (True, False):
                # The page harness is app.py without st.navigation: AppTest loses the sidebar's state after
                # switch_page, which would time another selection than the one asked for.
                at = AppTest.from_file(str(HARNESS), default_timeout=600)
                at.session_state["page"] = page
                for key, value in params.items():
                    at.query_params[key] = value
                if cold:
                    st.cache_data.clear()
                started = time.perf_counter()
                at.run()
                timings.append(time.perf_counter() - started)
                if at.exception:
                    print(f"  exception on {page}: {at.exception[0].value}")
            worst = max(worst, timings[0])
            print(f"{name:28} {page:9} {timings[0]:7.2f} {timings[1]:7.2f}", flush=True)
    print(f"slowest cold page: {worst:.2f} s; peak memory of this process: {peak_rss_mb():,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1_000_000, help="articles to generate (default 1,000,000)")
    parser.add_argument("--days", type=int, default=365, help="days the articles span (default 365)")
    parser.add_argument("--db", type=Path, default=ROOT / "bench/out/dashboard-1m.db")
    parser.add_argument("--build-only", action="store_true", help="build the database if missing, time nothing")
    args = parser.parse_args()
    if not args.db.exists():
        build(args.db, args.n, args.days)
    if not args.build_only:
        time_pages(args.db)


if __name__ == "__main__":
    main()
