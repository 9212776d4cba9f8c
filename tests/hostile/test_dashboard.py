"""The dashboard with hostile text (AppTest): crafted link parameters, a feed whose title and whose server's
error text are Markdown, stored articles full of Markdown and bare addresses, and article ids that are not ids.
Whatever Streamlit would render as Markdown must hold no link, no image and no bare address it would link; a
bad `?article=` is one line, never a traceback."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from monitor import config, sources, store
from monitor.ingest import jobs

HARNESS = str(Path(__file__).resolve().parent.parent / "page_harness.py")
PAGES = ("overview", "trends", "articles", "sources", "export")
EVIL = "http://evil.example"
IMAGE = f"![x]({EVIL}/pixel.png)"
LOGIN = f"[Login]({EVIL}/login)"
HOSTILE = f"{IMAGE} {LOGIN} <{EVIL}/auto> www.evil.example boss@evil.example :red[big] $x^2$"

# In Markdown source: a link or image ([text](url), ![alt](url)), an autolink (<http...>), or a bare address that
# GitHub-flavoured Markdown links by itself (http://..., www.x, name@host).
UNSAFE = {
    "link or image": re.compile(r"(?<!\\)\]\("),
    "angle autolink": re.compile(r"(?<!\\)<"),
    "bare address": re.compile(r"https?://|www\.|[\w.+-]@[\w-]+\.", re.IGNORECASE),
    "colour directive": re.compile(r"(?<!\\):red(?<!\\)\["),
    "LaTeX": re.compile(r"(?<!\\)\$"),
}


def markdown_shown(at: AppTest) -> list[str]:
    """Every string Streamlit renders as Markdown on the page and in the sidebar."""
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "toast", "title", "header", "subheader")
    shown = [str(element.value) for kind in kinds for element in getattr(at, kind)]
    shown += [element.label for element in at.expander] + [element.label for element in at.tabs]
    shown += [element.label for element in at.metric]
    return shown


def assert_inert(at: AppTest) -> list[str]:
    assert not at.exception, [error.value for error in at.exception]
    shown = markdown_shown(at)
    problems = [(name, text) for text in shown for name, pattern in UNSAFE.items() if pattern.search(text)]
    assert problems == [], problems
    return shown


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(HARNESS, default_timeout=60)
    at.session_state["page"] = page
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    return at


@pytest.fixture
def no_demo(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "DEMO_DB", tmp_path / "no-demo.db")


@pytest.fixture
def hostile_articles(db, tmp_path, no_demo) -> int:
    """Articles stored as an older newsmon kept them: Markdown, bare addresses, bidi controls and all."""
    now = datetime.now(UTC).replace(microsecond=0)
    records = [
        {
            "url": "https://news.example/hostile",
            "title": f"Border talks resume {IMAGE} {LOGIN}",
            "author": f"{LOGIN} boss@evil.example",
            "body": f"Officials met in Kabul to discuss the border ceasefire. Read more at {EVIL}/login now.\n"
            f"Sign in at www.evil.example or mail boss@evil.example. {IMAGE} {LOGIN}\n"
            "# Not a heading\n1. not a list\n> not a quote :red[not red] $x^2$ https://evil.example/x",
            "source": f"Wire {LOGIN}",
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
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records), encoding="utf-8")
    assert jobs.ingest(db, [str(path)]).added == 2
    # what ingestion (now) strips, an older database may still hold
    db.execute(
        "UPDATE articles SET body = body || ? WHERE url = 'https://news.example/hostile'",
        ["\nfile \u202egnp.exe\u202c and a NUL\x00 here"],
    )
    return db.execute("SELECT id FROM articles WHERE url = 'https://news.example/hostile'").fetchone()[0]


LINK_PARAMS = {
    "period": HOSTILE,
    "from": LOGIN,
    "to": IMAGE,
    "q": f"border {LOGIN} {IMAGE}",
    "source": HOSTILE,
    "country": f"PK,{IMAGE}",
    "topic": LOGIN,
    "lang": IMAGE,
    "pub": LOGIN,
    "sent": IMAGE,
}


@pytest.mark.parametrize("page", PAGES)
def test_crafted_link_parameters_are_shown_as_text_on_every_page(page, hostile_articles):
    at = open_page(page, **LINK_PARAMS)
    shown = assert_inert(at)
    notes = [text for text in shown if text.startswith("Link:")]
    assert len(notes) == 4, notes  # period, from, to and sent are not what they should be: each said once
    assert any("search syntax" in error.value for error in at.sidebar.error)  # the query is not valid FTS5


@pytest.mark.parametrize("page", PAGES)
def test_a_valid_search_and_a_hostile_source_name_in_the_link_are_text(page, hostile_articles):
    at = open_page(page, period="all", q="ceasefire", source=f"Wire {LOGIN}")
    shown = assert_inert(at)
    if page != "sources":  # the selection in words, under the title
        assert any("source Wire \\[Login\\]" in text for text in shown), shown


def test_the_reader_shows_hostile_stored_text_as_text(hostile_articles):
    at = open_page("articles", period="all", article=str(hostile_articles), q="ceasefire OR login")
    shown = assert_inert(at)
    body = "\n".join(element.value for element in at.markdown)
    assert ":orange-background[**ceasefire**]" in body
    assert ":orange-background[**login**]" in body  # highlighted inside the broken address, still not a link
    assert "\\# Not a heading" in body and "1\\. not a list" in body and "\\> not a quote" in body
    assert "\u202e" not in "".join(shown) and "\x00" not in "".join(shown)
    assert "gnp\\.exe" in body
    assert any("highlighted matches of" in text for text in shown)


@pytest.mark.parametrize("value", ["abc", "1.5", "9" * 30, "-3", "0", "", " ", "1e3", "٣", "0x10"])
def test_an_article_id_that_is_not_one_is_a_single_line(value, hostile_articles):
    at = open_page("articles", period="all", article=value)
    assert not at.exception, [error.value for error in at.exception]
    warnings = [warning.value for warning in at.warning]
    if value.strip():
        assert len(warnings) == 1 and "is not an article id" in warnings[0], warnings
    assert len(at.dataframe[0].value) == 2  # the table is still there to pick from
    assert_inert(at)


def test_an_id_with_no_article_says_so(hostile_articles):
    at = open_page("articles", period="all", article="987654321987654321")
    assert not at.exception
    assert [warning.value for warning in at.warning] == ["There is no article with id 987654321987654321."]


def test_a_term_from_a_link_is_text_in_the_chart_legend(hostile_articles):
    """Plotly draws <a href> found in a trace name: a term that a shared link puts in the Trends page's comparison
    would be a "Login" link in the legend. Checked in chromium: unescaped, plotly makes the <a>; escaped, it shows
    the tags as text."""
    term = f"\"<a href='{EVIL}/login'>Login</a>\" OR ceasefire"
    at = open_page("trends", period="all", trends_terms=term)
    assert_inert(at)
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    terms_chart = next(chart for chart in charts if "matching each term" in json.dumps(chart["layout"]["title"]))
    names = [trace["name"] for trace in terms_chart["data"]]
    assert names == [f"\"&lt;a href='{EVIL}/login'&gt;Login&lt;/a&gt;\" OR ceasefire"], names
    assert "<a" not in json.dumps(terms_chart)


# ---- a hostile feed and a hostile server, through the Sources page ------------------------------------------

FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Daily {LOGIN} {IMAGE}</title><link>https://feeds.example/</link>
<item><title>Talks on the border resume</title><link>https://feeds.example/a</link>
<description>Officials said the ceasefire was holding.</description>
<pubDate>{datetime.now(UTC):%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>
</channel></rss>"""


