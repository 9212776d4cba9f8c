"""HTML article pages: main text without site chrome, metadata from the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.ingest import pages
from monitor.models import IngestError
from tests.conftest import FIXTURES

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)
ARTICLE = (FIXTURES / "pages" / "article.html").read_bytes()


def test_article_page_text_and_metadata():
    parsed = pages.parse(ARTICLE, url="https://coastal-chronicle.example/p/123?utm_source=x", fetched_at=NOW)
    assert parsed.kind == "html"
    assert parsed.title == "Coastal Chronicle"  # og:site_name
    assert parsed.language == "en"
    [article] = parsed.articles
    assert article.title == "Lighthouse keeper retires after 40 years"
    assert article.author == "Harriet Vale"
    assert article.published_at == datetime(2025, 11, 6, 9, 20, tzinfo=UTC)
    assert article.url == "https://coastal-chronicle.example/news/2025/11/lighthouse-keeper-retires"
    assert article.language == "en"
    assert article.summary == "The last keeper of Gullrock light hands over the keys."
    lines = article.body.split("\n")
    assert lines[0].startswith("Thomas Reed climbed the 132 steps")
    assert "A life by the sea" in lines  # the subheading stays its own line
    assert lines[-1].startswith("The harbour trust said")
    for chrome in ("Subscribe to our newsletter", "Weather forecast", "All rights reserved", "Privacy policy"):
        assert chrome not in article.body


def test_page_without_canonical_uses_the_given_url():
    html = ARTICLE.replace(b'<link rel="canonical"', b'<link rel="alternate"')
    article = pages.extract_article(html, "https://mirror.example/lighthouse", NOW)
    assert article is not None
    assert article.url == "https://mirror.example/lighthouse"


def test_extract_article_on_a_short_page_drops_navigation():
    html = (
        b"<html lang='es'><head><title>Nueva biblioteca</title></head><body>"
        b"<nav><a href='/'>Inicio</a> | <a href='/n'>Noticias</a></nav>"
        b"<article><h1>Nueva biblioteca</h1><p>El alcalde inaugur\xc3\xb3 la nueva biblioteca el viernes "
        b"con un discurso sobre la lectura.</p></article><footer>Aviso legal</footer></body></html>"
    )
    article = pages.extract_article(html, None, NOW)
    assert article is not None
    assert article.title == "Nueva biblioteca"
    assert article.body == "El alcalde inauguró la nueva biblioteca el viernes con un discurso sobre la lectura."
    assert article.language == "es"


def test_page_without_text_raises():
    html = b"<html><head><title>Nothing</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    with pytest.raises(IngestError) as caught:
        pages.parse(html, url="https://empty.example/", fetched_at=NOW)
    assert caught.value.reason == "no article text found in the page"
    assert pages.extract_article(html, "https://empty.example/", NOW) is None
