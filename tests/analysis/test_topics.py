"""Topic tagging: matching rules, scoring, the editable taxonomy file, its errors, and quality on the sample."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from monitor import config
from monitor.analysis import topics
from monitor.analysis.topics import TaxonomyError, load_taxonomy, score_topics, tag

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "labelled_news.jsonl"
REQUIRED = [
    "politics",
    "elections",
    "conflict",
    "terrorism",
    "diplomacy",
    "economy",
    "business",
    "markets",
    "energy",
    "technology",
    "science",
    "health",
    "environment",
    "crime",
    "disasters",
    "migration",
    "human-rights",
    "sports",
    "entertainment",
    "education",
    "religion",
]

MINI = """\
[settings]
default_threshold = 2.0

[topics.sports]
label = "Sports"
exclude = ["political football"]

[topics.sports.terms]
4 = ["world cup", "hat-trick"]
2 = ["goal", "match", "olympic*"]

[topics.economy]
label = "Economy"

[topics.economy.terms]
4 = ["central bank", "inflation"]
"""


def write(tmp_path: Path, text: str, name: str = "taxonomy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def slugs(tags: list[topics.TopicTag]) -> list[str]:
    return [t.slug for t in tags]


# ------------------------------------------------------------------------------------------- default taxonomy


def test_default_taxonomy_has_the_required_topics_with_40_to_150_terms():
    tax = load_taxonomy()
    assert set(REQUIRED) <= set(tax.slugs)
    for topic in tax.topics:
        assert 40 <= len(topic.terms) <= 150, (topic.slug, len(topic.terms))
        assert topic.label and topic.threshold > 0


def test_load_taxonomy_is_cached_and_default_path_is_config():
    assert load_taxonomy() is load_taxonomy(config.TAXONOMY)


def test_tag_returns_frozen_tags_with_evidence_strongest_first():
    tags = tag(
        "Japan stun Germany in World Cup opener",
        "Substitutes scored in the second half as Japan beat Germany 2-1 in their opening World Cup group match. "
        "The goalkeeper made six saves.",
    )
    assert tags[0].slug == "sports"
    assert tags[0].label == "Sports"
    assert tags[0].matched[0] == "world cup"  # strongest contribution first (title x3, weight 4)
    assert "goalkeeper*" in tags[0].matched
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tags[0].score = 0  # type: ignore[misc]


def test_score_topics_lists_weaker_topics_that_tag_leaves_out():
    title, body = (
        "Central bank holds rates",
        "The central bank kept interest rates unchanged; one analyst mentioned the match.",
    )
    ranked = score_topics(title, body)
    assert ranked[0].slug == "economy"
    assert set(slugs(tag(title, body))) <= set(slugs(ranked))
    assert "sports" in slugs(ranked) and "sports" not in slugs(tag(title, body))


# ------------------------------------------------------------------------------------------- matching rules


def test_matching_is_case_insensitive_on_word_boundaries_with_plurals_and_wildcards(tmp_path):
    tax = load_taxonomy(write(tmp_path, MINI))
    assert slugs(score_topics("", "The MATCH was tense.", tax)) == ["sports"]
    assert slugs(score_topics("", "Two matches were played.", tax)) == ["sports"]  # plural
    assert slugs(score_topics("", "The Olympics and an Olympian.", tax)) == ["sports"]  # olympic*
    assert score_topics("", "The rematch and the goalposts and goals", tax)[0].matched == ("goal",)  # not 'match'
    assert score_topics("", "A hat trick, then another hat-trick.", tax)[0].matched == ("hat-trick",)
    assert score_topics("", "Nothing here about matchmaking.", tax) == []


def test_a_phrase_hides_the_words_inside_it(tmp_path):
    text = MINI + '\n[topics.business]\nlabel = "Business"\n\n[topics.business.terms]\n2 = ["bank"]\n'
    tax = load_taxonomy(write(tmp_path, text))
    assert slugs(score_topics("", "The central bank raised rates.", tax)) == ["economy"]
    assert slugs(score_topics("", "The bank raised fees.", tax)) == ["business"]


def test_title_counts_three_times_and_lead_one_and_a_half(tmp_path):
    tax = load_taxonomy(write(tmp_path, MINI))
    in_title = score_topics("Inflation", "Nothing else.", tax)[0].score
    in_lead = score_topics("Nothing", "Inflation.", tax)[0].score
    in_rest = score_topics("Nothing", "First paragraph.\nInflation.", tax)[0].score
    assert (in_title, in_lead, in_rest) == (12.0, 6.0, 4.0)


def test_score_is_per_100_words_so_long_articles_are_not_multi_topic(tmp_path):
    tax = load_taxonomy(write(tmp_path, MINI))
    filler = " ".join(["Officials said the meeting was routine."] * 200)  # 1,200 words
    short = score_topics("", "Inflation rose in the world cup year.", tax)
    long = score_topics("", "Inflation rose in the world cup year.\n" + filler, tax)
    assert {t.slug for t in tag("", "Inflation rose in the world cup year.", tax)} == {"economy", "sports"}
    assert tag("", "Inflation rose in the world cup year.\n" + filler, tax) == []
    assert long[0].score == pytest.approx(short[0].score * 1.0 / 12.07, rel=0.01)


def test_an_exclusion_damps_its_topic(tmp_path):
    tax = load_taxonomy(write(tmp_path, MINI))
    plain = score_topics("", "The world cup vote.", tax)[0]
    damped = score_topics("", "The world cup vote became a political football.", tax)[0]
    assert damped.excluded == ("political football",)
    assert damped.score == pytest.approx(plain.score * 0.2)


def test_default_taxonomy_avoids_known_false_readings():
    assert "religion" not in slugs(score_topics("Talks in Islamabad", "Officials met in Islamabad on Monday."))
    assert "religion" not in slugs(score_topics("Imamoglu detained", "Istanbul mayor Ekrem Imamoglu was detained."))
    assert "crime" not in slugs(score_topics("Crash in Killington", "The skier crashed in Killington."))
    ranked = score_topics("Landslide victory for Labour", "Labour won a landslide victory in the general election.")
    assert "disasters" not in slugs(ranked)


# ------------------------------------------------------------------------------------------- editing the file


def test_adding_and_editing_a_topic_in_a_copy_changes_the_tags(tmp_path):
    path = tmp_path / "taxonomy.toml"
    shutil.copy(config.TAXONOMY, path)
    title, body = "Beekeepers report record honey harvest", "Hives across the valley produced more honey than ever."
    assert "apiculture" not in slugs(tag(title, body, load_taxonomy(path)))

    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + '\n[topics.apiculture]\nlabel = "Bees"\nthreshold = 3\n\n'
        '[topics.apiculture.terms]\n4 = ["beekeeper*", "honey", "hive*"]\n',
        encoding="utf-8",
    )
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    tags = tag(title, body, load_taxonomy(path))
    assert tags[0].slug == "apiculture" and tags[0].label == "Bees"
    assert set(tags[0].matched) == {"beekeeper*", "honey", "hive*"}

    path.write_text(path.read_text(encoding="utf-8").replace("threshold = 3\n", "threshold = 1000\n"), encoding="utf-8")
    os.utime(path, ns=(2, 2))
    assert "apiculture" not in slugs(tag(title, body, load_taxonomy(path)))


# ------------------------------------------------------------------------------------------- errors name the line


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(write(tmp_path, text))
    return str(info.value)


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def test_toml_syntax_error_names_file_line_and_column(tmp_path):
    text = MINI.replace('label = "Economy"', 'label = "Economy')
    msg = error_for(tmp_path, text)
    line = line_of(text, 'label = "Economy')
    assert msg.startswith(f"{tmp_path / 'taxonomy.toml'}, line {line}, column")


def test_missing_label_names_the_topic_header(tmp_path):
    text = MINI.replace('label = "Economy"\n', "")
    msg = error_for(tmp_path, text)
    assert f"line {line_of(text, '[topics.economy]')}: topic 'economy' has no label" in msg


def test_topic_without_terms_names_its_header(tmp_path):
    text = MINI.split("[topics.economy.terms]")[0]
    msg = error_for(tmp_path, text)
    assert msg.endswith(f"line {line_of(text, '[topics.economy]')}: topic 'economy' has no terms")


def test_weight_that_is_not_a_number(tmp_path):
    text = MINI.replace('4 = ["central bank", "inflation"]', 'heavy = ["central bank", "inflation"]')
    msg = error_for(tmp_path, text)
    line = line_of(text, 'heavy = ["central bank", "inflation"]')
    assert f"line {line}: topic 'economy': weight 'heavy' is not a number" in msg
    text = MINI.replace('4 = ["central bank", "inflation"]', '"central bank" = "three"')
    assert "weight of 'central bank' is not a number" in error_for(tmp_path, text)


def test_unknown_key_in_a_topic(tmp_path):
    text = MINI.replace('label = "Economy"', 'label = "Economy"\nthreshhold = 3')
    msg = error_for(tmp_path, text)
    assert f"line {line_of(text, 'threshhold = 3')}: topic 'economy' has an unknown key 'threshhold'" in msg


def test_unknown_setting_and_unknown_top_level_table(tmp_path):
    assert "unknown setting 'title_weigth'" in error_for(
        tmp_path, MINI.replace("[settings]", "[settings]\ntitle_weigth = 2")
    )
    text = "[topic.sports]\nlabel = 'x'\n" + MINI
    assert "line 1: unknown key 'topic'" in error_for(tmp_path, text)


def test_duplicate_slug(tmp_path):
    text = MINI + '\n[topics.sports]\nlabel = "Sport again"\n'
    msg = error_for(tmp_path, text)
    assert f"line {len(text.splitlines()) - 1}" in msg and "topic 'sports' is declared twice" in msg


def test_bad_slug_and_repeated_term(tmp_path):
    assert "slug 'Sports!'" in error_for(tmp_path, MINI.replace("[topics.sports]", '[topics."Sports!"]'))
    msg = error_for(tmp_path, MINI.replace('2 = ["goal", "match"', '2 = ["goal", "Goal"'))
    assert "term 'Goal' repeats 'goal'" in msg


def test_missing_file():
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(Path("/nonexistent/taxonomy.toml"))


# ------------------------------------------------------------------------------------------- quality guard


def load_evaluate():
    path = HERE.parent.parent / "bench" / "evaluate.py"
    spec = importlib.util.spec_from_file_location("bench_evaluate", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_labelled_sample_is_big_balanced_and_split():
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 360
    assert len({r["id"] for r in rows}) == len(rows)
    for category in ("sports", "business", "technology", "entertainment", "politics", "world"):
        part = [r for r in rows if r["category"] == category]
        assert len(part) >= 60, category
        assert {r["id"].split("-")[0] for r in part} == {"dev", "test"}
    assert {r["sentiment"] for r in rows} == {"negative", "neutral", "positive"}
    assert all(r["title"].strip() and len(r["body"].split()) >= 20 for r in rows)


def test_every_topic_maps_to_an_editor_category():
    evaluate = load_evaluate()
    assert set(evaluate.CATEGORY_OF_TOPIC) == set(load_taxonomy().slugs)
    assert set(evaluate.CATEGORY_OF_TOPIC.values()) == set(evaluate.CATEGORIES)


def test_strongest_topic_agrees_with_the_editor_on_85_percent_of_the_sample():
    evaluate = load_evaluate()
    items = evaluate.load_sample()
    assert evaluate.topic_accuracy(items) >= 0.85
