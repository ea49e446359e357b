"""The one way the warehouse writes: a transaction that lands whole or not at all, and whose
failure is reported as what it was.

Every write (a migration, a batch, a staged run, the alert book, a re-analysis's removals)
goes through `transaction`. Two details are why it is one function and not a habit: a failed
COMMIT (a full disk) has already ended the transaction, so the roll-back must not raise "no
transaction is active" over the real error; and a full disk is named as such, so the user frees
space instead of hunting a bug.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from presswatch.folders import disk_full
from presswatch.warehouse.errors import LoadError, WarehouseError, WarehouseUnwritable


@contextmanager
def transaction(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    what: str,
    *,
    error: type[WarehouseError] = LoadError,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction on `con` (the file at `path`), committed at its end.

    A DuckDB error rolls it back and is raised as `error` ("<what> failed and was rolled
    back: ..."), or as WarehouseUnwritable when the disk is full; any other exception rolls it
    back and passes through unchanged.
    """
    con.begin()
    try:
        yield con
        con.commit()
    except duckdb.Error as exc:
        _rollback(con)
        if disk_full(exc):
            raise WarehouseUnwritable(
                path, f"{what} failed: no space left on the device; nothing of it was "
                "written. Free space, then run again (a run's work waits in its staging folder)."
            ) from exc
        raise error(path, f"{what} failed and was rolled back: {exc}") from exc
    except BaseException:
        _rollback(con)
        raise


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open: a failed COMMIT has already ended it, and "no
    transaction is active" must not hide the real error."""
    try:
        con.rollback()
    except duckdb.TransactionException:
        pass
