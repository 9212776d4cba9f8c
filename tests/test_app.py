"""Every dashboard page through Streamlit's AppTest: empty database, demo database, filters from the sidebar
and from the link, the reader, exports and source management."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from monitor import config, demo, export, store
from monitor import dashboard as ui
from monitor.ingest import jobs
from monitor.queries import Filters

APP = str(Path(__file__).resolve().parent.parent / "app.py")  # AppTest resolves paths against the caller
HARNESS = str(Path(__file__).resolve().parent / "page_harness.py")
PAGES = ("overview", "trends", "articles", "sources", "export")
NOW = datetime.now(UTC).replace(microsecond=0)

HOSTILE_TITLE = "Border talks resume [click](javascript:alert(1)) <b>now</b>"
ARTICLES = [
    {
        "title": "Pakistan and Afghanistan reopen the Torkham border crossing",
        "body": "Pakistan and Afghanistan reopened the Torkham border crossing on Monday after talks in Kabul.\n"
        "Traders welcomed the decision, and officials in Islamabad said the ceasefire was holding.",
        "source": "=Frontier Desk",
        "days_ago": 1,
    },
    {
        "title": HOSTILE_TITLE,
        "body": "Officials from Pakistan met Afghan Taliban envoys in Istanbul to discuss the border ceasefire.\n"
        "The talks ended without agreement; militants attacked a checkpoint near the border, killing two soldiers.",
        "source": "Wire One",
        "days_ago": 2,
    },
    {
        "title": "Central bank in India holds interest rates steady",
        "body": "The Reserve Bank of India kept its policy rate unchanged, citing easing inflation in New Delhi and Mumbai.\n"
        "Markets rose modestly after the announcement.",
        "source": "Wire One",
        "days_ago": 3,
    },
]


def write_news(path: Path) -> None:
    lines = []
    for number, article in enumerate(ARTICLES):
        published = NOW - timedelta(days=article["days_ago"])
        lines.append(
            json.dumps(
                {
                    "url": f"https://news.example/{number}",
                    "title": article["title"],
                    "body": article["body"],
                    "source": article["source"],
                    "published_at": published.isoformat(),
                    "language": "en",
                }
            )
        )
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def no_demo(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "DEMO_DB", tmp_path / "no-demo.db")


@pytest.fixture
def news(db, tmp_path, no_demo):
    """A real database with three hand-written articles (one with a hostile title and a formula source)."""
    write_news(tmp_path / "news.jsonl")
    summary = jobs.ingest(db, [str(tmp_path / "news.jsonl")])
    assert summary.added == 3
    return db


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    database = store.open_db(path)
    demo.generate(database, articles=400, days=60, seed=3)
    database.conn.close()
    return path


@pytest.fixture
def demo_only(demo_path, db_path, monkeypatch):
    """An empty real database and a demo one: the first run without network."""
    monkeypatch.setattr(config, "DEMO_DB", demo_path)
    return demo_path


def open_page(page: str, **params) -> AppTest:
    """A page as the app shows it (sidebar, banner, page) through the harness, ready for interactions."""
    at = AppTest.from_file(HARNESS, default_timeout=60)
    at.session_state["page"] = page
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [error.value for error in at.exception]
    return at


def switch(at: AppTest, page: str) -> AppTest:
    at.session_state["page"] = page
    at.run()
    assert not at.exception, [error.value for error in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_app_navigation_opens_every_page(page, news):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [error.value for error in at.exception]
    assert [title.value for title in at.title] == [page.capitalize()]


def by_key(elements, key: str):
    return next(element for element in elements if element.key == key)


def texts(at: AppTest) -> str:
    parts = [
        element.value
        for kind in ("markdown", "info", "warning", "error", "success", "caption")
        for element in getattr(at, kind)
    ]
    return "\n".join(str(part) for part in parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_an_empty_database_says_what_to_do(page, db, no_demo):
    at = open_page(page)
    shown = texts(at)
    assert "No articles yet" in shown or "No sources yet" in shown, shown


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_the_demo_database_shows_the_banner_and_data(page, demo_only):
    at = open_page(page)
    assert any("Demo data" in warning.value for warning in at.warning)
    assert "No articles yet" not in texts(at)
    if page in ("overview", "trends"):
        assert len(at.get("plotly_chart")) >= 3
    if page == "articles":
        assert len(at.dataframe[0].value) == 50


HEADLINE_KEYS = ("articles", "stories", "sources", "countries", "mean_sentiment")


def headline(at: AppTest) -> dict[str, tuple[str, list[str]]]:
    """The Overview's headline figures: label -> (value, change shown under it, if any)."""
    boxes = [at.get_by_key(f"headline_{key}") for key in HEADLINE_KEYS]
    return {box.markdown[0].value: (box.subheader[0].value, [text.value for text in box.markdown[1:]]) for box in boxes}


