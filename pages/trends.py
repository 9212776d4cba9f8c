"""Trends: terms compared over time, topic heatmap, country-by-topic matrix, sentiment by country and topic,
rising keywords with their daily counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from monitor import dashboard as ui
from monitor import labels, quality_view, trends
from monitor.queries import QueryError
from monitor.reader import chart_text, escape_markdown

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
        counts["per_1000"] = (
            1000 * counts["articles"] / counts["all_articles"].where(counts["all_articles"] > 0)
        ).round(2)
        y = "per_1000" if normalised else "articles"
        counts["term"] = [chart_text(term) for term in counts["term"]]
        term_colours = {chart_text(term): colour for term, colour in ui.colours(terms).items()}
        chart = px.line(
            counts, x="period", y=y, color="term", markers=True, color_discrete_map=term_colours,
            hover_data={"articles": True, "all_articles": True, "per_1000": ":.2f"},
            labels={"articles": "Articles", "per_1000": "Per 1,000 articles", "all_articles": "All articles",
                    "term": "Term", "period": interval.capitalize()},
        )  # fmt: skip
        title = f"Articles matching each term per {interval}" + (" per 1,000 articles" if normalised else "")
        st.plotly_chart(
            ui.figure_defaults(
                chart, title=title, y_title="Per 1,000 articles" if normalised else "Articles", x_title=""
            ),
            key="trends_terms_chart",
        )
else:
    st.caption("Type a few terms to compare how often they appear over time.")

st.subheader("Topics over time")
by_topic = pd.DataFrame(ui.cached(trends.counts_over_time, view.filters, by="topic", interval=interval))
if by_topic.empty:
    st.info("No topic tags in this selection.")
else:
    by_topic["topic"] = [labels.label("topic", slug) for slug in by_topic["value"]]
    grid = by_topic.pivot_table(index="topic", columns="period", values="articles", aggfunc="sum", fill_value=0)
    grid = grid.loc[grid.sum(axis=1).sort_values(ascending=False).index]
    chart = px.imshow(
        grid, aspect="auto", color_continuous_scale="Blues",
        labels={"x": interval.capitalize(), "y": "Topic", "color": "Articles"},
    )  # fmt: skip
    st.plotly_chart(ui.figure_defaults(chart, title=f"Articles per topic and {interval}"), key="trends_topic_heatmap")

st.subheader("Countries × topics")
matrix = pd.DataFrame(ui.cached(trends.country_topic_matrix, view.filters, countries_limit=15))
measure = st.segmented_control(
    "Show", ["articles", "mean_sentiment"], default="articles", key="trends_matrix_measure", bind="query-params",
    format_func={"articles": "Articles", "mean_sentiment": "Mean sentiment"}.get,
) or "articles"  # fmt: skip
if matrix.empty:
    st.info("No article in this selection has both a country and a topic tag.")
else:
    matrix["country"] = [labels.label("country", code) for code in matrix["country"]]
    matrix["topic_name"] = [labels.label("topic", slug) for slug in matrix["topic"]]
    matrix["mean_sentiment"] = matrix["sentiment_sum"] / matrix["sentiment_n"].where(
        matrix["sentiment_n"] >= ui.MIN_SCORED
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
    st.plotly_chart(ui.figure_defaults(chart, title=f"{title} (15 countries with most articles)"), key="trends_matrix")
    if not articles:
        st.caption(f"Empty cells: fewer than {ui.MIN_SCORED} scored (English) articles.")

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
rows = pd.DataFrame(ui.cached(trends.totals, view.filters, dimension, limit=15))
scored = rows.dropna(subset=["mean_sentiment"]) if not rows.empty else rows
if scored.empty:
    st.info("No scored article in this selection (only English articles get a sentiment score).")
else:
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
    chart.update_traces(marker_opacity=[1.0 if n >= ui.MIN_SCORED else 0.3 for n in scored["sentiment_n"]])
    chart.update_xaxes(range=[-1, 1])
    chart.update_layout(height=160 + 26 * len(scored), coloraxis_showscale=False)
    st.plotly_chart(
        ui.figure_defaults(chart, title=f"Mean sentiment by {dimension} (15 with most articles)"),
        key="trends_sentiment",
    )
    st.caption(f"n: scored articles behind each mean. Faded: fewer than {ui.MIN_SCORED}, too few to compare.")

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
