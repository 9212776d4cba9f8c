"""Ingestion throughput: generate N realistic articles (about 500 words) as JSONL, time `newsmon ingest`, then
ingest the same file again (every article known), and report the database size.

    .venv/bin/python bench/ingest.py                 # N = 100,000
    .venv/bin/python bench/ingest.py -n 20000
    .venv/bin/python bench/ingest.py -n 20000 --workers 1    # analysis in the writer's process only

Prints figures; asserts nothing. Besides wall time it reports the CPU time of every process of the ingest (the
writer and its analysis workers, and the writer alone: it stores every article, so its share bounds the rate; a
shared machine inflates wall time more than CPU time), the peak memory of the
largest process, and the peak of all of them together (proportional set size: shared pages counted once), and
the load average before and after, since other work on the machine changes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
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


@dataclass
class Ingest:
    seconds: float
    cpu: float  # user + sys of the writer and its workers
    writer_cpu: float  # of the writer alone (it stores every article; the workers share the analysis)
    peak_process_mb: float
    peak_total_mb: float
    output: str


def _descendants(pid: int) -> list[int]:
    children = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        return []
    return children + [d for c in children for d in _descendants(c)]


def _sample(pid: int) -> tuple[float, float, float]:
    """(CPU seconds, RSS MB, PSS MB) of one process from /proc; zeros once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        memory = {
            line.split(":")[0]: int(line.split()[1]) / 1024
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
        }
        return cpu, memory.get("Rss", 0.0), memory.get("Pss", 0.0)
    except (OSError, IndexError, ValueError):
        return 0.0, 0.0, 0.0


def timed_ingest(newsmon: str, db: Path, data: Path, env: dict[str, str]) -> Ingest:
    """Run `newsmon ingest`, sampling its process tree every 0.2 s for CPU time and memory."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [newsmon, "--db", str(db), "ingest", str(data)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
    )
    cpu_by_pid: dict[int, float] = {}
    peaks = [0.0, 0.0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            total = 0.0
            for pid in _descendants(process.pid):  # the workers (through the forkserver)
                cpu, rss, pss = _sample(pid)
                cpu_by_pid[pid] = max(cpu, cpu_by_pid.get(pid, 0.0))
                peaks[0] = max(peaks[0], rss)
                total += pss
            _, rss, pss = _sample(process.pid)
            peaks[0] = max(peaks[0], rss)
            peaks[1] = max(peaks[1], total + pss)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    _, _, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    writer_cpu = usage.ru_utime + usage.ru_stime
    peak_process = max(peaks[0], usage.ru_maxrss / 1024)
    return Ingest(seconds, writer_cpu + sum(cpu_by_pid.values()), writer_cpu, peak_process, peaks[1], output.strip())


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _line(name: str, count: int, run: Ingest) -> str:
    return (
        f"{name}: {run.seconds:.1f} s, {count / run.seconds:,.0f} articles/s; cpu {run.cpu:.1f} s "
        f"({count / run.cpu if run.cpu else 0:,.0f} articles per cpu-second); peak memory {run.peak_process_mb:.0f} MB "
        f"in one process, {run.peak_total_mb:.0f} MB in all\n"
        f"  cpu per article: {run.writer_cpu / count * 1000:.2f} ms in the writer (one process: it stores them all), "
        f"{(run.cpu - run.writer_cpu) / count * 1000:.2f} ms in the workers\n  {run.output}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100_000, help="articles to generate (default 100,000)")
    parser.add_argument("--workers", type=int, help="analysis processes (NEWSMON_WORKERS; default one per core)")
    args = parser.parse_args()
    newsmon = str(Path(sys.executable).with_name("newsmon"))
    env = dict(os.environ)
    if args.workers:
        env["NEWSMON_WORKERS"] = str(args.workers)
    with tempfile.TemporaryDirectory() as tmp:
        data, db = Path(tmp) / "articles.jsonl", Path(tmp) / "bench.db"
        generate(data, args.n)
        size_mb = data.stat().st_size / 1e6
        words = sum(len(json.loads(line)["body"].split()) for line in data.open(encoding="utf-8")) / args.n
        print(f"generated {args.n:,} articles ({words:.0f} words on average), {size_mb:.0f} MB of JSONL")
        print(f"cpu: {os.cpu_count()} cores, workers: {env.get('NEWSMON_WORKERS', 'one per core')}; load {_load()}")
        run = timed_ingest(newsmon, db, data, env)
        print(_line("first ingest", args.n, run))
        db_mb = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*")) / 1e6
        print(f"database: {db_mb:.0f} MB ({db_mb * 1e6 / args.n / 1e3:.1f} kB per article)")
        print(_line("re-ingest (all known)", args.n, timed_ingest(newsmon, db, data, env)))
        print(f"load after: {_load()}")


if __name__ == "__main__":
    main()
