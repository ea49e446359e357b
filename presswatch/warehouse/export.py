"""`presswatch export`: every table as Parquet, for pandas, Spark, R or any other tool.

A table with a time column that is always set (articles.fetched_at, pages.fetched_at,
runs.started_at, ...) is written as a directory partitioned by its UTC day (`day=2024-11-26/`),
so a tool reading one week reads one week of files; other tables are one file each. Runs on a
read-only connection, by default to the published snapshot, so it never holds up the daily run.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from presswatch.warehouse.store import DEFAULT_LOCK_TIMEOUT_S, default_read_path, open_warehouse


@dataclass(frozen=True)
class ExportedTable:
    table: str
    rows: int
    path: Path
    partitioned_by: str | None  # the time column whose UTC day names the partitions


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _day_column(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The first NOT NULL timestamptz column of a table, by column order."""
    rows = con.execute(
        "select column_name from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' and table_name = ? "
        "and data_type = 'TIMESTAMP WITH TIME ZONE' and not is_nullable "
        "order by column_index limit 1",
        [table],
    ).fetchall()
    return rows[0][0] if rows else None


def export_parquet(
    db_path: Path | str,
    out_dir: Path | str,
    *,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    live: bool = False,
) -> list[ExportedTable]:
    """Write every table under out_dir (replacing an earlier export of the same tables).

    Reads the published snapshot of db_path when there is one, the file itself otherwise or
    when live is set.
    """
    out = Path(out_dir)
    path = Path(db_path) if live else default_read_path(db_path)
    out.mkdir(parents=True, exist_ok=True)
    exported = []
    with open_warehouse(path, read_only=True, lock_timeout_s=lock_timeout_s) as warehouse:
        con = warehouse.connection
        for table in warehouse.tables():
            rows = con.execute(f"select count(*) from {_quote(table)}").fetchall()[0][0]
            day_column = _day_column(con, table) if rows else None
            for stale in (out / table, out / f"{table}.parquet"):
                if stale.is_dir():
                    shutil.rmtree(stale)
                stale.unlink(missing_ok=True)
            # Identifiers come from the catalog and the path from the user, never from pages.
            if day_column is None:
                target = out / f"{table}.parquet"
                con.execute(
                    f"copy {_quote(table)} to {_literal(target)} (format parquet)"
                )
            else:
                target = out / table
                con.execute(
                    f"copy (select *, cast(timezone('UTC', {_quote(day_column)}) as date) as day "
                    f"from {_quote(table)}) to {_literal(target)} "
                    "(format parquet, partition_by (day))"
                )
            exported.append(ExportedTable(table, rows, target, day_column))
    return exported


def read_exported(con: duckdb.DuckDBPyConnection, table: ExportedTable) -> duckdb.DuckDBPyRelation:
    """The exported table read back, without the partition column (for round-trip checks)."""
    if table.partitioned_by is None:
        return con.sql(f"select * from read_parquet({_literal(table.path)})")
    pattern = table.path / "**" / "*.parquet"
    return con.sql(
        f"select * exclude (day) from read_parquet({_literal(pattern)}, hive_partitioning = true)"
    )
