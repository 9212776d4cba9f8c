"""The dashboard's article table, article counts and the cache key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor import queries, store, trends
from monitor.normalise import iso
from monitor.queries import Filters, QueryError
from tests.test_trends import varied_records


@pytest.fixture
def filled(db):
    store.save_articles(db, varied_records())
    return db


def test_article_page_sorts_and_pages(filled):
    db = filled
    newest = queries.article_page(db, Filters(), page_size=5)
    assert [row["published_at"] for row in newest] == sorted((row["published_at"] for row in newest), reverse=True)
    assert set(newest[0]) == (set(queries.ARTICLE_COLUMNS) - {"keywords"}) | {"sentiment_label"}
    every = queries.article_page(db, Filters(), page_size=1000)
    assert len(every) == db["articles"].count
    pages = [queries.article_page(db, Filters(), page=n, page_size=7) for n in range(1, 20)]
    assert [row["id"] for page in pages for row in page] == [row["id"] for row in every]  # no gaps, no repeats
    by_source = queries.article_page(db, Filters(), sort="source", descending=False, page_size=1000)
    assert [row["source"] for row in by_source] == sorted(row["source"] for row in every)
    by_sentiment = queries.article_page(db, Filters(), sort="sentiment", page_size=1000)
    scores = [row["sentiment"] or 0 for row in by_sentiment]
    assert scores == sorted(scores, reverse=True)
    by_title = queries.article_page(db, Filters(sources=("Dawn",)), sort="title", descending=False)
    assert [row["title"] for row in by_title] == sorted(row["title"] for row in by_title)
    assert {row["source"] for row in by_title} == {"Dawn"}
    with pytest.raises(ValueError, match="sort"):
        queries.article_page(db, Filters(), sort="url")
    assert queries.article_page(db, Filters(query='"unbalanced')) == []  # read as the phrase "unbalanced"


@pytest.mark.parametrize("sort", ["published_at", "source", "sentiment"])
@pytest.mark.parametrize("descending", [True, False])
def test_article_page_reads_an_index_in_order(db, sort, descending):
    order = queries.SORTS[sort].format(d="DESC" if descending else "ASC")
    plan = " ".join(  # the outer query's steps (the tag columns' subqueries sort a few tags each)
        row[3]
        for row in db.execute(
            f"EXPLAIN QUERY PLAN SELECT {queries.PAGE_COLUMNS} FROM articles a ORDER BY {order} LIMIT 50 OFFSET 100"
        )
        if row[1] == 0
    )
    assert "SCAN a USING INDEX" in plan and "TEMP B-TREE" not in plan, plan


def test_count_articles_from_rollups_and_sql(filled):
    db = filled
    total = db["articles"].count
    assert queries.count_articles(db, Filters()) == total
    assert queries.count_articles(db, Filters(query="day")) == total  # SQL
    pk = db.execute("SELECT count(*) FROM article_countries WHERE country = 'PK'").fetchone()[0]
    assert queries.count_articles(db, Filters(countries=("PK",))) == pk  # cross rollups
    assert queries.count_articles(db, Filters(countries=("PK",), query="day")) == pk  # SQL
    assert queries.count_articles(db, Filters(query="nothingmatches")) == 0


def test_data_version_changes_with_articles_analysis_and_sources(db):
    seen = {trends.data_version(db)}

    def changed() -> bool:
        version = trends.data_version(db)
        new = version not in seen
        seen.add(version)
        return new

    records = varied_records(days=1)
    store.save_articles(db, records[:2])
    assert changed()
    store.save_articles(db, records[:2])  # duplicates only: nothing to show anew
    assert not changed()
    source_id, _ = store.add_source(db, "https://example.com/feed", name="Example")
    assert changed()
    store.set_source_enabled(db, source_id, False)
    assert changed()
    store.record_source_attempt(
        db, source_id, attempted_at="2025-11-01T00:00:00Z", next_fetch_at="2025-11-01T00:30:00Z", ok=True, status=200
    )
    assert changed()
    store.remove_source(db, source_id)
    assert changed()
    article = store.articles_text(db, [1])[0]
    store.replace_analysis(db, [(article, records[0].analysis)])
    assert changed()
    other = store.open_db(db.conn.execute("PRAGMA database_list").fetchone()[2])  # another process's view
    assert trends.data_version(other) == trends.data_version(db)
    other.conn.close()


def test_a_range_that_is_not_whole_days_is_counted_from_the_articles(filled):
    db = filled
    first_day = db.execute("SELECT min(substr(published_at, 1, 10)) FROM articles").fetchone()[0]
    day_start = datetime.fromisoformat(first_day).replace(tzinfo=UTC)
    noon = day_start + timedelta(hours=12)
    assert queries.rollup_for(Filters(since=day_start)) is not None
    assert queries.rollup_for(Filters(since=noon)) is None  # e.g. the "last 24 hours" preset
    expected = db.execute("SELECT count(*) FROM articles WHERE published_at >= ?", [iso(noon)]).fetchone()[0]
    assert queries.count_articles(db, Filters(since=noon)) == expected
    assert sum(row["articles"] for row in trends.counts_over_time(db, Filters(since=noon))) == expected


def test_check_search_accepts_fts5_syntax_and_what_analysts_type(filled):
    for typed in ('border OR "peace talks" NOT cricket refug*', "border AND", "(a OR", 'x "y', "NOT a b", "U.S.* or"):
        queries.check_search(filled, typed)


def test_check_search_refuses_a_search_with_nothing_to_look_for(filled):
    for typed in ("NOT", "NOT cricket", "(((", "*"):
        with pytest.raises(QueryError, match="no word to search for"):
            queries.check_search(filled, typed)


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("Pakistan-Afghanistan", '"Pakistan-Afghanistan"'),
        ("Pakistan's border", '"Pakistan\'s" border'),
        ("U.S. tariffs", '"U.S." tariffs'),
        ("india or pakistan", "india OR pakistan"),
        ('"or"', '"or"'),
        ('border OR "peace talks" NOT cricket refug*', 'border OR "peace talks" NOT cricket refug*'),
        ("a NOT (b OR c)", "a NOT ( b OR c )"),
        ("border AND", "border"),
        ("OR OR x", "x"),
        ("(a OR b", "a OR b"),
        ("- Web Desk", "Web Desk"),
        ("e-mail*", '"e-mail"*'),
        ("()", ""),
        ("NOT cricket", ""),
        ("NOT cricket border", "border"),
    ],
)
def test_the_search_box_reads_hyphens_apostrophes_dots_and_lower_case_operators(typed, searched):
    assert queries.fts_query(typed) == searched
    assert queries.fts_query(searched) == searched  # valid FTS5 goes through unchanged


def test_searches_with_hyphens_apostrophes_and_dots_find_the_articles(db):
    bodies = [
        "Talks on the Pakistan-Afghanistan border resumed.",
        "Pakistan's finance minister met U.S. officials.",
        "India and Pakistan played cricket.",
    ]
    store.save_articles(db, [
        store.ArticleRecord(url=f"http://example.org/{n}", content_hash=f"h{n}", source="Wire", title=f"Story {n}",
                            body=body, published_at=f"2025-11-0{n + 1}T10:00:00Z",
                            fetched_at="2025-11-06T10:00:00Z")
        for n, body in enumerate(bodies)
    ])  # fmt: skip

    def found(typed: str) -> list[str]:
        return [row["title"] for row in queries.article_page(db, Filters(query=typed), sort="title", descending=False)]

    assert found("Pakistan-Afghanistan") == ["Story 0"]
    assert found("Pakistan's") == ["Story 1"]
    assert found("U.S.") == ["Story 1"]
    assert found("afghanistan or cricket") == ["Story 0", "Story 2"]
    assert found("pakistan NOT (cricket or border)") == ["Story 1"]


def test_highlights_leave_out_the_terms_after_not():
    assert queries.positive_terms('"peace talks" NOT cricket refug*') == ["peace talks", "refug*"]
    assert queries.positive_terms("a NOT (b OR c) d") == ["a", "d"]
    assert queries.positive_terms("Pakistan-Afghanistan") == ["Pakistan-Afghanistan"]


def test_id_bounds_of_a_date_range_change_no_count(filled):
    """A tag filter or a search within a date range reads only the ids of that range, also when an article
    stored later was published earlier (a backfilled feed): the counts equal those without the bounds."""
    db = filled
    newest = db.execute("SELECT max(published_at) FROM articles").fetchone()[0]
    end = datetime.fromisoformat(newest.replace("Z", "+00:00"))
    db.execute(  # the first article moves into the range: its id is now below every other of the range
        "UPDATE articles SET published_at = ? WHERE id = (SELECT min(id) FROM articles)",
        [iso(end - timedelta(hours=1))],
    )
    country = db.execute("SELECT country FROM article_countries GROUP BY 1 ORDER BY count(*) DESC").fetchone()[0]
    word = "Pakistan"
    for filters in (
        Filters(since=end - timedelta(days=3), countries=(country,)),
        Filters(since=end - timedelta(days=3), until=end - timedelta(hours=2), countries=(country,)),
        Filters(since=end - timedelta(days=10), query=word),
        Filters(since=end + timedelta(days=1), countries=(country,)),  # nothing in the range
    ):
        bounded = queries.where_articles(filters, db=db)
        unbounded = queries.where_articles(filters)
        assert "BETWEEN" in bounded.sql or "IS NULL" in bounded.sql
        count = "SELECT count(*) FROM articles a WHERE {}"
        assert (
            db.execute(count.format(bounded.sql), bounded.params).fetchone()
            == db.execute(count.format(unbounded.sql), unbounded.params).fetchone()
        )
    moved = Filters(since=end - timedelta(hours=2))
    assert queries.id_range(db, moved)[0] == db.execute("SELECT min(id) FROM articles").fetchone()[0]


def test_search_pages_are_the_same_whether_hits_are_looked_up_or_listed_first(filled, monkeypatch):
    db = filled
    selections = [Filters(query="day"), Filters(query="day", countries=("PK",)),
                  Filters(query="day", since=datetime(2025, 11, 4, tzinfo=UTC)), Filters(query="nothingmatches")]  # fmt: skip
    pages, plans = {}, {}
    for probe_share in (0.0, 2.0):  # every search counts as common (walk the index), as rare (list the hits)
        monkeypatch.setattr(queries, "PROBE_SHARE", probe_share)
        queries._SEARCH_COUNTS.clear()
        statements = []
        db.conn.set_trace_callback(statements.append)
        pages[probe_share] = [
            [queries.article_page(db, selection, sort=sort, page_size=7) for sort in queries.SORTS]
            for selection in selections
        ]
        db.conn.set_trace_callback(None)
        newest = next(sql for sql in statements if "LIMIT" in sql and "published_at DESC" in sql)
        inner = newest[newest.index("(SELECT a.id") + 1 : newest.index(") page")]
        plans[probe_share] = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {inner}"))
    assert pages[0.0] == pages[2.0]
    assert all(pages[0.0][0]) and not any(pages[0.0][-1])
    # Common: the published_at index in page order, each article looked up in the hits; rare: the hits first, their
    # dates read from the facts index rather than from each article's row.
    assert "articles_published_at" in plans[0.0] and "TEMP B-TREE" not in plans[0.0], plans[0.0]
    assert "COVERING INDEX articles_facts" in plans[2.0], plans[2.0]


MAIN_TITLE = "Chinese engineers hurt in blast in Quetta"
MAIN_BODY = (
    "Three Chinese engineers working on a Chinese-funded road were hurt on Tuesday. China condemned the attack and "
    "Beijing asked for protection of Chinese workers. The Chinese embassy said the engineers were stable."
)


def test_lists_and_exports_give_the_main_country_first_though_another_scores_more(db):
    from monitor.analysis.article import analyse
    from monitor.store import ArticleRecord

    analysis = analyse(MAIN_TITLE, MAIN_BODY, "en")
    scores = {tag.code: tag.score for tag in analysis.countries}
    assert scores["CN"] > scores["PK"]  # China is named most; the blast is in Pakistan
    when = "2025-11-03T10:00:00Z"
    store.save_articles(db, [ArticleRecord(url="https://main.example/1", content_hash="m1", source="Dawn",
                                           title=MAIN_TITLE, body=MAIN_BODY, published_at=when, fetched_at=when,
                                           language="en", analysis=analysis)])  # fmt: skip
    (row,) = queries.article_page(db, Filters())
    assert row["countries"] == "PK;CN"
    assert next(queries.article_rows(db, Filters()))["countries"] == "PK;CN"
    assert db.execute("SELECT country FROM article_countries WHERE is_main").fetchall() == [("PK",)]
