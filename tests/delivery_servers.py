"""A local SMTP server (aiosmtpd) and a local webhook server that record what they receive: alert delivery is
tested against these on 127.0.0.1, never the internet."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def url(self, to: str = "analyst@example.org") -> str:
        """The apprise URL of this server (plain SMTP, no login)."""
        return f"mailto://127.0.0.1:{self.port}?from=newsmon@example.org&to={to}"

    def text(self, message: EmailMessage) -> str:
        parts = [
            part.get_content() for part in message.walk() if part.get_content_type() in ("text/plain", "text/html")
        ]
        return "\n".join(parts)


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox(free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
            box.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@dataclass
class Webhook:
    base: str
    received: list[dict] = field(default_factory=list)
    status: int = 200

    def url(self, path: str = "/hook") -> str:
        """The apprise URL (json://) of this server."""
        return "json://" + self.base.removeprefix("http://") + path


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if hook.status == 200:
                hook.received.append(json.loads(body))
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    hook.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield hook
    server.shutdown()
    server.server_close()
