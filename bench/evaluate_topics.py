"""Main-topic quality on our hand-labelled samples: rules alone, and rules + the classifier layer.

    .venv/bin/python bench/evaluate_topics.py

Samples (tests/analysis/, every item has a dev or test split; only dev is looked at when tuning):

* labelled_topics_desks.jsonl: broadcaster-style articles of five desks (business, entertainment, politics, sport,
  tech): 60 first items (desk-X01..X12) and 120 written later (desk-X101..X124), also reported apart;
* labelled_topics_short.jsonl: a title and one or two sentences, four classes (world, sports, business, sci/tech);
* labelled_topics_languages.jsonl: twelve items written in English and the same twelve in Urdu, Arabic, Persian,
  Hindi, French, Spanish and German (six classes);
* labelled_news.jsonl (reused): its articles of the five desks, and its titles + first sentence as short items.

The main topic is the first topic the analysis gives (`analyse()`, the same code as `ingest`); it is mapped onto each
sample's classes below. An item with no topic is "untagged" (and wrong). The classifier is trained as `newsmon topics
train` would train it on a database holding every text of every sample: only on the texts the rules tag with high
confidence and on the rules' own labels; the hand labels are never seen. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.analysis import article, topic_model, topics  # noqa: E402
from monitor.analysis.article import rules_fingerprint  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import macro_f1  # noqa: E402

HERE = Path(__file__).resolve().parent.parent / "tests" / "analysis"

DESKS = ("business", "entertainment", "politics", "sport", "tech")
SHORT = ("world", "sports", "business", "scitech")
SIX = ("world", "politics", "business", "scitech", "sports", "entertainment")

# Taxonomy topic -> class of each scheme (a topic missing from a scheme maps to "other": always wrong there).
BUSINESS = {"economy": "business", "business": "business", "markets": "business", "energy": "business"}
DESK_OF_TOPIC = {
    **BUSINESS,
    "entertainment": "entertainment",
    "politics": "politics",
    "elections": "politics",
    "sports": "sport",
    "technology": "tech",
    "science": "tech",
}
# A world desk (AG News' "World"): foreign news of every kind, politics and elections included.
WORLD = ("politics", "elections", "conflict", "terrorism", "diplomacy", "migration", "human-rights", "disasters",
         "crime", "environment", "religion", "education")  # fmt: skip
SHORT_OF_TOPIC = {
    **BUSINESS,
    **dict.fromkeys(WORLD, "world"),
    "sports": "sports",
    "technology": "scitech",
    "science": "scitech",
    "health": "scitech",  # medical research and outbreaks read as science news in such feeds
}
SIX_OF_TOPIC = {
    **BUSINESS,
    **dict.fromkeys(WORLD, "world"),
    "politics": "politics",
    "elections": "politics",
    "sports": "sports",
    "technology": "scitech",
    "science": "scitech",
    "health": "scitech",
    "entertainment": "entertainment",
}
NEWS_TO_DESK = {"business": "business", "entertainment": "entertainment", "politics": "politics",
                "sports": "sport", "technology": "tech"}  # fmt: skip
NEWS_TO_SHORT = {"business": "business", "sports": "sports", "technology": "scitech", "world": "world",
                 "politics": "world"}  # fmt: skip


@dataclass(frozen=True)
class Item:
    id: str
    split: str
    label: str
    title: str
    body: str
    language: str = "en"


@dataclass(frozen=True)
class Sample:
    name: str
    labels: tuple[str, ...]
    mapping: dict[str, str]
    items: tuple[Item, ...]


def _rows(name: str) -> list[dict]:
    path = HERE / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def first_sentence(text: str) -> str:
    cut = text.find(". ")
    return text if cut < 0 else text[: cut + 1]


def _desk_number(item: Item) -> int:
    return int(item.id.split("-")[1][1:])  # desk-b07 -> 7, desk-b107 -> 107


def samples() -> list[Sample]:
    desks = [Item(r["id"], r["split"], r["desk"], r["title"], r["body"]) for r in _rows("labelled_topics_desks.jsonl")]
    short = [Item(r["id"], r["split"], r["label"], r["title"], r["body"]) for r in _rows("labelled_topics_short.jsonl")]
    langs = [
        Item(r["id"], r["split"], r["label"], r["title"], r["body"], r["language"])
        for r in _rows("labelled_topics_languages.jsonl")
    ]
    news = _rows("labelled_news.jsonl")
    news_desks = [
        Item(r["id"], r["id"].split("-")[0], NEWS_TO_DESK[r["category"]], r["title"], r["body"])
        for r in news
        if r["category"] in NEWS_TO_DESK
    ]
    news_short = [
        Item(r["id"], r["id"].split("-")[0], NEWS_TO_SHORT[r["category"]], r["title"], first_sentence(r["body"]))
        for r in news
        if r["category"] in NEWS_TO_SHORT
    ]
    return [
        Sample("desks (5 classes)", DESKS, DESK_OF_TOPIC, tuple(desks)),
        Sample("desks: the first 60", DESKS, DESK_OF_TOPIC, tuple(i for i in desks if _desk_number(i) < 100)),
        Sample("desks: the 120 written later", DESKS, DESK_OF_TOPIC, tuple(i for i in desks if _desk_number(i) > 100)),
        Sample("short title+summary (4 classes)", SHORT, SHORT_OF_TOPIC, tuple(short)),
        Sample("languages (6 classes)", SIX, SIX_OF_TOPIC, tuple(langs)),
        Sample("labelled_news desks (reused)", DESKS, DESK_OF_TOPIC, tuple(news_desks)),
        Sample("labelled_news title+1st sentence", SHORT, SHORT_OF_TOPIC, tuple(news_short)),
    ]


def main_topic(item: Item, model: topic_model.TopicModel | None) -> str | None:
    result = article.analyse(item.title, item.body, item.language, topic_classifier=model)
    return result.topics[0].slug if result.topics else None


def train_on_everything(sets: list[Sample]) -> topic_model.TopicModel:
    """What `newsmon topics train` does on a database of every sample text: the rules' confident tags only."""
    seen: set[tuple[str, str]] = set()
    examples = []
    for sample in sets:
        for item in sample.items:
            if (item.title, item.body) in seen:
                continue
            seen.add((item.title, item.body))
            result = article.analyse(item.title, item.body, item.language)
            if result.confident_topic:
                examples.append((item.title, item.body, result.confident_topic))
    return topic_model.train(examples, rules_fingerprint())


