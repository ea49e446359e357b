"""A run stopped by an error says so in its own row at once (issue 26 item 9), and what it
stores of the error holds no secret (item 8): every URL in it is cut to its host."""

from __future__ import annotations

from datetime import UTC, datetime

from presswatch.runs.context import RunContext, record_stop
from presswatch.warehouse.batch import LoadBatch, Run
from presswatch.warehouse.store import open_warehouse

TOKEN = "xoxb-T0123/B0456/s3cr3tT0ken"


def test_a_stopped_run_row_says_failed_and_why_without_the_urls_secrets(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    started = datetime(2024, 11, 27, 6, tzinfo=UTC)
    with open_warehouse(db) as warehouse:
        warehouse.load_batch(LoadBatch(run_id="r1", runs=[Run("r1", "sora-leak", started),
                                                            Run("r0", "sora-leak", started)]))
    context = RunContext("r1", "sora-leak", started, db, tmp_path / "staging" / "r1", 5.0)
    record_stop(context, RuntimeError(
        f"posting to https://hooks.example.com/services/{TOKEN}?key=k3y failed\n\x1b[31mred"))
    with open_warehouse(db, read_only=True) as warehouse:
        rows = {run_id: rest for run_id, *rest in warehouse.connection.execute(
            "select run_id, status, finished_at is not null, message from runs").fetchall()}
    status, finished, message = rows["r1"]
    assert status == "failed" and finished
    assert message.startswith("stopped by an error: RuntimeError: posting to "
                               "https://hooks.example.com/… failed")
    assert "finished by the next run" in message
    assert "s3cr3t" not in message and "k3y" not in message and "\x1b" not in message
    assert rows["r0"] == ["running", False, None]  # another run's row is not touched


def test_a_held_run_has_no_row_to_write_and_an_unopenable_warehouse_is_left_alone(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    db.write_bytes(b"not a database" * 100)
    started = datetime(2024, 11, 27, 6, tzinfo=UTC)
    for held in (True, False):
        context = RunContext("r1", "sora-leak", started, db, tmp_path / "r1", 1.0, held=held)
        record_stop(context, RuntimeError("boom"))  # logs, raises nothing: the run's own error
    assert db.read_bytes() == b"not a database" * 100
