"""The file retriever: turns INPUT arguments (files, directories, globs, URLs, `-`) into readable inputs."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# When walking a directory, only files that can hold articles; a file named explicitly is always tried.
ARTICLE_SUFFIXES = {
    ".txt",
    ".text",
    ".html",
    ".htm",
    ".xhtml",
    ".xml",
    ".rss",
    ".atom",
    ".rdf",
    ".feed",
    ".json",
    ".jsonl",
    ".ndjson",
    ".csv",
    ".tsv",
    ".gz",
    "",
}


@dataclass(frozen=True)
class Input:
    """One thing to ingest. `missing` holds the reason when a named file or glob matched nothing."""

    name: str
    kind: str  # 'file', 'url', 'stdin'
    missing: str | None = None


def expand_inputs(arguments: list[str]) -> Iterator[Input]:
    """Files, directories (recursive, article-like files only), globs, http(s) URLs and `-` (stdin)."""
    for argument in arguments:
        if argument == "-":
            yield Input("-", "stdin")
        elif argument.startswith(("http://", "https://")):
            yield Input(argument, "url")
        elif os.path.isdir(argument):
            yield from _walk(Path(argument))
        elif os.path.exists(argument):
            yield Input(argument, "file")
        elif glob.has_magic(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            if not matches:
                yield Input(argument, "file", missing="no file matches this pattern")
            for match in matches:
                if os.path.isdir(match):
                    yield from _walk(Path(match))
                else:
                    yield Input(match, "file")
        else:
            yield Input(argument, "file", missing="no such file or directory")


def _walk(directory: Path) -> Iterator[Input]:
    for path in sorted(directory.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(directory).parts)
        if path.is_file() and not hidden and path.suffix.lower() in ARTICLE_SUFFIXES:
            yield Input(str(path), "file")
