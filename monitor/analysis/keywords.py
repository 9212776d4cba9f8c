"""Key phrases of an article: a lean RAKE-style extractor that keeps proper names whole.

Candidates are runs of content words (split at stop words, boilerplate, numbers and punctuation), cut into
proper names (kept whole) and common-word n-grams of one to three words. A candidate scores the weighted count
of its occurrences (title and lead count more) times a bonus for longer phrases; overlapping candidates are
then pruned. YAKE ranks better but costs ~15 ms an article; this costs ~0.55 ms for 500 words (budget 0.4 ms).

Phrases are aggregated across articles, so they come in stable forms: common words lower-case, names as
written ("Khawaja Asif"), possessive 's stripped. Word lists are in data/stopwords/: <language>.txt,
boilerplate.txt (any language) and titles.txt, added to the stopwords-iso list of the article's language.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import stopwordsiso

from monitor.config import DATA_DIR

STOPWORDS_DIR = DATA_DIR / "stopwords"
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 1.5  # the first paragraph, or the first LEAD_CHARS characters when the body has no paragraphs
LEAD_CHARS = 400
LENGTH_BONUS = (0.0, 1.0, 1.5, 1.8)  # by words in the phrase
MAX_WORDS = 3
MAX_BODY_CHARS = 8000  # about 1,300 words: a long article's keywords are in its first part, and time is linear

_PUNCT = ".,;:!?\"()[]{}“”‘’«»—–-…/|*'#@+="  # stripped from the ends of a whitespace-separated token
_SENTENCE_END = frozenset(".!?…")
_POSSESSIVE = frozenset(("'s", "’s"))


@dataclass(frozen=True)
class Keyword:
    """A key phrase as displayed and aggregated, with its score (1.0 for the article's best)."""

    phrase: str
    score: float


@dataclass(frozen=True)
class _Rules:
    stop: frozenset[str]  # single words that are never part of a phrase
    boilerplate: frozenset[str]  # single words that are never a keyword, even in capitals ("AP")
    pairs: frozenset[tuple[str, str]]  # two-word boilerplate ("read more", "web desk")
    firsts: frozenset[str]  # their first words, a cheap first test
    titles: frozenset[str]
    readings: dict[str, tuple] = field(default_factory=dict, compare=False, repr=False)  # token -> _reading(token)


def _read_words(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [line.strip().lower() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _packaged_stop_words(language: str) -> set[str]:
    """The stopwords-iso list for `language` (about 60 languages), empty for the others."""
    return set(stopwordsiso.stopwords(language)) if stopwordsiso.has_lang(language) else set()


@functools.cache
def _rules(language: str) -> _Rules:
    own = _read_words(STOPWORDS_DIR / f"{language}.txt")
    boilerplate: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for entry in _read_words(STOPWORDS_DIR / "boilerplate.txt"):
        words = entry.split()
        if len(words) == 1:
            boilerplate.add(words[0])
        else:
            pairs.add((words[0], words[1]))  # the first two words identify a phrase well enough
    stop = frozenset(own) | _packaged_stop_words(language) | boilerplate | set("abcdefghijklmnopqrstuvwxyz")
    titles = frozenset(_read_words(STOPWORDS_DIR / "titles.txt"))
    return _Rules(stop, frozenset(boilerplate), frozenset(pairs), frozenset(a for a, _ in pairs), titles)


def _base_language(language: str | None) -> str:
    """ "en-US" → "en"; unknown → "en" (its stop list does no harm to text in another language)."""
    if not language:
        return "en"
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or "en"


def _is_title_case(title: str) -> bool:
    """Headline Case Like This, where capitals say nothing about names."""
    long_words = [word for word in title.split() if len(word) > 3 and word[0].isalpha()]
    return len(long_words) >= 2 and sum(word[0].isupper() for word in long_words) >= 0.75 * len(long_words)


class _Text:
    """Candidate phrases of title and body with the evidence of case that tells names from common words.

    Runs of content words (split at stop words, boilerplate, numbers and punctuation) without a capital
    are cut into 1- to 3-grams at once; runs with a capital wait for `candidates`, once it is known which
    words are names. Grams are collected per weight and counted by Counter (in C)."""

    def __init__(self, title: str, body: str, rules: _Rules) -> None:
        self.rules = rules
        self.grams: dict[float, _Grams] = defaultdict(_Grams)
        self.capital_runs: list[tuple[list[str], float]] = []  # lower-case words and their weight
        self.clear_caps: dict[str, int] = defaultdict(int)  # capitalised where a capital means a name
        self.lower: dict[str, int] = defaultdict(int)  # written in lower case
        self.forms: dict[str, str] = {}  # how a capitalised word is written
        self._scan(title, TITLE_WEIGHT, headline_case=_is_title_case(title))
        lead, rest = _split_lead(body)
        self._scan(lead, LEAD_WEIGHT)
        self._scan(rest, 1.0)

    def _scan(self, text: str, weight: float, headline_case: bool = False) -> None:
        """One pass over the tokens (whitespace-split): the hot loop, kept lean. What a token is (stop word, name,
        punctuation...) depends on the token alone, so it is worked out once (`_reading`) and remembered."""
        rules, clear_caps, lower, forms = self.rules, self.clear_caps, self.lower, self.forms
        pairs, capital_runs, readings = rules.pairs, self.capital_runs, rules.readings
        if len(readings) > _MAX_READINGS:  # a bound on memory; common words come back at once
            readings.clear()
        found = self.grams[weight]
        unigrams = found.unigrams
        words: list[str] = []
        has_capital = ambiguous_cap = False

        def end_run() -> None:
            nonlocal words, has_capital, ambiguous_cap
            if has_capital:
                capital_runs.append((words, weight))
            elif len(words) == 1:
                unigrams.append(words[0])
            else:
                _add_ngrams(found, words)
            words, has_capital, ambiguous_cap = [], False, False

        for paragraph in text.split("\n"):
            sentence_start, pending = True, ""
            for token in paragraph.split():
                reading = readings.get(token)
                if reading is None:
                    reading = readings[token] = _reading(token, rules)
                if pending and (pending, reading[1]) in pairs:  # two-word boilerplate: "read more", "Web Desk"
                    if words and words[-1] == pending:
                        words.pop()
                    if words:
                        end_run()
                    words, pending = [], ""
                    continue
                kind, _, pending, ends = reading[:4]
                if kind is _STOP:
                    if words:  # the common case: a stop word ends the run
                        if has_capital or len(words) > 1:
                            end_run()
                        else:
                            unigrams.append(words[0])
                            words, ambiguous_cap = [], False
                    sentence_start = ends
                    continue
                if kind is _WORD:
                    _, _, _, ends, word, core, opens, capitalised, break_after = reading
                    if opens and words:  # opening bracket or quote
                        end_run()
                elif kind is _BREAK:
                    if words:
                        end_run()
                    sentence_start = ends
                    continue
                else:  # a dash, a bullet, a lone quote
                    if words:
                        end_run()
                    sentence_start = sentence_start or ends
                    continue
                if capitalised:
                    has_capital = True
                    if word not in forms or (forms[word].isupper() and not core.isupper()):
                        forms[word] = core  # "Islamabad" rather than the dateline's "ISLAMABAD"
                    if headline_case:
                        pass
                    elif sentence_start:
                        ambiguous_cap = True
                    else:
                        clear_caps[word] += 1
                        if ambiguous_cap and words:  # "Khawaja Asif said": both words are a name
                            clear_caps[words[-1]] += 1
                        ambiguous_cap = False
                else:
                    lower[word] += 1
                    ambiguous_cap = False
                words.append(word)
                if break_after:
                    end_run()
                sentence_start = ends
            if words:
                end_run()

    @functools.cached_property
    def proper(self) -> set[str]:
        """Words capitalised, where that means something, at least as often as not."""
        return {word for word, caps in self.clear_caps.items() if caps >= self.lower.get(word, 0)}

    def display(self, key: str) -> str:
        proper, forms = self.proper, self.forms
        return " ".join(forms[word] if word in proper else word for word in key.split())


_STOP, _WORD, _BREAK, _PUNCTUATION = "stop", "word", "break", "punctuation"
_MAX_READINGS = 50_000  # distinct tokens remembered per language (about 15 MB at most)


def _reading(token: str, rules: _Rules) -> tuple:
    """What `_scan` needs to know of a token, worked out from the token alone:
    (kind, word as stripped for the boilerplate pairs, pending first word of a pair or "", whether a sentence
    ends or starts after it) and, for a kind of _WORD, (word, core as written, opens with a bracket or quote,
    capitalised, punctuation after it)."""
    stop, boilerplate, punct, sentence_end = rules.stop, rules.boilerplate, _PUNCT, _SENTENCE_END
    low = token.lower()
    word = low.strip(punct)
    stripped = word
    if word in stop and (token[0] == low[0] or not _is_acronym(token.strip(punct), word, boilerplate)):
        ends = word != low and not sentence_end.isdisjoint(low[low.rfind(word[-1:]) :])
        return (_STOP, stripped, word if word in rules.firsts else "", ends)
    if word == low:
        core, ends_sentence, break_after, opens = token, False, False, False
    else:
        if not word:
            return (_PUNCTUATION, stripped, "", not sentence_end.isdisjoint(token))
        at = low.find(word)
        core = token[at : at + len(word)]
        opens = bool(at)
        tail = low[at + len(word) :]
        break_after = bool(tail)
        ends_sentence = break_after and not sentence_end.isdisjoint(tail)
    if not word.isalpha():  # possessive, apostrophe, hyphen, digits
        if word[-2:] in _POSSESSIVE:
            word, core = word[:-2], core[:-2]
        word = word.replace("’", "'")
        if len(word) < 2 or word[0].isdigit() or word in stop and not _is_acronym(core, word, boilerplate):
            return (_BREAK, stripped, "", ends_sentence)
    pending = word if word in rules.firsts else ""
    return (_WORD, stripped, pending, ends_sentence, word, core, opens, core[0] != word[0], break_after)


def _split_lead(body: str) -> tuple[str, str]:
    """The first paragraph, at most LEAD_CHARS long (cut at a space), and the rest."""
    body = body.lstrip()
    end = body.find("\n", 0, LEAD_CHARS)
    if end < 0:
        end = body.rfind(" ", 0, LEAD_CHARS) if len(body) > LEAD_CHARS else len(body)
    return body[:end], body[end:]


def _is_acronym(core: str, word: str, boilerplate: frozenset[str]) -> bool:
    """ "US", "UN": capitals keep a stop word ("us") unless it is boilerplate ("AP")."""
    return 2 <= len(core) <= 5 and core.isupper() and word not in boilerplate


def _candidates(text: _Text) -> tuple[dict[str, float], set[str]]:
    """Score of every candidate phrase (weighted occurrences times LENGTH_BONUS), and which are names.

    A run with capitals splits into names (consecutive proper words, kept whole) and common-word
    stretches, whose 1- to 3-grams are all candidates."""
    names: set[str] = set()
    proper, stop, titles, grams = text.proper, text.rules.stop, text.rules.titles, text.grams
    for words, weight in text.capital_runs:
        found = grams[weight]
        size = len(words)
        if proper.isdisjoint(words):
            _add_ngrams(found, [word for word in words if word not in stop])  # acronyms at a sentence start
            continue
        i = 0
        while i < size:
            j = i + 1
            if words[i] in proper:
                while j < size and words[j] in proper:
                    j += 1
                for first, last in _name_pieces(words, i, j, titles):
                    name = " ".join(words[first:last])
                    found.by_length[last - first].append(name)
                    names.add(name)
            elif words[i] not in stop:
                while j < size and words[j] not in proper and words[j] not in stop:
                    j += 1
                _add_ngrams(found, words[i:j])
            i = j
    scores: dict[str, float] = {}
    get = scores.get
    for weight, found in grams.items():
        for length, keys in enumerate(found.by_length):
            if keys:
                factor = weight * LENGTH_BONUS[length]
                for key, count in Counter(keys).items():
                    scores[key] = get(key, 0.0) + count * factor
    return scores, names


class _Grams:
    """Candidate occurrences of one weight, by number of words (index 0 unused)."""

    __slots__ = ("by_length", "unigrams")

    def __init__(self) -> None:
        self.by_length: tuple[list[str], ...] = ([], [], [], [])
        self.unigrams = self.by_length[1]


def _add_ngrams(found: _Grams, words: list[str]) -> None:
    _, unigrams, bigrams, trigrams = found.by_length
    unigrams += words
    if len(words) > 1:
        pairs = [a + " " + b for a, b in zip(words, words[1:], strict=False)]
        bigrams += pairs
        if len(words) > 2:
            trigrams += [a + " " + b for a, b in zip(pairs, words[2:], strict=False)]


def _name_pieces(words: list[str], start: int, end: int, titles: frozenset[str]) -> list[tuple[int, int]]:
    """A run of capitalised words as whole names: "Foreign Minister Khawaja Asif" → "Khawaja Asif"."""
    size = end - start
    if size == 1 or size == 2 or (size == 3 and words[start] not in titles):
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    for i in range(start, end + 1):
        if i == end or words[i] in titles:
            for first in range(piece_start, i, MAX_WORDS):
                pieces.append((first, min(first + MAX_WORDS, i)))
            piece_start = i + 1
    return pieces


def _fold_surnames(scores: dict[str, float], names: set[str]) -> None:
    """ "Asif" alone counts for "Khawaja Asif" when exactly one name of several words ends with it."""
    endings: dict[str, list[str]] = defaultdict(list)
    for name in names:
        head, _, last = name.rpartition(" ")
        if head:
            endings[last].append(name)
    for last, full in endings.items():
        if len(full) == 1 and last in names:
            scores[full[0]] += scores.pop(last) * _bonus(full[0])


def _overlaps(a: list[str], b: list[str]) -> bool:
    """The two phrases chain into each other ("border ceasefire" / "ceasefire talks")."""
    return any(a[-k:] == b[:k] or b[-k:] == a[:k] for k in range(1, min(len(a), len(b))))


def extract(title: str, body: str, language: str | None = None, top: int = 10) -> list[Keyword]:
    """The `top` key phrases (1 to 3 words) of an article, best first, scores relative to the best."""
    text = _Text(title, body[:MAX_BODY_CHARS], _rules(_base_language(language)))
    scores, names = _candidates(text)
    _fold_surnames(scores, names)
    if not scores or top <= 0:
        return []
    # sorted()[:n] is heapq.nlargest(n) by its definition (ties in input order), and faster for a few hundred items
    pool = sorted(sorted(scores.items(), key=itemgetter(1), reverse=True)[: top * 4], key=_best_first)
    chosen = _choose(pool, top)
    if len(chosen) < top < len(scores) > len(pool):  # many overlapped: look further down
        chosen = _choose(sorted(scores.items(), key=_best_first), top)
    best = pool[0][1]
    return [Keyword(text.display(key), round(score / best, 4)) for key, score in chosen]


def _best_first(item: tuple[str, float]) -> tuple[float, str]:
    return -item[1], item[0]


def _choose(ranked: list[tuple[str, float]], top: int) -> list[tuple[str, float]]:
    """Best phrases that do not repeat one another."""
    chosen: list[tuple[str, float, float, str]] = []  # phrase, score, weighted occurrences, " phrase "
    for key, score in ranked:
        if len(chosen) == top:
            break
        count = score / _bonus(key)
        padded = f" {key} "
        keep = True
        for other, _, other_count, other_padded in chosen:
            if padded in other_padded:  # a word of a chosen phrase: only if much more frequent on its own
                keep = count - other_count >= 2 * other_count
            elif other_padded in padded:  # a longer phrase around a chosen one: only if about as frequent
                keep = count >= 0.5 * other_count
            elif " " in key and " " in other:
                keep = not _overlaps(key.split(), other.split())
            if not keep:
                break
        if keep:
            chosen.append((key, score, count, padded))
    return [(key, score) for key, score, _, _ in chosen]


def _bonus(key: str) -> float:
    return LENGTH_BONUS[key.count(" ") + 1]
