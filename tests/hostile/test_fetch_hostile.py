"""Hostile servers and crafted links: the whole request keeps its time limit, and addresses chosen by a
third party (redirect targets, links inside a feed) never reach loopback, private or metadata addresses."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from monitor import scheduler, store
from monitor.ingest import http, jobs

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)
FAST = http.FetchSettings(connect_timeout=2, read_timeout=1, total_timeout=1.5, max_redirects=3)
FEED = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def slow_headers() -> Iterator[tuple[str, list[int]]]:
    """A server that sends its status line and headers one byte every 0.1 s, for ever (within a read timeout
    each time): only a limit on the whole request stops a client."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    served: list[int] = []

    def drip(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            served.append(1)
            reply = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 60  # 8 s, then the connection closes
            for byte in reply:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.1)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed.xml", served
    stop.set()
    thread.join()
    listener.close()


def test_headers_dripped_byte_by_byte_stop_at_the_total_limit(slow_headers):
    url, served = slow_headers
    started = time.monotonic()
    with http.make_client(FAST) as client, pytest.raises(http.FetchError) as caught:
        http.fetch(client, url, settings=FAST)
    elapsed = time.monotonic() - started
    assert served and elapsed < FAST.total_timeout + 1.0
    assert "took longer than 1.5 s in all" in caught.value.reason


def test_a_slow_source_fails_within_the_limit_and_is_recorded(db, slow_headers):
    url, _ = slow_headers
    source_id, _ = store.add_source(db, url, name="Drip")
    started = time.monotonic()
    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)
    assert time.monotonic() - started < FAST.total_timeout + 1.5
    assert summary.failed == 1 and "took longer than" in summary.failures[0].error
    assert "took longer than" in db["sources"].get(source_id)["last_error"]


