"""Paths and settings: where the database and the editable data files live."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
DEFAULT_DB = DATA_DIR / "news.db"
STARTER_SOURCES = DATA_DIR / "starter_sources.csv"
COUNTRY_ALIASES = DATA_DIR / "countries.toml"  # aliases, demonyms, places and ambiguity rules
TAXONOMY = DATA_DIR / "taxonomy.toml"  # topics: weighted terms, exclusions, thresholds
NEWS_LEXICON = DATA_DIR / "news_lexicon.tsv"  # news-domain additions to VADER's lexicon

USER_AGENT = "newsmon/0.1 (+news monitoring for analysts; respects ETag and Last-Modified)"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database to use: an explicit path, else $NEWSMON_DB, else data/news.db."""
    if explicit:
        return Path(explicit)
    if env := os.environ.get("NEWSMON_DB"):
        return Path(env)
    return DEFAULT_DB
