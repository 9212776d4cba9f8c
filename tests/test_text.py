"""Scraped article text: headline, byline and date out of the debris; the paragraphs as the body."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.ingest import text
from monitor.models import IngestError
from tests.conftest import FIXTURES

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)
TEXTS = FIXTURES / "text"


def parse_one(name: str):
    parsed = text.parse((TEXTS / name).read_bytes(), url=None, fetched_at=NOW)
    assert parsed.kind == "text"
    [article] = parsed.articles
    return article


def test_scraped_text_with_debris_prefers_the_absolute_date():
    article = parse_one("scraped-webdesk.txt")
    assert article.title == "Riverside port authority and fishermen's union agree on new quota talks"
    assert article.author == "Web Desk"
    # "15 Minutes ago" comes first, but the page's own date is Nov 06, 2025
    assert article.published_at == datetime(2025, 11, 6, tzinfo=UTC)
    assert article.body.startswith("The port authority of Riverside and the regional fishermen's union")
    lines = article.body.split("\n")
    assert "What the union wants" in lines
    assert len(lines) == 5
    for debris in ("-", "- Web Desk", "- Nov 06, 2025", "Web Desk", "15 Minutes ago"):
        assert debris not in lines


def test_scraped_text_with_menu_and_by_line():
    article = parse_one("scraped-byline.txt")
    assert article.title == "Hill villages cut off as snowfall closes mountain road"
    assert article.author == "Jane Okafor"
    assert article.published_at == datetime(2025, 11, 6, tzinfo=UTC)
    assert article.body.startswith("Heavy snowfall closed the only road")
    assert article.body.endswith("the district office said in a statement.")
    assert "Share" not in article.body and "Menu" not in article.body


def test_relative_date_is_used_when_there_is_no_absolute_one():
    article = parse_one("scraped-relative-only.txt")
    assert article.title == "Night market returns to the old tram depot"
    assert article.author == "City Reporter"
    assert article.published_at == datetime(2025, 11, 6, 9, 0, tzinfo=UTC)  # 3 hours before fetched_at
    assert article.body.startswith("Stalls selling street food")
    assert "City Reporter" not in article.body


def test_plain_text_first_line_is_the_title():
    article = parse_one("plain.txt")
    assert article.title == "Budget approved for library extension"
    assert article.body == (
        "The city council approved the budget for the library extension on Tuesday.\nConstruction starts in spring."
    )
    assert article.published_at is None
    assert article.author == ""


def test_header_fields():
    article = parse_one("fields.txt")
    assert article.title == "Solar panels installed on school roofs"
    assert article.author == "Pedro Alves"
    assert article.published_at == datetime(2025, 11, 4, tzinfo=UTC)
    assert article.source == "Town Bulletin"
    assert article.language == "pt"
    assert article.body.startswith("Twelve schools in the district")


def test_a_paragraph_is_never_taken_for_a_date_or_title():
    body = (
        "On 5 November 2025 the council met to discuss the harbour budget, which had been delayed for months "
        "because of the storm damage."
    )
    article = text.parse_article(body, url=None, fetched_at=NOW)
    assert article is not None
    assert article.title == ""
    assert article.body == body
    assert article.published_at is None


def test_text_with_a_dotted_date():
    article = text.parse_article(
        "Water main repaired\n- 05.11.2025\nCrews repaired the burst water main on Elm Street overnight and "
        "the supply is back to normal.",
        url=None,
        fetched_at=NOW,
    )
    assert article.published_at == datetime(2025, 11, 5, tzinfo=UTC)
    assert article.title == "Water main repaired"


def test_empty_text_raises():
    with pytest.raises(IngestError, match="empty file"):
        text.parse(b"  \n\t\n", url=None, fetched_at=NOW)
