"""The data-quality facts of a selection: shares of articles with gaps, failing and silent sources, days with
unusually low volume; on the Trends page, in the export manifest and in digests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from monitor import quality, store
from monitor.normalise import iso
from monitor.queries import Filters
from tests import test_app
from tests.test_alerts import NOW, ingest, record
from tests.test_app import open_page

no_demo = test_app.no_demo

NEUTRAL = "The committee met on Tuesday to discuss the schedule for next year and agreed on the agenda {n}."
PAKISTAN = "Officials in Islamabad said Pakistan would hold elections in February, the election commission said {n}."
FRENCH = "Le gouvernement a annoncé mardi une nouvelle réforme des retraites, selon le ministre {n}."


def records_with_gaps(published) -> list[dict]:
    """Four English articles about Pakistan (the n-th published at `published(n)`), a French one (not scored, no
    country) and one without a date (inferred, no country)."""
    records = [record(f"pk-{n}", f"Pakistan sets election date {n}", PAKISTAN.format(n=n), "Wire One", published(n))
               for n in range(4)]  # fmt: skip
    records.append(record("fr", "Réforme des retraites", FRENCH.format(n=1), "Le Desk", NOW - timedelta(hours=2)))
    records[-1]["language"] = "fr"
    undated = record("undated", "Committee agenda", NEUTRAL.format(n=1), "Wire One", NOW)
    del undated["published_at"]
    records.append(undated)
    return records


def test_shares_of_articles_with_gaps(db, tmp_path):
    ingest(db, tmp_path, records_with_gaps(lambda n: NOW - timedelta(hours=n + 1)))
    found = quality.check(db, Filters(since=NOW - timedelta(days=2)), now=NOW)
    assert found.articles == 6
    assert found.date_inferred == 1 and found.not_scored == 1
    assert found.no_country == 2  # the French and the committee articles
    assert (
        found.no_topic
        == db.execute(
            "SELECT count(*) FROM articles WHERE id NOT IN (SELECT article_id FROM article_topics)"
        ).fetchone()[0]
    )
    line = found.line()
    assert "17% of 6 articles have an inferred date" in line and "17% are not scored for tone" in line
    assert "33% have no country" in line


def test_the_rollups_count_the_gaps_as_the_articles_do(db, tmp_path, monkeypatch):
    """Whole-day selections read the 'gaps' rollups (also those of one filter value); they equal counting the
    articles, also after the migration that fills them in for an older database."""
    ingest(db, tmp_path, records_with_gaps(lambda n: NOW - timedelta(days=n)))
    selections = [Filters(), Filters(countries=("PK",)), Filters(sources=("Wire One",)), Filters(languages=("fr",))]
    from_rollups = [quality._gaps(db, filters) for filters in selections]
    db.execute("DELETE FROM daily_counts WHERE dimension = 'gaps'")
    db.execute("DELETE FROM daily_cross WHERE dimension = 'gaps'")
    db.execute("PRAGMA user_version = 7")
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    migrated = store.open_db(path)
    assert [quality._gaps(migrated, filters) for filters in selections] == from_rollups
    monkeypatch.setattr(quality, "rollup_for", lambda filters: None)
    from_articles = [tuple(quality._gaps(db, filters)) for filters in selections]
    assert from_rollups == from_articles
    assert from_rollups[0] == (6, 1, 1, 2, from_rollups[0][4]) and from_rollups[3][0] == 1


def test_failing_and_silent_sources_and_a_low_day(db, tmp_path):
    source_id, _ = store.add_source(db, "https://frontier.example/rss", name="Frontier Desk", every_seconds=3600)
    records = []
    for day in range(1, 12):
        if day == 5:
            continue  # a day without articles among days with eight
        # Each day's eight within its UTC calendar day (noon back to 05:00), whatever the hour the test runs at
        noon = datetime.combine((NOW - timedelta(days=day)).date(), time(12), UTC)
        for n in range(8):
            source = "Frontier Desk" if day >= 3 else "Wire One"  # Frontier Desk went quiet two days ago
            records.append(record(f"d{day}-{n}", f"Pakistan report {day}-{n}", PAKISTAN.format(n=day * 10 + n),
                                  source, noon - timedelta(hours=n)))  # fmt: skip
    ingest(db, tmp_path, records)
    db.execute("UPDATE articles SET source_id = ? WHERE source = 'Frontier Desk'", [source_id])
    broken_id, _ = store.add_source(db, "https://broken.example/rss", name="Broken Feed")
    store.record_source_attempt(db, broken_id, attempted_at=iso(NOW), next_fetch_at=iso(NOW), ok=False,
                                status=500, error="HTTP 500 Internal Server Error")  # fmt: skip
    found = quality.check(db, Filters(since=NOW - timedelta(days=12)), now=NOW)
    assert [name for name, _ in found.failing_sources] == ["Broken Feed"]
    assert "HTTP 500" in found.failing_sources[0][1]
    [silent] = found.silent_sources
    assert silent.name == "Frontier Desk" and silent.silent_hours > 48
    [low] = found.low_days
    assert low.day == (NOW - timedelta(days=5)).date().isoformat() and low.articles == 0 and low.median == 8
    manifest = found.as_dict()
    assert manifest["low_days"][0]["articles"] == 0 and manifest["silent_sources"][0]["name"] == "Frontier Desk"
    assert "Broken Feed" in found.line() and "Frontier Desk" in found.line()


def test_a_quiet_selection_has_no_low_day(db, tmp_path):
    records = [record(f"q-{day}", f"Pakistan note {day}", PAKISTAN.format(n=day), "Wire One",
                      NOW - timedelta(days=day)) for day in range(1, 12) if day % 3]  # fmt: skip
    ingest(db, tmp_path, records)
    assert quality.check(db, Filters(since=NOW - timedelta(days=12)), now=NOW).low_days == []  # median < 5


def test_the_trends_page_shows_the_panel(db, tmp_path, no_demo):
    records = [record(f"pk-{n}", f"Pakistan sets election date {n}", PAKISTAN.format(n=n), "Wire One",
                      datetime.now(UTC) - timedelta(hours=n + 1)) for n in range(3)]  # fmt: skip
    records.append(record("fr", "Réforme", FRENCH.format(n=1), "Le Desk", datetime.now(UTC) - timedelta(hours=2)))
    records[-1]["language"] = "fr"
    ingest(db, tmp_path, records)
    at = open_page("trends")
    assert "Data quality" in [header.value for header in at.subheader]
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Not scored for tone"] == "25%" and metrics["Inferred date"] == "0%"
