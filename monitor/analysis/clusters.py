"""Same story across sources: MinHash of word shingles (datasketch's "affine32" scheme) for text, rapidfuzz for titles.

The store keeps each article's `signature` and its `band_keys` (LSH) and asks `same_story` about the
recent articles that share a band key. Everything here is pure and deterministic: a signature computed on
one machine compares with one computed on another (fixed seed, fixed permutation scheme, CRC-32 hashing).

Thresholds:
- LSH: BANDS bands of ROWS rows make two articles candidates with probability 1 - (1 - J**ROWS)**BANDS for
  text Jaccard J; the S-curve's midpoint is about (1/BANDS)**(1/ROWS) = (1/16)**(1/3) ≈ 0.40: wire copies
  (J ≥ 0.5) are candidates 88% of the time, at J ≥ 0.6 97%, rewrites at J = 0.3 35%, two texts at J = 0.06 0.3%.
  (32 bands of 4 rows, before: 87%, 99%, 23%, 0.04%, with twice the rows.) 16 integer keys per article keep the
  band table small; rewrites with other words (J ≈ 0.2) become candidates through their title's keys instead.
- `same_story`: wire copies at WIRE_COPY (text Jaccard ≥ 0.5), or rewrites at REWRITE_TITLE (title similarity
  ≥ 0.75) with REWRITE_TEXT (text Jaccard ≥ 0.15). With 128 permutations the Jaccard estimate is off by about
  ±0.04, so 0.15 keeps most rewrites sharing a fifth of their shingles, while two different stories on the same
  topic in the same words measure 0.0-0.06. Titles alone are not enough: two border raids' headlines score 0.76.
"""

from __future__ import annotations

import functools
import re
import zlib
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, utils

NUM_PERM = 128
BANDS = 16
ROWS = 3  # the LSH reads the first BANDS * ROWS values; same_story compares all NUM_PERM
SHINGLE = 3  # words per shingle
SEED = 1
SCHEME = "affine32"  # datasketch >= 2.0 permutation scheme; uint32 values
WIRE_COPY = 0.5
REWRITE_TITLE = 0.75
REWRITE_TEXT = 0.15

_WORD = re.compile(r"[^\W_]+")
_DTYPE = np.dtype("<u4")  # little-endian on every machine
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=_DTYPE).tobytes()


@dataclass(frozen=True)
class StoryMatch:
    """Whether two articles tell the same story, with the two similarities and the rule that decided."""

    same: bool
    text_similarity: float
    title_similarity: float
    reason: str


def _affine32_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's "affine32" scheme for this seed: odd a and any b, as uint32, drawn as its
    MinHash._init_permutations draws them. Stored signatures depend on these values, so they are fixed here rather
    than left to a library default (datasketch 2.0 changed its scheme; importing it also costs a second, for scipy).
    tests/analysis/test_clusters.py checks the values against datasketch's."""
    draw = np.random.RandomState(seed)
    a = draw.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(hashes: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer (uint32 arithmetic wraps), which the affine32 scheme applies once to each
    input hash."""
    hashes = hashes ^ (hashes >> np.uint32(16))
    hashes = hashes * np.uint32(0x85EBCA6B)
    hashes = hashes ^ (hashes >> np.uint32(13))
    hashes = hashes * np.uint32(0xC2B2AE35)
    return hashes ^ (hashes >> np.uint32(16))


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The seed's permutation parameters, drawn once rather than per signature."""
    return _affine32_permutations(NUM_PERM, SEED)


@functools.cache
def _columns() -> tuple[np.ndarray, np.ndarray]:
    """The permutation parameters a and b as (NUM_PERM, 1) columns, to broadcast against a row of hashes."""
    a, b = _permutations()
    return a.reshape(-1, 1), b.reshape(-1, 1)


# bytes.translate table: ASCII letters and digits stay, every other byte becomes a space.
_ASCII_WORDS = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))
# Non-ASCII characters of English copy that are not word characters: replaced by a space, so that most texts take
# the ASCII path of `_words`.
_TYPOGRAPHY = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0\u00ab\u00bb\u00b7\u2022"


def _words(text: str) -> list[bytes]:
    """_WORD.findall(text.lower()) as UTF-8 bytes; for ASCII text (after typography) by bytes.translate and split,
    which give the same words about ten times faster than the Unicode regex."""
    low = text.lower()
    if not low.isascii():
        for char in _TYPOGRAPHY:
            if char in low:
                low = low.replace(char, " ")
        if not low.isascii():
            return [word.encode() for word in _WORD.findall(low)]
    return low.encode().translate(_ASCII_WORDS).split()


def _shingles(title: str, body: str) -> list[bytes]:
    """Lower-cased word SHINGLE-grams of the body, or of the title when the body has too few words.

    Repeated shingles stay in the list: MinHash keeps the minimum per permutation, which a repeat cannot change."""
    words = _words(body)
    if len(words) < SHINGLE:
        words = _words(title) + words
    if len(words) < SHINGLE:
        return words
    return list(map(b" ".join, zip(words, words[1:], words[2:], strict=False)))


