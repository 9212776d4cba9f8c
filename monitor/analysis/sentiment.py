"""Article tone: VADER scored sentence by sentence, plus a small news lexicon (data/news_lexicon.tsv).

Why sentence by sentence: VADER sums word valences and squashes the sum, so on a whole 500-word body the compound
runs to +-1 whatever the tone. A reader rates an article by its headline and by how much of it is bad or good news,
so the article score is a weighted MEAN of sentence compounds: the headline counts twice (HEADLINE_WEIGHT), every
body sentence once, and a sentence with no sentiment word counts as a 0. One grim sentence in a long neutral report
moves the mean a little, a report of deaths throughout moves it a lot.

The news lexicon fills what VADER misses in news copy ("shares fell", "casualties", "ceasefire") and neutralises
VADER words that mislead there ("shares" +1.2, "party" +1.7). Single words go straight into the analyzer's lexicon;
phrases are joined into one token before VADER reads the sentence ("shares fell" -> "shares_fell"), so VADER's
negation and booster rules still apply to them.

Speed: one analyzer per lexicon, created lazily; a sentence with no lexicon word is not given to VADER (it would
score 0); phrases are found with one Aho-Corasick pass per sentence, and only those found are substituted.

Only English is scored. language "en"/"en-*" is scored; None (unknown) is scored when the text looks English (at
least ENGLISH_SHARE of its words are common English function words); anything else gives compound=None.
"""

from __future__ import annotations

import copy
import os
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick
from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer, SentiText

from monitor import config

__all__ = [
    "HEADLINE_WEIGHT",
    "LABEL_THRESHOLD",
    "NewsLexicon",
    "NewsLexiconError",
    "Sentiment",
    "label_for",
    "load_lexicon",
    "load_news_lexicon",
    "looks_english",
    "score",
]

# |compound| at or above this is positive/negative. VADER's own convention is 0.05 for one text; calibrated on the
# labelled sample's dev half (bench/evaluate.py): a mean over sentences of news copy leans slightly positive (VADER
# reads "agreed", "won", "support" as praise), and 0.10 gave the best accuracy and macro-F1 there (0.10-0.15 all
# within a point; 0.05 was 5 points worse).
LABEL_THRESHOLD = 0.10
HEADLINE_WEIGHT = 2.0
ENGLISH_SHARE = 0.15  # share of common English function words for unknown-language text to count as English
EXCERPT_CHARS = 120

_COMMON_ENGLISH_WORDS = (
    "the of and to in a is that for on was with as by at from it said has have be are were his her he she they "
    "their an not this which after but will would had who been or its more than also over into up about new we "
    "i you our there when what all can could before while"
)
_COMMON_ENGLISH = frozenset(_COMMON_ENGLISH_WORDS.split())
# A sentence ends at . ! or ? (maybe followed by a closing quote) before a space and a capital, digit or quote.
_SENTENCE_END = re.compile(r"([.!?][\"\u201d\u2019')]?) +(?=[A-Z0-9\"\u201c\u2018'(])")
_WORD_PUNCT = string.punctuation


