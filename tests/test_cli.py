"""The CLI as an analyst uses it: sources, fetch from a local server, runs, export."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from monitor import store
from monitor.cli import app

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Valley Herald</title><link>{base}/</link>
<item><title>Election commission sets polling date</title><link>{base}/poll</link>
<description>Voting will take place in March, the commission said.</description>
<pubDate>Mon, 03 Nov 2025 09:00:00 GMT</pubDate></item>
<item><title>=cmd|' /C calc'!A0</title><link>{base}/formula</link>
<description>A title that a spreadsheet would run.</description>
<pubDate>Tue, 04 Nov 2025 09:00:00 GMT</pubDate></item>
</channel></rss>"""


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    return result


def test_init_loads_starter_sources_once(db_path):
    first = run("init")
    assert first.exit_code == 0 and "loaded" in first.output
    count = store.open_db(db_path)["sources"].count
    assert count >= 25
    second = run("init")
    assert "loaded" not in second.output and f"{count} sources" in second.output


def test_add_fetch_list_export(db_path, web, tmp_path):
    web.route("/rss", FEED.format(base=web.base), headers={"Content-Type": "application/rss+xml"})
    added = run("sources", "add", web.url("/rss"), "--country", "pk", "--language", "EN", "--every", "2h")
    assert added.exit_code == 0, added.output
    fetched = run("fetch")
    assert fetched.exit_code == 0, fetched.output
    assert "sources fetched: 1 (ok 1, not modified 0, failed 0), added: 2, duplicates: 0" in fetched.output

    listing = run("sources", "list")
    line = next(line for line in listing.output.splitlines() if "Valley Herald" in line)  # named from the feed
    assert line.split()[:2] == ["1", "ok"]
    assert " PK en   2h " in line
    assert line.endswith(" 200     0      0        2  2025-11-04 09:00")  # HTTP, fails, 24 h, total, newest

    again = run("fetch")  # not due for 2 hours
    assert "sources fetched: 0" in again.output

    out = tmp_path / "out.csv"
    exported = run("export", "articles", "--published-in", "PK", "--since", "2025-11-01", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["title"] for r in rows] == ["'=cmd|' /C calc'!A0", "Election commission sets polling date"]
    assert rows[1]["source"] == "Valley Herald" and rows[1]["url"] == web.url("/poll")

    runs = run("runs")
    assert "fetch" in runs.output and "added     2" in runs.output


def test_failing_source_is_reported_and_disabled_source_refused(db_path, web):
    run("sources", "add", web.url("/missing"), "--name", "Broken")
    result = run("fetch")
    assert result.exit_code == 1
    assert f"failed: Broken ({web.url('/missing')}): HTTP 404" in result.output
    assert "Traceback" not in result.output
    run("sources", "disable", "Broken")
    refused = run("fetch", "--source", "Broken")
    assert refused.exit_code == 2 and "disabled" in refused.output
    assert run("sources", "enable", "Broken").exit_code == 0
    listing = run("sources", "list")
    assert "Broken: HTTP 404 Not Found" in listing.output.split("last errors:")[1]


def test_sources_add_keeps_settings_it_is_not_given(db_path):
    run("sources", "add", "https://example.com/feed", "--every", "2h", "--full-text")
    run("sources", "add", "https://example.com/feed", "--name", "Renamed")
    source = store.find_source(store.open_db(db_path), "Renamed")
    assert source["every_seconds"] == 7200 and source["full_text"] == 1


def test_opml_round_trip_and_remove(db_path, tmp_path):
    run("sources", "add", "https://a.example/feed", "--name", "A", "--country", "AF", "--language", "ps")
    opml = tmp_path / "sources.opml"
    assert run("sources", "export", "-o", str(opml)).exit_code == 0
    assert run("sources", "remove", "A").exit_code == 0
    assert "sources added: 1" in run("sources", "import", str(opml)).output
    source = store.find_source(store.open_db(db_path), "A")
    assert (source["country"], source["language"]) == ("AF", "ps")
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline")
    result = run("sources", "import", str(bad))
    assert result.exit_code == 1 and "error:" in result.output and "Traceback" not in result.output


def test_usage_errors(db):
    assert run("sources", "add", "ftp://x").exit_code == 2
    assert run("sources", "add", "https://x.example", "--every", "often").exit_code == 2
    assert run("sources", "add", "https://x.example", "--country", "Pakistan").exit_code == 2
    assert run("sources", "remove", "nothing-like-this").exit_code == 2
    assert run("export", "articles", "--query", '"unclosed').exit_code == 0  # read as the phrase, as on the dashboard
    assert run("export", "articles", "--topic", "x", "--by", "country").exit_code == 2  # articles have no grouping
    assert run("export", "articles", "--since", "someday").exit_code == 2


def test_a_source_failing_five_times_is_paused_and_said_so(db_path, web):
    run("sources", "add", web.url("/down"), "--name", "Down")
    for _ in range(4):
        assert "paused" not in run("fetch", "--source", "Down").output
    fifth = run("fetch", "--source", "Down")
    assert "paused: `newsmon sources enable 1` resumes it" in fifth.output
    assert run("fetch", "--source", "Down").exit_code == 2  # disabled now


def test_compact_gives_free_pages_back_and_keeps_the_articles(db_path, tmp_path):
    feed = tmp_path / "articles.jsonl"
    lines = [
        f'{{"title": "Flood warning {n} for the river valley", "url": "https://example.org/{n}", '
        f'"published_at": "2025-11-0{1 + n % 9}T08:00:00Z", "text": "Rain is expected to continue. {n}"}}'
        for n in range(20)
    ]
    feed.write_text("\n".join(lines), encoding="utf-8")
    assert run("ingest", str(feed)).exit_code == 0
    db = store.open_db(db_path)
    # What a migration that rewrites rows smaller leaves behind: free pages inside the file.
    db.conn.execute("CREATE TABLE scratch (blob BLOB)")
    db.conn.executemany("INSERT INTO scratch VALUES (randomblob(4000))", [()] * 500)
    db.conn.execute("DROP TABLE scratch")
    db.conn.close()

    result = run("compact")

    assert result.exit_code == 0, result.output
    before, after = (float(part.split()[0].replace(",", "")) for part in result.output.split(":")[-1].split("->"))
    assert after < before - 1.5  # the 2 MB of scratch pages
    assert store.open_db(db_path)["articles"].count == 20


def test_compact_needs_an_existing_database(db_path):
    result = run("compact")
    assert result.exit_code == 2 and "no database" in result.output
