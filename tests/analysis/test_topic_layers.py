"""The topic layers: terms per language, short texts, the classifier learnt from confident rule tags, verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.analysis import article, topic_model, topics
from monitor.analysis.topics import TaxonomyError, load_taxonomy, score_topics, tag

MULTI = """\
[settings]
default_threshold = 4.0

[topics.sports]
label = "Sports"

[topics.sports.terms]
4 = ["football"]

[topics.sports.terms.fr]
4 = ["entraîneur", "but"]

[topics.sports.terms.ar]
4 = ["ملعب", "كرة القدم"]

[topics.sports.terms.hi]
4 = ["क्रिकेट", "ज़्यादा रन"]

[topics.politics]
label = "Politics"

[topics.politics.terms]
4 = ["parliament"]

[topics.politics.terms.ur]
4 = ["وزیر اعظم"]
"""


def write(tmp_path, text):
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def slugs(tags):
    return [t.slug for t in tags]


# ------------------------------------------------------------------------------------------- terms per language


def test_language_terms_match_only_in_their_language_or_an_unknown_one(tmp_path):
    tax = load_taxonomy(write(tmp_path, MULTI))
    assert tax.languages == ("ar", "fr", "hi", "ur")
    french = ("L'entraîneur quitte le club", "Le but était annulé.")
    assert slugs(tag(*french, tax, "fr")) == ["sports"]
    assert slugs(tag(*french, tax, None)) == ["sports"]  # unknown language: every term
    assert tag("The but and the entraîneur", "", tax, "en") == []  # an English text never sees French terms
    assert slugs(tag("Football in parliament", "", tax, "fr")) == ["politics", "sports"]  # neutral terms everywhere


def test_arabic_article_and_prepositions_are_dropped_and_letter_variants_folded(tmp_path):
    tax = load_taxonomy(write(tmp_path, MULTI))
    # "in the stadium" (bi-l-mal'ab) and "and the football" (wa-l-kura) find the bare terms
    ranked = score_topics("احتفالات بالملعب", "وفاز الفريق في مباراة والكرة القدم", tax, "ar")
    assert ranked[0].slug == "sports" and set(ranked[0].matched) == {"ملعب", "كرة القدم"}
    # Urdu heh goal and Persian/Arabic yeh and kaf spellings of the same term match each other
    assert slugs(tag("وزير اعظم نے کہا", "", tax, "ur")) == ["politics"]


def test_hindi_nukta_and_chandrabindu_are_folded(tmp_path):
    tax = load_taxonomy(write(tmp_path, MULTI))
    assert slugs(tag("क्रिकेट: ज्यादा रन", "", tax, "hi")) == ["sports"]
    assert score_topics("ज्यादा रन", "", tax, "hi")[0].matched == ("ज़्यादा रन",)


def test_a_language_table_with_a_bad_name_or_repeated_term_names_its_line(tmp_path):
    text = MULTI.replace("[topics.sports.terms.fr]", "[topics.sports.terms.french]")
    line = text.splitlines().index("[topics.sports.terms.french]") + 1
    with pytest.raises(
        TaxonomyError, match=rf"line {line}: topic 'sports': \[topics.sports.terms.french\] is not a lang"
    ):
        load_taxonomy(write(tmp_path, text))
    text = MULTI.replace('4 = ["ملعب", "كرة القدم"]', '4 = ["ملعب", "الملعب"]')
    line = text.splitlines().index("[topics.sports.terms.ar]") + 1
    with pytest.raises(TaxonomyError, match=rf"line {line}: topic 'sports': term 'الملعب' repeats 'ملعب'"):
        load_taxonomy(write(tmp_path, text))


def test_the_default_taxonomy_tags_news_in_every_starter_language():
    examples = {
        "ur": ("کراچی میں کرکٹ میچ", "قومی ٹیم نے سیریز جیت لی اور کپتان نے سنچری بنائی۔"),
        "ar": ("البرلمان يقر الموازنة", "صوت النواب على مشروع قانون الموازنة الجديدة."),
        "fa": ("تورم در ایران افزایش یافت", "بانک مرکزی اعلام کرد نرخ تورم به بالاترین سطح رسیده است."),
        "hi": ("भूकंप से कई घर तबाह", "राहत कार्य जारी है और बचाव दल मलबे में फँसे लोगों को निकाल रहे हैं।"),
        "fr": ("Le Parlement adopte la réforme", "Les députés ont voté le projet de loi du gouvernement."),
        "es": ("El banco central sube los tipos de interés", "La inflación alcanzó su nivel más alto."),
        "de": ("Bundestag beschließt Haushalt", "Die Abgeordneten stimmten dem Gesetz der Regierung zu."),
    }
    expected = {"ur": "sports", "ar": "politics", "fa": "economy", "hi": "disasters", "fr": "politics",
                "es": "economy", "de": "politics"}  # fmt: skip
    for lang, (title, body) in examples.items():
        result = article.analyse(title, body, lang)
        assert result.topics and result.topics[0].slug == expected[lang], (lang, result.topics)


# ------------------------------------------------------------------------------------------- short texts


def test_a_headline_and_a_sentence_gets_the_topic_a_person_would_give():
    tax = load_taxonomy()
    title, body = "China and Japan hold first security talks in years", "Officials met in Beijing."
    assert tag(title, body, tax, "en")[0].slug == "diplomacy"
    assert topics.short_text_factor(title, body, tax) == pytest.approx(0.6)
    long_body = " ".join(["Nothing else was said about it on Monday, they added later."] * 8)
    assert topics.short_text_factor(title, long_body, tax) == 1.0
    assert tag(title, long_body, tax, "en") == []  # the same weak evidence in a long text stays below the threshold


# ------------------------------------------------------------------------------------------- the classifier

SPORT = [
    ("Striker scores twice in league win", "The striker scored twice as the club won the league match at home."),
    ("Captain hits century in test match", "The captain made a century and the bowlers took six wickets."),
    ("Coach praises squad after cup final", "The coach said the squad deserved the trophy after the final."),
    ("Sprinter wins gold at championships", "The sprinter won the gold medal in the final at the stadium."),
    ("Goalkeeper saves penalty in derby", "The goalkeeper saved a penalty as the derby ended in a draw."),
    ("Tennis star reaches semi-final", "The tennis star reached the semi-final after a long match."),
]
MONEY = [
    ("Bank raises interest rates again", "The central bank raised interest rates as inflation rose."),
    ("Shares fall as profits slump", "Shares in the company fell after profits slumped and sales dropped."),
    ("Retailer cuts jobs as sales fall", "The retailer said it would cut jobs after sales fell in the quarter."),
    ("Economy shrinks in third quarter", "The economy shrank as consumer spending and exports fell."),
    ("Carmaker reports record revenue", "The carmaker reported record revenue and raised its dividend."),
    ("Inflation eases as prices cool", "Inflation eased as energy prices and food prices cooled."),
]


def examples() -> list[tuple[str, str, str]]:
    return [(t, b, "sports") for t, b in SPORT] + [(t, b, "economy") for t, b in MONEY]


def test_inference_is_the_same_as_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    model = topic_model.train(examples(), "rules-x")
    vectorizer = TfidfVectorizer(
        analyzer=lambda pair: topic_model.features(*pair), sublinear_tf=True, min_df=1, max_df=0.5,
        max_features=topic_model.MAX_FEATURES, dtype=np.float32,
    )  # fmt: skip
    matrix = vectorizer.fit_transform([(t, b) for t, b, _ in examples()])
    reference = LogisticRegression(C=20.0, max_iter=2000, class_weight="balanced").fit(
        matrix, [label for *_, label in examples()]
    )
    for title, body in [("Striker scores in the final", "The club won."), ("Prices and jobs", "The economy grew.")]:
        expected = reference.predict_proba(vectorizer.transform([(title, body)]))[0]
        prediction = model.predict(title, body)
        best = int(expected.argmax())
        assert prediction.slug == reference.classes_[best]
        assert prediction.probability == pytest.approx(expected[best], abs=1e-4)
        assert prediction.terms  # the words that weighed most, for the evidence


def test_the_model_survives_storage_without_pickle():
    model = topic_model.train(examples(), "rules-x")
    again = topic_model.TopicModel.from_bytes(model.to_bytes())
    assert again.id == model.id and again.classes == model.classes and again.rules == "rules-x"
    title, body = "Striker scores in the final", "The club won the cup."
    assert again.predict(title, body) == model.predict(title, body)
    assert model.predict("", "zzz qqq") is None  # no known word: no opinion


def test_too_few_confident_articles_is_a_clear_error():
    with pytest.raises(topic_model.TrainingError, match="need at least 5 .* have sports 6"):
        topic_model.train([(t, b, "sports") for t, b in SPORT], "rules-x")


def test_the_classifier_adds_a_topic_only_where_the_rules_are_unsure():
    tax = load_taxonomy()
    model = topic_model.train(examples(), "rules-x")
    sure = ("Striker scores hat-trick in Premier League win", "The striker scored a hat-trick in the league match.")
    tags, confident, model_id = topic_model.tag_article(*sure, "en", model, tax)
    assert confident == "sports" and model_id is None and all(t.layer == "rules" for t in tags)
    unsure = ("A night to remember", "The players deserved it, said the captain, after the draw at home.")
    tags, confident, model_id = topic_model.tag_article(*unsure, "en", model, tax)
    assert confident is None and model_id == model.id
    given = {t.slug: t for t in tags}
    assert given["sports"].layer in {"classifier", "rules+classifier"} and given["sports"].probability > 0.3
    assert topic_model.tag_article(*unsure, "en", None, tax)[2] == ""  # unsure, but no model yet


def test_verdicts_win_over_both_layers():
    tax = load_taxonomy()
    layers = [
        {"slug": "sports", "label": "Sports", "score": 20.0, "matched": ["goal"], "layer": "rules"},
        {"slug": "crime", "label": "Crime", "score": 9.0, "matched": ["penalty"], "layer": "classifier",
         "probability": 0.6},
    ]  # fmt: skip
    kept, rejected = topic_model.apply_verdicts(layers, {"crime": "rejected", "health": "confirmed"}, tax)
    assert [t["slug"] for t in kept] == ["sports", "health"] and kept[1]["layer"] == "analyst"
    assert [t["slug"] for t in rejected] == ["crime"] and rejected[0]["verdict"] == "rejected"
    # taking the verdicts back restores what the layers said
    kept, rejected = topic_model.apply_verdicts(kept + rejected, {}, tax)
    assert [t["slug"] for t in kept] == ["sports", "crime"] and rejected == []
