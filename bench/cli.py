"""CLI start-up: `newsmon --help`, and `newsmon ingest` of one article into a fresh database, end to end.

    .venv/bin/python bench/cli.py          # best of 5
    .venv/bin/python bench/cli.py -r 10

Each run is a new process, as a user starts it. Prints wall time and CPU time (user + sys, which a busy machine
inflates less than wall time) as the best of the runs, the peak memory (max RSS) of the largest run, and the load
average, since the machine may be shared. The ingest runs use their own rules cache (NEWSMON_CACHE_DIR): the first
compiles the rule files and is reported apart; the others load them compiled. Asserts nothing.

Python's bytecode of the monitor package is compiled first (as `pip install` does, and as Python does on a first
run), because an environment with PYTHONDONTWRITEBYTECODE set, like this project's development machines, would
otherwise compile every module from source on every start (0.15-0.2 s of each one-article ingest).
`--no-compile` measures without doing so, with whatever bytecode is there.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ARTICLE = {
    "url": "https://news.example.com/2025/11/04/border-talks",
    "title": "Pakistan and Afghanistan agree to reopen the Torkham crossing after talks in Doha",
    "body": "\n".join(
        [
            "Pakistan and Afghanistan agreed on Sunday to reopen the Torkham border crossing, shut for three weeks "
            "after clashes, following talks mediated by Qatari officials in Doha. Traders in Peshawar said "
            "hundreds of trucks loaded with fruit and cement had been waiting on both sides of the border.",
        ]
        * 8
    ),
    "published_at": "2025-11-04T09:00:00Z",
    "source": "Bench Wire",
    "language": "en",
}


@dataclass
class Run:
    wall: float
    cpu: float
    max_rss_mb: float
    code: int
    output: str


def run(command: list[str], env: dict[str, str]) -> Run:
    """One process, timed; its own CPU time and peak memory from wait4 (not those of earlier runs)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode, output)


def report(name: str, runs: list[Run]) -> None:
    failed = [r for r in runs if r.code != 0]
    if failed:
        print(f"{name}: FAILED (exit {failed[0].code}): {failed[0].output.strip()[-500:]}")
        return
    print(
        f"{name:<34} wall {min(r.wall for r in runs):6.3f} s   cpu {min(r.cpu for r in runs):6.3f} s   "
        f"peak {max(r.max_rss_mb for r in runs):5.0f} MB   (best of {len(runs)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-r", "--runs", type=int, default=5, help="runs per command (default 5)")
    parser.add_argument("--no-compile", action="store_true", help="do not compile the package's bytecode first")
    args = parser.parse_args()
    if not args.no_compile:
        compileall.compile_dir(Path(__file__).resolve().parent.parent / "monitor", quiet=1)
    newsmon = str(Path(sys.executable).with_name("newsmon"))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "NEWSMON_CACHE_DIR": str(folder / "cache")}
        env.pop("NEWSMON_DB", None)
        article = folder / "article.jsonl"
        article.write_text(json.dumps(ARTICLE) + "\n", encoding="utf-8")

        report("newsmon --help", [run([newsmon, "--help"], env) for _ in range(args.runs)])

        def ingest(i: int) -> Run:
            return run([newsmon, "--db", str(folder / f"news-{i}.db"), "ingest", str(article)], env)

        report("ingest 1 article, compiling rules", [ingest(0)])
        report("ingest 1 article (rules cached)", [ingest(i) for i in range(1, args.runs + 1)])
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
