"""`presswatch export`: every table and view as Parquet, for pandas, Spark, R or any other tool.

Articles are written as a directory partitioned by their UTC publication day (`day=2024-11-26/`;
the day they were fetched when the page gives no date), and any other table with a time column
that is always set (pages.fetched_at, runs.started_at, ...) by that column's UTC day, so a tool
reading one week reads one week of files; other tables are one file each. Each analyst view
(daily_coverage, outlet_names, statement_timeline, ...) is one file of its rows as computed at
export time. Runs on a read-only connection, by default to the published snapshot, so it never
holds up the daily run. The folder is written beside its place and swapped in whole, and only
over an earlier export (presswatch/folders.py): a folder of the user's own files is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from presswatch.folders import FolderNotOurs, replace_folder
from presswatch.warehouse.store import (
    DEFAULT_LOCK_TIMEOUT_S,
    Warehouse,
    default_read_path,
    open_warehouse,
    views,
)

# In an export folder: what marks it as presswatch's, and so replaceable by the next export.
MARKER = ".presswatch-export"

# Tables whose partition day is not their first always-set time column: articles go by the day
# they were published, the day they were fetched standing in when the page gave none.
_DAY_OF = {"articles": ("published_at", "coalesce(published_at, fetched_at)")}


class ExportRefused(Exception):
    """The export folder holds files presswatch did not write; nothing was changed."""


@dataclass(frozen=True)
class ExportedTable:
    table: str
    rows: int
    path: Path
    partitioned_by: str | None  # the time column whose UTC day names the partitions
    kind: str = "table"  # table | view


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
    """Write every table into out_dir, replacing an earlier export there as a whole.

    Reads the published snapshot of db_path when there is one, the file itself otherwise or
    when live is set. out_dir must be new, empty or an earlier export (it carries MARKER):
    ExportRefused is raised, before anything is written, for a folder of other files.
    """
    out = Path(out_dir)
    path = Path(db_path) if live else default_read_path(db_path)
    with open_warehouse(path, read_only=True, lock_timeout_s=lock_timeout_s) as warehouse:
        try:
            written = replace_folder(out, MARKER, "presswatch export",
                                     lambda folder: _export_into(warehouse, folder))
        except FolderNotOurs as exc:
            raise ExportRefused(str(exc)) from exc
    return [replace(e, path=out / e.path.name) for e in written]


def _export_into(warehouse: Warehouse, out: Path) -> list[ExportedTable]:
    con = warehouse.connection
    exported = []
    for table in warehouse.tables():
        rows = con.execute(f"select count(*) from {_quote(table)}").fetchall()[0][0]
        day_column, day_sql = None, None
        if rows and table in _DAY_OF:
            day_column, day_sql = _DAY_OF[table]
        elif rows:
            day_column = _day_column(con, table)
            day_sql = _quote(day_column) if day_column else None
        # Identifiers come from the catalog and the path from the user, never from pages.
        if day_sql is None:
            target = out / f"{table}.parquet"
            con.execute(f"copy {_quote(table)} to {_literal(target)} (format parquet)")
        else:
            target = out / table
            con.execute(
                f"copy (select *, cast(timezone('UTC', {day_sql}) as date) as day "
                f"from {_quote(table)}) to {_literal(target)} "
                "(format parquet, partition_by (day))"
            )
        exported.append(ExportedTable(table, rows, target, day_column))
    for view in views(con):
        target = out / f"{view}.parquet"
        con.execute(f"copy (select * from {_quote(view)}) to {_literal(target)} "
                    "(format parquet)")
        rows = con.execute(
            f"select count(*) from read_parquet({_literal(target)})").fetchall()[0][0]
        exported.append(ExportedTable(view, rows, target, None, kind="view"))
    return exported


def describe_export(exported: list[ExportedTable], out_dir: Path) -> str:
    """What `presswatch export` wrote, for the terminal: a line per table and view."""
    lines = [f"wrote {len(exported)} tables and views to {out_dir} (Parquet):"]
    for table in exported:
        by_day = f", one folder per {table.partitioned_by} day" if table.partitioned_by else ""
        lines.append(f"  {table.table:<28} {table.rows:>9} rows  {table.kind}{by_day}")
    return "\n".join(lines)


def read_exported(con: duckdb.DuckDBPyConnection, table: ExportedTable) -> duckdb.DuckDBPyRelation:
    """The exported table read back, without the partition column (for round-trip checks)."""
    if table.partitioned_by is None:
        return con.sql(f"select * from read_parquet({_literal(table.path)})")
    pattern = table.path / "**" / "*.parquet"
    return con.sql(
        f"select * exclude (day) from read_parquet({_literal(pattern)}, hive_partitioning = true)"
    )
