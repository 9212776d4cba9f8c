"""Dashboard query timings: every function the pages call, over typical selections of a big database.

    .venv/bin/python bench/queries.py --db data/big.db                 # an existing database
    .venv/bin/python bench/queries.py --db /tmp/big.db --build 1000000 # generate one first (direct SQL)

--build writes synthetic articles straight into articles and the tag tables (skewed sources, countries,
topics and keywords; a third of the articles join an earlier story), then store.rebuild_rollups: minutes
for a million, against hours through `newsmon ingest`. Prints a table (function, selection, ms); asserts
nothing. The dashboard's budget is < 1 s per page.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor import queries, store, trends  # noqa: E402
from monitor.queries import Filters  # noqa: E402

WORDS = str.split(
    "talks border ceasefire budget election inflation flood earthquake cricket trade sanctions refugees "
    "protest court minister army militants vaccine fuel prices power rail port drought harvest bank rupee "
    "summit treaty strike police hospital school exam storm rain heat wave market exports imports loan"
)
TOPICS = str.split(
    "politics conflict diplomacy economy sport disaster health crime energy climate education technology "
    "migration religion media agriculture transport culture science law"
)
COUNTRIES = str.split(
    "PK AF IN IR US CN TR SA AE BD GB RU QA DE FR UA IL PS EG JP NP LK UZ TJ KZ IQ SY YE JO KW OM BH LB "
    "AZ AM GE MM TH ID MY PH VN KR KP AU CA MX BR AR ZA NG KE ET SD SO"
)
LANGUAGES = ["en"] * 16 + ["ur", "ur", "fa", "ar", "de", "fr"]


def zipf_choice(rng: random.Random, items: list, skew: float = 1.1):
    """Items early in the list are much more common (news is concentrated on a few countries and outlets)."""
    weights = [1 / (n + 1) ** skew for n in range(len(items))]
    return rng.choices(items, weights)[0]


def build(path: Path, count: int, days: int = 365, seed: int = 7) -> None:
    rng = random.Random(seed)
    db = store.open_db(path)
    sources = [(f"Outlet {n}", COUNTRIES[n % 12]) for n in range(60)]
    keywords = [f"{a} {b}" for a in WORDS for b in WORDS if a != b]
    rng.shuffle(keywords)
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
    step = days * 86400 / count
    started = time.perf_counter()
    conn = db.conn
    conn.execute("BEGIN")
    for article_id in range(1, count + 1):
        source, published_in = zipf_choice(rng, sources, 0.8)
        published = (start + timedelta(seconds=article_id * step)).strftime("%Y-%m-%dT%H:%M:%SZ")
        title = " ".join(rng.choice(WORDS) for _ in range(7)).capitalize()
        body = " ".join(rng.choice(WORDS) for _ in range(30))
        sentiment = None if rng.random() < 0.1 else round(rng.uniform(-1, 1), 3)
        label = (
            None
            if sentiment is None
            else ("negative" if sentiment < -0.05 else "positive" if sentiment > 0.05 else "neutral")
        )
        story = article_id if article_id < 300 or rng.random() > 0.33 else article_id - rng.randint(1, 300)
        story = (
            conn.execute("SELECT story_id FROM articles WHERE id = ?", (story,)).fetchone()[0]
            if story != article_id
            else story
        )
        conn.execute(
            """INSERT INTO articles (id, url, content_hash, source, title, body, published_at, fetched_at, language,
                                     published_in, sentiment, sentiment_label, story_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (article_id, f"https://bench.example/{article_id}", f"h{article_id}", source, title, body, published,
             published, rng.choice(LANGUAGES), published_in, sentiment, label, story),
        )  # fmt: skip
        about = {zipf_choice(rng, COUNTRIES) for _ in range(rng.randint(1, 3))}
        conn.executemany("INSERT INTO article_countries VALUES (?, ?, 1.0)", [(article_id, c) for c in about])
        on = {zipf_choice(rng, TOPICS, 0.9) for _ in range(rng.randint(1, 2))}
        conn.executemany("INSERT INTO article_topics VALUES (?, ?, 1.0)", [(article_id, t) for t in on])
        phrases = {zipf_choice(rng, keywords[:3000], 1.0) for _ in range(3)}
        conn.executemany("INSERT INTO article_keywords VALUES (?, ?, 1.0)", [(article_id, k) for k in phrases])
        if article_id % 100_000 == 0:
            conn.execute("COMMIT")
            print(f"  {article_id:,} articles, {time.perf_counter() - started:.0f} s", flush=True)
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    print(f"articles written in {time.perf_counter() - started:.0f} s; rebuilding rollups...", flush=True)
    started = time.perf_counter()
    store.rebuild_rollups(db)
    print(f"rollups rebuilt in {time.perf_counter() - started:.0f} s", flush=True)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()


