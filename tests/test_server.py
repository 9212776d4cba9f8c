"""`newsmon serve` starts the dashboard (and the background fetcher) and stops both with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import httpx

from monitor import server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_on_its_port_and_stops_cleanly(db_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor",
            "--db",
            str(db_path),
            "serve",
            "--headless",
            "--no-demo",
            "--port",
            str(port),
        ],
        env={**os.environ, "NEWSMON_DB": str(db_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert server.wait_until_up(f"http://127.0.0.1:{port}", timeout=60)
        assert httpx.get(f"http://127.0.0.1:{port}/app/static/topojson/world_110m.json").status_code == 200
        assert db_path.exists()  # created (and migrated) before the dashboard started
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output = process.communicate(timeout=30)[0].decode()
    assert f"dashboard: http://localhost:{port}" in output
    assert db_path.with_suffix(".watch.log").exists()  # the background fetcher ran beside it
