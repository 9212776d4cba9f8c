"""First paint of the dashboard in a real browser: `streamlit run app.py` on a database, Debian's chromium
(headless, no network) opening the Overview, and the time until each part of the page is there.

    .venv/bin/python bench/browser.py --db /path/to/dashboard-1m.db          # Overview, 30 days
    .venv/bin/python bench/browser.py --db DB --page trends --param period=all --param topic=conflict

Each visit is a new tab in a new browser profile (a new Streamlit session, and nothing in the browser's cache: the
frontend's scripts load again, as on an analyst's first visit; with `--returning`, new tabs of one profile, which
has the scripts in its cache after the first visit). The first visit after the server starts has an empty query
cache (cold); the later ones find their queries cached (warm). Per visit it prints seconds from navigation to: the
frontend connecting (its scripts loaded and run, it asks the server's health before opening the websocket), the
page title painted, the first figure painted (a headline figure or a chart), the sidebar's filters painted, the
title seen by Playwright, the end of the script run, every chart drawn, plus the main thread's long tasks
(JavaScript busy for more than 50 ms: mostly plotly) and the renderer's CPU seconds in JavaScript, in layout and
style, and in all its tasks (thread time, which a busy machine inflates less than wall time). Prints the load
average first: on a busy machine the wall times grow.

"Painted" is timed inside the page: the frame that draws an element (the first animation frame after the element
enters the page; the paint follows in that frame). "Seen" is when Playwright's own check finds the title; that
check runs in the page too, so while the renderer is busy (drawing the sidebar's widgets, loading plotly) it finds
the title late: up to seconds after it was painted (what earlier versions of this bench reported as the title).
Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, serve  # noqa: E402  (the browser tests' server and browser)

# Sums the main thread's long tasks from the start of the page: the time the browser is busy with JavaScript.
LONG_TASKS = """
window.__longTasks = 0;
new PerformanceObserver(list => { for (const entry of list.getEntries()) window.__longTasks += entry.duration; })
    .observe({type: 'longtask', buffered: true});
