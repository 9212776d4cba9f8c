"""Summary exports (daily, sentiment, keywords, terms, topics, countries; CSV and XLSX), their manifest and
`newsmon export KIND`.

Five articles go through the real write path (store.save_articles) with tags chosen by hand, so every expected
cell below is worked out from the table in `ARTICLES`, not by running the export code twice.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from monitor import __version__, export, labels, store
from monitor.analysis.article import analyse
from monitor.analysis.countries import CountryTag
from monitor.analysis.keywords import Keyword
from monitor.analysis.sentiment import Sentiment
from monitor.analysis.topics import TopicTag
from monitor.cli import app
from monitor.queries import Filters
from monitor.store import ArticleRecord

# (published_at, source, language, countries, topics, sentiment, keywords). Dawn is published in PK.
# 2025-11-03 is a Monday: the first four articles fall in that week, the last in the next.
# fmt: off
ARTICLES = [
    ("2025-11-03T08:00:00Z", "Dawn", "en", ("PK", "AF"), ("conflict", "diplomacy"), -0.5, ("ceasefire", "border talks")),
    ("2025-11-03T15:00:00Z", "=Geo", "en", ("PK",), ("economy",), 0.25, ("ceasefire", "fuel prices")),
    ("2025-11-04T09:00:00Z", "Dawn", "en", ("XK",), ("conflict",), -0.125, ("ceasefire",)),
    ("2025-11-04T10:00:00Z", "BBC Urdu", "ur", ("AF",), ("conflict",), None, ("=SUM(A1)",)),
    ("2025-11-10T12:00:00Z", "Dawn", "en", ("IR",), ("economy",), 0.75, ("fuel prices",)),
]
# fmt: on
SOURCES = ("Dawn", "=Geo", "BBC Urdu")


def tone(compound: float | None) -> Sentiment:
    if compound is None:
        return Sentiment(None, None, "not scored: VADER reads English only", 0, (), ())
    label = "negative" if compound < -0.05 else "positive" if compound > 0.05 else "neutral"
    return Sentiment(compound, label, "set by the test", 1, (), ())


@pytest.fixture
def filled(db):
    dawn, _ = store.add_source(db, "https://dawn.example/feed", name="Dawn", country="PK")
    records = []
    for n, (published, source, language, countries, topics, sentiment, keywords) in enumerate(ARTICLES):
        title, body = f"Report number {n} on the day's events", f"Officials spoke about item {n} at length today."
        analysis = replace(
            analyse(title, body, language),
            language=language,
            countries=tuple(
                CountryTag(code, code, 1.0 - i / 10, 1, (code,), False) for i, code in enumerate(countries)
            ),
            topics=tuple(TopicTag(slug, slug, 5.0 - i, (slug,)) for i, slug in enumerate(topics)),
            sentiment=tone(sentiment),
            keywords=tuple(Keyword(phrase, 1.0 - i / 10) for i, phrase in enumerate(keywords)),
        )
        records.append(
            ArticleRecord(
                url=f"https://example.com/{n}", content_hash=f"h{n}", source=source, title=title, body=body,
                published_at=published, fetched_at=published, language=language,
                source_id=dawn if source == "Dawn" else None, analysis=analysis,
            )
        )  # fmt: skip
    assert store.save_articles(db, records).added == 5
    return db


def table(db, kind, filters=None, **options) -> list[list[str]]:
    """The CSV as the analyst sees it: the header row, then every row, as text cells."""
    data, count = export.summary_csv(db, kind, filters or Filters(), **options)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert count == len(rows) - 1
    return rows


def test_daily_by_topic(filled):
    assert table(filled, "daily") == [
        ["day", "topic", "articles", "share", "mean_sentiment", "scored_articles"],
        ["2025-11-03", "conflict", "1", "0.5", "-0.5", "1"],
        ["2025-11-03", "diplomacy", "1", "0.5", "-0.5", "1"],
        ["2025-11-03", "economy", "1", "0.5", "0.25", "1"],
        ["2025-11-04", "conflict", "2", "1.0", "-0.125", "1"],  # the Urdu article counts but has no score
        ["2025-11-10", "economy", "1", "1.0", "0.75", "1"],
    ]


def test_daily_by_country_per_week(filled):
    assert table(filled, "daily", by="country", interval="week") == [
        ["week", "country", "articles", "share", "mean_sentiment", "scored_articles"],
        ["2025-11-03", "AF", "2", "0.5", "-0.5", "1"],
        ["2025-11-03", "PK", "2", "0.5", "-0.125", "2"],
        ["2025-11-03", "XK", "1", "0.25", "-0.125", "1"],
        ["2025-11-10", "IR", "1", "1.0", "0.75", "1"],
    ]


def test_daily_by_source_neutralises_a_formula_source(filled):
    rows = table(filled, "daily", by="source")
    assert rows[0][1] == "source"
    assert rows[1:3] == [
        ["2025-11-03", "'=Geo", "1", "0.5", "0.25", "1"],
        ["2025-11-03", "Dawn", "1", "0.5", "-0.5", "1"],
    ]
    assert rows[4] == ["2025-11-04", "Dawn", "1", "0.5", "-0.125", "1"]  # negative numbers stay numbers


def test_daily_by_published_in_and_language(filled):
    assert table(filled, "daily", by="published_in")[1:] == [  # only Dawn has a publisher country
        ["2025-11-03", "PK", "1", "0.5", "-0.5", "1"],
        ["2025-11-04", "PK", "1", "0.5", "-0.125", "1"],
        ["2025-11-10", "PK", "1", "1.0", "0.75", "1"],
    ]
    assert table(filled, "daily", by="language", interval="week")[1:] == [
        ["2025-11-03", "en", "3", "0.75", "-0.125", "3"],
        ["2025-11-03", "ur", "1", "0.25", "", "0"],  # no score: an empty cell, never a fake 0
        ["2025-11-10", "en", "1", "1.0", "0.75", "1"],
    ]


def test_sentiment_by_day_week_country_and_source(filled):
    assert table(filled, "sentiment") == [
        ["day", "mean_sentiment", "scored_articles", "articles"],
        ["2025-11-03", "-0.125", "2", "2"],
        ["2025-11-04", "-0.125", "1", "2"],
        ["2025-11-10", "0.75", "1", "1"],
    ]
    assert table(filled, "sentiment", interval="week") == [
        ["week", "mean_sentiment", "scored_articles", "articles"],
        ["2025-11-03", "-0.125", "3", "4"],  # (-0.5 + 0.25 - 0.125) / 3
        ["2025-11-10", "0.75", "1", "1"],
    ]
    assert table(filled, "sentiment", by="country") == [
        ["country", "mean_sentiment", "scored_articles", "articles"],
        ["AF", "-0.5", "1", "2"],
        ["PK", "-0.125", "2", "2"],
        ["IR", "0.75", "1", "1"],
        ["XK", "-0.125", "1", "1"],
    ]
    assert table(filled, "sentiment", by="source") == [
        ["source", "mean_sentiment", "scored_articles", "articles"],
        ["Dawn", "0.0417", "3", "3"],  # (-0.5 - 0.125 + 0.75) / 3, four decimals
        ["'=Geo", "0.25", "1", "1"],
        ["BBC Urdu", "", "0", "1"],
    ]


def test_keywords_every_period_times_the_top_keywords(filled):
    assert table(filled, "keywords") == [
        ["day", "keyword", "rank", "articles", "share", "total_articles"],
        ["2025-11-03", "ceasefire", "1", "2", "1.0", "3"],
        ["2025-11-03", "fuel prices", "2", "1", "0.5", "2"],
        ["2025-11-03", "'=SUM(A1)", "3", "0", "0.0", "1"],  # ties by keyword: '=' sorts before 'b'
        ["2025-11-03", "border talks", "4", "1", "0.5", "1"],
        ["2025-11-04", "ceasefire", "1", "1", "0.5", "3"],
        ["2025-11-04", "fuel prices", "2", "0", "0.0", "2"],
        ["2025-11-04", "'=SUM(A1)", "3", "1", "0.5", "1"],
        ["2025-11-04", "border talks", "4", "0", "0.0", "1"],
        ["2025-11-10", "ceasefire", "1", "0", "0.0", "3"],
        ["2025-11-10", "fuel prices", "2", "1", "1.0", "2"],
        ["2025-11-10", "'=SUM(A1)", "3", "0", "0.0", "1"],
        ["2025-11-10", "border talks", "4", "0", "0.0", "1"],
    ]
    assert table(filled, "keywords", interval="week", top=2) == [
        ["week", "keyword", "rank", "articles", "share", "total_articles"],
        ["2025-11-03", "ceasefire", "1", "3", "0.75", "3"],
        ["2025-11-03", "fuel prices", "2", "1", "0.25", "2"],
        ["2025-11-10", "ceasefire", "1", "0", "0.0", "3"],
        ["2025-11-10", "fuel prices", "2", "1", "1.0", "2"],
    ]


def test_topic_totals(filled):
    assert table(filled, "topics") == [
        ["topic", "label", "articles", "share", "mean_sentiment", "scored_articles"],
        ["conflict", "War and armed conflict", "3", "0.6", "-0.3125", "2"],
        ["economy", "Economy and public finances", "2", "0.4", "0.5", "2"],
        ["diplomacy", "Diplomacy and international relations", "1", "0.2", "-0.5", "1"],
    ]


def test_country_totals_with_iso_codes_and_names(filled):
    assert table(filled, "countries") == [
        ["country", "alpha_3", "name", "articles", "share", "mean_sentiment", "scored_articles"],
        ["AF", "AFG", "Afghanistan", "2", "0.4", "-0.5", "1"],
        ["PK", "PAK", "Pakistan", "2", "0.4", "-0.125", "2"],
        ["IR", "IRN", "Iran", "1", "0.2", "0.75", "1"],
        ["XK", "XKX", "Kosovo", "1", "0.2", "-0.125", "1"],
    ]
    # Within a filter the share is of the filtered articles: three are on conflict.
    assert table(filled, "countries", Filters(topics=("conflict",)))[1:] == [
        ["AF", "AFG", "Afghanistan", "2", "0.6667", "-0.5", "1"],
        ["PK", "PAK", "Pakistan", "1", "0.3333", "-0.5", "1"],
        ["XK", "XKX", "Kosovo", "1", "0.3333", "-0.125", "1"],
    ]


def test_articles_summary_is_the_article_export(filled):
    rows = table(filled, "articles", Filters(sources=("=Geo",)))
    assert rows[0] == ["id", "url", "title", "source", "author", "published_at", "language", "countries",
                       "countries_mentioned", "topics", "sentiment", "keywords", "story_id"]  # fmt: skip
    assert rows[1][3] == "'=Geo" and rows[1][7] == "PK" and rows[1][10] == "0.25"
    assert table(filled, "articles", full_text=True)[0][-1] == "body"
    assert table(filled, "articles", Filters(sources=("Dawn",)))[1][10] == "0.75"  # newest first


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("daily", {"by": "topic"}),
        ("daily", {"by": "country", "interval": "week"}),
        ("daily", {"by": "source"}),
        ("daily", {"by": "language"}),
        ("daily", {"by": "published_in"}),
        ("sentiment", {}),
        ("sentiment", {"by": "country"}),
        ("sentiment", {"by": "topic", "interval": "week"}),
        ("sentiment", {"by": "source"}),
        ("keywords", {}),
        ("keywords", {"interval": "week", "top": 2}),
        ("terms", {"terms": ["officials", '"item 2"']}),
        ("terms", {"terms": ["officials"], "interval": "week"}),
        ("topics", {}),
        ("countries", {}),
    ],
)
@pytest.mark.parametrize(
    "dates", [{}, {"since": datetime(2025, 11, 4, tzinfo=UTC), "until": datetime(2025, 11, 10, 23, 59, tzinfo=UTC)}]
)
def test_rollup_and_filtered_paths_agree(filled, kind, options, dates):
    """A date range alone is answered from the daily rollups; the same selection spelt with every source (or
    every language) goes through SQL over the filtered articles. The CSVs are the same."""
    rollups = export.summary_csv(filled, kind, Filters(**dates), **options)
    assert rollups[1] > 0
    assert export.summary_csv(filled, kind, Filters(sources=SOURCES, **dates), **options) == rollups
    assert export.summary_csv(filled, kind, Filters(languages=("en", "ur"), **dates), **options) == rollups


def test_preview_and_max_rows(filled):
    columns, rows = export.summary_rows(filled, "daily", Filters(), limit=2)
    assert columns[:2] == ["day", "topic"] and len(list(rows)) == 2
    columns, rows = export.summary_rows(filled, "articles", Filters(), limit=1)
    assert [row["published_at"] for row in rows] == ["2025-11-10T12:00:00Z"]
    data, count = export.summary_csv(filled, "countries", Filters(), max_rows=1)
    assert count == 1 and data.decode().splitlines()[1].startswith("AF,AFG,Afghanistan,2,")


@pytest.mark.parametrize("kind", list(export.SUMMARIES))
def test_a_bad_grouping_fails_before_any_file(filled, tmp_path, kind):
    target = tmp_path / f"{kind}.csv"
    with pytest.raises(export.ExportError):
        export.write_summary(filled, kind, Filters(query='"unclosed'), target, by="nonsense")
    assert not target.exists()


def test_unknown_kind_grouping_or_interval(filled, tmp_path):
    with pytest.raises(export.ExportError, match="cannot group daily by 'keyword': choose one of topic, country"):
        export.write_summary(filled, "daily", Filters(), tmp_path / "x.csv", by="keyword")
    with pytest.raises(export.ExportError, match="no grouping"):
        export.summary_rows(filled, "topics", Filters(), by="country")
    with pytest.raises(export.ExportError, match="day or week"):
        export.summary_rows(filled, "daily", Filters(), interval="month")
    with pytest.raises(export.ExportError, match="unknown export 'timeline'"):
        export.summary_rows(filled, "timeline", Filters())
    assert not (tmp_path / "x.csv").exists()


def test_country_names():
    assert labels.country_names("XK") == ("XKX", "Kosovo")
    assert labels.country_names("kr") == ("KOR", "South Korea")
    assert labels.country_names("GB") == ("GBR", "United Kingdom")
    assert labels.country_names("ZZ") == ("", "")


def test_manifest():
    filters = Filters(
        since=datetime(2025, 11, 1, tzinfo=UTC), countries=("PK",), query="ceasefire", sentiment=(-1.0, -0.05)
    )
    snapshot = datetime(2025, 11, 20, 13, 30, tzinfo=UTC)
    described = export.manifest("daily", filters, by="country", interval="week", rows=12, snapshot_at=snapshot,
                                database="news.db", today=date(2025, 11, 20))  # fmt: skip
    assert json.loads(json.dumps(described)) == described  # JSON-ready
    assert described["tool"] == "newsmon" and described["version"] == __version__
    assert (described["kind"], described["title"], described["rows"]) == ("daily", "Articles per day", 12)
    assert described["snapshot_at"] == "2025-11-20T13:30:00Z" and described["database"] == "news.db"
    assert described["filters"] == {
        "since": "2025-11-01T00:00:00Z",
        "countries": ["PK"],
        "query": "ceasefire",
        "sentiment": [-1.0, -0.05],
    }
    assert described["options"] == {"by": "country", "interval": "week"}
    # 2025-11-01 is a Saturday and 2025-11-20 a Thursday: the first and the last week are partial.
    assert described["partial_weeks"] == ["2025-10-27", "2025-11-17"]
    assert "partial_weeks" not in export.manifest("daily", filters, rows=1, snapshot_at=snapshot)
    assert list(described["columns"]) == ["week", "country", "articles", "share", "mean_sentiment", "scored_articles"]
    assert "Monday" in described["columns"]["week"] and "alpha-2" in described["columns"]["country"]
    notes = " ".join(described["notes"])
    assert "counts once for each" in notes and "UTC" in notes and "English" in notes and "VADER" in notes

    plain = export.manifest("topics", Filters(), rows=0, snapshot_at=snapshot)
    assert plain["filters"] == {} and plain["options"] == {} and "database" not in plain
    assert export.manifest("sentiment", Filters(), by="country", rows=1, snapshot_at=snapshot)["options"] == {
        "by": "country"
    }
    assert export.manifest("keywords", Filters(), rows=1, snapshot_at=snapshot)["options"] == {
        "interval": "day",
        "top": export.KEYWORDS_TOP,
    }
    assert "body" in export.manifest("articles", Filters(), rows=1, snapshot_at=snapshot, full_text=True)["columns"]


# ---- the CLI ---------------------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(
    ("args", "kind", "options"),
    [
        (["articles", "--full-text"], "articles", {"full_text": True}),
        (["daily", "--by", "country", "--interval", "week"], "daily", {"by": "country", "interval": "week"}),
        (["sentiment", "--by", "source"], "sentiment", {"by": "source"}),
        (["keywords", "--top", "2"], "keywords", {"top": 2}),
        (["topics"], "topics", {}),
        (["countries", "--language", "en"], "countries", {}),
    ],
)
def test_cli_writes_the_summary_and_its_manifest(filled, db_path, tmp_path, args, kind, options):
    out, described = tmp_path / "out.csv", tmp_path / "out.json"
    result = run("export", *args, "--since", "2025-11-01", "-o", str(out), "--manifest", str(described))
    assert result.exit_code == 0, result.output
    filters = Filters(since=datetime(2025, 11, 1, tzinfo=UTC), languages=("en",) if kind == "countries" else ())
    expected, count = export.summary_csv(filled, kind, filters, **options)
    assert out.read_bytes() == expected
    assert f"exported {count} rows to {out}" in result.output
    manifest = json.loads(described.read_text(encoding="utf-8"))
    assert (
        manifest["kind"] == kind
        and manifest["rows"] == count
        and manifest["filters"]["since"] == "2025-11-01T00:00:00Z"
    )
    assert list(manifest["columns"]) == next(csv.reader(io.StringIO(expected.decode())))


def test_cli_to_stdout_with_a_sentiment_range(filled, db_path):
    result = run("export", "countries", "--sentiment-max", "-0.1")
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["country", "alpha_3", "name", "articles", "share", "mean_sentiment", "scored_articles"],
        ["AF", "AFG", "Afghanistan", "1", "0.5", "-0.5", "1"],
        ["PK", "PAK", "Pakistan", "1", "0.5", "-0.5", "1"],
        ["XK", "XKX", "Kosovo", "1", "0.5", "-0.125", "1"],
    ]


def test_cli_errors(filled, db_path, tmp_path):
    out = tmp_path / "out.csv"
    bad_by = run("export", "daily", "--by", "keyword", "-o", str(out))
    assert bad_by.exit_code == 2 and not out.exists()
    assert (
        bad_by.output.strip()
        == "error: cannot group daily by 'keyword': choose one of topic, country, published_in, source, language"
    )
    for kind in export.SUMMARIES:
        bad_date = run("export", kind, "--since", "someday", "-o", str(out))
        assert bad_date.exit_code == 2 and "not a date" in bad_date.output and not out.exists()
    assert run("export", "sentiment", "--interval", "month").exit_code == 2
    assert run("export", "topics", "--since", "someday").exit_code == 2


def test_cli_help_lists_every_kind(db_path):
    listing = run("export", "--help").output
    for kind in export.SUMMARIES:
        assert kind in listing
    daily = run("export", "daily", "--help").output
    assert "--by" in daily and "--interval" in daily and "--sentiment-min" in daily and "--manifest" in daily
    assert "--by" not in run("export", "topics", "--help").output


def test_the_matrix_stories_and_rising_keywords_export_what_the_pages_show(filled):
    from monitor import trends

    matrix = table(filled, "matrix")
    assert matrix[0] == ["country", "topic", "articles", "mean_sentiment", "scored_articles"]
    expected = trends.country_topic_matrix(filled, Filters(), countries_limit=export.MATRIX_COUNTRIES)
    assert [(row[0], row[1], int(row[2])) for row in matrix[1:]] == [
        (row["country"], row["topic"], row["articles"]) for row in expected
    ]
    stories = table(filled, "stories")
    assert stories[0] == ["story_id", "title", "articles", "sources", "first_seen", "last_seen"]
    latest = trends.latest_stories(filled, Filters(), limit=export.STORIES)
    assert [int(row[0]) for row in stories[1:]] == [row["story_id"] for row in latest] and latest
    rising = table(filled, "rising")
    assert rising[0] == ["keyword", "recent", "baseline", "ratio", "g2"]


# ---- the term comparison and XLSX ------------------------------------------------------------------


def matches_per_day(db, term: str) -> dict[str, int]:
    """Articles matching one full-text query per UTC day, straight from SQL."""
    rows = db.execute(
        """SELECT substr(a.published_at, 1, 10), count(*) FROM articles a
           JOIN articles_fts ON articles_fts.rowid = a.id WHERE articles_fts MATCH ? GROUP BY 1""",
        [term],
    ).fetchall()
    return dict(rows)


def test_terms_every_day_every_term_raw_and_per_1000_against_sql(filled):
    terms = ['"item 3" OR "item 4"', "officials", "zzzqqq"]
    rows = table(filled, "terms", terms=terms)
    assert rows[0] == ["day", "term", "articles", "all_articles", "per_1000"]
    days = [f"2025-11-{day:02d}" for day in range(3, 11)]  # quiet days 5 to 9 are there, at zero
    all_per_day = dict(filled.execute("SELECT substr(published_at, 1, 10), count(*) FROM articles GROUP BY 1"))
    expected = []
    for day in days:
        for term in terms:
            articles, total = matches_per_day(filled, term).get(day, 0), all_per_day.get(day, 0)
            per_1000 = str(round(1000 * articles / total, 2)) if total else ""
            expected.append([day, term, str(articles), str(total), per_1000])
    assert rows[1:] == expected
    assert rows[1:4] == [  # worked out by hand from ARTICLES too
        ["2025-11-03", '"item 3" OR "item 4"', "0", "2", "0.0"],
        ["2025-11-03", "officials", "2", "2", "1000.0"],
        ["2025-11-03", "zzzqqq", "0", "2", "0.0"],  # a term with no match stays, at zero
    ]
    assert rows[4 * 3 + 2] == ["2025-11-07", "officials", "0", "0", ""]


def test_terms_per_week_within_a_filter_and_their_manifest(filled):
    rows = table(filled, "terms", Filters(languages=("en",)), terms=["officials", '"item 0"'], interval="week")
    assert rows == [
        ["week", "term", "articles", "all_articles", "per_1000"],
        ["2025-11-03", "officials", "3", "3", "1000.0"],
        ["2025-11-03", '"item 0"', "1", "3", "333.33"],
        ["2025-11-10", "officials", "1", "1", "1000.0"],
        ["2025-11-10", '"item 0"', "0", "1", "0.0"],
    ]
    described = export.manifest(
        "terms", Filters(), interval="week", terms=[" officials ", "officials", "peace"], rows=4,
        snapshot_at=datetime(2025, 11, 20, tzinfo=UTC),
    )  # fmt: skip
    assert described["options"] == {"interval": "week", "terms": ["officials", "peace"]}
    assert list(described["columns"]) == ["week", "term", "articles", "all_articles", "per_1000"]
    assert "1,000" in described["columns"]["per_1000"]


def test_terms_need_one_to_six_terms(filled):
    with pytest.raises(export.ExportError, match="at least one term"):
        export.summary_rows(filled, "terms", Filters(), terms=[" ", ""])
    with pytest.raises(export.ExportError, match="at most 6 terms"):
        export.summary_rows(filled, "terms", Filters(), terms=[f"word{n}" for n in range(7)])


def read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()], sheet


def test_xlsx_holds_the_csv_values_with_numbers_as_numbers_and_formulas_as_text(filled):
    data, count = export.summary_xlsx(filled, "keywords", Filters(), interval="week", top=3)
    rows, sheet = read_xlsx(data)
    assert count == len(rows) - 1 == 6
    assert rows[:4] == [
        ["week", "keyword", "rank", "articles", "share", "total_articles"],
        ["2025-11-03", "ceasefire", 1, 3, 0.75, 3],
        ["2025-11-03", "fuel prices", 2, 1, 0.25, 2],
        ["2025-11-03", "=SUM(A1)", 3, 1, 0.25, 1],  # the text as it is...
    ]
    hostile = sheet.cell(row=4, column=2)
    assert hostile.data_type == "s"  # ...stored as a string, never as a formula
    assert sheet.cell(row=2, column=5).data_type == "n"
    # Every cell agrees with the CSV, which differs only by the apostrophe in front of a formula.
    csv_rows = table(filled, "keywords", interval="week", top=3)
    assert [[float(cell) if isinstance(cell, int | float) else cell for cell in row] for row in rows] == [
        [float(cell) if number else cell.removeprefix("'") for cell, number in zip(row, kinds, strict=True)]
        for row, kinds in zip(csv_rows, ([isinstance(cell, int | float) for cell in row] for row in rows), strict=True)
    ]
    empty, sheet = read_xlsx(export.summary_xlsx(filled, "sentiment", Filters(), by="source")[0])
    assert empty[-1] == ["BBC Urdu", None, 0, 1]  # no score: an empty cell, never a fake 0
    assert empty[2] == ["=Geo", 0.25, 1, 1] and sheet.cell(row=3, column=1).data_type == "s"


def test_xlsx_file_is_written_whole_or_not_at_all(filled, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "terms.xlsx"
    count = export.write_summary(filled, "terms", Filters(), target, terms=["officials"])
    rows, _ = read_xlsx(target.read_bytes())
    assert count == 8 and rows[1] == ["2025-11-03", "officials", 2, 2, 1000]
    before = target.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "write_xlsx", broken)
    with pytest.raises(OSError):
        export.write_summary(filled, "terms", Filters(), target, terms=["ceasefire"])
    assert target.read_bytes() == before and [path.name for path in target.parent.iterdir()] == ["terms.xlsx"]


def test_cli_exports_terms_and_xlsx(filled, db_path, tmp_path):
    out, described = tmp_path / "terms.csv", tmp_path / "terms.json"
    result = run(
        "export", "terms", "--term", "officials", "--term", "zzzqqq", "--interval", "week",
        "-o", str(out), "--manifest", str(described),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    expected, count = export.summary_csv(filled, "terms", Filters(), terms=["officials", "zzzqqq"], interval="week")
    assert out.read_bytes() == expected and count == 4
    assert json.loads(described.read_text())["options"] == {"interval": "week", "terms": ["officials", "zzzqqq"]}
    assert run("export", "terms").exit_code == 2  # no term: a clear error
    assert "at least one term" in run("export", "terms").output
    workbook = tmp_path / "countries.xlsx"
    result = run("export", "countries", "-o", str(workbook))
    assert result.exit_code == 0, result.output
    rows, _ = read_xlsx(workbook.read_bytes())
    assert rows[1] == ["AF", "AFG", "Afghanistan", 2, 0.4, -0.5, 1]
