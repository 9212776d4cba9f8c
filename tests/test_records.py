"""JSON, JSON Lines and CSV exports: field aliases, dates, encodings, bad records as problem lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from monitor.ingest import records
from monitor.models import IngestError
from tests.conftest import FIXTURES

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)
RECORDS = FIXTURES / "records"


def read(name: str) -> bytes:
    return (RECORDS / name).read_bytes()


def test_json_array_with_aliases_nested_source_and_author_list():
    parsed = records.parse_json(read("array.json"), url=None, fetched_at=NOW)
    assert parsed.kind == "json"
    first, second = parsed.articles
    assert first.url == "https://tidewater-times.example/2025/11/bridge-toll"
    assert first.title == "Bridge toll to rise in January"
    assert first.body == (
        "The toll on the Tidewater bridge will rise by 50 cents from 1 January.\n"
        "Commuters can buy monthly passes at the old rate until December."
    )
    assert first.summary == "Toll rises by 50 cents."
    assert first.published_at == datetime(2025, 11, 5, 16, 30, tzinfo=UTC)
    assert first.source == "Tidewater Times"
    assert first.author == "Li Wei, Sam Ortiz"
    assert first.language == "en"
    # headline/text/publisher aliases, epoch seconds, no URL
    assert second.title == "Record salmon run reported upstream"
    assert second.url is None
    assert second.published_at == datetime(2025, 11, 5, 16, 0, tzinfo=UTC)
    assert second.source == "River Watch"
    assert parsed.problems == ["record 3: no title or body", "record 4: not an object"]


def test_json_object_wrapper_with_epoch_milliseconds():
    parsed = records.parse_json(read("wrapped.json"), url=None, fetched_at=NOW)
    first, second = parsed.articles
    assert first.title == "Tram line extension opens"
    assert first.body == "The new tram stop at the stadium opened on Monday."  # description is all there is
    assert first.published_at == datetime(2025, 11, 3, 7, 0, tzinfo=UTC)
    assert second.published_at == datetime(2025, 11, 4, 10, 0, tzinfo=UTC)
    assert second.url is None
    assert parsed.problems == []


def test_jsonl_with_a_broken_line_keeps_the_rest():
    parsed = records.parse_jsonl(read("lines.jsonl"), url=None, fetched_at=NOW)
    assert parsed.kind == "jsonl"
    assert [a.title for a in parsed.articles] == [
        "Harbour crane collapses, no injuries",
        "Ferry timetable changes for winter",
    ]
    assert parsed.articles[0].published_at == datetime(2025, 11, 2, 10, 15, tzinfo=UTC)
    assert parsed.articles[1].author == "Port News Desk"
    assert parsed.problems == ["line 2: invalid JSON", "line 4: not an object", "line 6: no title or body"]


def test_csv_with_aliases():
    parsed = records.parse_csv(read("aliases.csv"), url=None, fetched_at=NOW)
    assert parsed.kind == "csv"
    first, second = parsed.articles
    assert first.url == "https://citywire.example/parking"
    assert first.body.startswith("The council rejected the parking plan by 9 votes to 4")
    assert first.published_at == datetime(2025, 11, 5, 18, 0, tzinfo=UTC)
    assert first.source == "City Wire"
    assert second.title == "Market square, renovated"  # quoted comma
    assert second.body == "Work on the square ended a month early.\nThe fountain runs again."  # quoted newline
    assert parsed.problems == ["row 5: no title or body"]


def test_csv_with_semicolons_and_day_first_dotted_date():
    parsed = records.parse_csv(read("semicolon.csv"), url=None, fetched_at=NOW)
    first, second = parsed.articles
    assert first.title == "New cycle lanes on Main Street"
    assert first.body == "The city painted 4 km of new cycle lanes over the weekend."
    assert first.author == "Eva Novak"
    assert first.published_at == datetime(2025, 11, 6, tzinfo=UTC)
    assert second.published_at == datetime(2025, 11, 3, 7, 0, tzinfo=UTC)


def test_csv_in_cp1252():
    data = read("cp1252.csv")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    [article] = records.parse_csv(data, url=None, fetched_at=NOW).articles
    assert article.title == "Café owners protest rent rise"
    assert article.body == "Owners of the city’s cafés – about 40 – marched to the town hall."
    assert article.author == "José Martínez"
    assert article.url is None


def test_csv_with_utf8_bom():
    [article] = records.parse_csv(read("bom.csv"), url=None, fetched_at=NOW).articles
    assert article.title == "Zürich tram strike ends"
    assert article.url == "https://swiss.example/strike"


def test_csv_without_title_or_body_column():
    with pytest.raises(IngestError) as caught:
        records.parse_csv(b"a,b,c\n1,2,3\n", url="numbers.csv", fetched_at=NOW)
    assert caught.value.reason == "CSV has no title or body column (columns: a, b, c)"


def test_invalid_json_names_the_line():
    with pytest.raises(IngestError) as caught:
        records.parse_json(b'[\n{"title": "a"},\n{"title": }\n]', url=None, fetched_at=NOW)
    assert caught.value.reason.startswith("invalid JSON at line 3:")


def test_json_object_without_a_list():
    with pytest.raises(IngestError, match=r"JSON object has no list of articles \(keys: status, count\)"):
        records.parse_json(b'{"status": "ok", "count": 0}', url=None, fetched_at=NOW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1762387200, datetime(2025, 11, 6, tzinfo=UTC)),
        (1762387200000, datetime(2025, 11, 6, tzinfo=UTC)),
        ("1762387200", datetime(2025, 11, 6, tzinfo=UTC)),
        (4102444800, None),  # 2100: implausible
    ],
)
def test_epoch_dates(value, expected):
    record = {"title": "Epoch", "body": "Body.", "timestamp": value}
    [article] = records.parse_json(json.dumps([record]).encode(), url=None, fetched_at=NOW).articles
    assert article.published_at == expected


def test_record_field_aliases_and_guid_url():
    record = {
        "Headline": "Guid as link",
        "Full_Text": "<p>Paragraph one.</p><p>Paragraph two.</p>",
        "summary": "Short.",
        "guid": "https://guid.example/a",
        "Byline": "Ann Lee and Bob Roy",
        "locale": "de_DE",
        "outlet": {"title": "Outlet Title"},
        "pub_date": "6 November 2025",
    }
    article = records.record_article(record, fetched_at=NOW)
    assert article is not None
    assert article.title == "Guid as link"
    assert article.body == "Paragraph one.\nParagraph two."
    assert article.summary == "Short."
    assert article.url == "https://guid.example/a"
    assert article.author == "Ann Lee, Bob Roy"
    assert article.language == "de"
    assert article.source == "Outlet Title"
    assert article.published_at == datetime(2025, 11, 6, tzinfo=UTC)
    assert records.record_article({"guid": "not-a-url", "title": "T"}, fetched_at=NOW).url is None
