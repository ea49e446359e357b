"""An analyst holding the warehouse file never stops a run from starting, nor loses its data.

A short hold is waited out; a long one is not waited for at all before the crawl: the run starts
from what it can read without the lock and stages its work (tests/runs/test_held_warehouse.py
follows such a run to the end). Before, the start was retried by Prefect for ten minutes.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from prefect import flow
from prefect.client.orchestration import get_client

from presswatch.flows import daily
from presswatch.runs import held
from presswatch.warehouse.store import open_warehouse

pytestmark = pytest.mark.usefixtures("prefect_harness")

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold(db, seconds: float) -> subprocess.Popen:
    analyst = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)],
                               stdout=subprocess.PIPE, text=True)
    assert analyst.stdout.readline().strip() == "holding"
    return analyst


def _begin(db, lock_timeout: str):
    from presswatch.runs.settings import run_settings
    from presswatch.story import default_story_path

    settings = run_settings(str(default_story_path()), str(db), None, False,
                            {"PRESSWATCH_LOCK_TIMEOUT": lock_timeout})

    @flow
    def begin_only():
        return daily.begin_run(settings.story(), settings, return_state=True)

    started = time.monotonic()
    state = begin_only()
    seconds = time.monotonic() - started
    if state.is_completed():  # no crawl follows: let the crawl child begin_run started go
        _, start = state.result()
        assert start.crawl_child is not None  # the flow starts the crawl child as it begins
        start.crawl_child.cancel()
    return state, seconds


def _run_count(state) -> int:
    with get_client(sync_client=True) as client:
        return client.read_task_run(state.state_details.task_run_id).run_count


def test_a_short_hold_is_waited_out_and_the_run_recorded(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    with open_warehouse(db):
        pass  # create and migrate it
    analyst = _hold(db, 1.5)
    state, _ = _begin(db, "30")
    analyst.wait(timeout=30)
    assert state.is_completed(), state
    context, _ = state.result()
    assert not context.held
    with open_warehouse(db, read_only=True) as warehouse:
        rows = warehouse.connection.execute("select run_id, status from runs").fetchall()
    assert rows == [(context.run_id, "running")]


def test_a_long_hold_starts_the_run_without_the_lock_and_without_retries(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.connection.execute(
            "insert into sources (source_id, kind, url, etag) "
            "values ('s1', 'feed', 'http://feeds.example/a.xml', '\"v1\"')")
    analyst = _hold(db, 30)
    try:
        state, seconds = _begin(db, "2")
        assert analyst.poll() is None  # still held all along
    finally:
        analyst.kill()
        analyst.wait()
    assert state.is_completed(), state
    assert _run_count(state) == 1  # not retried: it went on without the lock
    assert seconds < 2 + held.READ_LOCK_WAIT_S + 15  # the wait, a read, Prefect's overhead
    context, start = state.result()
    assert context.held and context.read_path == db  # the live file, opened read-only
    assert start.feed_state["http://feeds.example/a.xml"] == ('"v1"', None)
    assert start.basis is not None
    with open_warehouse(db, read_only=True) as warehouse:
        assert warehouse.connection.execute("select count(*) from runs").fetchall() == [(0,)]
