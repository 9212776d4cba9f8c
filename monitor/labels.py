"""How codes read for people: country and language names, topic labels, a dimension value on a chart or in an
export. Shared by the dashboard and the exports (no Streamlit here)."""

from __future__ import annotations

from functools import lru_cache

import pycountry

from monitor.analysis.topics import load_taxonomy

KOSOVO = ("XK", "XKX", "Kosovo")  # not in ISO 3166; the code everyone uses


@lru_cache(maxsize=512)
def country_names(code: str) -> tuple[str, str]:
    """(ISO alpha-3, English name) of an alpha-2 code, ("", "") when unknown. The name is pycountry's common
    name when it has one (Türkiye, not "Turkey"; Iran, not "Iran, Islamic Republic of")."""
    code = code.upper()
    if code == KOSOVO[0]:
        return KOSOVO[1], KOSOVO[2]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return "", ""
    return country.alpha_3, getattr(country, "common_name", None) or country.name


def country_name(code: str) -> str:
    return country_names(code)[1] or code


def country_alpha3(code: str) -> str | None:
    return country_names(code)[0] or None


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code)
    return language.name if language else code


def topic_labels() -> dict[str, str]:
    """Slug -> label from data/taxonomy.toml; empty when the file is broken (the slugs still say enough)."""
    try:
        return {topic.slug: topic.label for topic in load_taxonomy().topics}
    except (ValueError, OSError):
        return {}


def topic_label(slug: str) -> str:
    return topic_labels().get(slug, slug)


def label(dimension: str, value: str) -> str:
    """How a value of a dimension (monitor/filters.py) reads on a chart or in a sentence."""
    if not value:
        return "(none)"
    if dimension in ("country", "published_in"):
        return f"{country_name(value)} ({value})"
    if dimension == "topic":
        return topic_label(value)
    if dimension == "language":
        return language_name(value)
    return value
