"""The dashboard's charts: rows from monitor.trends in, plotly figures out, with the colours every chart shares.
No Streamlit and no SQL here: pages fetch the rows, call these and draw the figure."""

from __future__ import annotations

import zlib

import pandas as pd
import plotly.express as px

from monitor import labels
from monitor.reader import chart_text

MIN_SCORED = 5  # a mean sentiment over fewer scored articles is shown faded or left off the map
# The world map's shapes are served by this app (static/topojson), not fetched from plotly's CDN.
MAP_CONFIG = {"topojsonURL": "/app/static/topojson/"}
PALETTE = px.colors.qualitative.Alphabet + px.colors.qualitative.Dark24
OTHER_COLOUR = "#b0b0b0"


def colour(value: str) -> str:
    """The same colour for the same topic or country on every chart: topics by their place in the taxonomy,
    anything else by a stable hash."""
    if value == "other":
        return OTHER_COLOUR
    slugs = list(labels.topic_labels())
    if value in slugs:
        return PALETTE[slugs.index(value) % len(PALETTE)]
    return PALETTE[zlib.crc32(value.encode()) % len(PALETTE)]


def colours(values) -> dict[str, str]:
    return {value: colour(value) for value in values}


def figure_defaults(figure, *, title: str, y_title: str | None = None, x_title: str | None = None):
    """Every chart the same way: a title, axis titles, a legend that does not hide the data."""
    figure.update_layout(
        title=title,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "title": None},
        hoverlabel={"namelength": -1},
    )
    if y_title is not None:
        figure.update_yaxes(title=y_title)
    if x_title is not None:
        figure.update_xaxes(title=x_title)
    return figure


# ---- Overview --------------------------------------------------------------------------------------------


def volume_figure(rows: list[dict], by: str, as_share: bool, interval: str):
    """Stacked bars of trends.share_over_time rows: one colour per value; a bar's customdata[0] is its value."""
    volume = pd.DataFrame(rows)
    name = {value: labels.label(by, value) if value != "other" else "Other" for value in volume["value"].unique()}
    volume["name"] = volume["value"].map(name)
    colour_by_name = {name[value]: colour(value) for value in name}
    y, y_title = ("share", "Share of all articles") if as_share else ("articles", "Articles")
    chart = px.bar(
        volume, x="period", y=y, color="name", color_discrete_map=colour_by_name, custom_data=["value"],
        hover_data={"articles": True, "total": True, "share": ":.1%", "period": True, "name": True},
        labels={"name": by.capitalize(), "period": interval.capitalize(), "total": "All articles"},
    )  # fmt: skip
    if as_share:
        chart.update_yaxes(tickformat=".0%")
    title = f"Articles per {interval} by {by}, once per tag"
    return figure_defaults(chart, title=title, y_title=y_title, x_title="")


def sentiment_figure(scored: list[dict], interval: str):
    """Mean sentiment per period (trends.sentiment_over_time rows with a mean) over a dotted zero line."""
    chart = px.line(
        pd.DataFrame(scored), x="period", y="mean_sentiment", markers=True,
        hover_data={"scored_articles": True, "articles": True, "mean_sentiment": ":.3f"},
        labels={"mean_sentiment": "Mean sentiment", "scored_articles": "Scored articles",
                "articles": "All articles", "period": interval.capitalize()},
    )  # fmt: skip
    chart.add_hline(y=0, line_dash="dot", line_color="#888")
    chart.update_yaxes(range=[-1, 1])
    return figure_defaults(chart, title=f"Mean sentiment per {interval} (VADER, −1 to 1)", x_title="")


def map_figure(rows: list[dict], measure: str):
    """The world map of trends.totals(..., "country") rows by ISO alpha-3 (a point's location), and how many
    countries it shows: for the mean sentiment, those with MIN_SCORED scored articles or more."""
    countries = pd.DataFrame(rows)
    countries["iso3"] = [labels.country_alpha3(code) for code in countries["value"]]
    countries["country"] = [labels.label("country", code) for code in countries["value"]]
    mapped = countries.dropna(subset=["iso3"])
    if measure == "mean_sentiment":
        mapped = mapped[mapped["sentiment_n"] >= MIN_SCORED].dropna(subset=["mean_sentiment"])
    chart = px.choropleth(
        mapped, locations="iso3", color=measure, hover_name="country",
        hover_data={"iso3": False, "articles": True, "mean_sentiment": ":.3f", "sentiment_n": True},
        color_continuous_scale="RdBu" if measure == "mean_sentiment" else "Blues",
        range_color=(-0.5, 0.5) if measure == "mean_sentiment" else None,
        labels={"articles": "Articles", "mean_sentiment": "Mean sentiment", "sentiment_n": "Scored articles"},
    )  # fmt: skip
    chart.update_geos(
        showframe=False, projection_type="natural earth", showland=True, landcolor="#eeeeee", lataxis_range=[-58, 85]
    )
    chart.update_layout(height=460)
    title = "Articles about each country" if measure == "articles" else "Mean sentiment of articles about each country"
    return figure_defaults(chart, title=title), len(mapped)


def topics_figure(rows: list[dict]):
    """Horizontal bars of trends.totals(..., "topic") rows, largest on top; a bar's customdata[0] is its slug."""
    topics = pd.DataFrame(rows)
    topics["topic"] = [labels.label("topic", slug) for slug in topics["value"]]
    chart = px.bar(
        topics.iloc[::-1], x="articles", y="topic", orientation="h", color="value", custom_data=["value"],
        color_discrete_map=colours(topics["value"]),
        hover_data={"value": False, "mean_sentiment": ":.3f"},
        labels={"articles": "Articles", "topic": "", "mean_sentiment": "Mean sentiment"},
    )  # fmt: skip
    chart.update_layout(showlegend=False)
    return figure_defaults(chart, title="Top topics")


