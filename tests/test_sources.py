"""Source list helpers: intervals, health figures, OPML round trip, the starter list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor import config, sources, store
from monitor.models import IngestError
from monitor.normalise import iso

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)


# ---- intervals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("2h", 7200), ("1d", 86400), ("90s", 90), ("45", 45), (" 1H30m ", 5400), (600, 600)],
)
def test_parse_every(text, seconds):
    assert sources.parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "30x", "-5m", "1.5h", "0", "0m", "m30"])
def test_parse_every_rejects_with_a_clear_message(text):
    with pytest.raises(ValueError, match="interval"):
        sources.parse_every(text)


@pytest.mark.parametrize("seconds", [45, 90, 1800, 3600, 5400, 86400, 90000])
def test_format_every_reads_back(seconds):
    assert sources.parse_every(sources.format_every(seconds)) == seconds


def test_country_and_language_codes():
    assert sources.normalise_country(" pk ") == "PK"
    assert sources.normalise_language("en-GB") == "en"
    with pytest.raises(ValueError, match="country"):
        sources.normalise_country("Pakistan")
    with pytest.raises(ValueError, match="language"):
        sources.normalise_language("english")


# ---- health ------------------------------------------------------------------------------------


def article(n: int, source_id: int | None, published: datetime) -> store.ArticleRecord:
    return store.ArticleRecord(
        url=f"http://example.org/{n}",
        content_hash=f"hash{n}",
        source="Wire",
        title=f"Story {n}",
        body="text",
        published_at=iso(published),
        fetched_at=iso(NOW),
        source_id=source_id,
    )


def test_list_sources_reports_health_and_article_figures(db):
    wire, _ = store.add_source(db, "http://wire.example/feed", name="Wire", country="GB", language="en")
    quiet, _ = store.add_source(db, "http://quiet.example/feed", name="quiet", every_seconds=7200, full_text=True)
    other, _ = store.add_source(db, "http://other.example/feed", name="Other")
    store.save_articles(
        db,
        [
            article(1, wire, NOW - timedelta(hours=1)),
            article(2, wire, NOW - timedelta(hours=23)),
            article(3, wire, NOW - timedelta(days=3)),
            article(4, other, NOW - timedelta(days=2)),
            article(5, None, NOW),  # no source: counted nowhere
        ],
    )
    store.record_source_attempt(
        db, wire, attempted_at=iso(NOW), next_fetch_at=iso(NOW + timedelta(minutes=30)), ok=True, status=200
    )
    store.record_source_attempt(
        db,
        other,
        attempted_at=iso(NOW),
        next_fetch_at=iso(NOW + timedelta(hours=1)),
        ok=False,
        status=404,
        error="HTTP 404 Not Found",
    )

    listed = {health.name: health for health in sources.list_sources(db, now=NOW)}

    assert [h.name for h in sources.list_sources(db, now=NOW)] == ["Other", "quiet", "Wire"]
    w = listed["Wire"]
    assert (w.articles_24h, w.articles_total, w.newest_article) == (2, 3, iso(NOW - timedelta(hours=1)))
    assert (w.country, w.language, w.enabled, w.last_status, w.state) == ("GB", "en", True, 200, "ok")
    assert w.last_success_at == iso(NOW) and w.next_fetch_at == iso(NOW + timedelta(minutes=30))
    o = listed["Other"]
    assert (o.articles_24h, o.articles_total) == (0, 1)
    assert (o.last_status, o.last_error, o.consecutive_failures, o.state) == (404, "HTTP 404 Not Found", 1, "failing")
    q = listed["quiet"]
    assert (q.articles_total, q.newest_article, q.state, q.full_text, q.every_seconds) == (0, None, "new", True, 7200)

    store.set_source_enabled(db, quiet, False)
    assert {h.name: h.state for h in sources.list_sources(db, now=NOW)}["quiet"] == "disabled"


# ---- OPML --------------------------------------------------------------------------------------

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="World">
      <outline text="Wire (text)" title="Wire" type="rss" xmlUrl="https://wire.example/feed"
               htmlUrl="https://wire.example/" country="gb" language="en-GB" every="2h"/>
      <outline text="Region">
        <outline text="Dawn" type="rss" xmlUrl="https://www.dawn.com/feeds/home" country="PK" language="en"/>
      </outline>
    </outline>
    <outline text="Urdu" type="rss" xmlUrl="https://urdu.example/rss" language="ur" fullText="1" every="soon"/>
    <outline text="Bad country" type="rss" xmlUrl="https://bad.example/rss" country="Pakistan"/>
    <outline text="Not a feed" type="link" url="https://example.org/"/>
    <outline text="Relative" type="rss" xmlUrl="/feed.xml"/>
  </body>
</opml>
"""