class NewsLexiconError(ValueError):
    """A news lexicon file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class Sentiment:
    """The tone of one article, with the evidence."""

    compound: float | None  # -1..1; None when the language is not scored (never a fake 0)
    label: str | None  # "negative" | "neutral" | "positive" | None
    reason: str
    sentences: int  # sentences scored (headline included)
    strongest: tuple[tuple[str, float], ...]  # up to 3 (sentence excerpt, score) with the largest |score|
    news_terms: tuple[str, ...]  # news-lexicon terms that fired


@dataclass(frozen=True)
class NewsLexicon:
    """The news lexicon: single words (merged into VADER's) and phrases (joined into one token first)."""

    path: Path
    words: dict[str, float]
    phrases: dict[str, float]  # phrase as written -> valence


def load_news_lexicon(path: Path | None = None) -> NewsLexicon:
    """Read term<TAB>valence lines (default config.NEWS_LEXICON, read at call time); '#' starts a comment line; the
    header 'term<TAB>valence' is optional."""
    path = Path(path) if path is not None else config.NEWS_LEXICON
    words: dict[str, float] = {}
    phrases: dict[str, float] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise NewsLexiconError(f"{path}: cannot read the news lexicon ({exc.strerror})") from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2:
            raise NewsLexiconError(f"{path}, line {number}: expected term<TAB>valence, got {line!r}")
        term, raw = parts[0].strip().lower(), parts[1].strip()
        if (term, raw.lower()) == ("term", "valence"):
            continue
        try:
            valence = float(raw)
        except ValueError:
            raise NewsLexiconError(f"{path}, line {number}: valence {raw!r} of {term!r} is not a number") from None
        if not -4.0 <= valence <= 4.0:
            raise NewsLexiconError(f"{path}, line {number}: valence of {term!r} must be within -4..4, got {valence}")
        term = " ".join(term.split())
        if not term:
            raise NewsLexiconError(f"{path}, line {number}: empty term")
        target = phrases if " " in term else words
        if term in target:
            raise NewsLexiconError(f"{path}, line {number}: {term!r} is listed twice")
        if "*" in term.rstrip("*") or (term.endswith("*") and " " not in term):
            raise NewsLexiconError(f"{path}, line {number}: '*' is only allowed at the end of a phrase: {term!r}")
        target[term] = valence
    return NewsLexicon(path, words, phrases)


load_lexicon = load_news_lexicon  # the name monitor/analysis/article.py checks the file with


@dataclass(frozen=True)
class _Scorer:
    """An analyzer with its lexicon, plus the phrase matcher (None without the news lexicon)."""

    analyzer: Any
    lexicon: dict[str, float]
    phrase_finder: Any  # Aho-Corasick over phrase prefixes -> (regex, token, phrase)
    token_terms: dict[str, str]  # joined token -> phrase as written
    words: frozenset[str]  # news-lexicon single words (to report them)


_SCORERS: dict[object, _Scorer] = {}


def _token(phrase: str) -> str:
    return phrase.rstrip("*").replace(" ", "_").replace("-", "_") + ("_x" if phrase.endswith("*") else "")


def _scorer(news_lexicon: bool, path: Path | None = None) -> _Scorer:
    """The analyzer for plain VADER or VADER + news lexicon; created once (and again if the file changes)."""
    path = Path(path) if path is not None else config.NEWS_LEXICON
    if not news_lexicon:
        key: object = "vader"
    else:
        try:
            st = os.stat(path)
            key = (str(path), st.st_mtime_ns, st.st_size)
        except OSError:
            key = (str(path), 0, 0)
    cached = _SCORERS.get(key)
    if cached is not None:
        return cached
    base = _SCORERS.get("vader")
    if base is None:
        analyzer = SentimentIntensityAnalyzer()
        base = _Scorer(analyzer, analyzer.lexicon, None, {}, frozenset())
        _SCORERS["vader"] = base
    if not news_lexicon:
        return base
    lex = load_news_lexicon(path)
    analyzer = copy.copy(base.analyzer)
    lexicon = dict(base.lexicon)
    for word, valence in lex.words.items():
        if valence == 0:
            lexicon.pop(word, None)
        else:
            lexicon[word] = valence
    finder = ahocorasick.Automaton()
    token_terms: dict[str, str] = {}
    for phrase, valence in lex.phrases.items():
        token = _token(phrase)
        lexicon[token] = valence
        token_terms[token] = phrase
        wildcard = phrase.endswith("*")
        body = r"\s+".join(re.escape(w) for w in phrase.rstrip("*").split())
        pattern = re.compile(r"(?<![\w-])" + body + (r"[\w-]*" if wildcard else r"(?![\w-])"), re.IGNORECASE)
        finder.add_word(phrase.rstrip("*"), (pattern, token))
    if lex.phrases:
        finder.make_automaton()
    analyzer.lexicon = lexicon
    scorer = _Scorer(analyzer, lexicon, finder if lex.phrases else None, token_terms, frozenset(lex.words))
    for old in [k for k in _SCORERS if k != "vader"]:
        del _SCORERS[old]
    _SCORERS[key] = scorer
    return scorer


def looks_english(text: str, sample_words: int = 300) -> tuple[bool, float]:
    """Whether a text reads as English: the share of its first words that are common English function words."""
    words = text.lower().split()[:sample_words]
    if not words:
        return False, 0.0
    share = sum(w.strip(_WORD_PUNCT) in _COMMON_ENGLISH for w in words) / len(words)
    return share >= ENGLISH_SHARE, share


def label_for(compound: float, threshold: float = LABEL_THRESHOLD) -> str:
    """negative / neutral / positive for a compound score."""
    if compound >= threshold:
        return "positive"
    if compound <= -threshold:
        return "negative"
    return "neutral"


def _split_sentences(body: str) -> list[str]:
    """Paragraphs (lines) cut into sentences; abbreviations like 'U.S. forces' may cut early, which is harmless."""
    out: list[str] = []
    for paragraph in body.splitlines():
        if paragraph.strip():
            out.extend(s.strip() for s in _SENTENCE_END.sub("\\1\n", paragraph).split("\n") if s.strip())
    return out


def _vader_compound(analyzer: Any, text: str) -> float:
    """SentimentIntensityAnalyzer.polarity_scores(text)["compound"] without its emoji pass.

    The emoji pass walks the text character by character in Python and is most of VADER's time on news copy, which
    has no emoji; everything else is VADER's own code, in its order.
    """
    sentitext = SentiText(text)
    words = sentitext.words_and_emoticons
    sentiments: list[float] = []
    last = len(words) - 1
    for i, item in enumerate(words):
        low = item.lower()
        if low in BOOSTER_DICT or (low == "kind" and i < last and words[i + 1].lower() == "of"):
            sentiments.append(0)
            continue
        sentiments = analyzer.sentiment_valence(0, sentitext, item, i, sentiments)
    sentiments = analyzer._but_check(words, sentiments)
    return analyzer.score_valence(sentiments, text)["compound"]


def _excerpt(sentence: str) -> str:
    return sentence if len(sentence) <= EXCERPT_CHARS else sentence[: EXCERPT_CHARS - 1].rstrip() + "\u2026"


def _score_sentence(scorer: _Scorer, sentence: str, fired: dict[str, None]) -> float:
    """VADER compound of one sentence (news phrases joined first); 0 without calling VADER if no lexicon word."""
    text = sentence
    if scorer.phrase_finder is not None:
        lowered = sentence.lower()
        found = {value for _, value in scorer.phrase_finder.iter(lowered)}
        for pattern, token in found:
            text, n = pattern.subn(token, text)
            if n:
                fired[scorer.token_terms[token]] = None
    raw = text.lower().split()
    tokens = {w.strip(_WORD_PUNCT) for w in raw}
    tokens.update(raw)
    if scorer.lexicon.keys().isdisjoint(tokens):
        return 0.0
    if scorer.words:
        for w in scorer.words.intersection(tokens):
            fired[w] = None
    return _vader_compound(scorer.analyzer, text)


def score(title: str, body: str, language: str | None, *, news_lexicon: bool = True) -> Sentiment:
    """The tone of an article: weighted mean of sentence scores, headline counted HEADLINE_WEIGHT times."""
    title = (title or "").strip()
    body = (body or "").strip()
    lang = (language or "").strip().lower() or None
    note = ""
    if lang is None:
        english, share = looks_english(f"{title} {body}")
        if not english:
            return Sentiment(
                None,
                None,
                f"not scored: language unknown and the text does not look English ({share:.0%} common English words)",
                0,
                (),
                (),
            )
        note = f"; language unknown, text looks English ({share:.0%} common English words)"
    elif not (lang == "en" or lang.startswith(("en-", "en_"))):
        return Sentiment(None, None, f"not scored: VADER reads English only (language '{language}')", 0, (), ())
    if not title and not body:
        return Sentiment(None, None, "not scored: no text", 0, (), ())

    scorer = _scorer(news_lexicon)
    fired: dict[str, None] = {}
    weighted = 0.0
    weights = 0.0
    scored: list[tuple[str, float]] = []
    zero = 0
    units = ([(title, HEADLINE_WEIGHT)] if title else []) + [(s, 1.0) for s in _split_sentences(body)]
    for sentence, weight in units:
        value = _score_sentence(scorer, sentence, fired)
        weighted += weight * value
        weights += weight
        if value:
            scored.append((sentence, value))
        else:
            zero += 1
    compound = round(weighted / weights, 4) if weights else 0.0
    strongest = tuple((_excerpt(s), v) for s, v in sorted(scored, key=lambda sv: -abs(sv[1]))[:3])
    n = len(units)
    parts = [f"mean of {n} sentence score{'s' if n != 1 else ''}"]
    if title:
        parts.append(f"headline counted {HEADLINE_WEIGHT:g} times")
    if zero:
        parts.append(f"{zero} without sentiment words scored 0")
    if not news_lexicon:
        parts.append("VADER only, no news lexicon")
    reason = f"{parts[0]} ({'; '.join(parts[1:])})" if len(parts) > 1 else parts[0]
    return Sentiment(compound, label_for(compound), reason + note, n, strongest, tuple(fired))
