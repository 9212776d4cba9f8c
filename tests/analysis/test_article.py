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
