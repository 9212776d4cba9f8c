"""Article text for the reader: plain paragraphs with the search terms highlighted, safe to show.

Article text is untrusted. Streamlit renders Markdown (links, images that load from anywhere, colour
directives, LaTeX), so every character with a meaning in Markdown is escaped and the only markup in the
result is the highlighting added here. HTML is never allowed (no unsafe_allow_html anywhere).
"""

from __future__ import annotations

import re

FTS_OPERATORS = {"AND", "OR", "NOT", "NEAR"}
# Backslash-escapable ASCII punctuation (CommonMark), plus ':' and '$' for Streamlit's directives and LaTeX.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=\"'^%@])")
HIGHLIGHT = ":orange-background[**{}**]"
# Inflections the search matches through its Porter stemmer, approximated for highlighting.
SUFFIXES = r"(?:s|es|ed|ing|'s)?"


def escape_markdown(text: str) -> str:
    """Text that Markdown shows exactly as written."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def query_terms(query: str | None) -> list[str]:
    """The words and phrases of an FTS5 query, without operators, columns or grouping; `prefix*` kept."""
    if not query:
        return []
    terms = [phrase for phrase in re.findall(r'"([^"]+)"', query) if phrase.strip()]
    rest = re.sub(r'"[^"]*"', " ", query)
    for word in re.findall(r"[\w*]+", rest):
        if word in FTS_OPERATORS or word.strip("*") == "":
            continue
        terms.append(word)
    return list(dict.fromkeys(term.strip() for term in terms))


def _pattern(terms: list[str]) -> re.Pattern | None:
    parts = []
    for term in sorted(terms, key=len, reverse=True):
        if term.endswith("*"):
            parts.append(re.escape(term.rstrip("*")) + r"\w*")
        else:
            words = [re.escape(word) for word in term.split()]
            parts.append(r"\W+".join(words) + SUFFIXES)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE) if parts else None


def highlighted(text: str, terms: list[str]) -> tuple[str, int]:
    """(Markdown for one paragraph with the terms highlighted, number of highlights)."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape_markdown(text), 0
    pieces, last, hits = [], 0, 0
    for match in pattern.finditer(text):
        pieces.append(escape_markdown(text[last : match.start()]))
        pieces.append(HIGHLIGHT.format(escape_markdown(match.group(0))))
        last, hits = match.end(), hits + 1
    pieces.append(escape_markdown(text[last:]))
    return "".join(pieces), hits


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs: the store keeps one paragraph per line (normalise.clean_text)."""
    return [" ".join(line.split()) for line in body.splitlines() if line.strip()]


def safe_link(url: str | None) -> str | None:
    """The article's address if it is a web address (never javascript: or data:)."""
    if url and re.match(r"https?://", url, re.IGNORECASE):
        return url
    return None


def topic_layer(tag: dict) -> str:
    """Which layer gave a topic tag, in a few words (plain text: escape it before showing it as Markdown)."""
    layer = tag.get("layer", "rules")
    if layer == "analyst":
        text = "added by an analyst"
    elif layer == "classifier":
        text = f"classifier, probability {tag['probability']:.2f}"
    elif layer == "rules+classifier":
        text = f"rules (score {tag['score']:.1f}) and classifier ({tag['probability']:.2f})"
    else:
        text = f"rules, score {tag['score']:.1f}"
    verdict = tag.get("verdict")
    return text + (f" · {verdict} by an analyst" if verdict and layer != "analyst" else "")