def test_overview_figures_match_the_database(news):
    at = open_page("overview")
    figures = headline(at)
    assert list(figures) == ["Articles", "Stories", "Sources", "Countries", "Mean sentiment"]
    assert figures["Articles"][0] == "3"
    assert figures["Sources"][0] == "2"
    assert figures["Countries"][0] == str(
        news.execute("SELECT count(DISTINCT country) FROM article_countries").fetchone()[0]
    )


def test_overview_changes_are_green_up_or_red_down(news):
    """Against the previous period: a rise in green with an arrow up, a fall in red with an arrow down."""
    at = open_page("overview", period="7d")
    changes = {label: change for label, (_, change) in headline(at).items()}
    assert changes["Articles"] == [":green[:material/arrow_upward: new]"]  # nothing in the 7 days before
    falling = {label: text for label, text in changes.items() if text and "-" in text[0]}
    for text in falling.values():
        assert text[0].startswith(":red[:material/arrow_downward: -"), text
    # both directions, whatever the fixture's periods hold
    assert ui.change_markdown("-0.082") == ":red[:material/arrow_downward: -0.082]"
    assert ui.change_markdown("+25%") == ":green[:material/arrow_upward: +25%]"


def test_filters_from_the_link_fill_the_sidebar_and_apply(news):
    at = open_page("overview", country="IN")
    assert at.multiselect(key="f_country").value == ["IN"]
    switch(at, "articles")
    table = at.dataframe[0].value
    assert list(table["title"]) == ["Central bank in India holds interest rates steady"]
    assert r"about India \(IN\)" in texts(at)  # Markdown-escaped


def test_a_sidebar_filter_goes_into_the_link_and_stays_across_pages(news):
    at = open_page("overview")
    at.multiselect(key="f_source").select("Wire One").run()
    assert at.query_params["source"] in ("Wire One", ["Wire One"])
    switch(at, "articles")
    assert not at.exception
    assert at.session_state["f_source"] == ["Wire One"]
    assert len(at.dataframe[0].value) == 2
    assert at.query_params["source"] in ("Wire One", ["Wire One"])


def test_the_search_box_takes_what_analysts_type_and_says_how_it_read_it(news):
    at = open_page("overview")
    at.text_input(key="f_query").input("border AND").run()
    assert not at.exception and not at.sidebar.error
    assert "Searching for: border" in [caption.value for caption in at.sidebar.caption]
    for typed in ("Pakistan-Afghanistan", "Pakistan's", "U.S.", "india or pakistan", '"peace talks" NOT ('):
        at.text_input(key="f_query").input(typed).run()
        assert not at.exception and not at.sidebar.error, typed
    switch(at, "articles")
    assert not at.exception


