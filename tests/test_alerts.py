"""Alerts on saved searches, delivered through apprise to a local SMTP server and a local webhook: new articles
grouped by story and never sent twice, a volume spike and a sentiment shift with their stated tests, failed
deliveries retried with back-off, and bad input (a broken URL, a dead SMTP server, a broken search) that
never stops the rest."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from monitor import alerts, monitoring_cli, searches, store
from monitor.alerts import AlertError
from monitor.cli import app
from monitor.ingest import jobs
from monitor.selection import Selection
from monitor.stats import normal_two_sided, poisson_lower, poisson_upper
from tests import delivery_servers
from tests.delivery_servers import free_port

smtp_server, webhook = delivery_servers.smtp_server, delivery_servers.webhook
NOW = datetime.now(UTC).replace(microsecond=0)
BASE = "https://newsmon.example"

CALM = (
    "Trade at the Torkham crossing continued as usual on {day}, officials said, with {n} trucks passing.\n"
    "Customs staff in Peshawar reported a steady flow of goods and traders welcomed the calm."
)
WIRE = (
    "Pakistan closed the Torkham border crossing with Afghanistan after overnight clashes between border "
    "guards, officials said. Hundreds of trucks were stranded on both sides and traders warned of losses.\n"
    "The foreign ministry in Islamabad said talks with Kabul would continue."
)
GRIM = (
    "A deadly attack near the Torkham border killed {n} people and wounded many more, leaving terrified "
    "families grieving. Officials condemned the horrific violence as fear and anger spread.\n"
    "Hospitals were overwhelmed and the dead included children, a tragic and devastating loss."
)


def ingest(db, tmp_path, records: list[dict]) -> None:
    path = tmp_path / f"batch-{len(list(tmp_path.glob('batch-*')))}.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records), encoding="utf-8")
    summary = jobs.ingest(db, [str(path)])
    assert summary.added == len(records), summary


def record(key: str, title: str, body: str, source: str, published: datetime) -> dict:
    return {
        "url": f"https://news.example/{key}",
        "title": title,
        "body": body,
        "source": source,
        "published_at": published.isoformat(),
        "language": "en",
    }


def calm_history(days: int = 28, per_day: int = 1) -> list[dict]:
    """One quiet Torkham article a day for `days` days before yesterday."""
    return [
        record(
            f"calm-{day}-{n}",
            f"Torkham trade steady, day {day} report {n}",
            CALM.format(day=f"day {day}", n=100 + day * 7 + n),
            "Frontier Desk",
            NOW - timedelta(days=day + 1, hours=n),
        )
        for day in range(1, days + 1)
        for n in range(per_day)
    ]


def torkham_search(db) -> searches.SavedSearch:
    saved, _ = searches.save(db, "Torkham", Selection(period="30d", query="torkham"))
    return saved


def test_the_stated_tests():
    assert poisson_upper(3, 1.0) == pytest.approx(0.0803, abs=1e-4)  # 1 -> 3 is not surprising
    assert poisson_upper(12, 1.02) < 1e-8
    assert poisson_upper(0, 5) == 1.0
    assert poisson_lower(0, 10) == pytest.approx(4.54e-5, rel=1e-3)
    assert poisson_upper(120, 100) == pytest.approx(0.0282, abs=2e-3)
    assert normal_two_sided(1.96) == pytest.approx(0.05, abs=1e-3)


@pytest.mark.parametrize("mean", [0.5, 3.0, 40.0, 2_700.0])
def test_poisson_tails_match_the_sum_of_their_terms(mean):
    def term(i: int) -> float:
        return math.exp(-mean + i * math.log(mean) - math.lgamma(i + 1))

    for k in sorted({0, 1, int(mean * 0.5), int(mean * 0.9), int(mean), int(mean * 1.1) + 1, int(mean * 2) + 2}):
        below = sum(term(i) for i in range(k + 1))
        assert poisson_lower(k, mean) == pytest.approx(below, rel=1e-9, abs=1e-300)
        above = sum(term(i) for i in range(k + 1, int(mean * 3) + 200))
        assert poisson_upper(k + 1, mean) == pytest.approx(above, rel=1e-6, abs=1e-12)
    assert poisson_upper(int(mean * 20) + 100, mean) < 1e-150  # for the large means its terms underflow to 0
    assert poisson_lower(int(mean * 20) + 100, mean) == 1.0


def test_new_articles_grouped_by_story_by_email_and_webhook_never_twice(db, tmp_path, smtp_server, webhook):
    torkham_search(db)
    ingest(db, tmp_path, calm_history(days=3))
    alert, created = alerts.add(db, "Torkham news", "torkham", "new_articles", [smtp_server.url(), webhook.url()])
    assert created and alert.reported_up_to == 3  # the backlog is not reported
    copies = [
        record(f"wire-{n}", "Pakistan closes Torkham crossing after clashes", WIRE + f" Filed by desk {n}.",
               f"Outlet {n}", NOW - timedelta(minutes=30 + n))
        for n in range(5)
    ]  # fmt: skip
    other = record("other", "Afghan traders count losses", CALM.format(day="today", n=7), "Wire One", NOW)
    ingest(db, tmp_path, [*copies, other])
    stories = {row[0] for row in db.execute("SELECT story_id FROM articles WHERE url LIKE '%wire-%'")}
    assert len(stories) == 1  # the copies are one story

    summary = alerts.run_all(db, now=NOW, base_url=BASE)
    assert summary.fired and summary.sent == 2 and not summary.failed, summary
    [mail] = smtp_server.messages
    assert "6 new articles, 2 stories" in mail["Subject"]
    text = smtp_server.text(mail)
    assert "Pakistan closes Torkham crossing after clashes" in text and "5 articles, 5 sources" in text
    assert "Why: 6 new articles in 2 stories" in text and f"{BASE}/articles?q=torkham" in text
    [posted] = webhook.received
    assert (
        posted["title"].startswith("Torkham news: 6 new articles")
        and "Afghan traders count losses" in posted["message"]
    )

    again = alerts.run_all(db, now=NOW + timedelta(hours=2), base_url=BASE, force=True)
    assert again.fired == [] and len(smtp_server.messages) == 1  # never twice for the same articles

    ingest(db, tmp_path, [record("late", "Torkham reopens", WIRE.replace("closed", "reopened"), "Wire One", NOW)])
    within = alerts.run_all(db, now=NOW + timedelta(minutes=20), base_url=BASE)
    assert within.fired == []  # at most one message per hour: it waits
    later = alerts.run_all(db, now=NOW + timedelta(minutes=61), base_url=BASE)
    assert [title for _, title in later.fired] == ["Torkham news: 1 new article, 1 story"]
    history = alerts.history(db)
    assert [row["sent"] for row in history] == [2, 2]
    assert len(history[1]["articles"]) == 6 and history[0]["articles"] == [db["articles"].count]


def test_a_volume_spike_fires_with_its_test_and_a_quiet_subject_does_not(db, tmp_path, webhook):
    torkham_search(db)
    ingest(db, tmp_path, calm_history())
    alerts.add(db, "Torkham spike", "Torkham", "volume_spike", [webhook.url()])
    quiet = [
        record(f"quiet-{n}", f"Torkham trade note {n}", CALM.format(day="today", n=900 + n), "Wire One",
               NOW - timedelta(hours=2 + n))
        for n in range(3)
    ]  # fmt: skip
    ingest(db, tmp_path, quiet)
    assert alerts.run_all(db, now=NOW, base_url=BASE).fired == []  # 3 against about 1 a day: p = 0.08

    busy = [
        record(f"busy-{n}", f"Torkham clashes report {n}", GRIM.format(n=n + 2) + f" Update {n}.", f"Outlet {n}",
               NOW - timedelta(hours=1, minutes=n))
        for n in range(12)
    ]  # fmt: skip
    ingest(db, tmp_path, busy)
    summary = alerts.run_all(db, now=NOW + timedelta(minutes=6), base_url=BASE)
    assert len(summary.fired) == 1, summary
    [row] = alerts.history(db)
    assert row["figures"]["observed"] == 15 and row["figures"]["baseline_articles"] == 28
    assert row["figures"]["expected"] == pytest.approx(28.5 / 28, rel=1e-3)
    assert "15 articles in the last 24 hours against 1.0 expected" in row["reason"]
    assert "Poisson test p = " in row["reason"] and "at least 5 articles" in row["reason"]
    assert webhook.received[0]["title"].startswith("Torkham spike: volume spike, 15 articles")
    assert f"{BASE}/?q=torkham&period=24h" in webhook.received[0]["message"]


def test_a_sentiment_shift_says_how_many_scored_articles(db, tmp_path, webhook):
    torkham_search(db)
    ingest(db, tmp_path, calm_history())
    alerts.add(db, "Torkham tone", "Torkham", "sentiment_shift", [webhook.url()], min_scored=10)
    grim = [
        record(f"grim-{n}", f"Deadly attack at Torkham leaves {n + 3} dead", GRIM.format(n=n + 3) + f" Toll {n}.",
               f"Outlet {n}", NOW - timedelta(hours=3, minutes=n))
        for n in range(12)
    ]  # fmt: skip
    ingest(db, tmp_path, grim)
    summary = alerts.run_all(db, now=NOW, base_url=BASE)
    assert len(summary.fired) == 1, summary
    [row] = alerts.history(db)
    assert row["figures"]["scored"] == 12 and row["figures"]["baseline_scored"] == 28
    assert row["figures"]["shift"] < -0.3 and row["figures"]["p_value"] < 0.01
    assert "over 12 scored articles" in row["reason"] and "more negative" in row["title"]


def test_bad_input_is_refused_where_it_is_set(db):
    torkham_search(db)
    with pytest.raises(AlertError, match="is not a notification URL apprise can use"):
        alerts.add(db, "x", "Torkham", "new_articles", ["mailto://"])
    with pytest.raises(AlertError, match="is not a URL"):
        alerts.add(db, "x", "Torkham", "new_articles", ["analyst@example.org"])
    with pytest.raises(AlertError, match="no saved search named 'Nope'"):
        alerts.add(db, "x", "Nope", "new_articles", ["json://127.0.0.1/hook"])
    with pytest.raises(AlertError, match="p value must be between"):
        alerts.add(db, "x", "Torkham", "volume_spike", ["json://127.0.0.1/hook"], p_value=0.5)
    with pytest.raises(AlertError, match="has no setting min_shift"):
        alerts.add(db, "x", "Torkham", "volume_spike", ["json://127.0.0.1/hook"], min_shift=0.2)
    store.save_search(db, "Broken", "period=fortnight&q=border")  # as a version with other periods stored it
    with pytest.raises(AlertError, match="unknown period 'fortnight'"):
        alerts.add(db, "x", "Broken", "new_articles", ["json://127.0.0.1/hook"])
    assert alerts.all_alerts(db) == []


def test_a_dead_smtp_server_is_retried_with_back_off_and_shown(db, tmp_path, smtp_server):
    torkham_search(db)
    dead = f"mailto://127.0.0.1:{free_port()}?from=newsmon@example.org&to=analyst@example.org"
    alerts.add(db, "Dead mail", "Torkham", "new_articles", [dead])
    alerts.add(db, "Live mail", "Torkham", "new_articles", [smtp_server.url()])
    ingest(db, tmp_path, calm_history(days=2))
    summary = alerts.run_all(db, now=NOW)
    assert summary.sent == 1 and len(summary.failed) == 1  # the other alert is delivered all the same
    _, shown, reason = summary.failed[0]
    assert shown.startswith("mailto://127.0.0.1:") and reason
    [waiting] = alerts.deliveries(db, unsent_only=True)
    assert waiting["status"] == "retrying" and waiting["attempts"] == 1 and waiting["last_error"]
    assert alerts.deliver_due(db, now=NOW + timedelta(seconds=30)).failed == []  # not due before 1 minute
    moments = [NOW + timedelta(minutes=minutes) for minutes in (1, 3, 7, 15, 31, 63, 127)]
    for moment in moments:
        assert len(alerts.deliver_due(db, now=moment).failed) == 1
    [given_up] = alerts.deliveries(db, unsent_only=True)
    assert given_up["status"] == "failed" and given_up["attempts"] == alerts.ATTEMPTS
    row = next(row for row in alerts.history(db) if row["alert"] == "Dead mail")
    assert row["failed"] == 1 and row["last_error"]
    assert alerts.retry_failed(db) == 1
    assert alerts.deliveries(db, unsent_only=True)[0]["status"] == "pending"


def test_a_broken_search_never_stops_the_other_alerts_or_the_scheduler(db, tmp_path, webhook, monkeypatch):
    torkham_search(db)
    alerts.add(db, "Good", "Torkham", "new_articles", [webhook.url()])
    search_id, _ = store.save_search(db, "Broken", "period=fortnight&q=border")
    store.add_alert(db, name="Bad", search_id=search_id, kind="new_articles", settings="{}",
                    targets=webhook.url(), every_seconds=0, reported_up_to=0)  # fmt: skip
    ingest(db, tmp_path, calm_history(days=2))
    summary = alerts.run_all(db, now=NOW)
    assert [name for name, _ in summary.fired] == ["Good"]
    assert summary.errors[0][0] == "Bad" and "unknown period 'fortnight'" in summary.errors[0][1]
    assert "cannot be read: unknown period 'fortnight'" in alerts.get(db, "Bad").last_error

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(alerts, "run_all", explode)
    monitoring_cli.run_after_pass(db)  # the scheduler's hook reports and carries on


def test_cli_alerts_add_run_history_test(db_path, db, tmp_path, webhook):
    runner = CliRunner()
    torkham_search(db)
    broken = runner.invoke(app, ["alerts", "add", "T", "--search", "Torkham", "--notify", "slack://"])
    assert broken.exit_code == 2 and "not a notification URL apprise can use" in broken.output
    added = runner.invoke(app, ["alerts", "add", "T", "--search", "Torkham", "--notify", webhook.url()])
    assert added.exit_code == 0, added.output
    tested = runner.invoke(app, ["alerts", "test", "T"])
    assert tested.exit_code == 0 and "sent: json://127.0.0.1" in tested.output
    assert webhook.received[-1]["title"] == "newsmon test: T"
    ingest(db, tmp_path, calm_history(days=2))
    ran = runner.invoke(app, ["alerts", "run", "--base-url", BASE])
    assert ran.exit_code == 0, ran.output
    assert "fired: T: 2 new articles, 1 story" in ran.output and "messages sent: 1" in ran.output
    history = runner.invoke(app, ["alerts", "history"])
    assert "why: 2 new articles in 1 story match" in history.output and f"{BASE}/articles" in history.output
    listed = runner.invoke(app, ["alerts", "list"])
    assert "T: new articles on 'Torkham'" in listed.output
