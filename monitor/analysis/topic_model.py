"""The statistical topic layer: a classifier learnt from the user's own articles, with no outside labels.

How it fits the rules (monitor/analysis/topics.py):

* The rules stay first. An article whose strongest rule topic is *confident* (its score is at least
  ``classifier_confident_ratio`` x its threshold and ``classifier_confident_margin`` x the next topic's score) is a
  training example labelled with that topic; an analyst's confirmed tag is one too, and a rejected one never is.
* A TF-IDF + logistic regression model (scikit-learn) is fitted on those examples (`train`), then reduced to plain
  arrays (vocabulary, idf, coefficients) stored in the database (`to_bytes`, no pickle). Inference is a sparse dot
  product in numpy: the words of the article, their tf-idf weights, one column of coefficients per word.
* Every other article gets the model's most probable topic when the probability is at least
  ``classifier_min_probability`` (`combine`). It counts as a rule score of ``classifier_weight`` x the topic's
  threshold x the probability, so a sure prediction outranks a weak rule tag and an unsure one follows it. Its
  evidence names the layer, the probability and the words that weighed most for it.

The tokens are the rules' own normalised words (lower case, punctuation to spaces, script variants folded), so
Urdu, Arabic, Hindi or Persian text is split the same way as English; single words and pairs of words are used.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property, lru_cache

import numpy as np

from monitor.analysis import topics

__all__ = [
    "Prediction",
    "TopicModel",
    "TrainingError",
    "apply_verdicts",
    "combine",
    "confident_topic",
    "features",
    "tag_article",
    "topic_evidence",
    "train",
]

MAX_WORDS = 200  # the classifier reads the title and the lead (the words that say what it is about): bounded cost
MAX_FEATURES = 60_000
MIN_EXAMPLES_PER_TOPIC = 5
EXPLAIN_TERMS = 6


class TrainingError(ValueError):
    """Not enough confidently tagged articles to learn from; the message says what is missing."""


@dataclass(frozen=True)
class Prediction:
    slug: str
    probability: float
    terms: tuple[str, ...]  # the words that weighed most for this topic, strongest first


def features(title: str, body: str) -> list[str]:
    """The classifier's view of an article: its normalised words (title first, at most MAX_WORDS) and word pairs."""
    text = f"{title}\n{body[: MAX_WORDS * 12]}"  # enough characters for MAX_WORDS words: never normalise the rest
    words = [w for w in topics._normalise(text).split()[:MAX_WORDS] if len(w) > 1 and not w.isdigit()]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass(frozen=True, eq=False)
