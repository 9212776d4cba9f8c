"""Tone accuracy on hand-written news sentences: plain VADER against newsmon's sentiment, dev and test apart.

    .venv/bin/python bench/evaluate_tone.py           # figures for dev and test
    .venv/bin/python bench/evaluate_tone.py --errors  # also the dev sentences newsmon gets wrong (for tuning)

Samples (tests/analysis/, each line a JSON object with a `split` of "dev" or "test"):
  * tone_finance.jsonl: finance news sentences labelled positive / neutral / negative; scored by macro-F1.
  * tone_editorial.jsonl: editorial and opinion sentences rated -3 (very negative) .. +3 (very positive);
    scored by Pearson's r between the rating and the compound score.

Plain VADER is `polarity_scores(text)["compound"]` with VADER's own +-0.05 neutral band. newsmon is
`sentiment.score("", text, "en")` and its label. The news lexicon and rules were tuned on the dev halves only;
`--errors` never lists test sentences. Figures are printed, never asserted (tests/analysis/ holds the guards).
`bench/evaluate.py` calls `evaluate()` for its report.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from monitor.analysis import sentiment  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import macro_f1 as per_label_macro_f1  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "analysis"
FINANCE = SAMPLES / "tone_finance.jsonl"
EDITORIAL = SAMPLES / "tone_editorial.jsonl"
LABELS = ("negative", "neutral", "positive")
VADER_THRESHOLD = 0.05  # VADER's documented neutral band


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def macro_f1(gold: list[str], pred: list[str | None], labels: tuple[str, ...] = LABELS) -> float:
    """Unweighted mean of per-label F1 over the three tone labels unless told otherwise."""
    return per_label_macro_f1(gold, pred, labels)


def pearson(xs: list[float], ys: list[float]) -> float:
    return statistics.correlation(xs, ys) if len(xs) > 2 else 0.0


_VADER = SentimentIntensityAnalyzer()


def vader(text: str) -> tuple[float, str]:
    compound = _VADER.polarity_scores(text)["compound"]
    return compound, sentiment.label_for(compound, VADER_THRESHOLD)


def newsmon(text: str) -> tuple[float, str]:
    result = sentiment.score("", text, "en")
    return result.compound or 0.0, result.label or "neutral"


SYSTEMS = {"plain VADER": vader, "newsmon": newsmon}


def evaluate() -> dict[str, dict[str, dict[str, float]]]:
    """{system: {"finance_dev": macro-F1, "finance_test": ..., "editorial_dev": Pearson r, "editorial_test": ...}}"""
    finance, editorial = load(FINANCE), load(EDITORIAL)
    out: dict[str, dict[str, float]] = {}
    for name, system in SYSTEMS.items():
        figures: dict[str, float] = {}
        for split in ("dev", "test"):
            part = [item for item in finance if item["split"] == split]
            figures[f"finance_{split}"] = macro_f1([i["label"] for i in part], [system(i["text"])[1] for i in part])
            part = [item for item in editorial if item["split"] == split]
            figures[f"editorial_{split}"] = pearson(
                [float(i["rating"]) for i in part], [system(i["text"])[0] for i in part]
            )
        out[name] = figures
    return {"figures": out, "counts": _counts(finance, editorial)}


def _counts(finance: list[dict], editorial: list[dict]) -> dict[str, int]:
    return {
        f"{name}_{split}": sum(i["split"] == split for i in items)
        for name, items in (("finance", finance), ("editorial", editorial))
        for split in ("dev", "test")
    }


def print_report(dev_only: bool = False) -> None:
    result = evaluate()
    counts = result["counts"]
    print("== Tone: finance news sentences (macro-F1, 3 classes) and editorial sentences (Pearson r) ==")
    print(
        f"  samples: finance dev {counts['finance_dev']}, test {counts['finance_test']}; "
        f"editorial dev {counts['editorial_dev']}, test {counts['editorial_test']}"
    )
    print(f"  {'system':<12} {'finance dev':>11} {'finance test':>12} {'editorial dev':>13} {'editorial test':>14}")
    for name, f in result["figures"].items():
        if dev_only:
            f = {key: value if key.endswith("dev") else float("nan") for key, value in f.items()}
        print(
            f"  {name:<12} {f['finance_dev']:>11.3f} {f['finance_test']:>12.3f} "
            f"{f['editorial_dev']:>13.3f} {f['editorial_test']:>14.3f}"
        )
    print(f"  newsmon neutral band |compound| < {sentiment.LABEL_THRESHOLD}; plain VADER < {VADER_THRESHOLD}")
    finance = load(FINANCE)
    for split in ("dev",) if dev_only else ("dev", "test"):
        part = [item for item in finance if item["split"] == split]
        for name, system in SYSTEMS.items():
            pred = [system(item["text"])[1] for item in part]
            per_label = ", ".join(
                f"{label} {macro_f1([i['label'] for i in part], pred, (label,)):.2f}" for label in LABELS
            )
            print(f"  finance {split:<4} {name:<12} F1 per class: {per_label}")


def print_dev_errors() -> None:
    print("\n== dev sentences newsmon gets wrong ==")
    for item in load(FINANCE):
        if item["split"] != "dev":
            continue
        compound, label = newsmon(item["text"])
        if label != item["label"]:
            print(f"  {item['label'][:3]} -> {label[:3]} {compound:+.3f}  {item['text']}")
    print()
    scored = []
    for item in load(EDITORIAL):
        if item["split"] == "dev":
            compound, _ = newsmon(item["text"])
            scored.append((abs(compound * 3 - item["rating"]), item["rating"], compound, item["text"]))
    for gap, rating, compound, text in sorted(scored, reverse=True)[:40]:
        print(f"  {rating:+d} {compound:+.3f} (gap {gap:.1f})  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="list the dev sentences newsmon gets wrong")
    parser.add_argument("--dev", action="store_true", help="print the dev figures only (while tuning)")
    args = parser.parse_args()
    print_report(dev_only=args.dev)
    if args.errors:
        print_dev_errors()


if __name__ == "__main__":
    main()
