"""CSV and XLSX exports for analysts: the filtered articles and summaries of them, each with a JSON manifest.

The same registry (`SUMMARIES`) drives the CLI (`newsmon export KIND`) and the dashboard's Export page. Counts
come from `monitor.trends`, which answers a selection that is only a date range from the daily rollups, so a
summary never loads the articles table. Every text cell a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, TextIO

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from monitor import __version__, labels, queries, trends
from monitor.filters import DIMENSIONS, Filters, filter_fields
from monitor.normalise import iso

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
DECIMALS = 4  # shares and mean sentiment
KEYWORDS_TOP = 20  # keywords in the `keywords` summary unless told
MATRIX_COUNTRIES = 15  # as on the Trends page
STORIES = 100
INTERVALS = ("day", "week")
MAX_TERMS = 6  # terms compared, as on the Trends page: each is one full-text count over the selection
XLSX_CELL_CHARS = 32_767  # Excel's limit for one cell
FORMATS = ("csv", "xlsx")


class ExportError(ValueError):
    """A summary that cannot be made as asked (unknown kind, grouping or interval); one line for the analyst."""


def safe_cell(value: object) -> object:
    """Text that starts like a formula gets a leading apostrophe (OWASP's advice); numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def write_csv(rows: Iterable[dict], columns: list[str], out: TextIO) -> int:
    """Write rows (dicts) with a header; returns the number of rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
        count += 1
    return count


def xlsx_cell(sheet, value: object) -> object:
    """A value for an XLSX cell: numbers stay numbers; text is always a string cell, never a formula (openpyxl
    would read a leading = as one), without the control characters XML forbids, cut at Excel's cell limit."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_CELL_CHARS])
    cell.data_type = "s"
    return cell


def write_xlsx(rows: Iterable[dict], columns: list[str], out: BinaryIO, *, title: str = "export") -> int:
    """Write rows (dicts) as one XLSX sheet with a header row; returns the number of rows written. The sheet is
    streamed (openpyxl's write-only mode), so a long article list does not sit in memory as cells."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, column) for column in columns])
    count = 0
    for row in rows:
        sheet.append([xlsx_cell(sheet, row.get(column)) for column in columns])
        count += 1
    book.save(out)
    return count


def format_for(path: Path | None) -> str:
    """xlsx for a file named *.xlsx, else csv (stdout is always CSV)."""
    return "xlsx" if path is not None and Path(path).suffix.lower() == ".xlsx" else "csv"


# ---- the registry --------------------------------------------------------------------------------

PERIOD = "{period}"  # column placeholders, named when the options are known: `day` or `week`, and the grouping
BY = "{by}"

PERIOD_MEANING = {
    "day": "UTC day of publication (YYYY-MM-DD)",
    "week": "week of publication, named by its Monday (YYYY-MM-DD, UTC)",
}
BY_MEANING = {name: dimension.meaning for name, dimension in DIMENSIONS.items()}
# The groupings of `daily` (any dimension the rollups keep but keywords, which have their own summary) and of
# `sentiment` (those, by day first): from the registry, so a new dimension is offered here too.
DAILY_BY = tuple(dimension.name for dimension in DIMENSIONS.values() if dimension.cross)
SENTIMENT_BY = ("day", *(name for name in DAILY_BY if name != "language"))
SENTIMENT_MEANINGS = {
    "mean_sentiment": "mean VADER compound score, -1 (negative) to 1 (positive), over the scored articles",
    "scored_articles": "articles with a sentiment score (English only) behind mean_sentiment",
}
ARTICLE_MEANINGS = {
    "id": "article id (`newsmon explain ID` shows why it got its tags)",
    "url": "canonical URL",
    "title": "headline",
    "source": "source (outlet) name",
    "author": "byline as published",
    "published_at": "publication time, ISO 8601 UTC",
    "language": "language, ISO 639-1",
    "countries": "countries the article is about, ISO alpha-2, ';'-separated, the main one (where the event takes "
    "place) first, then strongest first",
    "countries_mentioned": "every country the article names (those it is about too), ISO alpha-2, ';'-separated, "
    "strongest first",
    "topics": "topic slugs, ';'-separated, strongest first",
    "sentiment": "VADER compound score, -1 to 1; empty when not scored (non-English)",
    "keywords": "key phrases, ';'-separated, strongest first",
    "story_id": "id of the first article of its story (copies of one story share it)",
}


@dataclass(frozen=True)
class Summary:
    """One kind of export: what it is, the groupings and intervals it offers, and what its columns mean.
    Column names `{period}` and `{by}` are named from the options (see `column_meanings`)."""

    kind: str
    title: str
    description: str  # one line, for `newsmon export --help` and the Export page
    columns: dict[str, str]  # column -> meaning, for the manifest
    by: tuple[str, ...] = ()  # the groupings it offers, default first
    intervals: bool = False  # takes interval="day" | "week"
    top: bool = False  # takes top=N (keywords)
    full_text: bool = False  # takes full_text (articles)
    terms: bool = False  # takes terms=("border", ...) (the term comparison)

    def resolve_by(self, by: str | None) -> str | None:
        """The grouping to use: `by`, or the default; ExportError when this summary does not offer it."""
        if by is None:
            return self.by[0] if self.by else None
        if by not in self.by:
            if not self.by:
                raise ExportError(f"the {self.kind} export has no grouping (--by)")
            raise ExportError(f"cannot group {self.kind} by {by!r}: choose one of {', '.join(self.by)}")
        return by

    def column_meanings(self, by: str | None = None, interval: str = "day", *, full_text: bool = False) -> dict:
        """Column -> meaning for these options, in CSV order."""
        by = self.resolve_by(by)
        _check_interval(interval)
        named: dict[str, str] = {}
        for column, meaning in self.columns.items():
            if column == BY and by == "day":  # sentiment by day: the period is the grouping
                column, meaning = interval, PERIOD_MEANING[interval]
            elif column == BY:
                column, meaning = by, BY_MEANING[by]
            elif column == PERIOD:
                column, meaning = interval, PERIOD_MEANING[interval]
            named[column] = meaning
        if full_text and self.full_text:
            named["body"] = "full text of the article"
        return named


SUMMARIES: dict[str, Summary] = {
    summary.kind: summary
    for summary in (
        Summary(
            "articles",
            "Filtered articles",
            "The filtered articles, newest first, with their countries, topics, sentiment and keywords.",
            ARTICLE_MEANINGS,
            full_text=True,
        ),
        Summary(
            "daily",
            "Articles per day",
            "Articles per day (or week) by topic, country, source, language or publisher country.",
            {
                PERIOD: "",
                BY: "",
                "articles": "articles in the period with this value",
                "share": "articles / all articles of the selection in the period (tags overlap: may add up to > 1)",
                **SENTIMENT_MEANINGS,
            },
            by=("topic", *(name for name in DAILY_BY if name != "topic")),
            intervals=True,
        ),
        Summary(
            "sentiment",
            "Sentiment",
            "Mean sentiment (VADER, English articles) by day or week, country, topic, source or publisher country.",
            {BY: "", **SENTIMENT_MEANINGS, "articles": "all articles, scored or not"},
            by=SENTIMENT_BY,
            intervals=True,
        ),
        Summary(
            "keywords",
            "Keyword trends",
            "The top keywords of the selection: articles per day (or week) with each, zeros included.",
            {
                PERIOD: "",
                "keyword": "key phrase (as extracted from titles and text)",
                "rank": "1 for the keyword in most articles of the whole selection",
                "articles": "articles in the period with the keyword",
                "share": "articles / all articles of the selection in the period",
                "total_articles": "articles with the keyword in the whole selection",
            },
            intervals=True,
            top=True,
        ),
        Summary(
            "terms",
            "Term comparison",
            f"Articles matching each term (up to {MAX_TERMS} searches) per day or week, raw and per 1,000 articles, "
            "zeros included: the Trends page's comparison.",
            {
                PERIOD: "",
                "term": 'the search as given (words, "phrases", OR, NOT, prefix*), within the selection',
                "articles": "articles of the selection in the period that match the term (0 when none)",
                "all_articles": "all articles of the selection in the period",
                "per_1000": "articles / all_articles × 1,000, two decimals; empty when the period has no articles",
            },
            intervals=True,
            terms=True,
        ),
        Summary(
            "topics",
            "Topic totals",
            "Articles, share and mean sentiment per topic over the whole selection.",
            {
                "topic": BY_MEANING["topic"],
                "label": "the topic's label in data/taxonomy.toml",
                "articles": "articles with the topic",
                "share": "articles / all articles of the selection (tags overlap: may add up to > 1)",
                **SENTIMENT_MEANINGS,
            },
        ),
        Summary(
            "countries",
            "Country totals",
            "Articles, share and mean sentiment per country the articles are about, with ISO codes and names.",
            {
                "country": "ISO 3166-1 alpha-2 (Kosovo: XK)",
                "alpha_3": "ISO 3166-1 alpha-3 (Kosovo: XKX)",
                "name": "English name (pycountry's common name, else its ISO name)",
                "articles": "articles about the country",
                "share": "articles / all articles of the selection (an article about two countries counts for both)",
                **SENTIMENT_MEANINGS,
            },
        ),
        Summary(
            "matrix",
            "Countries × topics",
            f"Articles and mean sentiment per country (the {MATRIX_COUNTRIES} with most articles) and topic.",
            {
                "country": "ISO 3166-1 alpha-2 of a country the articles are about",
                "topic": "topic slug",
                "articles": "articles about the country on the topic",
                **SENTIMENT_MEANINGS,
            },
        ),
        Summary(
            "stories",
            "Latest stories",
            f"The stories of the selection's newest articles ({STORIES} at most), newest first, counted whole.",
            {
                "story_id": "id of the story's first article (`newsmon explain ID`)",
                "title": "headline of its first article",
                "articles": "articles of the story (in the selection or not)",
                "sources": "sources that published it",
                "first_seen": "first article, ISO 8601 UTC",
                "last_seen": "newest article, ISO 8601 UTC",
            },
        ),
        Summary(
            "rising",
            "Rising keywords",
            "Keywords significantly more frequent in the last 2 days than in the 28 before the selection's end.",
            {
                "keyword": "key phrase",
                "recent": "articles with it in the last 2 days",
                "baseline": "articles with it in the 28 days before",
                "ratio": "recent share / earlier share",
                "g2": "Dunning's log-likelihood (above 10.83: p < 0.001)",
            },
        ),
    )
}

COUNTING_NOTES = (
    "Counts are articles. An article about two countries (or on two topics, or with two keywords) counts once "
    "for each, so shares of tags can add up to more than 1.",
    "Days are UTC days of publication; a week is named by its Monday.",
    "Sentiment is the mean VADER compound score (-1 to 1) over English articles only; scored_articles says how "
    "many articles are behind each mean.",
    "Text cells that start with = + - @ tab, CR or LF have a leading apostrophe in CSV files so spreadsheets show "
    "them as text; in XLSX files every text cell is stored as text (never a formula), as it is, and a text "
    f"longer than {XLSX_CELL_CHARS:,} characters (Excel's cell limit) is cut there.",
)


def _summary(kind: str) -> Summary:
    if kind not in SUMMARIES:
        raise ExportError(f"unknown export {kind!r}: choose one of {', '.join(SUMMARIES)}")
    return SUMMARIES[kind]


def _check_interval(interval: str) -> None:
    if interval not in INTERVALS:
        raise ExportError(f"unknown interval {interval!r}: choose day or week")


def clean_terms(terms: Iterable[str]) -> tuple[str, ...]:
    """The terms to compare: stripped, blanks and repeats dropped; ExportError for none or more than MAX_TERMS."""
    kept = tuple(dict.fromkeys(term.strip() for term in terms if term and term.strip()))
    if not kept:
        raise ExportError('the terms export needs at least one term (--term border --term "peace talks")')
    if len(kept) > MAX_TERMS:
        raise ExportError(f"at most {MAX_TERMS} terms can be compared, not {len(kept)}")
    return kept


# ---- rows ----------------------------------------------------------------------------------------


def summary_rows(
    db: sqlite_utils.Database,
    kind: str,
    filters: Filters,
    *,
    by: str | None = None,
    interval: str = "day",
    limit: int | None = None,
    top: int = KEYWORDS_TOP,
    full_text: bool = False,
    terms: Iterable[str] = (),
) -> tuple[list[str], Iterator[dict]]:
    """(columns, rows) of one summary; articles stream from a cursor. `limit` caps the rows (a preview).
    The query runs now: a bad full-text query raises QueryError here, before anything is written."""
    summary = _summary(kind)
    columns = list(summary.column_meanings(by, interval, full_text=full_text))
    by = summary.resolve_by(by)
    if kind == "articles":
        return columns, queries.article_rows(db, filters, full_text=full_text, limit=limit)
    if kind == "daily":
        rows = _daily(db, filters, by, interval)
    elif kind == "sentiment":
        rows = _sentiment(db, filters, by, interval)
    elif kind == "keywords":
        rows = _keywords(db, filters, interval, top)
    elif kind == "terms":
        rows = _terms(db, filters, clean_terms(terms), interval)
    elif kind == "topics":
        rows = _topics(db, filters)
    elif kind == "matrix":
        rows = [
            {"country": row["country"], "topic": row["topic"], "articles": row["articles"],
             "mean_sentiment": _mean(row), "scored_articles": row["sentiment_n"]}
            for row in trends.country_topic_matrix(db, filters, countries_limit=MATRIX_COUNTRIES)
        ]  # fmt: skip
    elif kind == "stories":
        story_columns = ("story_id", "title", "articles", "sources", "first_seen", "last_seen")
        rows = [{key: row[key] for key in story_columns} for row in trends.latest_stories(db, filters, limit=STORIES)]
    elif kind == "rising":
        end = filters.until or datetime.now(UTC)
        rows = [
            {"keyword": term.keyword, "recent": term.recent, "baseline": term.baseline,
             "ratio": round(term.ratio, DECIMALS), "g2": round(term.g2, 2)}
            for term in trends.rising_keywords(db, filters, now=end)
        ]  # fmt: skip
    else:
        rows = _countries(db, filters)
    return columns, iter(rows[:limit] if limit is not None else rows)


def _mean(row: dict) -> float | None:
    return round(row["sentiment_sum"] / row["sentiment_n"], DECIMALS) if row["sentiment_n"] else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, DECIMALS) if whole else None


def _all_per_period(db: sqlite_utils.Database, filters: Filters, interval: str) -> dict[str, int]:
    return {row["period"]: row["articles"] for row in trends.counts_over_time(db, filters, interval=interval)}


def _daily(db: sqlite_utils.Database, filters: Filters, by: str, interval: str) -> list[dict]:
    whole = _all_per_period(db, filters, interval)
    counts = trends.counts_over_time(db, filters, by=by, interval=interval)
    counts.sort(key=lambda row: (row["period"], -row["articles"], row["value"]))
    return [
        {
            interval: row["period"],
            by: row["value"],
            "articles": row["articles"],
            "share": _share(row["articles"], whole.get(row["period"], 0)),
            "mean_sentiment": _mean(row),
            "scored_articles": row["sentiment_n"],
        }
        for row in counts
    ]


def _sentiment(db: sqlite_utils.Database, filters: Filters, by: str, interval: str) -> list[dict]:
    if by == "day":
        return [
            {
                interval: row["period"],
                "mean_sentiment": None if row["mean_sentiment"] is None else round(row["mean_sentiment"], DECIMALS),
                "scored_articles": row["scored_articles"],
                "articles": row["articles"],
            }
            for row in trends.sentiment_over_time(db, filters, interval=interval)
        ]
    return [
        {
            by: row["value"],
            "mean_sentiment": _mean(row),
            "scored_articles": row["sentiment_n"],
            "articles": row["articles"],
        }
        for row in trends.totals(db, filters, by)
    ]


def _totals_with_share(db: sqlite_utils.Database, filters: Filters, by: str) -> list[dict]:
    whole = sum(_all_per_period(db, filters, "day").values())
    return [
        {
            "value": row["value"],
            "articles": row["articles"],
            "share": _share(row["articles"], whole),
            "mean_sentiment": _mean(row),
            "scored_articles": row["sentiment_n"],
        }
        for row in trends.totals(db, filters, by)
    ]


def _topics(db: sqlite_utils.Database, filters: Filters) -> list[dict]:
    names = labels.topic_labels()
    rows = []
    for row in _totals_with_share(db, filters, "topic"):
        slug = row.pop("value")
        rows.append({"topic": slug, "label": names.get(slug, ""), **row})
    return rows


def _countries(db: sqlite_utils.Database, filters: Filters) -> list[dict]:
    rows = []
    for row in _totals_with_share(db, filters, "country"):
        code = row.pop("value")
        alpha_3, name = labels.country_names(code)
        rows.append({"country": code, "alpha_3": alpha_3, "name": name, **row})
    return rows


def _keywords(db: sqlite_utils.Database, filters: Filters, interval: str, top: int) -> list[dict]:
    """Every period of the selection × the `top` keywords in most of its articles, zeros included."""
    whole = _all_per_period(db, filters, interval)
    leaders = top_keywords(db, filters, top)
    counts = keyword_counts(db, filters, [keyword for keyword, _ in leaders], interval=interval)
    return [
        {
            interval: period,
            "keyword": keyword,
            "rank": rank,
            "articles": counts.get((period, keyword), 0),
            "share": _share(counts.get((period, keyword), 0), articles),
            "total_articles": total,
        }
        for period, articles in sorted(whole.items())
        for rank, (keyword, total) in enumerate(leaders, start=1)
    ]


def _terms(db: sqlite_utils.Database, filters: Filters, terms: tuple[str, ...], interval: str) -> list[dict]:
    """Every period from the selection's first to its last (quiet ones at zero) × every term, in the order given;
    a term that matches nothing stays, at zero."""
    return [
        {
            interval: row["period"],
            "term": row["term"],
            "articles": row["articles"],
            "all_articles": row["all_articles"],
            "per_1000": round(1000 * row["articles"] / row["all_articles"], 2) if row["all_articles"] else None,
        }
        for row in sorted(
            trends.term_counts(db, filters, list(terms), interval=interval),
            key=lambda row: (row["period"], terms.index(row["term"])),
        )
    ]


def top_keywords(db: sqlite_utils.Database, filters: Filters, top: int = KEYWORDS_TOP) -> list[tuple[str, int]]:
    """(keyword, articles) for the `top` keywords in most articles of the selection, most first."""
    return [(row["value"], row["articles"]) for row in trends.totals(db, filters, "keyword", limit=top)]


def keyword_counts(
    db: sqlite_utils.Database, filters: Filters, keywords: list[str], *, interval: str = "day"
) -> dict[tuple[str, str], int]:
    """{(period, keyword): articles} for these keywords within the selection."""
    if not keywords:
        return {}
    rows = trends.counts_over_time(db, filters, by="keyword", interval=interval, values=tuple(keywords))
    return {(row["period"], row["value"]): row["articles"] for row in rows}


# ---- files, downloads and the manifest -----------------------------------------------------------


@contextlib.contextmanager
def atomic_file(path: Path, *, binary: bool = False) -> Iterator[TextIO | BinaryIO]:
    """A file written whole or not at all (UTF-8 text, or bytes with `binary`): it goes to a temporary file in the
    same folder, which replaces `path` once complete and on disk. On any error (a full disk) the temporary file
    is removed and `path` is left as it was, so a failed export never leaves a partial file."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as usual
    try:
        text = {} if binary else {"encoding": "utf-8", "newline": ""}
        with open(descriptor, "wb" if binary else "w", **text) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_text_file(path: Path) -> contextlib.AbstractContextManager[TextIO]:
    """A UTF-8 text file written whole or not at all (see `atomic_file`)."""
    return atomic_file(path)


def write_summary(
    db: sqlite_utils.Database,
    kind: str,
    filters: Filters,
    out: TextIO | Path,
    *,
    by: str | None = None,
    interval: str = "day",
    top: int = KEYWORDS_TOP,
    full_text: bool = False,
    terms: Iterable[str] = (),
) -> int:
    """Write one summary to a file (XLSX when it is named *.xlsx, else CSV) or as CSV to a stream; returns the
    rows written. A bad filter raises QueryError (a bad grouping ExportError) before a file is created; a file
    is replaced only once it is complete (OSError otherwise, with nothing left behind)."""
    columns, rows = summary_rows(db, kind, filters, by=by, interval=interval, top=top, full_text=full_text, terms=terms)
    if isinstance(out, Path) and format_for(out) == "xlsx":
        with atomic_file(out, binary=True) as file:
            return write_xlsx(rows, columns, file, title=kind)
    if isinstance(out, Path):
        with atomic_text_file(out) as file:
            return write_csv(rows, columns, file)
    return write_csv(rows, columns, out)


def summary_file(
    db: sqlite_utils.Database,
    kind: str,
    filters: Filters,
    *,
    file_format: str = "csv",
    by: str | None = None,
    interval: str = "day",
    max_rows: int | None = None,
    top: int = KEYWORDS_TOP,
    full_text: bool = False,
    terms: Iterable[str] = (),
) -> tuple[bytes, int]:
    """(the file's bytes, rows) for a download button, as CSV (UTF-8) or XLSX; at most `max_rows` rows."""
    if file_format not in FORMATS:
        raise ExportError(f"unknown format {file_format!r}: choose csv or xlsx")
    columns, rows = summary_rows(
        db, kind, filters, by=by, interval=interval, limit=max_rows, top=top, full_text=full_text, terms=terms
    )
    rows = itertools.islice(rows, max_rows)
    if file_format == "xlsx":
        out = io.BytesIO()
        count = write_xlsx(rows, columns, out, title=kind)
        return out.getvalue(), count
    text = io.StringIO()
    count = write_csv(rows, columns, text)
    return text.getvalue().encode("utf-8"), count


def summary_csv(db: sqlite_utils.Database, kind: str, filters: Filters, **options) -> tuple[bytes, int]:
    """(UTF-8 CSV bytes, rows) for a download button; options as `summary_file`."""
    return summary_file(db, kind, filters, file_format="csv", **options)


def summary_xlsx(db: sqlite_utils.Database, kind: str, filters: Filters, **options) -> tuple[bytes, int]:
    """(XLSX bytes, rows) for a download button; options as `summary_file`."""
    return summary_file(db, kind, filters, file_format="xlsx", **options)


def export_articles(db: sqlite_utils.Database, filters: Filters, out: TextIO | Path, *, full_text: bool = False) -> int:
    """The filtered articles, newest first; `body` as the last column with full_text."""
    return write_summary(db, "articles", filters, out, full_text=full_text)


def manifest(
    kind: str,
    filters: Filters,
    *,
    by: str | None = None,
    interval: str = "day",
    rows: int,
    snapshot_at: datetime,
    database: str | None = None,
    top: int = KEYWORDS_TOP,
    full_text: bool = False,
    terms: Iterable[str] = (),
    today: date | None = None,
) -> dict:
    """What a CSV holds, as JSON-ready data to keep beside it: the tool, the selection, the options, the time of
    the snapshot, the row count and what each column means."""
    summary = _summary(kind)
    columns = summary.column_meanings(by, interval, full_text=full_text)
    options = _options(summary, by, interval, top, full_text, terms)
    weekly = {"partial_weeks": partial_weeks(filters, today=today)} if options.get("interval") == "week" else {}
    return {
        "tool": "newsmon",
        "version": __version__,
        "kind": kind,
        "title": summary.title,
        "description": summary.description,
        "snapshot_at": iso(snapshot_at),
        **({"database": database} if database is not None else {}),
        "filters": filters_dict(filters),
        "options": options,
        **weekly,
        "rows": rows,
        "columns": columns,
        "notes": list(COUNTING_NOTES),
    }


def partial_weeks(filters: Filters, *, today: date | None = None) -> list[str]:
    """The weeks (named by their Monday, UTC) that the selection covers only in part: the first when it starts
    after a Monday, the last when it ends before a Sunday (an open end ends `today`). An open start: none known."""
    if filters.since is None:
        return []
    first = filters.since.astimezone(UTC).date()
    last = filters.until.astimezone(UTC).date() if filters.until else (today or datetime.now(UTC).date())
    weeks = []
    if first.weekday() != 0:
        weeks.append(first - timedelta(days=first.weekday()))
    if last.weekday() != 6:
        weeks.append(last - timedelta(days=last.weekday()))
    return sorted({week.isoformat() for week in weeks})


def _options(summary: Summary, by: str | None, interval: str, top: int, full_text: bool, terms: Iterable[str]) -> dict:
    options: dict[str, object] = {}
    by = summary.resolve_by(by)
    if by is not None:
        options["by"] = by
    if summary.intervals and (summary.kind != "sentiment" or by == "day"):  # sentiment by country: no periods
        options["interval"] = interval
    if summary.top:
        options["top"] = top
    if summary.full_text:
        options["full_text"] = full_text
    if summary.terms:
        options["terms"] = list(clean_terms(terms))
    return options


def filters_dict(filters: Filters) -> dict:
    """The selection as JSON-ready data: dates ISO 8601 UTC, lists for the tuples, restrictions only."""
    data: dict[str, object] = {}
    for name in filter_fields():
        value = getattr(filters, name)
        if value is None or value == () or (isinstance(value, str) and not value.strip()):
            continue
        data[name] = iso(value) if isinstance(value, datetime) else list(value) if isinstance(value, tuple) else value
    return data
