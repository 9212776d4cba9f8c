"""Overview: headline figures, volume and sentiment over time, the map, top topics, rising keywords, stories."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from monitor import dashboard as ui
from monitor import labels, trends

HEADLINE_FIGURES = (  # key of trends.headline, label, number format
    ("articles", "Articles", "{:,}"),
    ("stories", "Stories", "{:,}"),
    ("sources", "Sources", "{:,}"),
    ("countries", "Countries", "{:,}"),
    ("mean_sentiment", "Mean sentiment", "{:+.3f}"),
)


def change_text(figure) -> str | None:
    """'+12%' against the previous period, or the absolute change for sentiment-like figures near zero."""
    if figure.value is None or figure.previous is None:
        return None
    if isinstance(figure.value, float):
        return f"{figure.value - figure.previous:+.3f}"
    if not figure.previous:
        return "new" if figure.value else None
    return f"{(figure.value - figure.previous) / figure.previous:+.0%}"


def previous_text(figure, fmt: str) -> str:
    if figure.previous is None:
        return "No previous period to compare with (the selection has no start date)."
    return f"Previous period of the same length: {fmt.format(figure.previous)}"


STORY_COLUMNS = {
    "title": st.column_config.TextColumn("Story (first headline)", width="large"),
    "articles": st.column_config.NumberColumn("Articles", width="small"),
    "sources": st.column_config.NumberColumn("Sources", width="small"),
    "last_seen": st.column_config.TextColumn("Latest", width="small", help="Newest article, your time zone"),
}


def stories_table(stories: list[dict]) -> list[dict]:
    return [
        {
            "title": story["title"],
            "articles": story["articles"],
            "sources": story["sources"],
            "last_seen": ui.local_time(story["last_seen"])[5:],  # MM-DD HH:MM: the year is the selection's
        }
        for story in stories
    ]


view = ui.page_view()
st.title("Overview")
st.caption(ui.describe(view))
interval = ui.interval(view)
by = st.session_state.get("overview_by") or "topic"  # the widget's value from the rerun it triggered
ui.prefetch(
    [
        (trends.headline, (view.filters,), {}),
        (trends.share_over_time, (view.filters,), {"by": by, "interval": interval, "limit": 8}),
        (trends.sentiment_over_time, (view.filters,), {"interval": interval}),
        (trends.totals, (view.filters, "country"), {}),
        (trends.totals, (view.filters, "topic"), {"limit": 12}),
        (trends.rising_keywords, (view.filters,), {"now": ui.anchor(view)}),
        (trends.latest_stories, (view.filters,), {"limit": 10}),
    ]
)

figures = ui.cached(trends.headline, view.filters)
if not figures["articles"].value:
    ui.empty_state(view)
    st.stop()

columns = st.columns(5)
for column, (key, name, fmt) in zip(columns, HEADLINE_FIGURES, strict=True):
    figure = figures[key]
    column.metric(
        name,
        fmt.format(figure.value) if figure.value is not None else "–",
        delta=change_text(figure),
        help=previous_text(figure, fmt),
        border=True,
    )

left, right = st.columns([3, 2])
with left:
    controls = st.columns([2, 1])
    by = (
        controls[0].segmented_control(
            "Stack by",
            ["topic", "country"],
            default="topic",
            key="overview_by",
            format_func=str.capitalize,
            bind="query-params",
        )
        or "topic"
    )
    as_share = controls[1].toggle("Share of all articles", key="overview_share", bind="query-params")
    rows = ui.cached(trends.share_over_time, view.filters, by=by, interval=interval, limit=8)
    volume = pd.DataFrame(rows)
    if volume.empty:
        st.info(f"No {by} tags in this selection.")
    else:
        name = {value: labels.label(by, value) if value != "other" else "Other" for value in volume["value"].unique()}
        volume["name"] = volume["value"].map(name)
        colour_by_name = {name[value]: ui.colour(value) for value in name}
        y, y_title = ("share", "Share of all articles") if as_share else ("articles", "Articles")
        chart = px.bar(
            volume, x="period", y=y, color="name", color_discrete_map=colour_by_name,
            hover_data={"articles": True, "total": True, "share": ":.1%", "period": True, "name": True},
            labels={"name": by.capitalize(), "period": interval.capitalize(), "total": "All articles"},
        )  # fmt: skip
        if as_share:
            chart.update_yaxes(tickformat=".0%")
        note = " (an article about two countries counts in both)" if by == "country" else ""
        st.plotly_chart(
            ui.figure_defaults(chart, title=f"Articles per {interval} by {by}{note}", y_title=y_title, x_title=""),
            key="overview_volume",
        )
with right:
    sentiment = pd.DataFrame(ui.cached(trends.sentiment_over_time, view.filters, interval=interval))
    scored = sentiment.dropna(subset=["mean_sentiment"]) if not sentiment.empty else sentiment
    if scored.empty:
        st.info("No article in this selection has a sentiment score (only English articles are scored).")
    else:
        chart = px.line(
            scored, x="period", y="mean_sentiment", markers=True,
            hover_data={"scored_articles": True, "articles": True, "mean_sentiment": ":.3f"},
            labels={"mean_sentiment": "Mean sentiment", "scored_articles": "Scored articles",
                    "articles": "All articles", "period": interval.capitalize()},
        )  # fmt: skip
        chart.add_hline(y=0, line_dash="dot", line_color="#888")
        chart.update_yaxes(range=[-1, 1])
        st.plotly_chart(
            ui.figure_defaults(chart, title=f"Mean sentiment per {interval} (VADER, −1 to 1)", x_title=""),
            key="overview_sentiment",
        )

left, right = st.columns([3, 2])
with left:
    measure = st.segmented_control(
        "Map", ["articles", "mean_sentiment"], default="articles", key="overview_map", bind="query-params",
        format_func={"articles": "Article count", "mean_sentiment": "Mean sentiment"}.get,
    ) or "articles"  # fmt: skip
    countries = pd.DataFrame(ui.cached(trends.totals, view.filters, "country"))
    if countries.empty:
        st.info("No country tags in this selection.")
    else:
        countries["iso3"] = [labels.country_alpha3(code) for code in countries["value"]]
        countries["country"] = [labels.label("country", code) for code in countries["value"]]
        mapped = countries.dropna(subset=["iso3"])
        if measure == "mean_sentiment":
            mapped = mapped.dropna(subset=["mean_sentiment"])
        chart = px.choropleth(
            mapped, locations="iso3", color=measure, hover_name="country",
            hover_data={"iso3": False, "articles": True, "mean_sentiment": ":.3f", "sentiment_n": True},
            color_continuous_scale="RdBu" if measure == "mean_sentiment" else "Blues",
            range_color=(-0.5, 0.5) if measure == "mean_sentiment" else None,
            labels={"articles": "Articles", "mean_sentiment": "Mean sentiment", "sentiment_n": "Scored articles"},
        )  # fmt: skip
        chart.update_geos(
            showframe=False,
            projection_type="natural earth",
            showland=True,
            landcolor="#eeeeee",
            lataxis_range=[-58, 85],
        )
        chart.update_layout(height=460)
        title = (
            "Articles about each country" if measure == "articles" else "Mean sentiment of articles about each country"
        )
        st.plotly_chart(ui.figure_defaults(chart, title=title), key="overview_choropleth", config=ui.MAP_CONFIG)
with right:
    topics = pd.DataFrame(ui.cached(trends.totals, view.filters, "topic", limit=12))
    if topics.empty:
        st.info("No topic tags in this selection.")
    else:
        topics["topic"] = [labels.label("topic", slug) for slug in topics["value"]]
        chart = px.bar(
            topics.iloc[::-1], x="articles", y="topic", orientation="h", color="value",
            color_discrete_map=ui.colours(topics["value"]),
            hover_data={"value": False, "mean_sentiment": ":.3f"},
            labels={"articles": "Articles", "topic": "", "mean_sentiment": "Mean sentiment"},
        )  # fmt: skip
        chart.update_layout(showlegend=False)
        st.plotly_chart(ui.figure_defaults(chart, title="Top topics"), key="overview_topics")

left, right = st.columns([2, 3])
with left:
    st.subheader("Rising keywords", help="Keywords whose share in the last 2 days is significantly above the 28 before")
    rising = ui.cached(trends.rising_keywords, view.filters, now=ui.anchor(view))
    if not rising:
        st.caption("No keyword is significantly more frequent in the last 2 days than in the 28 before.")
    else:
        st.dataframe(
            ui.rising_table(rising), hide_index=True, key="overview_rising",
            column_config=ui.RISING_COLUMNS, column_order=["keyword", "recent", "baseline", "ratio"],
        )  # fmt: skip
with right:
    st.subheader("Latest stories")
    stories = ui.cached(trends.latest_stories, view.filters, limit=10)
    st.dataframe(stories_table(stories), hide_index=True, key="overview_stories", column_config=STORY_COLUMNS)
