"""SQLite beside a columnar engine (DuckDB) on the dashboard's heaviest queries: the ones no rollup answers (two
filters, a search), over a big database. Loads a copy of the filter columns and the tag tables into an in-memory
DuckDB, runs the same four aggregates on both engines, checks that they agree, and prints CPU and wall seconds.
It is the side-by-side measurement issue 11 asked for before the dashboard's columnar copy (monitor/columnar.py).

    .venv/bin/python bench/columnar.py --db bench/out/dashboard-1m.db
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor import store  # noqa: E402
from monitor.queries import FACTS, Filters, where_articles  # noqa: E402

SELECTIONS = {  # name -> (days back from the last day, countries, topics, search)
    "90 days, country + topic": (90, ("AF",), ("conflict",), None),
    "30 days, search": (30, (), (), "border"),
    "all time, one topic": (None, (), ("conflict",), None),
}
TAG_TABLES = {"article_countries": "country", "article_topics": "topic", "article_keywords": "keyword"}


def load(db, duck) -> None:
    import pandas as pd

    facts = pd.read_sql(
        "SELECT id, published_at, substr(published_at, 1, 10) AS day, source, story_id, sentiment FROM articles",
        db.conn,
    )
    duck.register("facts_frame", facts)
    duck.execute("CREATE TABLE facts AS SELECT * FROM facts_frame ORDER BY id")
    for table, column in TAG_TABLES.items():
        frame = pd.read_sql(f"SELECT article_id, {column} FROM {table}", db.conn)
        duck.register("frame", frame)
        duck.execute(f"CREATE TABLE {table} AS SELECT * FROM frame ORDER BY article_id")
        duck.unregister("frame")


def sqlite_queries(db, filters: Filters, recent_day: str) -> dict[str, str]:
    where = where_articles(filters, db=db)
    selected = f"SELECT a.id, a.published_at, a.source, a.story_id, a.sentiment FROM {FACTS} WHERE {where.sql}"
    return _queries(selected, "substr(s.published_at, 1, 10)", recent_day), where.params


def duck_queries(filters: Filters, search_ids: str | None, recent_day: str) -> str:
    conditions = ["1 = 1"]
    if filters.since:
        conditions.append(f"published_at >= '{filters.since.isoformat().replace('+00:00', 'Z')}'")
    for country in filters.countries:
        conditions.append(f"id IN (SELECT article_id FROM article_countries WHERE country = '{country}')")
    for topic in filters.topics:
        conditions.append(f"id IN (SELECT article_id FROM article_topics WHERE topic = '{topic}')")
    if search_ids is not None:
        conditions.append("id IN (SELECT id FROM search_ids)")
    selected = f"SELECT id, published_at, source, story_id, sentiment FROM facts WHERE {' AND '.join(conditions)}"
    return _queries(selected, "substr(s.published_at, 1, 10)", recent_day)


def _queries(selected: str, day: str, recent_day: str) -> dict[str, str]:
    return {
        "headline": f"""SELECT count(*), sum(CASE WHEN s.story_id = s.id THEN 1 ELSE 0 END), count(DISTINCT s.source),
                               round(sum(s.sentiment), 6), count(s.sentiment),
                               (SELECT count(DISTINCT c.country) FROM ({selected}) s2
                                JOIN article_countries c ON c.article_id = s2.id)
                        FROM ({selected}) s""",
        "topics by day": f"""SELECT {day} AS day, t.topic, count(*) FROM ({selected}) s
                             JOIN article_topics t ON t.article_id = s.id GROUP BY 1, 2 ORDER BY 1, 2""",
        "country x topic": f"""SELECT c.country, t.topic, count(*) FROM ({selected}) s
                               JOIN article_countries c ON c.article_id = s.id
                               JOIN article_topics t ON t.article_id = s.id GROUP BY 1, 2 ORDER BY 1, 2""",
        "keywords recent/baseline": f"""SELECT k.keyword, sum(CASE WHEN {day} >= '{recent_day}' THEN 1 ELSE 0 END),
                                               sum(CASE WHEN {day} < '{recent_day}' THEN 1 ELSE 0 END)
                                        FROM ({selected}) s JOIN article_keywords k ON k.article_id = s.id
                                        GROUP BY 1 ORDER BY 1""",
    }


def timed(run) -> tuple[list, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    rows = run()
    return rows, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2: the laptop's cores)")
    args = parser.parse_args()
    try:
        import duckdb
    except ImportError:
        sys.exit("needs duckdb: .venv/bin/pip install duckdb (newsmon itself does not use it)")

    db = store.open_db(args.db)
    duck = duckdb.connect()
    duck.execute(f"SET threads = {args.threads}")
    _, wall, cpu = timed(lambda: load(db, duck))
    print(f"loaded the filter columns and tags into DuckDB: {wall:.1f} s (CPU {cpu:.1f} s)")
    (last_day,) = db.execute("SELECT max(day) FROM daily_counts WHERE dimension = 'all'").fetchone()
    last = date.fromisoformat(last_day)
    print(f"{'selection':26} {'query':26} {'rows':>6} {'sqlite s':>8} {'cpu':>6} {'duckdb s':>8} {'cpu':>6}  same")
    for name, (days, countries, topics, search) in SELECTIONS.items():
        since = datetime.combine(last - timedelta(days=days - 1), datetime.min.time(), UTC) if days else None
        filters = Filters(since=since, countries=countries, topics=topics)
        recent_day = (last - timedelta(days=1)).isoformat()
        search_ids = None
        if search:
            ids = [row[0] for row in db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [search])]
            duck.execute("CREATE OR REPLACE TABLE search_ids AS SELECT unnest(?::BIGINT[]) AS id", [ids])
            search_ids = "search_ids"
        sqlite_sql, params = sqlite_queries(db, replace(filters, query=search), recent_day)
        duck_sql = duck_queries(filters, search_ids, recent_day)
        for query, sql in sqlite_sql.items():
            repeated = params * sql.count(FACTS)  # the selection's parameters, once per use of it
            lite_rows, lite_wall, lite_cpu = timed(lambda sql=sql, more=repeated: db.execute(sql, more).fetchall())
            duck_rows, duck_wall, duck_cpu = timed(lambda sql=duck_sql[query]: duck.execute(sql).fetchall())
            same = [tuple(row) for row in lite_rows] == [tuple(row) for row in duck_rows]
            print(f"{name:26} {query:26} {len(lite_rows):6} {lite_wall:8.2f} {lite_cpu:6.2f} "
                  f"{duck_wall:8.2f} {duck_cpu:6.2f}  {'yes' if same else 'NO'}", flush=True)  # fmt: skip

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process (SQLite, pandas while loading, DuckDB): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
