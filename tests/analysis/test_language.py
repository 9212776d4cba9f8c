from __future__ import annotations

import pytest

from monitor.analysis.language import LanguageGuess, detect

PARAGRAPHS = {
    "en": "Negotiators from both countries met again on Thursday to discuss the border crossing, which has been "
    "closed for three weeks while traders wait with their lorries on either side of the mountain pass.",
    "fr": "Les négociateurs des deux pays se sont de nouveau réunis jeudi pour discuter du poste frontière, fermé "
    "depuis trois semaines, tandis que les commerçants attendent avec leurs camions de chaque côté du col.",
    "de": "Die Unterhändler beider Länder trafen sich am Donnerstag erneut, um über den Grenzübergang zu sprechen, "
    "der seit drei Wochen geschlossen ist, während die Händler mit ihren Lastwagen auf beiden Seiten warten.",
    "es": "Los negociadores de ambos países se reunieron de nuevo el jueves para hablar del paso fronterizo, que "
    "lleva tres semanas cerrado mientras los comerciantes esperan con sus camiones a cada lado del puerto.",
    "ur": "دونوں ممالک کے مذاکرات کار جمعرات کو ایک بار پھر سرحدی گزرگاہ پر بات چیت کے لیے ملے، جو تین ہفتوں سے بند "
    "ہے جبکہ تاجر اپنے ٹرکوں کے ساتھ دونوں طرف انتظار کر رہے ہیں۔",
    "ar": "التقى المفاوضون من البلدين مجددا يوم الخميس لمناقشة المعبر الحدودي المغلق منذ ثلاثة أسابيع، بينما ينتظر "
    "التجار بشاحناتهم على جانبي الممر الجبلي.",
    "fa": "مذاکره‌کنندگان دو کشور روز پنجشنبه دوباره دیدار کردند تا درباره گذرگاه مرزی گفتگو کنند که سه هفته است "
    "بسته مانده و بازرگانان با کامیون‌های خود در دو سوی گردنه منتظرند.",
    "hi": "दोनों देशों के वार्ताकार गुरुवार को फिर से सीमा चौकी पर बातचीत के लिए मिले, जो तीन सप्ताह से बंद है और "
    "व्यापारी अपने ट्रकों के साथ दोनों ओर इंतज़ार कर रहे हैं।",
    "ru": "Переговорщики обеих стран снова встретились в четверг, чтобы обсудить пограничный переход, который закрыт "
    "уже три недели, пока торговцы ждут со своими грузовиками по обе стороны перевала.",
    "tr": "İki ülkenin müzakerecileri perşembe günü sınır kapısını görüşmek için yeniden bir araya geldi; kapı üç "
    "haftadır kapalı ve tüccarlar kamyonlarıyla geçidin iki yanında bekliyor.",
}


@pytest.mark.parametrize("code", sorted(PARAGRAPHS))
def test_detects_the_language_of_a_short_paragraph(code):
    guess = detect(PARAGRAPHS[code])
    assert guess.code == code
    assert 0.5 <= guess.confidence <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "OK", "Live: 12:30", "€ 1,200 — 34%", "Breaking news"])
def test_too_short_or_letterless_is_unknown(text):
    assert detect(text) == LanguageGuess(None, 0.0)


def test_only_the_head_of_a_long_text_is_read():
    long_text = " ".join([PARAGRAPHS["de"]] * 4 + [PARAGRAPHS["en"]] * 50)  # German fills the first 600 characters
    assert detect(long_text).code == "de"


def test_guess_is_a_frozen_value():
    guess = detect(PARAGRAPHS["en"])
    with pytest.raises(AttributeError):
        guess.code = "fr"  # type: ignore[misc]
