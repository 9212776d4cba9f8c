"""The database: schema, migrations and every write. The only module that runs DDL or DML.

Each article is written in one transaction together with everything derived from it (full-text
index, daily rollups), so a crash at any moment leaves either the whole article or none of it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from monitor import config, filters
from monitor.analysis import clusters, topic_model, topics
from monitor.normalise import iso

if TYPE_CHECKING:
    from monitor.analysis.article import ArticleAnalysis

log = logging.getLogger(__name__)

VERSION = 13

SCHEMA = """
-- Where articles come from: feeds and pages polled on a schedule. Health columns are updated
-- after every attempt so `sources list` and the dashboard can show what is failing and why.
CREATE TABLE sources (
    id                   INTEGER PRIMARY KEY,
    url                  TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    country              TEXT,              -- ISO alpha-2 of the publisher ("published in")
    language             TEXT,              -- ISO 639-1 the source usually writes in
    every_seconds        INTEGER NOT NULL DEFAULT 1800,
    full_text            INTEGER NOT NULL DEFAULT 0,  -- fetch and extract each entry's page
    enabled              INTEGER NOT NULL DEFAULT 1,
    paused_reason        TEXT,              -- set when the scheduler paused it after failures
    added_at             TEXT NOT NULL,
    etag                 TEXT,
    last_modified        TEXT,
    last_attempt_at      TEXT,
    last_success_at      TEXT,
    last_status          INTEGER,           -- HTTP status of the last attempt
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_fetch_at        TEXT               -- NULL: due now
);

-- One row per article; url is canonical (see normalise.canonical_url).
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,
    content_hash  TEXT NOT NULL UNIQUE,     -- same text under another URL or from another feed
    source_id     INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    source        TEXT NOT NULL,            -- display name of the outlet
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    summary       TEXT NOT NULL DEFAULT '',
    author        TEXT NOT NULL DEFAULT '',
    published_at  TEXT NOT NULL,            -- ISO-8601 UTC
    date_inferred INTEGER NOT NULL DEFAULT 0,  -- 1: no date in the input, published_at = fetched_at
    fetched_at    TEXT NOT NULL,
    language      TEXT,                     -- ISO 639-1: declared by the input, or detected by the analysis
    -- v2: filled in the article's transaction by the analysis (monitor/analysis)
    published_in  TEXT,                     -- the source's configured country when the article was stored
    sentiment     REAL,                     -- compound -1..1; NULL when the language is not scored
    sentiment_label TEXT,                   -- negative, neutral, positive
    story_id      INTEGER                   -- id of the first article of the same story
);
-- Date-range filters and "latest first" paging.
CREATE INDEX articles_published_at ON articles(published_at);
-- Source filter and per-source health ("newest article", "articles in the last 24 h").
CREATE INDEX articles_source_published_at ON articles(source, published_at);
CREATE INDEX articles_source_id_published_at ON articles(source_id, published_at);

-- Full-text search over title and body, kept in sync by the triggers below.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body, content='articles', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;

-- Stories: "count stories, not copies" and "other articles of this story".
CREATE INDEX articles_story_id ON articles(story_id);
-- Publisher-country filter ("published in").
CREATE INDEX articles_published_in ON articles(published_in, published_at);
-- v3: queries.article_page sorted by sentiment (unscored articles rank as neutral); sorted by source it uses
-- articles_source_published_at, by date articles_published_at, so a page never sorts the whole table.
CREATE INDEX articles_sentiment ON articles(coalesce(sentiment, 0), published_at);
-- v10: the columns that filters and counts read, in id order. Counting a selection reads ~70 bytes an article
-- from here instead of each article's row, text included (kilobytes): FACTS, used by every SQL path that counts.
CREATE INDEX articles_facts ON articles(id, published_at, source, language, published_in, sentiment, story_id,
                                        date_inferred, source_id);

-- The analysis of each article: which rules produced it (stale rows are re-analysed by `newsmon analyse`),
-- and the evidence behind every tag (`explain`, the reader): JSON compressed by store.pack_evidence (v8).
CREATE TABLE article_analysis (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    rules      TEXT NOT NULL,
    evidence   BLOB NOT NULL,
    -- v5: the topic layers (monitor/analysis/topic_model.py)
    confident_topic TEXT,                   -- the rules' sure main topic: a training example for the classifier
    topic_model     TEXT                    -- classifier asked (model id; '' = none trained yet); NULL: rules sure
);
-- `newsmon analyse`: find articles analysed with other rules.
CREATE INDEX article_analysis_rules ON article_analysis(rules);
-- v5: `newsmon topics train`: the newest confident examples of each topic.
CREATE INDEX article_analysis_confident ON article_analysis(confident_topic, article_id)
    WHERE confident_topic IS NOT NULL;
-- v5: after training, the articles that a new model must tag again.
CREATE INDEX article_analysis_topic_model ON article_analysis(topic_model) WHERE topic_model IS NOT NULL;

-- v5: analysts' verdicts on topic tags (the reader's buttons, `newsmon topics confirm/reject`). They win over the
-- rules and the classifier whenever the article is analysed again, and train the next classifier.
CREATE TABLE topic_verdicts (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,               -- slug from data/taxonomy.toml
    verdict    TEXT NOT NULL CHECK (verdict IN ('confirmed', 'rejected')),
    decided_at TEXT NOT NULL,
    PRIMARY KEY (article_id, topic)
) WITHOUT ROWID;

-- v5: the topic classifier learnt from this database (one row: the model of the current rules).
CREATE TABLE topic_models (
    rules      TEXT PRIMARY KEY,            -- fingerprint of the rules whose confident tags trained it
    model_id   TEXT NOT NULL,
    trained_at TEXT NOT NULL,
    examples   INTEGER NOT NULL,
    model      BLOB NOT NULL                -- numpy .npz (arrays only, no pickle)
);

-- Countries an article is about, topics and key phrases, strongest first by score.
CREATE TABLE article_countries (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    country    TEXT NOT NULL,               -- ISO alpha-2
    score      REAL NOT NULL,
    is_main    INTEGER NOT NULL DEFAULT 0,  -- v13: 1 for its main country (where the event is), listed first
    PRIMARY KEY (article_id, country)
) WITHOUT ROWID;
-- Country filter: the articles about a country.
CREATE INDEX article_countries_country ON article_countries(country, article_id);
-- v6: every country an article mentions (those it is about too), strongest first by score.
CREATE TABLE article_countries_mentioned (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    country    TEXT NOT NULL,               -- ISO alpha-2
    score      REAL NOT NULL,
    PRIMARY KEY (article_id, country)
) WITHOUT ROWID;
-- "Countries mentioned" filter: the articles that name a country.
CREATE INDEX article_countries_mentioned_country ON article_countries_mentioned(country, article_id);
CREATE TABLE article_topics (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,               -- slug from data/taxonomy.toml
    score      REAL NOT NULL,
    PRIMARY KEY (article_id, topic)
) WITHOUT ROWID;
-- Topic filter: the articles on a topic.
CREATE INDEX article_topics_topic ON article_topics(topic, article_id);
CREATE TABLE article_keywords (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    keyword    TEXT NOT NULL,
    score      REAL NOT NULL,
    PRIMARY KEY (article_id, keyword)
) WITHOUT ROWID;
-- Keyword trends: the articles with a key phrase.
CREATE INDEX article_keywords_keyword ON article_keywords(keyword, article_id);

-- Story matching (monitor/analysis/clusters.py), kept only for the articles of the last STORY_KEEP_DAYS days
-- before the oldest article of each write (v8; older rows are pruned, a story never reaches that far back).
-- LSH band keys of each article's text and title MinHash: articles sharing a key within a few days are
-- story candidates. 20 rows per article, hence integers only and no foreign key (articles are never deleted;
-- a stale row would only name a missing candidate).
CREATE TABLE story_bands (
    band       INTEGER NOT NULL,
    day        INTEGER NOT NULL,            -- days since 1970-01-01 of published_at
    article_id INTEGER NOT NULL,
    PRIMARY KEY (band, day, article_id)
) WITHOUT ROWID;
-- The candidates' MinHash signatures, and the day their story began (a story takes no article STORY_SPAN_DAYS
-- after that).
CREATE TABLE story_signatures (
    article_id INTEGER PRIMARY KEY,
    day        INTEGER NOT NULL,            -- days since 1970-01-01 of published_at
    story_day  INTEGER NOT NULL,            -- the same of the story's first article
    signature  BLOB NOT NULL                -- clusters.signature
);

-- Daily rollups kept up to date at write time, so charts never scan the articles table.
-- dimension: 'all', 'source', 'language', 'published_in', 'country' (about), 'topic', 'keyword',
-- 'new_stories' (articles that started a story: stories counted on the day they first appeared), and (v9)
-- 'gaps' (value date_inferred, no_country or no_topic: the articles with that gap, for the data-quality panel).
-- sentiment_sum / sentiment_n: over the articles that have a sentiment score (mean = sum / n).
CREATE TABLE daily_counts (
    day           TEXT NOT NULL,            -- YYYY-MM-DD (UTC) of published_at
    dimension     TEXT NOT NULL,
    value         TEXT NOT NULL,
    articles      INTEGER NOT NULL DEFAULT 0,
    sentiment_sum REAL NOT NULL DEFAULT 0,
    sentiment_n   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dimension, value, day)
) WITHOUT ROWID;
-- Whole-period totals per dimension over a date range.
CREATE INDEX daily_counts_day ON daily_counts(dimension, day);

