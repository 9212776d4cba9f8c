"""The data-quality panel of the Trends page (Streamlit glue over monitor/quality.py): so a dip in a chart can
be told apart from a dead feed."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from monitor import quality
from monitor.dashboard import View, anchor, connect, local_time
from monitor.queries import Filters


@st.cache_data(max_entries=200, show_spinner=False)
def _check(db_path: str, version: str, filters: Filters, now: datetime) -> quality.Quality:
    with connect(db_path) as db:
        return quality.check(db, filters, now=now)


def check(view: View) -> quality.Quality:
    """The selection's data quality, cached on the filters, the data's version and the hour."""
    return _check(view.db_path, view.version, view.filters, anchor(view))


SHARES = (  # Quality field, label, what it means
    ("date_inferred", "Inferred date", "No date in the input: the fetch time stands in (flagged, never guessed)."),
    ("not_scored", "Not scored for tone", "Not English: no VADER score, so they are not in the sentiment means."),
    ("no_country", "No country", "No country scored above the threshold: not in the map or country counts."),
    ("no_topic", "No topic", "No topic scored above its threshold: not in the topic counts."),
)


def panel(view: View) -> None:
    """Shares of articles with gaps, sources failing or silent, days with unusually low volume."""
    found = check(view)
    st.subheader("Data quality")
    if not found.articles:
        st.caption("No articles in the selection.")
        return
    columns = st.columns(len(SHARES))
    for column, (key, label, meaning) in zip(columns, SHARES, strict=True):
        count = getattr(found, key)
        column.metric(label, f"{found.share(count):.0%}", help=f"{meaning} {count:,} of {found.articles:,} articles.")
    problems = [
        {"source": name, "problem": problem, "newest article": ""} for name, problem in found.failing_sources
    ] + [
        {
            "source": source.name,
            "problem": f"silent for {source.silent_hours:.0f} h; usually {source.usual_per_day:.1f} articles a day",
            "newest article": local_time(source.newest, view.timezone),
        }
        for source in found.silent_sources
    ]
    left, right = st.columns(2)
    with left:
        if problems:
            st.dataframe(problems, hide_index=True, key="quality_sources")
        else:
            st.caption("No source of the selection is failing or silent for longer than usual.")
    with right:
        if found.low_days:
            st.dataframe(
                [{"day": d.day, "articles": d.articles, "median day": d.median} for d in found.low_days],
                hide_index=True,
                key="quality_low_days",
            )
        else:
            st.caption("No day with unusually low volume.")
    rules = found.as_dict()["rules"]
    st.caption(f"Silent: {rules['silent']}. Low day: {rules['low_day']}; today is not counted (it is not over).")
