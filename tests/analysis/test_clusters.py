from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from datasketch import MinHash

from monitor.analysis import clusters
from monitor.analysis.clusters import BANDS, NUM_PERM, ROWS, StoryMatch

WIRE = (
    "Security forces killed four militants in a pre-dawn raid on a hideout near the Chaman border crossing, "
    "the military's media wing said on Tuesday. Two soldiers were wounded in the exchange of fire, which lasted "
    "nearly three hours, and weapons and explosives were recovered from the compound. The raid followed "
    "intelligence reports that the group was planning attacks on supply convoys using the highway to Quetta. "
    "The crossing, a key route for trade with Afghanistan, was closed to traffic for the day while troops "
    "searched nearby villages. Local traders said hundreds of lorries loaded with fruit were stranded on both "
    "sides. Officials in Kabul did not comment on the operation. The military said the militants had been "
    "involved in the killing of two policemen last month and in attacks on a girls' school. A search operation "
    "was continuing in the area to clear any remaining militants, the statement added."
)
WIRE_TITLE = "Four militants killed in raid near Chaman border crossing"

OUTLET_A = ("QUETTA: " + WIRE + " Follow us on social media for the latest updates from Balochistan.", WIRE_TITLE)
OUTLET_B = (
    "In the latest violence to hit the province, " + WIRE + " Copyright 2025 The Frontier Post. All rights reserved.",
    "Security forces kill four militants near Chaman crossing",
)
REWRITE = (
    "Four militants died when security forces raided a hideout close to the Chaman border crossing before dawn on "
    "Tuesday, according to the military's media wing. Two soldiers were wounded in the exchange of fire, which "
    "lasted nearly three hours, and troops recovered weapons and explosives from the compound. Intelligence had "
    "warned that the group was planning attacks on supply convoys using the highway to Quetta, officials said. "
    "The crossing, a key route for trade with Afghanistan, was closed to traffic for the day. Hundreds of lorries "
    "loaded with fruit were stranded on both sides, traders complained.",
    "Four militants killed in raid near Chaman crossing, military says",
)
OTHER_INCIDENT = (
    "Security forces killed two militants in a gunfight near the Torkham border crossing on Sunday, the military's "
    "media wing said. One soldier was wounded in the clash, which began when a patrol came under fire from a "
    "ridge overlooking the road to Peshawar. Ammunition and a rocket launcher were recovered. The crossing, the "
    "busiest route for trade with Afghanistan, stayed open, though traffic was briefly halted while troops "
    "searched the hills. Customs officials said queues of container lorries stretched for several kilometres. "
    "The military said the militants belonged to a group blamed for attacks on checkposts in Khyber district.",
    "Two militants killed in gunfight near Torkham border crossing",
)


def sig(story: tuple[str, str]) -> bytes:
    body, title = story
    return clusters.signature(title, body)


def match(a: tuple[str, str], b: tuple[str, str]) -> StoryMatch:
    return clusters.same_story(sig(a), a[1], sig(b), b[1])


def test_parameters_are_consistent():
    assert BANDS * ROWS <= NUM_PERM
    assert len(sig(OUTLET_A)) == NUM_PERM * 4


def test_wire_copies_with_other_intro_and_footer_are_the_same_story():
    found = match(OUTLET_A, OUTLET_B)
    assert found.same and found.text_similarity >= clusters.WIRE_COPY
    assert "same text" in found.reason
    assert set(clusters.band_keys(sig(OUTLET_A))) & set(clusters.band_keys(sig(OUTLET_B)))


def test_a_rewritten_version_with_a_similar_headline_is_the_same_story():
    found = match(OUTLET_A, REWRITE)
    assert found.same, found
    assert found.title_similarity >= clusters.REWRITE_TITLE


def test_another_incident_on_the_same_topic_is_a_different_story():
    for story in (OUTLET_A, OUTLET_B, REWRITE):
        found = match(story, OTHER_INCIDENT)
        assert not found.same, found
        assert found.text_similarity < clusters.REWRITE_TEXT


def test_identical_texts():
    assert clusters.similarity(sig(OUTLET_A), sig(OUTLET_A)) == 1.0
    assert clusters.title_similarity(WIRE_TITLE, WIRE_TITLE) == 1.0
    assert clusters.band_keys(sig(OUTLET_A)) == clusters.band_keys(sig(OUTLET_A))


def test_case_and_punctuation_do_not_matter():
    body, title = OUTLET_A
    assert clusters.signature(title, body.upper().replace(",", " ").replace(".", " ! ")) == sig(OUTLET_A)


def test_band_keys_are_64_bit_integers_one_per_band():
    keys = clusters.band_keys(sig(OUTLET_A))
    assert len(keys) == BANDS == len(set(keys))
    assert all(-(2**63) <= key < 2**63 for key in keys)


