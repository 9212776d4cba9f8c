import shutil
import time

from monitor import config
from monitor.analysis import article

ENGLISH = (
    "Flood waters recede in Sindh",
    "The waters began to recede on Monday and families returned to their villages, "
    "officials said, but thousands are still living in camps along the highway.",
)
URDU = (
    "سندھ میں سیلاب کا پانی اترنے لگا",
    "پیر کے روز پانی اترنا شروع ہوا اور خاندان اپنے دیہات کو واپس لوٹنے لگے، "
    "حکام نے بتایا، لیکن ہزاروں افراد اب بھی شاہراہ کے ساتھ کیمپوں میں مقیم ہیں۔",
)


def test_declared_english_confirmed_by_the_text_skips_the_detector():
    result = article.analyse(*ENGLISH, "en")
    assert result.language == "en" and result.language_method.startswith("declared en, confirmed")
    assert result.sentiment.compound is not None


def test_a_wrong_declaration_is_overridden_by_the_detector():
    result = article.analyse(*URDU, "en")
    assert result.language == "ur" and result.language_method.startswith("detected by py3langid")
    assert result.sentiment.compound is None and "English only" in result.sentiment.reason


def test_no_declaration_is_detected_and_evidence_is_json_ready():
    result = article.analyse(*ENGLISH)
    assert result.language == "en"
    evidence = result.evidence()
    assert evidence["language"]["method"].startswith("detected") and evidence["sentiment"]["label"] in {
        "negative",
        "neutral",
        "positive",
    }
    assert evidence["rules"] == article.rules_fingerprint()


def _add_topic(path, slug):
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f'\n[topics.{slug}]\nlabel = "{slug}"\nthreshold = 1\nterms = {{ "recede" = 5 }}\n')


def test_an_edited_rule_file_is_used_within_a_second_and_at_once_after_rules_fingerprint(tmp_path, monkeypatch):
    taxonomy = tmp_path / "taxonomy.toml"
    shutil.copy(config.TAXONOMY, taxonomy)
    monkeypatch.setattr(config, "TAXONOMY", taxonomy)  # another file: looked at on the next call
    before = article.analyse(*ENGLISH, "en")
    assert "receding" not in {tag.slug for tag in before.topics}
    clock = [time.monotonic()]
    monkeypatch.setattr(article.time, "monotonic", lambda: clock[0])
    _add_topic(taxonomy, "receding")
    assert article.analyse(*ENGLISH, "en").rules == before.rules  # within the second: not looked at yet
    clock[0] += article.RULES_CHECK_SECONDS
    after = article.analyse(*ENGLISH, "en")
    assert "receding" in {tag.slug for tag in after.topics} and after.rules == article.rules_fingerprint()

    _add_topic(taxonomy, "waters")  # a command calls rules_fingerprint() first: then the edit counts at once
    rules = article.rules_fingerprint()
    again = article.analyse(*ENGLISH, "en")
    assert again.rules == rules != after.rules and "waters" in {tag.slug for tag in again.topics}


def test_analyse_many_gives_what_analyse_gives_for_each_text():
    texts = [(*ENGLISH, "en"), (*URDU, "en"), (*ENGLISH, None), ("", "", None), (*URDU, None)]
    assert article.analyse_many(texts) == [article.analyse(*text) for text in texts]
    assert article.analyse_many([]) == []
