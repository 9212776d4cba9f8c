"""Rising keywords and trend queries over a small generated history."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from monitor import queries, trends
from monitor.cli import app
from monitor.queries import Filters

NOW = datetime(2025, 11, 20, 12, tzinfo=UTC)

ROUTINE = [
    (
        "Provincial budget debate continues",
        "Lawmakers in Lahore debated the provincial budget again, and the finance committee reviewed spending on schools and hospitals.",
    ),
    (
        "Cricket board names new selectors",
        "The cricket board named three new selectors in Karachi before the home series, and the captain welcomed the choice.",
    ),
    (
        "Wheat harvest expected to rise",
        "Farmers in Punjab expect a larger wheat harvest this year after good rains, the agriculture department said.",
    ),
]
EMERGING = (
    "Landslide blocks Karakoram Highway near Gilgit",
    "A landslide blocked the Karakoram Highway near Gilgit, stranding hundreds of travellers as rescue teams worked to clear the Karakoram Highway.",
)


def write_history(path) -> None:
    rows = []
    for days_ago in range(1, 30):
        day = NOW - timedelta(days=days_ago)
        for n, (title, body) in enumerate(ROUTINE):
            rows.append(
                {
                    "url": f"https://history.example/{days_ago}/{n}",
                    "title": f"{title} ({days_ago})",
                    "body": f"{body} Report {days_ago}-{n}.",
                    "published_at": day.isoformat(),
                    "source": "Daily",
                }
            )
    for n in range(6):  # the last day: a new story everybody covers
        rows.append(
            {
                "url": f"https://history.example/now/{n}",
                "title": f"{EMERGING[0]} ({n})",
                "body": f"{EMERGING[1]} Update {n}.",
                "published_at": (NOW - timedelta(hours=n)).isoformat(),
                "source": f"Outlet {n}",
            }
        )
    path.write_text("\n".join(json.dumps(row) for row in rows))


def test_rising_keywords_surface_the_new_story_only(db, tmp_path):
    write_history(tmp_path / "history.jsonl")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "history.jsonl")])
    assert result.exit_code == 0, result.output
    rising = trends.rising_keywords(db, now=NOW, recent_days=1, baseline_days=28)
    words = [term.keyword for term in rising]
    assert any("Karakoram" in word or "Gilgit" in word or "landslide" in word.lower() for word in words[:3]), words
    assert not any("budget" in word.lower() or "selectors" in word.lower() for word in words)
    top = rising[0]
    assert top.recent >= 3 and top.g2 > trends.SIGNIFICANT_G2 and top.recent > top.expected
    # The same question asked through the filtered-articles path gives the same answer.
    assert trends.rising_keywords(db, Filters(languages=("en",)), now=NOW, recent_days=1, baseline_days=28) == rising


def test_sentiment_over_time_carries_the_count_behind_each_point(db, tmp_path):
    write_history(tmp_path / "history.jsonl")
    CliRunner().invoke(app, ["ingest", str(tmp_path / "history.jsonl")])
    points = trends.sentiment_over_time(db, Filters(since=NOW - timedelta(days=3)))
    assert [point["articles"] for point in points] == [3, 3, 3, 6]  # 17th (from noon: whole day in rollups) to 20th
    assert all(point["scored_articles"] == point["articles"] for point in points)
    assert all(-1 <= point["mean_sentiment"] <= 1 for point in points)
    weekly = trends.counts_over_time(db, Filters(), interval="week")
    assert sum(row["articles"] for row in weekly) == 29 * 3 + 6
    assert all(datetime.fromisoformat(row["period"]).weekday() == 0 for row in weekly)  # weeks named by Monday


# ---- the cross rollups and the dashboard's queries -------------------------------------------------------

START = datetime(2025, 11, 1, 9, tzinfo=UTC)
TEXTS = [  # (title, body, source, published in, language)
    (
        "Pakistan budget debate in Islamabad",
        "Pakistan's parliament in Islamabad debated the budget as the finance minister said inflation fell.",
        "Dawn",
        "PK",
        "en",
    ),
    (
        "Fighting near Kandahar",
        "Fighting near Kandahar in Afghanistan killed soldiers as militants attacked a checkpoint, officials said.",
        "TOLOnews",
        "AF",
        "en",
    ),
    (
        "India and Pakistan hold talks",
        "India and Pakistan foreign ministers held talks in New Delhi on trade, the border and the ceasefire.",
        "The Hindu",
        "IN",
        "en",
    ),
    (
        "Earthquake in eastern Turkey",
        "An earthquake struck eastern Turkey near Van, destroying homes; rescue teams searched the rubble.",
        "Dawn",
        "PK",
        "en",
    ),
    (
        "Cricket win in Karachi",
        "Pakistan beat India in a cricket match in Karachi and the captain praised the bowlers after the win.",
        "The Hindu",
        "IN",
        "en",
    ),
    (
        "Regierung in Berlin",
        "Die Regierung in Berlin hat am Montag neue Haushaltspläne vorgestellt, sagte der Minister.",
        "Tagesschau",
        "DE",
        "de",
    ),
]


def varied_records(days: int = 12) -> list:
    from monitor.analysis.article import analyse
    from monitor.store import ArticleRecord

    records = []
    for day in range(days):
        for n, (title, body, source, country, language) in enumerate(TEXTS):
            if (day + n) % 4 == 3:
                continue  # not every text every day
            for copy in range(1 + (n == 1)):  # a wire copy: same story, another outlet
                when = (START + timedelta(days=day, hours=n + copy)).strftime("%Y-%m-%dT%H:%M:%SZ")
                text = f"{body} Day {day}."
                outlet = source if not copy else "Pajhwok"
                records.append(
                    ArticleRecord(
                        url=f"https://varied.example/{day}/{n}/{copy}", content_hash=f"{day}-{n}-{copy}",
                        source=outlet, title=f"{title} ({day})", body=text, published_at=when, fetched_at=when,
                        language=language, published_in=country, analysis=analyse(f"{title} ({day})", text, language),
                    )
                )  # fmt: skip
    return records


def test_cross_rollups_give_the_numbers_of_the_articles(db, monkeypatch):
    from monitor import store

    store.save_articles(db, varied_records())
    since, until = datetime(2025, 11, 3, tzinfo=UTC), datetime(2025, 11, 9, 23, 59, 59, tzinfo=UTC)  # whole days
    selections = [
        Filters(countries=("pk",)),  # spelled as a user may type it
        Filters(topics=("conflict",), since=since, until=until),
        Filters(sources=("Dawn",)),
        Filters(languages=("EN",), since=since),
        Filters(published_in=("IN",), until=until),
    ]
    for selection in selections:
        assert queries.rollup_for(selection) is not None, selection
        slow = replace(selection, sentiment=(-1.0, 1.0))  # scored articles only: forces SQL
        slow_all = replace(selection, query="day")  # every article has "Day n.": forces SQL
        assert queries.rollup_for(slow) is None and queries.rollup_for(slow_all) is None
        keywords = ("keyword",) if selection.countries or selection.topics else ()  # within these filters only
        for by in (None, "country", "topic", "source", "language", "published_in", *keywords):
            fast_rows = trends.counts_over_time(db, selection, by=by)
            assert_same_rows(fast_rows, trends.counts_over_time(db, slow_all, by=by))
        if keywords:  # every keyword above its expected count, significant or not: the same from both paths
            monkeypatch.setattr(trends, "SIGNIFICANT_G2", 0.0)
            fast_terms, slow_terms = ([(t.keyword, t.recent, t.baseline) for t in trends.rising_keywords(
                db, s, now=START + timedelta(days=9), min_recent=1, limit=1000)] for s in (selection, slow_all))  # fmt: skip
            assert fast_terms and fast_terms == slow_terms
        assert queries.rollup_for(selection, "country_topic") is not None
        assert_same_rows(trends.country_topic_matrix(db, selection), trends.country_topic_matrix(db, slow_all))
        assert trends.stories_over_time(db, selection) == trends.stories_over_time(db, slow_all)
        assert_same_rows(trends.totals(db, selection, "topic"), trends.totals(db, slow_all, "topic"))
        assert queries.count_articles(db, selection) == queries.count_articles(db, slow_all) > 0
        fast, slow_figures = (trends.headline(db, s, now=START + timedelta(days=12)) for s in (selection, slow_all))
        for key, figure in fast.items():
            other = slow_figures[key]
            for a, b in ((figure.value, other.value), (figure.previous, other.previous)):
                assert a == pytest.approx(b), (selection, key)
    # Keyword counts within a source (say) and several values of one filter are not in the cross rollups.
    assert queries.rollup_for(Filters(countries=("PK",)), "keyword") is not None
    assert queries.rollup_for(Filters(sources=("Dawn",)), "keyword") is None
    assert queries.rollup_for(Filters(countries=("PK", "AF"))) is None
    assert queries.rollup_for(Filters(countries=("PK",), topics=("conflict",))) is None


def assert_same_rows(fast: list[dict], slow: list[dict]) -> None:
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            assert a[key] == pytest.approx(b[key]), (a, b)


def test_headline_compares_with_the_previous_period(db):
    from monitor import store

    store.save_articles(db, varied_records())
    everything = trends.headline(db, Filters())
    assert everything["articles"].value == db["articles"].count and everything["articles"].previous is None
    assert everything["sources"].value == 5 and everything["countries"].value >= 5
    assert everything["stories"].value < everything["articles"].value  # the wire copies
    last_week = Filters(since=START + timedelta(days=6))
    figures = trends.headline(db, last_week, now=START + timedelta(days=11))  # days 6-11, previous 0-5
    by_day = {row["period"]: row["articles"] for row in trends.counts_over_time(db, Filters())}
    days = sorted(by_day)
    assert figures["articles"].value == sum(by_day[day] for day in days[6:12])
    assert figures["articles"].previous == sum(by_day[day] for day in days[0:6])
    assert figures["articles"].change == figures["articles"].value - figures["articles"].previous
    assert -1 <= figures["mean_sentiment"].value <= 1
    sql = trends.headline(db, replace(last_week, query="day"), now=START + timedelta(days=11))
    for key, figure in figures.items():
        assert (sql[key].value, sql[key].previous) == pytest.approx((figure.value, figure.previous)), key


def test_top_values_other_share_and_sparklines(db):
    from monitor import store

    store.save_articles(db, varied_records())
    for selection in (Filters(), Filters(query="day")):
        top = trends.top_values(db, selection, "country", 2)
        assert top[0] == "PK" and len(top) == 2
        stacked = trends.counts_over_time(db, selection, by="country", top=2)
        assert {row["value"] for row in stacked} == {*top, trends.OTHER}
        every = trends.counts_over_time(db, selection, by="country")
        assert sum(row["articles"] for row in stacked) == sum(row["articles"] for row in every)
        spark = trends.counts_over_time(db, selection, by="source", values=("Dawn",))
        assert {row["value"] for row in spark} == {"Dawn"}
        shares = trends.share_over_time(db, selection, "country", "day", 3)
        periods = {row["period"] for row in shares}
        assert len(shares) == 3 * len(periods)
        pk = [row for row in shares if row["value"] == "PK"]
        assert all(0 < row["share"] <= 1 and row["share"] == row["articles"] / row["total"] for row in pk)
    with pytest.raises(ValueError):
        trends.counts_over_time(db, Filters(), by="country", top=2, values=("PK",))


def test_country_topic_matrix_from_cross_rollups_equals_sql(db):
    from monitor import store

    store.save_articles(db, varied_records())
    fast = trends.country_topic_matrix(db, Filters(), countries_limit=3)
    slow = trends.country_topic_matrix(db, Filters(query="day"), countries_limit=3)
    # the top countries that have topic tags (the German article has none)
    assert fast and {row["country"] for row in fast} <= set(trends.top_values(db, Filters(), "country", 3))
    assert_same_rows(fast, slow)
    assert fast[0]["country"] == "PK"


def test_latest_stories_group_the_newest_articles(db):
    from monitor import store

    store.save_articles(db, varied_records())
    stories = trends.latest_stories(db, Filters(), limit=3)
    assert len(stories) == 3
    newest = db.execute("SELECT story_id FROM articles ORDER BY published_at DESC LIMIT 1").fetchone()[0]
    assert stories[0]["story_id"] == newest
    assert set(stories[0]) == {"story_id", "title", "articles", "sources", "first_seen", "last_seen"}
    wire = trends.latest_stories(db, Filters(sources=("Pajhwok",)), limit=1)[0]
    expected = db.execute(
        "SELECT count(*), count(DISTINCT source), min(published_at) FROM articles WHERE story_id = ?",
        [wire["story_id"]],
    ).fetchone()
    assert (wire["articles"], wire["sources"], wire["first_seen"]) == expected and wire["sources"] >= 2
    assert wire["title"].startswith("Fighting near Kandahar")
    assert trends.latest_stories(db, Filters(query="nothingmatches")) == []


def test_sidebar_choices_date_span_and_source_activity(db):
    from monitor import store

    assert trends.date_span(db) == (None, None)
    store.save_articles(db, varied_records())
    choices = trends.filter_choices(db)
    assert set(choices) == {
        "sources",
        "source_groups",
        "countries",
        "countries_mentioned",
        "published_in",
        "topics",
        "languages",
    }
    assert set(choices["countries_mentioned"]) >= set(choices["countries"])
    assert choices["source_groups"] == []
    assert choices["sources"][0] in {"Dawn", "The Hindu"} and "Pajhwok" in choices["sources"]
    assert choices["countries"][0] == "PK" and set(choices["languages"]) == {"en", "de"}
    assert trends.date_span(db) == ("2025-11-01", "2025-11-12")
    activity = trends.sources_activity(db, days=5, now=START + timedelta(days=11))
    assert {row["day"] for row in activity} == {f"2025-11-{day:02}" for day in range(8, 13)}
    assert len(activity) == 5 * len({row["source"] for row in activity})
    total = sum(row["articles"] for row in activity)
    assert total == queries.count_articles(db, Filters(since=START + timedelta(days=7)))


def test_newest_first_pages_are_the_same_whether_tags_are_looked_up_or_listed_first(db, monkeypatch):
    from monitor import store

    store.save_articles(db, varied_records())
    selections = [Filters(countries=("PK",)), Filters(topics=("conflict",), countries=("AF", "PK")),
                  Filters(countries=("IN",), since=datetime(2025, 11, 4, tzinfo=UTC))]  # fmt: skip
    pages = {}
    for probe_share in (0.0, 2.0):  # every tag filter looked up per article; every one listed first
        monkeypatch.setattr(queries, "PROBE_SHARE", probe_share)
        sql = queries.where_articles(selections[0], db=db, in_date_order=True).sql
        assert ("EXISTS" in sql) == (probe_share == 0.0)
        pages[probe_share] = [
            (
                *(queries.article_page(db, selection, sort=sort, page_size=7) for sort in queries.SORTS),
                trends.latest_stories(db, selection, limit=3),
            )
            for selection in selections
        ]
    # No index serves a sort by title: its page reads every article, so looking tags up would cost more.
    monkeypatch.setattr(queries, "PROBE_SHARE", 0.0)
    statements = []
    db.conn.set_trace_callback(statements.append)
    queries.article_page(db, selections[0], sort="title")
    queries.article_page(db, selections[0], sort="source")
    db.conn.set_trace_callback(None)
    pages_sql = [sql for sql in statements if "LIMIT" in sql]
    assert ["EXISTS" in sql for sql in pages_sql] == [False, True]
    assert all(all(found) for found in pages[0.0])
    assert pages[0.0] == pages[2.0]
