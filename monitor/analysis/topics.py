"""Topic tagging from an editable taxonomy (data/taxonomy.toml): weighted terms, exclusions, thresholds.

Why this shape: an analyst must be able to read and change why an article got a topic. The rules live in the TOML
file (its header documents the format); this module only compiles them and counts evidence:

* One Aho-Corasick automaton (pyahocorasick) holds every term of every topic. The text is lower-cased, punctuation
  becomes a space, and each section is scanned once; keys carry a leading space (and a trailing one for whole-word
  terms), so every hit is already on word boundaries: no per-term regexes.
* A plain term also matches its simple plural (goal/goals, match/matches, battery/batteries); a trailing ``*``
  matches any word starting with the term (``legislat*``). When hits overlap, a longer phrase hides the words inside
  it ("central bank" counts, the "bank" inside it does not).
* score = (title x3 + lead x1.5 + rest x1) / max(1, words / 100): evidence per 100 words, so a long article is not
  multi-topic just because it is long. An exclusion term damps its topic (x0.2 by default).
* Terms per language (``[topics.<slug>.terms.fr]``) are matched only in articles of that language (or of an unknown
  one), next to the language-neutral terms. Letters that several scripts or spellings write differently are folded
  into one form before matching (Arabic/Persian/Urdu yeh, kaf, heh and alef forms, short vowels, tatweel; Hindi
  nukta and chandrabindu), and Arabic words lose their article and attached prepositions (al-, wal-, bil-, lil-),
  so a term is written once in its bare form.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import string
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path
from typing import Any

import ahocorasick

from monitor import config
from monitor.analysis import rule_cache

__all__ = ["Taxonomy", "TaxonomyError", "Topic", "TopicTag", "load_taxonomy", "score_topics", "tag"]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")  # ISO 639-1 (or -3) code of a [topics.<slug>.terms.<language>] table
_TOPIC_KEYS = {"label", "threshold", "exclude", "terms", "description"}
_DEFAULT_SETTINGS: dict[str, float] = {
    "title_weight": 3.0,
    "lead_weight": 1.5,
    "body_weight": 1.0,
    "lead_words": 60,
    "words_per_unit": 100,
    "min_units": 1.0,
    "exclude_damping": 0.2,
    "default_threshold": 4.0,
    "short_text_words": 0,  # 0: no lower thresholds for short texts
    "short_text_factor": 1.0,
    # the classifier layer (monitor/analysis/topic_model.py)
    "classifier_confident_ratio": 2.0,
    "classifier_confident_margin": 1.5,
    "classifier_min_probability": 0.5,
    "classifier_weight": 2.0,
}
# Punctuation (ASCII, typographic, Arabic-script and Devanagari marks) reads as a space; letters of any script are
# kept, with the variant forms of a letter folded into one (see the module docstring).
_PUNCT = str.maketrans(
    {
        **{
            c: " "
            for c in string.punctuation
            + "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb\u00b7"  # ‘ ’ “ ” – — … « » ·
            + "\u060c\u061b\u061f\u066a\u06d4\u0964\u0965\u200c"  # Arabic , ; ? %, Urdu full stop, danda, ZWNJ
        },
        **dict.fromkeys("\u0623\u0625\u0622\u0671", "\u0627"),  # alef with hamza or madda -> alef
        **dict.fromkeys("\u064a\u0649", "\u06cc"),  # Arabic yeh, alef maksura -> Persian/Urdu yeh
        "\u0643": "\u06a9",  # Arabic kaf -> keheh
        **dict.fromkeys("\u0629\u06c1\u06c3", "\u0647"),  # teh marbuta, Urdu heh goal -> heh
        **dict.fromkeys([chr(c) for c in range(0x064B, 0x0653)] + ["\u0640", "\u0670"], None),  # vowels, tatweel
        **dict(
            zip(
                "\u0958\u0959\u095a\u095b\u095c\u095d\u095e\u095f",
                "\u0915\u0916\u0917\u091c\u0921\u0922\u092b\u092f",
                strict=True,
            )
        ),
        "\u093c": None,  # Devanagari nukta (ज़ and ज are written both ways)
        "\u0901": "\u0902",  # chandrabindu -> anusvara (महँगाई, महंगाई)
    }
)
# Arabic: the article and the prepositions written onto a word (al-, wal-, fal-, bil-, kal-, lil-), after folding.
_ARABIC_CLITICS = re.compile(
    r" (?:[\u0648\u0641]?[\u0628\u06a9\u0644]?\u0627\u0644|[\u0648\u0641]?\u0644\u0644)(?=\S\S)"
)
# Simple plurals written the same way as in English: add -s (French, Spanish).
_S_PLURALS = {"fr", "es"}


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class TopicTag:
    """One topic found in an article, with the evidence: matched terms, strongest contribution first."""

    slug: str
    label: str
    score: float
    matched: tuple[str, ...]
    excluded: tuple[str, ...] = ()  # exclusion terms found (they damped the score)
    layer: str = "rules"  # which layer gave the tag: rules, classifier, or rules+classifier (both agree)
    probability: float | None = None  # the classifier's probability, when it took part


@dataclass(frozen=True)
class Topic:
    """A topic as written in the taxonomy file."""

    slug: str
    label: str
    threshold: float
    terms: tuple[tuple[str, float], ...]  # (term as written, weight), in any language
    exclude: tuple[str, ...] = ()
    # (language, its terms): matched only in articles of that language (or of an unknown one)
    language_terms: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """Topics plus the compiled matcher; build it with load_taxonomy()."""

    path: Path
    topics: tuple[Topic, ...]
    settings: dict[str, float] = field(compare=False)
    # language -> matcher; key -> (length, tuple of (topic index, weight or None for an exclusion, term as written)).
    # "" holds the language-neutral terms only, each language of the file adds its own, None has every term.
    _automata: Mapping[str | None, Any] = field(compare=False, repr=False)

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(t.slug for t in self.topics)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages that have terms of their own."""
        return tuple(sorted({lang for t in self.topics for lang, _ in t.language_terms}))

    def automaton(self, language: str | None) -> Any:
        """The matcher for an article in this language: every term when the language is unknown."""
        if language is None:
            return self._automata[None]
        return self._automata.get(language, self._automata[""])


