"""Retrieve feeds and pages over HTTP: conditional GETs, a size cap, timeouts, one-line errors.

Every failure (network, protocol, HTTP status, size, time, a refused address) becomes a `FetchError`, an
`IngestError` whose `reason` is one line for the analyst and whose `status` is the HTTP status when the
server answered.

Two guards sit under httpx, in the network backend, so they hold for every connection and every redirect:
- a deadline for the whole request (connect, headers, body): httpx's timeouts only bound each single read,
  so a server sending one byte a second could otherwise keep a fetch going for ever;
- an address check: each host name is resolved here and the connection is made to an address that was
  checked (resolve, check, then connect to that same address: a DNS answer cannot change in between).
  Addresses a third party chooses (redirect targets, links inside a feed) must be public; the URL the user
  gave may be on loopback (or a private network) when NEWSMON_INTERNAL_URLS allows it.
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

import httpcore
import httpx

from monitor import config
from monitor.models import IngestError

log = logging.getLogger(__name__)

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.8, "
    "application/xhtml+xml;q=0.8, text/plain;q=0.5, */*;q=0.3"
)


INTERNAL_URLS = "NEWSMON_INTERNAL_URLS"  # the environment variable behind FetchSettings.internal_urls
# Address kinds each NEWSMON_INTERNAL_URLS value lets a user-given URL reach. Link-local (169.254.0.0/16, where
# cloud metadata services answer), multicast and reserved addresses are never reached.
INTERNAL_LEVELS = {
    "none": frozenset(),
    "loopback": frozenset({"loopback"}),
    "private": frozenset({"loopback", "private"}),
}
PRIVATE_NETWORKS = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]
METADATA_ADDRESSES = {ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")}


@dataclass
class FetchSettings:
    """How patient and how generous one retrieval is (one object, passed everywhere)."""

    connect_timeout: float = 10.0  # seconds to open the connection
    read_timeout: float = 20.0  # seconds of silence allowed while waiting for bytes
    total_timeout: float = 120.0  # seconds for the whole body, against servers that drip bytes
    max_bytes: int = 10 * 1024 * 1024  # decoded body size above which the download is abandoned
    max_redirects: int = 5
    user_agent: str = config.USER_AGENT
    # Which internal addresses the URLs the user gives may reach: none, loopback or private (see INTERNAL_URLS).
    internal_urls: str = field(default_factory=lambda: os.environ.get(INTERNAL_URLS, "loopback"))


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
    (gzip/deflate bodies are decoded by httpx). Close it when done, or use it as a context manager.
    Its connections go through the guards above (so no proxy from the environment is used)."""
    settings = settings or FetchSettings()
    return httpx.Client(
        transport=_GuardedTransport(),
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
    user_url: str | None = None,
) -> Fetched:
    """GET `url`, conditionally when validators from the previous fetch are given.

    `user_url` is the URL the user gave (a source, an `ingest` argument): only its host and port may be an
    internal address, and only as far as settings.internal_urls allows. It defaults to `url` itself; pass
    the source's URL when `url` comes from a feed. Redirect targets elsewhere must be public.

    Returns Fetched (not_modified=True on 304). Raises FetchError for an invalid URL, a refused address, a
    network failure, a timeout (of one read, or of the whole request), too many redirects, an HTTP status
    other than 2xx/304, or a body above max_bytes."""
    settings = settings or FetchSettings()
    _check_url(url)
    allowed = INTERNAL_LEVELS.get(settings.internal_urls.strip().lower())
    if allowed is None:
        levels = ", ".join(INTERNAL_LEVELS)
        raise FetchError(url, f"{INTERNAL_URLS} must be one of {levels} (it is {settings.internal_urls!r})")
    guard = _Guard(
        deadline=time.monotonic() + settings.total_timeout,
        total_timeout=settings.total_timeout,
        user_origin=_origin(user_url or url),
        allowed=allowed,
    )
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    token = _GUARD.set(guard)
    try:
        return _get(client, url, headers, settings, guard, etag, last_modified)
    finally:
        _GUARD.reset(token)


def _get(client, url, headers, settings: FetchSettings, guard: _Guard, etag, last_modified) -> Fetched:
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
            content = _read_body(response, url, settings, guard.deadline)
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
        if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= guard.deadline - 0.05:
            raise FetchError(url, _over_time(settings)) from None
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


def _over_time(settings: FetchSettings) -> str:
    return f"took longer than {settings.total_timeout:g} s in all (connection, headers and body)"