class TopicModel:
    """A trained classifier as plain arrays; `predict` is cheap (one sparse dot product)."""

    rules: str  # fingerprint of the rules whose confident tags it learnt from
    trained_at: str
    examples: int  # articles it learnt from
    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (features,) float32
    coef: np.ndarray  # (features, classes) float32: one row per word, so a document reads only its words' rows
    intercept: np.ndarray  # (classes,) float32
    counts: dict[str, int]  # examples per topic

    @property
    def id(self) -> str:
        """Names this model in the evidence of the articles it tagged."""
        return hashlib.sha1(f"{self.rules}:{self.trained_at}:{self.examples}".encode()).hexdigest()[:10]

    def predict(self, title: str, body: str) -> Prediction | None:
        """The most probable topic with its probability, or None when the article has no known word."""
        ids = [i for i in map(self.vocabulary.get, features(title, body)) if i is not None]
        if not ids:
            return None
        counted = Counter(ids)
        index = np.fromiter(counted.keys(), dtype=np.int64, count=len(counted))
        tf = 1.0 + np.log(np.fromiter(counted.values(), dtype=np.float32, count=len(counted)))
        weights = tf * self.idf[index]
        weights /= np.linalg.norm(weights) or 1.0
        rows = self.coef[index]
        logits = weights @ rows + self.intercept
        logits = np.exp(logits - logits.max())
        probabilities = logits / logits.sum()
        best = int(probabilities.argmax())
        contributions = rows[:, best] * weights
        order = np.argsort(-contributions)[:EXPLAIN_TERMS]
        words = self.words
        terms = tuple(words[index[i]] for i in order if contributions[i] > 0)
        return Prediction(self.classes[best], float(probabilities[best]), terms)

    @cached_property
    def words(self) -> list[str]:
        """Feature index -> word or word pair."""
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)

    def to_bytes(self) -> bytes:
        """The model as one .npz blob (no pickle: a shared database cannot run code when it is loaded)."""
        buffer = io.BytesIO()
        words = self.words
        meta = {
            "rules": self.rules,
            "trained_at": self.trained_at,
            "examples": self.examples,
            "classes": list(self.classes),
            "counts": self.counts,
        }
        np.savez_compressed(
            buffer,
            meta=np.array(json.dumps(meta)),
            words=np.array("\n".join(words)),
            idf=self.idf,
            coef=self.coef,
            intercept=self.intercept,
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TopicModel:
        return _decode(bytes(data))


@lru_cache(maxsize=4)
def _decode(data: bytes) -> TopicModel:
    """Decoded once per blob: every batch of an ingest pass reuses the same model."""
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        meta = json.loads(str(arrays["meta"]))
        words = str(arrays["words"]).split("\n")
        return TopicModel(
            rules=meta["rules"],
            trained_at=meta["trained_at"],
            examples=meta["examples"],
            classes=tuple(meta["classes"]),
            vocabulary={word: i for i, word in enumerate(words)},
            idf=arrays["idf"].astype(np.float32),
            coef=np.ascontiguousarray(arrays["coef"], dtype=np.float32),
            intercept=arrays["intercept"].astype(np.float32),
            counts=meta["counts"],
        )


# ----------------------------------------------------------------------------------------------- rules <-> model


def confident_topic(tags: list[topics.TopicTag], taxonomy: topics.Taxonomy) -> str | None:
    """The rules' main topic when they are sure of it (a training label), else None (the classifier is asked)."""
    if not tags:
        return None
    s = taxonomy.settings
    top = tags[0]
    threshold = next(t.threshold for t in taxonomy.topics if t.slug == top.slug)
    if top.score < s["classifier_confident_ratio"] * threshold:
        return None
    if len(tags) > 1 and top.score < s["classifier_confident_margin"] * tags[1].score:
        return None
    return top.slug


def combine(
    tags: list[topics.TopicTag], prediction: Prediction | None, taxonomy: topics.Taxonomy
) -> list[topics.TopicTag]:
    """The rule tags with the classifier's topic added (or merged into the same rule tag), strongest first."""
    s = taxonomy.settings
    if prediction is None or prediction.probability < s["classifier_min_probability"]:
        return tags
    topic = next((t for t in taxonomy.topics if t.slug == prediction.slug), None)
    if topic is None:  # a topic removed from the taxonomy since the model was trained
        return tags
    score = round(s["classifier_weight"] * topic.threshold * prediction.probability, 3)
    probability = round(prediction.probability, 3)
    merged, found = [], False
    for tag in tags:
        if tag.slug == prediction.slug:
            tag = replace(tag, score=max(tag.score, score), layer="rules+classifier", probability=probability)
            found = True
        merged.append(tag)
    if not found:
        merged.append(
            topics.TopicTag(
                topic.slug, topic.label, score, prediction.terms, layer="classifier", probability=probability
            )
        )
    merged.sort(key=lambda t: (-t.score, t.slug))
    return merged


def topic_evidence(tag: topics.TopicTag) -> dict:
    """A tag as stored in the evidence (JSON): which layer gave it, its score, and its probability if any."""
    evidence = {
        "slug": tag.slug,
        "label": tag.label,
        "score": round(tag.score, 3),
        "matched": list(tag.matched),
        "layer": tag.layer,
    }
    if tag.probability is not None:
        evidence["probability"] = tag.probability
    return evidence


def apply_verdicts(
    tags: list[dict], verdicts: dict[str, str], taxonomy: topics.Taxonomy
) -> tuple[list[dict], list[dict]]:
    """Analysts' verdicts over the layers' topic evidence: (tags kept, strongest first; tags rejected). A rejected
    topic is dropped, a confirmed one is kept (and added, at its threshold's score, when no layer gave it)."""
    layers = [{k: v for k, v in tag.items() if k != "verdict"} for tag in tags if tag.get("layer") != "analyst"]
    kept, rejected = [], []
    for tag in layers:
        verdict = verdicts.get(tag["slug"])
        if verdict == "rejected":
            rejected.append({**tag, "verdict": "rejected"})
        else:
            kept.append({**tag, "verdict": verdict} if verdict else tag)
    given = {tag["slug"] for tag in layers}
    by_slug = {topic.slug: topic for topic in taxonomy.topics}
    for slug, verdict in sorted(verdicts.items()):
        if verdict == "confirmed" and slug not in given and slug in by_slug:
            topic = by_slug[slug]
            kept.append(
                {"slug": slug, "label": topic.label, "score": topic.threshold, "matched": [], "layer": "analyst",
                 "verdict": "confirmed"}
            )  # fmt: skip
    kept.sort(key=lambda tag: (-tag["score"], tag["slug"]))
    return kept, rejected


# ----------------------------------------------------------------------------------------------- training


def train(examples: list[tuple[str, str, str]], rules: str, *, c: float = 20.0) -> TopicModel:
    """Fit the classifier on (title, body, topic) examples. Topics with fewer than MIN_EXAMPLES_PER_TOPIC examples
    are left out; at least two topics must remain."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # imported here: only training needs scikit-learn
    from sklearn.linear_model import LogisticRegression

    counts = Counter(label for _, _, label in examples)
    kept = {label for label, n in counts.items() if n >= MIN_EXAMPLES_PER_TOPIC}
    if len(kept) < 2:
        raise TrainingError(
            f"need at least {MIN_EXAMPLES_PER_TOPIC} confidently tagged articles on each of two topics; "
            f"have {', '.join(f'{label} {n}' for label, n in counts.most_common()) or 'none'}"
        )
    chosen = [(title, body, label) for title, body, label in examples if label in kept]
    vectorizer = TfidfVectorizer(
        analyzer=lambda pair: features(*pair),
        sublinear_tf=True,
        min_df=2 if len(chosen) >= 200 else 1,
        max_df=0.5,
        max_features=MAX_FEATURES,
        dtype=np.float32,
    )
    matrix = vectorizer.fit_transform([(title, body) for title, body, _ in chosen])
    labels = [label for _, _, label in chosen]
    classifier = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    classifier.fit(matrix, labels)
    classes = tuple(str(label) for label in classifier.classes_)
    coef = classifier.coef_
    intercept = classifier.intercept_
    if len(classes) == 2:  # a binary model has one row for the second class: make it two, softmax-equivalent
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    vocabulary = {str(word): int(i) for word, i in vectorizer.vocabulary_.items()}
    return TopicModel(
        rules=rules,
        trained_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        examples=len(chosen),
        classes=classes,
        vocabulary=vocabulary,
        idf=vectorizer.idf_.astype(np.float32),
        coef=np.ascontiguousarray(coef.T, dtype=np.float32),
        intercept=np.asarray(intercept, dtype=np.float32),
        counts={label: counts[label] for label in classes},
    )


def describe(model: TopicModel) -> str:
    """One line for people: when, from how many articles, on which topics."""
    per_topic = ", ".join(f"{label} {model.counts.get(label, 0)}" for label in model.classes)
    size = f"{len(model.vocabulary):,} words"
    return f"model {model.id} trained {model.trained_at[:19]}Z on {model.examples:,} articles ({per_topic}); {size}"


def tag_article(
    title: str,
    body: str,
    language: str | None,
    model: TopicModel | None,
    taxonomy: topics.Taxonomy | None = None,
) -> tuple[list[topics.TopicTag], str | None, str | None]:
    """Both layers on one article: (tags strongest first, the rules' confident topic or None, the id of the model
    asked: None when the rules were sure, "" when the classifier was needed but there is no model)."""
    tax = taxonomy if taxonomy is not None else topics.load_taxonomy()
    tags = topics.tag(title, body, tax, language)
    confident = confident_topic(tags, tax)
    if confident is not None:
        return tags, confident, None
    if model is None:
        return tags, None, ""
    return combine(tags, model.predict(title, body), tax), None, model.id
