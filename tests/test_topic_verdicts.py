"""The topic layers on a real database: training from stored articles, classifier tags with their evidence, analysts'
verdicts from the CLI and the reader, and the rollups staying exact through all of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from monitor import store, topic_training
from monitor.analysis.article import rules_fingerprint
from monitor.cli import app
from monitor.ingest import jobs
from tests.test_app import HARNESS

SPORT = [
    ("Striker scores twice as United win the derby", "The striker scored twice and the goalkeeper saved a penalty."),
    ("Captain's century seals test series win", "The captain made a century and the bowlers took six wickets."),
    ("Coach praises squad after cup final win", "The coach said his squad deserved the trophy after the final."),
    ("Sprinter wins gold at world championships", "The sprinter won the gold medal in the final at the stadium."),
    ("Tennis star reaches Wimbledon semi-final", "The tennis star beat the fourth seed to reach the semi-final."),
    ("Champions League: City beat Madrid", "City scored three goals in the second half of the Champions League tie."),
    ("Olympic champion retires from athletics", "The Olympic champion and world record holder retired from athletics."),
]
ECONOMY = [
    ("Central bank raises interest rates", "The central bank raised interest rates as inflation hit a two-year high."),
    ("Economy shrinks as recession fears grow", "GDP fell in the third quarter and economists warned of a recession."),
    ("Inflation eases as energy prices fall", "Consumer prices rose less than expected, and the central bank may cut."),
    ("Unemployment rate rises to 5 percent", "The unemployment rate rose as the economy slowed and wage growth eased."),
    ("IMF cuts global growth forecast", "The International Monetary Fund cut its forecast for economic growth."),
    (
        "Budget deficit widens as borrowing soars",
        "Public borrowing rose and the budget deficit widened, the treasury said.",
    ),
    ("Trade deficit narrows as exports recover", "Exports rose and the trade deficit narrowed for a second month."),
]
UNSURE = ("A night the supporters will remember", "The players deserved it, the captain said after the draw at home.")
NOW = datetime(2025, 11, 10, tzinfo=UTC)


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def corpus(db, tmp_path):
    rows = [(t, b) for t, b in SPORT + ECONOMY] + [UNSURE]
    lines = [
        json.dumps({"url": f"https://news.example/{i}", "title": t, "body": b, "source": "Herald", "language": "en",
                    "published_at": (NOW - timedelta(days=i % 3)).isoformat()})
        for i, (t, b) in enumerate(rows)
    ]  # fmt: skip
    (tmp_path / "news.jsonl").write_text("\n".join(lines), encoding="utf-8")
    assert jobs.ingest(db, [str(tmp_path / "news.jsonl")]).added == len(rows)
    return db


def article_id(db, title: str) -> int:
    return db.execute("SELECT id FROM articles WHERE title = ?", (title,)).fetchone()[0]


def topics_of(db, article: int) -> list[str]:
    return [
        row[0] for row in db.execute("SELECT topic FROM article_topics WHERE article_id = ? ORDER BY 1", (article,))
    ]


def evidence(db, article: int) -> dict:
    return store.unpack_evidence(
        db.execute("SELECT evidence FROM article_analysis WHERE article_id = ?", (article,)).fetchone()[0]
    )


def assert_rollups_exact(db) -> None:
    counted = dict(
        db.execute(
            """SELECT substr(a.published_at, 1, 10) || ' ' || t.topic, count(*) FROM article_topics t
               JOIN articles a ON a.id = t.article_id GROUP BY 1"""
        ).fetchall()
    )
    rolled = dict(
        db.execute(
            "SELECT day || ' ' || value, articles FROM daily_counts WHERE dimension = 'topic' AND articles != 0"
        ).fetchall()
    )
    assert rolled == counted
    crossed = dict(
        db.execute(
            """SELECT day || ' ' || value, articles FROM daily_cross WHERE filter_dimension = 'source'
               AND dimension = 'topic' AND articles != 0"""
        ).fetchall()
    )
    assert crossed == counted


def test_training_tags_the_unsure_articles_and_keeps_the_model_by_rules(corpus, db_path):
    unsure = article_id(corpus, UNSURE[0])
    before = evidence(corpus, unsure)
    assert before["topic_layers"] == {"confident": None, "model": ""}  # unsure, and no model yet
    result = run("topics", "train")
    assert result.exit_code == 0, result.output
    assert "topic classifier: model" in result.output and "economy 7" in result.output and "sports 7" in result.output
    db = store.open_db(db_path)
    (rules, model_id) = db.execute("SELECT rules, model_id FROM topic_models").fetchone()
    assert rules == rules_fingerprint() and topic_training.current_model(db).id == model_id
    after = evidence(db, unsure)
    assert after["topic_layers"]["model"] == model_id
    sports = next(tag for tag in after["topics"] if tag["slug"] == "sports")
    assert sports["layer"] in {"classifier", "rules+classifier"} and 0.3 <= sports["probability"] <= 1
    assert topics_of(db, unsure)[0] == "sports" or "sports" in topics_of(db, unsure)
    explained = run("explain", str(unsure)).output
    assert "classifier, probability" in explained
    assert_rollups_exact(db)
    # the rules of a confident article are left alone
    sure = article_id(db, SPORT[0][0])
    assert evidence(db, sure)["topic_layers"] == {"confident": "sports", "model": None}


def test_verdicts_win_survive_reanalysis_feed_training_and_keep_rollups_exact(corpus, db_path):
    target = article_id(corpus, ECONOMY[1][0])
    assert "economy" in topics_of(corpus, target)
    rejected = run("topics", "reject", str(target), "economy")
    assert rejected.exit_code == 0, rejected.output
    db = store.open_db(db_path)
    assert "economy" not in topics_of(db, target)
    assert "not economy (Economy and public finances): rejected by an analyst" in run("explain", str(target)).output
    assert_rollups_exact(db)

    confirmed = run("topics", "confirm", str(target), "science")  # a topic no layer gave
    assert confirmed.exit_code == 0 and "science" in topics_of(db, target)
    assert topic_training.needs_training(db)
    analysed = run("analyse", "--all")  # re-analysis: the verdicts win again, and the classifier is trained again
    assert analysed.exit_code == 0, analysed.output
    assert "topic classifier: model" in analysed.output
    assert "economy" not in topics_of(db, target) and "science" in topics_of(db, target)
    assert_rollups_exact(db)
    examples = store.topic_training_examples(db, rules_fingerprint(), ["economy", "sports"], per_topic=100)
    assert (ECONOMY[1][0], "economy") not in {(title, topic) for title, _, topic in examples}
    assert any(title == ECONOMY[1][0] and topic == "science" for title, _, topic in examples)

    assert run("topics", "undo", str(target), "economy").exit_code == 0
    assert "economy" in topics_of(db, target)
    assert_rollups_exact(db)


def test_verdict_errors_are_clear(corpus):
    assert "unknown topic 'sport'" in run("topics", "reject", "1", "sport").output
    result = run("topics", "reject", "9999", "sports")
    assert result.exit_code == 2 and "article 9999 is not analysed" in result.output


def test_too_few_articles_to_train_says_so(db):
    result = run("topics", "train")
    assert result.exit_code == 1 and "topic classifier not trained: need at least 5" in result.output


def test_the_reader_shows_the_layer_and_takes_a_verdict(corpus, db_path, monkeypatch, tmp_path):
    from monitor import config

    monkeypatch.setattr(config, "DEMO_DB", tmp_path / "no-demo.db")
    target = article_id(corpus, SPORT[0][0])
    at = AppTest.from_file(HARNESS, default_timeout=60)
    at.session_state["page"] = "articles"
    at.query_params["article"] = str(target)
    at.query_params["period"] = "all"
    at.run()
    assert not at.exception, [error.value for error in at.exception]
    shown = "\n".join(element.value for element in at.markdown)
    assert "**Sports** — rules, score" in shown
    next(button for button in at.button if button.key == f"verdict_{target}_sports_reject").click().run()
    assert not at.exception, [error.value for error in at.exception]
    db = store.open_db(db_path)
    assert store.topic_verdicts(db, target) == {"sports": "rejected"}
    assert "sports" not in topics_of(db, target)
    shown = "\n".join(element.value for element in at.markdown)
    assert "~~Sports~~" in shown and "rejected by an analyst" in shown
    next(button for button in at.button if button.key == f"verdict_{target}_sports_undo").click().run()
    assert store.topic_verdicts(db, target) == {} and "sports" in topics_of(db, target)
