"""Article tone: VADER scored sentence by sentence, with a news lexicon and tone rules (data/news_lexicon.tsv,
data/tone_rules.toml).

Why sentence by sentence: VADER sums word valences and squashes the sum, so on a whole 500-word body the compound
runs to +-1 whatever the tone. A reader rates an article by its headline and by how much of it is bad or good news,
so the article score is a weighted MEAN of sentence compounds: the headline counts twice (HEADLINE_WEIGHT), every
body sentence once, and a sentence with no sentiment word counts as a 0. One grim sentence in a long neutral report
moves the mean a little, a report of deaths throughout moves it a lot.

The news lexicon fills what VADER misses in news copy ("shares fell", "casualties", "ceasefire") and neutralises
VADER words that mislead there ("shares" +1.2, "party" +1.7). Single words go straight into the analyzer's lexicon;
phrases are joined into one token before VADER reads the sentence ("shares fell" -> "shares_fell"), so VADER's
negation and booster rules still apply to them.

The tone rules (data/tone_rules.toml) read business and economic facts: their tone is in which way a number moved.
A direction word ("rose", "narrowed", "cut") near a quantity ("profit", "losses", "jobs") in the same clause, or
two figures around "compared with" / "from", become one token worth +-valence: good x up and bad x down are good
news ("losses narrowed"), good x down and bad x up bad news ("cut 300 jobs", "costs rose"). The quantity word then
no longer counts on its own, and a figure or an up/down word alone stays a fact ("profit totalled EUR 5 mn").
The rules and the news lexicon were tuned on the dev halves of tests/analysis/tone_*.jsonl (bench/evaluate_tone.py);
a neutral band per sentence (small |compound| counted as 0) was tried there and did not help, so there is none.

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
import tomllib
from bisect import bisect_left
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import ahocorasick
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    normalize,
)

from monitor import config

__all__ = [
    "HEADLINE_WEIGHT",
    "LABEL_THRESHOLD",
    "NewsLexicon",
    "NewsLexiconError",
    "Sentiment",
    "ToneRules",
    "label_for",
    "load_lexicon",
    "load_news_lexicon",
    "load_tone_rules",
    "looks_english",
    "Scorer",
    "score",
    "scorer",
]

# |compound| at or above this is positive/negative. VADER's own convention is 0.05 for one text; calibrated on the
# labelled sample's dev half (bench/evaluate.py): a mean over sentences of news copy leans slightly positive (VADER
# reads "agreed", "won", "support" as praise), and 0.10 gave the best accuracy and macro-F1 there (0.10-0.15 all
# within a point; 0.05 was 5 points worse). On the finance sentences' dev half 0.05-0.20 score the same.
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
    news_terms: tuple[str, ...]  # news-lexicon terms that fired, and tone-rule pairings ("losses narrowed (+)")


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
class ToneRules:
    """Direction x quantity rules (data/tone_rules.toml): "losses narrowed" is good news, "costs rose" bad news."""

    path: Path
    window: int
    near_window: int
    valence: float
    near_only: frozenset[str]
    clause_breaks: frozenset[str]
    not_moves: frozenset[str]  # two-word sequences whose first word is not a move ("up to")
    up: frozenset[str]
    down: frozenset[str]
    quantities: dict[str, int]  # quantity (1-3 words) -> +1 good, -1 bad
    longest: int  # words in the longest quantity
    starts: frozenset[str]  # first words of the quantities, to skip sentences without one fast
    directions: frozenset[str]  # up | down
    comparisons: frozenset[str] = frozenset()  # "compared with", "from": two figures say which way it moved
    figure_window: int = 8  # the quantity stands at most this many words before the first figure


def load_tone_rules(path: Path | None = None) -> ToneRules:
    """Read data/tone_rules.toml (default config.TONE_RULES, read at call time); errors name the file and the key."""
    path = Path(path) if path is not None else config.TONE_RULES
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise NewsLexiconError(f"{path}: cannot read the tone rules ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise NewsLexiconError(f"{path}: {exc}") from None

    def words(section: str, key: str) -> frozenset[str]:
        value = data.get(section, {}).get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise NewsLexiconError(f"{path}: [{section}] {key} must be a list of words")
        return frozenset(" ".join(v.lower().split()) for v in value)

    def number(key: str, default: float, low: float, high: float) -> float:
        value = data.get("figures" if key.startswith("figure") else "pairing", {}).get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            section = "figures" if key.startswith("figure") else "pairing"
            raise NewsLexiconError(
                f"{path}: [{section}] {key} must be a number within {low:g}..{high:g}, got {value!r}"
            )
        return value

    up, down = words("directions", "up"), words("directions", "down")
    good, bad = words("quantities", "good"), words("quantities", "bad")
    for (name_a, a), (name_b, b) in ((("up", up), ("down", down)), (("good", good), ("bad", bad))):
        if both := sorted(a & b):
            raise NewsLexiconError(f"{path}: listed as both {name_a} and {name_b}: {', '.join(both)}")
    if several := sorted(w for w in up | down if " " in w):
        raise NewsLexiconError(f"{path}: a direction is one word: {', '.join(several)}")
    quantities = {q: 1 for q in good} | {q: -1 for q in bad}
    return ToneRules(
        path=path,
        window=int(number("window", 5, 1, 20)),
        near_window=int(number("near_window", 3, 1, 20)),
        valence=float(number("valence", 2.0, 0.0, 4.0)),
        near_only=words("pairing", "near_only"),
        clause_breaks=words("pairing", "clause_breaks"),
        not_moves=words("pairing", "not_moves"),
        up=up,
        down=down,
        quantities=quantities,
        longest=max((len(q.split()) for q in quantities), default=1),
        starts=frozenset(q.split()[0] for q in quantities),
        directions=up | down,
        comparisons=words("figures", "comparisons"),
        figure_window=int(number("figure_window", 8, 1, 30)),
    )


@dataclass(frozen=True)
class Scorer:
    """An analyzer with its lexicon, plus the phrase matcher (None without the news lexicon)."""

    analyzer: Any
    lexicon: dict[str, float]
    phrase_finder: Any  # Aho-Corasick over phrase prefixes -> (regex, token, length of the prefix)
    token_terms: dict[str, str]  # joined token -> phrase as written
    words: frozenset[str]  # news-lexicon single words (to report them)
    rules: ToneRules | None = None  # direction x quantity (None for plain VADER)
    movers: frozenset[str] = frozenset()  # up, down and comparison words, to skip sentences without one fast


_SCORERS: dict[object, Scorer] = {}
# What a direction x quantity pairing becomes before VADER reads the sentence: one token with the pairing's valence
# for the direction, one token outside the lexicon for the quantity (so "losses" no longer counts on its own).
_GOOD_MOVE = "good_news_move"
_BAD_MOVE = "bad_news_move"
_QUANTITY = "moved_quantity"


def _token(phrase: str) -> str:
    return phrase.rstrip("*").replace(" ", "_").replace("-", "_") + ("_x" if phrase.endswith("*") else "")


def _file_key(path: Path) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), 0, 0)


def _scorer(news_lexicon: bool, path: Path | None = None, rules_path: Path | None = None) -> Scorer:
    """The analyzer for plain VADER or VADER + news lexicon and tone rules; created once (again if a file changes)."""
    path = Path(path) if path is not None else config.NEWS_LEXICON
    rules_path = Path(rules_path) if rules_path is not None else config.TONE_RULES
    key: object = (_file_key(path), _file_key(rules_path)) if news_lexicon else "vader"
    cached = _SCORERS.get(key)
    if cached is not None:
        return cached
    base = _SCORERS.get("vader")
    if base is None:
        analyzer = SentimentIntensityAnalyzer()
        base = Scorer(analyzer, analyzer.lexicon, None, {}, frozenset())
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
        finder.add_word(phrase.rstrip("*"), (pattern, token, len(phrase.rstrip("*"))))
    if lex.phrases:
        finder.make_automaton()
    rules = load_tone_rules(rules_path)
    lexicon[_GOOD_MOVE] = rules.valence
    lexicon[_BAD_MOVE] = -rules.valence
    analyzer.lexicon = lexicon
    scorer = Scorer(
        analyzer,
        lexicon,
        finder if lex.phrases else None,
        token_terms,
        frozenset(lex.words),
        rules,
        rules.up | rules.down | {comparison.split()[0] for comparison in rules.comparisons},
    )
    for old in [k for k in _SCORERS if k != "vader"]:
        del _SCORERS[old]
    _SCORERS[key] = scorer
    return scorer


def looks_english(text: str, sample_words: int = 300) -> tuple[bool, float]:
    """Whether a text reads as English: the share of its first words that are common English function words."""
    words = text.lower().split(maxsplit=sample_words)[:sample_words]  # the sample's words, not the whole body's
    if not words:
        return False, 0.0
    share = sum(map(_COMMON_ENGLISH.__contains__, map(str.strip, words, repeat(_WORD_PUNCT)))) / len(words)
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
            # split() gives [text, end mark, text, end mark, ..., text]: each sentence keeps its end mark
            parts = _SENTENCE_END.split(paragraph)
            parts.append("")
            out.extend(s for s in map(str.strip, map(str.__add__, parts[0::2], parts[1::2])) if s)
    return out


_NEGATE = frozenset(NEGATE)
# Words that change the valence of a lexicon word up to three words after them in VADER: negations, boosters and
# dampeners, "no", "least", and "so"/"this" (`_negation_check` multiplies by 1.25 after them); "never" and
# "without" are negations.
_MODIFIERS = _NEGATE | {word for word in BOOSTER_DICT if " " not in word} | {"no", "least", "so", "this"}
# The first two words of VADER's multi-word idioms and boosters ("kiss of death", "sort of"): a sentence without
# any of them cannot match one, so `_special_idioms_check` cannot change a valence in it.
_IDIOM_STARTS = tuple(dict.fromkeys(" ".join(key.split()[:2]) for key in [*SPECIAL_CASES, *BOOSTER_DICT] if " " in key))


def _has_idiom_start(joined: str) -> bool:
    """Whether one of _IDIOM_STARTS occurs in the sentence's words joined by spaces (as a substring, like the regex
    alternation this replaces: 11 `in` tests take a fifth of its time)."""
    for start in _IDIOM_STARTS:  # noqa: SIM110 (any() over a generator is three times slower)
        if start in joined:
            return True
    return False


def _vader_words(text: str) -> list[str]:
    """SentiText(text).words_and_emoticons: tokens stripped of punctuation unless that leaves 2 characters or fewer."""
    punct = _WORD_PUNCT
    return [token if len(stripped := token.strip(punct)) <= 2 else stripped for token in text.split()]


def _vader_compound(analyzer: Any, text: str) -> float:
    """SentimentIntensityAnalyzer.polarity_scores(text)["compound"], exactly, without its slow parts."""
    return _compound(analyzer, text, text.split(), [word.lower() for word in _vader_words(text)])


def _compound(analyzer: Any, text: str, tokens: list[str], lowered: list[str]) -> float:
    """VADER's compound of `text` from its whitespace tokens and its words lower-cased (VADER's SentiText words).

    VADER's polarity loop re-lowers the whole sentence once per preceding word it inspects (in `_negation_check`
    and `_special_idioms_check`) and walks the text character by character for emoji, which news copy does not
    have. This is the same arithmetic in the same order on words lowered once: words outside the lexicon score 0
    as in VADER (the loop only visits lexicon words), `_but_check` is VADER's own, and the compound is
    `score_valence`'s: normalize(sum, with the ! and ? emphasis), rounded to 4 places. A token and its
    punctuation-stripped word are upper case alike (punctuation has no case), so `tokens` serve for VADER's
    ALL-CAPS tests. tests/analysis/test_sentiment.py checks equality with polarity_scores on every sentence of
    the labelled sample and on generated sentences full of negations, boosters, idioms, capitals and "but".
    """
    lexicon = analyzer.lexicon
    size = len(lowered)
    sentiments: list[float] = [0] * size
    is_cap_diff = 0 < sum(map(str.isupper, tokens)) < size  # allcap_differential
    # Most news sentences have no negation, booster, "no", "least", "so"/"this" or idiom. There, each step of
    # `sentiment_valence` leaves a lexicon word's valence as it is (adding a booster scalar of 0.0 to it), except
    # the ALL-CAPS emphasis, which is tested per word: the valence is the lexicon's.
    joined = " ".join(lowered)
    plain = _MODIFIERS.isdisjoint(lowered) and "n't" not in joined and not _has_idiom_start(joined)
    for i, low in enumerate(lowered):
        if low not in lexicon or low in BOOSTER_DICT or (low == "kind" and i < size - 1 and lowered[i + 1] == "of"):
            continue
        if plain and not (is_cap_diff and tokens[i].isupper()):
            sentiments[i] = lexicon[low]
        else:
            sentiments[i] = _word_valence(lexicon, tokens, lowered, i, is_cap_diff)
    if "but" in lowered:
        sentiments = analyzer._but_check(lowered, sentiments)
    if not sentiments:
        return 0.0
    total = float(sum(sentiments))
    if total and ("!" in text or "?" in text):  # without them the emphasis is 0
        emphasis = analyzer._punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        else:
            total -= emphasis
    return round(normalize(total), 4)


def _word_valence(lexicon: dict[str, float], tokens: list[str], lowered: list[str], i: int, is_cap_diff: bool) -> float:
    """SentimentIntensityAnalyzer.sentiment_valence for the lexicon word at i, step by step in VADER's order."""
    low = lowered[i]
    last = len(lowered) - 1
    valence = lexicon[low]
    if low == "no" and i != last and lowered[i + 1] in lexicon:
        valence = 0.0
    if (
        (i > 0 and lowered[i - 1] == "no")
        or (i > 1 and lowered[i - 2] == "no")
        or (i > 2 and lowered[i - 3] == "no" and lowered[i - 1] in ("or", "nor"))
    ):
        valence = lexicon[low] * N_SCALAR
    if is_cap_diff and tokens[i].isupper():
        valence = valence + C_INCR if valence > 0 else valence - C_INCR
    for start_i in range(3):
        if i <= start_i:
            break
        before = lowered[i - (start_i + 1)]
        if before in lexicon:
            continue
        scalar = 0.0  # scalar_inc_dec
        if before in BOOSTER_DICT:
            scalar = BOOSTER_DICT[before]
            if valence < 0:
                scalar *= -1
            if is_cap_diff and tokens[i - (start_i + 1)].isupper():
                scalar = scalar + C_INCR if valence > 0 else scalar - C_INCR
        if start_i == 1 and scalar != 0:
            scalar = scalar * 0.95
        if start_i == 2 and scalar != 0:
            scalar = scalar * 0.9
        valence = valence + scalar
        valence = _negation_check(valence, lowered, start_i, i)
        if start_i == 2:
            valence = _special_idioms_check(valence, lowered, i)
    if i > 1 and lowered[i - 1] not in lexicon and lowered[i - 1] == "least":  # _least_check
        if lowered[i - 2] != "at" and lowered[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lowered[i - 1] not in lexicon and lowered[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence


def _negated(word: str) -> bool:
    """vaderSentiment.negated([word])."""
    return word in _NEGATE or "n't" in word


def _negation_check(valence: float, lowered: list[str], start_i: int, i: int) -> float:
    """SentimentIntensityAnalyzer._negation_check on the lowered words."""
    if start_i == 0:
        if _negated(lowered[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lowered[i - 2] == "never" and (lowered[i - 1] == "so" or lowered[i - 1] == "this"):
            valence = valence * 1.25
        elif lowered[i - 2] == "without" and lowered[i - 1] == "doubt":
            pass
        elif _negated(lowered[i - 2]):
            valence = valence * N_SCALAR
    else:
        if (lowered[i - 3] == "never" and (lowered[i - 2] == "so" or lowered[i - 2] == "this")) or (
            lowered[i - 1] == "so" or lowered[i - 1] == "this"
        ):
            valence = valence * 1.25
        elif lowered[i - 3] == "without" and (lowered[i - 2] == "doubt" or lowered[i - 1] == "doubt"):
            pass
        elif _negated(lowered[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lowered: list[str], i: int) -> float:
    """SentimentIntensityAnalyzer._special_idioms_check on the lowered words (i >= 3)."""
    three, two, one, zero = lowered[i - 3], lowered[i - 2], lowered[i - 1], lowered[i]
    for sequence in (f"{one} {zero}", f"{two} {one} {zero}", f"{two} {one}", f"{three} {two} {one}", f"{three} {two}"):
        if sequence in SPECIAL_CASES:
            valence = SPECIAL_CASES[sequence]
            break
    if len(lowered) - 1 > i:
        zeroone = f"{zero} {lowered[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(lowered) - 1 > i + 1:
        zeroonetwo = f"{zero} {lowered[i + 1]} {lowered[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (f"{three} {two} {one}", f"{three} {two}", f"{two} {one}"):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _excerpt(sentence: str) -> str:
    return sentence if len(sentence) <= EXCERPT_CHARS else sentence[: EXCERPT_CHARS - 1].rstrip() + "\u2026"


_CLAUSE_END = (",", ";", ":")
_CLOSING = "\"')\u201d\u2019"


def _swap(token: str, word: str) -> str:
    """`token` with its word replaced and its punctuation kept ("losses," -> "moved_quantity,")."""
    core = token.strip(_WORD_PUNCT)
    start = token.find(core) if core else 0
    return token[:start] + word + token[start + len(core) :]


def _pair_moves(rules: ToneRules, tokens: list[str], words: list[str], fired: dict[str, None]) -> bool:
    """Rewrite each direction x quantity pairing of a sentence in `tokens` (in place); True when there was one.

    `words` are the tokens lower-cased and stripped of punctuation. A direction pairs with the nearest quantity in
    its clause within the window (the quantity before it on a tie, "sales fell" before "fell ... orders"), and each
    word pairs once. Most sentences have no quantity word, so that is looked for first.
    """
    starts = rules.starts
    if starts.isdisjoint(words):
        return False
    first_words = [i for i, word in enumerate(words) if word in starts]
    size = len(words)
    directions = rules.directions
    # Clauses end at the break words (which belong to none) and after tokens ending in , ; : except a comma
    # before a direction ("..., up 5%" reads back). clause_of(i) counts the ends before i.
    break_at = [i for i, word in enumerate(words) if word in rules.clause_breaks]
    end_after = [
        i
        for i, token in enumerate(tokens)
        if token.rstrip(_CLOSING).endswith(_CLAUSE_END)
        and not (token.endswith(",") and i + 1 < size and words[i + 1] in directions)
        and words[i] not in rules.clause_breaks
    ]
    broken = set(break_at)

    def clause_of(i: int) -> int:
        return -1 if i in broken else bisect_left(break_at, i) + bisect_left(end_after, i)

    quantities: list[tuple[int, int, int]] = []  # (first word, after last word, +1 good / -1 bad)
    taken = 0
    for i in first_words:
        if i < taken:
            continue
        for length in range(min(rules.longest, size - i), 0, -1):
            sign = rules.quantities.get(words[i] if length == 1 else " ".join(words[i : i + length]))
            if sign and clause_of(i) == clause_of(i + length - 1) >= 0:
                quantities.append((i, i + length, sign))
                taken = i + length
                break
    if not quantities:
        return False
    inside = {j for start, end, _ in quantities for j in range(start, end)}
    # (distance, 1 if the quantity comes after the direction (2: from figures), direction index, quantity index, sign)
    candidates: list[tuple[int, int, int, int, int]] = []
    for d, word in enumerate(words):
        if word not in directions or d in inside:
            continue
        if d + 1 < size and f"{word} {words[d + 1]}" in rules.not_moves:
            continue
        where = clause_of(d)
        if where < 0:
            continue
        move = 1 if word in rules.up else -1
        after_comma = d > 0 and tokens[d - 1].endswith(",")
        limit = rules.near_window if word in rules.near_only and not after_comma else rules.window
        for q, (start, end, sign) in enumerate(quantities):
            after = int(start > d)
            distance = start - d if after else d - end + 1
            if distance <= limit and clause_of(start) == where:
                candidates.append((distance, after, d, q, move * sign))
    if rules.comparisons:
        candidates.extend(_figure_moves(rules, tokens, words, quantities))
    paired_directions: set[int] = set()
    paired_quantities: set[int] = set()
    for _, after, d, q, sign in sorted(candidates):
        if d in paired_directions or q in paired_quantities:
            continue
        paired_directions.add(d)
        paired_quantities.add(q)
        start, end, _ = quantities[q]
        quantity = " ".join(words[start:end])
        if after == 2:  # from two figures
            pairing = f"{quantity} {'rose' if sign * quantities[q][2] > 0 else 'fell'} (figures)"
        else:
            pairing = f"{words[d]} {quantity}" if after else f"{quantity} {words[d]}"
        fired[f"{pairing} ({'+' if sign > 0 else '-'})"] = None  # "(+)": a tone rule, not a lexicon term
        tokens[d] = _swap(tokens[d], _GOOD_MOVE if sign > 0 else _BAD_MOVE)
        for j in range(start, end):
            tokens[j] = _swap(tokens[j], _QUANTITY)
    return bool(paired_directions)


_FIGURE = re.compile(r"([$\u20ac\u00a3]?)(\d[\d,]*(?:\.\d+)?)(bn|mn|m|k|%)?")
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}
# currencies and units that make a number a figure ("EUR 13.1", "4.1 million pounds")
_UNITS = frozenset(
    "eur euro euros usd dollar dollars gbp pound pounds sterling sek nok dkk chf jpy yen yuan rupees rupee crowns "  # noqa: SIM905
    "cents pence percent per %".split()
)


def _figure_at(tokens: list[str], i: int) -> float | None:
    """The amount or percentage whose number is tokens[i] ("EUR 13.1 mn", "$4.8 billion", "11.7%"), scaled;
    None for a bare number, which may be a year or a count."""
    if not 0 <= i < len(tokens):
        return None
    match = _FIGURE.fullmatch(tokens[i].strip("\"'(),.;:").lower())
    if match is None:
        return None
    currency, digits, suffix = match.groups()
    value = float(digits.replace(",", ""))
    following = [t.strip("\"'(),.;:").lower() for t in tokens[i + 1 : i + 3]]
    unit = bool(currency or suffix)
    if suffix in _SCALES:
        value *= _SCALES[suffix]
    elif following and following[0] in _SCALES:
        value *= _SCALES[following[0]]
        unit = True
        following = following[1:]
    before = tokens[i - 1].strip("\"'(),.;:").lower() if i > 0 else ""
    if before in _UNITS or (following and following[0] in _UNITS):
        unit = True
    return value if unit else None


def _figure_moves(
    rules: ToneRules, tokens: list[str], words: list[str], quantities: list[tuple[int, int, int]]
) -> list[tuple[int, int, int, int, int]]:
    """Pairings read from two figures: "net sales were EUR 27.6 mn, compared with EUR 31.5 mn" (fell). They rank
    after every up/down word (distance window + 1), so "rose to EUR 9 mn from EUR 6 mn" pairs with "rose"."""
    found = []
    for c, word in enumerate(words):
        pair = f"{word} {words[c + 1]}" if c + 1 < len(words) else ""
        if pair in rules.comparisons:
            after = c + 2
        elif word in rules.comparisons:
            after = c + 1
        else:
            continue
        later = next((v for j in range(after, after + 3) if (v := _figure_at(tokens, j)) is not None), None)
        first = next(
            ((j, v) for j in range(c - 1, max(c - 5, -1), -1) if (v := _figure_at(tokens, j)) is not None), None
        )
        if later is None or first is None or first[1] == later:
            continue
        before = [
            q for q, (_, end, _) in enumerate(quantities) if end <= first[0] and first[0] - end < rules.figure_window
        ]
        if before:
            q = before[-1]
            found.append((rules.window + 1, 2, c, q, (1 if first[1] > later else -1) * quantities[q][2]))
    return found


def _prepare(scorer: Scorer, sentence: str, fired: dict[str, None]) -> tuple[str, list[str], list[str]]:
    """The sentence as VADER reads it (news phrases joined, direction x quantity pairings rewritten), with its
    whitespace tokens lower-cased and those stripped of punctuation."""
    text = sentence
    lowered_text = sentence.lower()
    if scorer.phrase_finder is not None:
        # Joined in the order they start in the sentence (the longer first at one place), so that of two
        # overlapping phrases ("shares fell" / "fell sharply") the same one wins in every process.
        found: dict[str, tuple[int, int, Any]] = {}
        for end, (pattern, token, length) in scorer.phrase_finder.iter(lowered_text):
            place = (end - length, -length, pattern)
            if token not in found or place[:2] < found[token][:2]:
                found[token] = place
        if found:
            for token, (_, _, pattern) in sorted(found.items(), key=lambda item: item[1][:2]):
                text, n = pattern.subn(token, text)
                if n:
                    fired[scorer.token_terms[token]] = None
            lowered_text = text.lower()
    raw = lowered_text.split()
    stripped = list(map(str.strip, raw, repeat(_WORD_PUNCT)))
    if scorer.rules is not None and not scorer.movers.isdisjoint(stripped):
        tokens = text.split()
        if _pair_moves(scorer.rules, tokens, stripped, fired):
            text = " ".join(tokens)
            raw = text.lower().split()
            stripped = list(map(str.strip, raw, repeat(_WORD_PUNCT)))
    return text, raw, stripped


def _score_sentence(scorer: Scorer, sentence: str, fired: dict[str, None]) -> float:
    """VADER compound of one sentence (news phrases and pairings first); 0 without calling VADER if no lexicon word."""
    text, raw, stripped = _prepare(scorer, sentence, fired)
    lexicon = scorer.lexicon.keys()
    if lexicon.isdisjoint(raw) and lexicon.isdisjoint(stripped):
        return 0.0
    news_words = scorer.words
    if not (news_words.isdisjoint(stripped) and news_words.isdisjoint(raw)):
        for word, token in zip(stripped, raw, strict=True):  # in sentence order: the evidence reads the same each run
            if word in news_words:
                fired[word] = None
            if token in news_words:
                fired[token] = None
    if "\u0130" in text:  # "İ" lower-cases to 2 characters, so VADER's length test must see the original
        return _vader_compound(scorer.analyzer, text)
    # VADER's words lower-cased: lower-casing commutes with stripping ASCII punctuation, and keeps lengths
    # once "İ" is ruled out, so VADER's "stripped to 2 characters or fewer" test reads the same here.
    lowered = [low if len(word) <= 2 else word for low, word in zip(raw, stripped, strict=True)]
    return _compound(scorer.analyzer, text, text.split(), lowered)


def scorer(news_lexicon: bool = True) -> Scorer:
    """The analyzer `score` uses (VADER alone, or with the news lexicon and tone rules as the files are now)."""
    return _scorer(news_lexicon)


def score(
    title: str, body: str, language: str | None, *, news_lexicon: bool = True, scorer: Scorer | None = None
) -> Sentiment:
    """The tone of an article: weighted mean of sentence scores, headline counted HEADLINE_WEIGHT times. `scorer`
    (from `scorer()`, kept by the caller) saves looking at the lexicon files' dates again."""
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

    if scorer is None:
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
