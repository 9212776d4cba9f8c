"""Imported once, by the server process that forks the analysis workers (monitor/ingest/workers.py), never by
the writer: it loads the compiled rules, the language model and the story signature's permutations there, so that
every worker starts from a warm process (sharing those pages) instead of loading them again."""

from __future__ import annotations

import contextlib

from monitor.analysis import clusters, language
from monitor.analysis.article import check_rules

with contextlib.suppress(Exception):  # a worker loads them itself on start, and reports what fails
    check_rules()
    clusters.signature("warm up", "the first signature loads the MinHash permutations")
    language.detect("The first guess loads the language model, from the rules cache when it is there.")
