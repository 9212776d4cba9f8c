"""The reader shows untrusted article text exactly as written, with the search terms highlighted."""

from __future__ import annotations

import re

from monitor import reader


def test_markdown_and_html_in_article_text_is_shown_literally():
    hostile = "Click [here](javascript:alert(1)) ![x](http://tracker.example/p.png) <script>alert(1)</script> :red[big] $x^2$ **bold**"
    shown, _ = reader.highlighted(hostile, [])
    assert re.search(r"(?<!\\)[\[\]()<>$*:!^]", shown) is None  # no special character left unescaped
    # every special character is escaped, so removing the escapes (and the joiner that keeps the bare address
    # from becoming a link) gives back the text
    assert shown.replace("\\", "").replace(reader.WORD_JOINER, "") == hostile.replace("\\", "")


def test_query_terms_leave_out_operators_and_not_terms_and_keep_phrases_and_prefixes():
    assert reader.query_terms('border OR "ceasefire talks" NOT cricket refug*') == [
        "border",
        "ceasefire talks",
        "refug*",
    ]
    assert reader.query_terms(None) == []


def test_highlights_whole_words_phrases_inflections_and_prefixes():
    text = "Border talks: the ceasefire  talks on the borders resumed; refugees crossed. Borderline case."
    shown, hits = reader.highlighted(text, reader.query_terms('border "ceasefire talks" refug*'))
    assert hits == 4  # Border, ceasefire  talks, borders, refugees — not Borderline
    assert ":orange-background[**Border**]" in shown
    assert ":orange-background[**refugees**]" in shown
    assert "Borderline" in shown and "**Borderline" not in shown


def test_a_highlighted_term_cannot_break_out_of_its_markup():
    shown, hits = reader.highlighted("The ]] term] is here", ["term"])
    assert hits == 1
    assert ":orange-background[**term**]" in shown
    assert "\\]\\]" in shown


def test_paragraphs_are_the_stored_lines_and_links_must_be_web_addresses():
    assert reader.paragraphs("First  one.\n\nSecond\n") == ["First one.", "Second"]
    assert reader.safe_link("https://example.org/a") == "https://example.org/a"
    assert reader.safe_link("javascript:alert(1)") is None
    assert reader.safe_link(None) is None