def test_short_texts_fall_back_to_the_title():
    a = clusters.signature("Earthquake of magnitude 6.1 jolts northern areas", "")
    b = clusters.signature("Earthquake of magnitude 6.1 jolts northern areas!", "Developing story")
    c = clusters.signature("Parliament passes the budget", "")
    d = clusters.signature("Earthquake", "")
    assert clusters.similarity(a, b) >= 0.5
    assert clusters.similarity(a, c) < 0.2
    assert len(clusters.band_keys(a)) == len(clusters.band_keys(d)) == BANDS


def test_empty_text_matches_nothing():
    empty = clusters.signature("", "")
    assert clusters.band_keys(empty) == []
    assert clusters.similarity(empty, empty) == 0.0
    assert not clusters.same_story(empty, "", empty, "").same


def test_title_similarity_ignores_word_order_and_case():
    assert (
        clusters.title_similarity("Chaman crossing: four militants killed", "Four militants killed at Chaman crossing")
        > 0.75
    )
    assert clusters.title_similarity("Budget passed", "Four militants killed") < 0.5


def test_signature_is_the_same_in_another_process():
    body, title = OUTLET_B
    code = (
        "import sys; from monitor.analysis import clusters; "
        "sys.stdout.write(clusters.signature(sys.argv[1], sys.argv[2]).hex())"
    )
    root = Path(__file__).resolve().parents[2]
    env = {"PYTHONHASHSEED": "123", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code, title, body], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert bytes.fromhex(out.stdout) == sig(OUTLET_B)


@pytest.mark.parametrize("bad", [b"", b"\x00" * 8])
def test_malformed_signatures_are_not_similar(bad):
    assert clusters.similarity(bad, sig(OUTLET_A)) == 0.0


def test_a_rewrite_with_a_similar_headline_shares_a_title_key():
    assert set(clusters.title_band_keys(WIRE_TITLE)) & set(clusters.title_band_keys(WIRE_TITLE + " - report"))
    assert len(clusters.title_band_keys(WIRE_TITLE)) == clusters.TITLE_BANDS
    assert clusters.title_band_keys("Breaking") == []


@pytest.mark.parametrize(
    ("title", "body"),
    [
        (WIRE_TITLE, WIRE),
        (REWRITE[1], REWRITE[0]),
        ("", ""),
        ("Two words", ""),
        ("A title of words", "one"),
        ("Çağrı", "İstanbul’da ÜNAL said — “ok”, ok, ok; same same same same same"),
    ],
)
def test_signature_equals_datasketchs_minhash(title, body):
    words = clusters._WORD.findall(body.lower())
    if len(words) < clusters.SHINGLE:
        words = clusters._WORD.findall(title.lower()) + words
    if len(words) < clusters.SHINGLE:
        shingles = {word.encode() for word in words}
    else:
        shingles = {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}
    minhash = MinHash(num_perm=NUM_PERM, seed=clusters.SEED, hashfunc=zlib.crc32, scheme=clusters.SCHEME)
    minhash.update_batch(shingles)
    assert clusters.signature(title, body) == minhash.hashvalues.astype("<u4").tobytes()


def test_title_keys_are_those_of_datasketchs_minhash_of_the_title_words():
    words = {word.encode() for word in clusters._WORD.findall(WIRE_TITLE.lower())}
    minhash = MinHash(num_perm=clusters.TITLE_PERM, seed=clusters.SEED + 1, hashfunc=zlib.crc32, scheme=clusters.SCHEME)
    minhash.update_batch(words)
    values = minhash.hashvalues.astype("<u4").reshape(clusters.TITLE_BANDS, -1)
    assert clusters.title_band_keys(WIRE_TITLE) == clusters._keys(values, first_band=BANDS)


def test_best_story_is_the_same_story_match_with_the_most_text_in_common():
    stories = {11: OUTLET_B, 12: REWRITE, 13: OTHER_INCIDENT, 14: OUTLET_A}
    candidates = [(story, sig(text), text[1]) for story, text in stories.items()]
    expected = max(
        (match(OUTLET_A, text).text_similarity, -story)
        for story, text in stories.items()
        if story != 14 and match(OUTLET_A, text).same
    )
    assert clusters.best_story(sig(OUTLET_A), OUTLET_A[1], candidates[:3]) == -expected[1]
    assert clusters.best_story(sig(OUTLET_A), OUTLET_A[1], candidates) == 14  # itself: Jaccard 1
    assert clusters.best_story(sig(OUTLET_A), OUTLET_A[1], candidates[2:3]) is None  # another incident
    assert clusters.best_story(sig(REWRITE), REWRITE[1], [(12, b"", REWRITE[1])]) is None  # no signature


@pytest.mark.parametrize(("num_perm", "seed"), [(clusters.NUM_PERM, clusters.SEED), (clusters.TITLE_PERM, 2), (64, 7)])
def test_permutations_are_datasketchs_affine32_ones(num_perm, seed):
    a, b = clusters._affine32_permutations(num_perm, seed)
    expected_a, expected_b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert a.tolist() == expected_a.tolist() and b.tolist() == expected_b.tolist()
