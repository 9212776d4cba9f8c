"""Trends: terms compared over time, topic heatmap, country-by-topic matrix, sentiment by country and topic,
rising keywords with their daily counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import streamlit as st

from monitor import charts, quality_view, trends
from monitor import dashboard as ui
from monitor.queries import QueryError
from monitor.reader import escape_markdown

MAX_TERMS = 6

view = ui.page_view("Trends")
st.caption(ui.describe(view))
interval = ui.interval(view)
terms = [line.strip() for line in st.session_state.get("trends_terms", "").splitlines() if line.strip()][:MAX_TERMS]
ui.prefetch(
    [
        (trends.headline, (view.filters,), {}),
        (trends.counts_over_time, (view.filters,), {"by": "topic", "interval": interval}),
        (trends.country_topic_matrix, (view.filters,), {"countries_limit": 15}),
        (trends.totals, (view.filters, st.session_state.get("trends_sentiment_by") or "country"), {"limit": 15}),
        (trends.rising_keywords, (view.filters,), {"now": ui.anchor(view)}),
    ]
    + [(trends.term_counts, (view.filters, tuple(terms)), {"interval": interval}) for _ in terms[:1]]
)

if not ui.cached(trends.headline, view.filters)["articles"].value:
    ui.empty_state(view)
    st.stop()

st.subheader("Compare terms")
text = st.text_area(
    f"Up to {MAX_TERMS} words or queries, one per line",
    key="trends_terms",
    bind="query-params",
    placeholder="One per line, e.g. ceasefire",
    help='Each line is a search like the sidebar\'s (words, "phrases", OR, NOT, prefix*), counted within the '
    "current filters.",
    height=110,
)
terms = [line.strip() for line in text.splitlines() if line.strip()]
if len(terms) > MAX_TERMS:
    st.warning(f"Only the first {MAX_TERMS} lines are compared.")
    terms = terms[:MAX_TERMS]
if terms:
    normalised = st.toggle(
        "Per 1,000 articles (normalised by the period's volume)", key="trends_normalised", bind="query-params"
    )
    try:
        counts = pd.DataFrame(ui.cached(trends.term_counts, view.filters, tuple(terms), interval=interval))
    except QueryError as error:
        st.error(escape_markdown(str(error)))
        counts = pd.DataFrame()
    matched = counts.groupby("term")["articles"].sum() if not counts.empty else pd.Series(dtype=int)
    missing = [term for term in terms if not matched.get(term, 0)]
    if missing:
        st.caption(
            "No article in the selection matches: " + ", ".join(f"“{escape_markdown(term)}”" for term in missing)
        )
    if counts.empty or len(missing) == len(terms):
        st.info("None of these terms appears in the selected articles.")
    else:
        chart = charts.terms_figure(counts.to_dict("records"), terms, interval, normalised)
        st.plotly_chart(chart, key="trends_terms_chart")
else:
    st.caption("Type a few terms to compare how often they appear over time.")

st.subheader("Topics over time")
by_topic = ui.cached(trends.counts_over_time, view.filters, by="topic", interval=interval)
if not by_topic:
    st.info("No topic tags in this selection.")
else:
    st.plotly_chart(charts.topic_heatmap(by_topic, interval), key="trends_topic_heatmap")

st.subheader("Countries × topics")
matrix = ui.cached(trends.country_topic_matrix, view.filters, countries_limit=15)
measure = st.segmented_control(
    "Show", ["articles", "mean_sentiment"], default="articles", key="trends_matrix_measure", bind="query-params",
    format_func={"articles": "Articles", "mean_sentiment": "Mean sentiment"}.get,
) or "articles"  # fmt: skip
if not matrix:
    st.info("No article in this selection has both a country and a topic tag.")
else:
    st.plotly_chart(charts.matrix_figure(matrix, measure), key="trends_matrix")
    if measure == "mean_sentiment":
        st.caption(f"Empty cells: fewer than {charts.MIN_SCORED} scored (English) articles.")

st.subheader("Sentiment by country and topic")
dimension = (
    st.segmented_control(
        "By",
        ["country", "topic"],
        default="country",
        key="trends_sentiment_by",
        format_func=str.capitalize,
        bind="query-params",
    )
    or "country"
)
chart = charts.sentiment_bars(ui.cached(trends.totals, view.filters, dimension, limit=15), dimension)
if chart is None:
    st.info("No scored article in this selection (only English articles get a sentiment score).")
else:
    st.plotly_chart(chart, key="trends_sentiment")
    st.caption(f"n: scored articles behind each mean. Faded: fewer than {charts.MIN_SCORED}, too few to compare.")

st.subheader("Rising keywords")
rising = ui.cached(trends.rising_keywords, view.filters, now=ui.anchor(view))
if not rising:
    st.caption("No keyword is significantly more frequent in the last 2 days than in the 28 days before.")
else:
    keywords = tuple(term.keyword for term in rising)
    last_day = ui.anchor(view).date()
    first_day = last_day - timedelta(days=29)
    daily = ui.cached(  # whole UTC days, so the rollups answer it
        trends.counts_over_time, replace(view.filters, since=ui.day_start(first_day), until=ui.day_end(last_day)),
        by="keyword", values=keywords,
    )  # fmt: skip
    table = ui.rising_table(rising)
    series = ui.daily_series(daily, keywords, first_day, last_day)
    for row in table:
        row["last_30_days"] = series[row["keyword"]]
    st.dataframe(
        table, hide_index=True, key="trends_rising",
        column_config=ui.RISING_COLUMNS
        | {"last_30_days": st.column_config.LineChartColumn("Articles per day, last 30 days")},
    )  # fmt: skip

quality_view.panel(view)  # so a dip in a chart can be told apart from a dead feed
