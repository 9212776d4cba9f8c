"""Shared fixtures: a fresh database per test and a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor import store

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def rules_cache(tmp_path_factory) -> Iterator[Path]:
    """Compiled rules go to a folder of the test session (shared by its tests and the CLIs they start), never
    to the user's cache."""
    folder = tmp_path_factory.mktemp("rules-cache")
    before = os.environ.get("NEWSMON_CACHE_DIR")
    os.environ["NEWSMON_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("NEWSMON_CACHE_DIR", None)
    else:
        os.environ["NEWSMON_CACHE_DIR"] = before


@pytest.fixture(autouse=True)
def main_module() -> Iterator[None]:
    """AppTest leaves the page script it ran as __main__; a worker process started by a later test would run that
    script again (multiprocessing re-runs the parent's __main__ file) and die before it starts."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "news.db"
    monkeypatch.setenv("NEWSMON_DB", str(path))
    return path


@pytest.fixture
def db(db_path):
    database = store.open_db(db_path)
    yield database
    database.conn.close()


@dataclass
class Route:
    """A canned response, or a handler(request) -> (status, headers, body) for dynamic ones."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    handler: Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]] | None = None


class LocalWeb:
    """Routes by path; records every request as (method, path, headers) in `requests`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.base = ""

    def route(self, path: str, body: bytes | str = b"", status: int = 200, headers=None, handler=None) -> str:
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = Route(status, body, dict(headers or {}), handler)
        return self.base + path

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p == path)


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    site = LocalWeb()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            site.requests.append(("GET", self.path, dict(self.headers)))
            route = site.routes.get(self.path) or site.routes.get(self.path.split("?", 1)[0])
            if route is None:
                status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
            elif route.handler:
                status, headers, body = route.handler(self)
            else:
                status, headers, body = route.status, route.headers, route.body
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
