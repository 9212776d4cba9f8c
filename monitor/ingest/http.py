"""Retrieve feeds and pages over HTTP: conditional GETs, a size cap, timeouts, one-line errors.

Every failure (network, protocol, HTTP status, size) becomes a `FetchError`, an `IngestError` whose
`reason` is one line for the analyst and whose `status` is the HTTP status when the server answered.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import httpx

from monitor import config
from monitor.models import IngestError

log = logging.getLogger(__name__)

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.8, "
    "application/xhtml+xml;q=0.8, text/plain;q=0.5, */*;q=0.3"
)


@dataclass
class FetchSettings:
    """How patient and how generous one retrieval is (one object, passed everywhere)."""

    connect_timeout: float = 10.0  # seconds to open the connection
    read_timeout: float = 20.0  # seconds of silence allowed while waiting for bytes
    total_timeout: float = 120.0  # seconds for the whole body, against servers that drip bytes
    max_bytes: int = 10 * 1024 * 1024  # decoded body size above which the download is abandoned
    max_redirects: int = 5
    user_agent: str = config.USER_AGENT


@dataclass
class Fetched:
    """A response worth parsing, or a 304 (`not_modified`, empty content)."""

    url: str  # final URL, after redirects
    status: int
    content: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


class FetchError(IngestError):
    """A retrieval that failed; `status` is the HTTP status when the server answered, else None."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(url, reason)
        self.status = status


def make_client(settings: FetchSettings | None = None) -> httpx.Client:
    """An httpx client that follows redirects, identifies itself and accepts feeds, pages and JSON
    (gzip/deflate bodies are decoded by httpx). Close it when done, or use it as a context manager."""
    settings = settings or FetchSettings()
    return httpx.Client(
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        timeout=_timeout(settings),
        headers={"User-Agent": settings.user_agent, "Accept": ACCEPT},
    )


def _timeout(settings: FetchSettings) -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout,
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    settings: FetchSettings | None = None,
) -> Fetched:
    """GET `url`, conditionally when validators from the previous fetch are given.

    Returns Fetched (not_modified=True on 304). Raises FetchError for an invalid URL, a network failure,
    a timeout, too many redirects, an HTTP status other than 2xx/304, or a body above max_bytes."""
    settings = settings or FetchSettings()
    _check_url(url)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with client.stream("GET", url, headers=headers, timeout=_timeout(settings)) as response:
            final_url = str(response.url)
            status = response.status_code
            if status == 304:
                log.debug("%s: not modified", url)
                return Fetched(
                    url=final_url,
                    status=status,
                    content=b"",
                    content_type=response.headers.get("Content-Type"),
                    etag=response.headers.get("ETag") or etag,
                    last_modified=response.headers.get("Last-Modified") or last_modified,
                    not_modified=True,
                )
            if not 200 <= status < 300:
                raise FetchError(url, f"HTTP {status} {_phrase(response)}".rstrip(), status=status)
            content = _read_body(response, url, settings)
            log.debug("%s: %d bytes from %s", url, len(content), final_url)
            return Fetched(
                url=final_url,
                status=status,
                content=content,
                content_type=response.headers.get("Content-Type"),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    except httpx.HTTPError as exc:
        raise FetchError(url, _reason(exc, settings)) from None
    except httpx.InvalidURL as exc:  # not an HTTPError in httpx 0.28
        raise FetchError(url, f"invalid URL: {_first_line(str(exc))}") from None
    except UnicodeError as exc:  # IDNA encoding of the host name happens at connection time
        raise FetchError(url, f"invalid URL: the host name cannot be encoded ({_first_line(str(exc))})") from None


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError when out of range)
    except ValueError as exc:
        raise FetchError(url, f"invalid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(url, "invalid URL: only http:// and https:// URLs can be fetched")
    if not host:
        raise FetchError(url, "invalid URL: no host name")
    if any(char.isspace() for char in url.strip()):
        raise FetchError(url, "invalid URL: it contains spaces")


def _read_body(response: httpx.Response, url: str, settings: FetchSettings) -> bytes:
    """The decoded body, abandoned as soon as it is known to exceed max_bytes or total_timeout."""
    too_large = f"response larger than {_size(settings.max_bytes)}"
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(url, too_large, status=response.status_code)
    deadline = time.monotonic() + settings.total_timeout
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > settings.max_bytes:
            raise FetchError(url, too_large, status=response.status_code)
        if time.monotonic() > deadline:
            raise FetchError(url, f"download took longer than {settings.total_timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _phrase(response: httpx.Response) -> str:
    if response.reason_phrase:
        return response.reason_phrase
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return ""


def _size(n: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:g} {unit}"
    return f"{n} bytes"


def _reason(exc: httpx.HTTPError, settings: FetchSettings) -> str:
    """One line that says what went wrong, in the analyst's terms."""
    message = str(exc) or type(exc).__name__
    lowered = message.lower()
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects (more than {settings.max_redirects}; a redirect loop?)"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connection timed out after {settings.connect_timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {settings.read_timeout:g} s"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "invalid URL: only http:// and https:// URLs can be fetched"
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL: {message}"
    if isinstance(exc, httpx.ConnectError):
        if any(
            word in lowered
            for word in (
                "name or service not known",
                "nodename nor servname",
                "getaddrinfo",
                "name resolution",
                "no address associated",
            )
        ):
            return "DNS lookup failed: host name not found"
        if "refused" in lowered:
            return "connection refused"
        if "ssl" in lowered or "certificate" in lowered:
            return f"TLS error: {_first_line(message)}"
        return f"could not connect: {_first_line(message)}"
    if isinstance(exc, httpx.DecodingError):
        return f"could not decode the response body: {_first_line(message)}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the connection or the HTTP protocol: {_first_line(message)}"
    if isinstance(exc, httpx.TransportError):
        return f"network error: {_first_line(message)}"
    return f"HTTP error: {_first_line(message)}"


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else message
    return line[:300]
