"""Analysis throughput on 500-word articles, on one core, and where the time goes.

    .venv/bin/python bench/analyze.py            # 2,000 articles
    .venv/bin/python bench/analyze.py -n 5000

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from ingest import article as generated_article  # bench/ingest.py: the same generated corpus

from monitor.analysis import article, clusters, countries, keywords, language, sentiment, topics


def five_hundred_words(rng: random.Random, i: int) -> tuple[str, str]:
    """Generated articles trimmed or extended to about 500 words."""
    item = generated_article(i, rng, datetime(2025, 8, 1, tzinfo=UTC))
    words = item["body"].split(" ")
    while len(words) < 500:
        words += generated_article(i + 1_000_000, rng, datetime(2025, 8, 1, tzinfo=UTC))["body"].split(" ")
    return item["title"], " ".join(words[:500])


def timed(label: str, function, texts, total: list[float]) -> None:
    started = time.process_time()
    for title, body in texts:
        function(title, body)
    per_article = (time.process_time() - started) / len(texts) * 1000
    total.append(per_article)
    print(f"  {label:<11} {per_article:6.3f} ms per article")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="articles (default 2,000)")
    args = parser.parse_args()
    rng = random.Random(11)
    texts = [five_hundred_words(rng, i) for i in range(args.n)]
    article.analyse(*texts[0])  # load the rule files and models once
    print(f"{args.n:,} articles of {len(texts[0][1].split())} words; CPU time of this one process (one core)")
    parts: list[float] = []
    timed("language", lambda t, b: language.detect(f"{t}\n{b}"), texts, parts)
    timed("countries", countries.tag, texts, parts)
    timed("topics", topics.tag, texts, parts)
    timed("sentiment", lambda t, b: sentiment.score(t, b, "en"), texts, parts)
    timed("keywords", lambda t, b: keywords.extract(t, b, "en"), texts, parts)
    timed("signature", clusters.signature, texts, parts)
    print(f"  {'sum':<11} {sum(parts):6.3f} ms")
    started = time.process_time()
    for title, body in texts:
        article.analyse(title, body, "en")
    seconds = time.process_time() - started
    print(f"analyse(): {seconds / args.n * 1000:.3f} ms per article, {args.n / seconds:,.0f} articles per second")


if __name__ == "__main__":
    main()
