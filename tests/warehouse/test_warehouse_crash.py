"""A load killed at any point (SIGKILL) leaves each batch wholly there or wholly absent, and a
re-run completes the work without duplicates."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from presswatch.warehouse.store import open_warehouse, snapshot_path

CHILD = Path(__file__).with_name("_load_child.py")
N_BATCHES = 12
PER_BATCH = 300


def _start(db: Path, first: int = 0, last: int = N_BATCHES) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(db), str(first), str(last), str(PER_BATCH)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
    )


def _per_run(db: Path) -> dict[str, tuple[int, ...]]:
    """For each run id: its articles, raw pages, quotes, entities, pages, statements."""
    with open_warehouse(db) as wh:
        rows = wh.connection.execute(
            """
            select r.run_id,
                (select count(*) from articles a where a.run_id = r.run_id),
                (select count(*) from raw_pages p join articles a using (article_id)
                    where a.run_id = r.run_id),
                (select count(*) from quotes q join articles a using (article_id)
                    where a.run_id = r.run_id),
                (select count(*) from entities e join articles a using (article_id)
                    where a.run_id = r.run_id),
                (select count(*) from pages p where p.run_id = r.run_id),
                (select sum(n_articles) from statements s
                    where s.first_article_id in (select article_id from articles a
                                                 where a.run_id = r.run_id))
            from runs r order by r.run_id
            """
        ).fetchall()
        assert wh.run_checks() == []
    return {run_id: tuple(counts) for run_id, *counts in rows}


def test_sigkill_during_loads_leaves_whole_batches_and_a_rerun_completes(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    complete = (PER_BATCH,) * 6
    rng = random.Random(5)
    kills = 0
    for _ in range(4):
        child = _start(db)
        assert child.stdout.readline().strip() == "ready"
        # Let a few batches commit, then kill at a random moment inside the following ones.
        for _ in range(rng.randint(0, 2)):
            child.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.15))
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            kills += 1
        child.wait()
        child.stdout.close()
        per_run = _per_run(db)
        assert all(counts == complete for counts in per_run.values()), per_run
    assert kills > 0

    child = _start(db)
    out, _ = child.communicate(timeout=300)
    assert child.returncode == 0, out
    per_run = _per_run(db)
    assert len(per_run) == N_BATCHES
    assert all(counts == complete for counts in per_run.values())


def test_sigkill_while_publishing_keeps_the_previous_snapshot_readable(tmp_path):
    db = tmp_path / "presswatch.duckdb"
    child = _start(db, 0, 2)
    child.communicate(timeout=300)
    assert child.returncode == 0
    snapshot = snapshot_path(db)
    for delay in (0.0, 0.05, 0.1, 0.2):
        child = _start(db, 2, 3)
        child.stdout.readline()  # ready
        child.stdout.readline()  # committed: publishing follows
        time.sleep(delay)
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        con = duckdb.connect(str(snapshot), read_only=True)
        (n,) = con.execute("select count(*) from articles").fetchone()
        con.close()
        assert n in (2 * PER_BATCH, 3 * PER_BATCH)


def test_a_file_killed_after_its_migrations_but_before_its_views_gets_them(tmp_path):
    db = tmp_path / "no-views.duckdb"
    with open_warehouse(db):
        pass
    con = duckdb.connect(str(db))  # as a SIGKILL between the last migration and the views
    views = [name for (name,) in con.execute(
        "select view_name from duckdb_views() where not internal").fetchall()]
    for name in views:
        con.execute(f"drop view if exists {name} cascade")
    con.close()
    assert views
    with open_warehouse(db) as warehouse:  # the next run's open
        assert warehouse.run_checks() == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert {name for (name,) in con.execute(
            "select view_name from duckdb_views() where not internal").fetchall()} == set(views)


def test_sigkill_while_creating_and_migrating_a_new_file_never_leaves_it_unusable(tmp_path):
    from presswatch.warehouse.store import migrations

    rng = random.Random(11)
    for attempt in range(8):
        db = tmp_path / f"new{attempt}.duckdb"
        child = _start(db, 0, 0)  # open (create + migrate), publish, exit
        time.sleep(rng.uniform(0.35, 0.7))  # around the start-up, create and migrate
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        if not db.exists():
            continue
        with open_warehouse(db) as wh:  # neither corrupt nor foreign: the next run carries on
            assert wh.schema_version() == migrations()[-1].version
            assert wh.run_checks() == []
