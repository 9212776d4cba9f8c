import csv
import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from monitor import export, queries, store
from monitor.queries import Filters, QueryError
from monitor.store import ArticleRecord

BASE = ArticleRecord(
    url="https://example.com/1",
    content_hash="h1",
    source="Dawn",
    title="Ceasefire holds in Kurram",
    body="Officials said the ceasefire held overnight.",
    published_at="2025-11-01T08:00:00Z",
    fetched_at="2025-11-01T09:00:00Z",
    language="en",
    author="Staff",
)


@pytest.fixture
def filled(db):
    source_id, _ = store.add_source(db, "https://dawn.example/feed", name="Dawn", country="PK")
    store.save_articles(
        db,
        [
            replace(BASE, source_id=source_id),
            replace(
                BASE,
                url="https://example.com/2",
                content_hash="h2",
                source="Geo",
                title='=HYPERLINK("http://evil.example","click")',
                body="Markets fell sharply.",
                published_at="2025-11-03T08:00:00Z",
                author="+Agencies",
            ),
            replace(
                BASE,
                url="https://example.com/3",
                content_hash="h3",
                source="BBC Urdu",
                language="ur",
                title="-5 killed in blast",
                body="Police said the blast hit a market.",
                published_at="2025-11-05T08:00:00Z",
                author="@reporter",
            ),
        ],
    )
    return db


def export_rows(db, filters=None, full_text=False) -> list[dict]:
    out = io.StringIO()
    export.export_articles(db, filters or Filters(), out, full_text=full_text)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_columns_and_newest_first(filled):
    out = io.StringIO()
    count = export.export_articles(filled, Filters(), out)
    header = out.getvalue().splitlines()[0]
    assert header == "id,url,title,source,author,published_at,language,countries,topics,sentiment,keywords,story_id"
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == 3
    assert [r["published_at"] for r in rows] == ["2025-11-05T08:00:00Z", "2025-11-03T08:00:00Z", "2025-11-01T08:00:00Z"]


def test_formulas_are_neutralised(filled):
    rows = {r["source"]: r for r in export_rows(filled)}
    assert rows["Geo"]["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows["Geo"]["author"] == "'+Agencies"
    assert rows["BBC Urdu"]["title"] == "'-5 killed in blast"
    assert rows["BBC Urdu"]["author"] == "'@reporter"
    assert rows["Dawn"]["title"] == "Ceasefire holds in Kurram"


def test_safe_cell_leaves_numbers_alone():
    assert export.safe_cell(-0.5) == -0.5
    assert export.safe_cell(None) == ""
    assert export.safe_cell("\tx") == "'\tx"


def test_full_text_adds_body_last(filled):
    rows = export_rows(filled, full_text=True)
    assert list(rows[0])[-1] == "body"
    assert rows[-1]["body"] == "Officials said the ceasefire held overnight."


@pytest.mark.parametrize(
    ("filters", "sources"),
    [
        (Filters(since=datetime(2025, 11, 2, tzinfo=UTC)), {"Geo", "BBC Urdu"}),
        (Filters(until=datetime(2025, 11, 2, tzinfo=UTC)), {"Dawn"}),
        (Filters(sources=("Dawn", "Geo")), {"Dawn", "Geo"}),
        (Filters(languages=("ur",)), {"BBC Urdu"}),
        (Filters(published_in=("pk",)), {"Dawn"}),
        (Filters(query="ceasefire"), {"Dawn"}),
        (Filters(query='"hit a market" OR markets'), {"Geo", "BBC Urdu"}),
        (Filters(query="market*"), {"Geo", "BBC Urdu"}),
        (Filters(query="blast NOT police"), set()),
    ],
)
def test_filters(filled, filters, sources):
    assert {r["source"] for r in export_rows(filled, filters)} == sources


def test_a_search_is_read_as_on_the_dashboard(filled, tmp_path):
    target = tmp_path / "out.csv"
    assert export.export_articles(filled, Filters(query='"unclosed'), target) == 0  # the phrase "unclosed"
    assert target.read_text().startswith("id,url,title")


def test_parse_when():
    assert queries.parse_when("2025-11-06", end_of_day=True) == datetime(2025, 11, 6, 23, 59, 59, tzinfo=UTC)
    with pytest.raises(QueryError, match="not a date"):
        queries.parse_when("someday")
