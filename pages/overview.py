"""Overview: headline figures, volume and sentiment over time, the map, top topics, rising keywords, stories."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from monitor import charts, labels, trends
from monitor import dashboard as ui

HEADLINE_FIGURES = (  # key of trends.headline, label, number format, what it counts
    ("articles", "Articles", "{:,}", "Articles in the selection."),
    ("stories", "Stories", "{:,}", "Stories that started in the selection: those whose first article matches the "
     "filters (wire copies and rewrites of one story count once; a story that started earlier does not count)."),
    ("sources", "Sources", "{:,}", "Sources with articles in the selection."),
    ("countries", "Countries", "{:,}", "Countries the selection's articles are about."),
    ("mean_sentiment", "Mean sentiment", "{:+.3f}", "Mean VADER compound score of the scored (English) articles."),
)  # fmt: skip


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
    "title": st.column_config.TextColumn("Story (first headline)", width=330),
    "articles": st.column_config.NumberColumn("Articles", width="small"),
    "sources": st.column_config.NumberColumn("Sources", width="small"),
    "last_seen": st.column_config.TextColumn("Latest", width=110, help="Newest article, your time zone"),
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


def open_bar(by: str) -> None:
    """A bar of the stacked volume: the articles of its day (or week) with its topic or country."""
    point = ui.picked_point("overview_volume")
    if point and point.get("customdata"):
        first = date.fromisoformat(str(point["x"])[:10])
        last = first + timedelta(days=6 if interval == "week" else 0)
        value = point["customdata"][0]
        ui.drill_down(days=(first, last), **({by: value} if value != trends.OTHER else {}))


def open_country(codes: dict[str, str]) -> None:
    if (point := ui.picked_point("overview_choropleth")) and point.get("location") in codes:
        ui.drill_down(country=codes[point["location"]])


def open_topic() -> None:
    if (point := ui.picked_point("overview_topics")) and point.get("customdata"):
        ui.drill_down(topic=point["customdata"][0])


def open_story(stories: list[dict]) -> None:
    """A story: the reader on its first article, which lists the others."""
    if (row := ui.picked_point("overview_stories")) is not None:
        ui.drill_down(params={"article": str(stories[row]["story_id"])})


def stack_options(by: str) -> dict:
    """The stacked chart's values: the topics (countries) of the filter when there is one, else the 8 largest."""
    chosen = view.filters.topics if by == "topic" else view.filters.countries
    return {"by": by, "interval": interval, **({"values": chosen} if chosen else {"limit": 8})}


view = ui.page_view("Overview")
st.caption(ui.describe(view))
interval = ui.interval(view)
by = st.session_state.get("overview_by") or "topic"  # the widget's value from the rerun it triggered
ui.prefetch(
    [
        (trends.headline, (view.filters,), {}),
        (trends.share_over_time, (view.filters,), stack_options(by)),
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
for column, (key, name, fmt, meaning) in zip(columns, HEADLINE_FIGURES, strict=True):
    figure = figures[key]
    ui.headline_figure(
        column,
        key,
        name,
        fmt.format(figure.value) if figure.value is not None else "–",
        change_text(figure),
        f"{meaning} {previous_text(figure, fmt)}",
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
    rows = ui.cached(trends.share_over_time, view.filters, **stack_options(by))
    if not rows:
        st.info(f"No {by} tags in this selection.")
    else:
        note = {
            "country": "an article about two countries counts in both",
            "topic": "an article on two topics counts in both",
        }
        caption = f"Bars count tags, not articles: {note[by]}, so a day's bar can be taller than its article count."
        st.plotly_chart(
            charts.volume_figure(rows, by, as_share, interval),
            key="overview_volume",
            on_select=lambda: open_bar(by),
            selection_mode="points",
        )
        st.caption(caption)
with right:
    sentiment = ui.cached(trends.sentiment_over_time, view.filters, interval=interval)
    scored = [row for row in sentiment if row["mean_sentiment"] is not None]
    if not scored:
        st.info("No article in this selection has a sentiment score (only English articles are scored).")
    else:
        st.plotly_chart(charts.sentiment_figure(scored, interval), key="overview_sentiment")

left, right = st.columns([3, 2])
with left:
    measure = st.segmented_control(
        "Map", ["articles", "mean_sentiment"], default="articles", key="overview_map", bind="query-params",
        format_func={"articles": "Article count", "mean_sentiment": "Mean sentiment"}.get,
    ) or "articles"  # fmt: skip
    countries = ui.cached(trends.totals, view.filters, "country")
    if not countries:
        st.info("No country tags in this selection.")
    else:
        chart, mapped = charts.map_figure(countries, measure)
        codes = {labels.country_alpha3(row["value"]): row["value"] for row in countries}
        st.plotly_chart(
            chart, key="overview_choropleth", config=charts.MAP_CONFIG, on_select=lambda: open_country(codes),
            selection_mode="points",
        )  # fmt: skip
        if measure == "mean_sentiment":
            left_off = len(countries) - mapped
            st.caption(
                f"Countries with fewer than {charts.MIN_SCORED} scored (English) articles are left grey"
                + (f" ({left_off} in this selection)." if left_off else ".")
                + " Hover a country for the number of scored articles."
            )
with right:
    topics = ui.cached(trends.totals, view.filters, "topic", limit=12)
    if not topics:
        st.info("No topic tags in this selection.")
    else:
        st.plotly_chart(
            charts.topics_figure(topics), key="overview_topics", on_select=open_topic, selection_mode="points"
        )

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
    st.dataframe(
        stories_table(stories), hide_index=True, key="overview_stories", column_config=STORY_COLUMNS,
        on_select=lambda: open_story(stories), selection_mode="single-row",
    )  # fmt: skip
    st.caption("Pick a country on the map, a bar or a story to open its articles.")
