"""Rising keywords and trend queries over a small generated history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from monitor import trends
from monitor.cli import app
from monitor.queries import Filters

NOW = datetime(2025, 11, 20, 12, tzinfo=UTC)

ROUTINE = [
    ("Provincial budget debate continues", "Lawmakers in Lahore debated the provincial budget again, and the finance committee reviewed spending on schools and hospitals."),
    ("Cricket board names new selectors", "The cricket board named three new selectors in Karachi before the home series, and the captain welcomed the choice."),
    ("Wheat harvest expected to rise", "Farmers in Punjab expect a larger wheat harvest this year after good rains, the agriculture department said."),
]
EMERGING = (
    "Landslide blocks Karakoram Highway near Gilgit",
    "A landslide blocked the Karakoram Highway near Gilgit, stranding hundreds of travellers as rescue teams worked to clear the Karakoram Highway.",
)


def write_history(path) -> None:
    rows = []
    for days_ago in range(1, 30):
        day = NOW - timedelta(days=days_ago)
        for n, (title, body) in enumerate(ROUTINE):
            rows.append({"url": f"https://history.example/{days_ago}/{n}", "title": f"{title} ({days_ago})",
                         "body": f"{body} Report {days_ago}-{n}.", "published_at": day.isoformat(), "source": "Daily"})
    for n in range(6):  # the last day: a new story everybody covers
        rows.append({"url": f"https://history.example/now/{n}", "title": f"{EMERGING[0]} ({n})",
                     "body": f"{EMERGING[1]} Update {n}.", "published_at": (NOW - timedelta(hours=n)).isoformat(),
                     "source": f"Outlet {n}"})
    path.write_text("\n".join(json.dumps(row) for row in rows))


def test_rising_keywords_surface_the_new_story_only(db, tmp_path):
    write_history(tmp_path / "history.jsonl")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "history.jsonl")])
    assert result.exit_code == 0, result.output
    rising = trends.rising_keywords(db, now=NOW, recent_days=1, baseline_days=28)
    words = [term.keyword for term in rising]
    assert any("Karakoram" in word or "Gilgit" in word or "landslide" in word.lower() for word in words[:3]), words
    assert not any("budget" in word.lower() or "selectors" in word.lower() for word in words)
    top = rising[0]
    assert top.recent >= 3 and top.g2 > trends.SIGNIFICANT_G2 and top.recent > top.expected
    # The same question asked through the filtered-articles path gives the same answer.
    assert trends.rising_keywords(db, Filters(languages=("en",)), now=NOW, recent_days=1, baseline_days=28) == rising


def test_sentiment_over_time_carries_the_count_behind_each_point(db, tmp_path):
    write_history(tmp_path / "history.jsonl")
    CliRunner().invoke(app, ["ingest", str(tmp_path / "history.jsonl")])
    points = trends.sentiment_over_time(db, Filters(since=NOW - timedelta(days=3)))
    assert [point["articles"] for point in points] == [3, 3, 3, 6]  # 17th (from noon: whole day in rollups) to 20th
    assert all(point["scored_articles"] == point["articles"] for point in points)
    assert all(-1 <= point["mean_sentiment"] <= 1 for point in points)
    weekly = trends.counts_over_time(db, Filters(), interval="week")
    assert sum(row["articles"] for row in weekly) == 29 * 3 + 6
    assert all(datetime.fromisoformat(row["period"]).weekday() == 0 for row in weekly)  # weeks named by Monday
