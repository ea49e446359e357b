"""Exit codes as docs/security.md states them (issue 26 item 9): a warehouse that cannot be
used is refused with exit 2 and one clear line, before Prefect starts; no traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys

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
