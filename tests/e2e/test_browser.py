"""The dashboard in a real browser: every page renders, a sidebar filter goes into the link and the figures, a
bar of a chart or a country on the map opens its articles, a table row opens the reader, the Export page downloads a correct CSV, the search box takes what analysts type,
and a link opened as the first visit shows the app's own menu.
Each test leaves a full-page screenshot in tests/e2e/screenshots/ to look at."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from monitor.analysis.topics import load_taxonomy
from tests.e2e.conftest import SCREENSHOTS, new_tab, serve

PAGES = [("", "Overview"), ("trends", "Trends"), ("articles", "Articles"), ("sources", "Sources"), ("export", "Export")]


def sql(dashboard, query: str, params=()) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(dashboard.db_path)) as connection:
        return connection.execute(query, params).fetchall()


def settle(page: Page) -> None:
    """Wait until the script has finished its run (Streamlit marks the app while it runs)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=30_000)


def open_page(page: Page, url: str, title: str) -> None:
    page.goto(url)
    expect(page.locator("h1").first).to_have_text(title, timeout=60_000)
    settle(page)


def assert_no_exception(page: Page) -> None:
    errors = page.get_by_test_id("stException")
    assert errors.count() == 0, "\n\n".join(errors.all_inner_texts())
    assert "Traceback" not in page.inner_text("body")


HEADLINE = '[class*="st-key-headline_"]'  # the Overview's headline figures: a box each


def metric(page: Page, name: str):
    """The value of the Overview's headline figure with this label."""
    return page.locator(HEADLINE).filter(has=page.get_by_text(name, exact=True)).get_by_role("heading")


@pytest.mark.parametrize(("path", "title"), PAGES, ids=[title.lower() for _, title in PAGES])
def test_every_page_loads_with_its_title_and_no_error(page, dashboard, screenshot, path, title):
    open_page(page, dashboard.url(path), title)
    assert_no_exception(page)
    expect(page.get_by_test_id("stSidebar").get_by_text("Filters", exact=True)).to_be_visible()
    if title == "Overview":
        (total,) = sql(dashboard, "SELECT count(*) FROM articles")[0]
        expect(page.locator(HEADLINE)).to_have_count(5, timeout=30_000)
        expect(metric(page, "Articles")).to_have_text(f"{total:,}", timeout=30_000)
        expect(page.locator(".js-plotly-plot")).to_have_count(4, timeout=30_000)  # volume, sentiment, map, topics
        # The map draws the countries from the app's own topojson: a blank map would have no shapes.
        expect(page.locator(".js-plotly-plot .choroplethlocation").first).to_be_attached(timeout=30_000)
        expect(page.locator(".js-plotly-plot .bars .point").first).to_be_attached()
    if title == "Trends":
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    if title in ("Articles", "Sources", "Export"):
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    page.wait_for_timeout(500)  # let plotly finish its transitions before the picture
    screenshot()


def test_a_topic_picked_in_the_sidebar_goes_into_the_link_and_the_figures(page, dashboard, screenshot):
    open_page(page, dashboard.url(), "Overview")
    (total,) = sql(dashboard, "SELECT count(*) FROM articles")[0]
    expect(metric(page, "Articles")).to_have_text(f"{total:,}", timeout=30_000)

    topics = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Topics")
    topics.locator("input").click()
    option = page.get_by_role("option").filter(has_not_text="Select all").first
    expect(option).to_be_visible()
    option.click()
    page.keyboard.press("Escape")

    page.wait_for_url(re.compile(r"[?&]topic=[a-z_]+"))
    slug = re.search(r"[?&]topic=([a-z_]+)", page.url).group(1)
    (expected,) = sql(dashboard, "SELECT count(DISTINCT article_id) FROM article_topics WHERE topic = ?", [slug])[0]
    assert 0 < expected < total, (slug, expected, total)
    expect(metric(page, "Articles")).to_have_text(f"{expected:,}", timeout=30_000)
    label = load_taxonomy().topics[[topic.slug for topic in load_taxonomy().topics].index(slug)].label
    expect(page.get_by_text(f"All time · topic {label}")).to_be_visible()
    settle(page)
    assert_no_exception(page)
    page.wait_for_timeout(500)
    screenshot()

    # The filter stays when another page is opened from the sidebar.
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Articles").click()
    expect(page.locator("h1").first).to_have_text("Articles")
    settle(page)
    assert f"topic={slug}" in page.url
    expect(page.get_by_text(re.compile(rf"^{expected:,} articles · page 1 of"))).to_be_visible()


