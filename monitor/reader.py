"""Article text for the reader: plain paragraphs with the search terms highlighted, safe to show.

Article text is untrusted, and so are feed titles, server errors and link parameters. Streamlit renders
Markdown (links, images that load from anywhere, colour directives, LaTeX), so every character with a meaning
in Markdown is escaped and the only markup in the result is the highlighting added here. HTML is never allowed
(no unsafe_allow_html anywhere).
"""

from __future__ import annotations

import html
import re

# Backslash-escapable ASCII punctuation (CommonMark), plus ':' and '$' for Streamlit's directives and LaTeX. A
# colon before a space or the end ("Link: ...") can open neither a directive nor an emoji code and stays as is.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&=\"'^%@]|:(?!\s|$))")
# GitHub-flavoured Markdown links bare addresses (http://..., www...., name@host) found in the text after the
# escapes are resolved, so escaping cannot stop it: an invisible word joiner breaks each pattern instead.
WORD_JOINER = "\u2060"
AUTOLINK_STARTS = re.compile(r"(?<=[a-z])(?=://)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
# Bidi overrides and isolates (they reorder what is shown: "gpj.exe" read as "exe.jpg") and NUL. Ingestion strips
# them; articles stored before that still hold them.
HIDDEN_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\x00]")
MAX_ARTICLE_ID = 2**63 - 1  # SQLite's largest integer
HIGHLIGHT = ":orange-background[**{}**]"
# Inflections the search matches through its Porter stemmer, approximated for highlighting.
SUFFIXES = r"(?:s|es|ed|ing|'s)?"


def escape_markdown(text: str) -> str:
    """Text that Markdown shows as written (bare addresses stay text, not links)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", AUTOLINK_STARTS.sub(WORD_JOINER, plain_text(text)))


def plain_text(text: str) -> str:
    """Untrusted text for a place that shows it literally (tables, st.text): without reordering controls."""
    return HIDDEN_CONTROLS.sub("", text)


def chart_text(text: str) -> str:
    """Untrusted text for a plotly chart (a legend entry, a hover label): plotly draws the <a href>, <b>... tags it
    finds there, so a term from a shared link could show a "Login" link; escaped, the tags show as written."""
    return html.escape(plain_text(text), quote=False)


def article_id(text: str | None) -> int | None:
    """The article id a link asks for (`?article=42`), or None when the value is not one."""
    text = (text or "").strip()
    if re.fullmatch(r"[0-9]{1,19}", text) and 0 < int(text) <= MAX_ARTICLE_ID:
        return int(text)
    return None


def query_terms(query: str | None) -> list[str]:
    """The words and phrases a search looks for, as the search box reads it (monitor.queries), without the
    NOT-terms; `prefix*` kept."""
    from monitor.queries import positive_terms

    return positive_terms(query)


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