# ---- Trends ----------------------------------------------------------------------------------------------


def terms_figure(rows: list[dict], terms: list[str], interval: str, normalised: bool):
    """One line per term from trends.term_counts rows: articles per period, or per 1,000 of the period's."""
    counts = pd.DataFrame(rows)
    counts["per_1000"] = (1000 * counts["articles"] / counts["all_articles"].where(counts["all_articles"] > 0)).round(2)
    y = "per_1000" if normalised else "articles"
    counts["term"] = [chart_text(term) for term in counts["term"]]
    term_colours = {chart_text(term): colour for term, colour in colours(terms).items()}
    chart = px.line(
        counts, x="period", y=y, color="term", markers=True, color_discrete_map=term_colours,
        hover_data={"articles": True, "all_articles": True, "per_1000": ":.2f"},
        labels={"articles": "Articles", "per_1000": "Per 1,000 articles", "all_articles": "All articles",
                "term": "Term", "period": interval.capitalize()},
    )  # fmt: skip
    title = f"Articles matching each term per {interval}" + (" per 1,000 articles" if normalised else "")
    return figure_defaults(chart, title=title, y_title="Per 1,000 articles" if normalised else "Articles", x_title="")


def topic_heatmap(rows: list[dict], interval: str):
    """Articles per topic (rows, largest first) and period (columns) from trends.counts_over_time rows."""
    by_topic = pd.DataFrame(rows)
    by_topic["topic"] = [labels.label("topic", slug) for slug in by_topic["value"]]
    grid = by_topic.pivot_table(index="topic", columns="period", values="articles", aggfunc="sum", fill_value=0)
    grid = grid.loc[grid.sum(axis=1).sort_values(ascending=False).index]
    chart = px.imshow(
        grid, aspect="auto", color_continuous_scale="Blues",
        labels={"x": interval.capitalize(), "y": "Topic", "color": "Articles"},
    )  # fmt: skip
    return figure_defaults(chart, title=f"Articles per topic and {interval}")


def matrix_figure(rows: list[dict], measure: str):
    """Countries (rows, as trends.country_topic_matrix orders them) by topics (columns, largest first), each cell
    its articles or mean sentiment (empty under MIN_SCORED scored articles), written in the cell."""
    matrix = pd.DataFrame(rows)
    matrix["country"] = [labels.label("country", code) for code in matrix["country"]]
    matrix["topic_name"] = [labels.label("topic", slug) for slug in matrix["topic"]]
    matrix["mean_sentiment"] = matrix["sentiment_sum"] / matrix["sentiment_n"].where(
        matrix["sentiment_n"] >= MIN_SCORED
    )
    grid = matrix.pivot_table(index="country", columns="topic_name", values=measure, aggfunc="sum")
    grid = grid.loc[list(dict.fromkeys(matrix["country"]))]  # by articles about the country, as elsewhere
    grid = grid[matrix.groupby("topic_name")["articles"].sum().sort_values(ascending=False).index]
    articles = measure == "articles"
    chart = px.imshow(
        grid, aspect="auto", text_auto=".0f" if articles else ".2f",
        color_continuous_scale="Blues" if articles else "RdBu", zmin=None if articles else -0.5,
        zmax=None if articles else 0.5,
        labels={"x": "Topic", "y": "Country (about)", "color": "Articles" if articles else "Mean sentiment"},
    )  # fmt: skip
    chart.update_xaxes(tickangle=-35, side="bottom")
    chart.update_yaxes(dtick=1)
    chart.update_layout(height=220 + 28 * len(grid))
    title = "Articles per country and topic" if articles else "Mean sentiment per country and topic"
    return figure_defaults(chart, title=f"{title} (15 countries with most articles)")


def sentiment_bars(rows: list[dict], dimension: str):
    """Mean sentiment of each value with a score (trends.totals rows, largest on top), coloured from red to blue,
    faded under MIN_SCORED scored articles. None when no row has a score."""
    scored = pd.DataFrame(rows)
    scored = scored.dropna(subset=["mean_sentiment"]) if not scored.empty else scored
    if scored.empty:
        return None
    scored = scored.assign(
        name=[
            f"{labels.label(dimension, value)} (n={n})"
            for value, n in zip(scored["value"], scored["sentiment_n"], strict=True)
        ]
    ).iloc[::-1]
    chart = px.bar(
        scored, x="mean_sentiment", y="name", orientation="h", color="mean_sentiment",
        color_continuous_scale="RdBu", range_color=(-0.5, 0.5),
        hover_data={"sentiment_n": True, "articles": True, "mean_sentiment": ":.3f"},
        labels={"mean_sentiment": "Mean sentiment (−1 to 1)", "name": "", "sentiment_n": "Scored articles",
                "articles": "Articles"},
    )  # fmt: skip
    chart.update_traces(marker_opacity=[1.0 if n >= MIN_SCORED else 0.3 for n in scored["sentiment_n"]])
    chart.update_xaxes(range=[-1, 1])
    chart.update_layout(height=160 + 26 * len(scored), coloraxis_showscale=False)
    return figure_defaults(chart, title=f"Mean sentiment by {dimension} (15 with most articles)")
