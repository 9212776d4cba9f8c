"""The analysis as stored: tags in the article's transaction, rollups, stories, re-analysis, explain, migration."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor import config, export, queries, store, trends
from monitor.cli import app
from monitor.queries import Filters

FIXTURES = Path(__file__).parent / "fixtures"
ANALYSIS = FIXTURES / "analysis"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def rules(tmp_path, monkeypatch) -> Path:
    """Copies of the rule files that a test may edit."""
    folder = tmp_path / "rules"
    folder.mkdir()
    for name in ("TAXONOMY", "COUNTRY_ALIASES", "NEWS_LEXICON"):
        original = getattr(config, name)
        shutil.copy(original, folder / original.name)
        monkeypatch.setattr(config, name, folder / original.name)
    return folder


def exported(db) -> dict[str, dict]:
    out = io.StringIO()
    export.export_articles(db, Filters(), out)
    return {row["title"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}


def ingest_fixtures(*names: str):
    result = run("ingest", *[str(ANALYSIS / name) for name in names])
    assert result.exit_code == 0, result.output
    return result


def test_border_talks_article_is_tagged_and_explained(db):
    ingest_fixtures("border-talks.txt")
    row = exported(db)["Pakistan and Afghan Taliban open fresh round of ceasefire talks in Istanbul"]
    countries = row["countries"].split(";")
    # Turkey, where the talks are held, is only mentioned (tests/analysis/LABELLING.md)
    assert set(countries) == {"PK", "AF"} and "TR" in row["countries_mentioned"].split(";")
    topics = row["topics"].split(";")
    assert {"diplomacy", "conflict"} <= set(topics)
    assert float(row["sentiment"]) <= 0.05
    keywords = row["keywords"].lower()
    assert "ceasefire" in keywords and "talks" in keywords and "istanbul" in keywords
    assert row["language"] == "en" and row["story_id"] == row["id"]

    explained = run("explain", row["id"])
    assert explained.exit_code == 0, explained.output
    assert "PK Pakistan: score" in explained.output and "matched" in explained.output
    only_mentioned = explained.output.split("Countries only mentioned")[1].split("Topics")[0]
    assert "TR Türkiye: score" in only_mentioned  # the name the dashboard and the exports use
    assert "in Istanbul (title: the venue of talks or a match, not a party: only mentioned)" in only_mentioned
    assert "diplomacy" in explained.output and "Sentiment:" in explained.output


def test_wire_copies_share_a_story_and_other_stories_do_not(db):
    ingest_fixtures("wire-copy-a.json", "wire-copy-b.json", "other-story.json")
    rows = {row["source"]: row for row in exported(db).values()}
    assert rows["First Daily"]["story_id"] == rows["Second Herald"]["story_id"] == rows["First Daily"]["id"]
    assert rows["Third Times"]["story_id"] == rows["Third Times"]["id"]
    assert "NP" in rows["First Daily"]["countries"]
    explained = run("explain", rows["Second Herald"]["id"])
    assert "Story" in explained.output and "Strong earthquake shakes western Nepal, dozens" in explained.output


def rollup_matches_tags(db) -> None:
    """The daily rollups equal a group-by over the tag tables: they were kept exactly at write time."""
    for dimension, table, column in (("country", "article_countries", "country"), ("topic", "article_topics", "topic")):
        expected = {
            (day, value): count
            for day, value, count in db.execute(
                f"""SELECT substr(a.published_at, 1, 10), t.{column}, count(*) FROM {table} t
                    JOIN articles a ON a.id = t.article_id GROUP BY 1, 2"""
            )
        }
        actual = {
            (day, value): count
            for day, value, count in db.execute(
                "SELECT day, value, articles FROM daily_counts WHERE dimension = ? AND articles > 0", [dimension]
            )
        }
        assert actual == expected
    cross_matches_tags(db)
    scored = db.execute("SELECT count(sentiment), coalesce(sum(sentiment), 0) FROM articles").fetchone()
    rolled = db.execute(
        "SELECT sum(sentiment_n), sum(sentiment_sum) FROM daily_counts WHERE dimension = 'all'"
    ).fetchone()
    assert rolled[0] == scored[0] and rolled[1] == pytest.approx(scored[1])


def cross_matches_tags(db) -> None:
    """The cross rollups equal counting, article by article, every (filter value, value) pair of its rows and tags."""
    facets: dict[int, dict[str, list[str]]] = {}
    days, sentiments = {}, {}
    inferred = {article_id for (article_id,) in db.execute("SELECT id FROM articles WHERE date_inferred")}
    for article_id, day, source, language, published_in, sentiment, first in db.execute(
        "SELECT id, substr(published_at, 1, 10), source, language, published_in, sentiment, story_id = id FROM articles"
    ):
        days[article_id], sentiments[article_id] = day, sentiment
        facets[article_id] = {
            "all": [""],
            "new_stories": [""] if first else [],
            "source": [source],
            "language": [language] if language else [],
            "published_in": [published_in] if published_in else [],
            "country": [],
            "topic": [],
            "keyword": [],
        }
    tags = (("country", "article_countries", "country"), ("topic", "article_topics", "topic"),
            ("keyword", "article_keywords", "keyword"))  # fmt: skip
    for dimension, table, column in tags:
        for article_id, value in db.execute(f"SELECT article_id, {column} FROM {table}"):
            facets[article_id][dimension].append(value)
    for article_id, values in facets.items():
        gaps = {"date_inferred": article_id in inferred, "no_country": not values["country"],
                "no_topic": not values["topic"]}  # fmt: skip
        values["gaps"] = [gap for gap, has in gaps.items() if has]
        values["country_topic"] = [f"{country} {topic}" for country in values["country"] for topic in values["topic"]]
    expected: dict[tuple, list] = {}
    for article_id, values in facets.items():
        for filter_dimension, dimension in store.CROSS_PAIRS:
            for filter_value in values[filter_dimension]:
                for value in values[dimension]:
                    key = (filter_dimension, filter_value, dimension, value, days[article_id])
                    share = expected.setdefault(key, [0, 0.0, 0])
                    share[0] += 1
                    if sentiments[article_id] is not None:
                        share[1] += sentiments[article_id]
                        share[2] += 1
    actual = {
        tuple(row[:5]): [row[5], row[6], row[7]]
        for row in db.execute("SELECT * FROM daily_cross WHERE articles > 0 OR sentiment_n > 0")
    }
    assert expected, "no articles to compare"
    assert {key: (n, scored) for key, (n, _, scored) in actual.items()} == {
        key: (n, scored) for key, (n, _, scored) in expected.items()
    }
    for key, (_, total, _) in expected.items():
        assert actual[key][1] == pytest.approx(total, abs=1e-9), key


def test_editing_the_taxonomy_and_analyse_updates_every_article(db, rules):
    ingest_fixtures("border-talks.txt", "wire-copy-a.json", "other-story.json")
    rollup_matches_tags(db)
    taxonomy = rules / config.TAXONOMY.name
    taxonomy.write_text(
        taxonomy.read_text()
        + '\n[topics.seismology]\nlabel = "Seismology"\nthreshold = 1\nterms = { "earthquake" = 5, "quake" = 5, "magnitude" = 3 }\n'
    )
    assert run("analyse").exit_code == 0
    topics = exported(db)["Strong earthquake shakes western Nepal, dozens of homes destroyed"]["topics"].split(";")
    assert (
        "seismology" in topics
        and "seismology" not in exported(db)["Lahore Qalandars win the final by six wickets"]["topics"]
    )
    rollup_matches_tags(db)
    again = run("analyse")
    assert "analysed 0 articles" in again.output  # nothing is stale any more
    assert "analysed 3 articles" in run("analyse", "--all").output
    rollup_matches_tags(db)


def test_a_broken_taxonomy_stops_before_storing(db, rules):
    taxonomy = rules / config.TAXONOMY.name
    taxonomy.write_text(taxonomy.read_text() + "\n[topics.broken\nlabel = 'x'\n")
    result = run("ingest", str(ANALYSIS / "other-story.json"))
    assert result.exit_code == 2 and "line" in result.output and "Traceback" not in result.output
    assert db["articles"].count == 0
    assert run("analyse").exit_code == 2


def test_trends_from_rollups_equal_trends_from_articles(db):
    ingest_fixtures("border-talks.txt", "wire-copy-a.json", "wire-copy-b.json", "other-story.json")
    plain = Filters()
    from_rollups = trends.counts_over_time(db, plain, by="country")
    # A filter that keeps every article forces the SQL path over the articles.
    everything = Filters(languages=("en",))
    assert from_rollups == trends.counts_over_time(db, everything, by="country")
    assert trends.counts_over_time(db, plain) == trends.counts_over_time(db, everything)
    assert [row["articles"] for row in trends.counts_over_time(db, plain, interval="week")] == [4]
    pk = trends.totals(db, Filters(countries=("PK",)), "topic")
    assert {row["value"] for row in pk} >= {"diplomacy", "conflict"}
    per_day = {row["period"]: row["articles"] for row in trends.counts_over_time(db, plain)}
    compared = trends.term_counts(db, plain, ["earthquake", "ceasefire OR truce", "nowhere-to-be-found"])
    days = [f"2025-11-{day}" for day in range(int(min(per_day)[-2:]), int(max(per_day)[-2:]) + 1)]
    assert [(row["period"], row["term"]) for row in compared] == [
        (day, term) for term in ("earthquake", "ceasefire OR truce", "nowhere-to-be-found") for day in days
    ]  # every day of the selection, quiet ones and a term without a match included, at zero
    counts = {(row["period"], row["term"]): row["articles"] for row in compared if row["articles"]}
    assert counts == {("2025-11-10", "earthquake"): 2, ("2025-11-12", "ceasefire OR truce"): 1}
    assert all(row["all_articles"] == per_day.get(row["period"], 0) for row in compared)


def test_country_topic_and_keywords_within_one_country_or_topic_read_rollups_equal_to_the_articles(db):
    ingest_fixtures("border-talks.txt", "wire-copy-a.json", "wire-copy-b.json", "other-story.json")
    for one in (Filters(countries=("PK",)), Filters(topics=("diplomacy",))):
        assert queries.rollup_for(one, "keyword") is not None
        assert queries.rollup_for(one, "country_topic") is not None
        scanned = Filters(**{**vars(one), "languages": ("en",)})  # keeps every article, forces the SQL path
        assert queries.rollup_for(scanned, "keyword") is None
        keywords = trends.counts_over_time(db, one, by="keyword")
        assert keywords and keywords == trends.counts_over_time(db, scanned, by="keyword")
        matrix = trends.country_topic_matrix(db, one)
        assert matrix and matrix == trends.country_topic_matrix(db, scanned)
    assert queries.rollup_for(Filters(sources=("Dawn",)), "keyword") is None  # keywords: country and topic only
    assert queries.rollup_for(Filters(), "country_topic") is None


def test_migration_from_version_10_fills_the_new_cross_rollups(db_path):
    db = store.open_db(db_path)
    ingest_fixtures("border-talks.txt", "wire-copy-a.json", "wire-copy-b.json", "other-story.json")
    kept = {row[:5]: row[5:] for row in db.execute("SELECT * FROM daily_cross")}
    assert {key[2] for key in kept} >= {"country_topic", "keyword"}
    with store.transaction(db) as conn:
        conn.execute("DELETE FROM daily_cross WHERE dimension IN ('country_topic', 'keyword')")
        conn.execute("PRAGMA user_version = 10")
    db.conn.close()
    db = store.open_db(db_path)
    migrated = {row[:5]: row[5:] for row in db.execute("SELECT * FROM daily_cross")}
    assert migrated.keys() == kept.keys()
    assert all(migrated[key][::2] == kept[key][::2] for key in kept)
    db.conn.close()


def test_counts_of_a_scanned_selection_by_week_top_values_and_totals_equal_the_rollups_and_follow_new_articles(db):
    ingest_fixtures("border-talks.txt", "wire-copy-a.json", "wire-copy-b.json")
    plain, everything = Filters(), Filters(languages=("en",))  # the rollups; one scan kept per dimension

    for by in ("topic", "country", "source"):
        second = (trends.top_values(db, plain, by, 2)[-1],)
        for call in (
            lambda f, by: trends.counts_over_time(db, f, by=by, interval="week", top=1),
            lambda f, by, second=second: trends.counts_over_time(db, f, by=by, values=second),
            lambda f, by: trends.totals(db, f, by, limit=2),
            lambda f, by: trends.top_values(db, f, by, 3),
            lambda f, by: trends.share_over_time(db, f, by, limit=2),
        ):
            from_rollups, scanned = call(plain, by), call(everything, by)
            assert from_rollups and from_rollups == scanned, by
    before = trends.totals(db, everything, "country")
    ingest_fixtures("other-story.json")  # a new article: the kept scan is not used again
    after = trends.totals(db, everything, "country")
    assert after != before and after == trends.totals(db, plain, "country")


def test_migration_from_version_1_keeps_articles_and_analyse_tags_them(db_path):
    conn = sqlite3.connect(db_path)
    conn.executescript((FIXTURES / "schema_v1.sql").read_text())
    conn.execute(
        """INSERT INTO articles (url, content_hash, source, title, body, published_at, fetched_at, language)
           VALUES ('https://old.example/1', 'h', 'Old', 'Floods hit Sindh as rivers overflow',
                   'Floods hit Pakistan''s Sindh province after heavy rain, and thousands of families were displaced.',
                   '2025-09-01T00:00:00Z', '2025-09-01T00:00:00Z', 'en')"""
    )
    conn.executemany(  # what version 1 counted at write time
        "INSERT INTO daily_counts (day, dimension, value, articles) VALUES ('2025-09-01', ?, ?, 1)",
        [("all", ""), ("source", "Old"), ("language", "en")],
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    db = store.open_db(db_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == store.VERSION
    fresh = store.open_db(db_path.with_name("fresh.db"))

    def schema(database):
        return sorted(
            (row[0], row[1])
            for row in database.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        )

    assert schema(db) == schema(fresh)
    assert [c.name for c in db["articles"].columns] == [c.name for c in fresh["articles"].columns]
    assert "analysed 1 articles" in run("analyse").output
    row = exported(db)["Floods hit Sindh as rivers overflow"]
    assert row["countries"].startswith("PK") and row["story_id"] == row["id"]
    rollup_matches_tags(db)


def test_stories_count_wire_copies_once(db):
    ingest_fixtures("wire-copy-a.json", "wire-copy-b.json", "other-story.json", "border-talks.txt")
    expected = [
        {"period": "2025-11-10", "articles": 3, "stories": 2},
        {"period": "2025-11-12", "articles": 1, "stories": 1},
    ]
    assert trends.stories_over_time(db, Filters()) == expected
    assert trends.stories_over_time(db, Filters(languages=("en",))) == expected  # the SQL path agrees


def test_migration_from_version_2_fills_the_cross_rollups(db_path):
    db = store.open_db(db_path)
    ingest_fixtures("border-talks.txt", "wire-copy-a.json", "wire-copy-b.json", "other-story.json")
    expected = {(row[:5]): row[5:] for row in db.execute("SELECT * FROM daily_cross")}
    with store.transaction(db) as conn:  # what version 2 had: no meta, no cross rollups, no sentiment index
        for statement in ("DROP TABLE daily_cross", "DROP TABLE meta", "DROP INDEX articles_sentiment"):
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 2")
    db.conn.close()
    db = store.open_db(db_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == store.VERSION
    rollup_matches_tags(db)
    migrated = {(row[:5]): row[5:] for row in db.execute("SELECT * FROM daily_cross")}
    assert migrated.keys() == expected.keys()
    assert all(migrated[key][0] == expected[key][0] and migrated[key][2] == expected[key][2] for key in expected)
    pk = trends.counts_over_time(db, Filters(countries=("PK",)), by="topic")
    assert pk == trends.counts_over_time(db, Filters(countries=("PK",), languages=("en",)), by="topic")
    db.conn.close()


def test_rebuilt_rollups_equal_the_rollups_kept_at_write_time(db):
    ingest_fixtures("border-talks.txt", "wire-copy-a.json", "wire-copy-b.json", "other-story.json")

    def rollups():
        counts = {row[:3]: row[3::2] for row in db.execute("SELECT * FROM daily_counts WHERE articles > 0")}
        cross = {row[:5]: row[5::2] for row in db.execute("SELECT * FROM daily_cross WHERE articles > 0")}
        return counts, cross

    kept = rollups()
    version = trends.data_version(db)
    store.rebuild_rollups(db)
    assert rollups() == kept
    assert trends.data_version(db) != version


def test_a_story_spans_at_most_a_week_however_many_look_alikes_follow(db):
    from monitor.analysis.article import analyse

    title = "Torkham border crossing stays closed as talks stall"
    body = (
        "The Torkham border crossing between Pakistan and Afghanistan stayed closed on {day} as talks between the two "
        "governments stalled, leaving hundreds of trucks stranded on both sides of the frontier near Landi Kotal. "
        "Traders said perishable goods were rotting while officials in Peshawar and Jalalabad blamed each other."
    )
    records = []
    for day in range(0, 13, 3):  # every 3 days: each copy is within the 3-day window of the one before
        when = f"2025-11-{day + 1:02d}T09:00:00Z"
        text = body.format(day=f"day {day}")
        records.append(
            store.ArticleRecord(
                url=f"https://chain.example/{day}", content_hash=f"chain-{day}", source="Wire", title=title,
                body=text, published_at=when, fetched_at=when, language="en", analysis=analyse(title, text, "en"),
            )
        )  # fmt: skip
    store.save_articles(db, records)
    stories = [row[0] for row in db.execute("SELECT story_id FROM articles ORDER BY published_at")]
    assert stories[:3] == [stories[0]] * 3  # days 0, 3, 6: one story
    assert stories[3] != stories[0]  # day 9 is more than a week after the story began: a new one
    assert stories[4] == stories[3]


PASSING_MENTION = {
    "url": "https://example.org/crossing",
    "title": "Pakistan and Afghanistan agree to reopen border crossing",
    "published_at": "2025-11-12T08:00:00Z",
    "body": "Pakistan and Afghanistan reopened the Torkham crossing on Sunday after three weeks of talks.\n"
    + "Traders said hundreds of trucks had been stuck on both sides, and fruit was rotting in the heat.\n" * 4
    + "Observers in Beijing are watching closely.",
}


def ingest_passing_mention(tmp_path) -> None:
    path = tmp_path / "crossing.json"
    path.write_text(json.dumps([PASSING_MENTION]), encoding="utf-8")
    result = run("ingest", str(path))
    assert result.exit_code == 0, result.output


def test_countries_mentioned_are_stored_filtered_exported_and_explained(db, tmp_path):
    ingest_passing_mention(tmp_path)
    row = exported(db)[PASSING_MENTION["title"]]
    about = row["countries"].split(";")
    mentioned = row["countries_mentioned"].split(";")
    assert set(about) == {"PK", "AF"} and set(mentioned) == {"PK", "AF", "CN"} and mentioned[-1] == "CN"
    assert queries.count_articles(db, Filters(countries_mentioned=("CN",))) == 1
    assert queries.count_articles(db, Filters(countries=("CN",))) == 0
    assert set(trends.filter_choices(db)["countries_mentioned"]) == {"PK", "AF", "CN"}
    rolled = db.execute("SELECT count(*) FROM daily_counts WHERE dimension = 'mentioned' AND articles > 0").fetchone()
    assert rolled[0] == 3

    out = run("export", "articles", "--mentioned", "cn")
    assert out.exit_code == 0, out.output
    assert len(list(csv.DictReader(io.StringIO(out.output)))) == 1
    assert run("export", "articles", "--country", "CN").output.count("\n") == 1  # the header only

    explained = run("explain", row["id"])
    assert "Countries only mentioned (below the threshold, or the venue of talks or a match):" in explained.output
    assert "CN China" in explained.output.split("Countries only mentioned")[1]


def test_migration_from_version_5_starts_mentioned_countries_from_the_about_ones(db_path, tmp_path):
    db = store.open_db(db_path)
    ingest_passing_mention(tmp_path)
    ingest_fixtures("border-talks.txt")
    with store.transaction(db) as conn:  # what version 5 had: no countries mentioned
        conn.execute("DROP TABLE article_countries_mentioned")
        conn.execute("DELETE FROM daily_counts WHERE dimension = 'mentioned'")
        conn.execute("PRAGMA user_version = 5")
    db.conn.close()
    db = store.open_db(db_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == store.VERSION
    seeded = db.execute("SELECT article_id, country FROM article_countries_mentioned ORDER BY 1, 2").fetchall()
    assert seeded == db.execute("SELECT article_id, country FROM article_countries ORDER BY 1, 2").fetchall()
    counted = db.execute("SELECT sum(articles) FROM daily_counts WHERE dimension = 'mentioned'").fetchone()[0]
    assert counted == len(seeded)
    assert "analysed 2 articles" in run("analyse", "--all").output
    mentioned = db.execute("SELECT article_id, country FROM article_countries_mentioned ORDER BY 1, 2").fetchall()
    assert set(mentioned) - set(seeded) == {(1, "CN"), (2, "TR")}  # a passing mention and the talks' venue
    db.conn.close()
