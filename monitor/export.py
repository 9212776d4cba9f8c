"""CSV exports. Every cell a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

import sqlite_utils

from monitor import queries
from monitor.queries import Filters

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> object:
    """Text that starts like a formula gets a leading apostrophe (OWASP's advice); numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def write_csv(rows, columns: list[str], out: TextIO) -> int:
    """Write rows (dicts) with a header; returns the number of rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
        count += 1
    return count


def export_articles(db: sqlite_utils.Database, filters: Filters, out: TextIO | Path, *, full_text: bool = False) -> int:
    """The filtered articles, newest first; `body` as the last column with full_text.
    A bad filter raises QueryError before a file is created."""
    columns = list(queries.ARTICLE_COLUMNS) + (["body"] if full_text else [])
    rows = queries.article_rows(db, filters, full_text=full_text)
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as file:
            return write_csv(rows, columns, file)
    return write_csv(rows, columns, out)
