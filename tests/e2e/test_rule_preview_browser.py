"""The Sources page's "Rule preview" section in a real browser (the e2e database is a demo one, which has it
too): the button re-analyses the newest articles in memory and says how many would change, writing nothing."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_browser import assert_no_exception, open_page, settle, sql


def test_the_rule_preview_tab_checks_the_newest_articles(page, dashboard, screenshot):
    before = sql(dashboard, "SELECT count(*), group_concat(rules) FROM article_analysis")
    open_page(page, dashboard.url("sources"), "Sources")
    page.get_by_text("Rule preview: what an edited rule file would change").click()
    page.get_by_role("button", name="Preview the rules").click()
    settle(page)
    summary = page.get_by_text("against the current rules")
    expect(summary).to_be_visible(timeout=60_000)
    (total,) = sql(dashboard, "SELECT count(*) FROM articles")[0]
    assert f"of {total:,}" in summary.inner_text() or f"all {total:,} articles" in summary.inner_text()
    assert_no_exception(page)
    assert sql(dashboard, "SELECT count(*), group_concat(rules) FROM article_analysis") == before
    screenshot()
