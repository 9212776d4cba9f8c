"""Analysis throughput on 500-word articles, on one core, and where the time goes.

    .venv/bin/python bench/analyse.py            # 2,000 articles
    .venv/bin/python bench/analyse.py -n 5000
    .venv/bin/python bench/analyse.py -n 600 -r 3   # best of three runs of each timing (on a busy machine)

The articles are made of the hand-written news items of tests/analysis/labelled_news.jsonl: each one
strings together items of one category until it reaches 500 words, so the words, sentence lengths and
sentiment density are those of news, not of a template. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import time
from collections import defaultdict
from pathlib import Path

from monitor.analysis import article, clusters, countries, keywords, language, sentiment, topic_model, topics

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "analysis" / "labelled_news.jsonl"


def corpus(count: int, seed: int = 11) -> list[tuple[str, str]]:
    """`count` (title, body) pairs of about 500 words, each from news items of one category."""
    by_category: dict[str, list[dict]] = defaultdict(list)
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        by_category[item["category"]].append(item)
    rng = random.Random(seed)
    categories = sorted(by_category)
    articles = []
    for i in range(count):
        items = by_category[categories[i % len(categories)]]
        first = rng.choice(items)
        paragraphs, words = [first["body"]], len(first["body"].split())
        while words < 500:
            extra = rng.choice(items)
            paragraphs.append(extra["title"] + ". " + extra["body"])
            words += len(paragraphs[-1].split())
        body = " ".join(" ".join(paragraphs).split(" ")[:500])
        articles.append((first["title"], body))
    return articles


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def best_of(repeat: int, function, texts) -> float:
    """The least CPU time, in seconds, of `repeat` runs of function(title, body) over the texts."""
    runs = []
    for _ in range(repeat):
        started = time.process_time()
        for title, body in texts:
            function(title, body)
        runs.append(time.process_time() - started)
    return min(runs)


BATCH = 50  # monitor/ingest/pipeline.py's CHUNK


def best_of_batches(repeat: int, declared: str | None, texts) -> float:
    """The least CPU time, in seconds, of `repeat` runs of analyse_many over the texts in batches of BATCH."""
    batches = [[(t, b, declared) for t, b in texts[i : i + BATCH]] for i in range(0, len(texts), BATCH)]
    runs = []
    for _ in range(repeat):
        started = time.process_time()
        for batch in batches:
            article.analyse_many(batch)
        runs.append(time.process_time() - started)
    return min(runs)


def timed(label: str, function, texts, total: list[float], repeat: int = 1) -> None:
    per_article = best_of(repeat, function, texts) / len(texts) * 1000
    total.append(per_article)
    print(f"  {label:<11} {per_article:6.3f} ms per article")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="articles (default 2,000)")
    parser.add_argument("-r", "--repeat", type=int, default=1, help="runs of each timing; the best is printed")
    args = parser.parse_args()
    print(f"load average {_load()} (2 cores: figures above 2 are slowed by other processes)")
    texts = corpus(args.n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    gazetteer = countries.load_gazetteer()
    built = time.perf_counter() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(f"country gazetteer: {gazetteer.phrases:,} phrases, built in {built:.1f} s, +{grown / 1024:.0f} MB peak")
    article.analyse(*texts[0])  # load the rule files and models once
    print(f"{args.n:,} articles of {len(texts[0][1].split())} words; CPU time of this one process (one core)")
    parts: list[float] = []
    repeat = args.repeat
    timed("language", lambda t, b: language.detect(f"{t}\n{b}"), texts, parts, repeat)
    timed("countries", countries.tag, texts, parts, repeat)
    timed("topics", topics.tag, texts, parts, repeat)
    timed("sentiment", lambda t, b: sentiment.score(t, b, "en"), texts, parts, repeat)
    timed("keywords", lambda t, b: keywords.extract(t, b, "en"), texts, parts, repeat)
    timed("signature", clusters.signature, texts, parts, repeat)
    print(f"  {'sum':<11} {sum(parts):6.3f} ms")
    for declared in ("en", None):
        seconds = best_of(repeat, lambda t, b, declared=declared: article.analyse(t, b, declared), texts)
        print(
            f"analyse() with declared language {declared!r}: {seconds / args.n * 1000:.3f} ms per article, "
            f"{args.n / seconds:,.0f} articles per second"
        )
        seconds = best_of_batches(repeat, declared, texts)
        print(
            f"  analyse_many() in batches of {BATCH} (as the ingest workers get them): "
            f"{seconds / args.n * 1000:.3f} ms per article, {args.n / seconds:,.0f} articles per second"
        )
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load average {_load()}")
    with_topic_classifier(texts)


def with_topic_classifier(texts: list[tuple[str, str]]) -> None:
    """analyse() with the topic classifier trained on these articles' confident rule tags (as `newsmon topics
    train` does), and what the model costs in memory."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    examples = []
    for title, body in texts:
        result = article.analyse(title, body, "en")
        if result.confident_topic:
            examples.append((title, body, result.confident_topic))
    started = time.process_time()
    model = topic_model.train(examples, article.rules_fingerprint())
    trained = time.process_time() - started
    blob = model.to_bytes()
    model = topic_model.TopicModel.from_bytes(blob)
    unsure = sum(article.analyse(t, b, "en").confident_topic is None for t, b in texts)
    started = time.process_time()
    for title, body in texts:
        article.analyse(title, body, "en", model)
    seconds = time.process_time() - started
    arrays = model.coef.nbytes + model.idf.nbytes
    print(
        f"analyse() with a topic classifier ({len(model.vocabulary):,} features x {len(model.classes)} topics, "
        f"trained on {len(examples):,} articles in {trained:.1f} s; the rules were unsure of {unsure:,} of "
        f"{len(texts):,}): {seconds / len(texts) * 1000:.3f} ms per article, {len(texts) / seconds:,.0f} articles "
        f"per second"
    )
    print(
        f"  model: {len(blob) / 1e6:.1f} MB stored, {arrays / 1e6:.1f} MB of arrays in memory; peak RSS of this "
        f"process {before / 1024:.0f} MB before training, "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB after"
    )


if __name__ == "__main__":
    main()
