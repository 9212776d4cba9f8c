"""The dashboard's figures (monitor/charts.py): what a click reads, the colours, text from the data kept as text."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import plotly.io

from monitor import charts

ROOT = Path(__file__).resolve().parent.parent


def as_sent(figure) -> dict:
    """The figure as st.plotly_chart sends it to the browser."""
    return json.loads(plotly.io.to_json(figure, validate=False))


def values(data) -> list:
    """An array as plotly sends it: a list, or a typed array in base64."""
    if isinstance(data, dict) and "bdata" in data:
        import base64

        import numpy

        return numpy.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return [value for item in data for value in (values(item) if isinstance(item, list | dict) else [item])]


def empty(value) -> bool:
    return value is None or math.isnan(value)


def volume_row(period: str, value: str, articles: int, total: int) -> dict:
    return {"period": period, "value": value, "articles": articles, "total": total, "share": articles / total}


def test_each_bar_of_the_stacked_volume_carries_its_value_in_its_colour():
    rows = [volume_row(day, value, n, 10) for day in ("2025-01-01", "2025-01-02") for value, n in
            (("conflict", 4), ("economy", 3), ("other", 2))]  # fmt: skip
    figure = as_sent(charts.volume_figure(rows, "topic", False, "day"))
    assert [trace["name"] for trace in figure["data"]] == ["War and armed conflict", "Economy and public finances",
                                                           "Other"]  # fmt: skip
    for trace, value in zip(figure["data"], ("conflict", "economy", "other"), strict=True):
        assert [point[0] for point in trace["customdata"]] == [value, value]  # what a click filters by
        assert trace["marker"]["color"] == charts.colour(value)
        assert trace["x"] == ["2025-01-01", "2025-01-02"]
    assert values(figure["data"][0]["y"]) == [4, 4]
    shares = as_sent(charts.volume_figure(rows, "topic", True, "day"))
    assert values(shares["data"][1]["y"]) == [0.3, 0.3] and shares["layout"]["yaxis"]["tickformat"] == ".0%"
    assert shares["data"][1]["hovertemplate"].startswith("Topic=Economy and public finances<br>Day=%{x}<br>share=")
    one_topic = as_sent(charts.volume_figure(rows[:1], "topic", False, "day"))
    assert one_topic["data"][0]["showlegend"] is True  # a single stack still names its topic, as before


def test_the_top_topics_carry_their_slug_and_the_map_its_iso3_location():
    topics = [{"value": "conflict", "articles": 9, "mean_sentiment": -0.4}, {"value": "sports", "articles": 2,
              "mean_sentiment": 0.3}]  # fmt: skip
    [bars] = as_sent(charts.topics_figure(topics))["data"]
    assert [point[0] for point in bars["customdata"]] == ["sports", "conflict"]  # the largest on top
    countries = [
        {"value": "PK", "articles": 30, "mean_sentiment": -0.2, "sentiment_n": 20},
        {"value": "IN", "articles": 8, "mean_sentiment": 0.1, "sentiment_n": 3},  # too few scored for the mean
    ]
    figure, shown = charts.map_figure(countries, "articles")
    assert as_sent(figure)["data"][0]["locations"] == ["PAK", "IND"] and shown == 2
    figure, shown = charts.map_figure(countries, "mean_sentiment")
    assert as_sent(figure)["data"][0]["locations"] == ["PAK"] and shown == 1


def test_matrix_cells_under_the_minimum_of_scored_articles_are_empty():
    rows = [
        {"country": "PK", "topic": "conflict", "articles": 40, "sentiment_sum": -8.0, "sentiment_n": 20},
        {"country": "PK", "topic": "sports", "articles": 4, "sentiment_sum": 1.0, "sentiment_n": 2},
        {"country": "IN", "topic": "sports", "articles": 9, "sentiment_sum": 3.0, "sentiment_n": 6},
    ]
    [cells] = as_sent(charts.matrix_figure(rows, "mean_sentiment"))["data"]
    assert cells["y"] == ["Pakistan (PK)", "India (IN)"] and cells["x"] == ["War and armed conflict", "Sports"]
    pk_conflict, pk_sport, in_conflict, in_sport = values(cells["z"])
    assert pk_conflict == -0.4 and in_sport == 0.5
    assert empty(pk_sport)  # 2 scored articles: too few for a mean (it showed 0.00 before)
    assert empty(in_conflict)  # no article
    [counts] = as_sent(charts.matrix_figure(rows, "articles"))["data"]
    pk_conflict, pk_sport, in_conflict, in_sport = values(counts["z"])
    assert (pk_conflict, pk_sport, in_sport) == (40, 4, 9) and empty(in_conflict)


def test_text_from_the_data_is_text_in_names_ticks_and_hover():
    term = "<a href='https://evil.example/'>Login</a>"
    rows = [{"period": "2025-01-01", "term": term, "articles": 1, "all_articles": 4}]
    figure = json.dumps(as_sent(charts.terms_figure(rows, [term], "day", False)))
    assert "<a" not in figure and "&lt;a href='https://evil.example/'&gt;Login&lt;/a&gt;" in figure


def test_the_dashboard_does_not_import_plotly_express():
    code = "import sys, monitor.charts, monitor.dashboard; print('plotly.express' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