def click_tallest_bar(page: Page, chart_key: str) -> None:
    """Click the middle of the chart's largest bar, "Other" (grey) left out: plotly reads the click from where the
    mouse is."""
    bars = page.locator(f".st-key-{chart_key} .js-plotly-plot .bars .point path")
    expect(bars.first).to_be_attached(timeout=30_000)
    bars.first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # let plotly finish its transitions
    boxes = bars.evaluate_all(
        """paths => paths.filter(p => getComputedStyle(p).fill !== "rgb(176, 176, 176)")
                         .map(p => { const r = p.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })"""
    )
    x, y, width, height = max(boxes, key=lambda box: box[2] * box[3])
    page.mouse.click(x + width / 2, y + height / 2)


def drill_into_topic(page: Page, url: str, chart_key: str) -> str:
    """Open the Overview at `url`, click the chart's tallest bar, and return the topic of the Articles page it opens."""
    open_page(page, url, "Overview")
    click_tallest_bar(page, chart_key)
    expect(page.locator("h1").first).to_have_text("Articles", timeout=30_000)
    page.wait_for_url(re.compile(r"[?&]topic=[a-z_]+"), timeout=30_000)
    settle(page)
    return re.search(r"[?&]topic=([a-z_]+)", page.url).group(1)


def articles_count(page: Page) -> int:
    shown = page.get_by_text(re.compile(r"^[\d,]+ articles? · page 1 of"))
    expect(shown).to_be_visible(timeout=30_000)
    return int(shown.inner_text().split()[0].replace(",", ""))


def test_a_bar_of_the_stacked_volume_opens_the_articles_of_its_day_and_topic(page, dashboard, screenshot):
    topic = drill_into_topic(page, dashboard.url(), "overview_volume")
    first, last = (re.search(rf"[?&]{name}=(\d{{4}}-\d{{2}}-\d{{2}})", page.url).group(1) for name in ("from", "to"))
    assert first == last, page.url  # a day's bar (the test database spans less than four months)
    (expected,) = sql(
        dashboard,
        """SELECT count(DISTINCT a.id) FROM articles a JOIN article_topics t ON t.article_id = a.id
           WHERE t.topic = ? AND substr(a.published_at, 1, 10) = ?""",
        [topic, first],
    )[0]
    assert expected > 0
    assert articles_count(page) == expected
    assert_no_exception(page)
    screenshot()


def test_a_bar_of_the_top_topics_opens_the_articles_on_that_topic(page, dashboard, screenshot):
    topic = drill_into_topic(page, dashboard.url(), "overview_topics")
    counts = dict(sql(dashboard, "SELECT topic, count(DISTINCT article_id) FROM article_topics GROUP BY topic"))
    assert counts[topic] == max(counts.values())  # the tallest bar is a topic with the most articles
    assert articles_count(page) == counts[topic]
    assert_no_exception(page)
    screenshot()


def test_a_drill_down_keeps_the_rest_of_the_selection(page, dashboard, screenshot):
    topic = drill_into_topic(page, dashboard.url(lang="en"), "overview_topics")
    assert "lang=en" in page.url and "period=all" in page.url, page.url
    (expected,) = sql(
        dashboard,
        """SELECT count(DISTINCT a.id) FROM articles a JOIN article_topics t ON t.article_id = a.id
           WHERE t.topic = ? AND a.language = 'en'""",
        [topic],
    )[0]
    assert articles_count(page) == expected
    assert_no_exception(page)
    screenshot()


