"""The one transaction helper every warehouse write goes through: all of a block or none of
it, its failure named by what was being written (a full disk: test_warehouse_full_disk.py)."""

from __future__ import annotations

import duckdb
import pytest

from presswatch.warehouse.errors import LoadError, MigrationError
from presswatch.warehouse.store import open_warehouse
from presswatch.warehouse.transaction import transaction


def _count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from kept").fetchone()[0]


@pytest.fixture
def con(db_path):
    with open_warehouse(db_path) as wh:
        wh.connection.execute("create table kept (x integer primary key)")
        yield wh.connection


@pytest.mark.parametrize("error", [LoadError, MigrationError])
def test_a_failing_statement_rolls_the_block_back_and_is_named(con, db_path, error):
    with pytest.raises(error, match="adding rows failed and was rolled back: .*duplicate key"):
        with transaction(con, db_path, "adding rows", error=error):
            con.execute("insert into kept values (1)")
            con.execute("insert into kept values (1)")
    assert _count(con) == 0


def test_any_other_exception_rolls_back_and_passes_unchanged(con, db_path):
    class Stop(Exception):
        pass

    with pytest.raises(Stop):
        with transaction(con, db_path, "adding rows"):
            con.execute("insert into kept values (1)")
            raise Stop
    assert _count(con) == 0


def test_a_block_that_ends_is_committed(con, db_path):
    with transaction(con, db_path, "adding rows"):
        con.execute("insert into kept values (1), (2)")
    assert _count(con) == 2
