"""Sending alert and digest messages through apprise (e-mail, webhooks, Slack, Telegram, ... by URL).

A target is an apprise URL: `mailto://user:password@smtp.example.org?to=analyst@example.org`,
`json://hooks.example.org/newsmon`, `slack://...`. A broken URL is refused when the alert is set; a failed
send returns apprise's own reason, and monitor/alerts.py retries it with back-off.
"""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import apprise

EXAMPLES = "mailto://user:password@smtp.example.org?to=analyst@example.org or json://hooks.example.org/newsmon"
# Parameters apprise adds to every URL it prints back: noise in a listing.
DEFAULT_PARAMS = {"overflow", "retry", "wait", "optional", "cto", "rto", "method", "format", "verify"}
FORMATS = {
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "html": apprise.NotifyFormat.HTML,
    "text": apprise.NotifyFormat.TEXT,
}
LOG_LINE = re.compile(r"^\S+ \S+ - (?:ERROR|WARNING) - (.*)$")


# Markdown that every renderer (CommonMark, Python-Markdown in apprise's e-mails) reads the same way: the
# characters that start markup are escaped, angle brackets become entities (no raw HTML in an e-mail).
MARKUP = re.compile(r"([\\`*_\[\]])")


def markdown_text(text: str) -> str:
    """Untrusted text (a headline, a source name) as Markdown that shows it as written."""
    return MARKUP.sub(r"\\\1", text).replace("<", "&lt;").replace(">", "&gt;")


def markdown_link(text: str, url: str | None) -> str:
    """[text](url) for a web address (parentheses and spaces encoded); other schemes give the text alone."""
    if not url or not re.match(r"https?://", url, re.IGNORECASE):
        return markdown_text(text)
    target = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
    return f"[{markdown_text(text)}]({target})"


class DeliveryError(ValueError):
    """A notification URL apprise cannot use; one line for the analyst."""


def _plugin(url: str):
    """apprise's plugin for a URL, or DeliveryError with apprise's complaint."""
    with apprise.LogCapture(level=logging.WARNING) as captured:
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        reasons = [match.group(1) for line in captured.getvalue().splitlines() if (match := LOG_LINE.match(line))]
        reason = "; ".join(reason for reason in reasons if "Could not load" not in reason) or "unknown scheme or form"
        raise DeliveryError(
            f"{masked(url)} is not a notification URL apprise can use ({reason.rstrip('.: ')}); "
            f"write it like {EXAMPLES}"
        )
    return plugin


def check_target(url: str) -> str:
    """The URL stripped, or DeliveryError saying what is wrong with it."""
    url = url.strip()
    if not url:
        raise DeliveryError(f"no notification URL given; write one like {EXAMPLES}")
    if "://" not in url:
        raise DeliveryError(f"{url!r} is not a URL; write it like {EXAMPLES}")
    _plugin(url)
    return url


def masked(url: str) -> str:
    """The URL to show: passwords and tokens hidden (apprise's privacy form), its default options left out."""
    try:
        with apprise.LogCapture(level=logging.CRITICAL):
            plugin = apprise.Apprise.instantiate(url)
        shown = plugin.url(privacy=True) if plugin is not None else None
    except Exception:  # noqa: BLE001 (a listing never fails on one odd URL)
        shown = None
    if shown is None:  # unusable: hide anything that looks like a password
        return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1****@", url)
    parts = urlsplit(shown)
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query) if key not in DEFAULT_PARAMS])
    return urlunsplit(parts._replace(query=query))


def send(url: str, *, title: str, body: str, body_format: str = "markdown", image: bytes | None = None) -> str | None:
    """Send one message to one target. None when it was accepted, else why not (apprise's reason)."""
    try:
        plugin = _plugin(url)
    except DeliveryError as error:
        return str(error)
    notifier = apprise.Apprise()
    notifier.add(plugin)
    with tempfile.TemporaryDirectory(prefix="newsmon-") as folder, apprise.LogCapture(level=logging.WARNING) as log:
        attach = None
        if image is not None and plugin.attachment_support:
            path = Path(folder) / "volume.png"
            path.write_bytes(image)
            attach = apprise.AppriseAttachment(str(path))
        try:
            ok = notifier.notify(body=body, title=title, body_format=FORMATS[body_format], attach=attach)
        except Exception as error:  # noqa: BLE001 (a plugin's bug is one failed delivery, not a crash)
            return f"{type(error).__name__}: {error}"
        lines = [match.group(1) for line in log.getvalue().splitlines() if (match := LOG_LINE.match(line))]
    if ok:
        return None
    return "; ".join(dict.fromkeys(lines))[-500:] or "apprise could not deliver the message"
