"""Whether analyse() still gives the same results: a digest of every output field on ~1,900 varied texts.

    .venv/bin/python bench/analysis_digest.py save /tmp/before     # before a change to the analysis code
    .venv/bin/python bench/analysis_digest.py check /tmp/before    # after it: lists every text whose output changed

The texts: 300 of bench/analyse.py's 500-word articles (declared "en", and some undeclared), every item of the
labelled samples in tests/analysis/ (English and other languages, long and short, declared and undeclared), the tone
sentences as bodies and as headlines, and edge cases (empty, one word, "İ", emoji, digits). Each output is
written as canonical JSON: language, every tag with its evidence and scores (floats rounded to 1e-9), keywords,
the signature's bytes, the sentiment with its strongest sentences, topic layers. `save` also stores the topic
classifier it trains on the bench articles, so `check` asks the very same model. A speed-up must change nothing
here; `check` exits 1 and names the texts when it does.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyse import corpus  # noqa: E402

from monitor.analysis import article, clusters, sentiment, topic_model, topics  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "analysis"
EDGE_CASES = [
    ("", ""),
    ("Title only", ""),
    ("", "Body only."),
    ("İstanbul İzmir", "İSTANBUL — Turkey's İstanbul saw protests. İ am not happy! Really?"),
    ("😀 Markets 🚀", "Shares soared 😀 to a record. Investors cheered!!! Is this the top??"),
    ("2024", "1 2 3 4 5 6 7 8 9"),
    ("Georgia", "Georgia. Atlanta, Georgia. Tbilisi."),
    ("UPPER CASE HEADLINE ABOUT CHINA", "THE US AND CHINA AGREED. Not bad, but not great either."),
    ("Kind of a mess", "It was kind of good. He didn't like it at all. Never so good. Without doubt the best."),
    ("Hyderabad", "Hyderabad, Sindh and Karachi. Springfield, Illinois."),
]


def _items() -> list[tuple[str, str, str, str | None]]:
    """(name, title, body, declared language)."""
    out: list[tuple[str, str, str, str | None]] = []
    for i, (title, body) in enumerate(corpus(300, seed=29)):
        out.append((f"bench-{i}", title, body, "en" if i % 5 else None))
    for path in sorted(SAMPLES.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            item = json.loads(line)
            lang = item.get("lang") or item.get("language")
            name = f"{path.stem}-{number}"
            if "text" in item:
                out.append((name + "-body", "", item["text"], "en"))
                out.append((name + "-title", item["text"], "", None))
            else:
                out.append((name, item["title"], item["body"], lang))
                out.append((name + "-undeclared", item["title"], item["body"], None))
                if lang and lang != "en":
                    out.append((name + "-declared-en", item["title"], item["body"], "en"))
    out += [(f"edge-{i}", title, body, lang) for i, (title, body) in enumerate(EDGE_CASES) for lang in ("en", None)]
    return out


def _plain(value: object) -> object:
    """JSON-ready, with floats rounded to 1e-9 and bytes as hex."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _outputs(model: topic_model.TopicModel) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, title, body, lang in _items():
        result = article.analyse(title, body, lang)
        record = {"analysis": _plain(result), "evidence": _plain(result.evidence())}
        if name.startswith(("bench-", "labelled_topics", "edge-")):
            record["with_model"] = _plain(article.analyse(title, body, lang, model))
        if name.startswith("tone_"):
            record["vader_only"] = _plain(sentiment.score(title, body, "en", news_lexicon=False))
        if name.startswith("labelled_topics"):
            record["score_topics"] = _plain(topics.score_topics(title, body, language=lang))
        record["title_band_keys"] = clusters.title_band_keys(title)
        out[name] = json.dumps(record, sort_keys=True, ensure_ascii=False)
    return out


def _model(folder: Path, create: bool) -> topic_model.TopicModel:
    path = folder / "topic_model.npz"
    if create:
        examples = []
        for title, body in corpus(300, seed=31):
            result = article.analyse(title, body, "en")
            if result.confident_topic:
                examples.append((title, body, result.confident_topic))
        model = dataclasses.replace(topic_model.train(examples, "digest"), trained_at="2000-01-01T00:00:00.000000Z")
        path.write_bytes(model.to_bytes())
    return topic_model.TopicModel.from_bytes(path.read_bytes())


def _differences(before: object, after: object, where: str = "") -> list[str]:
    """The paths of the fields that differ ("analysis.sentiment.news_terms")."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            d for k in before.keys() | after.keys() for d in _differences(before.get(k), after.get(k), f"{where}.{k}")
        ]
    if before != after:
        return [f"{where.lstrip('.')}: {before!r} -> {after!r}"[:400]]
    return []


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":  # set and dict orders must not vary from run to run
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("save", "check"))
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    outputs = _outputs(_model(args.folder, args.action == "save"))
    digest = hashlib.sha256("\n".join(f"{k}\t{v}" for k, v in outputs.items()).encode()).hexdigest()
    saved = args.folder / "outputs.jsonl"
    if args.action == "save":
        saved.write_text("".join(json.dumps([k, v], ensure_ascii=False) + "\n" for k, v in outputs.items()))
        print(f"{len(outputs):,} outputs saved to {saved}; digest {digest[:16]}")
        return
    before = dict(json.loads(line) for line in saved.read_text().splitlines())
    changed = [k for k in before.keys() | outputs.keys() if before.get(k) != outputs.get(k)]
    for name in sorted(changed)[:20]:
        old, new = json.loads(before.get(name, "{}")), json.loads(outputs.get(name, "{}"))
        print(f"changed: {name}")
        for difference in sorted(_differences(old, new))[:6]:
            print(f"  {difference}")
    print(f"{len(outputs):,} outputs, {len(changed):,} changed; digest {digest[:16]}")
    sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
