"""Country tagging quality on the hand-labelled sample (tests/analysis/labelled_countries.jsonl).

Prints, for the dev and the test split separately: micro precision, recall and F1 of the countries an article
mentions and of the countries it is about, the accuracy of its main country, and recall of mentioned countries
per language (the non-English articles must reach the recall of the English ones). Run:

    .venv/bin/python bench/evaluate_countries.py            # figures
    .venv/bin/python bench/evaluate_countries.py --split dev    # the dev split only (while tuning)
    .venv/bin/python bench/evaluate_countries.py --errors dev   # also every miss and false tag of the dev split

Each split is also reported by batch: the first items (ids `-001` to `-100`), the second batch written later to
tests/analysis/LABELLING.md before anything was evaluated on them (ids `-101` and up), and a third batch written
the same way after the rules had been tuned on the second (from the ids in THIRD_BATCH_FROM), and a fourth written
the same way after the rules had been tuned on the third (from the ids in FOURTH_BATCH_FROM).
Tune rules on dev only; the test split is there to report. Figures are printed, never asserted here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.analysis import countries  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "analysis" / "labelled_countries.jsonl"
SPLITS = ("dev", "test")
# The items numbered from here on were written after the labelling guide (tests/analysis/LABELLING.md).
SECOND_BATCH_FROM = 101
# The first id of the third batch in each language (each language's numbering continues the second batch).
THIRD_BATCH_FROM = {"en": 165, "ur": 106, "ar": 106, "fa": 106, "hi": 106, "fr": 105, "es": 105, "de": 105}
# The first id of the fourth batch in each language (10 per language, written after tuning on the third).
FOURTH_BATCH_FROM = {"en": 173, "ur": 114, "ar": 114, "fa": 114, "hi": 114, "fr": 113, "es": 113, "de": 113}
BATCHES = ("first", "second", "third", "fourth")


@dataclass(frozen=True)
class Item:
    id: str
    split: str
    lang: str
    style: str
    title: str
    body: str
    mentioned: frozenset[str]
    about: frozenset[str]
    main: str | None


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: frozenset[str], predicted: frozenset[str]) -> None:
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        counts = f"(tp {self.tp}, fp {self.fp}, fn {self.fn})"
        return f"P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}  {counts}"


def load_sample(path: Path = SAMPLE) -> list[Item]:
    items = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                raw = json.loads(line)
                raw["mentioned"] = frozenset(raw["mentioned"])
                raw["about"] = frozenset(raw["about"])
                items.append(Item(**raw))
    return items


@dataclass(frozen=True)
class Prediction:
    mentioned: frozenset[str]
    about: frozenset[str]
    main: str | None


def batch(item: Item) -> str:
    """`first` for the items of the first labelling round, `second` to `fourth` for those written after the guide."""
    number = int(item.id.rsplit("-", 1)[1])
    if number >= FOURTH_BATCH_FROM[item.lang]:
        return "fourth"
    if number >= THIRD_BATCH_FROM[item.lang]:
        return "third"
    return "second" if number >= SECOND_BATCH_FROM else "first"


def predict(item: Item, gazetteer: countries.Gazetteer | None = None) -> Prediction:
    result = countries.analyse_countries(item.title, item.body, gazetteer)
    return Prediction(
        mentioned=frozenset(t.code for t in result.mentioned),
        about=frozenset(t.code for t in result.about),
        main=result.main,
    )


@dataclass
class Report:
    n: int
    mentioned: Counts
    about: Counts
    main_correct: int
    recall_by_language: dict[str, Counts]

    @property
    def main_accuracy(self) -> float:
        return self.main_correct / self.n if self.n else 0.0


def evaluate(items: list[Item], gazetteer: countries.Gazetteer | None = None) -> Report:
    mentioned, about, by_language = Counts(), Counts(), defaultdict(Counts)
    main_correct = 0
    for item in items:
        got = predict(item, gazetteer)
        mentioned.add(item.mentioned, got.mentioned)
        about.add(item.about, got.about)
        by_language[item.lang].add(item.mentioned, got.mentioned)
        main_correct += got.main == item.main
    return Report(len(items), mentioned, about, main_correct, dict(by_language))


def print_errors(items: list[Item], gazetteer: countries.Gazetteer | None = None) -> None:
    for item in items:
        got = predict(item, gazetteer)
        problems = []
        for level, gold, found in (("mentioned", item.mentioned, got.mentioned), ("about", item.about, got.about)):
            if gold != found:
                problems.append(f"{level} missed {sorted(gold - found)} extra {sorted(found - gold)}")
        if got.main != item.main:
            problems.append(f"main {got.main} (gold {item.main})")
        if problems:
            print(f"  {item.id} {item.title[:60]!r}: " + "; ".join(problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=SPLITS, help="report one split only (default: both)")
    parser.add_argument("--errors", choices=SPLITS, help="list the errors of one split")
    args = parser.parse_args()
    items = load_sample()
    gazetteer = countries.load_gazetteer()
    print(f"Labelled countries sample: {len(items)} articles ({SAMPLE.name})")
    for split in [args.split] if args.split else SPLITS:
        part = [i for i in items if i.split == split]
        report = evaluate(part, gazetteer)
        print(f"\n== {split} (n={report.n}) ==")
        print(f"  countries mentioned  {report.mentioned.line()}")
        print(f"  countries about      {report.about.line()}")
        print(f"  main country         accuracy {report.main_accuracy:.3f} ({report.main_correct}/{report.n})")
        english = report.recall_by_language.get("en")
        for lang, counts in sorted(report.recall_by_language.items(), key=lambda kv: (kv[0] != "en", kv[0])):
            gap = f"  ({counts.recall - english.recall:+.3f} vs en)" if english and lang != "en" else ""
            print(f"  recall mentioned {lang}  {counts.recall:.3f} ({counts.tp}/{counts.tp + counts.fn}){gap}")
        for name in BATCHES:
            group = evaluate([i for i in part if batch(i) == name], gazetteer)
            if group.n:
                print(
                    f"  {name} batch (n={group.n}): mentioned F1 {group.mentioned.f1:.3f}, about F1 "
                    f"{group.about.f1:.3f}, main {group.main_accuracy:.3f} ({group.main_correct}/{group.n})"
                )
    if args.errors:
        print(f"\nErrors on {args.errors}:")
        print_errors([i for i in items if i.split == args.errors], gazetteer)


if __name__ == "__main__":
    main()