def signature(title: str, body: str) -> bytes:
    """MinHash of the text's word shingles: NUM_PERM little-endian uint32 values (512 bytes).

    datasketch's MinHash.update_batch for the "affine32" scheme, without building a MinHash object: CRC-32 of
    each shingle, the MurmurHash3 finalizer, then a * h + b in uint32 (wrapping) and the minimum per permutation.
    tests/analysis/test_clusters.py checks that it equals datasketch's own."""
    shingles = _shingles(title, body)
    if not shingles:
        return _EMPTY
    hashes = _fmix32(np.fromiter(map(zlib.crc32, shingles), dtype=np.uint32, count=len(shingles)))
    a, b = _columns()
    permuted = a * hashes  # NUM_PERM rows of one value per shingle: the minimum runs along contiguous memory
    permuted += b
    return permuted.min(axis=1).astype(_DTYPE).tobytes()


def band_keys(sig: bytes) -> list[int]:
    """One key per LSH band of the first BANDS * ROWS values: a signed 64-bit hash of the band's number and
    values (an SQLite INTEGER); none for the signature of an empty text."""
    if sig == _EMPTY:
        return []
    values = np.frombuffer(sig, _DTYPE, count=BANDS * ROWS).reshape(BANDS, ROWS)
    return _keys(values, first_band=0)


TITLE_PERM = 8
TITLE_BANDS = 4  # of 2 rows: titles sharing half their words are candidates ~70% of the time, 70% ~93%


@functools.cache
def _title_columns() -> tuple[np.ndarray, np.ndarray]:
    a, b = _affine32_permutations(TITLE_PERM, SEED + 1)
    return a.reshape(-1, 1), b.reshape(-1, 1)


def title_band_keys(title: str) -> list[int]:
    """LSH keys of the title's words, so rewrites with a similar headline but other text become candidates.
    The MinHash is datasketch's ("affine32", CRC-32) of the set of words, computed as in `signature`."""
    words = {word.encode() for word in _WORD.findall(title.lower())}
    if len(words) < 3:
        return []
    hashes = _fmix32(np.fromiter(map(zlib.crc32, words), dtype=np.uint32, count=len(words)))
    a, b = _title_columns()
    values = (a * hashes + b).min(axis=1).astype(np.uint32).reshape(TITLE_BANDS, -1)
    return _keys(values, first_band=BANDS)


_MASK = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15  # odd 64-bit constants of the splitmix64 / MurmurHash3 finalizers
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB


def _keys(values: np.ndarray, *, first_band: int) -> list[int]:
    """A signed 64-bit key per row of `values` (one band each) and its band number: the values folded into
    one integer, then splitmix64's finalizer. Plain integers: a few dozen operations, no hash call per band."""
    keys = []
    for band, row in enumerate(values.tolist(), start=first_band + 1):
        key = band * _MIX & _MASK
        for value in row:
            key = (key ^ value) * _MIX & _MASK
        key = (key ^ key >> 30) * _MIX1 & _MASK
        key = (key ^ key >> 27) * _MIX2 & _MASK
        key ^= key >> 31
        keys.append(key - (1 << 64) if key >> 63 else key)
    return keys


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets (share of equal MinHash values)."""
    if a == _EMPTY or b == _EMPTY or len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(np.frombuffer(a, _DTYPE) == np.frombuffer(b, _DTYPE))) / (len(a) // 4)


def title_similarity(a: str, b: str) -> float:
    """0..1: rapidfuzz token_sort_ratio of the normalised titles (word order and punctuation ignored)."""
    return fuzz.token_sort_ratio(a, b, processor=utils.default_process) / 100


def same_story(sig_a: bytes, title_a: str, sig_b: bytes, title_b: str) -> StoryMatch:
    """Wire copies (text Jaccard ≥ WIRE_COPY) or rewrites (similar titles with some shared text)."""
    text = similarity(sig_a, sig_b)
    titles = title_similarity(title_a, title_b)
    if text >= WIRE_COPY:
        return StoryMatch(True, text, titles, f"same text (Jaccard {text:.2f} ≥ {WIRE_COPY})")
    if titles >= REWRITE_TITLE and text >= REWRITE_TEXT:
        reason = f"rewrite (title {titles:.2f} ≥ {REWRITE_TITLE}, text {text:.2f} ≥ {REWRITE_TEXT})"
        return StoryMatch(True, text, titles, reason)
    return StoryMatch(False, text, titles, f"different (text {text:.2f}, title {titles:.2f})")


def best_story(sig: bytes, title: str, candidates: list[tuple[int, bytes, str]]) -> int | None:
    """The story id of the candidate (story id, signature, title) that `same_story` matches with the highest text
    similarity (the first of equals), or None. The text similarities come in one numpy step; titles are compared
    only where the text alone does not decide."""
    if sig == _EMPTY or len(sig) != NUM_PERM * _DTYPE.itemsize or not candidates:
        return None
    usable = [i for i, (_, other, _) in enumerate(candidates) if len(other) == len(sig) and other != _EMPTY]
    if not usable:
        return None
    others = np.frombuffer(b"".join(candidates[i][1] for i in usable), _DTYPE).reshape(len(usable), NUM_PERM)
    texts = np.count_nonzero(others == np.frombuffer(sig, _DTYPE), axis=1) / NUM_PERM
    best: tuple[float, int] | None = None
    for i, text in zip(usable, texts.tolist(), strict=True):
        story, _, other_title = candidates[i]
        if best is not None and text <= best[0]:
            continue
        if text >= WIRE_COPY or (text >= REWRITE_TEXT and title_similarity(title, other_title) >= REWRITE_TITLE):
            best = (text, story)
    return None if best is None else best[1]
