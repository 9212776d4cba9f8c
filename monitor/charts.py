"""The dashboard's charts: rows from monitor.trends in, plotly figures out, with the colours every chart shares.
No Streamlit and no SQL here: pages fetch the rows, call these and draw the figure.

Figures are built from plotly.graph_objects traces with explicit hover templates: plotly express took about eight
times the CPU per figure (bench/charts.py) and a quarter of a second to import, which a cold page paid. Text
from the data (labels, search terms) goes through chart_text, since plotly draws the HTML tags it finds in
names, tick labels and hover text. Colours are explicit, so Streamlit's theme keeps each value's colour. Each
figure is made in one go from its traces and layout as dicts, which go.Figure validates once (a go.Bar passed to
it is validated twice; plotly's update_* calls cost more than the traces); long arrays are numpy arrays, which
plotly validates without walking them.
A figure is not worth caching: a cache hit unpickles it, which validates it again and takes as long."""

from __future__ import annotations

import zlib

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from monitor import labels
from monitor.reader import chart_text

MIN_SCORED = 5  # a mean sentiment over fewer scored articles is shown faded or left off the map
# The world map's shapes are served by this app (static/topojson), not fetched from plotly's CDN.
MAP_CONFIG = {"topojsonURL": "/app/static/topojson/"}
PALETTE = qualitative.Alphabet + qualitative.Dark24
LINE_COLOUR = qualitative.Plotly[0]  # a single series (mean sentiment), as plotly express drew it
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


def hover(*lines: str) -> str:
    """A hover template of these lines, without the trace name box beside it."""
    return "<br>".join(lines) + "<extra></extra>"


def layout(title: str, *, x_title: str | None = None, y_title: str | None = None, **more) -> dict:
    """Every chart the same way: a title, axis titles, a legend under the chart that does not hide the data,
    hover labels with whole names. `more`: the chart's own layout (xaxis and yaxis get the titles)."""
    shared = {
        "title": {"text": title},
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "title": {"text": None}},
        "hoverlabel": {"namelength": -1},
    }
    for axis, axis_title in (("xaxis", x_title), ("yaxis", y_title)):
        if axis_title is not None:
            more[axis] = {**more.get(axis, {}), "title": {"text": axis_title}}
    return shared | more


# ---- Overview --------------------------------------------------------------------------------------------


def volume_figure(rows: list[dict], by: str, as_share: bool, interval: str) -> go.Figure:
    """Stacked bars of trends.share_over_time rows, one trace per value (in the rows' order) in its colour; a
    bar's customdata[0] is its value (what a click on it filters by)."""
    series: dict[str, dict] = {}
    for row in rows:
        values = series.setdefault(row["value"], {"period": [], "y": [], "customdata": []})
        values["period"].append(row["period"])
        values["y"].append(row["share"] if as_share else row["articles"])
        values["customdata"].append((row["value"], row["articles"], row["total"], row["share"]))
    if as_share:
        shown = ("share=%{y:.1%}", "articles=%{customdata[1]}", "All articles=%{customdata[2]}")
    else:
        shown = ("articles=%{y}", "All articles=%{customdata[2]}", "share=%{customdata[3]:.1%}")
    traces = []
    for value, values in series.items():
        name = chart_text(labels.label(by, value) if value != "other" else "Other")
        traces.append(
            {
                "type": "bar", "x": values["period"], "y": np.array(values["y"]), "name": name, "showlegend": True,
                "customdata": np.array(values["customdata"], dtype=object), "marker": {"color": colour(value)},
                "hovertemplate": hover(f"{by.capitalize()}={name}", f"{interval.capitalize()}=%{{x}}", *shown),
            }
        )  # fmt: skip
    y_axis = {"tickformat": ".0%"} if as_share else {}
    return go.Figure(
        traces,
        layout(
            f"Articles per {interval} by {by}, once per tag", x_title="",
            y_title="Share of all articles" if as_share else "Articles", yaxis=y_axis, barmode="relative",
        ),
    )  # fmt: skip


def sentiment_figure(scored: list[dict], interval: str) -> go.Figure:
    """Mean sentiment per period (trends.sentiment_over_time rows with a mean) over a dotted zero line."""
    line = dict(
        type="scatter",
        x=[row["period"] for row in scored],
        y=[row["mean_sentiment"] for row in scored],
        customdata=np.array([(row["scored_articles"], row["articles"]) for row in scored]),
        mode="lines+markers",
        line_color=LINE_COLOUR,
        showlegend=False,
        hovertemplate=hover(
            f"{interval.capitalize()}=%{{x}}",
            "Mean sentiment=%{y:.3f}",
            "Scored articles=%{customdata[0]}",
            "All articles=%{customdata[1]}",
        ),
    )
    zero = {
        "type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": 0, "y1": 0,
        "line": {"color": "#888", "dash": "dot"},
    }  # fmt: skip
    title = f"Mean sentiment per {interval} (VADER, −1 to 1)"
    return go.Figure(
        [line], layout(title, x_title="", y_title="Mean sentiment", yaxis={"range": [-1, 1]}, shapes=[zero])
    )


