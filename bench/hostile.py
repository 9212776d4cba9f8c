"""Peak memory and time of `newsmon ingest` / `fetch` on the worst inputs we know of.

    .venv/bin/python bench/hostile.py                 # every case (the slow-header server takes ~2 minutes)
    .venv/bin/python bench/hostile.py --skip-slow     # without it
    .venv/bin/python bench/hostile.py --only gzip     # cases whose name contains "gzip"

Each case runs the real CLI in a subprocess on a fresh database; its peak resident memory (VmHWM) comes from
os.wait4's rusage for that child. Inputs are generated in a temporary directory. Prints figures; asserts
nothing (the limit we hold ourselves to: every single input under 1 GB of RSS, fetches within their limit).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

NEWSMON = [sys.executable, "-m", "monitor"]
SAMPLE = (
    "the minister said talks on the border crossing would resume next week after floods cut roads to the "
    "valley where aid agencies warned of shortages of food fuel and medicine as prices rose sharply and the "
    "central bank held rates while exporters pressed for relief from the new tariffs announced in the capital"
)
WORDS = SAMPLE.split()
GOOD = json.dumps(
    {
        "url": "https://news.example/after",
        "title": "Aid convoys reach the flooded valley",
        "body": "Aid convoys reached the flooded valley on Tuesday, officials said, after roads reopened.",
        "published_at": "2025-11-05T10:00:00Z",
    }
)


def prose(n_bytes: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    words, size = [], 0
    while size < n_bytes:
        word = rng.choice(WORDS)
        words.append(word + ("." if rng.random() < 0.06 else ""))
        size += len(word) + 1
    return " ".join(words)


def write_record_with_body(path: Path, body_bytes: int, *, compress: bool = False) -> None:
    """One JSONL record whose body is `body_bytes` long, written in pieces, then a normal record."""
    opener = gzip.open if compress else open
    with opener(path, "wb") as out:
        out.write(b'{"url": "https://news.example/huge", "title": "A huge record", "body": "')
        chunk = b"a" * (1 << 20) if compress else prose(1 << 20).encode()
        for _ in range(body_bytes // len(chunk)):
            out.write(chunk)
        out.write(b'"}\n' + GOOD.encode() + b"\n")


def case_huge_record(folder: Path) -> list[str]:
    path = folder / "huge-record.jsonl"
    write_record_with_body(path, 200 << 20)
    return ["ingest", str(path)]


def case_gzip_bomb(folder: Path) -> list[str]:
    path = folder / "bomb.jsonl.gz"
    write_record_with_body(path, 50 << 20, compress=True)
    return ["ingest", str(path)]


def case_gzip_bomb_document(folder: Path) -> list[str]:
    path = folder / "bomb.html.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"<html><body><article><p>")
        for _ in range(1024):
            out.write(b"a" * (1 << 20))
        out.write(b"</p></article></body></html>")
    return ["ingest", str(path)]


def case_body_5mb(folder: Path) -> list[str]:
    path = folder / "body-5mb.jsonl"
    path.write_text(json.dumps({"title": "A very long report", "body": prose(5 << 20, seed=2)}) + "\n" + GOOD + "\n")
    return ["ingest", str(path)]


def case_text_5mb(folder: Path) -> list[str]:
    path = folder / "report-5mb.txt"
    path.write_text("A very long report\n\n" + "\n".join(prose(2000, seed=n) for n in range(2600)))
    return ["ingest", str(path)]


def case_nested(folder: Path) -> list[str]:
    path = folder / "nested.jsonl"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n" + GOOD + "\n")
    return ["ingest", str(path)]


def case_large_page(folder: Path) -> list[str]:
    """An HTML page just under the 10 MB page limit: the largest page ingest accepts."""
    path = folder / "large-page.html"
    with open(path, "w") as out:
        out.write("<html><head><title>Long page</title></head><body><article><h1>Long page</h1>")
        for n in range(4_900):
            out.write(f"<p>{prose(2000, seed=n % 50)}</p>\n")
        out.write("</article></body></html>")
    return ["ingest", str(path)]


def case_large_feed(folder: Path) -> list[str]:
    """An RSS feed just under the document limit: 30 entries of 2 MB each."""
    path = folder / "large-feed.xml"
    with open(path, "w") as out:
        out.write("<?xml version='1.0'?><rss version='2.0'><channel><title>Big</title>")
        for n in range(30):
            out.write(f"<item><title>Entry {n}</title><link>https://news.example/e{n}</link><description>")
            out.write(prose(2 << 20, seed=n))
            out.write("</description></item>")
        out.write("</channel></rss>")
    return ["ingest", str(path)]


class SlowHeaders:
    """A local server sending its response headers one byte per second, for longer than the fetch limit."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/feed.xml"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            conn, _ = self.listener.accept()
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    @staticmethod
    def _drip(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 600:
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(1)


def case_slow_headers(folder: Path, db: Path) -> list[str]:
    server = SlowHeaders()
    subprocess.run([*NEWSMON, "--db", str(db), "sources", "add", server.url, "--name", "Drip"], check=True,
                   capture_output=True)  # fmt: skip
    return ["fetch"]


CASES: dict[str, tuple[str, Callable]] = {
    "huge-record": ("JSONL, one 200 MB record then a normal one", case_huge_record),
    "gzip-bomb": ("gzip JSONL holding one 50 MB record", case_gzip_bomb),
    "gzip-bomb-document": ("gzip HTML unpacking to 1 GB", case_gzip_bomb_document),
    "body-5mb": ("JSONL record with a 5 MB body", case_body_5mb),
    "text-5mb": ("5 MB plain-text article", case_text_5mb),
    "nested": ("JSONL line nested 100,000 levels, then a normal one", case_nested),
    "large-page": ("10 MB HTML page (under the 10 MB page limit)", case_large_page),
    "large-feed": ("60 MB RSS feed, 30 entries of 2 MB", case_large_feed),
    "slow-headers": ("fetch: headers at one byte per second (limit 120 s)", case_slow_headers),
}


def run(arguments: list[str], db: Path) -> tuple[float, float, int, str]:
    """(peak RSS in MB, seconds, exit status, last lines of output) of one CLI run."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen([*NEWSMON, "--db", str(db), *arguments], stdout=output, stderr=output)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        output.seek(0)
        lines = output.read().decode(errors="replace").strip().splitlines()
    return usage.ru_maxrss / 1024, seconds, process.returncode, " | ".join(line[:140] for line in lines[-3:])


def run_seconds(db: Path) -> float:
    """How long the run log says the input took, from its start to its end (whole seconds)."""
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT max(unixepoch(finished_at) - unixepoch(started_at)) FROM runs WHERE finished_at IS NOT NULL"
        ).fetchone()
    return float(row[0] or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-slow", action="store_true", help="leave out the slow-header server (~2 min)")
    parser.add_argument("--only", help="run the cases whose name contains this")
    options = parser.parse_args()
    os.chdir(Path(__file__).resolve().parent.parent)
    print(f"{'case':<20} {'peak RSS':>10} {'time':>8}  exit  input / output")
    for name, (label, make) in CASES.items():
        if options.only and options.only not in name:
            continue
        if options.skip_slow and name == "slow-headers":
            continue
        with tempfile.TemporaryDirectory(prefix="newsmon-hostile-") as folder:
            db = Path(folder) / "bench.db"
            subprocess.run([*NEWSMON, "--db", str(db), "init", "--no-starter"], check=True, capture_output=True)
            arguments = make(Path(folder), db) if name == "slow-headers" else make(Path(folder))
            size = sum(f.stat().st_size for f in Path(folder).iterdir() if not f.name.startswith("bench.db"))
            rss, seconds, status, tail = run(arguments, db)
            print(f"{name:<20} {rss:>7.0f} MB {seconds:>7.1f}s  {status:>4}  {label} ({size / 2**20:.1f} MB on disk)")
            print(f"{'':<20} {tail}")
            print(f"{'':<20} the input itself (run log, without starting Python): {run_seconds(db):.0f} s", flush=True)


if __name__ == "__main__":
    main()