"""
FILTERS = '[data-testid="stSidebar"] [data-testid="stMultiSelect"]'  # the sidebar's filters are there
# The page's first figure: one of the Overview's headline figures (a box each), a metric or a chart (not a note: on a
# demo database the demo banner comes first).
FIRST_FIGURE = ", ".join(
    f'[data-testid="stMain"] {part}'
    for part in ('[class*="st-key-headline_"] h3', '[data-testid="stMetric"]', '[data-testid="stPlotlyChart"]')
)
# When each part is painted: the first animation frame after it enters the page (the frame that draws it), in
# seconds from navigation. Timed in the page, so a busy renderer cannot delay the reading, only the painting.
PAINTED = {"title": "h1", "first figure": FIRST_FIGURE, "filters": FILTERS}
PAINT_TIMES = """
window.__painted = {};
const parts = PARTS, noticed = new Set();
new MutationObserver(() => {
    for (const [name, selector] of Object.entries(parts)) {
        if (!noticed.has(name) && document.querySelector(selector)) {
            noticed.add(name);
            requestAnimationFrame(() => { window.__painted[name] = performance.now() / 1000; });
        }
    }
}).observe(document, {childList: true, subtree: true});
""".replace("PARTS", json.dumps(PAINTED))
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Every chart the run made is drawn: each plotly element holds its SVG (or, for the heatmaps, its image).
CHARTS_DRAWN = """expected => {
    const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
    return charts.length >= expected && [...charts].every(chart => chart.querySelector('.main-svg'));
}"""


def new_profile(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="UTC")
    context.add_init_script(LONG_TASKS)
    context.add_init_script(PAINT_TIMES)
    return context


def visit(context, url: str, *, charts: int, timeout: float) -> dict[str, float]:
    page = context.new_page()
    page.set_default_timeout(timeout * 1000)
    devtools = context.new_cdp_session(page)
    devtools.send("Performance.enable", {"timeDomain": "threadTicks"})
    marks: dict[str, float] = {}
    started = time.perf_counter()
    try:
        page.goto(url)
        page.wait_for_selector("h1")
        marks["seen"] = time.perf_counter() - started
        page.wait_for_selector(FIRST_FIGURE)
        page.wait_for_selector(FILTERS)  # drawn after the title (and the Overview's headline figures)
        # The page reruns once on a first visit (widgets bound to the link): done means done with the charts.
        page.wait_for_function(f"() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length >= {charts}")
        page.wait_for_selector(f"{DONE} h1")
        marks["script done"] = time.perf_counter() - started
        page.wait_for_function(CHARTS_DRAWN, arg=charts)
        marks["charts drawn"] = time.perf_counter() - started
        painted = page.wait_for_function(
            f"() => Object.keys(window.__painted).length >= {len(PAINTED)} && window.__painted"
        ).json_value()
        marks.update(painted)
        # The frontend's scripts have loaded and run: it asks the server's health, then opens the websocket.
        marks["connect"] = page.evaluate(
            "(performance.getEntriesByType('resource').find(e => e.name.endsWith('/_stcore/health')) || {}).startTime"
            " / 1000 || 0"
        )
        marks["charts"] = page.locator('[data-testid="stPlotlyChart"]').count()
        marks["long tasks"] = page.evaluate("window.__longTasks") / 1000
        # The renderer's own CPU (thread time), which a busy machine does not inflate as it does wall time.
        metrics = {item["name"]: item["value"] for item in devtools.send("Performance.getMetrics")["metrics"]}
        marks["script cpu"] = metrics.get("ScriptDuration", 0.0)
        marks["layout cpu"] = metrics.get("LayoutDuration", 0.0) + metrics.get("RecalcStyleDuration", 0.0)
        marks["task cpu"] = metrics.get("TaskDuration", 0.0)
    finally:
        page.close()
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="the database to open")
    parser.add_argument("--page", default="", help="the page's path (overview when empty)")
    parser.add_argument("--param", action="append", default=[], help="a URL parameter, key=value (repeatable)")
    parser.add_argument("--charts", type=int, default=4, help="charts the page draws (Overview: 4)")
    parser.add_argument("--visits", type=int, default=3, help="tabs opened one after another (default 3)")
    parser.add_argument(
        "--returning",
        action="store_true",
        help="every visit a new tab of one browser profile: the frontend's scripts (served as immutable) come "
        "from the browser's cache after the first visit, as for an analyst who has opened the dashboard before",
    )
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for each mark")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    query = "&".join(args.param)
    print(f"load average {os.getloadavg()[0]:.1f} (1 minute) on {os.cpu_count()} cores")
    with serve(args.db, Path(subprocess.check_output(["mktemp", "-d"], text=True).strip())) as dashboard:
        url = f"{dashboard.base}/{args.page}" + (f"?{query}" if query else "")
        print(f"{url} on {args.db}")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-background-networking"]
            )
            try:
                print(
                    f"{'visit':10} {'connect':>7} {'title':>6} {'first':>6} {'filters':>7} {'seen':>6} {'script':>7}"
                    f" {'charts':>7} {'n':>3}"
                    f" {'JS busy':>8} {'JS cpu':>7} {'layout':>7} {'all cpu':>7}"
                )
                shared = new_profile(browser) if args.returning else None
                for number in range(args.visits):
                    context = shared or new_profile(browser)
                    try:
                        marks = visit(context, url, charts=args.charts, timeout=args.timeout)
                    finally:
                        if context is not shared:
                            context.close()
                    name = "cold" if number == 0 else f"warm {number}"
                    print(
                        f"{name:10} {marks['connect']:7.2f} {marks['title']:6.2f} {marks['first figure']:6.2f} "
                        f"{marks['filters']:7.2f} {marks['seen']:6.2f} {marks['script done']:7.2f} "
                        f"{marks['charts drawn']:7.2f} {marks['charts']:3.0f} "
                        f"{marks['long tasks']:8.2f} "
                        f"{marks['script cpu']:7.2f} {marks['layout cpu']:7.2f} {marks['task cpu']:7.2f}",
                        flush=True,
                    )
            finally:
                browser.close()


if __name__ == "__main__":
    main()
