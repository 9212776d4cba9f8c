"""Kind detection from content (extensions and content types only break ties), and parse_any."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from monitor.ingest.parsing import detect_kind, parse_any
from monitor.models import IngestError
from tests.conftest import FIXTURES

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)


def fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("feeds/rss20.xml", "feed"),
        ("feeds/rss10.rdf", "feed"),
        ("feeds/atom.xml", "feed"),
        ("feeds/jsonfeed.json", "feed"),
        ("feeds/cyrillic-1251.xml", "feed"),
        ("pages/article.html", "html"),
        ("text/scraped-webdesk.txt", "text"),
        ("text/plain.txt", "text"),
        ("records/array.json", "json"),
        ("records/wrapped.json", "json"),
        ("records/lines.jsonl", "jsonl"),
        ("records/aliases.csv", "csv"),
        ("records/semicolon.csv", "csv"),
        ("records/cp1252.csv", "csv"),
    ],
)
def test_detect_from_content_without_a_name(path, kind):
    assert detect_kind(fixture(path)) == kind


def test_misleading_extensions_lose_to_the_content():
    assert detect_kind(fixture("feeds/rss20.xml"), name="saved-feed.txt") == "feed"
    assert detect_kind(fixture("records/array.json"), name="export.dat") == "json"
    assert detect_kind(fixture("pages/article.html"), name="https://coastal.example/news/lighthouse") == "html"
    assert detect_kind(fixture("text/plain.txt"), name="notes.json") == "text"


def test_feed_served_as_html_is_still_a_feed():
    assert detect_kind(fixture("feeds/atom.xml"), content_type="text/html; charset=utf-8") == "feed"
    assert detect_kind(b"\xef\xbb\xbf\n  <rss version='2.0'><channel></channel></rss>") == "feed"


def test_html_fragment_and_xhtml():
    assert detect_kind(b"<div><p>One</p><p>Two</p></div>") == "html"
    xhtml = b'<?xml version="1.0"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'
    assert detect_kind(xhtml) == "html"


def test_csv_needs_a_recognisable_header_unless_named_csv():
    table = b"alpha,beta\n1,2\n"
    assert detect_kind(table) == "text"
    assert detect_kind(table, name="numbers.csv") == "csv"
    assert detect_kind(b"Hello, world. This is a note, with commas.\nSecond line.") == "text"


def test_gzip_is_opened_first():
    assert detect_kind(gzip.compress(fixture("records/lines.jsonl"))) == "jsonl"


def test_parse_any_dispatches_and_passes_the_url():
    parsed = parse_any(
        fixture("feeds/rss20.xml"), name="feed.txt", url="https://harbour-gazette.example/rss", fetched_at=NOW
    )
    assert parsed.kind == "feed"
    assert parsed.articles[0].url == "https://harbour-gazette.example/news/2025/11/ferry-resumes"
    parsed = parse_any(fixture("records/semicolon.csv"), name="export.dat", fetched_at=NOW)
    assert parsed.kind == "csv" and len(parsed.articles) == 2
    parsed = parse_any(fixture("text/scraped-webdesk.txt"), name="copy", fetched_at=NOW)
    assert parsed.kind == "text" and parsed.articles[0].author == "Web Desk"


@pytest.mark.parametrize("data", [b"", b"   \n\t \r\n", gzip.compress(b"\n\n")])
def test_empty_input(data):
    with pytest.raises(IngestError) as caught:
        parse_any(data, name="empty.txt", fetched_at=NOW)
    assert caught.value.reason == "empty file"
    assert caught.value.input == "empty.txt"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
        bytes(range(1, 32)) * 20,
    ],
)
def test_binary_garbage(data):
    with pytest.raises(IngestError) as caught:
        parse_any(data, name="image.csv", fetched_at=NOW)
    assert caught.value.reason == "not a feed, HTML page, JSON, CSV or text file"


def test_corrupt_gzip():
    with pytest.raises(IngestError, match="gzip data is corrupt"):
        parse_any(b"\x1f\x8b\x08\x00garbage", name="feed.xml.gz", fetched_at=NOW)


def test_errors_name_the_input_file():
    with pytest.raises(IngestError) as caught:
        parse_any(b"[1, 2", name="broken.json", url="https://x.example/broken.json", fetched_at=NOW)
    assert caught.value.input == "broken.json"
    assert caught.value.reason.startswith("invalid JSON at line 1:")


def test_headline_with_a_comma_is_not_a_csv_header():
    data = b"Name, date and source of the leak revealed by the inquiry\nThe inquiry published its report today."
    assert detect_kind(data) == "text"


def test_feed_after_leading_junk():
    data = b"Warning: deprecated function in feed.php on line 3\n" + fixture("feeds/rss20.xml")
    assert detect_kind(data) == "feed"
    parsed = parse_any(data, name="feed.php", fetched_at=NOW)
    assert parsed.articles[0].title == "Ferry service to Northisle resumes after storm"


def test_gzip_bomb_is_refused(monkeypatch):
    import gzip

    from monitor.ingest import parsing

    monkeypatch.setattr(parsing, "MAX_GUNZIPPED_BYTES", 1000)
    with pytest.raises(IngestError, match="unpacks to more than"):
        parse_any(gzip.compress(b"a" * 5000), name="bomb.gz", fetched_at=NOW)
