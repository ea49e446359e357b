"""An analyst holding the warehouse file makes the run wait and retry, never fail or lose data."""

from __future__ import annotations

import subprocess
import sys

import pytest
from prefect import flow
from prefect.client.orchestration import get_client

from presswatch.flows import daily
from presswatch.warehouse.store import open_warehouse

pytestmark = pytest.mark.usefixtures("prefect_harness")

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_a_locked_warehouse_is_retried_by_prefect_until_it_is_free(tmp_path):
    from presswatch.flows.settings import run_settings
    from presswatch.story import default_story_path

    db = tmp_path / "presswatch.duckdb"
    with open_warehouse(db):
        pass  # create and migrate it
    analyst = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "12"],
                               stdout=subprocess.PIPE, text=True)
    assert analyst.stdout.readline().strip() == "holding"
    settings = run_settings(str(default_story_path()), str(db), None, False,
                            {"PRESSWATCH_LOCK_TIMEOUT": "1"})

    @flow
    def begin_only():
        return daily.begin_run(settings.story(), settings, return_state=True)

    state = begin_only()
    analyst.wait(timeout=30)
    assert state.is_completed(), state
    context, _ = state.result()
    with get_client(sync_client=True) as client:
        task_run = client.read_task_run(state.state_details.task_run_id)
    assert task_run.run_count >= 2  # the first try met the lock; Prefect retried it
    with open_warehouse(db, read_only=True) as warehouse:
        rows = warehouse.connection.execute("select run_id from runs").fetchall()
    assert rows == [(context.run_id,)]
