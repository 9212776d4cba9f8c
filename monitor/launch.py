"""`python -m monitor.launch run app.py ...`: Streamlit's own command line (the `streamlit` command), with what
the dashboard's first run needs loaded before the server starts.

Streamlit imports a page's modules in its first script run, after the first browser has connected: the first visit
after a start (the one `newsmon serve` opens) waited about a second more than the next ones for pandas, plotly
and the figures' validators (README, Speed). Only modules without Streamlit caches are loaded here: a cache
created before Streamlit's runtime would not be the runtime's.
"""

from __future__ import annotations

import sys

import pandas  # noqa: F401  (the pages' tables)
import plotly.graph_objects as go
from streamlit.web.cli import main

from monitor import charts, columnar, trends  # noqa: F401  (the queries and figures of every page)


def warm_up() -> None:
    """Load the figure classes and validators of the chart types the pages draw (plotly loads them on first use)."""
    go.Figure(data=[{"type": kind} for kind in ("bar", "scatter", "choropleth", "heatmap")]).to_plotly_json()


if __name__ == "__main__":
    warm_up()
    sys.exit(main())
