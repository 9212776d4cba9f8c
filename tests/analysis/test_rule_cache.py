"""The on-disk cache of compiled rules: a hit analyses like a fresh build, an edit invalidates, damage rebuilds."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import astuple
from pathlib import Path

import pytest

from monitor import config
from monitor.analysis import countries, rule_cache, topics

HERE = Path(__file__).parent


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(rule_cache.CACHE_ENV, str(folder))
    return folder


def _counting_build(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def _entry(value: tuple) -> tuple:
    length, entry = value
    rule = entry.rule and astuple(entry.rule)
    return length, *astuple(entry)[:6], rule, *astuple(entry)[7:]


def _phrases(gaz: countries.Gazetteer, arabic: bool | None = None) -> dict[str, tuple]:
    """Every phrase of the gazetteer's automatons (or of one of them) with its entry as plain values."""
    chosen = {False: [gaz.automaton], True: [gaz.arabic_automaton], None: [gaz.automaton, gaz.arabic_automaton]}
    return {key: _entry(value) for automaton in chosen[arabic] for key, value in automaton.items()}


def test_a_cached_gazetteer_is_the_one_built_from_the_files(cache):
    path = config.COUNTRY_ALIASES
    fresh = countries._read_and_build(path)
    countries._load_cached.cache_clear()
    first = countries.load_gazetteer()  # builds and stores
    countries._load_cached.cache_clear()
    [stored] = cache.glob("gazetteer-*.pickle")
    restored = countries.load_gazetteer()  # from the cache
    countries._load_cached.cache_clear()
    assert restored is not first and stored.exists()

    assert restored.settings == fresh.settings
    assert dict(restored.country_names) == dict(fresh.country_names)
    assert restored.name_neighbours_ok == fresh.name_neighbours_ok
    assert restored.phrases == fresh.phrases == len(_phrases(restored))
    assert _phrases(restored) == _phrases(fresh)
    assert not any(entry[-1] for entry in _phrases(restored, arabic=False).values())  # the `arabic` flag
    assert all(entry[-1] for entry in _phrases(restored, arabic=True).values())

    # and the articles of the labelled set get the same countries, scores and evidence
    for line in (HERE / "labelled_countries.jsonl").read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        assert countries.analyse_countries(article["title"], article["body"], restored) == (
            countries.analyse_countries(article["title"], article["body"], fresh)
        ), article["id"]


def test_a_cached_taxonomy_tags_like_a_fresh_one(cache):
    fresh = topics._build(config.TAXONOMY, config.TAXONOMY.read_text(encoding="utf-8"))
    topics._CACHE.clear()
    topics.load_taxonomy()
    topics._CACHE.clear()
    assert len(list(cache.glob("taxonomy-*.pickle"))) == 1
    restored = topics.load_taxonomy()
    for language in [None, "", *fresh.languages, "xx"]:  # each matcher is unpickled when first asked for
        assert dict(restored.automaton(language).items()) == dict(fresh.automaton(language).items()), language
    for line in (HERE / "labelled_topics_desks.jsonl").read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        assert topics.tag(article["title"], article["body"], restored) == topics.tag(
            article["title"], article["body"], fresh
        )


def test_an_edited_rule_file_is_compiled_again(cache, tmp_path):
    path = tmp_path / "taxonomy.toml"
    shutil.copy(config.TAXONOMY, path)
    before = topics.load_taxonomy(path)
    [old] = cache.glob("taxonomy-*.pickle")

    unicorns = '[topics.unicorns]\nlabel = "Unicorns"\n\n[topics.unicorns.terms]\n4 = ["unicorn"]\n\n'
    edited = path.read_text(encoding="utf-8").replace("[topics.politics]\n", unicorns + "[topics.politics]\n", 1)
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(1, 1))  # another mtime, as an editor gives
    after = topics.load_taxonomy(path)
    assert "unicorns" in after.slugs and "unicorns" not in before.slugs
    [new] = cache.glob("taxonomy-*.pickle")  # the entry of the old file is gone
    assert new != old


def test_the_key_follows_files_code_and_libraries(tmp_path):
    rules = tmp_path / "rules.toml"
    code = tmp_path / "builder.py"
    rules.write_text("a = 1\n")
    code.write_text("x = 1\n")
    key = rule_cache.fingerprint("kind", [rules], code=[code], libraries=["pyahocorasick"])
    assert key == rule_cache.fingerprint("kind", [rules], code=[code], libraries=["pyahocorasick"])
    code.write_text("x = 2\n")
    assert rule_cache.fingerprint("kind", [rules], code=[code], libraries=["pyahocorasick"]) != key
    code.write_text("x = 1\n")
    assert rule_cache.fingerprint("kind", [rules], code=[code], libraries=["pycountry"]) != key
    rules.write_text("a = 2\n")
    assert rule_cache.fingerprint("kind", [rules], code=[code], libraries=["pyahocorasick"]) != key


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-100],  # truncated
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped
        lambda data: b"",  # empty
        lambda data: b"not a cache file at all",
    ],
)
def test_a_damaged_cache_file_is_built_again(cache, damage):
    build, calls = _counting_build({"phrases": list(range(1000))})
    assert rule_cache.cached("thing", "key", build) == {"phrases": list(range(1000))}
    path = cache / "thing-key.pickle"
    path.write_bytes(damage(path.read_bytes()))
    assert rule_cache.cached("thing", "key", build) == {"phrases": list(range(1000))}
    assert len(calls) == 2
    assert rule_cache.cached("thing", "key", build) == {"phrases": list(range(1000))}  # repaired: read again
    assert len(calls) == 2


def test_a_cache_that_cannot_be_written_only_costs_the_build(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(rule_cache.CACHE_ENV, str(blocker / "cache"))  # a folder inside a file cannot exist
    build, calls = _counting_build(42)
    assert rule_cache.cached("thing", "key", build) == 42
    assert rule_cache.cached("thing", "key", build) == 42
    assert len(calls) == 2


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv(rule_cache.CACHE_ENV, "off")
    assert rule_cache.cache_dir() is None
    build, calls = _counting_build(42)
    rule_cache.cached("thing", "key", build)
    rule_cache.cached("thing", "key", build)
    assert len(calls) == 2


def test_the_cache_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv(rule_cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert rule_cache.cache_dir() == tmp_path / "xdg" / "newsmon"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid by the spec: ignored
    assert rule_cache.cache_dir() == Path.home() / ".cache" / "newsmon"


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_folder_others_can_write_to_is_not_read(cache):
    build, calls = _counting_build(42)
    rule_cache.cached("thing", "key", build)
    cache.chmod(0o777)
    rule_cache.cached("thing", "key", build)
    assert len(calls) == 2


def test_a_restored_gazetteer_makes_one_entry_per_phrase(cache):
    """Entries compare by identity and are made from the cached columns on their first match: the same phrase
    found twice, or by two threads, must give the very same entry."""
    from concurrent.futures import ThreadPoolExecutor

    countries._load_cached.cache_clear()
    countries.load_gazetteer()
    countries._load_cached.cache_clear()
    restored = countries.load_gazetteer()
    countries._load_cached.cache_clear()
    text = " pakistan and kabul and pakistan"
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: list(restored.automaton.iter(text)), range(8)))
    found = {id(entry) for run in runs for _, (_, entry) in run if entry.key == "pakistan"}
    assert len(found) == 1 and all(len(run) == len(runs[0]) > 0 for run in runs)