def test_the_reader_shows_text_safely_with_evidence_and_highlights(news):
    article_id, title = news.execute("SELECT id, title FROM articles WHERE url = 'https://news.example/1'").fetchone()
    assert "[click](javascript:alert(1))" in title
    at = open_page("articles", article=str(article_id), q="ceasefire")
    headings = [element.value for element in at.subheader]
    assert "Border talks resume \\[click\\]\\(javascript\\:alert\\(1\\)\\)" in headings[0], headings
    body = "\n".join(element.value for element in at.markdown)
    assert ":orange-background[**ceasefire**]" in body
    countries, passing = [frame.value for frame in at.dataframe if "mentions" in frame.value.columns]
    assert countries["country"].iloc[0] == "Pakistan (PK)"
    assert "Pakistan" in countries["matched"].iloc[0]
    # the countries only mentioned, with their evidence too
    assert set(passing["country"]) == {"Afghanistan (AF)", "Türkiye (TR)"}
    assert "Istanbul" in " ".join(passing["matched"])
    topics = next(frame.value for frame in at.dataframe if "matched terms" in frame.value.columns)
    assert "ceasefire" in " ".join(topics["matched terms"])


def test_export_preview_and_csv_match_the_database_cell_by_cell(news):
    at = open_page("export")
    at.selectbox(key="export_kind").select("topics").run()
    assert not at.exception
    preview = at.dataframe[0].value
    expected = {
        topic: count
        for topic, count in news.execute("SELECT topic, count(*) FROM article_topics GROUP BY topic").fetchall()
    }
    assert dict(zip(preview["topic"], preview["articles"], strict=True)) == expected
    data, rows = export.summary_csv(news, "articles", Filters(since=NOW - timedelta(days=30)))
    table = list(csv.DictReader(io.StringIO(data.decode())))
    assert rows == 3
    assert [row["source"] for row in table] == ["'=Frontier Desk", "Wire One", "Wire One"]
    assert table[1]["title"] == "Border talks resume [click](javascript:alert(1)) now"  # markup stripped at ingest


def test_sources_can_be_added_paused_and_removed(db, no_demo):
    at = open_page("sources")
    form = at.main.get("form")[0]
    form.text_input[0].input("ftp://nope.example/feed")
    form.button[0].click().run()
    assert any("must start with http" in error.value for error in at.error)
    form = at.main.get("form")[0]
    form.text_input[0].input("https://feeds.example/rss.xml")
    form.text_input[2].input("pk")
    form.button[0].click().run()
    assert not at.exception
    assert any("Added source" in message.value for message in at.success)
    source = db.execute("SELECT name, country FROM sources").fetchall()
    assert source == [("https://feeds.example/rss.xml", "PK")]
    at.session_state["sources_tab"] = "Pause / resume / remove"  # as a click on the tab does
    at.run()
    at.button(key="sources_pause").click().run()
    assert db.execute("SELECT enabled FROM sources").fetchone()[0] == 0
    assert at.session_state["sources_tab"] == "Pause / resume / remove"  # the rerun after it keeps the tab
    at.checkbox(key="sources_confirm_remove").check().run()
    at.button(key="sources_remove").click().run()
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


@pytest.mark.parametrize("page", PAGES)
def test_a_demo_database_opened_as_the_database_has_the_banner_and_no_source_changes(
    page, demo_path, no_demo, monkeypatch
):
    monkeypatch.setenv("NEWSMON_DB", str(demo_path))  # newsmon --db data/demo.db serve
    at = open_page(page)
    banner = " ".join(warning.value for warning in at.warning)
    assert "Demo data" in banner and "was made by `newsmon demo`" in banner and "no articles yet" not in banner
    assert not [button for button in at.button if button.key == "leave_demo"]
    if page == "sources":
        assert not at.main.get("form") and not at.get("tabs")  # nothing can be added, fetched or removed


def test_the_demo_banner_says_when_the_own_database_has_articles(news, demo_path, monkeypatch):
    monkeypatch.setattr(config, "DEMO_DB", demo_path)
    at = open_page("overview", db="demo")
    banner = " ".join(warning.value for warning in at.warning)
    assert "has articles" in banner and "no articles yet" not in banner
    at.button(key="leave_demo").click().run()
    assert not any("Demo data" in warning.value for warning in at.warning)


def test_the_demo_banner_leads_back_to_the_real_database_and_the_link_remembers(demo_only):
    at = open_page("overview")
    at.button(key="leave_demo").click().run()
    assert not at.exception
    assert not any("Demo data" in warning.value for warning in at.warning)
    assert "No articles yet" in texts(at)  # the real database is still empty
    assert at.query_params["db"] in ("real", ["real"])
    at.sidebar.button[-1].click().run()  # "Show the demo data"
    assert any("Demo data" in warning.value for warning in at.warning)