# ----------------------------------------------------------------------------------------------- loading


def _shown(path: Path) -> str:
    """The path as a person would write it: relative to the project when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(config.PROJECT_DIR))
    except ValueError:
        return str(path)


def _normalise(text: str, language: str | None = None) -> str:
    """Lower-case, punctuation to spaces, letter variants folded, single spaces, padded with one space on each side;
    Arabic words lose their attached article and prepositions."""
    folded = " " + " ".join(text.lower().translate(_PUNCT).split()) + " "
    return _ARABIC_CLITICS.sub(" ", folded) if language == "ar" else folded


def _plurals(word: str, language: str = "en") -> tuple[str, ...]:
    """Simple plurals of the last word of a term: English goal->goals, match->matches, battery->batteries;
    French and Spanish -s; none for other languages (write a wildcard: ``Wahl*``)."""
    if language == "en":
        if word.endswith(("s", "x", "z", "ch", "sh")):
            return (word + "es",)
        if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
            return (word[:-1] + "ies",)
        return (word + "s",)
    if language in _S_PLURALS and not word.endswith(("s", "x", "z")):
        return (word + "s",)
    return ()


def _keys_for(term: str, language: str = "en") -> list[str]:
    """Automaton keys for a term: ' stem' for a wildcard, ' term ' plus plural forms for a plain term."""
    wildcard = term.rstrip().endswith("*")
    stem = _normalise(term.rstrip().rstrip("*"), language).strip()
    if not stem:
        return []
    if wildcard:
        return [" " + stem]
    head, _, last = stem.rpartition(" ")
    prefix = f" {head} " if head else " "
    keys = [f" {stem} "]
    if not last.isdigit():
        keys += [prefix + p + " " for p in _plurals(last, language)]
    return keys


class _Lines:
    """Finds the line of a topic's table header (or of a key inside it) in the file text, for error messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    @staticmethod
    def _header_parts(line: str) -> list[str] | None:
        s = line.strip()
        if not (s.startswith("[") and "]" in s) or s.startswith("[["):
            return None
        inner = s[1 : s.index("]")]
        return [p.strip().strip("\"'") for p in inner.split(".")]

    def header(self, *parts: str) -> int | None:
        for i, line in enumerate(self.lines):
            if self._header_parts(line) == list(parts):
                return i + 1
        return None

    def key(self, key: str, *section: str) -> int | None:
        """Line of `key = ...` inside the table `section` (the top of the file when no section), else None."""
        start = self.header(*section) if section else 0
        if start is None:
            return None
        pat = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
        for i in range(start, len(self.lines)):
            if self._header_parts(self.lines[i]) is not None:
                break
            if pat.match(self.lines[i]):
                return i + 1
        return None

    def topic(self, slug: str, key: str | None = None, sub: str | None = None) -> int:
        """Best line for a problem in a topic: the key's line, else the sub-table header, else the topic header."""
        candidates = []
        parts = sub.split(".") if sub is not None else []  # "terms" or "terms.fr"
        if key is not None and sub is not None:
            candidates.append(self.key(key, "topics", slug, *parts))
        if key is not None:
            candidates.append(self.key(key, "topics", slug))
        if sub is not None:
            candidates.append(self.header("topics", slug, *parts))
        candidates.append(self.header("topics", slug))
        for c in candidates:
            if c:
                return c
        for i, line in enumerate(self.lines):  # topic written as a dotted key or inline table
            if re.search(r"(^|[.\s\[])[\"']?" + re.escape(slug) + r"[\"']?\s*[.=\]]", line):
                return i + 1
        return 1


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _parse_weight(raw: str) -> float | None:
    try:
        w = float(raw)
    except ValueError:
        return None
    return w if math.isfinite(w) else None


