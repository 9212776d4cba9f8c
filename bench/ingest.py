"""Ingestion throughput: generate N realistic articles as JSONL, time `newsmon ingest`, report the database size.

    .venv/bin/python bench/ingest.py            # N = 100,000
    .venv/bin/python bench/ingest.py -n 20000

Prints figures; asserts nothing. The same file ingested twice measures the duplicate path too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PLACES = [
    "Islamabad",
    "Kabul",
    "Istanbul",
    "Tehran",
    "New Delhi",
    "Dhaka",
    "Doha",
    "Riyadh",
    "Ankara",
    "Peshawar",
    "Quetta",
    "Kandahar",
    "Lahore",
    "Karachi",
    "Geneva",
    "Washington",
    "Beijing",
    "Moscow",
]
ACTORS = [
    "the foreign ministry",
    "border officials",
    "the central bank",
    "militant groups",
    "aid agencies",
    "the election commission",
    "opposition leaders",
    "trade negotiators",
    "health workers",
    "the army",
]
VERBS = ["warned", "announced", "denied", "confirmed", "rejected", "welcomed", "criticised", "proposed"]
OBJECTS = [
    "a ceasefire along the border",
    "new tariffs on imports",
    "a rise in fuel prices",
    "talks on refugee returns",
    "a vaccination campaign",
    "fresh sanctions",
    "a security operation",
    "an investigation into the attack",
    "a plan to expand power generation",
    "a delay to the vote",
]
SOURCES = [
    "Dawn",
    "The Express Tribune",
    "Geo News",
    "TOLOnews",
    "Al Jazeera",
    "BBC World",
    "Arab News",
    "The Hindu",
    "Daily Star",
    "Hurriyet Daily News",
]


def sentence(rng: random.Random) -> str:
    return (
        f"In {rng.choice(PLACES)}, {rng.choice(ACTORS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
        f"on {rng.choice(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'])}, "
        f"according to {rng.randint(2, 40)} officials familiar with the matter."
    )


def article(i: int, rng: random.Random, start: datetime) -> dict:
    paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(5, 12))]
    published = start + timedelta(seconds=rng.randint(0, 90 * 86400))
    return {
        "url": f"https://news.example.com/{published:%Y/%m/%d}/story-{i}",
        "title": f"{rng.choice(ACTORS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} ({i})",
        "body": "\n".join(paragraphs),
        "published_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": rng.choice(SOURCES),
        "author": rng.choice(["Web Desk", "Staff Reporter", "Agencies", ""]),
        "language": "en",
    }


def generate(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 8, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps(article(i, rng, start)) + "\n")


def timed_ingest(newsmon: str, db: Path, data: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run([newsmon, "--db", str(db), "ingest", str(data)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    return elapsed, (result.stdout + result.stderr).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100_000, help="articles to generate (default 100,000)")
    args = parser.parse_args()
    newsmon = str(Path(sys.executable).with_name("newsmon"))
    with tempfile.TemporaryDirectory() as tmp:
        data, db = Path(tmp) / "articles.jsonl", Path(tmp) / "bench.db"
        generate(data, args.n)
        size_mb = data.stat().st_size / 1e6
        print(f"generated {args.n:,} articles, {size_mb:.0f} MB of JSONL")
        elapsed, output = timed_ingest(newsmon, db, data)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        db_mb = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*")) / 1e6
        print(f"first ingest: {elapsed:.1f} s, {args.n / elapsed:,.0f} articles/s, peak memory {peak_mb:.0f} MB")
        print(f"  {output}")
        print(f"database: {db_mb:.0f} MB ({db_mb * 1e6 / args.n / 1e3:.1f} kB per article)")
        elapsed, output = timed_ingest(newsmon, db, data)
        print(f"re-ingest (all duplicates): {elapsed:.1f} s, {args.n / elapsed:,.0f} articles/s")
        print(f"  {output}")
        print(f"cpu: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
