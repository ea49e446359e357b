"""The warehouse lease with real processes: a live holder makes others wait then refuse, naming
its PID; a dead one (SIGKILL) gives way at once, even when a process it forked lives on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from presswatch.lease import LeaseHeld, acquire, read_holder

HOLD = """
import os, sys, time
from presswatch.lease import acquire
lease = acquire(sys.argv[1], "daily", "story-a", wait_s=5)
worker = os.fork() if sys.argv[2] == "fork" else -1  # a forked worker inherits the lock
if worker == 0:
    time.sleep(60)
    os._exit(0)
print("held", worker, flush=True)
time.sleep(60)
"""


def _holder(db, mode="plain") -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(db), mode],
                             stdout=subprocess.PIPE, text=True)
    said, worker = child.stdout.readline().split()
    assert said == "held"
    child.worker = int(worker)
    return child


def test_a_live_run_makes_another_wait_then_refuse_naming_it(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    child = _holder(db)
    try:
        started = time.monotonic()
        with pytest.raises(LeaseHeld) as caught:
            acquire(db, "backfill", "story-b", wait_s=1.0, poll_s=0.1)
        assert 1.0 <= time.monotonic() - started < 5
        message = str(caught.value)
        assert f"PID {child.pid}" in message and "a daily run of story-a" in message
        assert caught.value.holder.pid == child.pid
    finally:
        child.kill()
        child.wait()


def test_a_killed_holder_gives_way_at_once(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    child = _holder(db)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    started = time.monotonic()
    with acquire(db, "daily", "story-b", wait_s=10) as lease:
        assert time.monotonic() - started < 2
        assert read_holder(db).story_id == "story-b" and lease.holder.pid == os.getpid()


def test_a_forked_worker_outliving_its_killed_run_does_not_keep_the_lease(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    child = _holder(db, "fork")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    try:
        with acquire(db, "daily", "story-b", wait_s=5):
            assert read_holder(db).story_id == "story-b"
    finally:
        os.kill(child.worker, signal.SIGKILL)


def test_a_released_lease_is_taken_and_renewed(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    with acquire(db, "reanalyse", "r1", wait_s=0) as lease:
        first = read_holder(db)
        with pytest.raises(LeaseHeld):
            acquire(db, "daily", "r2", wait_s=0)
        time.sleep(1.1)
        lease.renew()
        assert read_holder(db).renewed_at > first.renewed_at
    with acquire(db, "daily", "r2", wait_s=0):
        assert read_holder(db).kind == "daily"
