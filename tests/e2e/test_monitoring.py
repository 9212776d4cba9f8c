"""Saved searches, alerts and the data-quality panel in a real browser: "Save this view" from the sidebar, the
saved search opened from the sidebar, an alert set on the Alerts page (a broken URL first) and fired to a local
webhook with "Run now", the history, the Trends page's data-quality panel, and the export manifest's quality
facts. Full-page screenshots go to tests/e2e/screenshots/."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests import delivery_servers
from tests.e2e.conftest import new_tab
from tests.e2e.test_browser import assert_no_exception, sql

webhook = delivery_servers.webhook
RUN_SECONDS = 90  # a page's run, on a laptop busy with other work


def settle(page: Page) -> None:
    """Wait until the script has finished its run."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=RUN_SECONDS * 1000)


def open_page(page: Page, url: str, title: str) -> None:
    page.goto(url)
    expect(page.locator("h1").first).to_have_text(title, timeout=RUN_SECONDS * 1000)
    settle(page)


@pytest.fixture
def page(browser, dashboard):
    """A tab on the dashboard after a first full run of its home page (which can take a while on a busy laptop)."""
    with new_tab(browser) as tab:
        open_page(tab, dashboard.url(), "Overview")
        yield tab


def sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def save_view(page: Page, name: str) -> None:
    form = sidebar(page).get_by_test_id("stExpander").filter(has_text="Save this view")
    form.locator("summary").click(timeout=RUN_SECONDS * 1000)
    field = form.get_by_test_id("stTextInput").locator("input")
    field.fill(name)
    field.press("Enter")
    settle(page)
    form.get_by_role("button", name="Save", exact=True).click()
    expect(sidebar(page).get_by_test_id("stAlertContentSuccess")).to_contain_text(f"“{name}”", timeout=30_000)


def test_save_this_view_then_open_it_from_the_sidebar(page, dashboard, screenshot):
    (country,) = sql(dashboard, "SELECT country FROM article_countries GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0]
    open_page(page, dashboard.url(country=country), "Overview")
    save_view(page, "Browser view")
    assert sql(dashboard, "SELECT params FROM saved_searches WHERE name = 'Browser view'") == [
        (f"period=all&country={country}",)
    ]
    page.wait_for_timeout(300)
    screenshot("save_this_view")

    open_page(page, dashboard.url(), "Overview")  # a fresh selection: everything
    assert f"country={country}" not in page.url
    box = sidebar(page).get_by_test_id("stSelectbox").filter(has_text="Saved searches")
    expect(box).to_be_visible(timeout=RUN_SECONDS * 1000)
    field = box.locator("input")
    field.click()
    field.fill("Browser view")  # typed, then picked: the option list of a busy page can close under a click
    option = page.get_by_role("option", name="Browser view")
    option.wait_for(timeout=RUN_SECONDS * 1000)
    field.press("Enter")
    page.wait_for_url(re.compile(rf"[?&]country={country}"))
    settle(page)
    expect(sidebar(page).get_by_text("Opened the saved search “Browser view”.")).to_be_visible()
    assert_no_exception(page)
    screenshot("open_a_saved_search")


def test_an_alert_set_on_the_alerts_page_fires_to_a_webhook(page, dashboard, screenshot, webhook):
    sql_now = sql(dashboard, "SELECT count(*) FROM saved_searches WHERE name = 'Everything'")[0][0]
    open_page(page, dashboard.url(), "Overview")
    if not sql_now:
        save_view(page, "Everything")
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Alerts").click()
    expect(page.locator("h1").first).to_have_text("Alerts")
    settle(page)

    page.get_by_test_id("stTextInput").filter(has_text="Alert name").locator("input").fill("Browser alert")
    targets = page.get_by_test_id("stTextArea").locator("textarea")
    targets.fill("mailto://")
    targets.press("Control+Enter")
    settle(page)
    page.get_by_role("button", name="Set the alert").click()
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("not a notification URL apprise can use")
    screenshot("alert_with_a_broken_url")

    targets.fill(webhook.url("/browser"))
    targets.press("Control+Enter")
    settle(page)
    page.get_by_role("button", name="Set the alert").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Set the alert “Browser alert”")
    settle(page)
    # It starts from the newest article; make the database's articles new to it, as after a fetch pass.
    sql_write = __import__("sqlite3").connect(dashboard.db_path)
    with sql_write:
        sql_write.execute("UPDATE alerts SET reported_up_to = 0 WHERE name = 'Browser alert'")
    sql_write.close()
    page.get_by_test_id("stSelectbox").filter(has_text="Alert").first.click()
    page.get_by_role("option", name="Browser alert").click()
    settle(page)
    page.get_by_role("button", name="Run now").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Fired: Browser alert", timeout=60_000)
    settle(page)
    assert webhook.received and webhook.received[0]["title"].startswith("Browser alert: ")
    assert "Why:" in webhook.received[0]["message"] and "localhost:8501" in webhook.received[0]["message"]
    history = page.locator("table[role=grid]").filter(has_text="Browser alert").filter(has_text="new article")
    expect(history.first).to_be_attached()
    assert_no_exception(page)
    page.wait_for_timeout(500)
    screenshot("alerts_page_after_a_firing")


def test_the_trends_page_has_the_data_quality_panel(page, dashboard, screenshot):
    open_page(page, dashboard.url("trends"), "Trends")
    heading = page.get_by_role("heading", name="Data quality")
    expect(heading).to_be_visible(timeout=30_000)
    heading.scroll_into_view_if_needed()
    expect(page.get_by_test_id("stMetric").filter(has_text="Not scored for tone")).to_be_visible()
    assert_no_exception(page)
    screenshot()


def test_the_export_manifest_holds_the_data_quality(page, dashboard, tmp_path):
    open_page(page, dashboard.url("export"), "Export")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download manifest (JSON)").click()
    path = tmp_path / "manifest.json"
    info.value.save_as(path)
    manifest = json.loads(path.read_text())
    (total,) = sql(dashboard, "SELECT count(*) FROM articles")[0]
    assert manifest["data_quality"]["articles"] == total
    (inferred,) = sql(dashboard, "SELECT count(*) FROM articles WHERE date_inferred = 1")[0]
    assert manifest["data_quality"]["date_inferred"] == inferred