def test_a_later_page_survives_a_filter_that_leaves_fewer_pages(demo_only):
    at = open_page("articles", period="all")
    at.number_input(key="articles_page").set_value(5).run()
    assert not at.exception
    at.selectbox(key="articles_page_size").select(100).run()  # 400 articles: 4 pages of 100
    assert not at.exception
    assert at.number_input(key="articles_page").value == 4
    assert len(at.dataframe[0].value) == 100


def test_a_custom_range_from_the_link_outside_the_data_is_an_empty_state(news):
    at = open_page("overview", **{"from": "2001-01-01", "to": "2001-12-31"})
    assert at.selectbox(key="f_period").value == "custom"
    assert "No article matches these filters" in texts(at)
    assert "2001-01-01 – 2001-12-31" in texts(at)


def test_the_view_of_each_page_is_in_the_link(news):
    # Choices appear in the link as they read on the page (Streamlit's query-parameter binding).
    at = open_page("trends", trends_terms="ceasefire\nrates", trends_sentiment_by="Topic")
    assert at.text_area(key="trends_terms").value == "ceasefire\nrates"
    assert at.session_state["trends_sentiment_by"] == "topic"
    at = open_page("overview", overview_by="Country", overview_map="Mean sentiment")
    assert at.session_state["overview_by"] == "country" and at.session_state["overview_map"] == "mean_sentiment"
    at = open_page("articles", articles_sort="Oldest first", articles_page_size="25")
    assert at.selectbox(key="articles_sort").value == "Oldest first"
    assert at.dataframe[0].value["title"].iloc[0] == "Central bank in India holds interest rates steady"
    assert len(at.dataframe[0].value) == 3
    at = open_page("export", export_kind="Country totals")
    assert at.selectbox(key="export_kind").value == "countries"


def test_term_comparison_keeps_quiet_days_and_names_a_term_without_a_match(news):
    at = open_page("trends", trends_terms="ceasefire\nzzzqqq")
    assert "No article in the selection matches: “zzzqqq”" in texts(at)
    chart = json.loads(by_key(at.get("plotly_chart"), "trends_terms_chart").proto.spec)
    lines = {trace["name"]: plotly_values(trace["y"]) for trace in chart["data"]}
    assert set(lines) == {"ceasefire", "zzzqqq"}
    assert len(lines["ceasefire"]) == len(lines["zzzqqq"]) >= 3  # every day of the articles, zeros included
    assert 0 in list(lines["ceasefire"])


def plotly_values(data) -> list:
    """A chart's values as plotly sends them: a list, or a typed array in base64."""
    if isinstance(data, dict) and "bdata" in data:
        import base64

        import numpy

        return numpy.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return list(data)


def test_the_stacked_volume_says_it_counts_tags_and_keeps_to_the_topic_filter(demo_only):
    at = open_page("overview", topic="conflict")
    assert "Bars count tags, not articles" in texts(at)
    chart = json.loads(by_key(at.get("plotly_chart"), "overview_volume").proto.spec)
    assert {trace["name"] for trace in chart["data"]} == {"War and armed conflict"}


def test_sentiment_over_few_articles_is_faded_or_left_off_and_countries_keep_one_order(demo_only):
    at = open_page("overview", overview_map="Mean sentiment")
    assert "fewer than 5 scored (English) articles are left grey" in texts(at)
    world = json.loads(by_key(at.get("plotly_chart"), "overview_choropleth").proto.spec)
    scored = {row["value"]: row for row in trends_totals_of_demo(demo_only)}
    shown = set(world["data"][0]["locations"])
    assert shown and all(scored_by_iso3(scored)[iso3] >= 5 for iso3 in shown)
    at = open_page("trends", trends_matrix_measure="Articles")
    bars = json.loads(by_key(at.get("plotly_chart"), "trends_sentiment").proto.spec)["data"][0]
    opacity = bars["marker"]["opacity"]
    counts = [int(name.rsplit("n=", 1)[1].rstrip(")")) for name in bars["y"]]
    assert [alpha == 1.0 for alpha in opacity] == [n >= 5 for n in counts]
    matrix = json.loads(by_key(at.get("plotly_chart"), "trends_matrix").proto.spec)["data"][0]
    bar_countries = [name.rsplit(" (n=", 1)[0] for name in reversed(bars["y"])]
    assert list(matrix["y"]) == bar_countries  # the two top-15 country charts agree on the order


