"""`newsmon export` to a place it cannot write: one clear line, the README's exit status, and never a partial
file (exports go to a temporary file in the same folder, renamed once complete)."""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.ingest import jobs

ARTICLES = 400


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def one_clear_line(result) -> str:
    """The error a user sees: no traceback, one line starting with `error:`."""
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def stored(db, tmp_path):
    """Enough articles that a full-text export is larger than the small disk below."""
    records = [
        json.dumps(
            {
                "url": f"https://news.example/{number}",
                "title": f"Flood relief talks in Lahore, day {number}",
                "body": f"Officials met for the {number}th time to discuss flood relief and rebuilding. " * 20,
                "source": "Wire One",
                "published_at": "2025-11-03T09:00:00Z",
                "language": "en",
            }
        )
        for number in range(ARTICLES)
    ]
    (tmp_path / "news.jsonl").write_text("\n".join(records), encoding="utf-8")
    assert jobs.ingest(db, [str(tmp_path / "news.jsonl")]).added == ARTICLES
    return db


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_missing_folder_is_a_usage_error(stored, tmp_path):
    target = tmp_path / "no-such-folder" / "out.csv"
    line = one_clear_line(run("export", "articles", "-o", str(target)))
    assert "does not exist" in line and str(target.parent) in line
    assert run("export", "articles", "-o", str(target)).exit_code == 2
    assert not target.parent.exists()


def test_a_folder_as_the_output_is_a_usage_error(stored, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    result = run("export", "topics", "-o", str(folder))
    assert "is a folder" in one_clear_line(result)
    assert result.exit_code == 2
    assert leftovers(folder) == []
    manifest = run("export", "topics", "-o", str(tmp_path / "t.csv"), "--manifest", str(folder))
    assert "is a folder" in one_clear_line(manifest)
    assert not (tmp_path / "t.csv").exists()  # refused before anything was written


def test_a_file_that_cannot_be_created_is_one_line(stored):
    result = run("export", "articles", "-o", "/proc/x.csv")
    assert "cannot write /proc/x.csv" in one_clear_line(result)
    assert result.exit_code == 2


def test_no_traceback_from_the_real_command(stored, tmp_path):
    """The installed command, not only the test runner: stderr holds one line, no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "export", "articles", "-o", str(tmp_path / "missing" / "a.csv")],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr


@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str = "64k"):
    """A tiny tmpfs (root only): a real full disk, not a simulated one."""
    mount_point = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)], check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root); the simulated full disk test covers it")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_leaves_no_partial_file(stored, tmp_path):
    with small_disk(tmp_path) as disk:
        target = disk / "articles.csv"
        result = run("export", "articles", "--full-text", "-o", str(target))
        line = one_clear_line(result)
        assert "No space left on device" in line
        assert result.exit_code == 1
        assert leftovers(disk) == []  # neither the CSV nor its temporary file

        target.write_text("id,title\n1,the export of yesterday\n", encoding="utf-8")
        result = run("export", "articles", "--full-text", "-o", str(target))
        assert result.exit_code == 1 and "is unchanged" in one_clear_line(result)
        assert target.read_text(encoding="utf-8") == "id,title\n1,the export of yesterday\n"
        assert leftovers(disk) == ["articles.csv"]


def test_a_write_error_midway_leaves_no_partial_file(stored, tmp_path, monkeypatch):
    """The same as a full disk where mounting one is not possible: the disk fails after some rows."""
    written = []

    def failing_writerows(original):
        def write(row):
            written.append(row)
            if len(written) > 50:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return original(row)

        return write

    real_writer = csv.writer

    def writer(*args, **kwargs):
        wrapped = real_writer(*args, **kwargs)

        class Writer:
            writerow = staticmethod(failing_writerows(wrapped.writerow))

        return Writer()

    monkeypatch.setattr(csv, "writer", writer)
    target = tmp_path / "out" / "articles.csv"
    target.parent.mkdir()
    result = run("export", "articles", "-o", str(target), "--manifest", str(tmp_path / "out" / "articles.json"))
    assert "No space left on device" in one_clear_line(result)
    assert result.exit_code == 1
    assert len(written) > 50  # it failed midway, after rows were written to the temporary file
    assert leftovers(target.parent) == []


def test_a_complete_export_replaces_the_old_file_and_leaves_nothing_else(stored, tmp_path):
    target = tmp_path / "articles.csv"
    target.write_text("old\n", encoding="utf-8")
    result = run("export", "articles", "-o", str(target), "--manifest", str(tmp_path / "articles.json"))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == ARTICLES
    assert json.loads((tmp_path / "articles.json").read_text(encoding="utf-8"))["rows"] == ARTICLES
    assert [name for name in leftovers(tmp_path) if not name.startswith("news.")] == ["articles.csv", "articles.json"]
    mode = target.stat().st_mode & 0o777
    assert mode == 0o666 & ~current_umask()  # an ordinary file, not the 0600 of a temporary file


def test_sources_export_is_atomic_and_refuses_a_missing_folder(stored, tmp_path):
    result = run("sources", "export", "-o", str(tmp_path / "missing" / "feeds.opml"))
    assert result.exit_code == 2 and "does not exist" in one_clear_line(result)
    assert run("sources", "export", "-o", str(tmp_path / "feeds.opml")).exit_code == 0
    assert (tmp_path / "feeds.opml").read_text(encoding="utf-8").startswith("<?xml")


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
