"""Browser fixtures: a small database, the dashboard served by `streamlit run` on a free port, and Debian's
chromium driven by Playwright (never a downloaded browser, never the network)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import store
from monitor.ingest import jobs

PROJECT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
STARTUP_SECONDS = 90

log = logging.getLogger(__name__)

# (country, capital) x (title, body) templates: 30 articles on a few countries and topics over 20 days.
PLACES = [
    ("Pakistan", "Islamabad"),
    ("India", "New Delhi"),
    ("Afghanistan", "Kabul"),
    ("Iran", "Tehran"),
    ("Bangladesh", "Dhaka"),
]
TEMPLATES = [
    (
        "Fighting near the {country} border leaves four soldiers dead",
        "Troops in {country} clashed with militants near the border overnight, and the army said artillery "
        "shelling killed four soldiers and wounded several civilians.\n"
        "Officials in {capital} called for a ceasefire and said reinforcements had been sent to the area.",
    ),
    (
        "{country} central bank raises interest rates to fight inflation",
        "The central bank of {country} raised its policy interest rate by half a point, citing stubborn inflation "
        "and a widening budget deficit.\n"
        "Economists in {capital} expect slower growth this year as borrowing costs rise for households.",
    ),
    (
        "Hospitals in {capital} struggle with a dengue outbreak",
        "Health officials in {country} reported hundreds of new dengue cases this week, and hospitals in "
        "{capital} are short of beds.\n"
        "The health ministry opened fever clinics and asked doctors to report every suspected case.",
    ),
    (
        "Floods in {country} displace thousands after record monsoon rains",
        "Heavy monsoon rains flooded villages across {country}, forcing thousands of families from their homes.\n"
        "Scientists in {capital} said climate change was making such extreme weather more frequent, and "
        "called for cuts in emissions.",
    ),
    (
        "{country} foreign minister meets diplomats for talks on regional trade",
        "The foreign minister of {country} met foreign diplomats in {capital} to discuss a regional trade "
        "agreement and closer bilateral relations.\n"
        "Both sides said the talks were constructive and agreed to hold a summit next year.",
    ),
    (
        "Voters in {country} prepare for parliamentary elections",
        "Political parties in {country} launched their campaigns ahead of parliamentary elections, with "
        "candidates holding rallies across {capital}.\n"
        "The election commission said polling stations would open early and that turnout was expected to be high.",
    ),
]
SOURCES = ["Frontier Desk", "Wire One", "Daily Monitor"]


def write_articles(path: Path, now: datetime) -> int:
    """The hand-written articles as JSONL, dated within the last 20 days."""
    lines = []
    for number, ((title, body), (country, capital)) in enumerate(
        (template, place) for template in TEMPLATES for place in PLACES
    ):
        published = now - timedelta(days=number % 20, hours=number)
        record = {
            "url": f"https://news.example/e2e/{number}",
            "title": title.format(country=country, capital=capital),
            "body": body.format(country=country, capital=capital),
            "source": SOURCES[number % len(SOURCES)],
            "published_at": published.isoformat(),
            "language": "en",
        }
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def build_database(path: Path) -> str:
    """The demo generator's articles when monitor.demo works, else the hand-written ones. Returns which."""
    database = store.open_db(path)
    try:
        try:
            from monitor import demo

            demo.generate(database, articles=300, days=60, seed=5)
            if database.execute("SELECT count(*) FROM articles").fetchone()[0]:
                return "demo generator"
        except Exception as error:  # the generator is optional: fall back to hand-written articles
            log.warning("monitor.demo.generate unavailable (%s); using hand-written articles", error)
            database.conn.close()
            path.unlink(missing_ok=True)
            database = store.open_db(path)
        jsonl = path.with_name("articles.jsonl")
        written = write_articles(jsonl, datetime.now(UTC).replace(microsecond=0))
        summary = jobs.ingest(database, [str(jsonl)])
        assert summary.added == written, summary
        return "hand-written articles"
    finally:
        database.conn.close()


@pytest.fixture(scope="session")
def e2e_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("e2e") / "news.db"
    origin = build_database(path)
    log.info("e2e database %s from %s", path, origin)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Dashboard:
    base: str  # http://127.0.0.1:PORT
    db_path: Path

    def url(self, page: str = "", **params: str) -> str:
        """A page's link with ?period=all (everything in the test database) and any other parameters."""
        query = "&".join(f"{key}={value}" for key, value in {"period": "all", **params}.items())
        return f"{self.base}/{page}?{query}"


def wait_healthy(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit not healthy after {STARTUP_SECONDS}s:\n{log_path.read_text()[-3000:]}")


@contextlib.contextmanager
def serve(db_path: Path, log_dir: Path) -> Iterator[Dashboard]:
    """`streamlit run app.py` (through monitor.launch, as `newsmon serve`) on a database and a free port; stopped on
    leaving, whatever happened."""
    port = free_port()
    log_path = log_dir / f"streamlit-{port}.log"
    env = os.environ | {"NEWSMON_DB": str(db_path), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    command = [sys.executable, "-m", "monitor.launch", "run", "app.py", "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    with open(log_path, "wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, log_path)
        yield Dashboard(base, db_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def dashboard(e2e_db, tmp_path_factory) -> Iterator[Dashboard]:
    with serve(e2e_db, tmp_path_factory.mktemp("streamlit")) as running:
        yield running


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless and without background network traffic."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium "
            "(apt-get install chromium) before the tests.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@contextlib.contextmanager
def new_tab(browser):
    """A fresh browser tab (its own Streamlit session) at a desktop size, in UTC."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="UTC", accept_downloads=True)
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def warm_dashboard(browser, dashboard) -> Dashboard:
    """The dashboard after one visit to its home page. Until a session has run app.py's st.navigation, Streamlit
    treats the pages/ folder as a v1 multipage app and runs a deep-linked page without app.py (see
    test_a_deep_link_works_as_the_first_visit_after_a_start); the other tests must not depend on their order."""
    with new_tab(browser) as tab:
        tab.goto(dashboard.url())
        tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1', timeout=60_000)
    return dashboard


@pytest.fixture
def page(browser, warm_dashboard):
    with new_tab(browser) as tab:
        yield tab


@pytest.fixture
def screenshot(page, request):
    """screenshot() saves the full page to tests/e2e/screenshots/<test name>.png; a test that fails before
    calling it gets its picture at teardown, to see what went wrong."""
    SCREENSHOTS.mkdir(exist_ok=True)
    saved: list[Path] = []

    def save(name: str | None = None) -> Path:
        path = SCREENSHOTS / f"{name or request.node.name}.png"
        # Streamlit scrolls inside its main area, not the document: grow the window to the content's height
        # so that the full-page picture holds all of it, then put the window back.
        viewport = page.viewport_size
        height = page.evaluate(
            """() => Math.max(document.documentElement.scrollHeight, ...['stMain', 'stSidebarContent']
                 .map(id => document.querySelector(`[data-testid="${id}"]`)?.scrollHeight ?? 0))"""
        )
        if viewport and height > viewport["height"]:
            page.set_viewport_size({"width": viewport["width"], "height": min(height + 40, 8000)})
            page.wait_for_timeout(500)  # charts redraw at the new size
        page.screenshot(path=str(path), full_page=True)
        if viewport:
            page.set_viewport_size(viewport)
        saved.append(path)
        return path

    yield save
    if not saved:
        save()
