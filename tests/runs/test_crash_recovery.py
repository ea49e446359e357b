"""SIGKILL the daily run at many points; the next run must finish the job exactly once.

The run is a real `presswatch run` process on the bundled replay. It is killed at points spread
over an uninterrupted run's duration (during start-up, the crawl, the analysis and the loads,
the alerts and the publishing), then run again to the end. Each time the warehouse must pass
every data check, hold every article once, and equal the uninterrupted run's final state.
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

KILL_FRACTIONS = (0.05, 0.3, 0.55, 0.75, 0.9)


def _env() -> dict[str, str]:
    from prefect.settings import get_current_settings

    env = dict(os.environ)
    env["PREFECT_API_URL"] = str(get_current_settings().api.url)
    return env


def _command(story: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "presswatch", "run", "--story", str(story), "--db", str(db),
            "--allow-private-hosts"]


def _run_to_end(story: Path, db: Path) -> float:
    started = time.monotonic()
    result = subprocess.run(_command(story, db), env=_env(), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return time.monotonic() - started


def _kill_after(story: Path, db: Path, seconds: float) -> None:
    child = subprocess.Popen(_command(story, db), env=_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        child.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the crawl child dies with it, as in a power cut
        child.wait()


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
            "duplicates": con.execute(
                "select count(*) - count(distinct canonical_url) from articles").fetchone()[0],
        }


def _checks_pass(db: Path) -> None:
    from presswatch.warehouse.store import open_warehouse

    with open_warehouse(db) as warehouse:
        assert warehouse.run_checks() == []


def test_a_run_killed_anywhere_is_finished_by_the_next_without_duplicates(tmp_path):
    from presswatch.demo.server import ReplaySite

    with ReplaySite(day=1) as site:
        story = site.write_story(tmp_path / "story.toml")
        reference_db = tmp_path / "reference.duckdb"
        full_run_s = _run_to_end(story, reference_db)
        reference = _state(reference_db)
        assert reference["articles"] and reference["quotes"]
        for fraction in KILL_FRACTIONS:
            db = tmp_path / f"killed-{fraction}.duckdb"
            _kill_after(story, db, full_run_s * fraction)
            _run_to_end(story, db)
            state = _state(db)
            assert state["duplicates"] == 0
            for key in reference:
                assert state[key] == reference[key], f"{key} differs after a kill at {fraction}"
            _checks_pass(db)
