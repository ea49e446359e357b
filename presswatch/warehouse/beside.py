"""What a warehouse keeps beside itself, named in one place: for x.duckdb, the snapshot
x.snapshot.duckdb, the daily runs' staging folder x.duckdb.staging (and, while they are
deleted, landed runs' folders in x.duckdb.staging.landed), the backfill's work
in x.duckdb.backfill and the report in x.report/."""

from __future__ import annotations

from pathlib import Path

SNAPSHOT_SUFFIX = ".snapshot.duckdb"


def snapshot_path(db_path: Path | str) -> Path:
    """The read-only copy analysts open: x.duckdb -> x.snapshot.duckdb."""
    path = Path(db_path)
    return path.with_name(path.stem + SNAPSHOT_SUFFIX)


def staging_root(db_path: Path | str) -> Path:
    """Where a run's work waits until it has landed: x.duckdb -> x.duckdb.staging/."""
    path = Path(db_path)
    return path.with_name(path.name + ".staging")


def landed_bin(staging: Path) -> Path:
    """Where the folders of runs whose work has landed wait to be deleted (runs/staging.py:
    discard): beside the staging folder, not in it, so that no run takes them for unfinished
    work: x.duckdb.staging/ -> x.duckdb.staging.landed/."""
    return staging.with_name(staging.name + ".landed")


def backfill_root(db_path: Path | str) -> Path:
    """Where a backfill keeps its units' work: x.duckdb -> x.duckdb.backfill/."""
    path = Path(db_path)
    return path.with_name(path.name + ".backfill")


def report_dir(db_path: Path | str) -> Path:
    """Where the report goes by default: x.duckdb -> x.report/ (the snapshot x.snapshot.duckdb
    gives the same folder)."""
    path = Path(db_path)
    name = path.name
    for suffix in (SNAPSHOT_SUFFIX, ".duckdb"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    else:
        name = path.stem or name
    return path.with_name(name + ".report")