def test_import_opml_reads_nested_outlines_and_custom_attributes(db, tmp_path):
    path = tmp_path / "feeds.opml"
    path.write_bytes(OPML)
    added, updated, problems = sources.import_opml(db, path)

    assert (added, updated) == (4, 0)
    rows = {row["url"]: row for row in db.query("SELECT * FROM sources")}
    wire = rows["https://wire.example/feed"]
    assert (wire["name"], wire["country"], wire["language"], wire["every_seconds"]) == ("Wire", "GB", "en", 7200)
    assert rows["https://www.dawn.com/feeds/home"]["country"] == "PK"
    urdu = rows["https://urdu.example/rss"]
    assert (urdu["name"], urdu["language"], urdu["full_text"], urdu["every_seconds"]) == ("Urdu", "ur", 1, 1800)
    assert rows["https://bad.example/rss"]["country"] is None
    assert len(problems) == 3
    assert any("soon" in p and "Urdu" in p for p in problems)
    assert any("Pakistan" in p for p in problems)
    assert any("Relative" in p and "not an http(s) URL" in p for p in problems)


def test_import_opml_again_updates_without_resetting_settings(db):
    sources.import_opml(db, OPML)
    source_id = store.find_source(db, "https://urdu.example/rss")["id"]
    store.add_source(db, "https://urdu.example/rss", every_seconds=600, full_text=True)
    again = OPML.replace(b'text="Dawn"', b'text="Dawn News"')
    added, updated, _ = sources.import_opml(db, again)
    assert (added, updated) == (0, 1)
    assert db["sources"].get(source_id)["every_seconds"] == 600  # "every" was unreadable: kept
    assert store.find_source(db, "Dawn News") is not None


def test_export_then_import_round_trips(db, tmp_path):
    store.add_source(db, "https://a.example/feed", name="A & B", country="PK", language="ur", every_seconds=5400)
    store.add_source(db, "https://c.example/rss", name="C", full_text=True, every_seconds=3600)
    store.add_source(db, "https://d.example/rss", name="D")
    text = sources.export_opml(db, now=NOW)
    assert text.startswith("<?xml")
    assert 'version="2.0"' in text and 'xmlUrl="https://a.example/feed"' in text and 'every="1h30m"' in text

    other = store.open_db(tmp_path / "other.db")
    try:
        assert sources.import_opml(other, text.encode()) == (3, 0, [])
        columns = "url, name, country, language, every_seconds, full_text"
        original = list(db.query(f"SELECT {columns} FROM sources ORDER BY url"))
        assert list(other.query(f"SELECT {columns} FROM sources ORDER BY url")) == original
        assert sources.import_opml(other, text.encode()) == (0, 0, [])
    finally:
        other.conn.close()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"<opml><body><outline xmlUrl='x'></body>", "not valid XML"),
        (b"<rss version='2.0'><channel/></rss>", "not an OPML file"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
    ],
)
def test_malformed_opml_is_an_ingest_error(db, data, reason):
    with pytest.raises(IngestError, match=reason):
        sources.import_opml(db, data)
    assert db["sources"].count == 0


def test_opml_entity_bomb_is_refused_quickly(db):
    entities = '<!ENTITY a0 "xxxxxxxxxx">' + "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE opml [{entities}]>'
        '<opml version="2.0"><body><outline text="&a9;" xmlUrl="https://x.example/rss"/></body></opml>'
    ).encode()
    with pytest.raises(IngestError, match="not valid XML"):
        sources.import_opml(db, bomb)


def test_missing_opml_file(db, tmp_path):
    with pytest.raises(IngestError, match="No such file"):
        sources.import_opml(db, tmp_path / "nope.opml")


# ---- starter list ------------------------------------------------------------------------------


def test_starter_list_is_valid():
    rows = sources.read_starter_sources(config.STARTER_SOURCES)
    assert 25 <= len(rows) <= 40
    assert len({row.url for row in rows}) == len(rows)
    assert len({row.name for row in rows}) == len(rows)
    for row in rows:
        assert row.url.startswith(("http://", "https://"))
        assert len(row.country) == 2 and row.country.isupper()
        assert len(row.language) == 2 and row.language.islower()
        assert 30 * 60 <= row.every_seconds <= 2 * 3600
    assert {"PK", "IN", "AF", "GB", "QA"} <= {row.country for row in rows}
    assert {"en", "ur", "fa", "ar", "fr", "es", "de"} <= {row.language for row in rows}


def test_load_starter_sources_is_idempotent_and_keeps_edits(db):
    count = len(sources.read_starter_sources())
    assert sources.load_starter_sources(db) == (count, 0)
    dawn = store.find_source(db, "Dawn")
    assert (dawn["country"], dawn["language"], dawn["every_seconds"]) == ("PK", "en", 1800)
    store.add_source(db, dawn["url"], every_seconds=600)
    assert sources.load_starter_sources(db) == (0, count)
    assert store.find_source(db, "Dawn")["every_seconds"] == 600
    assert db["sources"].count == count


def test_bad_starter_row_names_its_line(tmp_path):
    path = tmp_path / "starter.csv"
    path.write_text("name,url,country,language,every\nA,https://a.example/rss,GB,en,1h\nB,not-a-url,GB,en,1h\n")
    with pytest.raises(IngestError, match="line 3: 'not-a-url' is not an http"):
        sources.read_starter_sources(path)
    path.write_text("name,link\nA,https://a.example/rss\n")
    with pytest.raises(IngestError, match="header must be"):
        sources.read_starter_sources(path)