def map_figure(rows: list[dict], measure: str) -> tuple[go.Figure, int]:
    """The world map of trends.totals(..., "country") rows by ISO alpha-3 (a point's location), and how many
    countries it shows: for the mean sentiment, those with MIN_SCORED scored articles or more."""
    sentiment = measure == "mean_sentiment"
    mapped = [
        (iso3, row)
        for row in rows
        if (iso3 := labels.country_alpha3(row["value"]))
        and (not sentiment or (row["sentiment_n"] >= MIN_SCORED and row["mean_sentiment"] is not None))
    ]
    if sentiment:
        colours_of = {"colorscale": "RdBu", "zmin": -0.5, "zmax": 0.5, "colorbar_title_text": "Mean sentiment"}
        shown = ("Articles=%{customdata[0]}", "Mean sentiment=%{z:.3f}")
    else:
        colours_of = {"colorscale": "Blues", "colorbar_title_text": "Articles"}
        shown = ("Articles=%{z}", "Mean sentiment=%{customdata[1]:.3f}")
    countries = dict(
        type="choropleth",
        locations=[iso3 for iso3, _ in mapped],
        z=[row[measure] for _, row in mapped],
        hovertext=[chart_text(labels.label("country", row["value"])) for _, row in mapped],
        customdata=[(row["articles"], row["mean_sentiment"], row["sentiment_n"]) for _, row in mapped],
        hovertemplate=hover("<b>%{hovertext}</b><br>", *shown, "Scored articles=%{customdata[2]}"),
        **colours_of,
    )
    world = {
        "showframe": False, "projection": {"type": "natural earth"}, "showland": True, "landcolor": "#eeeeee",
        "lataxis": {"range": [-58, 85]},
    }  # fmt: skip
    title = "Mean sentiment of articles about each country" if sentiment else "Articles about each country"
    return go.Figure([countries], layout(title, geo=world, height=460)), len(mapped)


def topics_figure(rows: list[dict]) -> go.Figure:
    """Horizontal bars of trends.totals(..., "topic") rows, largest on top, each in its topic's colour; a bar's
    customdata[0] is its slug (what a click on it filters by)."""
    rows = rows[::-1]  # plotly draws the first category at the bottom
    bars = dict(
        type="bar",
        x=[row["articles"] for row in rows],
        y=[chart_text(labels.label("topic", row["value"])) for row in rows],
        orientation="h",
        customdata=[(row["value"], row["mean_sentiment"]) for row in rows],
        marker_color=[colour(row["value"]) for row in rows],
        hovertemplate=hover("Articles=%{x}", "%{y}", "Mean sentiment=%{customdata[1]:.3f}"),
    )
    return go.Figure([bars], layout("Top topics", x_title="Articles", y_title="", showlegend=False))


# ---- Trends ----------------------------------------------------------------------------------------------


def terms_figure(rows: list[dict], terms: list[str], interval: str, normalised: bool) -> go.Figure:
    """One line per term from trends.term_counts rows: articles per period, or per 1,000 of the period's."""
    series: dict[str, dict] = {}
    for row in rows:
        per_1000 = round(1000 * row["articles"] / row["all_articles"], 2) if row["all_articles"] > 0 else None
        values = series.setdefault(row["term"], {"period": [], "y": [], "customdata": []})
        values["period"].append(row["period"])
        values["y"].append(per_1000 if normalised else row["articles"])
        values["customdata"].append((row["articles"], row["all_articles"], per_1000))
    if normalised:
        shown = ("Per 1,000 articles=%{y:.2f}", "Articles=%{customdata[0]}", "All articles=%{customdata[1]}")
    else:
        shown = ("Articles=%{y}", "All articles=%{customdata[1]}", "Per 1,000 articles=%{customdata[2]:.2f}")
    traces = []
    for term, values in series.items():
        name = chart_text(term)
        traces.append(
            {
                "type": "scatter", "mode": "lines+markers", "x": values["period"], "name": name, "showlegend": True,
                "y": np.array(values["y"], dtype=float), "customdata": np.array(values["customdata"], dtype=object),
                "line": {"color": colour(term)},
                "hovertemplate": hover(f"Term={name}", f"{interval.capitalize()}=%{{x}}", *shown),
            }
        )  # fmt: skip
    title = f"Articles matching each term per {interval}" + (" per 1,000 articles" if normalised else "")
    return go.Figure(traces, layout(title, x_title="", y_title="Per 1,000 articles" if normalised else "Articles"))


