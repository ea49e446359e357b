"""Opening a warehouse: migrations applied once, in order; files that are not ours refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from presswatch.warehouse.errors import (
    MigrationError,
    WarehouseCorrupt,
    WarehouseForeign,
    WarehouseLost,
    WarehouseMissing,
    WarehouseTooNew,
    WarehouseUnwritable,
)
from presswatch.warehouse.store import MIGRATIONS_DIR, migrations, open_warehouse, snapshot_path


def _versions(path: Path) -> list[tuple[int, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select version, name from schema_version order by version").fetchall()
    finally:
        con.close()


def test_new_file_gets_every_migration_recorded_in_order(db_path):
    with open_warehouse(db_path) as wh:
        assert wh.schema_version() == migrations()[-1].version
        assert {"articles", "quotes", "statements", "article_terms"} <= set(wh.tables())
    assert _versions(db_path) == [(m.version, m.name) for m in migrations()]


def test_reopening_applies_nothing_and_keeps_data(db_path, corpus):
    with open_warehouse(db_path) as wh:
        wh.load_batch(corpus.run_batch("r1", 3))
    before = _versions(db_path)
    with open_warehouse(db_path) as wh:
        assert wh.connection.execute("select count(*) from articles").fetchall() == [(3,)]
    assert _versions(db_path) == before


def test_a_later_migration_is_applied_on_next_open(db_path, tmp_path):
    migrations_dir = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations_dir)
    open_warehouse(db_path, migrations_dir=migrations_dir).close()
    (migrations_dir / "090_notes.sql").write_text(
        "create table notes (note_id varchar primary key, body varchar);"
    )
    with open_warehouse(db_path, migrations_dir=migrations_dir) as wh:
        assert "notes" in wh.tables()
        assert wh.schema_version() == 90


def test_a_failing_migration_is_rolled_back_whole(db_path, tmp_path):
    migrations_dir = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations_dir)
    open_warehouse(db_path, migrations_dir=migrations_dir).close()
    (migrations_dir / "091_broken.sql").write_text(
        "create table half_done (x integer); select * from no_such_table;"
    )
    with pytest.raises(MigrationError, match="091_broken"):
        open_warehouse(db_path, migrations_dir=migrations_dir)
    assert 91 not in dict(_versions(db_path))
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'half_done'"
                       ).fetchall() == [(0,)]
    con.close()


def test_two_migrations_with_one_number_are_refused(tmp_path):
    (tmp_path / "001_a.sql").write_text("select 1;")
    (tmp_path / "001_b.sql").write_text("select 1;")
    with pytest.raises(MigrationError, match="001"):
        migrations(tmp_path)


def _foreign_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create table customers (id integer, name varchar)")
    con.execute("insert into customers values (1, 'Ada')")
    con.close()


def _newer_warehouse(path: Path) -> None:
    open_warehouse(path).close()
    con = duckdb.connect(str(path))
    con.execute("insert into schema_version values (999, 'from_the_future', 'x', now())")
    con.close()


def _truncated_warehouse(path: Path) -> None:
    open_warehouse(path).close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _foreign_schema_version(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create table schema_version (version integer, name varchar, checksum varchar, "
                "applied_at timestamptz)")
    con.execute("insert into schema_version values (1, 'flyway_init', 'x', now())")
    con.close()


def _sqlite(path: Path) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("create table t (x)")
    con.commit()
    con.close()


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda p: p.write_bytes(b"this is not a database" * 500), WarehouseCorrupt),
        (lambda p: p.write_bytes(b""), WarehouseCorrupt),
        (_truncated_warehouse, WarehouseCorrupt),
        (_sqlite, WarehouseCorrupt),
        (_foreign_duckdb, WarehouseForeign),
        (_foreign_schema_version, WarehouseForeign),
        (_newer_warehouse, WarehouseTooNew),
    ],
    ids=["junk", "empty", "truncated", "sqlite", "foreign", "foreign-schema-version", "newer"],
)
@pytest.mark.parametrize("read_only", [False, True], ids=["write", "read"])
def test_files_not_ours_are_refused_and_left_untouched(db_path, corpus, make, error, read_only):
    make(db_path)
    before = {p.name: corpus.file_digest(p) for p in db_path.parent.iterdir()}
    with pytest.raises(error) as raised:
        open_warehouse(db_path, read_only=read_only)
    assert str(db_path) in str(raised.value)
    assert "untouched" in str(raised.value) or "not a readable" in str(raised.value)
    after = {p.name: corpus.file_digest(p) for p in db_path.parent.iterdir()}
    assert after == before


def test_missing_file_read_only_is_named(db_path):
    with pytest.raises(WarehouseMissing, match="presswatch run"):
        open_warehouse(db_path, read_only=True)
    assert not db_path.exists()


def test_unwritable_place_is_named(tmp_path):
    with pytest.raises(WarehouseUnwritable, match="writable"):
        open_warehouse(tmp_path / "no" / "such" / "dir" / "p.duckdb")


def test_a_lost_warehouse_beside_its_snapshot_is_not_started_over(published, corpus):
    snapshot = snapshot_path(published)
    digest = corpus.file_digest(snapshot)
    published.unlink()
    with pytest.raises(WarehouseLost, match="warehouse is missing") as caught:
        open_warehouse(published)
    assert f"cp {snapshot} {published}" in str(caught.value)
    assert not published.exists() and corpus.file_digest(snapshot) == digest
    published.write_bytes(b"")  # emptied, say by a full disk
    with pytest.raises(WarehouseCorrupt, match=f"copy {snapshot.name} over it"):
        open_warehouse(published)
    assert published.stat().st_size == 0 and corpus.file_digest(snapshot) == digest
    shutil.copyfile(snapshot, published)  # the restore the message gives
    with open_warehouse(published) as wh:
        assert wh.has_run("r1")


def _threads(wh) -> int:
    return int(wh.connection.execute("select current_setting('threads')").fetchone()[0])


def test_threads_caps_duckdb_on_every_kind_of_open(db_path, corpus):
    """The run's loads open the file with one DuckDB thread (runs/analysis.LOAD_THREADS): a new
    file, an existing one written to, and one read; without the option DuckDB takes a thread
    per core, as analysts' tools get."""
    with open_warehouse(db_path, threads=1) as wh:  # created
        assert _threads(wh) == 1
    with open_warehouse(db_path, threads=1) as wh:  # opened to write
        assert _threads(wh) == 1
        wh.load_batch(corpus.run_batch("r1", 2))
        assert wh.index_articles() == 2
    with open_warehouse(db_path, read_only=True, threads=1) as wh:
        assert _threads(wh) == 1
        assert wh.connection.execute("select count(*) from articles").fetchone()[0] == 2
    with open_warehouse(db_path, read_only=True) as wh, duckdb.connect(":memory:") as plain:
        assert _threads(wh) == plain.execute("select current_setting('threads')").fetchone()[0]
