"""Rule preview: `newsmon analyze --dry-run` shows what edited rule files would change, and writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor import config, rule_preview, store
from monitor.cli import app

ANALYSIS = Path(__file__).parent / "fixtures" / "analysis"
QUAKE = "Strong earthquake shakes western Nepal, dozens of homes destroyed"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def rules(tmp_path, monkeypatch) -> Path:
    """Copies of the rule files that a test may edit."""
    folder = tmp_path / "rules"
    folder.mkdir()
    for name in ("TAXONOMY", "COUNTRY_ALIASES", "NEWS_LEXICON", "TONE_RULES"):
        original = getattr(config, name)
        shutil.copy(original, folder / original.name)
        monkeypatch.setattr(config, name, folder / original.name)
    return folder


@pytest.fixture
def stored(db, rules):
    names = ("border-talks.txt", "wire-copy-a.json", "other-story.json")
    result = run("ingest", *[str(ANALYSIS / name) for name in names])
    assert result.exit_code == 0, result.output
    return db


def snapshot(db) -> list[tuple]:
    return [
        *db.execute("SELECT id, sentiment, sentiment_label FROM articles ORDER BY id"),
        *db.execute("SELECT * FROM article_topics ORDER BY 1, 2"),
        *db.execute("SELECT * FROM article_countries ORDER BY 1, 2"),
        *db.execute("SELECT article_id, rules FROM article_analysis ORDER BY 1"),
    ]


def edit_rules(rules: Path) -> None:
    """A new topic that only the earthquake story has, and a lexicon that reads "destroyed" as good news."""
    taxonomy = rules / config.TAXONOMY.name
    taxonomy.write_text(
        taxonomy.read_text()
        + '\n[topics.seismology]\nlabel = "Seismology"\nthreshold = 1\nterms = { "earthquake" = 5, "quake" = 5 }\n'
    )
    lexicon = rules / config.NEWS_LEXICON.name
    lexicon.write_text(
        lexicon.read_text().replace("earthquake\t-2.2\n", "earthquake\t3.5\n")
        + "destroyed\t3.5\nhomes destroyed\t3.5\n"
    )


def test_unchanged_rules_change_nothing(stored):
    preview = rule_preview.preview_rules(stored)
    assert (preview.checked, preview.changed, preview.changes, preview.sampled) == (3, 0, (), False)
    assert "all 3 articles" in rule_preview.summary_line(preview)


def test_edited_rules_are_previewed_tag_by_tag_and_nothing_is_written(stored, rules):
    before, version = snapshot(stored), store.data_version(stored)
    quake_id = stored.execute("SELECT id FROM articles WHERE title = ?", (QUAKE,)).fetchone()[0]
    edit_rules(rules)

    preview = rule_preview.preview_rules(stored)
    assert snapshot(stored) == before and store.data_version(stored) == version
    changes = {(c.dimension, c.tag): c for c in preview.changes}
    seismology = changes[("topic", "seismology")]
    assert (seismology.gained, seismology.lost, seismology.gained_examples) == (1, 0, [(quake_id, QUAKE)])
    assert changes[("sentiment", "negative")].lost_examples == [(quake_id, QUAKE)]
    assert changes[("sentiment", "positive")].gained_examples == [(quake_id, QUAKE)]
    assert preview.changed == 1 and preview.checked == 3

    # what `analyze` then does is what the preview said
    assert run("analyse").exit_code == 0
    label = stored.execute("SELECT sentiment_label FROM articles WHERE id = ?", (quake_id,)).fetchone()[0]
    topics = {row[0] for row in stored.execute("SELECT topic FROM article_topics WHERE article_id = ?", (quake_id,))}
    assert label == "positive" and "seismology" in topics
    assert rule_preview.preview_rules(stored).changes == ()


def test_cli_dry_run_prints_counts_and_examples_and_respects_the_limit(stored, rules):
    edit_rules(rules)
    result = run("analyse", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Checked all 3 articles" in result.output and "Nothing was written" in result.output
    assert "topic seismology: 1 would gain it, 0 would lose it" in result.output
    assert f"] {QUAKE}" in result.output and "  + [" in result.output
    newest = run("analyse", "--dry-run", "--limit", "1", "--examples", "0")
    assert "Checked the newest 1 of 3 articles" in newest.output and "  + [" not in newest.output
    assert "analysed 3 articles" in run("analyse").output  # the dry runs left every article stale


def test_articles_never_analysed_are_counted_apart(stored, rules):
    stored.execute("DELETE FROM article_analysis WHERE article_id = (SELECT min(id) FROM articles)")
    stored.conn.commit()
    preview = rule_preview.preview_rules(stored)
    assert (preview.checked, preview.never_analysed, preview.changes) == (2, 1, ())
    assert "1 never analysed" in rule_preview.summary_line(preview)
    with pytest.raises(ValueError, match="limit"):
        rule_preview.preview_rules(stored, limit=0)