-- v3: cross rollups, the daily rollups again within the articles of one filter value (the articles about PK,
-- on a topic, from a source, in a language, published in a country), so that a date range plus one such
-- value is answered without scanning articles (monitor/queries.py: rollup_for). Kept at write time with
-- daily_counts. filter_dimension: country, topic, source, language, published_in; dimension: the same
-- plus 'all', 'new_stories', (v9) 'gaps' and (v11) 'country_topic' (value 'PK conflict': an article about PK
-- on conflict, for the country x topic table within a filter); (v11) 'keyword' within a country or a topic
-- only (ten keywords an article: within every filter it would double the database).
-- Key order: one filter value's series of one dimension is a contiguous range.
CREATE TABLE daily_cross (
    filter_dimension TEXT NOT NULL,
    filter_value     TEXT NOT NULL,
    dimension        TEXT NOT NULL,
    value            TEXT NOT NULL,
    day              TEXT NOT NULL,         -- YYYY-MM-DD (UTC) of published_at
    articles         INTEGER NOT NULL DEFAULT 0,
    sentiment_sum    REAL NOT NULL DEFAULT 0,
    sentiment_n      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (filter_dimension, filter_value, dimension, value, day)
) WITHOUT ROWID;

-- The run log: one row per input of every ingest or fetch pass.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    pass_id     TEXT NOT NULL,              -- groups the rows of one `ingest` or `fetch` pass
    kind        TEXT NOT NULL,              -- 'ingest' or 'fetch'
    source_id   INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    input       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL DEFAULT 'running',  -- running, ok, not-modified, failed
    http_status INTEGER,
    fetched     INTEGER NOT NULL DEFAULT 0,
    added       INTEGER NOT NULL DEFAULT 0,        -- counted in the transaction of each batch of articles
    duplicates  INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    pid         INTEGER                     -- v5: the process doing the run (a dead one left it interrupted)
);
-- Source health: the latest runs of one source.
CREATE INDEX runs_source_started ON runs(source_id, started_at);
-- v5: the runs still marked running, checked at the start of every pass (close_interrupted_runs).
CREATE INDEX runs_running ON runs(status) WHERE status = 'running';

-- v3: facts about the database itself, e.g. demo = 1 for a database made by `newsmon demo`.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- v12: the stored articles whose facts or tags changed after they were written (re-analysis, verdicts, the
-- classifier), with the number of their latest change: the columnar copy (monitor/columnar.py) reads these again.
CREATE TABLE article_changes (
    article_id INTEGER PRIMARY KEY,
    seq        INTEGER NOT NULL
);
CREATE INDEX article_changes_seq ON article_changes(seq);

-- v4: source groups, named lists of sources (by the name articles.source holds): a filter like the others
-- (monitor/filters.py), answered in SQL, never from the rollups, so editing a group changes no counts.
CREATE TABLE source_group_members (
    group_name TEXT NOT NULL,
    source     TEXT NOT NULL,
    PRIMARY KEY (group_name, source)
) WITHOUT ROWID;

-- v4: saved searches: a name and the dashboard link's query string (period=7d&country=PK&q=border), so a
-- relative period stays relative and the search opens as a link (monitor/searches.py).
CREATE TABLE saved_searches (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    params     TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- v4: alerts on a saved search (monitor/alerts.py). kind: new_articles, volume_spike, sentiment_shift,
-- digest; settings: JSON (thresholds, window, digest period); targets: apprise URLs, one per line.
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    search_id       INTEGER NOT NULL REFERENCES saved_searches(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    settings        TEXT NOT NULL DEFAULT '{}',
    targets         TEXT NOT NULL DEFAULT '',
    every_seconds   INTEGER NOT NULL DEFAULT 3600,  -- at most one message per this interval
    enabled         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    last_checked_at TEXT,
    last_fired_at   TEXT,
    reported_up_to  INTEGER NOT NULL DEFAULT 0,     -- newest article id already in a message: never twice
    last_error      TEXT                            -- why the last evaluation failed (a broken search, say)
);
-- Each firing: what, why, the figures and the articles, and the message as sent (retries resend it).
CREATE TABLE alert_firings (
    id         INTEGER PRIMARY KEY,
    alert_id   INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    fired_at   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    figures    TEXT NOT NULL DEFAULT '{}',          -- JSON
    articles   TEXT NOT NULL DEFAULT '[]',          -- JSON: ids of the articles it reports
    link       TEXT NOT NULL,
    body       TEXT NOT NULL,
    body_format TEXT NOT NULL DEFAULT 'markdown',   -- markdown or html
    image      BLOB                                 -- a digest's volume chart (PNG)
);
-- The Alerts page: an alert's history, newest first.
CREATE INDEX alert_firings_alert ON alert_firings(alert_id, fired_at);
-- One row per firing and target: sent, or retried with back-off until it is, or given up (and shown).
CREATE TABLE alert_deliveries (
    id              INTEGER PRIMARY KEY,
    firing_id       INTEGER NOT NULL REFERENCES alert_firings(id) ON DELETE CASCADE,
    target          TEXT NOT NULL,                  -- apprise URL
    status          TEXT NOT NULL DEFAULT 'pending',  -- pending, sent, retrying, failed (given up)
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error      TEXT,
    sent_at         TEXT
);
-- Deliveries due for a (re)try.
CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt_at);
CREATE INDEX alert_deliveries_firing ON alert_deliveries(firing_id);
"""


def update_from_1_to_2(conn: sqlite3.Connection) -> None:
    """The analysis: columns on articles, tag tables, story bands. Articles are analysed by `newsmon analyse`."""
    for column in ("published_in TEXT", "sentiment REAL", "sentiment_label TEXT", "story_id INTEGER"):
        conn.execute(f"ALTER TABLE articles ADD COLUMN {column}")
    conn.execute(
        "UPDATE articles SET published_in = (SELECT country FROM sources WHERE sources.id = articles.source_id)"
    )
    _create_missing(conn)
    conn.execute(
        """INSERT INTO daily_counts (day, dimension, value, articles)
           SELECT substr(published_at, 1, 10), 'published_in', published_in, count(*) FROM articles
           WHERE published_in IS NOT NULL GROUP BY 1, 3"""
    )


def update_from_2_to_3(conn: sqlite3.Connection) -> None:
    """The meta table, the cross rollups (counted from the stored tags) and the sentiment index."""
    _create_missing(conn)
    _fill_rollups(conn, "daily_cross")


def update_from_3_to_4(conn: sqlite3.Connection) -> None:
    """Source groups, saved searches, alerts, their firings and deliveries (new tables only)."""
    _create_missing(conn)


def update_from_4_to_5(conn: sqlite3.Connection) -> None:
    """The process id of each run, so that a run left 'running' by a killed process is marked interrupted."""
    if "pid" not in {row[1] for row in conn.execute("PRAGMA table_info(runs)")}:
        conn.execute("ALTER TABLE runs ADD COLUMN pid INTEGER")
    _create_missing(conn)


def update_from_5_to_6(conn: sqlite3.Connection) -> None:
    """Countries mentioned: the new table starts with the countries each article is about (a subset of those it
    mentions); `newsmon analyze` (the analysis rules changed) fills in the rest."""
    _create_missing(conn)
    conn.execute(
        "INSERT OR IGNORE INTO article_countries_mentioned (article_id, country, score) "
        "SELECT article_id, country, score FROM article_countries"
    )
    conn.execute("DELETE FROM daily_counts WHERE dimension = 'mentioned'")
    conn.execute(
        f"""INSERT INTO daily_counts (day, dimension, value, articles, sentiment_sum, sentiment_n)
            SELECT substr(a.published_at, 1, 10), 'mentioned', f.value, count(*), coalesce(sum(a.sentiment), 0),
                   count(a.sentiment)
            FROM ({filters.DIMENSIONS["mentioned"].facet()}) f JOIN articles a ON a.id = f.article_id GROUP BY 1, 3"""
    )


def update_from_6_to_7(conn: sqlite3.Connection) -> None:
    """The topic layers: confident topic and classifier columns on article_analysis, analysts' verdicts, the stored
    classifier. Existing articles count as "no model yet" until `newsmon analyse` or `newsmon topics train`."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(article_analysis)")}
    for column in ("confident_topic TEXT", "topic_model TEXT"):
        if column.split()[0] not in columns:  # an older migration created the table from the current SCHEMA
            conn.execute(f"ALTER TABLE article_analysis ADD COLUMN {column}")
    _create_missing(conn)


