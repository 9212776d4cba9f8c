"""Language of an article: py3langid's naive Bayes model on the first few hundred characters."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from monitor.analysis import rule_cache

# Enough for a stable guess: on the 2,383 texts of bench/analyze.py and the labelled sample, 240 characters give
# the same language as 360, all at confidence >= 0.9 (200 drop some below); the model walks every byte and looks
# up a row of a 28 MB table per feature, ~0.035 ms per 100 characters, more when other work has cooled the cache.
HEAD_CHARS = 240
MIN_LETTERS = 20  # below this the guess is noise
MIN_CONFIDENCE = 0.5  # normalised probability under which we say "unsure"

# The model's labels are ISO 639-1 where a language has such a code; these regional varieties or
# written forms fold into the language analysts would file them under.
_FOLD = {"arz": "ar", "ary": "ar", "uzs": "uz", "yue": "zh", "wuu": "zh", "nn": "no"}
_NO_LANGUAGE = {"zxx", "und"}


@dataclass(frozen=True)
class LanguageGuess:
    """ISO 639-1 code (ISO 639-3 for the few languages without one), None when too short or unsure."""

    code: str | None
    confidence: float  # 0..1, the model's normalised probability of `code`


@functools.cache
def _identifier() -> LanguageIdentifier:
    """The model, once per process: from the rules cache (0.2 s) after its first load from the shipped xz file,
    which costs 0.7 s of decompression."""
    model = MODEL_DIR / MODEL_FILE
    key = rule_cache.fingerprint("language", [model], libraries=["py3langid", "numpy"])
    return rule_cache.cached("language", key, lambda: LanguageIdentifier.from_model_file(model, norm_probs=True))


def detect(text: str) -> LanguageGuess:
    """Guess the language of `text` from its first HEAD_CHARS characters."""
    head = text[:HEAD_CHARS]
    if sum(map(str.isalpha, head)) < MIN_LETTERS:
        return LanguageGuess(None, 0.0)
    code, confidence = _identifier().classify(head)
    confidence = round(float(confidence), 4)
    code = _FOLD.get(code, code)
    if code in _NO_LANGUAGE or confidence < MIN_CONFIDENCE:
        return LanguageGuess(None, confidence)
    return LanguageGuess(code, confidence)