def trends_totals_of_demo(path) -> list[dict]:
    from monitor import trends

    database = store.open_db(path)
    try:
        last = database.execute("SELECT max(day) FROM daily_counts").fetchone()[0]
        since = datetime.fromisoformat(last).replace(tzinfo=UTC) - timedelta(days=29)
        return trends.totals(database, Filters(since=since), "country")
    finally:
        database.conn.close()


def scored_by_iso3(totals: dict[str, dict]) -> dict[str, int]:
    from monitor import labels

    return {labels.country_alpha3(code): row["sentiment_n"] for code, row in totals.items()}


def test_a_source_group_made_on_the_sources_page_is_a_sidebar_filter(news):
    at = open_page("sources")
    at.text_input(key="sources_group_name_(new group)").input("Wires").run()
    at.multiselect(key="sources_group_members_(new group)").select("Wire One").run()
    at.button(key="sources_group_save").click().run()
    assert not at.exception
    assert any("Saved the group Wires" in message.value for message in at.success)
    assert store.source_groups(news) == {"Wires": ["Wire One"]}
    at = open_page("articles", source_group="Wires")
    assert at.multiselect(key="f_source_group").value == ["Wires"]
    assert len(at.dataframe[0].value) == 2
    assert "source group Wires" in texts(at)


def test_the_export_page_starts_each_summary_per_day_and_names_partial_weeks(demo_only):
    at = open_page("export", export_kind="Articles per day")
    by_key(at.get("button_group"), "export_interval_daily").set_value("week").run()
    assert "Partial weeks" in texts(at)
    at.selectbox(key="export_kind").select("sentiment").run()
    assert at.session_state["export_interval_sentiment"] in (None, "day")  # not the week chosen for another summary
    preview = at.dataframe[0].value
    assert "day" in preview.columns and "week" not in preview.columns


def test_the_export_page_offers_the_articles_with_their_full_text(news):
    def meanings(at: AppTest) -> list[str]:  # the "What the columns mean" table
        return next(list(table.value["column"]) for table in at.dataframe if "meaning" in table.value.columns)

    at = open_page("export")
    assert "body" not in meanings(at)
    at.checkbox(key="export_full_text").check().run()
    assert not at.exception
    assert meanings(at)[-1] == "body"


def test_the_export_page_compares_the_trends_terms_and_offers_xlsx(news):
    at = open_page("export", export_kind="Term comparison", trends_terms="ceasefire\nzzzqqq")
    assert at.selectbox(key="export_kind").value == "terms"
    preview = at.dataframe[0].value
    assert list(preview.columns) == ["day", "term", "articles", "all_articles", "per_1000"]
    matched = news.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'ceasefire'").fetchone()[0]
    assert preview[preview["term"] == "ceasefire"]["articles"].sum() == matched == 2
    nothing = preview[preview["term"] == "zzzqqq"]
    assert len(nothing) == 3 and (nothing["articles"] == 0).all()  # kept, at zero, on every day
    buttons = {button.proto.label: button.proto for button in at.get("download_button")}
    assert set(buttons) == {"Download CSV", "Download XLSX", "Download manifest (JSON)"}
    assert buttons["Download XLSX"].deferred_file_id  # made when pressed
    # The terms typed on the Trends page come along to the Export page.
    at = open_page("trends", trends_terms="ceasefire")
    switch(at, "export")
    at.selectbox(key="export_kind").select("terms").run()
    assert at.text_area(key="trends_terms").value == "ceasefire"
    assert set(at.dataframe[0].value["term"]) == {"ceasefire"}