@pytest.fixture
def other_local_server(web) -> Iterator[str]:
    """A second local 'internal service' on another port, recording whether anything reached it."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Secret(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = b"<html><body><article><p>internal secret text " + b"x" * 400 + b"</p></article></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Secret)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.hits = hits
    yield server
    server.shutdown()
    server.server_close()


def test_redirect_to_another_loopback_service_is_refused(web, other_local_server):
    secret = f"http://127.0.0.1:{other_local_server.server_port}/admin"
    url = web.route("/feed.xml", status=302, headers={"Location": secret})
    with http.make_client(FAST) as client, pytest.raises(http.FetchError) as caught:
        http.fetch(client, url, settings=FAST)
    assert caught.value.reason.startswith("refused to connect to 127.0.0.1 (127.0.0.1): a loopback address")
    assert other_local_server.hits == []


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://[::1]:9/"])
def test_redirect_to_metadata_private_or_ipv6_loopback_is_refused_before_connecting(web, target):
    url = web.route("/feed.xml", status=301, headers={"Location": target})
    started = time.monotonic()
    with http.make_client(FAST) as client, pytest.raises(http.FetchError, match="refused to connect") as caught:
        http.fetch(client, url, settings=FAST)
    assert time.monotonic() - started < 1  # refused, not timed out trying
    assert "chosen by a feed or a redirect" in caught.value.reason


def test_a_kept_alive_connection_does_not_serve_a_redirect_to_an_internal_host(web, other_local_server):
    """The first URL (the user's, on loopback) leaves a kept-alive connection; a second URL redirecting
    there must still be refused."""
    own = f"http://127.0.0.1:{other_local_server.server_port}/mine"
    bounce = web.route("/bounce", status=302, headers={"Location": own + "-secret"})
    with http.make_client(FAST) as client:
        assert http.fetch(client, own, settings=FAST).status == 200
        with pytest.raises(http.FetchError, match="refused to connect"):
            http.fetch(client, bounce, settings=FAST)
    assert other_local_server.hits == ["/mine"]


def test_user_urls_on_loopback_follow_the_setting(web, monkeypatch):
    url = web.route("/feed.xml", "<rss/>")
    with http.make_client(FAST) as client:
        assert http.fetch(client, url, settings=FAST).content == b"<rss/>"  # the default allows loopback
        monkeypatch.setenv(http.INTERNAL_URLS, "none")
        refusing = http.FetchSettings(connect_timeout=2, read_timeout=1)
        with pytest.raises(http.FetchError, match="not allowed with NEWSMON_INTERNAL_URLS=none"):
            http.fetch(client, url, settings=refusing)
        monkeypatch.setenv(http.INTERNAL_URLS, "everything")
        with pytest.raises(http.FetchError, match="must be one of none, loopback, private"):
            http.fetch(client, url, settings=http.FetchSettings())
    assert web.hits("/feed.xml") == 1


def test_metadata_is_refused_even_when_the_user_types_it():
    with http.make_client(FAST) as client, pytest.raises(http.FetchError, match="link-local address"):
        http.fetch(client, "http://169.254.169.254/latest/meta-data/", settings=FAST)


def test_a_public_name_resolving_to_loopback_is_checked_on_the_address(web, monkeypatch):
    """DNS rebinding: the address connected to is the one checked, whatever the name looks like."""
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "news.example":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = web.base.rsplit(":", 1)[1]
    web.route("/story", "<html><body><p>secret</p></body></html>")
    feed_url = web.url("/feed.xml")
    with http.make_client(FAST) as client, pytest.raises(http.FetchError, match="refused to connect to news.example"):
        http.fetch(client, f"http://news.example:{port}/story", settings=FAST, user_url=feed_url)
    assert web.hits("/story") == 0


def rss(links: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><description>{title} in the feed.</description>"
        f"<pubDate>Thu, 06 Nov 2025 10:00:00 GMT</pubDate></item>"
        for title, link in links
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>{items}</channel></rss>"


def test_full_text_links_to_internal_addresses_are_not_fetched(db, web, other_local_server):
    secret = f"http://127.0.0.1:{other_local_server.server_port}/admin"
    port = web.base.rsplit(":", 1)[1]
    web.route(
        "/own-page",
        "<html><body><article>" + "<p>Own page text of the story.</p>" * 20 + "</article></body></html>",
        headers={"Content-Type": "text/html"},
    )
    links = [
        ("Loopback service", secret),
        ("Metadata", "http://169.254.169.254/latest/meta-data/iam"),
        ("Same server other name", f"http://localhost:{port}/own-page"),
        ("Own page", web.url("/own-page")),
    ]
    url = web.route("/feed.xml", rss(links), headers=FEED)
    store.add_source(db, url, full_text=True)
    summary = scheduler.fetch_due(db, now=NOW, settings=FAST)
    outcome = summary.outcomes[0]
    assert outcome.status == "ok" and outcome.added == 4
    refused = [p for p in outcome.problems if "refused to connect" in p]
    assert len(refused) == 3, outcome.problems
    assert other_local_server.hits == []
    bodies = dict(db.execute("SELECT title, body FROM articles").fetchall())
    assert bodies["Loopback service"] == "Loopback service in the feed."
    assert bodies["Metadata"] == "Metadata in the feed."
    assert "Own page text" in bodies["Own page"]  # the source's own host and port stay reachable
    assert "secret" not in " ".join(bodies.values())


def test_ingest_of_a_url_redirecting_to_metadata_fails_with_a_clear_reason(db, web):
    url = web.route("/go", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    summary = jobs.ingest(db, [url], settings=FAST)
    assert summary.failed == 1
    assert summary.outcomes[0].error.startswith("refused to connect to 169.254.169.254")


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fd00:ec2::254", "link-local"),
        ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("fd12::1", "private"),
        ("0.0.0.0", "reserved"), ("100.64.0.1", "reserved"), ("224.0.0.1", "reserved"),
        ("93.184.216.34", None), ("2606:4700::1111", None),
    ],
)  # fmt: skip
def test_address_kinds(address, kind):
    assert http.address_kind(address) == kind