def _build(path: Path, text: str) -> Taxonomy:
    shown = _shown(path)
    lines = _Lines(text)

    def fail(line: int, message: str) -> TaxonomyError:
        return TaxonomyError(f"{shown}, line {line}: {message}")

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", msg)
        if m:
            base = msg[: m.start()]
            twice = re.match(r"Cannot declare \('topics', '([^']+)'\) twice", base)
            if twice:
                base = f"topic '{twice.group(1)}' is declared twice (duplicate slug)"
            raise TaxonomyError(f"{shown}, line {m.group(1)}, column {m.group(2)}: {base}") from None
        raise TaxonomyError(f"{shown}: {msg}") from None

    for key in data:
        if key not in ("settings", "topics"):
            line = lines.header(key) or lines.key(key) or 1
            raise fail(line, f"unknown key '{key}' (expected [settings] or [topics.<slug>])")

    settings = dict(_DEFAULT_SETTINGS)
    raw_settings = data.get("settings", {})
    if not isinstance(raw_settings, dict):
        raise fail(lines.key("settings") or 1, "settings must be a table: [settings]")
    for key, value in raw_settings.items():
        line = lines.key(key, "settings") or lines.header("settings") or 1
        if key not in _DEFAULT_SETTINGS:
            raise fail(line, f"unknown setting '{key}' (known: {', '.join(sorted(_DEFAULT_SETTINGS))})")
        if not _is_number(value) or value < 0:
            raise fail(line, f"setting '{key}' must be a number >= 0, got {value!r}")
        settings[key] = float(value)

    raw_topics = data.get("topics")
    if not isinstance(raw_topics, dict) or not raw_topics:
        raise fail(lines.key("topics") or 1, "no topics: add at least one [topics.<slug>] table")

    topics: list[Topic] = []
    seen: dict[str, str] = {}
    for slug, body in raw_topics.items():
        line = lines.topic(slug)
        if not _SLUG.match(slug):
            raise fail(line, f"topic slug '{slug}' must be lower-case letters, digits and hyphens")
        if slug.lower() in seen:
            raise fail(line, f"duplicate slug '{slug}'")
        seen[slug.lower()] = slug
        if not isinstance(body, dict):
            raise fail(line, f"topic '{slug}' must be a table: [topics.{slug}]")
        for key in body:
            if key not in _TOPIC_KEYS:
                raise fail(
                    lines.topic(slug, key=key),
                    f"topic '{slug}' has an unknown key '{key}' (known: {', '.join(sorted(_TOPIC_KEYS))})",
                )
        label = body.get("label")
        if not isinstance(label, str) or not label.strip():
            raise fail(line, f"topic '{slug}' has no label (add label = \"...\")")
        threshold = body.get("threshold", settings["default_threshold"])
        if not _is_number(threshold) or threshold < 0:
            raise fail(
                lines.topic(slug, key="threshold"),
                f"topic '{slug}': threshold must be a number >= 0, got {threshold!r}",
            )
        exclude = body.get("exclude", [])
        if not isinstance(exclude, list) or not all(isinstance(x, str) and x.strip() for x in exclude):
            raise fail(lines.topic(slug, key="exclude"), f"topic '{slug}': exclude must be a list of terms")

        raw_terms = body.get("terms")
        if not raw_terms:
            raise fail(lines.topic(slug, sub="terms"), f"topic '{slug}' has no terms")
        if not isinstance(raw_terms, dict):
            raise fail(lines.topic(slug, key="terms"), f"topic '{slug}': terms must be a table of weight = [terms]")
        tables = {"": {k: v for k, v in raw_terms.items() if not isinstance(v, dict)}}
        for key, value in raw_terms.items():
            if isinstance(value, dict):
                if not _LANGUAGE.match(key):
                    raise fail(
                        lines.topic(slug, sub=f"terms.{key}"),
                        f"topic '{slug}': [topics.{slug}.terms.{key}] is not a language code (fr, de, ur...)",
                    )
                tables[key] = value
        parsed: dict[str, list[tuple[str, float]]] = {}
        for language, table in tables.items():
            sub = f"terms.{language}" if language else "terms"
            terms: list[tuple[str, float]] = []
            for key, value in table.items():

                def where(slug: str = slug, key: str = key, sub: str = sub) -> int:  # only on an error: it scans
                    return lines.topic(slug, key=key, sub=sub)

                if isinstance(value, list):
                    weight = _parse_weight(key)
                    if weight is None:
                        raise fail(where(), f"topic '{slug}': weight '{key}' is not a number")
                    for term in value:
                        if not isinstance(term, str) or not term.strip():
                            raise fail(where(), f"topic '{slug}': weight {key} lists {term!r}, which is not a term")
                        terms.append((term.strip(), weight))
                elif _is_number(value):
                    terms.append((key.strip(), float(value)))
                else:
                    raise fail(where(), f"topic '{slug}': weight of '{key}' is not a number: {value!r}")
            keys_seen: dict[str, str] = {}
            for term, weight in terms:
                if weight <= 0:
                    raise fail(lines.topic(slug, sub=sub), f"topic '{slug}': weight of '{term}' must be > 0")
                keys = _keys_for(term, language or "en")
                if not keys:
                    raise fail(lines.topic(slug, sub=sub), f"topic '{slug}': term '{term}' has no letters or digits")
                if keys[0] in keys_seen:
                    raise fail(
                        lines.topic(slug, sub=sub), f"topic '{slug}': term '{term}' repeats '{keys_seen[keys[0]]}'"
                    )
                keys_seen[keys[0]] = term
            parsed[language] = terms
        if not parsed[""]:
            raise fail(lines.topic(slug, sub="terms"), f"topic '{slug}' has no terms")
        topics.append(
            Topic(
                slug,
                label.strip(),
                float(threshold),
                tuple(parsed.pop("")),
                tuple(x.strip() for x in exclude),
                tuple((language, tuple(terms)) for language, terms in sorted(parsed.items())),
            )
        )

    # (key, topic index, weight or None for an exclusion, term) per language ("" = language-neutral), keyed once
    keyed: dict[str, list[tuple[str, int, float | None, str]]] = {"": []}
    for index, topic in enumerate(topics):
        keyed[""] += [(key, index, weight, term) for term, weight in topic.terms for key in _keys_for(term)]
        keyed[""] += [(key, index, None, term) for term in topic.exclude for key in _keys_for(term)]
        for language, terms in topic.language_terms:
            keyed.setdefault(language, []).extend(
                (key, index, weight, term) for term, weight in terms for key in _keys_for(term, language)
            )
    languages = sorted(set(keyed) - {""})
    automata: dict[str | None, Any] = {"": _compile([keyed[""]])}
    for language in languages:
        automata[language] = _compile([keyed[""], keyed[language]])
    automata[None] = _compile([keyed[lang] for lang in ["", *languages]]) if languages else automata[""]
    return Taxonomy(Path(path), tuple(topics), settings, automata)