def timed(function: Callable, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    if hasattr(result, "__next__"):
        result = list(result)
    return (time.perf_counter() - started) * 1000, result


def selections(db) -> dict[str, Filters]:
    _, last = trends.date_span(db)
    end = datetime.fromisoformat(last).replace(tzinfo=UTC, hour=23, minute=59, second=59)
    choices = trends.filter_choices(db)
    country, topic = choices["countries"][0], choices["topics"][0]
    second = choices["countries"][min(5, len(choices["countries"]) - 1)]
    ninety = end - timedelta(days=90)
    word = WORDS[0]
    return {
        "30 days": Filters(since=end - timedelta(days=30)),
        "90 days": Filters(since=ninety),
        "all": Filters(),
        f"90 d, country {country}": Filters(since=ninety, countries=(country,)),
        f"90 d, country {second}": Filters(since=ninety, countries=(second,)),
        f"90 d, topic {topic}": Filters(since=ninety, topics=(topic,)),
        f"90 d, {country} + {topic}": Filters(since=ninety, countries=(country,), topics=(topic,)),
        f"90 d, query '{word}'": Filters(since=ninety, query=word),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="the database to time (built first with --build)")
    parser.add_argument("--build", type=int, metavar="N", help="generate N articles into a new database at --db")
    parser.add_argument("--only", help="time only the functions whose name contains this")
    args = parser.parse_args()
    if args.build:
        if args.db.exists():
            sys.exit(f"{args.db} exists; --build writes a new database")
        build(args.db, args.build)
    db = store.open_db(args.db)
    articles = db.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    size = sum(p.stat().st_size for p in args.db.parent.glob(args.db.name + "*")) / 1e6
    cross = db.execute("SELECT count(*) FROM daily_cross").fetchone()[0]
    print(f"{args.db}: {articles:,} articles, {size:,.0f} MB, daily_cross {cross:,} rows")
    anchor = datetime.fromisoformat(trends.date_span(db)[1]).replace(tzinfo=UTC, hour=12)
    rows: list[tuple[str, str, float]] = []
    for name, function in (
        ("data_version", trends.data_version),
        ("date_span", trends.date_span),
        ("filter_choices", trends.filter_choices),
        ("sources_activity", lambda db: trends.sources_activity(db, now=anchor)),
    ):
        rows.append((name, "-", timed(function, db)[0]))
    functions: dict[str, Callable[[object, Filters], object]] = {
        "count_articles": queries.count_articles,
        "headline": lambda db, f: trends.headline(db, f, now=anchor),
        "counts_over_time": lambda db, f: trends.counts_over_time(db, f),
        "counts_over_time week": lambda db, f: trends.counts_over_time(db, f, interval="week"),
        "counts_over_time topic top 8": lambda db, f: trends.counts_over_time(db, f, by="topic", top=8),
        "counts_over_time 3 keywords": lambda db, f: trends.counts_over_time(
            db, f, by="keyword", values=("talks border", "flood rain", "cricket court")
        ),
        "share_over_time country": lambda db, f: trends.share_over_time(db, f, "country", "week", 8),
        "stories_over_time": lambda db, f: trends.stories_over_time(db, f),
        "sentiment_over_time": lambda db, f: trends.sentiment_over_time(db, f),
        "totals country": lambda db, f: trends.totals(db, f, "country"),
        "totals topic 12": lambda db, f: trends.totals(db, f, "topic", limit=12),
        "totals source 15": lambda db, f: trends.totals(db, f, "source", limit=15),
        "country_topic_matrix": lambda db, f: trends.country_topic_matrix(db, f),
        "latest_stories": lambda db, f: trends.latest_stories(db, f),
        "rising_keywords": lambda db, f: trends.rising_keywords(db, f, now=anchor),
        "term_counts 2": lambda db, f: trends.term_counts(db, f, ["flood", "ceasefire OR truce"]),
        "article_page date": lambda db, f: queries.article_page(db, f),
        "article_page date p100": lambda db, f: queries.article_page(db, f, page=100),
        "article_page source": lambda db, f: queries.article_page(db, f, sort="source", descending=False),
        "article_page sentiment": lambda db, f: queries.article_page(db, f, sort="sentiment", descending=False),
        "article_page title": lambda db, f: queries.article_page(db, f, sort="title", descending=False),
    }
    chosen = selections(db)
    for name, function in functions.items():
        if args.only and args.only not in name:
            continue
        for label, filters in chosen.items():
            ms, _ = timed(function, db, filters)
            rows.append((name, label, ms))
            print(f"{name:<30} {label:<28} {ms:>9,.0f} ms", flush=True)
    slow = [row for row in rows if row[2] >= 1000]
    print(f"\n{len(rows)} timings; {len(slow)} at 1 s or more:")
    for name, label, ms in rows:
        if ms >= 1000 or name in {"data_version", "date_span", "filter_choices", "sources_activity"}:
            print(f"  {name:<30} {label:<28} {ms:>9,.0f} ms")


if __name__ == "__main__":
    main()