def update_from_7_to_8(conn: sqlite3.Connection) -> None:
    """Smaller analysis: evidence packed (pack_evidence), signatures and story bands (16 text bands of 3 rows
    instead of 32 of 4, new keys) kept only for the story window of the newest articles, in story_signatures."""
    _create_missing(conn)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(article_analysis)")}
    if "signature" not in columns:  # created by an older migration from the current SCHEMA: nothing to convert
        return
    newest = conn.execute("SELECT max(published_at) FROM articles").fetchone()[0]
    if newest:
        keep_from = _day_number(newest[:10]) - STORY_KEEP_DAYS
        recent = conn.execute(
            """SELECT a.id, a.title, substr(a.published_at, 1, 10), coalesce(substr(s.published_at, 1, 10),
                      substr(a.published_at, 1, 10)), x.signature
               FROM articles a JOIN article_analysis x ON x.article_id = a.id
               LEFT JOIN articles s ON s.id = a.story_id
               WHERE a.published_at >= ? AND a.story_id IS NOT NULL AND x.signature IS NOT NULL""",
            (date.fromordinal(keep_from + EPOCH_ORDINAL).isoformat(),),
        ).fetchall()
        conn.execute("DELETE FROM story_bands")
        conn.execute("DELETE FROM story_signatures")
        for article_id, title, day, story_day, signature in recent:
            bands = _story_bands(title, signature)
            if bands:
                _remember_story(conn, article_id, _day_number(day), _day_number(story_day), signature, bands)
        _set_meta(conn, "story_window_from", str(keep_from))
    conn.create_function("pack_evidence_json", 1, lambda text: pack_evidence(json.loads(text)), deterministic=True)
    conn.execute("ALTER TABLE article_analysis RENAME TO article_analysis_v7")
    for index in ("article_analysis_rules", "article_analysis_confident", "article_analysis_topic_model"):
        conn.execute(f"DROP INDEX IF EXISTS {index}")
    _create_missing(conn)
    conn.execute(
        """INSERT INTO article_analysis (article_id, rules, evidence, confident_topic, topic_model)
           SELECT article_id, rules, pack_evidence_json(evidence), confident_topic, topic_model
           FROM article_analysis_v7"""
    )
    conn.execute("DROP TABLE article_analysis_v7")


def update_from_8_to_9(conn: sqlite3.Connection) -> None:
    """The 'gaps' rollups (articles with an inferred date, without a country, without a topic) in daily_counts
    and daily_cross, counted from the stored articles and tags, for the data-quality panel."""
    day = "substr(a.published_at, 1, 10)"
    sums = "count(*), coalesce(sum(a.sentiment), 0), count(a.sentiment)"
    conn.execute("DELETE FROM daily_counts WHERE dimension = 'gaps'")
    conn.execute("DELETE FROM daily_cross WHERE dimension = 'gaps'")
    conn.execute(
        f"""INSERT INTO daily_counts (day, dimension, value, articles, sentiment_sum, sentiment_n)
            SELECT {day}, 'gaps', g.value, {sums} FROM ({FACETS["gaps"]}) g JOIN articles a ON a.id = g.article_id
            GROUP BY 1, 3"""
    )
    for filter_dimension in CROSS_FILTERS:
        conn.execute(
            f"""INSERT INTO daily_cross (filter_dimension, filter_value, dimension, value, day,
                                         articles, sentiment_sum, sentiment_n)
                SELECT ?, f.value, 'gaps', g.value, {day}, {sums} FROM ({FACETS[filter_dimension]}) f
                JOIN ({FACETS["gaps"]}) g ON g.article_id = f.article_id
                JOIN articles a ON a.id = f.article_id GROUP BY 2, 4, 5""",
            (filter_dimension,),
        )


def update_from_9_to_10(conn: sqlite3.Connection) -> None:
    """The articles_facts index (see SCHEMA): about 9 s per million articles."""
    conn.execute("DROP INDEX IF EXISTS articles_facts")
    conn.execute(next(statement for statement in _statements(SCHEMA) if "INDEX articles_facts" in statement))


def update_from_10_to_11(conn: sqlite3.Connection) -> None:
    """Cross rollups of country x topic within every filter value, and of keywords within a country or a topic,
    so that the country x topic table and rising keywords within one such filter read rollups."""
    conn.execute("DELETE FROM daily_cross WHERE dimension IN ('country_topic', 'keyword')")
    for filter_dimension, dimension in CROSS_PAIRS:
        if dimension in ("country_topic", "keyword"):
            _fill_cross(conn, filter_dimension, dimension)


def update_from_11_to_12(conn: sqlite3.Connection) -> None:
    """The change log of stored articles and the database's generation, which the columnar copy follows."""
    _create_missing(conn)
    _new_generation(conn)


def update_from_12_to_13(conn: sqlite3.Connection) -> None:
    """The main country of each article (article_countries.is_main): instant. Articles stored before it have
    none (their countries stay strongest first) until `newsmon analyse` re-tags them."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(article_countries)")}
    if "is_main" not in columns:
        conn.execute("ALTER TABLE article_countries ADD COLUMN is_main INTEGER NOT NULL DEFAULT 0")


# Forward migrations: MIGRATIONS[n] turns a version-n database into version n+1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: update_from_1_to_2,
    2: update_from_2_to_3,
    3: update_from_3_to_4,
    4: update_from_4_to_5,
    5: update_from_5_to_6,
    6: update_from_6_to_7,
    7: update_from_7_to_8,
    8: update_from_8_to_9,
    9: update_from_9_to_10,
    10: update_from_10_to_11,
    11: update_from_11_to_12,
    12: update_from_12_to_13,
}


class StoreError(Exception):
    """The database cannot be opened or is of an unknown version."""


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def open_db(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open (creating or migrating as needed) the database at `path`, $NEWSMON_DB or data/news.db."""
    path = config.db_path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # durable in WAL mode except on power loss
    conn.execute("PRAGMA foreign_keys = ON")
    # 64 MiB of page cache (SQLite's default is 2 MiB): writes update a dozen indexes in random order (URL, hash,
    # keyword, full text), and at a million articles their pages no longer fit in 2 MiB.
    conn.execute("PRAGMA cache_size = -65536")
    migrate(conn)
    # No sqlite-utils plugins: newsmon's SQL needs none, and finding them reads the entry points of every
    # installed package (30 ms of each start); an installed plugin would also change this connection.
    return sqlite_utils.Database(conn, execute_plugins=False)


