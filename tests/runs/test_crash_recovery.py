"""SIGKILL the daily run in every phase in turn; the next run that ends must finish the job once.

Each victim is a real `presswatch run` process on the bundled replay, killed (with its crawl
child) in one phase: start-up, the crawl, the analysis and loads, the alerts, the publishing.
The phase is read from the run's own log as it happens (the flow's start, then each task's
end), not guessed from the length of an earlier run, so every phase is hit even on a slow
machine. The runs follow each other on one warehouse, so each victim also starts on the work
the runs before it left. After every kill the warehouse passes every data check and holds
each article once; after a run to the end it equals an uninterrupted run's warehouse.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.usefixtures("prefect_harness")

# (phase, the log line that opens it, then what to wait for: seconds, or an event in staging):
# a Prefect task logs "Finished" as it ends, and the next task starts at once. The crawl and
# the analysis are one task (pages are analysed as the crawl child writes them): the kill waits
# for a page on disk, or for the crawl's end, after which its last pages are parsed and loaded.
KILL_POINTS = (
    ("start-up", "Beginning flow run", 0.3),  # opening, creating and migrating the file
    ("crawl", "Task run 'begin run-", "a page"),  # the Scrapy child is fetching
    ("analysis and loads", "Task run 'begin run-", "the crawl's end"),
    ("alerts", "Task run 'crawl, extract, analyse and load-", 0.0),
    ("publishing", "Task run 'alerts-", 0.3),  # sources, views, checks, the snapshot
)


def _pages_crawled(db: Path) -> int:
    """Pages the crawls of every run so far wrote into the warehouse's staging folder."""
    from presswatch.spiders.crawl import count_pages

    staging = db.with_name(db.name + ".staging")
    return sum(count_pages(crawl) for crawl in staging.glob("*/crawl"))


def _crawls_ended(db: Path) -> set[Path]:
    """Crawls in the staging folder that ran to their end (Scrapy's stats written)."""
    from presswatch.spiders.job import STATS_FILE

    return set(db.with_name(db.name + ".staging").glob(f"*/crawl/{STATS_FILE}"))


# What a kill may wait for in staging: (what is there before, whether the event has happened).
EVENTS = {
    "a page": (_pages_crawled, lambda db, before: _pages_crawled(db) > before),
    "the crawl's end": (_crawls_ended, lambda db, before: bool(_crawls_ended(db) - before)),
}


def _command(story: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "presswatch", "run", "--story", str(story), "--db", str(db),
            "--allow-private-hosts"]


def _kill_in_phase(story: Path, db: Path, opens_with: str, wait: float | str) -> None:
    """Start a run, read its log until the line that opens the phase, wait a moment into it
    (or for a newly crawled page), then kill the run's whole process group, as a power cut
    would."""
    from prefect.settings import get_current_settings

    env = dict(os.environ, PREFECT_API_URL=str(get_current_settings().api.url),
               PREFECT_LOGGING_LEVEL="INFO")  # the task lines the phases are read from
    child = subprocess.Popen(_command(story, db), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    log = []
    try:
        for line in child.stdout:
            log.append(line)
            if opens_with in line and ("Beginning" in line or "Finished" in line):
                if isinstance(wait, str):
                    _wait_for(wait, db, child)
                else:
                    time.sleep(wait)
                break
        assert child.poll() is None, f"the run ended before {opens_with!r}:\n{''.join(log)}"
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # the crawl child and spaCy's workers die with it
        child.wait()
        child.stdout.close()


def _wait_for(event: str, db: Path, child: subprocess.Popen) -> None:
    state, happened = EVENTS[event]
    before = state(db)
    deadline = time.monotonic() + 120
    while not happened(db, before) and child.poll() is None:
        assert time.monotonic() < deadline, f"no sign of {event} in 120 s"
        time.sleep(0.02)


def _run_to_end(story: Path, db: Path) -> None:
    from presswatch.flows.daily import daily_with_settings
    from presswatch.runs.settings import run_settings

    daily_with_settings(run_settings(str(story), str(db), None, True, os.environ))


def _state(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        def ids(sql: str) -> set:
            return {row[0] for row in con.execute(sql).fetchall()}

        groups = con.execute(
            "select list(quote_id order by quote_id) from quotes "
            "where statement_id is not null group by statement_id"
        ).fetchall()
        return {
            "articles": ids("select article_id from articles"),
            "relevant": ids("select article_id from articles where is_relevant"),
            "analysed": ids("select article_id || nlp_status from articles"),
            "quotes": ids("select quote_id from quotes"),
            "entities": ids("select article_id || start_char || label from entities"),
            "statement_groups": {tuple(g) for (g,) in groups},
            "clusters": ids("select article_id || cluster_id from articles"),
            "runs_left_running": con.execute(
                "select count(*) from runs where status = 'running'").fetchone()[0],
        }


def _duplicates(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select count(*) - count(distinct canonical_url) from articles").fetchone()[0]


def _checks_pass(db: Path, *, read_only: bool = False) -> None:
    from presswatch.warehouse.store import open_warehouse

    with open_warehouse(db, read_only=read_only) as warehouse:
        assert warehouse.run_checks() == []


def test_runs_killed_in_every_phase_are_finished_by_the_next_without_duplicates(tmp_path):
    from presswatch.demo.server import ReplaySite

    with ReplaySite(day=1) as site:
        story = site.write_story(tmp_path / "story.toml")
        reference_db = tmp_path / "reference.duckdb"
        _run_to_end(story, reference_db)
        reference = _state(reference_db)
        assert reference["articles"] and reference["quotes"]
        assert reference["runs_left_running"] == 0

        db = tmp_path / "killed.duckdb"
        for phase, opens_with, wait in KILL_POINTS:
            _kill_in_phase(story, db, opens_with, wait)
            if phase != "start-up":  # (which may leave the new file half made, for the next run)
                assert _duplicates(db) == 0, f"duplicates after a kill in {phase}"
                _checks_pass(db, read_only=True)  # as the killed run left it
        _run_to_end(story, db)

    assert _duplicates(db) == 0
    state = _state(db)
    for key in reference:
        assert state[key] == reference[key], f"{key} differs from an uninterrupted run"
    _checks_pass(db)
