"""Chart building times: each figure of the Overview and Trends pages (monitor/charts.py) built from the rows its
page reads from a database, then serialised as st.plotly_chart does (plotly.io.to_json(validate=False)).

    .venv/bin/python bench/charts.py --db /tmp/charts-20k.db      # a database made by bench/dashboard.py
    .venv/bin/python bench/charts.py                              # generates a small demo database first

Prints, per selection and figure, the median CPU milliseconds (this process's: a shared, busy machine inflates
wall-clock times) of building the figure, of building and serialising it, and of a cache hit (the pickle round
trip st.cache_data makes); the median wall-clock milliseconds of building and serialising; the JSON's size.
Then the import time of monitor.charts in a fresh interpreter (what the first visit after a server start pays).
Asserts nothing.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly.io  # noqa: E402

from monitor import charts, store, trends  # noqa: E402
from monitor.filters import Filters  # noqa: E402

TERMS = ("border", "ceasefire", "election OR vote")


def selections(db) -> dict[str, tuple[Filters, str]]:
    """Name -> (filters, interval), as the pages choose them: days up to 90 days, weeks beyond."""
    _, last = trends.date_span(db)
    end = datetime.fromisoformat(last).replace(tzinfo=UTC) + timedelta(days=1) - timedelta(seconds=1)
    since = end.replace(hour=0, minute=0, second=0) - timedelta(days=29)
    return {"30 days": (Filters(since=since, until=end), "day"), "all time": (Filters(), "week")}


def figures(db, filters: Filters, interval: str) -> dict[str, tuple]:
    """Figure name -> (builder, arguments), with the rows each page passes."""
    stacked = trends.share_over_time(db, filters, "topic", interval, 8)
    over_time = trends.sentiment_over_time(db, filters, interval=interval)
    sentiment = [row for row in over_time if row["mean_sentiment"] is not None]  # as the Overview draws it
    countries = trends.totals(db, filters, "country")
    topics = trends.totals(db, filters, "topic", limit=12)
    terms = trends.term_counts(db, filters, list(TERMS), interval=interval)
    by_topic = trends.counts_over_time(db, filters, by="topic", interval=interval)
    matrix = trends.country_topic_matrix(db, filters, countries_limit=15)
    by_country = trends.totals(db, filters, "country", limit=15)
    return {
        "overview volume (articles)": (charts.volume_figure, (stacked, "topic", False, interval)),
        "overview volume (share)": (charts.volume_figure, (stacked, "topic", True, interval)),
        "overview sentiment": (charts.sentiment_figure, (sentiment, interval)),
        "overview map (articles)": (charts.map_figure, (countries, "articles")),
        "overview map (sentiment)": (charts.map_figure, (countries, "mean_sentiment")),
        "overview topics": (charts.topics_figure, (topics,)),
        "trends terms": (charts.terms_figure, (terms, list(TERMS), interval, False)),
        "trends topic heatmap": (charts.topic_heatmap, (by_topic, interval)),
        "trends matrix (articles)": (charts.matrix_figure, (matrix, "articles")),
        "trends matrix (sentiment)": (charts.matrix_figure, (matrix, "mean_sentiment")),
        "trends sentiment bars": (charts.sentiment_bars, (by_country, "country")),
    }


def figure_of(result):
    return result[0] if isinstance(result, tuple) else result  # map_figure also says how many countries it shows


def median_ms(action, repeats: int, clock=time.process_time) -> float:
    times = []
    for _ in range(repeats):
        started = clock()
        action()
        times.append(clock() - started)
    return 1000 * statistics.median(times)


def time_figures(db, repeats: int) -> None:
    print(f"{'':45} {'CPU ms':^25} {'wall ms':>8}")
    print(
        f"{'selection':10} {'figure':28} {'rows':>5} {'build':>7} {'+json':>7} {'hit':>7} {'+json':>8} {'json kB':>8}"
    )
    totals = {"build": 0.0, "json": 0.0, "wall": 0.0}
    for selection, (filters, interval) in selections(db).items():
        for name, (build, args) in figures(db, filters, interval).items():
            figure_of(build(*args))  # first call: lazy imports and caches of plotly's validators
            built = median_ms(lambda build=build, args=args: build(*args), repeats)

            def show(build=build, args=args):
                return plotly.io.to_json(figure_of(build(*args)), validate=False)

            shown = median_ms(show, repeats)
            wall = median_ms(show, repeats, time.perf_counter)
            figure = figure_of(build(*args))
            hit = median_ms(lambda figure=figure: pickle.loads(pickle.dumps(figure)), repeats)
            size = len(plotly.io.to_json(figure, validate=False)) / 1000
            totals["build"] += built
            totals["json"] += shown
            totals["wall"] += wall
            figures_ms = f"{built:7.1f} {shown:7.1f} {hit:7.1f} {wall:8.1f}"
            print(f"{selection:10} {name:28} {len(args[0]):5} {figures_ms} {size:8.1f}")
    print(
        f"all figures: {totals['build']:.0f} ms CPU built, {totals['json']:.0f} ms CPU built and serialised "
        f"({totals['wall']:.0f} ms wall)"
    )


def import_time() -> float:
    """Seconds to import monitor.charts (with plotly) in a fresh interpreter."""
    code = "import time; t = time.perf_counter(); import monitor.charts; print(time.perf_counter() - t)"
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(output.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=ROOT / "bench/out/charts-demo.db")
    parser.add_argument("--articles", type=int, default=5000, help="articles to generate when --db does not exist")
    parser.add_argument("--repeats", type=int, default=15, help="times each figure is built (median shown)")
    args = parser.parse_args()
    if not args.db.exists():
        from monitor import demo

        args.db.parent.mkdir(parents=True, exist_ok=True)
        db = store.open_db(args.db)
        print(f"generating {demo.generate(db, articles=args.articles, days=365, fast=True):,} articles in {args.db}")
        db.conn.close()
    db = store.open_db(args.db)
    try:
        time_figures(db, args.repeats)
    finally:
        db.conn.close()
    imports = sorted(import_time() for _ in range(3))
    print(f"import monitor.charts in a fresh interpreter: {imports[1]:.2f} s (median of 3)")


if __name__ == "__main__":
    main()