def test_a_country_on_the_map_opens_the_articles_about_it(page, dashboard, screenshot):
    open_page(page, dashboard.url(), "Overview")
    shapes = page.locator(".st-key-overview_choropleth .js-plotly-plot path.choroplethlocation")
    expect(shapes.first).to_be_attached(timeout=30_000)
    shapes.first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # let plotly finish drawing
    # The country with the most articles (its shape's data holds the count), clicked at the middle of its outline.
    x, y, width, height = shapes.evaluate_all(
        """paths => paths.filter(p => p.__data__ && p.__data__.z !== undefined)
                         .sort((a, b) => b.__data__.z - a.__data__.z)
                         .map(p => { const r = p.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })[0]"""
    )
    page.mouse.click(x + width / 2, y + height / 2)
    expect(page.locator("h1").first).to_have_text("Articles", timeout=30_000)
    page.wait_for_url(re.compile(r"[?&]country=[A-Z]{2}"), timeout=30_000)
    settle(page)
    country = re.search(r"[?&]country=([A-Z]{2})", page.url).group(1)
    counts = dict(sql(dashboard, "SELECT country, count(*) FROM article_countries GROUP BY country"))
    assert counts[country] == max(counts.values()), (country, counts)
    assert articles_count(page) == counts[country]
    assert_no_exception(page)
    screenshot()


def test_clicking_a_table_row_opens_the_reader_with_its_evidence(page, dashboard, screenshot):
    open_page(page, dashboard.url("articles"), "Articles")
    table = page.locator(".st-key-articles_table").get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    page.wait_for_timeout(500)  # the grid draws on a canvas after the element appears
    box = table.bounding_box()
    assert box is not None
    row_height = 35  # Streamlit's grid: a header row then 35 px rows; the selection checkbox column is at the left
    page.mouse.click(box["x"] + 16, box["y"] + row_height * 1.5)

    page.wait_for_url(re.compile(r"[?&]article=\d+"))
    article_id = int(re.search(r"[?&]article=(\d+)", page.url).group(1))
    title, body = sql(dashboard, "SELECT title, body FROM articles WHERE id = ?", [article_id])[0]
    (newest,) = sql(dashboard, "SELECT id FROM articles ORDER BY published_at DESC, id DESC LIMIT 1")[0]
    assert article_id == newest  # the first row of "Newest first"
    expect(page.locator("h3").filter(has_text=title)).to_be_visible()
    first_paragraph = body.split("\n")[0].strip()
    expect(page.get_by_text(first_paragraph[:60]).first).to_be_visible()
    expect(page.get_by_text("Countries (about)", exact=True)).to_be_visible()
    # The grid is a canvas, but it keeps an accessible copy of its cells in a table: the evidence names every
    # country the database has for the article.
    codes = [
        code for (code,) in sql(dashboard, "SELECT country FROM article_countries WHERE article_id = ?", [article_id])
    ]
    # The first such table: the countries it is about (a second one lists those only mentioned, when it has some).
    evidence = page.locator("table[role=grid]").filter(has_text="mentions").filter(has_text="matched").first
    if codes:
        for code in codes:
            expect(evidence).to_contain_text(f"({code})")
    else:
        expect(page.get_by_text("No country scored above the threshold.")).to_be_visible()
    settle(page)
    assert_no_exception(page)
    screenshot()


