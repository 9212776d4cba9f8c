"""The Alerts page through AppTest: saved searches listed with their links, an alert set from the form (a broken
URL is one message there), fired with "Run now" to a local webhook, and its history with why it fired."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from monitor import alerts, searches
from monitor.selection import Selection
from tests import delivery_servers, test_app
from tests.test_app import open_page, texts

news, no_demo, webhook = test_app.news, test_app.no_demo, delivery_servers.webhook
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def shown(elements) -> str:
    """The text of these elements as the analyst reads it (Markdown escapes removed)."""
    return "\n".join(element.value.replace("\\", "") for element in elements)


def table(at: AppTest, column: str):
    """The first table with this column (AppTest does not expose a dataframe's key)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_the_alerts_page_is_in_the_navigation(news):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/alerts.py").run()
    assert not at.exception, [error.value for error in at.exception]
    assert [title.value for title in at.title] == ["Alerts"]
    assert "No saved search yet" in texts(at)


def test_set_an_alert_run_it_and_read_its_history(news, webhook, monkeypatch):
    monkeypatch.setenv("NEWSMON_BASE_URL", "https://monitor.example")
    searches.save(news, "Border", Selection(period="all", query="border"))
    at = open_page("alerts")
    listed = table(at, "selects")
    assert list(listed["link"]) == ["https://monitor.example/?period=all&q=border"]

    at.text_input(key="alert_name").input("Border news")
    at.text_area(key="alert_targets").input("mailto://")
    at.button(key="alert_save").click().run()
    assert not at.exception
    assert "not a notification URL apprise can use" in shown(at.error)
    assert alerts.all_alerts(news) == []

    at.text_area(key="alert_targets").input(webhook.url())
    at.button(key="alert_save").click().run()
    assert not at.exception
    assert "Set the alert “Border news”" in shown(at.success)
    assert list(table(at, "watches")["name"]) == ["Border news"]

    # The alert starts from the newest article: make the stored articles new to it, then run it from the page.
    news.execute("UPDATE alerts SET reported_up_to = 0")
    at.button(key="alerts_run").click().run()
    assert not at.exception
    assert "Fired: Border news: 2 new articles" in shown(at.success), texts(at)
    assert webhook.received and "https://monitor.example/articles?period=all&q=border" in webhook.received[0]["message"]
    history = table(at, "why")
    assert list(history["alert"]) == ["Border news"]
    assert history["why"].iloc[0].startswith("2 new articles in")
    assert history["delivered"].iloc[0] == "1 sent"


def test_an_undelivered_message_is_shown_with_its_error(news, webhook):
    searches.save(news, "Border", Selection(period="all", query="border"))
    alerts.add(news, "Border news", "Border", "new_articles", [webhook.url()])
    news.execute("UPDATE alerts SET reported_up_to = 0")
    webhook.status = 500
    alerts.run_all(news)
    at = open_page("alerts")
    unsent = table(at, "attempts")
    assert list(unsent["status"]) == ["retrying"] and "500" in unsent["error"].iloc[0]
    webhook.status = 200
    at.button(key="alerts_retry").click().run()
    assert not at.exception
    assert "Sent 1; still not delivered: 0" in shown(at.success)
    assert "Every message has been delivered" in texts(at)
