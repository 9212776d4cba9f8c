"""One article's full analysis: language, countries, topics, sentiment, keywords and story signature.

Pure: text and the rule files in, an ArticleAnalysis with its evidence out. The store writes it in the
same transaction as the article; `newsmon analyse` re-runs it when the rules change (see `rules_fingerprint`).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from monitor import config
from monitor.analysis import clusters, countries, keywords, language, sentiment, topic_model, topics

# Bump when the analysis code changes in a way that should re-tag stored articles.
CODE_VERSION = "2"  # 2: countries mentioned and about (towns, regions, other languages); topic layers
# A detected language replaces the declared one only when the detector is this sure (feeds often
# declare their CMS default, say "en-us", for every entry).
LANGUAGE_OVERRIDE_CONFIDENCE = 0.9
KEYWORDS_PER_ARTICLE = 10
# analyse() looks at the rule files' dates at most this often: an edit (while the fetcher runs) takes effect within
# a second, and a batch of articles no longer pays eight stat() calls each.
RULES_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class ArticleAnalysis:
    language: str | None
    language_detected: language.LanguageGuess
    language_method: str  # how the language was settled, for the evidence
    countries: tuple[countries.CountryTag, ...]  # the countries it is about, strongest first
    countries_mentioned: tuple[countries.CountryTag, ...]  # every country it names (those it is about too)
    topics: tuple[topics.TopicTag, ...]
    sentiment: sentiment.Sentiment
    keywords: tuple[keywords.Keyword, ...]
    signature: bytes
    rules: str  # fingerprint of the code and rule files that produced it
    confident_topic: str | None = None  # the rules' sure main topic: a training example for the classifier
    topic_model: str | None = None  # id of the classifier asked; None: the rules were sure; "": no model yet

    def evidence(self) -> dict:
        """Why each tag was given, as JSON-ready data (stored, shown by `newsmon explain` and the reader)."""
        return {
            "rules": self.rules,
            "language": {
                "value": self.language,
                "detected": self.language_detected.code,
                "confidence": round(self.language_detected.confidence, 3),
                "method": self.language_method,
            },
            "countries": [_country_evidence(tag) for tag in self.countries],
            "countries_mentioned": [_country_evidence(tag) for tag in self.countries_mentioned],
            "topics": [topic_model.topic_evidence(tag) for tag in self.topics],
            "topic_layers": {"confident": self.confident_topic, "model": self.topic_model},
            "sentiment": {
                "compound": None if self.sentiment.compound is None else round(self.sentiment.compound, 4),
                "label": self.sentiment.label,
                "reason": self.sentiment.reason,
                "sentences": self.sentiment.sentences,
                "strongest": [[text, round(value, 3)] for text, value in self.sentiment.strongest],
                "news_terms": list(self.sentiment.news_terms),
            },
            "keywords": [[keyword.phrase, round(keyword.score, 3)] for keyword in self.keywords],
        }


def _country_evidence(tag: countries.CountryTag) -> dict:
    evidence = {
        "code": tag.code,
        "name": tag.name,
        "score": round(tag.score, 3),
        "mentions": tag.mentions,
        "matched": list(tag.matched),
        "in_title": tag.in_title,
    }
    if tag.located:  # only then: the evidence of every other article stays as it was stored
        evidence["located"] = list(tag.located)
    return evidence


def analyse(
    title: str,
    body: str,
    declared_language: str | None = None,
    topic_classifier: topic_model.TopicModel | None = None,
) -> ArticleAnalysis:
    """Every tag for one article, with the evidence for each. `topic_classifier` (trained on the stored articles,
    see monitor/topic_training.py) tags the articles whose topic the rules are not sure of."""
    return analyse_many([(title, body, declared_language)], topic_classifier)[0]


def analyse_many(
    texts: Sequence[tuple[str, str, str | None]],
    topic_classifier: topic_model.TopicModel | None = None,
) -> list[ArticleAnalysis]:
    """analyse() of each (title, body, declared language), in order, with the same results. One step at a time
    over the whole batch (every language, then every topic...): each step's tables stay in the processor's caches
    instead of evicting one another at every article, which saves about a sixth of the time."""
    rules = _current_rules()
    languages = [_settle_language(title, body, declared) for title, body, declared in texts]
    topic_layers = [
        topic_model.tag_article(title, body, chosen, topic_classifier, rules.taxonomy)
        for (title, body, _), (chosen, _, _) in zip(texts, languages, strict=True)
    ]
    places = [countries.analyse_countries(title, body, rules.gazetteer) for title, body, _ in texts]
    tones = [
        sentiment.score(title, body, chosen, scorer=rules.scorer)
        for (title, body, _), (chosen, _, _) in zip(texts, languages, strict=True)
    ]
    phrases = [
        keywords.extract(title, body, chosen, top=KEYWORDS_PER_ARTICLE)
        for (title, body, _), (chosen, _, _) in zip(texts, languages, strict=True)
    ]
    signatures = [clusters.signature(title, body) for title, body, _ in texts]
    return [
        ArticleAnalysis(
            language=chosen,
            language_detected=detected,
            language_method=method,
            countries=place.about,
            countries_mentioned=place.mentioned,
            topics=tuple(topic_tags),
            sentiment=tone,
            keywords=tuple(phrase),
            signature=signature,
            rules=rules.fingerprint,
            confident_topic=confident,
            topic_model=model_id,
        )
        for (chosen, detected, method), (topic_tags, confident, model_id), place, tone, phrase, signature in zip(
            languages, topic_layers, places, tones, phrases, signatures, strict=True
        )
    ]


def _settle_language(title: str, body: str, declared: str | None) -> tuple[str | None, language.LanguageGuess, str]:
    """(language, detector's guess, how it was settled). A declared English that the text's share of common
    English words confirms is kept without running the detector (most feeds declare their language, and the
    detector is the costliest step per article); anything else is detected."""
    if declared == "en":
        english, share = sentiment.looks_english(f"{title} {body}")
        if english:
            return "en", language.LanguageGuess(None, 0.0), f"declared en, confirmed: {share:.0%} common English words"
    detected = language.detect(f"{title}\n{body}")
    if detected.code and (not declared or detected.confidence >= LANGUAGE_OVERRIDE_CONFIDENCE):
        return detected.code, detected, f"detected by py3langid ({detected.confidence:.2f})"
    return declared, detected, f"declared {declared}" if declared else "unknown"


class RulesError(Exception):
    """A rule file (taxonomy, gazetteer, lexicon) cannot be read; the message names the file and line."""


def check_rules() -> None:
    """Load every rule file now, so a broken one stops a command before it stores unanalysed articles."""
    try:
        countries.load_gazetteer()
        topics.load_taxonomy()
        sentiment.load_lexicon()
        sentiment.load_tone_rules()
    except (ValueError, OSError) as error:  # TaxonomyError and GazetteerError are ValueErrors
        raise RulesError(str(error)) from error


def rules_fingerprint() -> str:
    """Changes whenever the analysis code version or a rule file (taxonomy, gazetteer, lexicon, tone rules) changes.
    Looks at the files now, so the next analyse() uses the rules this names (a command calls it before a batch)."""
    global _loaded
    paths = _rule_paths()
    dates = _file_dates(paths)
    with _loading:
        loaded = _loaded
        if loaded is not None and all(map(_same, paths, loaded.paths)):
            _loaded = replace(loaded, checked=time.monotonic()) if dates == loaded.dates else None
    return _fingerprint(dates)


def _rule_paths() -> tuple[Path, Path, Path, Path]:
    return (config.TAXONOMY, config.COUNTRY_ALIASES, config.NEWS_LEXICON, config.TONE_RULES)


def _file_dates(paths: tuple[Path, ...]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime in ns, size) of each file: the key the loaders keep their compiled rules under."""
    return tuple((str(path), *_date(path)) for path in paths)


def _date(path: Path) -> tuple[int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return 0, -1
    return info.st_mtime_ns, info.st_size


@dataclass(frozen=True)
class _LoadedRules:
    """The rules analyse() uses, loaded together, and when their files were last looked at."""

    paths: tuple[Path, ...]  # config's path objects when loaded: a test or a command that points config elsewhere
    dates: tuple[tuple[str, int, int], ...]
    fingerprint: str
    taxonomy: topics.Taxonomy
    gazetteer: countries.Gazetteer
    scorer: sentiment.Scorer
    checked: float  # time.monotonic()


_loaded: _LoadedRules | None = None
_loading = threading.Lock()


def _current_rules() -> _LoadedRules:
    """The loaded rules, with their files' dates looked at again when RULES_CHECK_SECONDS have passed or config
    points at other files; a changed file is loaded again (each loader keeps its compiled rules per file date)."""
    global _loaded
    paths = _rule_paths()
    now = time.monotonic()
    loaded = _loaded
    if loaded is not None and now - loaded.checked < RULES_CHECK_SECONDS and all(map(_same, paths, loaded.paths)):
        return loaded
    with _loading:
        dates = _file_dates(paths)
        if loaded is not None and dates == loaded.dates and all(map(_same, paths, loaded.paths)):
            _loaded = loaded = replace(loaded, checked=now)
            return loaded
        _loaded = loaded = _LoadedRules(
            paths=paths,
            dates=dates,
            fingerprint=_fingerprint(dates),
            taxonomy=topics.load_taxonomy(),
            gazetteer=countries.load_gazetteer(),
            scorer=sentiment.scorer(),
            checked=time.monotonic(),  # after loading, which may take a second when nothing is compiled yet
        )
        return loaded


def _same(a: Path, b: Path) -> bool:
    return a is b or a == b


@lru_cache(maxsize=8)
def _fingerprint(files: tuple[tuple[str, int, int], ...]) -> str:
    """The digest of the code version and the files' bytes (their dates are only the cache key)."""
    digest = hashlib.sha1(CODE_VERSION.encode())
    for path, *_ in files:
        try:
            digest.update(Path(path).read_bytes())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()[:12]