def test_the_export_page_downloads_the_topic_totals_of_the_database(page, dashboard, screenshot, tmp_path):
    open_page(page, dashboard.url("export"), "Export")
    page.get_by_test_id("stSelectbox").filter(has_text="Summary").click()
    page.get_by_role("option", name="Topic totals").click()
    expect(page.get_by_text("Articles, share and mean sentiment per topic")).to_be_visible()
    settle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert re.fullmatch(r"newsmon-topics-\d{8}-\d{4}\.csv", download.suggested_filename)
    path = tmp_path / "topics.csv"
    download.save_as(path)
    table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))

    assert list(table[0]) == ["topic", "label", "articles", "share", "mean_sentiment", "scored_articles"]
    (total,) = sql(dashboard, "SELECT count(*) FROM articles")[0]
    expected = {
        topic: (articles, mean, scored)
        for topic, articles, mean, scored in sql(
            dashboard,
            """SELECT t.topic, count(*), avg(a.sentiment), count(a.sentiment)
               FROM article_topics t JOIN articles a ON a.id = t.article_id GROUP BY t.topic""",
        )
    }
    labels = {topic.slug: topic.label for topic in load_taxonomy().topics}
    assert {row["topic"] for row in table} == set(expected)
    for row in table:
        articles, mean, scored = expected[row["topic"]]
        assert row["label"] == labels[row["topic"]]
        assert int(row["articles"]) == articles, row
        assert float(row["share"]) == pytest.approx(articles / total, abs=1e-3), row
        assert int(row["scored_articles"]) == scored, row
        if scored:
            assert float(row["mean_sentiment"]) == pytest.approx(mean, abs=1e-3), row
        else:
            assert row["mean_sentiment"] == "", row
    assert [int(row["articles"]) for row in table] == sorted((int(row["articles"]) for row in table), reverse=True)
    assert_no_exception(page)
    screenshot()


def test_the_search_box_takes_a_hyphenated_word_as_typed(page, dashboard, screenshot):
    bodies = [body for (body,) in sql(dashboard, "SELECT title || ' ' || body FROM articles LIMIT 500")]
    word = next(match.group(0) for body in bodies if (match := re.search(r"\b[A-Za-z]+-[A-Za-z]+\b", body)))
    (expected,) = sql(dashboard, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [f'"{word}"'])[0]
    open_page(page, dashboard.url("articles"), "Articles")
    search = page.get_by_test_id("stSidebar").get_by_test_id("stTextInput").filter(has_text="Search").locator("input")
    search.fill(f"{word} or")  # a trailing lower-case "or" is dropped, as the sidebar says
    search.press("Enter")
    expect(page.get_by_test_id("stSidebar").get_by_text(f'Searching for: "{word}"')).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stAlertContentError")).to_have_count(0)
    assert_no_exception(page)
    expect(page.get_by_text(re.compile(rf"^{expected:,} articles · page 1 of"))).to_be_visible()
    screenshot()


@pytest.mark.parametrize(("path", "title"), PAGES, ids=[title.lower() for _, title in PAGES])
def test_a_deep_link_as_the_first_visit_after_a_start_shows_the_real_menu_and_layout(
    browser, e2e_db, tmp_path, path, title
):
    with serve(e2e_db, tmp_path) as fresh, new_tab(browser) as tab:
        tab.goto(fresh.url(path, country="PK") if path == "trends" else fresh.url(path))
        tab.locator('h1, [data-testid="stException"]').first.wait_for(timeout=60_000)
        settle(tab)
        tab.screenshot(path=str(SCREENSHOTS / f"first_visit_{title.lower()}.png"))
        assert_no_exception(tab)
        expect(tab.locator("h1").first).to_have_text(title)
        menu = tab.get_by_test_id("stSidebarNav")
        expect(menu.get_by_text("Overview", exact=True)).to_be_visible()  # app.py's menu, with titles
        expect(menu.get_by_text("app", exact=True)).to_have_count(0)  # not Streamlit's menu of file names
        width = tab.get_by_test_id("stMainBlockContainer").bounding_box()["width"]
        assert width > 1000  # the wide layout (the narrow one is about 730 px)


