"""The HTTP retriever against the local test server: conditional GETs, redirects, errors, caps."""

from __future__ import annotations

import gzip
import socket
import time

import pytest

from monitor import config
from monitor.ingest import http
from monitor.models import IngestError

LAST_MODIFIED = "Mon, 03 Nov 2025 10:00:00 GMT"
FAST = http.FetchSettings(connect_timeout=2, read_timeout=0.5, max_redirects=3)


@pytest.fixture
def client():
    with http.make_client(FAST) as c:
        yield c


def test_plain_get_returns_body_headers_and_identifies_itself(web, client):
    url = web.route(
        "/feed.xml",
        b"<rss/>",
        headers={"Content-Type": "application/rss+xml", "ETag": '"v1"', "Last-Modified": LAST_MODIFIED},
    )
    fetched = http.fetch(client, url, settings=FAST)
    assert fetched.status == 200
    assert fetched.content == b"<rss/>"
    assert fetched.content_type == "application/rss+xml"
    assert fetched.etag == '"v1"'
    assert fetched.last_modified == LAST_MODIFIED
    assert not fetched.not_modified
    _, _, headers = web.requests[0]
    assert headers["User-Agent"] == config.USER_AGENT
    assert "application/rss+xml" in headers["Accept"]
    assert "If-None-Match" not in headers


def test_conditional_get_sends_validators_and_reports_304(web, client):
    url = web.route("/feed.xml", status=304, headers={"ETag": '"v2"'})
    fetched = http.fetch(client, url, etag='"v1"', last_modified=LAST_MODIFIED, settings=FAST)
    assert fetched.not_modified and fetched.status == 304 and fetched.content == b""
    assert fetched.etag == '"v2"'
    assert fetched.last_modified == LAST_MODIFIED  # kept when the server sends none
    _, _, headers = web.requests[0]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == LAST_MODIFIED


def test_redirect_is_followed_and_final_url_reported(web, client):
    target = web.route("/new.xml", b"<rss/>")
    url = web.route("/old.xml", status=301, headers={"Location": "/new.xml"})
    fetched = http.fetch(client, url, settings=FAST)
    assert fetched.url == target and fetched.content == b"<rss/>"


def test_redirect_loop_is_a_clear_error(web, client):
    web.route("/a", status=302, headers={"Location": "/b"})
    web.route("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(IngestError, match="too many redirects") as caught:
        http.fetch(client, web.url("/a"), settings=FAST)
    assert "\n" not in caught.value.reason


@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")])
def test_error_status_keeps_the_status(web, client, status, reason):
    url = web.route("/broken", b"oops", status=status)
    with pytest.raises(http.FetchError) as caught:
        http.fetch(client, url, settings=FAST)
    assert caught.value.reason == reason
    assert caught.value.status == status
    assert isinstance(caught.value, IngestError)


def test_timeout_is_reported_in_seconds(web, client):
    def slow(request):
        time.sleep(1.5)
        return 200, {}, b"late"

    url = web.route("/slow", handler=slow)
    started = time.monotonic()
    with pytest.raises(http.FetchError, match="timed out after 0.5 s"):
        http.fetch(client, url, settings=FAST)
    assert time.monotonic() - started < 1.4


def test_declared_size_above_the_cap_is_refused(web, client):
    url = web.route("/big", b"x" * 5000)
    settings = http.FetchSettings(max_bytes=1024)
    with pytest.raises(http.FetchError, match="response larger than 1 KB"):
        http.fetch(client, url, settings=settings)


def test_decoded_size_above_the_cap_is_abandoned_while_streaming(web, client):
    # Small on the wire (Content-Length passes the check), huge once httpx decodes it.
    bomb = gzip.compress(b"\0" * (5 * 1024 * 1024))
    url = web.route("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    settings = http.FetchSettings(max_bytes=1024 * 1024)
    with pytest.raises(http.FetchError, match="response larger than 1 MB"):
        http.fetch(client, url, settings=settings)


def test_default_cap_is_ten_megabytes():
    assert http.FetchSettings().max_bytes == 10 * 1024 * 1024
    assert http._size(http.FetchSettings().max_bytes) == "10 MB"


def test_gzip_content_encoding_is_decoded(web, client):
    body = b"<rss><channel><title>T</title></channel></rss>"
    url = web.route("/gz", gzip.compress(body), headers={"Content-Encoding": "gzip"})
    assert http.fetch(client, url, settings=FAST).content == body
    assert "gzip" in web.requests[0][2]["Accept-Encoding"]


def test_connection_refused(client):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(http.FetchError) as caught:
        http.fetch(client, f"http://127.0.0.1:{port}/feed", settings=FAST)
    assert caught.value.reason == "connection refused"
    assert caught.value.status is None


def test_dns_failure(client, monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(http.FetchError, match="DNS lookup failed"):
        http.fetch(client, "http://no-such-host.invalid/feed", settings=FAST)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/feed",
        "example.org/feed",
        "http:///feed",
        "http://[::1/feed",
        "http://exa mple.org/",
        "http://a..b/feed",
        "https://xn--/",
        "http://\u2603.invalid/",
        "http://127.0.0.1:99999/",
    ],
)
def test_invalid_urls(client, url):
    with pytest.raises(http.FetchError, match="invalid URL"):
        http.fetch(client, url, settings=FAST)
