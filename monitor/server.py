"""`newsmon serve`: the dashboard, with the scheduler fetching in the background.

On a first run without network the real database stays empty, so a separate demo database is generated
(never mixed with real articles) and the dashboard shows it with a banner until real articles arrive.

The dashboard has no login, so it listens on 127.0.0.1 unless told otherwise. Stopping `serve` (Ctrl+C,
SIGTERM from a service manager, SIGHUP when its terminal closes) stops both children and waits for them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import subprocess
import sys
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

from monitor import config  # the rest where used: `newsmon --help` imports this module for its defaults

log = logging.getLogger(__name__)
APP = config.PROJECT_DIR / "app.py"
DEMO_ARTICLES = 3000
DEMO_DAYS = 90
LOCAL_ADDRESS = "127.0.0.1"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_SECONDS = 10  # for each child to finish before it is killed


def needs_demo(db_path: Path) -> bool:
    """True when the real database has no article yet and there is no demo database to show instead."""
    if config.DEMO_DB.exists() or Path(db_path).resolve() == config.DEMO_DB.resolve():
        return False
    from monitor import queries, store

    db = store.open_db(db_path)
    try:
        return not queries.has_articles(db)
    finally:
        db.conn.close()


def make_demo(on_progress=None) -> int:
    from monitor import demo, store  # the generator's templates load only when needed

    db = store.open_db(config.DEMO_DB)
    try:
        return demo.generate(db, articles=DEMO_ARTICLES, days=DEMO_DAYS, on_progress=on_progress)
    finally:
        db.conn.close()


def is_loopback(address: str) -> bool:
    """True when only this machine can reach an address (127.0.0.0/8, ::1, localhost)."""
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def dashboard_url(port: int, address: str = LOCAL_ADDRESS) -> str:
    """Where a browser on this machine finds the dashboard."""
    host = "localhost" if is_loopback(address) or address in ("0.0.0.0", "::") else address
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def streamlit_command(port: int, address: str = LOCAL_ADDRESS) -> list[str]:
    # Always headless: otherwise Streamlit's first run stops to ask for an e-mail address. The browser is
    # opened here instead, once the server answers.
    return [
        sys.executable, "-m", "monitor.launch", "run", str(APP),  # `streamlit run`, the first run's modules loaded
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def wait_until_up(url: str, timeout: float = 60, alive: Callable[[], bool] = lambda: True) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def serve(db_path: Path, *, port: int, watch: bool, headless: bool, address: str = LOCAL_ADDRESS) -> int:
    """Run the dashboard in the foreground (and `newsmon watch` in the background) until it exits or `serve`
    gets SIGINT, SIGTERM or SIGHUP; either way both children are stopped and waited for. Returns the
    dashboard's exit status, 0 when stopped by a signal."""
    env = {**os.environ, "NEWSMON_DB": str(Path(db_path).resolve())}  # the dashboard runs in the project folder
    env.setdefault("NEWSMON_BASE_URL", dashboard_url(port, address))  # the links in alert messages
    children: list[subprocess.Popen] = []
    stopping: list[int] = []
    asked: set[int] = set()  # children sent SIGINT already: a second one would interrupt their clean stop

    def ask_to_stop(child: subprocess.Popen) -> None:
        # SIGINT is how both children stop cleanly: Streamlit closes its server, `watch` ends its pass.
        if child.pid not in asked and child.poll() is None:
            asked.add(child.pid)
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGINT)

    def stop(signum: int, _frame) -> None:
        stopping.append(signum)
        for child in children:
            ask_to_stop(child)

    # The children run in their own sessions, so a signal reaches them once, from here, whoever sent it.
    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        if watch:
            with db_path.with_suffix(".watch.log").open("a") as log_file:
                children.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "monitor", "watch"],
                        env=env,
                        stdout=log_file,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )  # fmt: skip
                )
        if stopping:
            return 0
        dashboard = subprocess.Popen(
            streamlit_command(port, address), env=env, cwd=config.PROJECT_DIR, start_new_session=True
        )
        children.append(dashboard)
        if stopping:  # the signal came while it was starting
            ask_to_stop(dashboard)
        url = dashboard_url(port, address)
        if not headless and wait_until_up(url, alive=lambda: dashboard.poll() is None and not stopping):
            webbrowser.open(url)
        status = dashboard.wait()
        return 0 if stopping else status
    finally:
        for child in reversed(children):
            ask_to_stop(child)
            _wait_or_kill(child)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _wait_or_kill(child: subprocess.Popen) -> None:
    try:
        child.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        log.warning("process %s did not stop within %s s: killed", child.pid, STOP_SECONDS)
        child.kill()
        child.wait()
