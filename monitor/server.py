"""`newsmon serve`: the dashboard, with the scheduler fetching in the background.

On a first run without network the real database stays empty, so a separate demo database is generated
(never mixed with real articles) and the dashboard shows it with a banner until real articles arrive.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import webbrowser
from pathlib import Path

import httpx

from monitor import config, queries, store

log = logging.getLogger(__name__)
APP = config.PROJECT_DIR / "app.py"
DEMO_ARTICLES = 3000
DEMO_DAYS = 90


def needs_demo(db_path: Path) -> bool:
    """True when the real database has no article yet and there is no demo database to show instead."""
    if config.DEMO_DB.exists() or Path(db_path).resolve() == config.DEMO_DB.resolve():
        return False
    db = store.open_db(db_path)
    try:
        return not queries.has_articles(db)
    finally:
        db.conn.close()


def make_demo(on_progress=None) -> int:
    from monitor import demo  # the generator's templates load only when needed

    db = store.open_db(config.DEMO_DB)
    try:
        return demo.generate(db, articles=DEMO_ARTICLES, days=DEMO_DAYS, on_progress=on_progress)
    finally:
        db.conn.close()


def streamlit_command(port: int) -> list[str]:
    # Always headless: otherwise Streamlit's first run stops to ask for an e-mail address. The browser is
    # opened here instead, once the server answers.
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def wait_until_up(url: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def serve(db_path: Path, *, port: int, watch: bool, headless: bool) -> int:
    """Run the dashboard in the foreground (and `newsmon watch` in the background) until interrupted."""
    env = {**os.environ, "NEWSMON_DB": str(Path(db_path).resolve())}  # the dashboard runs in the project folder
    env.setdefault("NEWSMON_BASE_URL", f"http://localhost:{port}")  # the links in alert messages
    watcher = None
    if watch:
        log_path = db_path.with_suffix(".watch.log")
        with log_path.open("a") as log_file:
            watcher = subprocess.Popen(
                [sys.executable, "-m", "monitor", "watch"], env=env, stdout=log_file, stderr=subprocess.STDOUT
            )
    dashboard = subprocess.Popen(streamlit_command(port), env=env, cwd=config.PROJECT_DIR)
    try:
        url = f"http://localhost:{port}"
        if not headless and wait_until_up(url):
            webbrowser.open(url)
        return dashboard.wait()
    except KeyboardInterrupt:
        dashboard.terminate()
        dashboard.wait(timeout=10)
        return 0
    finally:
        if watcher is not None:
            watcher.terminate()
            watcher.wait(timeout=10)
