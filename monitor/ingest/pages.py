"""HTML article pages to articles, through trafilatura: main text without navigation, plus metadata."""

from __future__ import annotations

import logging
from datetime import datetime

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from monitor.ingest import limits
from monitor.ingest.parsing import Parsed, blank, gunzip, language_code
from monitor.models import IngestError, ParsedArticle
from monitor.normalise import clean_text, parse_date

log = logging.getLogger(__name__)

# htmldate returns a day only by default; ask for the time too, and for the first publication over updates.
DATE_PARAMS = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
# Site chrome that trafilatura's fallback extractors let through on short pages.
PRUNE_XPATHS = ["//nav", "//footer", "//*[@role='navigation']", "//*[@role='contentinfo']"]
LANGUAGE_XPATHS = (
    "/html/@lang",
    "/html/@xml:lang",
    "//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')='content-language']/@content",
    "//meta[@property='og:locale']/@content",
    "//meta[@name='language']/@content",
)


def parse(data: bytes, *, url: str | None, fetched_at: datetime) -> Parsed:
    """The article of one HTML page; raises IngestError when the page holds no article text."""
    label = url or "page"
    data = gunzip(data, label)
    if blank(data):
        raise IngestError(label, "empty file")
    if len(data) > limits.MAX_PAGE_BYTES:
        raise IngestError(label, f"HTML page larger than {limits.size(limits.MAX_PAGE_BYTES)}, the limit for one page")
    extracted = _extract(data, url, fetched_at)
    if extracted is None:
        raise IngestError(label, "no article text found in the page")
    article, site_name = extracted
    parsed = Parsed(kind="html", title=site_name, language=article.language)
    parsed.add(article, "page")
    return parsed


def extract_article(html: bytes, url: str | None, fetched_at: datetime) -> ParsedArticle | None:
    """The article in a fetched page (full text for a feed entry), or None when there is no article text."""
    html = gunzip(html, url or "page")
    if len(html) > limits.MAX_PAGE_BYTES:
        raise IngestError(url or "page", f"HTML page larger than {limits.size(limits.MAX_PAGE_BYTES)}")
    extracted = _extract(html, url, fetched_at)
    return extracted[0] if extracted else None


def _extract(data: bytes, url: str | None, fetched_at: datetime) -> tuple[ParsedArticle, str | None] | None:
    tree = trafilatura.load_html(data)  # decodes by the page's declared or detected charset
    if tree is None:
        return None
    options = Extractor(
        output_format="python", comments=False, tables=True, with_metadata=True, url=url, date_params=DATE_PARAMS
    )
    try:
        document = trafilatura.bare_extraction(tree, options=options, prune_xpath=PRUNE_XPATHS)
    except (ValueError, TypeError) as exc:  # trafilatura signals "nothing usable" with ValueError
        log.info("%s: trafilatura found nothing: %s", url or "page", exc)
        return None
    if document is None:
        return None
    title = clean_text(document.title or "").replace("\n", " ")
    lines = clean_text(document.text or "").split("\n")
    if lines and title and lines[0] == title:
        lines = lines[1:]  # trafilatura keeps the <h1> headline as the first line of the text
    body = "\n".join(line for line in lines if line)
    if not body:
        return None
    article = ParsedArticle(
        title=title,
        body=body,
        url=document.url or url,  # trafilatura reports <link rel=canonical> / og:url here
        summary=clean_text(document.description or ""),
        author=clean_text(document.author or "").replace("; ", ", "),
        published_at=parse_date(document.date, now=fetched_at) if document.date else None,
        language=language_code(document.language) or _page_language(tree),
        extra={k: v for k, v in (("categories", document.categories), ("tags", document.tags)) if v},
    )
    return article, clean_text(document.sitename or "") or None


def _page_language(tree: HtmlElement) -> str | None:
    for xpath in LANGUAGE_XPATHS:
        try:
            values = tree.xpath(xpath, namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
        except etree.XPathError:
            continue
        for value in values:
            if code := language_code(str(value)):
                return code
    return None
