"""Small types that travel between the ingestion layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class IngestError(Exception):
    """An input that could not be read or parsed; `reason` is one line for the analyst."""

    def __init__(self, input: str, reason: str):
        super().__init__(f"{input}: {reason}")
        self.input = input
        self.reason = reason


@dataclass
class ParsedArticle:
    """One article as a parser found it, before normalisation and storage.

    `published_at` is timezone-aware (or None when the input had no usable date);
    `url` is None when the input had none (a stable identifier is derived from the text).
    """

    title: str
    body: str
    url: str | None = None
    summary: str = ""
    author: str = ""
    published_at: datetime | None = None
    language: str | None = None
    source: str | None = None
    extra: dict = field(default_factory=dict)
