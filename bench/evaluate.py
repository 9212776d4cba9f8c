"""Quality and speed of topic and sentiment analysis on the labelled sample (tests/analysis/labelled_news.jsonl).

Prints: topic accuracy (dev, test, all) with a confusion table, sentiment accuracy and macro-F1 with and without the
news lexicon, and milliseconds per 500-word article for topics.tag and sentiment.score. Run:

    .venv/bin/python bench/evaluate.py

The sample's ids say its split: "dev-..." items were used to write the taxonomy and the lexicon, "test-..." items
were held out. Figures are printed, never asserted here (tests/analysis/ holds the regression guards).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.analysis import sentiment, topics  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "analysis" / "labelled_news.jsonl"
CATEGORIES = ("sports", "business", "technology", "entertainment", "politics", "world")

# Topic slug -> the editor's category (the six desks of a general news site; BBC News / AG News style).
#  * business: the economy, companies, markets and energy are all read on the business pages.
#  * technology: technology and science, as in AG News' "Sci/Tech" (space, research, gadgets, the internet).
#  * politics: domestic politics and elections; education policy is argued in parliaments and ministries.
#  * world: what a foreign desk covers: wars, terrorism, diplomacy, migration, human rights, disasters, and the
#    crime, health (outbreaks), environment (climate summits, weather extremes) and religion stories that reach it.
#    These are judgement calls: a drug trial or a climate study could sit under technology instead.
CATEGORY_OF_TOPIC = {
    "economy": "business",
    "business": "business",
    "markets": "business",
    "energy": "business",
    "technology": "technology",
    "science": "technology",
    "politics": "politics",
    "elections": "politics",
    "education": "politics",
    "conflict": "world",
    "terrorism": "world",
    "diplomacy": "world",
    "migration": "world",
    "human-rights": "world",
    "disasters": "world",
    "crime": "world",
    "health": "world",
    "environment": "world",
    "religion": "world",
    "sports": "sports",
    "entertainment": "entertainment",
}


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    body: str
    category: str
    sentiment: str

    @property
    def split(self) -> str:
        return self.id.split("-", 1)[0]


def load_sample(path: Path = SAMPLE) -> list[Item]:
    """The labelled articles, one JSON object a line."""
    with path.open(encoding="utf-8") as f:
        return [Item(**json.loads(line)) for line in f if line.strip()]


def predict_category(item: Item, taxonomy: topics.Taxonomy | None = None) -> str | None:
    """The editor category of the strongest topic (None when no topic has any evidence)."""
    ranked = topics.score_topics(item.title, item.body, taxonomy)
    return CATEGORY_OF_TOPIC.get(ranked[0].slug) if ranked else None


def topic_accuracy(items: list[Item], taxonomy: topics.Taxonomy | None = None) -> float:
    """Share of items whose strongest topic maps to the labelled category."""
    if not items:
        return 0.0
    return sum(predict_category(i, taxonomy) == i.category for i in items) / len(items)


def macro_f1(gold: list[str], pred: list[str | None], labels: tuple[str, ...]) -> float:
    """Unweighted mean of per-label F1."""
    scores = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def synthetic_article(words: int = 500) -> tuple[str, str]:
    """A 500-word wire-style article (about 25 sentences) made from the sample's own bodies."""
    items = load_sample()
    sentences: list[str] = []
    for item in items:
        sentences.extend(s.strip() + "." for s in item.body.split(". ") if s.strip())
    body: list[str] = []
    count = 0
    for s in sentences:
        if count >= words:
            break
        body.append(s.rstrip(".") + ".")
        count += len(s.split())
    paragraphs = [" ".join(body[i : i + 4]) for i in range(0, len(body), 4)]
    return items[0].title, "\n\n".join(paragraphs)


def timed(fn, *args, repeat: int = 300) -> float:  # noqa: ANN001 - any callable
    """Median over 5 rounds of the mean milliseconds per call."""
    fn(*args)
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn(*args)
        rounds.append((time.perf_counter() - start) * 1000 / repeat)
    return statistics.median(rounds)


def print_topics(items: list[Item]) -> None:
    tax = topics.load_taxonomy()
    print("== Topics: strongest topic -> editor category ==")
    for split in ("dev", "test"):
        part = [i for i in items if i.split == split]
        print(f"  accuracy {split:<4} {topic_accuracy(part, tax):.3f}  (n={len(part)})")
    print(f"  accuracy all  {topic_accuracy(items, tax):.3f}  (n={len(items)})")
    confusion: Counter[tuple[str, str]] = Counter()
    for item in items:
        confusion[(item.category, predict_category(item, tax) or "none")] += 1
    columns = (*CATEGORIES, "none")
    print("\n  gold \\ predicted " + " ".join(f"{c[:6]:>6}" for c in columns))
    for gold in CATEGORIES:
        print(f"  {gold:<17}" + " ".join(f"{confusion[(gold, c)]:>6}" for c in columns))
    tagged = [len(topics.tag(i.title, i.body, tax)) for i in items]
    print(
        f"\n  tag(): mean {statistics.mean(tagged):.2f} topics per article; "
        f"{sum(n == 0 for n in tagged)} of {len(items)} with none above threshold"
    )


def print_sentiment(items: list[Item]) -> None:
    labels = ("negative", "neutral", "positive")
    gold = [i.sentiment for i in items]
    print("\n== Sentiment: 3-class label vs the reader's rating ==")
    runs = (
        ("with news lexicon", True, sentiment.LABEL_THRESHOLD),
        ("VADER only", False, sentiment.LABEL_THRESHOLD),
        ("VADER only @0.05", False, 0.05),  # VADER's own conventional threshold, for fairness
    )
    for name, lexicon, threshold in runs:
        results = [sentiment.score(i.title, i.body, "en", news_lexicon=lexicon) for i in items]
        pred = [sentiment.label_for(r.compound, threshold) if r.compound is not None else None for r in results]
        acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(items)
        test = [(g, p) for g, p, i in zip(gold, pred, items, strict=True) if i.split == "test"]
        acc_test = sum(g == p for g, p in test) / len(test)
        f1 = macro_f1(gold, pred, labels)
        print(f"  {name:<18} accuracy {acc:.3f} (test half {acc_test:.3f})  macro-F1 {f1:.3f}")
    print(f"  label threshold |compound| >= {sentiment.LABEL_THRESHOLD}")


def print_speed() -> None:
    title, body = synthetic_article()
    words = len(title.split()) + len(body.split())
    topics.load_taxonomy()
    t_topics = timed(topics.tag, title, body, repeat=2000)
    t_sent = timed(sentiment.score, title, body, "en")
    print(f"\n== Speed on a synthetic {words}-word article ({body.count('.')} sentences) ==")
    print(f"  topics.tag        {t_topics:.3f} ms")
    print(f"  sentiment.score   {t_sent:.3f} ms")
    print(f"  both              {t_topics + t_sent:.3f} ms")


def main() -> None:
    items = load_sample()
    counts = Counter(i.category for i in items)
    print(f"Labelled sample: {len(items)} articles; " + ", ".join(f"{c} {counts[c]}" for c in CATEGORIES) + "\n")
    print_topics(items)
    print_sentiment(items)
    print_speed()


if __name__ == "__main__":
    main()