def test_a_deep_link_works_as_the_first_visit_after_a_start(browser, e2e_db, tmp_path):
    with serve(e2e_db, tmp_path) as fresh, new_tab(browser) as tab:
        (article_id,) = sql(fresh, "SELECT min(id) FROM articles")[0]
        tab.goto(fresh.url("articles", article=str(article_id)))
        tab.locator('h1, [data-testid="stException"]').first.wait_for(timeout=60_000)
        settle(tab)
        tab.screenshot(path=str(SCREENSHOTS / "test_a_deep_link_works_as_the_first_visit_after_a_start.png"))
        assert_no_exception(tab)
        expect(tab.locator("h1").first).to_have_text("Articles")
        expect(tab.get_by_text("Countries (about)")).to_be_visible()  # the reader opened from the link


def test_a_story_row_on_the_overview_opens_its_articles_and_a_same_story_row_opens_that_one(
    page, dashboard, screenshot
):
    open_page(page, dashboard.url(""), "Overview")
    page.locator(".st-key-overview_stories").scroll_into_view_if_needed()  # tables below the fold draw lazily
    table = page.locator(".st-key-overview_stories").get_by_test_id("stDataFrame")
    expect(table).to_be_visible(timeout=30_000)  # the last element of the page: a busy machine draws it late
    page.wait_for_timeout(500)  # the grid draws on a canvas after the element appears
    box = table.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 * 1.5)  # the first story's selection box
    expect(page.locator("h1").first).to_have_text("Articles", timeout=30_000)
    page.wait_for_url(re.compile(r"/articles\?.*article=\d+"))
    settle(page)
    story_id = int(re.search(r"[?&]article=(\d+)", page.url).group(1))
    title, story = sql(dashboard, "SELECT title, story_id FROM articles WHERE id = ?", [story_id])[0]
    assert story == story_id  # the reader opened on the story's first article
    expect(page.locator("h3").filter(has_text=title)).to_be_visible()
    assert_no_exception(page)
    others = sql(dashboard, "SELECT id FROM articles WHERE story_id = ? AND id != ? ORDER BY published_at, id",
                 [story_id, story_id])  # fmt: skip
    if others:
        page.locator(".st-key-articles_story").scroll_into_view_if_needed()
        same = page.locator(".st-key-articles_story").get_by_test_id("stDataFrame")
        expect(same).to_be_visible(timeout=30_000)
        page.wait_for_timeout(500)
        box = same.bounding_box()
        page.mouse.click(box["x"] + 16, box["y"] + 35 * 1.5)
        page.wait_for_url(re.compile(rf"[?&]article={others[0][0]}\b"), timeout=30_000)
        settle(page)
        (other_title,) = sql(dashboard, "SELECT title FROM articles WHERE id = ?", [others[0][0]])[0]
        expect(page.locator("h3").filter(has_text=other_title)).to_be_visible()
    assert_no_exception(page)
    screenshot()


def test_the_export_page_downloads_the_term_comparison_as_xlsx(page, dashboard, screenshot, tmp_path):
    from openpyxl import load_workbook

    open_page(page, dashboard.url("export", export_kind="Term+comparison", trends_terms="ceasefire%0Azzzqqq"), "Export")
    expect(page.get_by_text("Articles matching each term")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download XLSX").click()
    download = info.value
    assert re.fullmatch(r"newsmon-terms-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    path = tmp_path / "terms.xlsx"
    download.save_as(path)
    rows = [[cell.value for cell in row] for row in load_workbook(path).active.iter_rows()]
    assert rows[0] == ["day", "term", "articles", "all_articles", "per_1000"]
    counted = {term: sum(row[2] for row in rows[1:] if row[1] == term) for term in ("ceasefire", "zzzqqq")}
    ((matched,),) = sql(dashboard, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'ceasefire'")
    assert counted == {"ceasefire": matched, "zzzqqq": 0} and matched > 0
    assert all(isinstance(row[2], int) and isinstance(row[3], int) for row in rows[1:])
