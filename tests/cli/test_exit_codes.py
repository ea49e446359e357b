"""Exit codes as docs/security.md states them (issue 26 item 9): a warehouse that cannot be
used is refused with exit 2 and one clear line, before Prefect starts; no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from presswatch.story import default_story_path
from presswatch.warehouse.store import open_warehouse, snapshot_path


def _presswatch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "presswatch", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("damage", ["garbage", "empty", "lost"])
def test_a_warehouse_that_cannot_be_used_is_refused_with_exit_2(tmp_path, damage):
    db = tmp_path / "presswatch.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.publish()
    if damage == "garbage":
        db.write_bytes(b"not a database at all" * 100)
    elif damage == "empty":
        db.write_bytes(b"")
    else:
        db.unlink()
    before = sorted(p.name for p in tmp_path.iterdir())
    result = _presswatch("run", "--story", str(default_story_path()), "--db", str(db))
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and str(db) in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, no staging
    if damage == "lost":
        assert f"cp {snapshot_path(db)} {db}" in result.stderr


def test_check_on_a_corrupt_warehouse_exits_2_and_on_a_good_one_0(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.publish()
    assert _presswatch("check", "--db", str(db)).returncode == 0
    shutil.copyfile(db, tmp_path / "copy.duckdb")
    db.write_bytes(b"\0" * 4096)
    result = _presswatch("check", "--db", str(db))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def _run(story, db, *feeds: str) -> subprocess.CompletedProcess:
    from prefect.settings import get_current_settings

    env = {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url)}
    args = [arg for feed in feeds for arg in ("--feed", feed)]
    return subprocess.run([sys.executable, "-m", "presswatch", "run", "--story", str(story),
                           "--db", str(db), "--allow-private-hosts", *args],
                          capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_that_crashes_exits_3_its_row_says_failed_and_the_next_run_finishes_it(
        tmp_path, replay_site, monkeypatch):
    story = replay_site.write_story(tmp_path / "story.toml")
    db = tmp_path / "presswatch.duckdb"
    snapshot = snapshot_path(db)
    record = replay_site.record

    def take_the_snapshots_place(entry) -> None:
        """While the run crawls, a folder takes the place its snapshot is published to (an
        archive unpacked there): nothing presswatch can check for before it starts."""
        record(entry)
        snapshot.mkdir(exist_ok=True)

    monkeypatch.setattr(replay_site, "record", take_the_snapshots_place)
    feed = replay_site.source_url("dailycircuit-feed")
    crashed = _run(story, db, feed)
    assert crashed.returncode == 3, crashed.stderr[-3000:]
    assert "Traceback" in crashed.stderr  # an error presswatch did not expect
    assert ("presswatch: crashed: IsADirectoryError" in crashed.stderr
            and "What was staged is finished by the next run." in crashed.stderr)
    assert not snapshot.with_name(snapshot.name + ".partial").exists()
    with duckdb.connect(str(db), read_only=True) as con:
        (status, message), = con.execute("select status, message from runs").fetchall()
        n_articles = con.execute("select count(*) from articles").fetchone()[0]
    assert status == "failed" and "stopped by an error: IsADirectoryError" in message
    assert n_articles > 0

    # The folder moved away, the next run finishes; a source that fails is exit 1, not 3.
    monkeypatch.setattr(replay_site, "record", record)
    snapshot.rmdir()
    missing = replay_site.url("dailycircuit", "/no-such-feed.xml")
    again = _run(story, db, feed, missing)
    assert again.returncode == 1, again.stderr[-3000:]
    assert "Traceback" not in again.stderr and "crashed" not in again.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("select status, message from runs order by started_at").fetchall()
        assert con.execute("select count(*), count(distinct canonical_url) from articles"
                           ).fetchone() == (n_articles, n_articles)
    assert [s for s, _ in runs] == ["failed", "partial"] and message == runs[0][1]
    assert snapshot.is_file() and not list(tmp_path.glob("*.staging/*"))