def migrate(conn: sqlite3.Connection) -> int:
    """Create the schema in an empty database, or apply the forward migrations. Returns the version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > VERSION:
        raise StoreError(f"database schema version {version} is newer than this newsmon ({VERSION}); upgrade")
    if version == VERSION:
        return version
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
        if version == 0 and not _has_tables(conn):
            for statement in _statements(SCHEMA):
                conn.execute(statement)
            _new_generation(conn)
            version = VERSION
        if version < VERSION:  # minutes at a million articles: say why the command or the dashboard waits
            log.warning("upgrading the database from schema version %d to %d (minutes if large)", version, VERSION)
        while version < VERSION:
            MIGRATIONS[version](conn)
            version += 1
        conn.execute(f"PRAGMA user_version = {VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return VERSION


def _has_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'articles'").fetchone()[0] > 0


def _create_missing(conn: sqlite3.Connection) -> None:
    """Run the CREATE statements of SCHEMA whose table, index or trigger does not exist yet."""
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    for statement in _statements(SCHEMA):
        name = re.match(r"CREATE (?:VIRTUAL )?(?:TABLE|INDEX|TRIGGER) (\w+)", statement)
        if name and name.group(1) not in existing:
            conn.execute(statement)


def _statements(script: str) -> Iterator[str]:
    """Split a script into statements (executescript would commit mid-transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (or on kill: SQLite's journal does it)."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# ---- articles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleRecord:
    """An article ready to store: canonical URL, UTC ISO dates, clean text, and its analysis."""

    url: str
    content_hash: str
    source: str
    title: str
    body: str
    published_at: str
    fetched_at: str
    date_inferred: bool = False
    summary: str = ""
    author: str = ""
    language: str | None = None  # as declared by the input; the analysis may detect another
    source_id: int | None = None
    published_in: str | None = None
    analysis: ArticleAnalysis | None = None


@dataclass
class SaveResult:
    added: int = 0
    duplicates: int = 0

    def __iadd__(self, other: SaveResult) -> SaveResult:
        self.added += other.added
        self.duplicates += other.duplicates
        return self


STORY_WINDOW_DAYS = 3  # a story's copies are looked for among articles published this close
STORY_SPAN_DAYS = 7  # ... and a story takes no article this long after its first one (daily look-alike reports
# would otherwise chain into one story lasting months)
STORY_CANDIDATES = 50
STORY_KEEP_DAYS = 2 * (STORY_WINDOW_DAYS + STORY_SPAN_DAYS)  # band rows and signatures kept this long before the
# oldest article of a write: a late feed or a back-filled source still finds its story, at ~1 kB per article kept
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# Stored evidence is compact JSON deflated against this dictionary of its keys and stock phrases: ~1.75 kB of JSON
# becomes ~0.55 kB. Never edit it: rows packed with it need it to unpack. A new dictionary needs a new format byte.
EVIDENCE_FORMAT = b"\x01"
EVIDENCE_DICTIONARY = (
    b'detected by py3langid positive negative classifier {"rules":"","language":{"value":"en","detected":null,'
    b'"confidence":0.0,"method":"declared en, confirmed: 0% common English words","declared":"en"},"countries":'
    b'[{"code":"","name":"","score":0,"mentions":1,"matched":[],"in_title":false}],"countries_mentioned":[{"code":'
    b'"","name":"","score":0,"mentions":1,"matched":[],"in_title":true}],"topics":[{"slug":"","label":"","score":0,'
    b'"matched":[],"layer":"rules"}],"topic_layers":{"confident":null,"model":null},"sentiment":{"compound":0,'
    b'"label":"neutral","reason":"mean of 0 sentence scores (headline counted 2 times)","sentences":0,"strongest":'
    b'[["",0]],"news_terms":[]},"keywords":[["",0]]}'
)


def pack_evidence(evidence: dict) -> bytes:
    """The evidence as stored in article_analysis.evidence: every reason kept, a third of the JSON's size."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=EVIDENCE_DICTIONARY)
    text = json.dumps(evidence, ensure_ascii=False, separators=(",", ":")).encode()
    return EVIDENCE_FORMAT + packer.compress(text) + packer.flush()


def unpack_evidence(stored: bytes | None) -> dict | None:
    """The evidence dict of a stored article_analysis.evidence (None stays None)."""
    if stored is None:
        return None
    if stored[:1] != EVIDENCE_FORMAT:
        raise StoreError(f"unknown evidence format {stored[:1]!r}: written by a newer newsmon?")
    unpacker = zlib.decompressobj(-15, zdict=EVIDENCE_DICTIONARY)
    return json.loads(unpacker.decompress(stored[1:]) + unpacker.flush())


def _day_number(day: str) -> int:
    """Days since 1970-01-01 of a YYYY-MM-DD date."""
    return date.fromisoformat(day).toordinal() - EPOCH_ORDINAL


def save_articles(
    db: sqlite_utils.Database,
    records: Iterable[ArticleRecord],
    *,
    run_id: int | None = None,
    known_duplicates: int = 0,
) -> SaveResult:
    """Insert the articles that are new (by canonical URL and by content hash) in one transaction, with
    their full-text rows, analysis, story and daily rollups. Returns how many were added and how many known
    (`known_duplicates`: found known before, and not passed). With `run_id`, that run's counts grow in the
    same transaction, so the run log stays true even when the process is killed before the run ends."""
    result = SaveResult(duplicates=known_duplicates)
    tally: dict[tuple, Share] = {}
    pending: dict[str, list[tuple]] = {}  # analysis rows, written at the end of the batch
    oldest_day: int | None = None
    returned = ", ".join(dimension.column for dimension in COLUMN_DIMENSIONS)
    with transaction(db) as conn:
        # The writer holds the database (BEGIN IMMEDIATE): it numbers its articles itself, so that an article is
        # written once, story included, rather than inserted and then updated.
        article_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0]
        for record in records:
            analysis = record.analysis
            sentiment = analysis.sentiment if analysis else None
            day = _day_number(record.published_at[:10])
            bands = _story_bands(record.title, analysis.signature) if analysis else []
            story_id, story_day = (
                _find_story(conn, record.title, day, analysis.signature, bands) if bands else (None, day)
            )
            row = conn.execute(
                f"""INSERT INTO articles (id, url, content_hash, source_id, source, title, body, summary, author,
                                          published_at, date_inferred, fetched_at, language, published_in,
                                          sentiment, sentiment_label, story_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                            coalesce(?, (SELECT country FROM sources WHERE id = ?)), ?, ?, ?)
                    ON CONFLICT DO NOTHING RETURNING {returned}""",
                (
                    article_id, record.url, record.content_hash, record.source_id, record.source, record.title,
                    record.body, record.summary, record.author, record.published_at,
                    int(record.date_inferred), record.fetched_at,
                    analysis.language if analysis and analysis.language else record.language,
                    record.published_in, record.source_id,
                    sentiment.compound if sentiment else None, sentiment.label if sentiment else None,
                    (story_id or article_id) if analysis else None,
                ),
            ).fetchone()  # fmt: skip
            if row is None:
                result.duplicates += 1
                continue
            tags: dict[str, list[str]] = {}
            if analysis:
                tags = _write_analysis(
                    conn, article_id, analysis, declared_language=record.language, new=True, pending=pending
                )
                if bands:
                    _remember_story(conn, article_id, day, story_day, analysis.signature, bands)
                    oldest_day = day if oldest_day is None else min(oldest_day, day)
            facets = _facets(story_id is None and analysis is not None, record.date_inferred, row, tags)
            _add_shares(tally, record.published_at[:10], sentiment.compound if sentiment else None, facets, +1)
            result.added += 1
            article_id += 1
        _write_pending(conn, pending)
        _write_tally(conn, tally)
        if oldest_day is not None:
            _prune_story_window(conn, oldest_day - STORY_KEEP_DAYS)
        if result.added:
            _changed(conn)
        if run_id is not None:
            conn.execute(
                "UPDATE runs SET added = added + ?, duplicates = duplicates + ? WHERE id = ?",
                (result.added, result.duplicates, run_id),
            )
    return result


def _write_analysis(
    conn: sqlite3.Connection,
    article_id: int,
    analysis: ArticleAnalysis,
    *,
    declared_language: str | None,
    new: bool = False,
    pending: dict[str, list[tuple]] | None = None,
) -> dict[str, list[str]]:
    """Store the evidence and the tags; returns the values written to each tag table (for the rollups).
    With `pending`, the rows are added there for _write_pending (one statement per table and batch)."""
    evidence = analysis.evidence()
    evidence["language"]["declared"] = declared_language
    if not new:  # a stored article may carry analysts' verdicts: they win over what the layers say
        _apply_topic_verdicts(conn, article_id, evidence)
    rows: dict[str, list[tuple]] = {} if pending is None else pending
    rows.setdefault("article_analysis", []).append(
        (article_id, analysis.rules, pack_evidence(evidence), analysis.confident_topic, analysis.topic_model)
    )
    tags = {
        "article_countries": {tag.code: tag.score for tag in analysis.countries},
        "article_countries_mentioned": {tag.code: tag.score for tag in analysis.countries_mentioned},
        "article_topics": {tag["slug"]: tag["score"] for tag in evidence["topics"]},
        "article_keywords": {},
    }
    for keyword in analysis.keywords:  # the first of equal phrases, as INSERT OR IGNORE kept it
        tags["article_keywords"].setdefault(keyword.phrase, keyword.score)
    for table, scores in tags.items():
        if table == "article_countries":  # the first is the main country (see countries.analyse_countries)
            rows.setdefault(table, []).extend(
                (article_id, value, score, rank == 0) for rank, (value, score) in enumerate(scores.items())
            )
        else:
            rows.setdefault(table, []).extend((article_id, value, score) for value, score in scores.items())
    if pending is None:
        _write_pending(conn, rows)
    return {table: list(scores) for table, scores in tags.items()}


PENDING_INSERTS = {
    "article_analysis": """INSERT OR REPLACE INTO article_analysis (article_id, rules, evidence, confident_topic,
                                                                   topic_model) VALUES (?, ?, ?, ?, ?)""",
    "article_countries": "INSERT INTO article_countries (article_id, country, score, is_main) VALUES (?, ?, ?, ?)",
    "article_countries_mentioned": """INSERT INTO article_countries_mentioned (article_id, country, score)
                                      VALUES (?, ?, ?)""",
    "article_topics": "INSERT INTO article_topics (article_id, topic, score) VALUES (?, ?, ?)",
    "article_keywords": "INSERT INTO article_keywords (article_id, keyword, score) VALUES (?, ?, ?)",
}


def _write_pending(conn: sqlite3.Connection, pending: dict[str, list[tuple]]) -> None:
    """Insert the analysis rows gathered by _write_analysis, a table at a time."""
    for table, rows in pending.items():
        conn.executemany(PENDING_INSERTS[table], rows)
    pending.clear()


def _story_bands(title: str, signature: bytes) -> list[int]:
    """The LSH keys of an article's text and title; none when its text has no signature (it can match nothing)."""
    text = clusters.band_keys(signature)
    return text + clusters.title_band_keys(title) if text else []


def _find_story(
    conn: sqlite3.Connection, title: str, day: int, signature: bytes, bands: list[int]
) -> tuple[int | None, int]:
    """The story of the most similar recent article sharing an LSH band, and the day it began; (None, day): a new
    story."""
    marks = ",".join("?" * len(bands))
    candidates = conn.execute(
        f"""SELECT a.story_id, s.signature, a.title, s.story_day
            FROM story_signatures s JOIN articles a ON a.id = s.article_id
            WHERE s.article_id IN (SELECT DISTINCT article_id FROM story_bands
                                   WHERE band IN ({marks}) AND day BETWEEN ? AND ? LIMIT ?)
              AND a.story_id IS NOT NULL AND s.story_day BETWEEN ? AND ?""",
        (
            *bands, day - STORY_WINDOW_DAYS, day + STORY_WINDOW_DAYS, STORY_CANDIDATES,
            day - STORY_SPAN_DAYS, day + STORY_SPAN_DAYS,
        ),
    ).fetchall()  # fmt: skip
    story = clusters.best_story(
        signature, title, [(story, other, other_title) for story, other, other_title, _ in candidates]
    )
    if story is None:
        return None, day
    return story, next(story_day for other, _, _, story_day in candidates if other == story)


def _remember_story(
    conn: sqlite3.Connection, article_id: int, day: int, story_day: int, signature: bytes, bands: list[int]
) -> None:
    """Make the article a story candidate for the articles of the next days (see _prune_story_window)."""
    conn.execute(
        "INSERT OR REPLACE INTO story_signatures (article_id, day, story_day, signature) VALUES (?, ?, ?, ?)",
        (article_id, day, story_day, signature),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO story_bands (band, day, article_id) VALUES (?, ?, ?)",
        [(band, day, article_id) for band in bands],
    )


def _prune_story_window(conn: sqlite3.Connection, keep_from: int) -> None:
    """Drop the story candidates published before day `keep_from`, at most once a day: no article being written
    looks that far back (a table scan, cheap while the window is all the tables hold)."""
    done = conn.execute("SELECT value FROM meta WHERE key = 'story_window_from'").fetchone()
    if done and int(done[0]) >= keep_from:
        return
    conn.execute("DELETE FROM story_bands WHERE day < ?", (keep_from,))
    conn.execute("DELETE FROM story_signatures WHERE day < ?", (keep_from,))
    _set_meta(conn, "story_window_from", str(keep_from))


def _assign_story(conn: sqlite3.Connection, article_id: int, title: str, day: str, signature: bytes) -> None:
    """Give a stored article without a story (analysed after it was stored) one: join or start."""
    day_number = _day_number(day)
    bands = _story_bands(title, signature)
    story_id, story_day = _find_story(conn, title, day_number, signature, bands) if bands else (None, day_number)
    conn.execute("UPDATE articles SET story_id = ? WHERE id = ?", (story_id or article_id, article_id))
    if bands:
        _remember_story(conn, article_id, day_number, story_day, signature, bands)


# Dimensions of the rollups, from the registry (monitor/filters.py), plus 'all' and 'new_stories'.
# CROSS_PAIRS, (filter dimension, dimension), are the cross rollups (daily_cross): every CROSS_FILTERS x
# CROSS_DIMENSIONS, and keywords within KEYWORD_FILTERS.
# v8: 'gaps' counts the articles with a gap the data-quality panel reports (monitor/quality.py), one value per
# kind of gap, so that the panel reads the rollups instead of every selected article.
ROLLUP_DIMENSIONS = ("all", "new_stories", *(dimension.name for dimension in filters.ROLLUP_DIMENSIONS), "gaps")
CROSS_FILTERS = tuple(dimension.name for dimension in filters.CROSS_DIMENSIONS)
CROSS_DIMENSIONS = ("all", "new_stories", *CROSS_FILTERS, "gaps", "country_topic")
KEYWORD_FILTERS = ("country", "topic")  # the filters analysts pick most: rising keywords within them from rollups
CROSS_PAIRS = (
    *((filter_dimension, dimension) for filter_dimension in CROSS_FILTERS for dimension in CROSS_DIMENSIONS),
    *((filter_dimension, "keyword") for filter_dimension in KEYWORD_FILTERS),
)
COLUMN_DIMENSIONS = tuple(dimension for dimension in filters.ROLLUP_DIMENSIONS if dimension.table is None)
TAG_DIMENSIONS = tuple(dimension for dimension in filters.ROLLUP_DIMENSIONS if dimension.table is not None)

# dimension -> (article_id, value) of every article that has it: the rollups recomputed in SQL.
FACETS = {
    "all": "SELECT id AS article_id, '' AS value FROM articles",
    "new_stories": "SELECT id AS article_id, '' AS value FROM articles WHERE story_id = id",
    **{dimension.name: dimension.facet() for dimension in filters.ROLLUP_DIMENSIONS},
}
# gap -> the articles that have it ('not scored' is the rollups' articles - sentiment_n).
GAPS = {
    "date_inferred": "SELECT id AS article_id, 'date_inferred' AS value FROM articles WHERE date_inferred != 0",
    "no_country": """SELECT id AS article_id, 'no_country' AS value FROM articles a
                     WHERE NOT EXISTS (SELECT 1 FROM article_countries c WHERE c.article_id = a.id)""",
    "no_topic": """SELECT id AS article_id, 'no_topic' AS value FROM articles a
                   WHERE NOT EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id)""",
}
FACETS["gaps"] = " UNION ALL ".join(GAPS.values())
FACETS["country_topic"] = """SELECT c.article_id, c.country || ' ' || t.topic AS value
                             FROM article_countries c JOIN article_topics t ON t.article_id = c.article_id"""


Share = list  # [articles, sentiment_sum, sentiment_n] added to one rollup row


def _facets(
    first_of_story: bool, date_inferred: bool, column_values: Iterable[str | None], tags: dict[str, list[str]]
) -> dict[str, list]:
    """dimension -> the article's values: its columns (COLUMN_DIMENSIONS order), tags (by table) and gaps."""
    facets: dict[str, list] = {
        "all": [""],
        "new_stories": [""] if first_of_story else [],  # a story counts once, on the day its first article appeared
    }
    for dimension, value in zip(COLUMN_DIMENSIONS, column_values, strict=True):
        facets[dimension.name] = [value] if value else []
    for dimension in TAG_DIMENSIONS:
        facets[dimension.name] = tags.get(dimension.table, [])
    gaps = {"date_inferred": date_inferred, "no_country": not facets["country"], "no_topic": not facets["topic"]}
    facets["gaps"] = [gap for gap in GAPS if gaps[gap]]
    facets["country_topic"] = [f"{country} {topic}" for country in facets["country"] for topic in facets["topic"]]
    return facets


def _count_daily(conn: sqlite3.Connection, article_id: int, sign: int, tally: dict[tuple, Share]) -> None:
    """Add (sign=+1) or take back (sign=-1) one stored article's share of the daily rollups and the cross rollups,
    read from its rows, to the `tally` that _write_tally writes at the end of the transaction."""
    columns = "".join(f", {dimension.column}" for dimension in COLUMN_DIMENSIONS)
    row = conn.execute(
        f"SELECT substr(published_at, 1, 10), sentiment, story_id = id, date_inferred{columns} FROM articles "
        "WHERE id = ?",
        (article_id,),
    ).fetchone()
    day, sentiment, first_of_story, date_inferred, *column_values = row
    tags = {
        dimension.table: [
            value
            for (value,) in conn.execute(
                f"SELECT {dimension.column} FROM {dimension.table} WHERE article_id = ?", (article_id,)
            )
        ]
        for dimension in TAG_DIMENSIONS
    }
    facets = _facets(bool(first_of_story), bool(date_inferred), column_values, tags)
    _add_shares(tally, day, sentiment, facets, sign)


def _add_shares(
    tally: dict[tuple, Share], day: str, sentiment: float | None, facets: dict[str, list], sign: int
) -> None:
    """One article's share of every rollup row it counts in, added up in `tally`: a batch of articles on the same
    days shares most rows, so it costs far fewer upserts."""
    scored = sentiment is not None
    keys = [(day, dimension, value) for dimension in ROLLUP_DIMENSIONS for value in facets[dimension]]
    keys += [
        (day, dimension, value, filter_dimension, filter_value)
        for filter_dimension, dimension in CROSS_PAIRS
        for filter_value in facets[filter_dimension]
        for value in facets[dimension]
    ]
    for key in keys:
        share = tally.get(key)
        if share is None:
            share = tally[key] = [0, 0.0, 0]
        share[0] += sign
        if scored:
            share[1] += sign * sentiment
            share[2] += sign


def _write_tally(conn: sqlite3.Connection, tally: dict[tuple, Share]) -> None:
    """Add the shares gathered by _count_daily to daily_counts (3-part keys) and daily_cross (5-part keys)."""
    changed = [(*key, *share) for key, share in tally.items() if share[0] or share[2] or abs(share[1]) > 1e-12]
    upsert = """ON CONFLICT ({key}) DO UPDATE SET
                    articles = articles + excluded.articles,
                    sentiment_sum = sentiment_sum + excluded.sentiment_sum,
                    sentiment_n = sentiment_n + excluded.sentiment_n"""
    conn.executemany(
        """INSERT INTO daily_counts (day, dimension, value, articles, sentiment_sum, sentiment_n)
           VALUES (?, ?, ?, ?, ?, ?) """
        + upsert.format(key="dimension, value, day"),
        [row for row in changed if len(row) == 6],
    )
    conn.executemany(
        """INSERT INTO daily_cross (day, dimension, value, filter_dimension, filter_value,
                                    articles, sentiment_sum, sentiment_n)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) """
        + upsert.format(key="filter_dimension, filter_value, dimension, value, day"),
        [row for row in changed if len(row) == 8],
    )
    tally.clear()


def _fill_rollups(conn: sqlite3.Connection, table: str) -> None:
    """Recompute daily_counts or daily_cross from the articles and their tags (GROUP BY in SQL)."""
    conn.execute(f"DELETE FROM {table}")
    day = "substr(a.published_at, 1, 10)"
    sums = "count(*), coalesce(sum(a.sentiment), 0), count(a.sentiment)"
    if table == "daily_counts":
        for dimension in ROLLUP_DIMENSIONS:
            conn.execute(
                f"""INSERT INTO daily_counts (day, dimension, value, articles, sentiment_sum, sentiment_n)
                    SELECT {day}, ?, f.value, {sums} FROM ({FACETS[dimension]}) f
                    JOIN articles a ON a.id = f.article_id GROUP BY 1, 3""",
                (dimension,),
            )
        return
    for filter_dimension, dimension in CROSS_PAIRS:
        _fill_cross(conn, filter_dimension, dimension)


def _fill_cross(conn: sqlite3.Connection, filter_dimension: str, dimension: str) -> None:
    """The daily_cross rows of one (filter dimension, dimension) pair, computed from the articles and tags."""
    conn.execute(
        f"""INSERT INTO daily_cross (filter_dimension, filter_value, dimension, value, day,
                                     articles, sentiment_sum, sentiment_n)
            SELECT ?, f.value, ?, d.value, substr(a.published_at, 1, 10), count(*), coalesce(sum(a.sentiment), 0),
                   count(a.sentiment)
            FROM ({FACETS[filter_dimension]}) f JOIN ({FACETS[dimension]}) d ON d.article_id = f.article_id
            JOIN articles a ON a.id = f.article_id GROUP BY 2, 4, 5""",
        (filter_dimension, dimension),
    )


def rebuild_rollups(db: sqlite_utils.Database) -> None:
    """Recompute every rollup from the articles and their tags, for data written with plain SQL (a bulk
    load, a generated demo). Minutes at a million articles; the write path keeps them exact otherwise."""
    with transaction(db) as conn:
        _fill_rollups(conn, "daily_counts")
        _fill_rollups(conn, "daily_cross")
        _new_generation(conn)  # rows written with plain SQL left no change log: copies start over
        _changed(conn)


def _new_generation(conn: sqlite3.Connection) -> None:
    """A new meta 'generation': a copy of the articles made from an older one (monitor/columnar.py) starts over."""
    _set_meta(conn, "generation", uuid.uuid4().hex)


def _touched(conn: sqlite3.Connection, article_id: int) -> None:
    """Log that a stored article's facts or tags changed (article_changes), after any earlier change."""
    conn.execute(
        """INSERT INTO article_changes (article_id, seq)
           VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM article_changes))
           ON CONFLICT (article_id) DO UPDATE SET seq = excluded.seq""",
        (article_id,),
    )


def _changed(conn: sqlite3.Connection) -> None:
    """Count one more change of what the dashboard shows (articles, analysis, sources): see data_version."""
    conn.execute(
        """INSERT INTO meta (key, value) VALUES ('changes', '1')
           ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"""
    )


def data_version(db: sqlite_utils.Database) -> str:
    """A token that changes whenever articles, their analysis or the sources change, for cache keys.
    It is meta 'changes' (counted in the transaction of every such write, so every process sees it) and
    the largest article id (which also moves for articles written with plain SQL)."""
    return data_version_of(db.conn)


def data_version_of(conn: sqlite3.Connection) -> str:
    """data_version on a plain connection (the columnar copy reads the database through one of its own)."""
    changes = conn.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()
    newest = conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    return f"{changes[0] if changes else '0'}.{newest}"


def compact(db: sqlite_utils.Database) -> tuple[int, int]:
    """Give the free pages of the database file back to the disk (SQLite's VACUUM, then a WAL checkpoint):
    a migration that made the rows smaller (schema 8 packed the evidence) shrinks the file only then. Needs free disk of
    about the file's size for the copy VACUUM makes, and no other connection writing. Returns the file's
    (bytes before, bytes after), WAL included."""
    path = Path(db.conn.execute("PRAGMA database_list").fetchone()[2])

    def size() -> int:
        wal = path.with_name(path.name + "-wal")
        return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

    before = size()
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.execute("VACUUM")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.execute("PRAGMA optimize")
    return before, size()


def articles_to_analyse(db: sqlite_utils.Database, rules: str, *, everything: bool = False) -> list[int]:
    """Ids of the articles never analysed or analysed with other rules (all with `everything`), oldest first."""
    if everything:
        sql = "SELECT id FROM articles ORDER BY published_at, id"
        return [row[0] for row in db.execute(sql)]
    sql = """SELECT a.id FROM articles a LEFT JOIN article_analysis x ON x.article_id = a.id
             WHERE x.rules IS NULL OR x.rules != ? ORDER BY a.published_at, a.id"""
    return [row[0] for row in db.execute(sql, (rules,))]


def articles_text(db: sqlite_utils.Database, ids: list[int]) -> list[dict]:
    """id, title, body, the declared language and the analysed one of these articles (the analysis input)."""
    marks = ",".join("?" * len(ids))
    rows = list(
        db.query(
            f"""SELECT a.id, a.title, a.body, a.published_at, a.story_id, a.language, x.evidence,
                       x.article_id IS NOT NULL AS analysed
                FROM articles a LEFT JOIN article_analysis x ON x.article_id = a.id
                WHERE a.id IN ({marks}) ORDER BY a.published_at, a.id""",
            ids,
        )
    )
    for row in rows:
        evidence = unpack_evidence(row.pop("evidence"))
        declared = evidence["language"].get("declared") if evidence else None
        row["declared_language"] = row["language"] if declared is None else declared
    return rows


def newest_article_ids(db: sqlite_utils.Database, limit: int | None = None) -> list[int]:
    """Ids of the newest `limit` articles (all without a limit), newest first (index articles_published_at)."""
    sql = "SELECT id FROM articles ORDER BY published_at DESC, id DESC"
    if limit is None:
        return [row[0] for row in db.execute(sql)]
    return [row[0] for row in db.execute(sql + " LIMIT ?", (limit,))]


def stored_tags(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, set[str]]]:
    """The tags these articles carry now, for the rule preview: {id: {"topic": slugs, "country": codes,
    "sentiment": {label}}}; an article never analysed is left out."""
    marks = ",".join("?" * len(ids))
    tags: dict[int, dict[str, set[str]]] = {}
    sql = f"""SELECT a.id, a.sentiment_label FROM articles a JOIN article_analysis x ON x.article_id = a.id
              WHERE a.id IN ({marks})"""
    for article_id, label in db.execute(sql, ids):
        tags[article_id] = {"topic": set(), "country": set(), "sentiment": {label or "not scored"}}
    for table, column, dimension in (("article_topics", "topic", "topic"), ("article_countries", "country", "country")):
        for article_id, value in db.execute(
            f"SELECT article_id, {column} FROM {table} WHERE article_id IN ({marks})", ids
        ):
            if article_id in tags:
                tags[article_id][dimension].add(value)
    return tags


def replace_analysis(db: sqlite_utils.Database, analysed: list[tuple[dict, ArticleAnalysis]]) -> None:
    """Re-analysis in one transaction: take back each article's rollup share, swap its tags, count it again.
    Story assignments stay, except for articles that never had one."""
    tally: dict[tuple, Share] = {}
    with transaction(db) as conn:
        for article, analysis in analysed:
            article_id = article["id"]
            _touched(conn, article_id)
            _count_daily(conn, article_id, -1, tally)
            for table in ("article_countries", "article_countries_mentioned", "article_topics", "article_keywords"):
                conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
            conn.execute(
                "UPDATE articles SET language = coalesce(?, language), sentiment = ?, sentiment_label = ? WHERE id = ?",
                (analysis.language, analysis.sentiment.compound, analysis.sentiment.label, article_id),
            )
            _write_analysis(conn, article_id, analysis, declared_language=article["declared_language"])
            if article["story_id"] is None:
                _assign_story(conn, article_id, article["title"], article["published_at"][:10], analysis.signature)
            _count_daily(conn, article_id, +1, tally)
        _write_tally(conn, tally)
        if analysed:
            _changed(conn)


# ---- topic layers: verdicts, the classifier ------------------------------------------------------

VERDICTS = ("confirmed", "rejected")


def _apply_topic_verdicts(conn: sqlite3.Connection, article_id: int, evidence: dict) -> None:
    """Apply the article's verdicts to the topic evidence in place (see topic_model.apply_verdicts)."""
    verdicts = dict(conn.execute("SELECT topic, verdict FROM topic_verdicts WHERE article_id = ?", (article_id,)))
    if verdicts or evidence.get("topics_rejected"):
        kept, rejected = topic_model.apply_verdicts(
            evidence["topics"] + evidence.get("topics_rejected", []), verdicts, topics.load_taxonomy()
        )
        evidence["topics"] = kept
        evidence["topics_rejected"] = rejected


def _swap_topics(conn: sqlite3.Connection, article_id: int, evidence: dict, tally: dict[tuple, Share]) -> None:
    """Replace an article's topic tags by evidence["topics"], keeping the rollups exact and the evidence stored."""
    _touched(conn, article_id)
    _count_daily(conn, article_id, -1, tally)
    conn.execute("DELETE FROM article_topics WHERE article_id = ?", (article_id,))
    conn.executemany(
        "INSERT INTO article_topics (article_id, topic, score) VALUES (?, ?, ?)",
        [(article_id, tag["slug"], tag["score"]) for tag in evidence["topics"]],
    )
    conn.execute(
        "UPDATE article_analysis SET evidence = ? WHERE article_id = ?",
        (pack_evidence(evidence), article_id),
    )
    _count_daily(conn, article_id, +1, tally)


def set_topic_verdict(db: sqlite_utils.Database, article_id: int, topic: str, verdict: str | None) -> dict:
    """An analyst confirms or rejects one topic of an article (verdict None takes a verdict back). The article's
    tags, evidence and the rollups change in the same transaction. Returns the new topic evidence."""
    if verdict is not None and verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    tally: dict[tuple, Share] = {}
    with transaction(db) as conn:
        row = conn.execute("SELECT evidence FROM article_analysis WHERE article_id = ?", (article_id,)).fetchone()
        if row is None:
            raise ValueError(f"article {article_id} is not analysed yet: run `newsmon analyse`")
        if verdict is None:
            conn.execute("DELETE FROM topic_verdicts WHERE article_id = ? AND topic = ?", (article_id, topic))
        else:
            conn.execute(
                """INSERT INTO topic_verdicts (article_id, topic, verdict, decided_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (article_id, topic) DO UPDATE SET verdict = excluded.verdict,
                                                                 decided_at = excluded.decided_at""",
                (article_id, topic, verdict, iso(now_utc())),
            )
        evidence = unpack_evidence(row[0])
        _apply_topic_verdicts(conn, article_id, evidence)
        _swap_topics(conn, article_id, evidence, tally)
        _write_tally(conn, tally)
        _changed(conn)
    return {"topics": evidence["topics"], "topics_rejected": evidence.get("topics_rejected", [])}


def topic_verdicts(db: sqlite_utils.Database, article_id: int) -> dict[str, str]:
    """topic -> verdict for one article."""
    return dict(db.execute("SELECT topic, verdict FROM topic_verdicts WHERE article_id = ?", (article_id,)))


def replace_topics(db: sqlite_utils.Database, retagged: list[tuple[int, list[dict], str | None]]) -> None:
    """New classifier tags for analysed articles, in one transaction: (article id, topic evidence from the layers,
    model id). Verdicts still win; the rollups follow."""
    tally: dict[tuple, Share] = {}
    with transaction(db) as conn:
        for article_id, tags, model_id in retagged:
            row = conn.execute("SELECT evidence FROM article_analysis WHERE article_id = ?", (article_id,)).fetchone()
            if row is None:
                continue
            evidence = unpack_evidence(row[0])
            evidence["topics"] = tags
            evidence.pop("topics_rejected", None)
            evidence.setdefault("topic_layers", {})["model"] = model_id
            _apply_topic_verdicts(conn, article_id, evidence)
            conn.execute("UPDATE article_analysis SET topic_model = ? WHERE article_id = ?", (model_id, article_id))
            _swap_topics(conn, article_id, evidence, tally)
        _write_tally(conn, tally)
        if retagged:
            _changed(conn)


def topic_training_examples(
    db: sqlite_utils.Database, rules: str, slugs: Iterable[str], *, per_topic: int, max_chars: int = 4000
) -> list[tuple[str, str, str]]:
    """(title, start of body, topic) to train the classifier: the newest `per_topic` articles of each topic that the
    current rules tag with confidence (minus those an analyst rejected that topic for), plus every confirmed tag."""
    examples: list[tuple[str, str, str]] = []
    for topic in slugs:
        examples += db.execute(
            """SELECT a.title, substr(a.body, 1, ?), x.confident_topic FROM article_analysis x
               JOIN articles a ON a.id = x.article_id
               WHERE x.confident_topic = ? AND x.rules = ?
                 AND NOT EXISTS (SELECT 1 FROM topic_verdicts v WHERE v.article_id = x.article_id
                                 AND v.topic = x.confident_topic AND v.verdict = 'rejected')
               ORDER BY x.article_id DESC LIMIT ?""",
            (max_chars, topic, rules, per_topic),
        ).fetchall()
    examples += db.execute(
        """SELECT a.title, substr(a.body, 1, ?), v.topic FROM topic_verdicts v JOIN articles a ON a.id = v.article_id
           WHERE v.verdict = 'confirmed' ORDER BY v.decided_at DESC LIMIT ?""",
        (max_chars, per_topic * 10),
    ).fetchall()
    return examples


def save_topic_model(db: sqlite_utils.Database, rules: str, model_id: str, trained_at: str, examples: int, blob: bytes):
    """Keep this classifier as the one of these rules (older models are dropped)."""
    with transaction(db) as conn:
        conn.execute("DELETE FROM topic_models")
        conn.execute(
            "INSERT INTO topic_models (rules, model_id, trained_at, examples, model) VALUES (?, ?, ?, ?, ?)",
            (rules, model_id, trained_at, examples, blob),
        )


def topic_model_blob(db: sqlite_utils.Database, rules: str) -> bytes | None:
    """The stored classifier trained under these rules, if any."""
    row = db.execute("SELECT model FROM topic_models WHERE rules = ?", (rules,)).fetchone()
    return row[0] if row else None


def articles_for_classifier(db: sqlite_utils.Database, model_id: str) -> list[int]:
    """Analysed articles whose topic the rules were not sure of and that this model has not tagged yet."""
    sql = "SELECT article_id FROM article_analysis WHERE topic_model IS NOT NULL AND topic_model != ? ORDER BY 1"
    return [row[0] for row in db.execute(sql, (model_id,))]


def known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> set[str]:
    """Which of these canonical URLs are stored already (to skip fetching their pages again)."""
    return _known(db, "url", list(urls))


def known_articles(db: sqlite_utils.Database, records: list[ArticleRecord]) -> set[tuple[str, str]]:
    """(url, content_hash) of the records whose URL or content hash is stored already."""
    urls = _known(db, "url", [record.url for record in records])
    hashes = _known(db, "content_hash", [record.content_hash for record in records])
    return {(r.url, r.content_hash) for r in records if r.url in urls or r.content_hash in hashes}


def _known(db: sqlite_utils.Database, column: str, values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(row[0] for row in db.execute(f"SELECT {column} FROM articles WHERE {column} IN ({marks})", chunk))
    return found


# ---- sources -----------------------------------------------------------------------------------

SOURCE_SETTINGS = ("name", "country", "language", "every_seconds", "full_text", "enabled")


def add_source(
    db: sqlite_utils.Database,
    url: str,
    *,
    name: str | None = None,
    country: str | None = None,
    language: str | None = None,
    every_seconds: int | None = None,
    full_text: bool | None = None,
) -> tuple[int, bool]:
    """Add a source, or change the settings given (None keeps the current one) of the source with
    this URL. A new source fetches every 30 minutes without full text unless told otherwise.
    Returns (id, created)."""
    with transaction(db) as conn:
        _changed(conn)
        row = conn.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()
        full_text_flag = None if full_text is None else int(full_text)
        if row:
            conn.execute(
                """UPDATE sources SET name = coalesce(?, name), country = coalesce(?, country),
                   language = coalesce(?, language), every_seconds = coalesce(?, every_seconds),
                   full_text = coalesce(?, full_text) WHERE id = ?""",
                (name, country, language, every_seconds, full_text_flag, row[0]),
            )
            return row[0], False
        cursor = conn.execute(
            """INSERT INTO sources (url, name, country, language, every_seconds, full_text, added_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (url, name or url, country, language, every_seconds or 1800, full_text_flag or 0, iso(now_utc())),
        )
        return cursor.lastrowid, True


def name_unnamed_source(db: sqlite_utils.Database, source_id: int, name: str) -> None:
    """Give a source added without a name (its name is its URL) the title its feed announces."""
    with transaction(db) as conn:
        _changed(conn)
        conn.execute("UPDATE sources SET name = ? WHERE id = ? AND name = url", (name, source_id))


def find_source(db: sqlite_utils.Database, key: str) -> dict | None:
    """A source by id, URL or name (case-insensitive)."""
    query = "SELECT * FROM sources WHERE url = ? OR lower(name) = lower(?)"
    params: tuple = (key, key)
    if key.isdigit():
        query += " OR id = ?"
        params += (int(key),)
    rows = list(db.query(query + " ORDER BY id LIMIT 2", params))
    return rows[0] if rows else None


def remove_source(db: sqlite_utils.Database, source_id: int) -> None:
    """Delete a source; its articles stay (their source name is kept, the link is cleared)."""
    with transaction(db) as conn:
        _changed(conn)
        conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))


def set_source_enabled(db: sqlite_utils.Database, source_id: int, enabled: bool) -> None:
    """Enable (clearing failures and back-off, so it is due at once) or disable a source."""
    with transaction(db) as conn:
        _changed(conn)
        if enabled:
            conn.execute(
                """UPDATE sources SET enabled = 1, paused_reason = NULL, consecutive_failures = 0,
                   next_fetch_at = NULL WHERE id = ?""",
                (source_id,),
            )
        else:
            conn.execute("UPDATE sources SET enabled = 0 WHERE id = ?", (source_id,))


def record_source_attempt(
    db: sqlite_utils.Database,
    source_id: int,
    *,
    attempted_at: str,
    next_fetch_at: str,
    ok: bool,
    status: int | None,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    pause_reason: str | None = None,
) -> None:
    """Store the outcome of one fetch of a source: health columns, cache validators, schedule."""
    with transaction(db) as conn:
        _changed(conn)
        if ok:
            conn.execute(
                """UPDATE sources SET last_attempt_at = ?, last_success_at = ?, last_status = ?,
                   last_error = NULL, consecutive_failures = 0, next_fetch_at = ?,
                   etag = coalesce(?, etag), last_modified = coalesce(?, last_modified) WHERE id = ?""",
                (attempted_at, attempted_at, status, next_fetch_at, etag, last_modified, source_id),
            )
        else:
            conn.execute(
                """UPDATE sources SET last_attempt_at = ?, last_status = ?, last_error = ?,
                   consecutive_failures = consecutive_failures + 1, next_fetch_at = ?,
                   enabled = CASE WHEN ? IS NULL THEN enabled ELSE 0 END,
                   paused_reason = coalesce(?, paused_reason) WHERE id = ?""",
                (attempted_at, status, error, next_fetch_at, pause_reason, pause_reason, source_id),
            )


# ---- source groups -----------------------------------------------------------------------------


def source_names(db: sqlite_utils.Database) -> list[str]:
    """Every source name a group may hold: configured sources and the sources of stored articles."""
    rows = db.execute(
        """SELECT name FROM sources UNION SELECT value FROM daily_counts WHERE dimension = 'source' ORDER BY 1"""
    )
    return [name for (name,) in rows]


def set_source_group(db: sqlite_utils.Database, name: str, members: Iterable[str]) -> list[str]:
    """Make the group `name` hold exactly these sources (by name); no members deletes it. Returns the members.
    ValueError for an empty group name or a source this database does not know."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("a source group needs a name")
    members = list(dict.fromkeys(" ".join(member.split()) for member in members if member.strip()))
    known = set(source_names(db))
    unknown = [member for member in members if member not in known]
    if unknown:
        raise ValueError(f"no source named {', '.join(map(repr, unknown))} (see `newsmon sources list`)")
    with transaction(db) as conn:
        _changed(conn)  # the dashboard's cached choices and counts by group
        conn.execute("DELETE FROM source_group_members WHERE group_name = ?", (name,))
        conn.executemany(
            "INSERT INTO source_group_members (group_name, source) VALUES (?, ?)", [(name, m) for m in members]
        )
    return members


def source_groups(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Group name -> its sources, by name."""
    groups: dict[str, list[str]] = {}
    for name, source in db.execute("SELECT group_name, source FROM source_group_members ORDER BY 1, 2"):
        groups.setdefault(name, []).append(source)
    return groups


# ---- facts about the database ------------------------------------------------------------------


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    with transaction(db) as conn:
        _set_meta(conn, key, value)


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def is_demo(db: sqlite_utils.Database) -> bool:
    """True for a database made by `newsmon demo` (its articles are generated, not real news)."""
    return get_meta(db, "demo") == "1"


# ---- run log -----------------------------------------------------------------------------------


def start_run(db: sqlite_utils.Database, pass_id: str, kind: str, input: str, source_id: int | None = None) -> int:
    with transaction(db) as conn:
        cursor = conn.execute(
            "INSERT INTO runs (pass_id, kind, source_id, input, started_at, pid) VALUES (?, ?, ?, ?, ?, ?)",
            (pass_id, kind, source_id, input, iso(now_utc()), os.getpid()),
        )
        return cursor.lastrowid


def close_interrupted_runs(db: sqlite_utils.Database) -> int:
    """Mark as failed, 'interrupted', the runs left 'running' by a process that no longer exists (killed, or
    crashed). Their added/duplicates counts are what was stored before (they grow with each stored batch).
    Runs of live processes (another `ingest`, a `watch`) are left alone. Returns how many were closed."""
    running = db.execute("SELECT id, pid FROM runs WHERE status = 'running'").fetchall()
    dead = [run_id for run_id, pid in running if not _process_alive(pid)]
    if not dead:
        return 0
    with transaction(db) as conn:
        _changed(conn)
        conn.executemany(
            """UPDATE runs SET status = 'failed', finished_at = ?, failed = failed + 1,
               error = 'interrupted: the process stopped before the end (killed or crashed); '
                       || added || ' articles added and ' || duplicates || ' duplicates before that'
               WHERE id = ? AND status = 'running'""",
            [(iso(now_utc()), run_id) for run_id in dead],
        )
    return len(dead)


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False  # a run from before pids were recorded
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return False
    return True


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    status: str,
    fetched: int = 0,
    added: int = 0,
    duplicates: int = 0,
    failed: int = 0,
    http_status: int | None = None,
    error: str | None = None,
) -> None:
    with transaction(db) as conn:
        _changed(conn)
        conn.execute(
            """UPDATE runs SET finished_at = ?, status = ?, fetched = ?, added = ?, duplicates = ?,
               failed = ?, http_status = ?, error = ? WHERE id = ?""",
            (iso(now_utc()), status, fetched, added, duplicates, failed, http_status, error, run_id),
        )


def prune_rollups(db: sqlite_utils.Database) -> None:
    """Drop rollup rows that re-analysis brought down to zero articles (a tag no longer given)."""
    with transaction(db) as conn:
        conn.execute("DELETE FROM daily_counts WHERE articles <= 0")
        conn.execute("DELETE FROM daily_cross WHERE articles <= 0")


# ---- saved searches and alerts (v4; read by monitor/searches.py and monitor/alerts.py) ----------


def save_search(db: sqlite_utils.Database, name: str, params: str) -> tuple[int, bool]:
    """Store a saved search (its dashboard query string) under a name, replacing the one of that name.
    Returns (id, created)."""
    with transaction(db) as conn:
        row = conn.execute("SELECT id FROM saved_searches WHERE name = ?", (name,)).fetchone()
        if row:
            conn.execute("UPDATE saved_searches SET params = ?, name = ? WHERE id = ?", (params, name, row[0]))
            return row[0], False
        cursor = conn.execute(
            "INSERT INTO saved_searches (name, params, created_at) VALUES (?, ?, ?)", (name, params, iso(now_utc()))
        )
        return cursor.lastrowid, True


def delete_search(db: sqlite_utils.Database, search_id: int) -> None:
    """Delete a saved search and its alerts (their history goes with them)."""
    with transaction(db) as conn:
        conn.execute("DELETE FROM saved_searches WHERE id = ?", (search_id,))


def add_alert(
    db: sqlite_utils.Database,
    *,
    name: str,
    search_id: int,
    kind: str,
    settings: str,
    targets: str,
    every_seconds: int,
    reported_up_to: int,
) -> tuple[int, bool]:
    """Add an alert, or replace the settings of the alert of that name (its history stays). (id, created)"""
    with transaction(db) as conn:
        row = conn.execute("SELECT id FROM alerts WHERE name = ?", (name,)).fetchone()
        if row:
            conn.execute(
                """UPDATE alerts SET name = ?, search_id = ?, kind = ?, settings = ?, targets = ?, every_seconds = ?,
                   last_error = NULL WHERE id = ?""",
                (name, search_id, kind, settings, targets, every_seconds, row[0]),
            )
            return row[0], False
        cursor = conn.execute(
            """INSERT INTO alerts (name, search_id, kind, settings, targets, every_seconds, created_at, reported_up_to)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (name, search_id, kind, settings, targets, every_seconds, iso(now_utc()), reported_up_to),
        )
        return cursor.lastrowid, True


def delete_alert(db: sqlite_utils.Database, alert_id: int) -> None:
    with transaction(db) as conn:
        conn.execute("DELETE FROM alerts WHERE id = ?", (alert_id,))


def set_alert_enabled(db: sqlite_utils.Database, alert_id: int, enabled: bool) -> None:
    with transaction(db) as conn:
        conn.execute("UPDATE alerts SET enabled = ? WHERE id = ?", (int(enabled), alert_id))


def record_alert_check(
    db: sqlite_utils.Database, alert_id: int, *, checked_at: str, error: str | None, reported_up_to: int | None = None
) -> None:
    """An evaluation that did not fire: when, why it failed if it did, and (when given) the newest article id
    it has seen all of."""
    with transaction(db) as conn:
        conn.execute(
            """UPDATE alerts SET last_checked_at = ?, last_error = ?,
               reported_up_to = max(reported_up_to, coalesce(?, reported_up_to)) WHERE id = ?""",
            (checked_at, error, reported_up_to, alert_id),
        )


def record_firing(
    db: sqlite_utils.Database,
    alert_id: int,
    *,
    fired_at: str,
    kind: str,
    title: str,
    reason: str,
    figures: str,
    articles: str,
    link: str,
    body: str,
    body_format: str,
    image: bytes | None,
    reported_up_to: int,
    targets: list[str],
) -> int:
    """Log a firing with one pending delivery per target, and move the alert's high-water mark, in one
    transaction: the articles it reports are never reported again, and the message is never lost."""
    with transaction(db) as conn:
        cursor = conn.execute(
            """INSERT INTO alert_firings (alert_id, fired_at, kind, title, reason, figures, articles, link, body,
                                          body_format, image) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (alert_id, fired_at, kind, title, reason, figures, articles, link, body, body_format, image),
        )
        firing_id = cursor.lastrowid
        conn.executemany(
            "INSERT INTO alert_deliveries (firing_id, target, next_attempt_at) VALUES (?, ?, ?)",
            [(firing_id, target, fired_at) for target in targets],
        )
        conn.execute(
            """UPDATE alerts SET last_checked_at = ?, last_fired_at = ?, last_error = NULL,
               reported_up_to = max(reported_up_to, ?) WHERE id = ?""",
            (fired_at, fired_at, reported_up_to, alert_id),
        )
        return firing_id


def record_delivery(
    db: sqlite_utils.Database,
    delivery_id: int,
    *,
    status: str,
    attempted_at: str,
    error: str | None = None,
    next_attempt_at: str | None = None,
) -> None:
    """The outcome of one delivery attempt: sent, retrying (at next_attempt_at) or failed (given up)."""
    with transaction(db) as conn:
        conn.execute(
            """UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
               sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?""",
            (status, error, next_attempt_at, status, attempted_at, delivery_id),
        )


def retry_deliveries(db: sqlite_utils.Database, delivery_ids: list[int]) -> None:
    """Make these unsent deliveries due now (a retry asked for on the Alerts page or the CLI)."""
    with transaction(db) as conn:
        conn.executemany(
            """UPDATE alert_deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL
               WHERE id = ? AND status != 'sent'""",
            [(delivery_id,) for delivery_id in delivery_ids],
        )
