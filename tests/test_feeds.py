"""Feeds to articles: every feed dialect, recovered and non-UTF-8 feeds, JSON Feed."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from monitor.ingest import feeds
from monitor.ingest.parsing import parse_any
from monitor.models import IngestError
from tests.conftest import FIXTURES

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)
FEEDS = FIXTURES / "feeds"


def read(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def test_rss20_entries_links_dates_and_bodies():
    parsed = feeds.parse(read("rss20.xml"), url="https://harbour-gazette.example/rss", fetched_at=NOW)
    assert parsed.kind == "feed"
    assert parsed.title == "Harbour Gazette"
    assert parsed.language == "en"
    first, second = parsed.articles
    assert first.title == "Ferry service to Northisle resumes after storm"
    # relative link resolved against the feed URL
    assert first.url == "https://harbour-gazette.example/news/2025/11/ferry-resumes"
    assert first.author == "Mara Lind"
    assert first.published_at == datetime(2025, 11, 6, 7, 30, tzinfo=UTC)
    # body is the longer content:encoded, HTML stripped, script dropped
    assert first.body == (
        "The ferry to Northisle runs again from Thursday morning, the operator said.\n"
        "Crews spent two days clearing debris from the pier."
    )
    assert "track()" not in first.body
    assert first.summary == "The ferry runs again."
    assert first.language == "en"
    assert first.extra["tags"] == ["Transport"]
    assert second.body == "The council voted 7 to 2 in favour of the plan."
    # the third item has neither title nor content
    assert parsed.problems == ["entry 3: no title or content"]


def test_rss10_rdf():
    parsed = feeds.parse(read("rss10.rdf"), url=None, fetched_at=NOW)
    assert parsed.title == "Valley Post"
    [article] = parsed.articles
    assert article.title == "Neue Brücke über den Fluss eröffnet"
    assert article.url == "https://valley-post.example/a/42"
    assert article.author == "Jonas Weber"
    assert article.published_at == datetime(2025, 11, 4, 8, 15, tzinfo=UTC)
    assert article.language == "de"


def test_rss091_without_dates():
    parsed = feeds.parse(read("rss091.xml"), url=None, fetched_at=NOW)
    [article] = parsed.articles
    assert article.title == "Clock tower restored"
    assert article.url == "http://oldtown.example/clock"
    assert article.published_at is None
    assert article.language == "en"


def test_atom_html_title_content_and_entry_language():
    parsed = feeds.parse(read("atom.xml"), url="https://journal-port.example/atom.xml", fetched_at=NOW)
    assert parsed.title == "Le Journal du Port"
    assert parsed.language == "fr"
    first, second = parsed.articles
    assert first.title == "Les pêcheurs manifestent devant la mairie"
    assert first.body == (
        "Plusieurs centaines de pêcheurs se sont rassemblés devant la mairie.\nIls demandent une révision des quotas."
    )
    assert first.summary == "Une manifestation pacifique."
    assert first.author == "Claire Dubois"
    assert first.published_at == datetime(2025, 11, 6, 9, 45, tzinfo=UTC)  # published, not updated
    assert first.language == "fr"
    assert second.language == "en"  # xml:lang on the entry wins over the feed's
    assert second.published_at == datetime(2025, 11, 5, 8, 0, tzinfo=UTC)


def test_json_feed():
    parsed = feeds.parse(read("jsonfeed.json"), url=None, fetched_at=NOW)
    assert parsed.title == "Mountain Dispatch"
    assert parsed.language == "en"
    first, second = parsed.articles
    assert first.url == "https://mountain-dispatch.example/2025/11/avalanche-warning"
    assert first.body == ("The warning level was raised to 4 on Thursday.\nHikers are asked to stay on marked trails.")
    assert first.summary == "Warning level 4."
    assert first.author == "Ana Petrova"
    assert first.published_at == datetime(2025, 11, 6, 6, 0, tzinfo=UTC)
    assert first.extra["tags"] == ["weather", "safety"]
    assert second.title == ""
    assert second.body == "The Alder hut closes for the winter on Sunday."
    assert second.author == "Dispatch Desk"  # falls back to the feed's authors
    assert parsed.problems == ["item 3: no title or content"]


def test_ill_formed_feed_is_recovered():
    parsed = feeds.parse(read("broken.xml"), url=None, fetched_at=NOW)
    assert parsed.title == "Bits & Pieces Weekly"
    assert [a.title for a in parsed.articles] == ["Salt & pepper shortage hits diners", "Second item"]
    assert parsed.articles[0].published_at == datetime(2025, 11, 3, 12, 0, tzinfo=UTC)
    assert parsed.articles[1].body == "Still readable despite the unclosed tag."


def test_gzipped_feed():
    parsed = parse_any(gzip.compress(read("rss20.xml")), name="rss.xml.gz", fetched_at=NOW)
    assert parsed.kind == "feed"
    assert parsed.articles[0].title == "Ferry service to Northisle resumes after storm"


def test_windows_1251_feed_decodes():
    data = read("cyrillic-1251.xml")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fixture really is not UTF-8
    parsed = feeds.parse(data, url=None, fetched_at=NOW)
    assert parsed.title == "Городские вести"
    [article] = parsed.articles
    assert article.title == "Новый мост через реку открыт для движения"
    assert article.body == "Мост соединил два района города."
    assert article.published_at == datetime(2025, 11, 6, 6, 0, tzinfo=UTC)
    assert article.language == "ru"


def test_iso_8859_1_feed_decodes():
    data = read("latin1.xml")
    assert "ç".encode("latin-1") in data
    parsed = feeds.parse(data, url=None, fetched_at=NOW)
    assert parsed.title == "Diário da Região"
    [article] = parsed.articles
    assert article.title == "Prefeitura anuncia obras na praça São João"
    assert article.body == "As obras começam em dezembro e custarão R$ 2 milhões."
    assert article.language == "pt"


def test_valid_feed_without_entries_is_not_an_error():
    parsed = feeds.parse(read("empty-channel.xml"), url="https://quiet.example/rss", fetched_at=NOW)
    assert parsed.title == "Quiet Times"
    assert parsed.articles == []
    assert parsed.problems == []


def test_unreadable_feed_without_entries_raises():
    with pytest.raises(IngestError) as caught:
        feeds.parse(b"<rss version='2.0'><channel><title>Cut off", url="https://cut.example/rss", fetched_at=NOW)
    assert caught.value.reason.startswith("feed has no entries and could not be parsed:")
    assert caught.value.input == "https://cut.example/rss"


def test_not_a_json_feed_raises():
    with pytest.raises(IngestError, match="not a JSON Feed"):
        feeds.parse(b'{"version": "1", "items": []}', url=None, fetched_at=NOW)


def test_implausible_feed_date_is_dropped():
    data = read("rss091.xml").replace(
        b"<description>The clock", b"<pubDate>Sat, 01 Jan 2150 00:00:00 GMT</pubDate><description>The clock"
    )
    [article] = feeds.parse(data, url=None, fetched_at=NOW).articles
    assert article.published_at is None
