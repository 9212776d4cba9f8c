"""Times the monitoring work on a database: the data-quality facts of typical selections, each kind of alert's
evaluation, and a digest. Prints figures; asserts nothing.

    .venv/bin/python bench/monitoring.py --db bench/out/dashboard-1m.db
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

from monitor import alerts, digest, quality, searches, store
from monitor.selection import Selection


def timed(label: str, function, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<58} {best * 1000:8.0f} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    db = store.open_db(args.db)
    (articles,) = db.execute("SELECT count(*) FROM articles").fetchone()
    (last,) = db.execute("SELECT max(published_at) FROM articles").fetchone()
    now = datetime.fromisoformat(last.replace("Z", "+00:00")) + timedelta(minutes=1)
    (country,) = db.execute(
        "SELECT value FROM daily_counts WHERE dimension = 'country' GROUP BY value ORDER BY sum(articles) DESC LIMIT 1"
    ).fetchone()
    print(f"{args.db}: {articles:,} articles, 'now' = {now:%Y-%m-%d %H:%M} UTC (just after the newest)")
    selections = {
        "last 30 days": Selection(period="30d"),
        "last 7 days": Selection(period="7d"),
        f"last 30 days, about {country}": Selection(period="30d", lists={"country": (country,)}),
        "last 30 days, search 'border'": Selection(period="30d", query="border"),
        "all time": Selection(period="all"),
    }
    for label, chosen in selections.items():
        filters = chosen.filters(today=now.date(), now=now)
        timed(f"data quality, {label}", lambda filters=filters: quality.check(db, filters, now=now))

    saved, _ = searches.save(db, "bench: country", Selection(period="7d", lists={"country": (country,)}))
    broad, _ = searches.save(db, "bench: everything", Selection(period="7d"))
    for search in (saved, broad):
        for kind in ("new_articles", "volume_spike", "sentiment_shift"):
            alert, _ = alerts.add(db, f"bench {kind} {search.id}", search.name, kind, ["json://127.0.0.1:9/bench"])
            alert = alerts.get(db, str(alert.id))
            alert = alerts.Alert(**{**alert.__dict__, "reported_up_to": 0 if kind == "new_articles" else 0})
            if kind == "new_articles":  # the last day's articles are new to it
                (mark,) = db.execute("SELECT min(id) FROM articles WHERE published_at >= ?",
                                     [(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")]).fetchone()  # fmt: skip
                alert = alerts.Alert(**{**alert.__dict__, "reported_up_to": (mark or 1) - 1})
            timed(f"alert {kind}, {search.name}", lambda alert=alert: alerts.evaluate(db, alert, now=now))
        timed(f"weekly digest, {search.name}", lambda search=search: digest.build(
            db, search, since=now - timedelta(days=7), until=now, now=now), repeat=1)  # fmt: skip
    for name in [alert.name for alert in alerts.all_alerts(db) if alert.name.startswith("bench ")]:
        alerts.remove(db, name)
    for search in (saved, broad):
        searches.remove(db, search.name)


if __name__ == "__main__":
    main()
