"""Digests of a saved search: `newsmon digest` as HTML and Markdown (figures with change, top stories with links,
rising keywords, an offline PNG chart, the data-quality line), and digest alerts sent by e-mail and webhook."""

from __future__ import annotations

import base64
from datetime import timedelta

from typer.testing import CliRunner

from monitor import alerts, digest, searches
from monitor.cli import app
from monitor.selection import Selection
from tests import delivery_servers, test_app
from tests.test_alerts import NOW, WIRE, calm_history, ingest, record

news, no_demo = test_app.news, test_app.no_demo
smtp_server, webhook = delivery_servers.smtp_server, delivery_servers.webhook
PNG = b"\x89PNG\r\n\x1a\n"


def test_digest_as_html_and_markdown(news, tmp_path):
    searches.save(news, "Border", Selection(period="7d", query="border"))
    runner = CliRunner()
    html_out = runner.invoke(
        app, ["digest", "Border", "-o", str(tmp_path / "d.html"), "--base-url", "https://m.example"]
    )
    assert html_out.exit_code == 0, html_out.output
    assert "(2 articles)" in html_out.output
    page = (tmp_path / "d.html").read_text()
    assert '<h1 style="font-size: 1.4em">Digest: Border</h1>' in page
    assert "Border talks resume [click](javascript:alert(1)) &lt;b&gt;now&lt;/b&gt;" not in page  # stripped at ingest
    assert "javascript:" not in page.split("<body", 1)[1].split("Top stories")[1].split("href=")[0]
    assert "<td>Articles</td><td style='text-align:right'><b>2</b></td>" in page
    assert "https://m.example/articles?period=custom" in page and "Data quality: 0% of 2 articles" in page
    image = base64.b64decode(page.split("data:image/png;base64,", 1)[1].split('"', 1)[0])
    assert image.startswith(PNG)

    md_out = runner.invoke(app, ["digest", "Border", "--since", "30 days ago", "-o", str(tmp_path / "d.md")])
    assert md_out.exit_code == 0, md_out.output
    text = (tmp_path / "d.md").read_text()
    assert "| Articles | 2 |" in text and "![Articles per day](d.png)" in text
    assert "Border talks resume \\[click\\](javascript:alert(1)) now" in text  # brackets escaped: no link
    assert (tmp_path / "d.png").read_bytes().startswith(PNG)

    missing = runner.invoke(app, ["digest", "Nope", "-o", str(tmp_path / "x.html")])
    assert missing.exit_code == 2 and "no saved search named 'Nope'" in missing.output


def test_the_top_stories_count_copies_once_and_the_change_is_against_the_period_before(db, tmp_path):
    saved, _ = searches.save(db, "Torkham", Selection(period="7d", query="torkham"))
    ingest(db, tmp_path, calm_history(days=10))
    copies = [record(f"wire-{n}", "Pakistan closes Torkham crossing after clashes", WIRE + f" Desk {n}.",
                     f"Outlet {n}", NOW - timedelta(hours=n + 1)) for n in range(4)]  # fmt: skip
    ingest(db, tmp_path, copies)
    made = digest.build(db, saved, since=NOW - timedelta(days=1), until=NOW, now=NOW)
    assert made.figures["articles"].value == 4 and made.figures["articles"].previous == 1
    assert made.stories[0].title == "Pakistan closes Torkham crossing after clashes"
    assert made.stories[0].articles == 4 and made.stories[0].sources == 4
    assert sum(articles for _, articles in made.volume) == 14  # 28 days up to today, zeros included
    assert len(made.volume) == 28 and made.chart.startswith(PNG)


def test_a_digest_alert_is_sent_once_a_day_with_its_chart(db, tmp_path, smtp_server, webhook):
    searches.save(db, "Torkham", Selection(period="7d", query="torkham"))
    ingest(db, tmp_path, calm_history(days=3))
    alerts.add(db, "Morning digest", "Torkham", "digest", [smtp_server.url(), webhook.url()], period="daily")
    summary = alerts.run_all(db, now=NOW, base_url="https://m.example")
    assert summary.sent == 2, summary
    [posted] = webhook.received
    assert posted["title"] == "Morning digest: daily digest, 0 articles"
    assert "Digest: Torkham" in posted["message"] and "Data quality" in posted["message"]
    assert posted["attachments"] and base64.b64decode(posted["attachments"][0]["base64"]).startswith(PNG)
    [mail] = smtp_server.messages
    assert any(part.get_content_type() == "image/png" for part in mail.walk())
    assert alerts.run_all(db, now=NOW + timedelta(hours=20)).fired == []  # once a day
    assert len(alerts.run_all(db, now=NOW + timedelta(hours=24, minutes=1)).fired) == 1
