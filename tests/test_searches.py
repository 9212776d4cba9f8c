"""Saved searches: stored as the dashboard link's query string, relative periods kept relative, used by the CLI,
the exports and the dashboard's sidebar ("Save this view", "Saved searches")."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from monitor import searches, store
from monitor.cli import app
from monitor.searches import SearchError
from monitor.selection import Selection
from tests import test_app
from tests.test_app import open_page

news, no_demo = test_app.news, test_app.no_demo  # the dashboard tests' fixtures


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_a_relative_period_stays_relative(db):
    saved, created = searches.save(db, "PK week", Selection(period="7d", lists={"country": ("PK",)}))
    assert created and saved.params == "period=7d&country=PK"
    november = saved.filters(now=datetime(2025, 11, 20, 12, tzinfo=UTC))
    december = searches.get(db, "pk WEEK").filters(now=datetime(2025, 12, 20, 12, tzinfo=UTC))
    assert november.since == datetime(2025, 11, 14, tzinfo=UTC)
    assert december.since == datetime(2025, 12, 14, tzinfo=UTC)
    assert november.countries == december.countries == ("PK",)
    assert saved.link("http://news.example:8501/") == "http://news.example:8501/?period=7d&country=PK"
    assert saved.link(page="articles", article="4").endswith("/articles?period=7d&country=PK&article=4")


def test_a_search_with_a_syntax_error_is_refused_where_it_is_set(db):
    with pytest.raises(SearchError, match=r"search syntax: no word to search for in '\(\(\('"):
        searches.save(db, "broken", Selection(query="((("))
    assert searches.all_searches(db) == []
    with pytest.raises(SearchError, match="needs a name"):
        searches.save(db, "   ", Selection())
    with pytest.raises(SearchError, match="not filters: colour"):
        searches.parse_link("http://localhost:8501/?period=7d&colour=red")


def test_a_pasted_link_is_the_same_selection(db):
    chosen = searches.parse_link("http://localhost:8501/trends?period=90d&country=PK&country=AF&q=border&sent=-1,0")
    saved, _ = searches.save(db, "from a link", chosen)
    assert saved.selection == chosen
    assert saved.filters().sentiment == (-1.0, 0.0)


def test_cli_searches_and_export_with_a_search(news, tmp_path):
    added = run("searches", "add", "India", "--period", "all", "--country", "in")
    assert added.exit_code == 0, added.output
    assert "about IN" in added.output and "?period=all&country=IN" in added.output
    broken = run("searches", "add", "Broken", "--query", "(((")
    assert broken.exit_code == 2 and "search syntax" in broken.output
    listed = run("searches", "list", "--base-url", "https://monitor.example")
    assert "https://monitor.example/?period=all&country=IN" in listed.output
    shown = run("searches", "show", "india")
    assert shown.exit_code == 0 and "export articles --search India" in shown.output

    by_search = run("export", "articles", "--search", "India", "--manifest", str(tmp_path / "m.json"))
    by_options = run("export", "articles", "--country", "IN")
    assert by_search.exit_code == 0, by_search.output
    rows = list(csv.DictReader(io.StringIO(by_search.stdout)))
    assert [row["title"] for row in rows] == ["Central bank in India holds interest rates steady"]
    assert by_search.stdout == by_options.stdout
    manifest = json.loads((tmp_path / "m.json").read_text())
    assert manifest["saved_search"] == "India" and manifest["filters"]["countries"] == ["IN"]
    assert manifest["data_quality"]["articles"] == 1
    narrowed = run("export", "articles", "--search", "India", "--country", "PK")  # an option replaces its part
    assert "Central bank" not in narrowed.stdout and "Torkham" in narrowed.stdout

    missing = run("export", "topics", "--search", "Nope")
    assert missing.exit_code == 2 and "no saved search named 'Nope' (saved searches: India)" in missing.output
    removed = run("searches", "remove", "India")
    assert removed.exit_code == 0 and not searches.all_searches(news)


def test_save_this_view_and_open_it_from_the_sidebar(news):
    at = open_page("overview")
    at.multiselect(key="f_country").select("IN").run()
    at.text_input(key="saved_search_name").input("India watch")
    at.button(key="saved_search_save").click().run()
    assert not at.exception
    assert any("Saved “India watch”" in success.value for success in at.sidebar.success)
    saved = searches.get(news, "India watch")
    assert saved.selection.lists["country"] == ("IN",)

    at.session_state["f_country"] = []
    at.run()
    assert at.multiselect(key="f_country").value == []
    at.selectbox(key="saved_search_open").select("India watch").run()
    assert not at.exception
    assert at.multiselect(key="f_country").value == ["IN"]
    assert at.query_params["country"] in ("IN", ["IN"])


def test_a_broken_search_is_not_saved_from_the_sidebar(news):
    at = open_page("overview")
    at.text_input(key="f_query").input("(((").run()
    at.text_input(key="saved_search_name").input("Broken")
    at.button(key="saved_search_save").click().run()
    assert not at.exception
    assert searches.all_searches(news) == []
    errors = [error.value for error in at.sidebar.error]
    assert any("fix it before saving" in error for error in errors), errors


def test_the_migration_adds_the_tables_to_a_version_3_database(tmp_path):
    path = tmp_path / "old.db"
    database = store.open_db(path)
    for table in ("alert_deliveries", "alert_firings", "alerts", "saved_searches"):
        database.execute(f"DROP TABLE {table}")
    database.execute("PRAGMA user_version = 3")
    database.conn.close()
    migrated = store.open_db(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == store.VERSION
    assert searches.save(migrated, "x", Selection())[1]
