"""Injected Markdown in a real browser: a crafted link and stored articles full of Markdown and bare addresses
render as text. No image loads (a local trap server would see the request), no link appears in rendered
Markdown, and a bad `?article=` is one line. Screenshots in tests/e2e/screenshots/hostile-*.png."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from monitor import store
from monitor.ingest import jobs
from tests.e2e.conftest import SCREENSHOTS, Dashboard, new_tab, serve


class Trap:
    """A local server that records every request: an injected image or a prefetched link would hit it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                trap.requests.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture(scope="module")
def trap() -> Iterator[Trap]:
    running = Trap()
    yield running
    running.server.shutdown()
    running.server.server_close()


def hostile_text(trap: Trap) -> dict[str, str]:
    image, login = f"![x]({trap.base}/pixel.png)", f"[Login]({trap.base}/login)"
    return {"image": image, "login": login, "all": f"{image} {login} <{trap.base}/auto> :red[big] $x^2$"}


@pytest.fixture(scope="module")
def hostile_dashboard(browser, trap, tmp_path_factory) -> Iterator[Dashboard]:
    folder = tmp_path_factory.mktemp("hostile")
    text = hostile_text(trap)
    now = datetime.now(UTC).replace(microsecond=0)
    records = [
        {
            "url": "https://news.example/hostile",
            "title": f"Border talks resume {text['image']} {text['login']}",
            "author": f"{text['login']} boss@evil.example",
            "body": f"Officials met in Kabul to discuss the border ceasefire. Read more at {trap.base}/read now.\n"
            f"Sign in at www.evil.example or mail boss@evil.example. {text['all']}\n"
            "# Not a heading\n> not a quote",
            "source": f"Wire {text['login']}",
            "published_at": (now - timedelta(days=1)).isoformat(),
            "language": "en",
        },
        {
            "url": "https://news.example/plain",
            "title": "Pakistan and Afghanistan reopen the Torkham border crossing",
            "body": "Traders welcomed the decision, and officials in Islamabad said the ceasefire was holding.",
            "source": "Frontier Desk",
            "published_at": (now - timedelta(days=2)).isoformat(),
            "language": "en",
        },
    ]
    (folder / "hostile.jsonl").write_text("\n".join(json.dumps(record) for record in records), encoding="utf-8")
    database = store.open_db(folder / "news.db")
    try:
        assert jobs.ingest(database, [str(folder / "hostile.jsonl")]).added == 2
    finally:
        database.conn.close()
    with serve(folder / "news.db", folder) as running:
        with new_tab(browser) as tab:  # the first visit runs app.py's navigation (see warm_dashboard)
            tab.goto(running.url())
            tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1', timeout=60_000)
        yield running


def visit(page: Page, dashboard: Dashboard, path: str, title: str, **params: str) -> None:
    query = urllib.parse.urlencode(params)
    page.goto(f"{dashboard.base}/{path}?{query}")
    expect(page.locator("h1").first).to_have_text(title, timeout=60_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=30_000)
    page.wait_for_timeout(1000)  # anything an injected image would load has time to be asked for


def assert_inert(page: Page, trap: Trap, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"hostile-{name}.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
    assert "Traceback" not in page.inner_text("body")
    assert trap.requests == []  # no image or anything else was loaded from the injected addresses
    rendered = page.locator('[data-testid="stMarkdownContainer"]')
    links = rendered.locator("a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert [href for href in links if not (href or "").startswith("#")] == []  # heading anchors only
    assert rendered.locator("img").count() == 0
    assert page.locator(f'a[href*="{trap.base}"], a[href*="evil.example"], a[href^="mailto:"]').count() == 0
    assert page.locator(f'img[src*="{trap.base}"]').count() == 0


def test_a_crafted_link_shows_its_values_as_text(browser, hostile_dashboard, trap):
    text = hostile_text(trap)
    params = {"period": text["all"], "from": text["login"], "q": f"border {text['login']}", "source": text["all"]}
    with new_tab(browser) as page:
        visit(page, hostile_dashboard, "", "Overview", **params)
        assert_inert(page, trap, "crafted-link")
        sidebar = page.get_by_test_id("stSidebar").inner_text().replace("\u2060", "")  # see the reader test
        assert f"Link: unknown period '{text['all']}'" in sidebar
        assert f"Link: from='{text['login']}' is not a date" in sidebar
        caption = page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first.inner_text()
        assert f"source {text['all']}" in caption.replace("\u2060", "")


def test_the_reader_shows_markdown_and_addresses_in_articles_as_text(browser, hostile_dashboard, trap):
    text = hostile_text(trap)
    with new_tab(browser) as page:
        visit(page, hostile_dashboard, "articles", "Articles", period="all", article="1", q="ceasefire")
        assert_inert(page, trap, "reader")
        main = page.get_by_test_id("stMain")
        body = main.inner_text().replace("\u2060", "")  # the joiner that keeps addresses from becoming links
        heading = main.get_by_test_id("stHeading").filter(has_text="Border talks").inner_text()
        assert heading.replace("\u2060", "").strip() == f"Border talks resume {text['image']} {text['login']}"
        assert f"Read more at {trap.base}/read now." in body
        assert "www.evil.example or mail boss@evil.example" in body
        assert "# Not a heading" in body and "> not a quote" in body and ":red[big] $x^2$" in body
        # the only link is the reader's own button to the original article
        assert main.locator("a[href^='http']").evaluate_all("links => links.map(link => link.href)") == [
            "https://news.example/hostile"
        ]


@pytest.mark.parametrize("value", ["abc", "1.5", "9" * 30])
def test_an_article_id_that_is_not_one_is_one_line_in_the_browser(browser, hostile_dashboard, trap, value):
    with new_tab(browser) as page:
        visit(page, hostile_dashboard, "articles", "Articles", period="all", article=value)
        assert_inert(page, trap, f"article-{value[:8]}")
        expect(page.get_by_test_id("stAlert").filter(has_text="is not an article id")).to_have_count(1)
