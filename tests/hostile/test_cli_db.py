"""A mistyped --db: read commands refuse it with one line instead of creating an empty database and
answering from it; the commands that add data create it as before."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from monitor.cli import app

READ_COMMANDS = [
    ["export", "articles"],
    ["export", "topics"],
    ["explain", "1"],
    ["runs"],
    ["analyze"],
    ["sources", "list"],
    ["sources", "export"],
    ["sources", "remove", "1"],
    ["sources", "enable", "1"],
    ["sources", "disable", "1"],
]


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_read_command_refuses_a_missing_database(command, tmp_path):
    typo = tmp_path / "nwes.db"
    result = run("--db", str(typo), *command)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert lines == [f"error: no database at {typo} (check --db or NEWSMON_DB; `newsmon init` creates one)"]
    assert not typo.exists()
    assert list(tmp_path.iterdir()) == []  # no -wal or -shm either


def test_the_environment_variable_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSMON_DB", str(tmp_path / "typo.db"))
    result = run("runs")
    assert result.exit_code == 2 and "no database at" in result.output
    assert not (tmp_path / "typo.db").exists()


def test_commands_that_add_data_still_create_it(tmp_path):
    created = tmp_path / "new" / "news.db"
    result = run("--db", str(created), "init", "--no-starter")
    assert result.exit_code == 0, result.output
    assert created.exists()
    other = tmp_path / "other.db"
    assert run("--db", str(other), "sources", "add", "https://feeds.example/rss.xml").exit_code == 0
    assert run("--db", str(other), "sources", "list").exit_code == 0  # now it exists, reading works
    empty_input = tmp_path / "none.jsonl"
    empty_input.write_text("", encoding="utf-8")
    third = tmp_path / "third.db"
    run("--db", str(third), "ingest", str(empty_input))
    assert third.exists()


def test_a_file_that_is_not_a_database_is_one_line(tmp_path):
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("these are my notes, not a database\n" * 100, encoding="utf-8")
    result = run("--db", str(not_a_db), "runs")
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert result.output.startswith(f"error: cannot open the database {not_a_db}:"), result.output
    folder = tmp_path / "folder.db"
    folder.mkdir()
    result = run("--db", str(folder), "runs")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
