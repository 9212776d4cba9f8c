"""Storage and write path: builds a demo database the way `newsmon demo --fast` does, and prints
- the write path alone (store.save_articles, analysis excluded): CPU ms per 1,000 articles;
- story clustering against the generator's own stories: pairwise precision and recall, and how many articles
  started a story;
- bytes per article of every table and index (SQLite's dbstat), and the total beyond the articles' own text
  (title, body and summary bytes, and their full-text index).

    .venv/bin/python bench/storage.py                       # 20,000 articles over 60 days
    .venv/bin/python bench/storage.py -n 50000 --days 18    # the density of the 1M/365-day dashboard database

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(path: Path, articles: int, days: int) -> tuple[dict[str, int], float, float]:
    """A fast demo database; returns the generator's story of each URL, analysis CPU s, save_articles CPU s."""
    from monitor import demo, store

    db = store.open_db(path)
    catalogue = demo.load_catalogue()
    demo.claim(db)
    source_ids = demo.add_outlets(db, catalogue.outlets)
    plan = demo.DemoPlan(catalogue, seed=7, now=store.now_utc(), days=days, articles=articles, fast=True)
    truth: dict[str, int] = {}

    def records():
        for number, story in enumerate(plan.stories()):
            for record in plan._copies(story, source_ids):
                truth[record.url] = number
                yield record

    analyser = demo.Analyser(fast=True)
    stream = records()
    analysis_cpu = save_cpu = 0.0
    added = 0
    while added < articles:
        started = time.process_time()
        batch = [
            replace(record, analysis=analyser(record.title, record.body, record.language))
            for record in islice(stream, min(demo.BATCH_SIZE, articles - added))
        ]
        analysis_cpu += time.process_time() - started
        if not batch:
            break
        started = time.process_time()
        added += store.save_articles(db, batch).added
        save_cpu += time.process_time() - started
    db.conn.close()
    return truth, analysis_cpu, save_cpu


def clustering(path: Path, truth: dict[str, int]) -> str:
    """Pairwise precision and recall of the stored stories against the generator's."""
    import sqlite3

    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT url, story_id FROM articles").fetchall()
    conn.close()
    pairs = Counter((truth[url], story) for url, story in rows if url in truth)
    true_sizes = Counter(truth[url] for url, _ in rows if url in truth)
    found_sizes = Counter(story for url, story in rows if url in truth)

    def linked(sizes) -> int:
        return sum(n * (n - 1) // 2 for n in sizes.values())

    agree = linked(pairs)
    precision = agree / max(1, linked(found_sizes))
    recall = agree / max(1, linked(true_sizes))
    return (
        f"stories: {len(found_sizes):,} found for {len(true_sizes):,} generated; "
        f"pairwise precision {precision:.4f}, recall {recall:.4f}"
    )


def sizes(path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    text = conn.execute(
        "SELECT sum(length(CAST(title AS BLOB)) + length(CAST(body AS BLOB)) + length(CAST(summary AS BLOB))) "
        "FROM articles"
    ).fetchone()[0]
    stats = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    conn.close()
    total = sum(size for _, size in stats)
    fts = sum(size for name, size in stats if name.startswith("articles_fts"))
    print(f"{'table or index':40} {'bytes/article':>14}")
    for name, size in stats:
        if size / articles >= 1:
            print(f"{name:40} {size / articles:14,.0f}")
    print(f"{'whole file':40} {total / articles:14,.0f}")
    print(f"{'  the text (title, body, summary)':40} {text / articles:14,.0f}")
    print(f"{'  its full-text index':40} {fts / articles:14,.0f}")
    print(f"{'beyond the text':40} {(total - fts - text) / articles:14,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20_000, help="articles to generate (default 20,000)")
    parser.add_argument("--days", type=int, default=60, help="days they span (default 60)")
    parser.add_argument("--db", type=Path, help="keep the database here (default: a temporary file)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.n:,} articles over {args.days} days")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "storage.db"
        if path.exists():
            raise SystemExit(f"{path} exists; give a new file")
        started = time.perf_counter()
        truth, analysis_cpu, save_cpu = build(path, args.n, args.days)
        took = time.perf_counter() - started
        print(
            f"built in {took:,.0f} s ({args.n / took:,.0f}/s); CPU: analysis {analysis_cpu:,.1f} s, "
            f"store.save_articles {save_cpu:,.1f} s = {1000 * save_cpu / args.n * 1000:,.0f} ms per 1,000 articles"
        )
        print(clustering(path, truth))
        sizes(path)


if __name__ == "__main__":
    main()
