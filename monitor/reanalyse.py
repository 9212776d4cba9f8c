"""`newsmon analyse`: re-analyse the stored articles after the rules change, in batches, with progress.
It reads and writes the database, so it lives above the pure analysis package, like the ingest pipeline."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from monitor import store, topic_training
from monitor.analysis.article import analyse_many, rules_fingerprint

BATCH_SIZE = 500


@dataclass
class AnalyseSummary:
    analysed: int
    seconds: float
    rules: str
    topic_training: topic_training.TrainSummary | None = None  # when the topic classifier was trained again


def analyse_stored(
    db: sqlite_utils.Database,
    *,
    everything: bool = False,
    progress: Callable[[int, int], None] | None = None,
    train_topics: bool = True,
) -> AnalyseSummary:
    """Analyse the articles never analysed or analysed with other rules (every article with `everything`),
    oldest first so stories form in order. Each batch commits whole: an interrupted run resumes where it stopped."""
    started = time.perf_counter()
    rules = rules_fingerprint()
    ids = store.articles_to_analyse(db, rules, everything=everything)
    model = topic_training.current_model(db)
    for done in range(0, len(ids), BATCH_SIZE):
        batch = store.articles_text(db, ids[done : done + BATCH_SIZE])
        texts = [(row["title"], row["body"], row["declared_language"]) for row in batch]
        store.replace_analysis(db, list(zip(batch, analyse_many(texts, model), strict=True)))
        if progress:
            progress(min(done + BATCH_SIZE, len(ids)), len(ids))
    if ids:
        store.prune_rollups(db)
    # the classifier learns again from the new confident tags when the rules changed (or analysts gave verdicts)
    training = topic_training.train(db) if train_topics and topic_training.needs_training(db) else None
    return AnalyseSummary(
        analysed=len(ids), seconds=time.perf_counter() - started, rules=rules, topic_training=training
    )
