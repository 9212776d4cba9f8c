"""Sentiment: sentence-level aggregation, headline weight, language gate, the news lexicon and its file."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.analysis import sentiment
from monitor.analysis.sentiment import NewsLexiconError, load_news_lexicon, score

NEUTRAL_SENTENCES = [
    "The committee met on Tuesday in the capital.",
    "Officials said the report would be published next month.",
    "The meeting was attended by representatives of twelve regions.",
    "A spokesperson said the agenda included transport and housing.",
    "The council has nine members, three of them appointed this year.",
    "Documents were circulated to delegates before the session.",
    "The next session is scheduled for the first week of March.",
    "Minutes of the meeting will be posted on the council website.",
    "Delegates travelled from the northern and southern provinces.",
    "The chair opened the session shortly after nine in the morning.",
]


def test_long_mostly_neutral_article_with_one_bad_sentence_is_not_saturated():
    bad = "One delegate said the floods had killed dozens of people in his district."
    body = " ".join(NEUTRAL_SENTENCES * 2 + [bad])
    whole_body = SentimentIntensityAnalyzer().polarity_scores(body)["compound"]
    result = score("Regional council holds its autumn session", body, "en")
    assert result.sentences == 22
    assert -0.1 < result.compound < 0  # one sentence in 21 moves the mean a little...
    assert result.label == "neutral"
    assert result.compound > whole_body / 5  # ...far less than VADER on the whole body
    assert result.strongest[0][0] == bad and result.strongest[0][1] < -0.5
    assert "21 without sentiment words scored 0" in result.reason or "20 without" in result.reason


def test_many_bad_sentences_make_a_negative_article():
    body = (
        "Floods killed at least 40 people. Rescuers searched the rubble for survivors. "
        "Thousands were displaced and homes were destroyed. Officials warned of more deadly rain."
    )
    result = score("Deadly floods devastate northern towns", body, "en")
    assert result.label == "negative" and result.compound < -0.3


def test_headline_counts_twice():
    sad = "The accident left many people injured and grieving."
    as_title = score(sad, " ".join(NEUTRAL_SENTENCES[:3]), "en")
    in_body = score("Council meets", " ".join([*NEUTRAL_SENTENCES[:3], sad]), "en")
    # as headline: weight 2 of 5 (headline x2 + 3 sentences); in the body: 1 of 6 (neutral headline x2 + 4 sentences)
    assert as_title.compound == pytest.approx(in_body.compound * (2 / 5) / (1 / 6), rel=0.01)
    assert "headline counted 2 times" in as_title.reason
    assert sentiment.HEADLINE_WEIGHT == 2.0


def test_non_english_is_not_scored_and_never_a_fake_zero():
    result = score("Pakistan aur Afghanistan", "Dono mulkon ke darmiyan mazakrat jari hain.", "ur")
    assert result.compound is None and result.label is None
    assert result.reason == "not scored: VADER reads English only (language 'ur')"
    assert result.sentences == 0 and result.strongest == () and result.news_terms == ()


def test_unknown_language_is_scored_only_when_the_text_looks_english():
    french = score("Les pourparlers reprennent", "Les deux pays ont repris les discussions à Istanbul mardi.", None)
    assert french.compound is None and "does not look English" in french.reason
    english = score("Talks resume", "The two countries resumed their talks in Istanbul on Tuesday.", None)
    assert english.compound is not None and "language unknown, text looks English" in english.reason
    assert score("Talks", "The talks resumed.", "en-GB").compound is not None


def test_empty_text_is_not_scored():
    assert score("", "", "en").compound is None


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("Shares fell after the results.", -1),
        ("Shares plunged 20% on Monday.", -1),
        ("Profit rose in the third quarter.", 1),
        ("Profit fell in the third quarter.", -1),
        ("The ceasefire holds in the region.", 1),
        ("An airstrike killed four people.", -1),
        ("Casualties were reported after clashes.", -1),
        ("The company announced layoffs.", -1),
    ],
)
def test_news_lexicon_directions(text, sign):
    result = score("", text, "en")
    assert result.compound * sign > 0, result
    assert result.news_terms


def test_news_lexicon_fixes_what_vader_gets_wrong():
    plain = score("", "Shares fell after the results.", "en", news_lexicon=False)
    news = score("", "Shares fell after the results.", "en")
    assert plain.compound > 0 > news.compound  # VADER alone reads "shares" as +1.2
    assert news.news_terms == ("shares fell",)
    assert "VADER only" in plain.reason


def test_phrases_keep_vaders_negation():
    warned = score("", "The company issued a profit warning.", "en")
    not_warned = score("", "The company issued no profit warning.", "en")
    assert warned.compound < 0 < not_warned.compound
    assert not_warned.news_terms == ("profit warning",)


def test_of_two_overlapping_phrases_the_longer_one_counts():
    # "short of" and "short of expectations" are both in the news lexicon; the phrase that starts first, and the
    # longer at one place, is joined first, whatever the process's hash seed (they were once joined in set order).
    result = score("", "Quarterly sales fell short of expectations.", "en")
    assert "short of expectations" in result.news_terms
    assert "short of" not in result.news_terms
    lexicon = load_news_lexicon()
    assert lexicon.phrases["short of expectations"] != lexicon.phrases["short of"]


def test_border_talks_article_is_negative_to_neutral():
    title = "Pakistan and Afghan Taliban resume ceasefire talks in Istanbul after deadly border clashes"
    body = (
        "Delegations from Pakistan and Afghanistan's Taliban government met in Istanbul on Thursday for a second "
        "round of talks aimed at shoring up a fragile ceasefire. Fighting along the border last month killed dozens "
        "of soldiers and civilians, the worst violence between the neighbours in years. Turkish and Qatari mediators "
        "said both sides had agreed to keep the truce while a monitoring mechanism is worked out. Islamabad accuses "
        "Kabul of sheltering militants who carry out attacks inside Pakistan, a charge the Taliban deny. Pakistan's "
        "defence minister warned that the talks would be pointless without guarantees."
    )
    result = score(title, body, "en")
    assert result.compound <= 0.05
    assert result.label in ("negative", "neutral")
    assert {"deadly", "clashes", "ceasefire"} <= set(result.news_terms)


def test_evidence_is_small_and_readable():
    body = " ".join(["The war killed thousands and left the economy in ruins, officials said on Monday evening."] * 5)
    result = score("War", body, "en")
    assert len(result.strongest) == 3
    assert all(len(excerpt) <= 120 and -1 <= value <= 1 for excerpt, value in result.strongest)
    assert abs(result.strongest[0][1]) >= abs(result.strongest[-1][1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.compound = 0  # type: ignore[misc]


def test_label_threshold():
    assert sentiment.label_for(sentiment.LABEL_THRESHOLD) == "positive"
    assert sentiment.label_for(-sentiment.LABEL_THRESHOLD) == "negative"
    assert sentiment.label_for(0.0) == "neutral"


def test_sentences_are_split_on_end_punctuation_and_lines():
    parts = sentiment._split_sentences('He said "It is over." Then U.S. forces left.\nPrices rose 3.5% in May! Why?')
    assert parts == ['He said "It is over."', "Then U.S. forces left.", "Prices rose 3.5% in May!", "Why?"]


def test_skipping_vaders_emoji_pass_changes_no_score():
    analyzer = SentimentIntensityAnalyzer()
    for text in ["Shares fell sharply.", "It was NOT good at all!!", "Not bad, but the rest was terrible.", "Calm."]:
        assert sentiment._vader_compound(analyzer, text) == analyzer.polarity_scores(text)["compound"]


def test_default_news_lexicon_loads_with_phrases_and_words():
    lex = load_news_lexicon()
    assert lex.phrases["shares fell"] < 0 < lex.phrases["profit rose"]
    assert lex.words["layoffs"] < 0 < lex.words["ceasefire"]
    assert lex.words["shares"] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("term\tvalence\nlayoffs -2\n", "line 2: expected term<TAB>valence"),
        ("# comment\nlayoffs\tbad\n", "line 2: valence 'bad' of 'layoffs' is not a number"),
        ("layoffs\t-9\n", "line 1: valence of 'layoffs' must be within -4..4"),
        ("layoffs\t-2\nLayoffs\t-1\n", "line 2: 'layoffs' is listed twice"),
        ("lay*offs\t-2\n", "line 1: '*' is only allowed at the end of a phrase"),
    ],
)
def test_bad_lexicon_lines_name_the_line(tmp_path: Path, content, message):
    path = tmp_path / "lexicon.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NewsLexiconError, match=re.escape(message)):
        load_news_lexicon(path)


LABELLED = Path(__file__).resolve().parent / "labelled_news.jsonl"


def _labelled_sentences() -> list[str]:
    sentences = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        sentences.append(item["title"])
        sentences.extend(sentiment._split_sentences(item["body"]))
    return sentences


def _joined(scorer, sentence: str) -> str:
    """The sentence as VADER reads it: news phrases joined into one token and pairings rewritten."""
    return sentiment._prepare(scorer, sentence, {})[0]


_RULE_WORDS = (
    "not no never so this without doubt least at very kind of sort but BUT GOOD good bad terrible killed the "
    "bomb shit kiss death beating heart yeah right isn't don't extremely hardly No nor or ! ? !! ??? ... :) "
    "great HAPPY sad win lost fell rose shares fell profit rose just enough NOT İstanbul"
)


def _tricky_sentences(count: int) -> list[str]:
    """Sentences full of what VADER's rules react to: negations, boosters, "no", "least", "so"/"this", idioms,
    "kind of", "but", capitals, ! and ?, mixed with words of the labelled sample."""
    rules = _RULE_WORDS.split()
    words = " ".join(_labelled_sentences()).split()
    rng = random.Random(7)
    return [
        " ".join(rng.choice(rules) if rng.random() < 0.5 else rng.choice(words) for _ in range(rng.randint(1, 25)))
        for _ in range(count)
    ]


@pytest.mark.parametrize("news_lexicon", [True, False])
def test_sentence_scores_equal_vaders_own_on_every_labelled_sentence(news_lexicon):
    scorer = sentiment._scorer(news_lexicon)
    for sentence in _labelled_sentences() + _tricky_sentences(3000):
        expected = scorer.analyzer.polarity_scores(_joined(scorer, sentence))["compound"]
        assert sentiment._score_sentence(scorer, sentence, {}) == expected, sentence
        assert sentiment._vader_compound(scorer.analyzer, _joined(scorer, sentence)) == expected, sentence


# --- direction x quantity (data/tone_rules.toml)


def _tone(text: str) -> sentiment.Sentiment:
    return score("", text, "en")


@pytest.mark.parametrize(
    ("text", "label", "term"),
    [
        (
            "Operating losses narrowed to 3.1 million pounds from 9.4 million pounds.",
            "positive",
            "operating losses narrowed",
        ),
        ("Net debt fell to 1.2 billion euros.", "positive", "net debt fell"),
        ("Restructuring costs rose by a third in the quarter.", "negative", "costs rose"),
        ("Quarterly revenue climbed to $4.8 billion.", "positive", "revenue climbed"),
        ("Like-for-like sales dropped 4.1% in the ten weeks to January.", "negative", "sales dropped"),
        ("The carmaker will cut 2,300 jobs in Germany.", "negative", "cut jobs"),
        ("Unemployment dropped to 3.9% in September.", "positive", "unemployment dropped"),
        ("The bank reported a sharp increase in bad loans.", "negative", "increase bad loans"),
        ("Harbour Logistics narrows its loss", "positive", "narrows loss"),  # headlines: present tense
        ("Net sales were EUR 90 mn, up 5% on the year.", "positive", "net sales up"),
        # no up/down word: two figures either side of a comparison
        ("Net sales totalled EUR 27.6 mn, compared with EUR 31.5 mn.", "negative", "net sales fell (figures)"),
        ("The operating margin was 14.2% against 11.7% a year ago.", "positive", "operating margin rose (figures)"),
        ("Net debt was EUR 1.1 bn compared with EUR 900 mn a year ago.", "negative", "net debt rose (figures)"),
    ],
)
def test_which_way_a_quantity_moved_gives_the_tone(text, label, term):
    result = _tone(text)
    assert result.label == label, (text, result.compound)
    assert f"{term} ({'+' if label == 'positive' else '-'})" in result.news_terms


def test_pairing_keeps_vaders_negation_and_stays_within_its_clause():
    assert _tone("Profit did not rise in the quarter.").label == "negative"
    mixed = _tone("Revenue rose 5% in Europe, but costs rose faster.")
    assert {"revenue rose (+)", "costs rose (-)"} <= set(mixed.news_terms)
    # a limit is not a move, and a figure on its own is a fact
    assert _tone("The board may buy back up to 5% of shares.").label == "neutral"
    assert _tone("Operating profit totalled 12.6 million euros.").label == "neutral"
    assert _tone("Net sales in 2007 were EUR 300 mn, compared to 2006.").label == "neutral"  # a year is no figure
    assert _tone("The board increased the number of its members from six to seven.").label == "neutral"


def _rules_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "tone_rules.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_tone_rules_file_errors_name_the_file_and_the_problem(tmp_path):
    rules = sentiment.load_tone_rules(
        _rules_file(tmp_path, '[directions]\nup = ["rose"]\ndown = ["fell"]\n[quantities]\ngood = ["net sales"]\n')
    )
    assert rules.quantities == {"net sales": 1} and rules.longest == 2 and rules.window == 5
    cases = {
        '[directions]\nup = ["rose"]\ndown = ["rose"]\n': "both up and down: rose",
        '[quantities]\ngood = ["debt"]\nbad = ["debt"]\n': "both good and bad: debt",
        "[pairing]\nwindow = 50\n": "window must be a number within 1..20",
        '[directions]\nup = "rose"\n': "[directions] up must be a list of words",
        '[directions]\nup = ["went up"]\n': "a direction is one word",
        "[directions\n": "tone_rules.toml",
    }
    for body, message in cases.items():
        with pytest.raises(NewsLexiconError, match=re.escape(message)):
            sentiment.load_tone_rules(_rules_file(tmp_path, body))
    with pytest.raises(NewsLexiconError, match="cannot read the tone rules"):
        sentiment.load_tone_rules(tmp_path / "missing.toml")


def test_a_broken_tone_rules_file_stops_analysis_with_its_name(tmp_path, monkeypatch):
    from monitor import config
    from monitor.analysis.article import RulesError, check_rules

    monkeypatch.setattr(config, "TONE_RULES", _rules_file(tmp_path, '[pairing]\nvalence = "high"\n'))
    with pytest.raises(RulesError, match="valence must be a number"):
        check_rules()


def test_news_lexicon_and_rules_beat_plain_vader_on_the_dev_sentences():
    """A guard on the dev halves only (the test halves are for bench/evaluate_tone.py's report)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import evaluate_tone

    finance = [i for i in evaluate_tone.load(evaluate_tone.FINANCE) if i["split"] == "dev"]
    editorial = [i for i in evaluate_tone.load(evaluate_tone.EDITORIAL) if i["split"] == "dev"]
    gold = [i["label"] for i in finance]
    ratings = [float(i["rating"]) for i in editorial]
    figures = {}
    for name, system in evaluate_tone.SYSTEMS.items():
        figures[name] = (
            evaluate_tone.macro_f1(gold, [system(i["text"])[1] for i in finance]),
            evaluate_tone.pearson(ratings, [system(i["text"])[0] for i in editorial]),
        )
    (vader_f1, vader_r), (ours_f1, ours_r) = figures["plain VADER"], figures["newsmon"]
    assert ours_f1 >= 0.8 and ours_f1 > vader_f1 + 0.2
    assert ours_r >= 0.8 and ours_r > vader_r + 0.05