def _read_body(response: httpx.Response, url: str, settings: FetchSettings, deadline: float) -> bytes:
    """The decoded body, abandoned as soon as it is known to exceed max_bytes or the request's deadline."""
    too_large = f"response larger than {_size(settings.max_bytes)}"
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(url, too_large, status=response.status_code)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > settings.max_bytes:
            raise FetchError(url, too_large, status=response.status_code)
        if time.monotonic() > deadline:
            raise FetchError(url, _over_time(settings))
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
        if message.startswith(REFUSED):
            return message
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


# ---- the guards under httpx ----------------------------------------------------------------------

REFUSED = "refused to connect"  # how a refused address's reason starts


@dataclass(frozen=True)
class _Guard:
    """What the current request may do: its deadline, and which internal addresses it may reach."""

    deadline: float  # time.monotonic() by which the whole request must be done
    total_timeout: float
    user_origin: tuple[str, int] | None  # (host, port) of the URL the user gave
    allowed: frozenset[str]  # internal address kinds the user's URL may reach

    def remaining(self, exception: type[Exception]) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise exception(f"the request took longer than {self.total_timeout:g} s")
        return left

    def check(self, host: str, port: int, address: str) -> None:
        """Raise httpcore.ConnectError when this request may not connect to `address` (of `host`)."""
        kind = address_kind(address)
        if kind is None:
            return
        if (host.lower().rstrip("."), port) != self.user_origin:
            raise httpcore.ConnectError(
                f"{REFUSED} to {host} ({address}): a {kind} address, chosen by a feed or a redirect, not by you"
            )
        if kind not in self.allowed:
            setting = next(level for level, kinds in INTERNAL_LEVELS.items() if kinds == self.allowed)
            raise httpcore.ConnectError(
                f"{REFUSED} to {host} ({address}): a {kind} address, not allowed with {INTERNAL_URLS}={setting}"
            )


_GUARD: contextvars.ContextVar[_Guard | None] = contextvars.ContextVar("newsmon_fetch_guard", default=None)


def address_kind(address: str) -> str | None:
    """None for a public address; else 'loopback', 'private', 'link-local' (cloud metadata too) or 'reserved'."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES or ip.is_link_local:
        return "link-local"
    if ip.is_loopback:
        return "loopback"
    if any(ip in network for network in PRIVATE_NETWORKS):
        return "private"
    if not ip.is_global or ip.is_multicast:
        return "reserved"
    return None


def _origin(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return None
    return ((parts.hostname or "").lower().rstrip("."), port)


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:  # a UnicodeError (a host name IDNA cannot encode) is reported by fetch()
        raise httpcore.ConnectError(str(exc)) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _allowed_addresses(host: str, port: int, guard: _Guard) -> list[str]:
    """The addresses of `host` this request may connect to; ConnectError naming the first refused one."""
    addresses = _resolve(host, port)
    allowed, refusal = [], None
    for address in addresses:
        try:
            guard.check(host, port, address)
            allowed.append(address)
        except httpcore.ConnectError as exc:
            refusal = refusal or exc
    if not allowed:
        raise refusal or httpcore.ConnectError(f"no address found for {host}")
    return allowed


def _clamp(timeout: float | None, exception: type[Exception]) -> float | None:
    """A single operation's timeout, shortened to what is left of the current request's deadline."""
    guard = _GUARD.get()
    if guard is None:
        return timeout
    left = guard.remaining(exception)
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline of the request using it (connections are
    kept alive and reused, so the deadline is read at each call, not fixed when connecting)."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None, timeout: float | None = None):
        secured = self._stream.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(secured)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves, checks and connects to the checked address itself (TLS still verifies the host name)."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        guard = _GUARD.get()
        addresses = _allowed_addresses(host, port, guard) if guard else _resolve(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = self._backend.connect_tcp(
                    address, port, _clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("Unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over the guarded backend. Before a request to a host other than the user's, its
    addresses are checked too: a kept-alive connection to an internal host must not serve a redirect there."""

    def __init__(self) -> None:
        super().__init__(retries=0)
        # httpx offers no argument for the network backend; its pool reads this attribute for every connection.
        self._pool._network_backend = _GuardedBackend()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        guard = _GUARD.get()
        host, port = request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80)
        if guard and (host.lower().rstrip("."), port) != guard.user_origin:
            try:
                _allowed_addresses(host, port, guard)
            except httpcore.ConnectError as exc:
                raise httpx.ConnectError(str(exc), request=request) from None
        return super().handle_request(request)
