"""The columnar copy (monitor/columnar.py): the same numbers as SQLite for every selection no rollup answers, and
kept in step with new articles, re-analysis, verdicts, source groups and bulk loads."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor import columnar, quality, queries, store, trends
from monitor.analysis.article import analyse
from monitor.queries import Filters
from tests.test_trends import START, assert_same_rows, varied_records

SELECTIONS = [
    Filters(countries=("PK",), topics=("conflict",)),
    Filters(query="border OR day", since=START + timedelta(days=3)),
    Filters(countries=("PK", "AF"), until=START + timedelta(days=8)),
    Filters(sentiment=(-0.2, 1.0), languages=("en",)),
    Filters(countries_mentioned=("PK",), sources=("Dawn", "Pajhwok")),
    Filters(source_groups=("wires",)),
]


@pytest.fixture
def copies(monkeypatch):
    monkeypatch.setattr(columnar, "MODE", "on")
    monkeypatch.setattr(columnar, "enabled", True)
    yield
    columnar.close_all()


def figures(db, selection: Filters) -> dict:
    """Every counting query of the pages and exports over one selection."""
    now = START + timedelta(days=12)
    keywords = tuple(trends.top_values(db, selection, "keyword", 5))
    return {
        **{f"totals {by}": trends.totals(db, selection, by) for by in trends.DIMENSIONS},
        "weekly by topic, top 2": trends.counts_over_time(db, selection, by="topic", interval="week", top=2),
        "stories": trends.stories_over_time(db, selection),
        "shares": trends.share_over_time(db, selection, "country", "day", 3),
        "keyword sparklines": trends.counts_over_time(db, selection, by="keyword", values=keywords),
        "weekly keywords": trends.counts_over_time(db, selection, by="keyword", values=keywords, interval="week"),
        "matrix": trends.country_topic_matrix(db, selection),
        "rising": [
            {"keyword": t.keyword, "recent": t.recent, "baseline": t.baseline}
            for t in trends.rising_keywords(db, selection, now=now, min_recent=1, limit=1000)
        ],
        "headline": [
            {"key": key, "value": figure.value, "previous": figure.previous}
            for key, figure in trends.headline(db, selection, now=now).items()
        ],
        "count": [{"articles": queries.count_articles(db, selection)}],
        "id range": [dict(enumerate(queries.id_range(db, selection)))],
        "latest stories": trends.latest_stories(db, selection),
        "quality": [dict(enumerate(quality._gaps(db, selection)))],
    }


def forget_results() -> None:
    """Results remembered per data version, which would hide which engine counted."""
    trends._DAY_ROWS.clear()
    queries._ID_RANGES.clear()
    queries._SEARCH_HITS.clear()
    queries._SELECTED.clear()


def assert_same_figures(db, selection: Filters, monkeypatch) -> None:
    monkeypatch.setattr(columnar, "enabled", False)
    forget_results()
    expected = figures(db, selection)
    monkeypatch.setattr(columnar, "enabled", True)
    forget_results()
    assert columnar.current(db) is not None
    got = figures(db, selection)
    for name, rows in expected.items():
        assert_same_rows(got[name], rows)
    assert expected["count"][0]["articles"] > 0, selection


def test_the_copy_counts_every_selection_as_sqlite_does(db, copies, monkeypatch):
    store.save_articles(db, varied_records())
    store.set_source_group(db, "wires", ["Pajhwok", "Dawn"])
    monkeypatch.setattr(trends, "SIGNIFICANT_G2", 0.0)  # every rising keyword, so the lists are not empty
    used = []
    cursor = columnar.Copy.cursor
    monkeypatch.setattr(columnar.Copy, "cursor", lambda self: used.append(1) or cursor(self))
    for selection in SELECTIONS:
        assert queries.rollup_for(selection) is None
        assert_same_figures(db, selection, monkeypatch)
    assert used  # the copy answered


def test_a_database_whose_path_needs_escaping_in_a_uri_has_its_copy(tmp_path, copies):
    db = store.open_db(tmp_path / "news #1? 100%.db")
    store.save_articles(db, varied_records(days=2))
    assert columnar.current(db) is not None
    assert queries.count_articles(db, Filters(countries=("PK", "AF"))) > 0
    db.conn.close()


def test_a_search_without_hits_counts_nothing_on_the_copy(db, copies):
    store.save_articles(db, varied_records(days=2))
    nothing = Filters(query="zzyzx", countries=("PK", "AF"))
    assert columnar.current(db) is not None
    assert trends.totals(db, nothing, "country") == [] and queries.count_articles(db, nothing) == 0


def test_the_copy_follows_new_articles_reanalysis_verdicts_groups_and_bulk_loads(db, copies, monkeypatch):
    records = varied_records()
    store.save_articles(db, records[:40])
    store.set_source_group(db, "wires", ["Pajhwok"])
    selection = Filters(countries=("PK", "AF"), topics=("conflict", "diplomacy"))
    assert_same_figures(db, selection, monkeypatch)

    store.save_articles(db, records[40:])  # new articles
    assert_same_figures(db, selection, monkeypatch)

    stored = db.execute("SELECT id, title, body, published_at, story_id, language FROM articles LIMIT 5").fetchall()
    store.replace_analysis(  # re-analysed as if every text were about another place
        db,
        [
            (
                {"id": i, "title": t, "published_at": p, "story_id": s, "declared_language": lang},
                analyse("Flooding in Bangladesh", "Floods hit Dhaka and Chittagong in Bangladesh.", "en"),
            )
            for i, t, _, p, s, lang in stored
        ],
    )
    assert_same_figures(db, replace(selection, countries=("PK", "AF", "BD")), monkeypatch)

    article_id, topic = db.execute("SELECT article_id, topic FROM article_topics WHERE topic = 'conflict'").fetchone()
    store.set_topic_verdict(db, article_id, topic, "rejected")
    assert_same_figures(db, selection, monkeypatch)

    store.set_source_group(db, "wires", ["Pajhwok", "Dawn"])
    assert_same_figures(db, replace(selection, source_groups=("wires",)), monkeypatch)

    db.execute("DELETE FROM article_topics WHERE topic = 'diplomacy'")  # plain SQL, then
    store.rebuild_rollups(db)  # the rebuild that such a load calls: the copy starts over
    assert_same_figures(db, selection, monkeypatch)


def test_a_copy_far_behind_is_built_in_the_background_while_sqlite_answers(db, db_path, copies, monkeypatch):
    store.save_articles(db, varied_records(days=4))
    monkeypatch.setattr(columnar, "INLINE_SYNC", 0)
    assert columnar.current(db) is None  # started building
    copy = columnar._COPIES[db_path.resolve()]
    copy.syncing.join(timeout=60)
    assert columnar.current(db) is copy
    assert copy.cursor().execute("SELECT count(*) FROM articles").fetchone()[0] == db["articles"].count


def test_a_copy_held_by_another_process_leaves_the_counting_to_sqlite(db, db_path, copies):
    store.save_articles(db, varied_records(days=2))
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db_path) + '.columns'!r}); "
                               "print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        assert columnar.current(db) is None
        assert trends.totals(db, Filters(countries=("PK", "AF")), "topic")
    finally:
        holder.kill()
        holder.wait()


def test_small_databases_and_commands_do_not_make_a_copy(db, db_path, monkeypatch):
    store.save_articles(db, varied_records(days=2))
    monkeypatch.setattr(columnar, "enabled", True)  # the dashboard, on a small database
    assert columnar.current(db) is None
    monkeypatch.setattr(columnar, "MODE", "on")
    monkeypatch.setattr(columnar, "enabled", False)  # a command
    assert columnar.current(db) is None
    assert not (db_path.parent / (db_path.name + ".columns")).exists()


@pytest.mark.parametrize("params", [{"country": "PK,AF", "topic": "conflict"}, {"q": "border", "period": "all"}])
def test_pages_on_the_copy_show_what_they_show_from_sqlite(db, params, copies, monkeypatch, tmp_path):
    import streamlit as st

    from monitor import config, dashboard, demo  # noqa: F401 (imported first: it turns the copy on)
    from tests.test_app import PAGES, open_page

    monkeypatch.setattr(config, "DEMO_DB", tmp_path / "no-demo.db")
    demo.generate(db, articles=300, days=30, seed=5)

    def shown(page: str) -> dict:
        st.cache_data.clear()  # the pages' results are cached per selection
        forget_results()
        at = open_page(page, **params)
        return {
            "metrics": [(metric.label, metric.value) for metric in at.metric],
            "headings": [heading.value for heading in at.subheader],  # the Overview's headline figures among them
            "tables": [frame.value.astype(str).to_dict("records") for frame in at.dataframe],  # NaN != NaN
            "charts": len(at.get("plotly_chart")),
        }

    for page in PAGES:
        monkeypatch.setattr(columnar, "enabled", False)
        from_sqlite = shown(page)
        monkeypatch.setattr(columnar, "enabled", True)
        assert shown(page) == from_sqlite, page
    assert columnar.current(db) is not None


def test_a_damaged_copy_leaves_the_counting_to_sqlite(db, db_path, copies, caplog):
    store.save_articles(db, varied_records(days=2))
    (db_path.parent / (db_path.name + ".columns")).write_bytes(b"not a database" * 1000)
    assert columnar.current(db) is None
    assert "not using the columnar copy" in caplog.text
    assert trends.totals(db, Filters(countries=("PK", "AF")), "topic")


def test_the_pages_say_while_the_copy_is_being_built(db, db_path, copies, monkeypatch, tmp_path):
    import threading

    from monitor import config, dashboard  # noqa: F401 (imported first: it turns the copy on)
    from tests.test_app import open_page

    monkeypatch.setattr(config, "DEMO_DB", tmp_path / "no-demo.db")
    store.save_articles(db, varied_records(days=3))
    monkeypatch.setattr(columnar, "INLINE_SYNC", 0)
    release = threading.Event()
    start_over = columnar.Copy._start_over
    monkeypatch.setattr(columnar.Copy, "_start_over", lambda self, *args: release.wait(30) and start_over(self, *args))
    try:
        assert columnar.current(db) is None  # the build started, and waits before its first step
        newest = db.execute("SELECT max(id) FROM articles").fetchone()[0]
        for _ in range(100):
            if columnar.progress(db_path) == (0, newest):
                break
            threading.Event().wait(0.05)
        shown = "".join(caption.value for caption in open_page("overview", country="PK,AF").caption)
        assert f"Preparing the columnar copy that counts two filters or a search quickly: 0 of {newest:,}" in shown
    finally:
        release.set()
    columnar._COPIES[db_path.resolve()].syncing.join(30)
    assert columnar.progress(db_path) is None
    assert not any("Preparing" in caption.value for caption in open_page("overview").caption)