@pytest.fixture
def hostile_server() -> Iterator[str]:
    """A feed with a Markdown title, and a server whose error reason is Markdown."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            if self.path == "/feed":
                body = FEED.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
            else:
                body = b"down"
                self.send_response(503, f"Please {LOGIN} {IMAGE}")
                self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_feed_title_and_a_server_error_are_text_after_fetch_now(db, no_demo, hostile_server):
    store.add_source(db, f"{hostile_server}/feed")
    store.add_source(db, f"{hostile_server}/broken")
    at = open_page("sources")
    at.button(key="sources_fetch").click().run()
    shown = assert_inert(at)
    outcome = next(warning.value for warning in at.warning if warning.value.startswith("Fetched 2 sources"))
    assert "1 failed" in outcome and "Please \\[Login\\]" in outcome, outcome
    assert db.execute("SELECT count(*) FROM sources WHERE name LIKE 'Daily [Login]%'").fetchone()[0] == 1

    by_name = {source.name: source.id for source in sources.list_sources(db)}
    hostile_id = next(source_id for name, source_id in by_name.items() if name.startswith("Daily"))
    at.selectbox(key="sources_manage").select(hostile_id).run()
    at.button(key="sources_pause").click().run()
    shown = assert_inert(at)
    assert any(text.startswith("Paused Daily \\[Login\\]") for text in shown), shown

    at = open_page("articles", period="all", source=next(name for name in by_name if name.startswith("Daily")))
    shown = assert_inert(at)
    assert any("source Daily \\[Login\\]" in text for text in shown), shown
    assert len(at.dataframe[0].value) == 1
