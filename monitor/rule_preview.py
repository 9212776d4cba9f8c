"""Rule preview (`newsmon analyse --dry-run`, the Sources page's "Rule preview"): what re-analysing the stored
articles with the rule files as they are now (data/taxonomy.toml, data/countries.toml, data/news_lexicon.tsv,
data/tone_rules.toml) would change, tag by tag, without writing anything.

Each checked article is analysed in memory and its new topics, countries and sentiment label are compared with the
ones stored. Time is bounded by `limit`: the newest `limit` articles are checked (the index on published_at finds
them without a scan), in batches, so a large database costs what `limit` articles cost (a few ms each).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store and the analysis load where used: `newsmon --help` imports this module for its defaults
    import sqlite_utils

    from monitor.analysis.article import ArticleAnalysis

DEFAULT_LIMIT = 2000
EXAMPLES = 3
BATCH_SIZE = 500
NOT_SCORED = "not scored"
# What the preview compares, in the order it reports them.
DIMENSIONS = ("topic", "country", "sentiment")


@dataclass
class TagChange:
    """Articles that would gain or lose one tag, with a few of each as (id, title)."""

    dimension: str  # "topic", "country" or "sentiment" (the sentiment label)
    tag: str  # topic slug, ISO alpha-2 country code, sentiment label or "not scored"
    gained: int = 0
    lost: int = 0
    gained_examples: list[tuple[int, str]] = field(default_factory=list)
    lost_examples: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RulePreview:
    rules: str  # fingerprint of the rule files previewed
    checked: int  # articles analysed and compared
    stored: int  # articles in the database
    never_analysed: int  # checked articles with no stored analysis (all their tags would be new; not counted)
    changed: int  # checked articles with at least one tag gained or lost
    seconds: float
    limit: int | None
    changes: tuple[TagChange, ...]  # most articles affected first

    @property
    def sampled(self) -> bool:
        return self.checked + self.never_analysed < self.stored


def new_tags(analysis: ArticleAnalysis) -> dict[str, set[str]]:
    """The tags of one analysis, as stored_tags gives the stored ones."""
    return {
        "topic": {tag.slug for tag in analysis.topics},
        "country": {tag.code for tag in analysis.countries},
        "sentiment": {analysis.sentiment.label or NOT_SCORED},
    }


def preview_rules(
    db: sqlite_utils.Database,
    *,
    limit: int | None = DEFAULT_LIMIT,
    examples: int = EXAMPLES,
    progress: Callable[[int, int], None] | None = None,
) -> RulePreview:
    """Compare the stored tags of the newest `limit` articles (every article with None) with what the current
    rule files give them. Reads only; nothing is written."""
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1 (or None for every article)")
    from monitor import store
    from monitor.analysis.article import analyse_many, rules_fingerprint

    started = time.perf_counter()
    rules = rules_fingerprint()  # also makes analyse() look at the files now, not up to a second later
    ids = store.newest_article_ids(db, limit)
    total = db.execute("SELECT count(*) FROM articles").fetchone()[0] if limit is not None else len(ids)
    changes: dict[tuple[str, str], TagChange] = {}
    checked = never = changed = 0
    for done in range(0, len(ids), BATCH_SIZE):
        batch = ids[done : done + BATCH_SIZE]
        before = store.stored_tags(db, batch)
        stored = store.articles_text(db, batch)
        rows = [row for row in stored if row["id"] in before]
        never += len(stored) - len(rows)
        checked += len(rows)
        analyses = analyse_many([(row["title"], row["body"], row["declared_language"]) for row in rows])
        for row, analysis in zip(rows, analyses, strict=True):
            old = before[row["id"]]
            new = new_tags(analysis)
            differs = False
            for dimension in DIMENSIONS:
                for tag, gained in [(t, True) for t in new[dimension] - old[dimension]] + [
                    (t, False) for t in old[dimension] - new[dimension]
                ]:
                    differs = True
                    change = changes.setdefault((dimension, tag), TagChange(dimension, tag))
                    count_examples = change.gained_examples if gained else change.lost_examples
                    if gained:
                        change.gained += 1
                    else:
                        change.lost += 1
                    if len(count_examples) < examples:
                        count_examples.append((row["id"], row["title"]))
            changed += differs
        if progress:
            progress(min(done + BATCH_SIZE, len(ids)), len(ids))
    ordered = sorted(changes.values(), key=lambda c: (-(c.gained + c.lost), DIMENSIONS.index(c.dimension), c.tag))
    return RulePreview(
        rules=rules,
        checked=checked,
        stored=total,
        never_analysed=never,
        changed=changed,
        seconds=time.perf_counter() - started,
        limit=limit,
        changes=tuple(ordered),
    )


def summary_line(preview: RulePreview) -> str:
    """One sentence saying what was checked and how much would change."""
    scope = (
        f"the newest {preview.checked + preview.never_analysed:,} of {preview.stored:,} articles"
        if preview.sampled
        else f"all {preview.stored:,} articles"
    )
    line = (
        f"Checked {scope} against the current rules ({preview.rules}) in {preview.seconds:.1f} s: "
        f"{preview.changed:,} of {preview.checked:,} analysed articles would change"
    )
    if preview.never_analysed:
        line += f"; {preview.never_analysed:,} never analysed (every tag of theirs would be new, not counted)"
    return line + "."


WHAT = {"topic": "Topic", "country": "Country", "sentiment": "Tone"}


def change_rows(preview: RulePreview, label: Callable[[str, str], str] = lambda dimension, tag: tag) -> list[dict]:
    """One table row per tag that would change (for the dashboard): what, tag, gained, lost, examples."""

    def listed(examples: list[tuple[int, str]]) -> str:
        return " · ".join(f"[{article_id}] {title}" for article_id, title in examples)

    return [
        {
            "what": WHAT[change.dimension],
            "tag": label(change.dimension, change.tag) if change.tag != NOT_SCORED else NOT_SCORED,
            "code": change.tag,
            "gained": change.gained,
            "lost": change.lost,
            "would gain it (examples)": listed(change.gained_examples),
            "would lose it (examples)": listed(change.lost_examples),
        }
        for change in preview.changes
    ]
