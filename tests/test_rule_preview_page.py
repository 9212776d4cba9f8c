"""The Sources page's "Rule preview" section through AppTest: counts and examples as plain text, nothing written."""

from __future__ import annotations

import shutil

from monitor import config
from tests.test_app import HOSTILE_TITLE, news, no_demo, open_page  # noqa: F401 (fixtures)


def test_rule_preview_lists_what_an_edited_lexicon_would_change(news, tmp_path, monkeypatch):  # noqa: F811
    lexicon = tmp_path / "news_lexicon.tsv"
    shutil.copy(config.NEWS_LEXICON, lexicon)
    monkeypatch.setattr(config, "NEWS_LEXICON", lexicon)
    before = news.execute("SELECT id, sentiment_label FROM articles ORDER BY id").fetchall()

    at = open_page("sources")
    at.button(key="rules_preview").click().run()
    assert not at.exception
    assert any("0 of 3 analysed articles would change" in text.value for text in at.text)

    # "talks" and "ceasefire" now read as very bad news: both border stories turn negative
    lexicon.write_text(lexicon.read_text().replace("ceasefire\t0.8\n", "ceasefire\t-3.5\n") + "talks\t-3.5\n")
    at.button(key="rules_preview").click().run()
    assert not at.exception
    assert any("2 of 3 analysed articles would change" in text.value for text in at.text)
    rows = next(frame.value for frame in at.dataframe if "code" in frame.value.columns).to_dict("records")
    negative = next(row for row in rows if row["what"] == "Tone" and row["code"] == "negative")
    assert negative["gained"] == 2 and negative["lost"] == 0
    assert HOSTILE_TITLE.replace("<b>", "").replace("</b>", "") in negative["would gain it (examples)"]
    assert news.execute("SELECT id, sentiment_label FROM articles ORDER BY id").fetchall() == before
