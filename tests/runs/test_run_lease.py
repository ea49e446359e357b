"""Two runs on one warehouse (issue 26 item 2), as real `presswatch run` processes: while one
runs, another refuses (exit 2) naming the holder's PID instead of taking its work; the first
finishes untouched; a later run finds nothing left to do."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pytest

from presswatch.flows.daily import daily_with_settings
from presswatch.lease import read_holder
from presswatch.runs.settings import run_settings

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _env(**extra: str) -> dict[str, str]:
    from prefect.settings import get_current_settings

    return {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url), **extra}


def _command(story, db) -> list[str]:
    return [sys.executable, "-m", "presswatch", "run", "--story", str(story), "--db", str(db),
            "--allow-private-hosts"]


def test_a_second_run_refuses_while_the_first_holds_the_lease(tmp_path, replay_site):
    story = replay_site.write_story(tmp_path / "story.toml")
    db = tmp_path / "presswatch.duckdb"
    first = subprocess.Popen(_command(story, db), env=_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while (holder := read_holder(db)) is None or holder.pid != first.pid:
            assert first.poll() is None and time.monotonic() < deadline, "no lease taken"
            time.sleep(0.2)
        second = subprocess.run(_command(story, db), env=_env(PRESSWATCH_LEASE_WAIT="1"),
                                capture_output=True, text=True, timeout=300)
        assert first.poll() is None, "the first run ended before the second was refused"
        out, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode == 2, second.stderr[-2000:]
    assert f"PID {first.pid}" in second.stderr and "daily run" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode in (0, 1), err[-3000:]
    assert "FileNotFoundError" not in err
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("select status, coalesce(message, '') from runs").fetchall()
        n_articles = con.execute("select count(*) from articles").fetchone()[0]
    assert len(runs) == 1 and runs[0][0] != "failed" and "completed by" not in runs[0][1]
    # A later run (in this process: both above were real ones) finds nothing left to do.
    third = daily_with_settings(run_settings(str(story), str(db), None, True, os.environ))
    assert third.articles_added == 0 and third.status in ("ok", "partial")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchone()[0] == n_articles
        assert con.execute("select count(*) from runs where status = 'failed'").fetchone() == (0,)