def _compile(parts: list[list[tuple[str, int, float | None, str]]]) -> Any:
    """One matcher for these keyed terms."""
    automaton = ahocorasick.Automaton()
    entries: dict[str, dict[tuple[int, bool], tuple[int, float | None, str]]] = {}
    for part in parts:
        for key, index, weight, term in part:
            slot = entries.setdefault(key, {})
            if weight is None:
                slot[(index, True)] = (index, None, term)
                continue
            old = slot.get((index, False))
            if old is None or (old[1] or 0) < weight:  # a plural form listed on its own keeps the larger weight
                slot[(index, False)] = (index, weight, term)
    for key, slot in sorted(entries.items(), key=_search_order):
        automaton.add_word(key, (len(key), tuple(slot.values())))
    automaton.make_automaton()
    return automaton


# pyahocorasick finds a node's next letter by scanning its letters in the order they were added: terms are added so
# that every node lists the letters of English text first (a space, then by frequency). No match changes.
_SEARCH_ORDER = str.maketrans({c: chr(1 + i) for i, c in enumerate(" etaoinshrdlcumwfgypbvkjxqz")})


def _search_order(item: tuple[str, Any]) -> str:
    return item[0].translate(_SEARCH_ORDER)


_CACHE: dict[tuple[str, int, int], Taxonomy] = {}


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load and compile a taxonomy file (default config.TAXONOMY, read at call time); cached on (path, mtime, size),
    so an edited file is picked up."""
    path = Path(path) if path is not None else config.TAXONOMY
    try:
        st = os.stat(path)
    except OSError as exc:
        raise TaxonomyError(f"{_shown(path)}: cannot read the taxonomy ({exc.strerror})") from None
    key = (str(path), st.st_mtime_ns, st.st_size)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    try:
        compiled = rule_cache.fingerprint("taxonomy", [path], code=[Path(__file__)], libraries=["pyahocorasick"])
    except OSError as exc:
        raise TaxonomyError(f"{_shown(path)}: cannot read the taxonomy ({exc.strerror})") from None
    taxonomy = rule_cache.cached(
        "taxonomy",
        compiled,
        lambda: _build(path, path.read_text(encoding="utf-8")),
        dump=lambda tax: replace(tax, _automata=_PickledAutomata(tax._automata)),
        restore=_restored,
    )
    for old in [k for k in _CACHE if k[0] == key[0]]:
        del _CACHE[old]
    _CACHE[key] = taxonomy
    return taxonomy


class _PickledAutomata(Mapping):
    """The matchers of a taxonomy from the rules cache, each unpickled the first time it is asked for: an article
    needs one of them, and loading all nine took 0.05-0.1 s of the start of a command."""

    def __init__(self, automata: Mapping[str | None, Any]) -> None:
        self._pickled = {
            language: a if isinstance(a, bytes) else pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL)
            for language, a in automata.items()
        }
        self._loaded: dict[str | None, Any] = {}

    def __getitem__(self, language: str | None) -> Any:
        automaton = self._loaded.get(language)
        if automaton is None:  # KeyError for a language without a matcher of its own, as a dict gives
            automaton = self._loaded.setdefault(language, pickle.loads(self._pickled[language]))
        return automaton

    def __iter__(self) -> Iterator[str | None]:
        return iter(self._pickled)

    def __len__(self) -> int:
        return len(self._pickled)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_PickledAutomata, (self._pickled,))


def _restored(taxonomy: Taxonomy) -> Taxonomy:
    if not isinstance(taxonomy, Taxonomy) or not isinstance(taxonomy._automata, _PickledAutomata):
        raise TypeError("not a taxonomy with its matchers pickled one by one")
    return taxonomy


# ----------------------------------------------------------------------------------------------- scoring


def _sections(title: str, body: str, lead_words: int, language: str | None = None) -> tuple[str, str, str, int]:
    """Normalised title, lead (first paragraph, capped) and rest, plus the total word count."""
    body = body.strip()
    cut = body.find("\n")
    first, rest = (body, "") if cut < 0 else (body[:cut], body[cut:])
    lead = first.lower().translate(_PUNCT).split()
    rest_words = rest.lower().translate(_PUNCT).split()
    if len(lead) > lead_words:
        rest_words = lead[lead_words:] + rest_words
        lead = lead[:lead_words]
    title_words = title.lower().translate(_PUNCT).split()
    words = len(title_words) + len(lead) + len(rest_words)
    sections = (" " + " ".join(title_words) + " ", " " + " ".join(lead) + " ", " " + " ".join(rest_words) + " ")
    if language == "ar":
        sections = tuple(_ARABIC_CLITICS.sub(" ", text) for text in sections)
    return (*sections, words)


def _scan(
    automaton: Any,
    text: str,
    multiplier: float,
    scores: list[float],
    evidence: list[dict[str, float]],
    excluded: list[set[str]],
) -> None:
    """Add the weighted hits in one normalised section; a hit inside a longer hit is not counted."""
    if len(text) < 3:
        return
    hits = []
    append, find = hits.append, text.find
    for end, (length, entries) in automaton.iter(text):
        if text[end] != " ":  # wildcard: the hit covers the rest of its word
            append((end - length + 1, -find(" ", end), entries))
        else:
            append((end - length + 1, -end, entries))
    hits.sort(key=itemgetter(0, 1))  # by start, longest first; stable, so equal spans keep their order
    cover_start, cover_end = -1, -1
    for start, neg_end, entries in hits:
        end = -neg_end
        if end < cover_end or (end == cover_end and start != cover_start):
            continue  # inside a longer phrase
        if end > cover_end:
            cover_start, cover_end = start, end
        for index, weight, term in entries:
            if weight is None:
                excluded[index].add(term)
            else:
                value = weight * multiplier
                scores[index] += value
                ev = evidence[index]
                ev[term] = ev.get(term, 0.0) + value


def score_topics(
    title: str, body: str, taxonomy: Taxonomy | None = None, language: str | None = None
) -> list[TopicTag]:
    """Every topic with any evidence in the article, strongest first (see the module docstring for the score).
    `language` (ISO 639-1) chooses the terms of that language; None (unknown) matches every term."""
    tax = taxonomy if taxonomy is not None else load_taxonomy()
    return _tags(tax, title, body, language, None)


def _tags(tax: Taxonomy, title: str, body: str, language: str | None, thresholds: list[float] | None) -> list[TopicTag]:
    """The topics with evidence, strongest first; with `thresholds` (one per topic) only those whose rounded score
    reaches theirs (the evidence of the others is never sorted)."""
    s = tax.settings
    t_text, lead_text, rest_text, words = _sections(title or "", body or "", int(s["lead_words"]), language)
    automaton = tax.automaton(language)
    n = len(tax.topics)
    scores = [0.0] * n
    evidence: list[dict[str, float]] = [{} for _ in range(n)]
    excluded: list[set[str]] = [set() for _ in range(n)]
    _scan(automaton, t_text, s["title_weight"], scores, evidence, excluded)
    _scan(automaton, lead_text, s["lead_weight"], scores, evidence, excluded)
    _scan(automaton, rest_text, s["body_weight"], scores, evidence, excluded)
    units = max(s["min_units"], words / s["words_per_unit"]) if s["words_per_unit"] else 1.0
    units = units or 1.0
    tags = []
    for i, topic in enumerate(tax.topics):
        if not evidence[i]:
            continue
        score = scores[i] / units
        if excluded[i]:
            score *= s["exclude_damping"]
        score = round(score, 3)
        if thresholds is not None and score < thresholds[i]:
            continue
        matched = tuple(sorted(evidence[i], key=lambda t, ev=evidence[i]: (-ev[t], t)))
        tags.append(TopicTag(topic.slug, topic.label, score, matched, tuple(sorted(excluded[i]))))
    tags.sort(key=lambda t: (-t.score, t.slug))
    return tags


def tag(title: str, body: str, taxonomy: Taxonomy | None = None, language: str | None = None) -> list[TopicTag]:
    """The topics scoring at or above their threshold, strongest first. A short text (a headline and a sentence)
    has lower thresholds: x max(short_text_factor, words / short_text_words)."""
    tax = taxonomy if taxonomy is not None else load_taxonomy()
    factor = short_text_factor(title, body, tax)
    return _tags(tax, title or "", body or "", language, [t.threshold * factor for t in tax.topics])


def short_text_factor(title: str, body: str, taxonomy: Taxonomy) -> float:
    """What the thresholds are multiplied by for this text: below 1 only for texts under short_text_words words."""
    s = taxonomy.settings
    if not s["short_text_words"]:
        return 1.0
    # whitespace words: close enough to decide "short"; the body's are counted only up to one past the limit
    words = len(title.split()) + len(body.split(maxsplit=math.ceil(s["short_text_words"])))
    if words >= s["short_text_words"]:
        return 1.0
    return max(s["short_text_factor"], words / s["short_text_words"])