def report(sample: Sample, predictions: dict[str, dict[str, str | None]]) -> None:
    print(f"\n== {sample.name}: n={len(sample.items)} ==")
    print(f"  {'split':<5} {'layers':<18} {'macro-F1':>8} {'accuracy':>8} {'untagged':>8}")
    for split in ("dev", "test"):
        items = [i for i in sample.items if i.split == split]
        gold = [i.label for i in items]
        for layers, by_id in predictions.items():
            pred = [sample.mapping.get(by_id[i.id], "other") if by_id[i.id] else None for i in items]
            f1 = macro_f1(gold, pred, sample.labels)
            accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(items)
            untagged = sum(p is None for p in pred) / len(items)
            print(f"  {split:<5} {layers:<18} {f1:8.3f} {accuracy:8.3f} {untagged:8.1%}")


def report_languages(sample: Sample, predictions: dict[str, dict[str, str | None]]) -> None:
    """Recall per language: the share of items given the right class. The twelve translated items ("lang-") were
    written before the terms of each language; the "late-" items (six per language, test only) after them."""
    languages = sorted({i.language for i in sample.items}, key=lambda lang: (lang != "en", lang))
    for part, prefix in (
        ("translated items, dev+test", "lang-"),
        ("late test items, written after the terms", "late-"),
    ):
        print(f"\n  per language, {part}: right class / items (tagged)")
        for layers, by_id in predictions.items():
            cells = []
            for lang in languages:
                items = [i for i in sample.items if i.language == lang and i.id.startswith(prefix)]
                if not items:
                    continue
                tagged = sum(by_id[i.id] is not None for i in items)
                right = sum(sample.mapping.get(by_id[i.id] or "", "other") == i.label for i in items)
                cells.append(f"{lang} {right}/{len(items)} ({tagged})")
            print(f"  {layers:<18} " + "  ".join(cells))


def confusion(sample: Sample, by_id: dict[str, str | None], split: str) -> None:
    table: Counter[tuple[str, str]] = Counter()
    for item in sample.items:
        if item.split == split:
            predicted = by_id[item.id]
            table[(item.label, sample.mapping.get(predicted, "other") if predicted else "none")] += 1
    columns = (*sample.labels, "other", "none")
    print(f"  {split} confusion, gold \\ predicted: " + " ".join(f"{c[:6]:>6}" for c in columns))
    for gold in sample.labels:
        print(f"  {gold:<34}" + " ".join(f"{table[(gold, c)]:>6}" for c in columns))


def errors(sample: Sample, model: topic_model.TopicModel) -> None:
    """The dev items given the wrong class, with the rule scores and terms behind the answer (dev only: the test
    items are never listed one by one, so that they stay unseen while tuning)."""
    wrong = []
    for item in sample.items:
        if item.split != "dev":
            continue
        result = article.analyse(item.title, item.body, item.language, topic_classifier=model)
        predicted = result.topics[0].slug if result.topics else None
        if sample.mapping.get(predicted or "", "other") != item.label:
            wrong.append((item, result.topics))
    print(f"  dev errors: {len(wrong)}")
    for item, tags in wrong:
        shown = "; ".join(
            f"{t.slug} {t.score:g} [{t.layer}{'' if t.probability is None else f' p={t.probability:g}'}] "
            + ", ".join(t.matched[:5])
            for t in tags[:3]
        )
        print(f"  {item.id} gold={item.label}: {item.title}\n      {shown or 'no topic'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--confusion", action="store_true", help="also print the dev confusion tables")
    parser.add_argument("--test-confusion", action="store_true", help="and the test ones (look, do not tune)")
    parser.add_argument("--errors", choices=["dev"], help="list the dev items given the wrong class (test: never)")
    parser.add_argument("--only", metavar="TEXT", help="only the samples whose name contains TEXT")
    args = parser.parse_args()
    sets = samples()
    topics.load_taxonomy()
    model = train_on_everything(sets)
    print("Classifier layer: " + topic_model.describe(model))
    for sample in sets:
        if args.only and args.only not in sample.name:
            continue
        predictions = {
            "rules": {i.id: main_topic(i, None) for i in sample.items},
            "rules+classifier": {i.id: main_topic(i, model) for i in sample.items},
        }
        report(sample, predictions)
        if sample.name.startswith("languages"):
            report_languages(sample, predictions)
        if args.confusion:
            confusion(sample, predictions["rules+classifier"], "dev")
        if args.test_confusion:
            confusion(sample, predictions["rules+classifier"], "test")
        if args.errors:
            errors(sample, model)


if __name__ == "__main__":
    main()