def heatmap(
    cells: dict[tuple[str, str], float | None], rows: list[str], columns: list[str], titles: tuple[str, str, str],
    **options,
) -> dict:  # fmt: skip
    """A heatmap of cells[(row, column)] (empty where missing), rows top to bottom, hovering each cell's column,
    row and value under titles (column, row, value)."""
    column_title, row_title, value_title = titles
    grid = [[cells.get((row, column)) for column in columns] for row in rows]
    return dict(
        type="heatmap",
        z=np.array(grid, dtype=float if None in cells.values() else None),  # NaN: an empty cell
        x=[chart_text(column) for column in columns],
        y=[chart_text(row) for row in rows],
        colorbar_title_text=value_title,
        hovertemplate=hover(f"{column_title}: %{{x}}", f"{row_title}: %{{y}}", f"{value_title}: %{{z}}"),
        **options,
    )


def topic_heatmap(rows: list[dict], interval: str) -> go.Figure:
    """Articles per topic (rows, largest first) and period (columns) from trends.counts_over_time rows."""
    cells: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (labels.label("topic", row["value"]), row["period"])
        cells[key] = cells.get(key, 0) + row["articles"]
    columns = sorted({period for _, period in cells})
    by_topic: dict[str, int] = {}
    for (topic, _), articles in cells.items():
        by_topic[topic] = by_topic.get(topic, 0) + articles
    topics = sorted(sorted(by_topic), key=by_topic.get, reverse=True)
    cells = {(topic, period): cells.get((topic, period), 0) for topic in topics for period in columns}
    chart = heatmap(cells, topics, columns, (interval.capitalize(), "Topic", "Articles"), colorscale="Blues")
    return go.Figure(
        [chart], layout(f"Articles per topic and {interval}", x_title=interval.capitalize(), y_title="Topic",
                        yaxis={"autorange": "reversed"})
    )  # fmt: skip


def matrix_figure(rows: list[dict], measure: str) -> go.Figure:
    """Countries (rows, as trends.country_topic_matrix orders them) by topics (columns, largest first), each cell
    its articles or mean sentiment (empty under MIN_SCORED scored articles), written in the cell."""
    articles = measure == "articles"
    cells: dict[tuple[str, str], float | None] = {}
    by_topic: dict[str, int] = {}
    for row in rows:
        country, topic = labels.label("country", row["country"]), labels.label("topic", row["topic"])
        if articles:
            cells[country, topic] = row["articles"]
        elif row["sentiment_n"] >= MIN_SCORED:
            cells[country, topic] = row["sentiment_sum"] / row["sentiment_n"]
        by_topic[topic] = by_topic.get(topic, 0) + row["articles"]
    countries = list(dict.fromkeys(labels.label("country", row["country"]) for row in rows))  # as elsewhere
    topics = sorted(sorted(by_topic), key=by_topic.get, reverse=True)
    if articles:
        options = {"colorscale": "Blues", "texttemplate": "%{z:.0f}"}
    else:
        options = {"colorscale": "RdBu", "zmin": -0.5, "zmax": 0.5, "texttemplate": "%{z:.2f}"}
    value_title = "Articles" if articles else "Mean sentiment"
    chart = heatmap(cells, countries, topics, ("Topic", "Country (about)", value_title), **options)
    title = "Articles per country and topic" if articles else "Mean sentiment per country and topic"
    return go.Figure(
        [chart],
        layout(
            f"{title} (15 countries with most articles)", x_title="Topic", y_title="Country (about)",
            xaxis={"tickangle": -35, "side": "bottom"}, yaxis={"autorange": "reversed", "dtick": 1},
            height=220 + 28 * len(countries),
        ),
    )  # fmt: skip


def sentiment_bars(rows: list[dict], dimension: str) -> go.Figure | None:
    """Mean sentiment of each value with a score (trends.totals rows, largest on top), coloured from red to blue,
    faded under MIN_SCORED scored articles. None when no row has a score."""
    scored = [row for row in rows if row["mean_sentiment"] is not None][::-1]  # the first bar is at the bottom
    if not scored:
        return None
    means = [row["mean_sentiment"] for row in scored]
    bars = dict(
        type="bar",
        x=means,
        y=[chart_text(f"{labels.label(dimension, row['value'])} (n={row['sentiment_n']})") for row in scored],
        orientation="h",
        customdata=[(row["sentiment_n"], row["articles"]) for row in scored],
        marker={
            "color": means, "colorscale": "RdBu", "cmin": -0.5, "cmax": 0.5, "showscale": False,
            "opacity": [1.0 if row["sentiment_n"] >= MIN_SCORED else 0.3 for row in scored],
        },
        hovertemplate=hover(
            "Mean sentiment (−1 to 1)=%{x:.3f}", "%{y}", "Scored articles=%{customdata[0]}",
            "Articles=%{customdata[1]}",
        ),
    )  # fmt: skip
    return go.Figure(
        [bars],
        layout(
            f"Mean sentiment by {dimension} (15 with most articles)", x_title="Mean sentiment (−1 to 1)", y_title="",
            xaxis={"range": [-1, 1]}, height=160 + 26 * len(scored),
        ),
    )  # fmt: skip
