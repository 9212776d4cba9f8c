"""The topic classifier of a database: train it on the stored articles, load it, let it tag the articles whose topic
the rules are unsure of (`newsmon topics train`, and `newsmon analyse` after the rules change).

The learning itself is pure (monitor/analysis/topic_model.py); this module reads the examples and writes the model
and the new tags through monitor/store.py, like the ingest pipeline does for articles.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from monitor import store
from monitor.analysis import topic_model, topics
from monitor.analysis.article import rules_fingerprint

log = logging.getLogger(__name__)

PER_TOPIC = 2000  # newest confident examples per topic: bounds the time and memory of training
BATCH_SIZE = 500

_LOADED: dict[str, topic_model.TopicModel] = {}


@dataclass
class TrainSummary:
    model: topic_model.TopicModel | None
    retagged: int  # articles the model tagged again
    seconds: float
    problem: str | None = None  # why there is no model (too few confident articles)

    def describe(self) -> str:
        if self.model is None:
            return f"topic classifier not trained: {self.problem}"
        return (
            f"topic classifier: {topic_model.describe(self.model)}; {self.retagged:,} articles the rules were unsure "
            f"of tagged again ({self.seconds:.1f} s)"
        )


def current_model(db: sqlite_utils.Database) -> topic_model.TopicModel | None:
    """The classifier trained under the current rules, or None (never trained, or the rules changed since)."""
    rules = rules_fingerprint()
    row = db.execute("SELECT model_id FROM topic_models WHERE rules = ?", (rules,)).fetchone()
    if row is None:
        return None
    model = _LOADED.get(row[0])
    if model is None:
        blob = store.topic_model_blob(db, rules)
        if blob is None:
            return None
        model = topic_model.TopicModel.from_bytes(blob)
        _LOADED.clear()
        _LOADED[model.id] = model
    return model


def needs_training(db: sqlite_utils.Database) -> bool:
    """No model for the current rules, or an analyst gave a verdict after the model was trained."""
    row = db.execute("SELECT trained_at FROM topic_models WHERE rules = ?", (rules_fingerprint(),)).fetchone()
    if row is None:
        return True
    newer = db.execute("SELECT 1 FROM topic_verdicts WHERE decided_at > ? LIMIT 1", (row[0][:19] + "Z",)).fetchone()
    return newer is not None


def train(
    db: sqlite_utils.Database,
    *,
    per_topic: int = PER_TOPIC,
    progress: Callable[[int, int], None] | None = None,
) -> TrainSummary:
    """Fit the classifier on the articles the current rules tag with confidence (and on analysts' confirmed tags),
    store it, and let it tag every article the rules are unsure of."""
    started = time.perf_counter()
    rules = rules_fingerprint()
    taxonomy = topics.load_taxonomy()
    examples = store.topic_training_examples(db, rules, taxonomy.slugs, per_topic=per_topic)
    try:
        model = topic_model.train(examples, rules)
    except topic_model.TrainingError as error:
        return TrainSummary(None, 0, time.perf_counter() - started, str(error))
    store.save_topic_model(db, rules, model.id, model.trained_at, model.examples, model.to_bytes())
    _LOADED.clear()
    _LOADED[model.id] = model
    retagged = apply(db, model, progress=progress)
    return TrainSummary(model, retagged, time.perf_counter() - started)


def apply(
    db: sqlite_utils.Database,
    model: topic_model.TopicModel,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Tag again, with this model, the analysed articles the rules are unsure of; each batch commits whole."""
    taxonomy = topics.load_taxonomy()
    ids = store.articles_for_classifier(db, model.id)
    for done in range(0, len(ids), BATCH_SIZE):
        batch = store.articles_text(db, ids[done : done + BATCH_SIZE])
        retagged = []
        for row in batch:
            tags, _, model_id = topic_model.tag_article(row["title"], row["body"], row["language"], model, taxonomy)
            retagged.append((row["id"], [topic_model.topic_evidence(tag) for tag in tags], model_id))
        store.replace_topics(db, retagged)
        if progress:
            progress(min(done + BATCH_SIZE, len(ids)), len(ids))
    if ids:
        store.prune_rollups(db)
    return len(ids)
