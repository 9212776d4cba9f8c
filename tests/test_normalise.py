from datetime import UTC, datetime

import pytest

from monitor.normalise import canonical_url, content_hash, content_url, html_to_text, iso, parse_date

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/a/b/", "https://example.com/a/b"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=abc&gclid=def", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/", "https://example.com"),
        ("https://example.com//news//a", "https://example.com/news/a"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_same_text_same_hash_despite_spacing_case_and_markup_debris():
    a = content_hash("Border talks resume", "Delegates met in Istanbul.\n\nThey agreed.")
    b = content_hash("Border  talks resume ", "delegates met in Istanbul. They agreed!")
    assert a == b
    assert a != content_hash("Border talks resume", "Delegates met in Ankara. They agreed.")


def test_content_url_is_stable_and_distinct():
    assert content_url("T", "B") == content_url("T", "B")
    assert content_url("T", "B") != content_url("T", "C")
    assert content_url("T", "B").startswith("urn:newsmon:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nov 06, 2025", "2025-11-06T00:00:00Z"),
        ("6 November 2025", "2025-11-06T00:00:00Z"),
        ("Thu, 06 Nov 2025 10:00:00 GMT", "2025-11-06T10:00:00Z"),
        ("Thu, 06 Nov 2025 10:00:00 +0500", "2025-11-06T05:00:00Z"),
        ("2025-11-06T10:00:00+05:00", "2025-11-06T05:00:00Z"),
        ("2025-11-06T10:00:00Z", "2025-11-06T10:00:00Z"),
        ("2025-11-06", "2025-11-06T00:00:00Z"),
        ("15 Minutes ago", "2025-11-06T11:45:00Z"),
        ("2 hours ago", "2025-11-06T10:00:00Z"),
        ("06.11.2025", "2025-11-06T00:00:00Z"),
        ("06.11.2025 14:30", "2025-11-06T14:30:00Z"),
    ],
)
def test_parse_date_common_forms_in_utc(text, expected):
    assert iso(parse_date(text, NOW)) == expected


@pytest.mark.parametrize("text", ["", None, "Web Desk", "2031-01-01", "1970-01-01", "-"])
def test_parse_date_rejects_non_dates_and_implausible_dates(text):
    assert parse_date(text, NOW) is None


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    text = html_to_text("<p>Hello <b>world</b></p><script>alert(1)</script><p>Second &amp; last<br>line</p>")
    assert text == "Hello world\nSecond & last\nline"


def test_html_to_text_plain_entities():
    assert html_to_text("Fish &amp; chips") == "Fish & chips"
