"""Living beside analysts: an open read-only session in another process never makes a load fail
or lose data, and sessions on the snapshot never hold the run up at all."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from presswatch.warehouse.errors import WarehouseLocked
from presswatch.warehouse.store import open_warehouse, snapshot_path

READER = Path(__file__).with_name("_reader_child.py")


def _analyst(db: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(READER), str(db), str(seconds)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout.readline().startswith("open")
    return proc


def _count(db: Path) -> int:
    with open_warehouse(db, read_only=True) as wh:
        return wh.connection.execute("select count(*) from articles").fetchall()[0][0]


def test_load_waits_for_a_session_on_the_main_file_and_loses_nothing(db_path, corpus, caplog):
    with open_warehouse(db_path) as wh:
        wh.load_batch(corpus.run_batch("r1", 2))
    analyst = _analyst(db_path, seconds=1.5)
    batch = corpus.run_batch("r2", 3)
    with caplog.at_level(logging.WARNING, logger="warehouse.store"):
        with open_warehouse(db_path, lock_timeout_s=60) as wh:
            wh.load_batch(batch)
    analyst.communicate(timeout=30)
    assert any("locked" in r.getMessage() for r in caplog.records)
    assert _count(db_path) == 5


def test_a_session_held_too_long_raises_locked_and_changes_nothing(db_path, corpus):
    with open_warehouse(db_path) as wh:
        wh.load_batch(corpus.run_batch("r1", 2))
    digest = corpus.file_digest(db_path)
    analyst = _analyst(db_path, seconds=60)
    try:
        with pytest.raises(WarehouseLocked) as raised:
            open_warehouse(db_path, lock_timeout_s=0.5)
    finally:
        analyst.kill()
        analyst.communicate()
    message = str(raised.value)
    assert "nothing was written" in message and "presswatch.snapshot.duckdb" in message
    assert f"(PID {analyst.pid} (" in message  # the holder's PID, then its program
    assert corpus.file_digest(db_path) == digest
    assert _count(db_path) == 2


def test_sessions_on_the_snapshot_never_block_a_run_and_see_a_stable_copy(db_path, corpus):
    with open_warehouse(db_path) as wh:
        wh.load_batch(corpus.run_batch("r1", 2))
        wh.publish()
    snapshot = snapshot_path(db_path)
    analyst = _analyst(snapshot, seconds=60)
    try:
        with open_warehouse(db_path, lock_timeout_s=0.5) as wh:  # no waiting needed
            wh.load_batch(corpus.run_batch("r2", 3))
            published = wh.publish()
        analyst.stdin.write("count\n")
        analyst.stdin.flush()
        assert analyst.stdout.readline().strip() == "sees 2"  # its session goes on, unchanged
    finally:
        analyst.kill()
        analyst.communicate()
    assert published == snapshot
    assert _count(snapshot) == 5
