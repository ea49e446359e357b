"""A warehouse held open by another process through a whole run loses no day's coverage.

The holder is an analyst's process that opened the live file read-only (not the snapshot) and
keeps it open. The run must not wait for it before crawling: it crawls and analyses the whole
replay into staging, says the load is waiting, and returns within its lock timeout; the staged
articles land once the holder lets go, exactly once, at the latest with the next run (which
fetches nothing again: its feeds answer "not modified").
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from presswatch.flows.daily import daily_with_settings
from presswatch.runs.settings import run_settings
from presswatch.story import load_story
from presswatch.warehouse.store import open_warehouse

pytestmark = pytest.mark.usefixtures("prefect_harness")

LOCK_TIMEOUT_S = 2
# The start's own short wait (daily_run.BEGIN_LOCK_WAIT_S, capped by the timeout), the wait at the
# end, and a read-only attempt or two of a second each.
MAX_WAIT_S = 2 * LOCK_TIMEOUT_S + 3

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("select count(*) from articles").fetchall()
print("holding", flush=True)
sys.stdin.readline()  # until told to stop
con.close()
"""


class Holder:
    """Another process with the live warehouse open read-only, until released."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", HOLD, str(db)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "holding"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("\n")
            self.process.stdin.close()
        self.process.wait(timeout=30)

    def release_after(self, seconds: float) -> None:
        import threading

        threading.Timer(seconds, self.release).start()


def _run(story: Path, db: Path, lock_timeout_s: float = LOCK_TIMEOUT_S):
    env = {**os.environ, "PRESSWATCH_LOCK_TIMEOUT": str(lock_timeout_s)}
    settings = run_settings(str(story), str(db), None, True, env)
    return daily_with_settings(settings)


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _expected_paths(manifest: dict, day: int) -> set[str]:
    return {a["path"] for a in manifest["articles"]
            if a["day"] == day and a.get("expected_in_run", True)}


def _stored_paths(db: Path) -> list[str]:
    return [urlsplit(url).path for (url,) in _rows(db, "select canonical_url from articles")]


def _staging(db: Path) -> Path:
    return db.with_name(db.name + ".staging")


@pytest.fixture
def empty_warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "presswatch.duckdb"
    with open_warehouse(db):
        pass  # created and migrated, as after `presswatch run` on a new story
    return db


def test_a_run_beside_a_held_warehouse_stages_everything_and_the_next_run_loads_it(
        tmp_path, empty_warehouse):
    from presswatch.demo.server import ReplaySite

    db = empty_warehouse
    with ReplaySite(day=1) as site:
        story = site.write_story(tmp_path / "story.toml")
        expected = _expected_paths(site.manifest, 1)
        holder = Holder(db)
        try:
            started = time.monotonic()
            held = _run(story, db)
            held_s = time.monotonic() - started
            assert holder.process.poll() is None, "the holder kept the file the whole run"
        finally:
            holder.release()

        # The run crawled and analysed the whole day, and said that the load waits.
        assert held.load == "waiting"
        assert held.articles_added == 0
        assert held.articles_staged == len(expected)
        assert sum(row["fetched"] for row in held.table) >= len(expected)
        assert "load waiting" in held.note and "held by another process" in held.note
        assert f"{len(expected)} articles staged" in held.note
        assert held.lock_waited_s <= MAX_WAIT_S, held.note
        assert held_s < 300
        assert _rows(db, "select count(*) from articles") == [(0,)]
        assert _rows(db, "select count(*) from runs") == [(0,)]
        (run_dir,) = _staging(db).iterdir()
        assert (run_dir / "staged.json").exists()

        fetched = {r.path for r in site.request_log if r.status == 200}
        assert expected <= fetched  # (so that the check of the next run's requests means it)
        site.request_log.clear()
        after = _run(story, db)

    # The next run loaded the staged day before anything else, then fetched nothing again.
    assert after.load == "loaded" and after.note and "earlier run" in after.note
    assert after.staged_articles_loaded == len(expected)
    assert after.articles_added == 0
    assert sum(row["fetched"] for row in after.table) == 0
    assert any(row["status"] == "not modified" for row in after.table)
    pages = [r for r in site.request_log if r.status == 200 and r.path in expected]
    assert pages == [], "an article page was fetched again"

    stored = _stored_paths(db)
    assert sorted(stored) == sorted(expected)  # every article, each exactly once
    runs = dict(_rows(db, "select run_id, status from runs"))
    assert runs.keys() == {held.run_id, after.run_id}
    assert set(runs.values()) <= {"ok", "partial"}
    (n_articles_of_held_run,) = _rows(
        db, f"select n_articles_added from runs where run_id = '{held.run_id}'")[0]
    assert n_articles_of_held_run == len(expected)
    assert _rows(db, "select count(*) from articles where nlp_status is null") == [(0,)]
    assert not list(_staging(db).iterdir()), "staging still holds loaded work"
    with open_warehouse(db) as warehouse:
        assert warehouse.run_checks() == []


def test_a_holder_that_lets_go_during_the_run_is_loaded_by_the_same_run(
        tmp_path, empty_warehouse):
    from presswatch.demo.server import ReplaySite
    from presswatch.runs import daily as daily_run

    db = empty_warehouse
    with ReplaySite(day=1) as site:
        story = site.write_story(tmp_path / "story.toml")
        expected = _expected_paths(site.manifest, 1)
        holder = Holder(db)
        # Longer than the start waits, shorter than the crawl, the analysis and the end's wait.
        holder.release_after(daily_run.BEGIN_LOCK_WAIT_S + 8)
        try:
            summary = _run(story, db, lock_timeout_s=60)
        finally:
            holder.release()

    assert summary.load == "loaded"
    assert summary.note and "held by another process; loaded after waiting" in summary.note
    assert summary.articles_added == len(expected)
    assert sorted(_stored_paths(db)) == sorted(expected)
    assert _rows(db, "select status from runs") in ([("ok",)], [("partial",)])
    assert not list(_staging(db).iterdir())
    with open_warehouse(db) as warehouse:
        assert warehouse.run_checks() == []


def test_staged_work_analysed_against_an_older_warehouse_is_processed_again_not_loaded(
        tmp_path, empty_warehouse):
    from presswatch.demo.server import ReplaySite

    db = empty_warehouse
    with ReplaySite(day=1) as site:
        story = site.write_story(tmp_path / "story.toml")
        expected = _expected_paths(site.manifest, 1)
        holder = Holder(db)
        try:
            held = _run(story, db)
        finally:
            holder.release()
        assert held.load == "waiting" and held.articles_staged == len(expected)
        # Someone else wrote the file meanwhile: the staged statement ids and clusters may
        # no longer fit it, so the next run must redo the analysis from the staged pages.
        # (A run of the same story: a warehouse refuses runs of a second one.)
        with duckdb.connect(str(db)) as con:
            con.execute("insert into runs (run_id, story_id, started_at, finished_at, status) "
                        "values ('elsewhere', ?, now(), now(), 'ok')",
                        [load_story(story).id])
        site.request_log.clear()
        after = _run(story, db)

    assert after.load == "loaded" and after.staged_articles_loaded == 0
    assert after.articles_added == len(expected)  # from the staged pages, not fetched again
    pages = [r for r in site.request_log if r.status == 200 and r.path in expected]
    assert pages == [], "an article page was fetched again"
    assert sorted(_stored_paths(db)) == sorted(expected)
    (message,) = _rows(db, f"select message from runs where run_id = '{held.run_id}'")[0]
    assert f"processed again by run {after.run_id}" in message
    assert not list(_staging(db).iterdir())
    with open_warehouse(db) as warehouse:
        assert warehouse.run_checks() == []
