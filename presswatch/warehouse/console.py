"""The SQL console behind `presswatch sql`: read-only queries, streamed to a table or a file.

A query runs on a read-only connection to the warehouse (by default the published snapshot, see
store.default_read_path), and only statements that read are let through, so an analyst's query
can never change the warehouse. Results are streamed as Arrow record batches: a million-row
result is written to CSV, JSON lines or Parquet without being held in memory, and the table view
shows the first rows and counts the rest.
"""

from __future__ import annotations

import atexit
import json
import readline
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from presswatch.warehouse.errors import QueryRefused, WarehouseError, WarehouseLocked
from presswatch.warehouse.store import DEFAULT_LOCK_TIMEOUT_S, default_read_path, open_warehouse

__all__ = ["FORMATS", "interactive", "run_query"]  # the CLI's entry points

FORMATS = ("table", "csv", "json", "parquet")
EXIT_OK, EXIT_QUERY_FAILED, EXIT_USAGE = 0, 1, 2
_BATCH_ROWS = 50_000
_READING_STATEMENTS = {
    duckdb.StatementType.SELECT,
    duckdb.StatementType.EXPLAIN,
    duckdb.StatementType.PRAGMA,
    duckdb.StatementType.CALL,
    duckdb.StatementType.SET,
    duckdb.StatementType.VARIABLE_SET,
}  # not COPY: it can load into tables too; --out FILE writes a result instead
_HISTORY_FILE = Path.home() / ".presswatch_sql_history"


def refused_statements(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """The statements of a query that would change something (by DuckDB's own parse)."""
    return [
        stmt.type.name
        for stmt in con.extract_statements(query)
        if stmt.type not in _READING_STATEMENTS
    ]


def run_query(
    db_path: Path | str,
    query: str,
    fmt: str = "table",
    out: Path | str | None = None,
    *,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    max_table_rows: int = 200,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    live: bool = False,
) -> int:
    """Run a read-only query and print or write its result; returns the process exit code.

    db_path names the warehouse; its published snapshot is read when there is one (so the
    query never holds up the daily run), the file itself when there is none or live is set.

    0 on success, 1 when the query fails or is refused (DuckDB's message is printed), 2 on bad
    usage (unknown format, Parquet without --out, a warehouse that cannot be opened). Several
    statements may be given; each runs, and the last one's result is shown.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if fmt not in FORMATS:
        print(f"error: unknown format {fmt!r}; use one of {', '.join(FORMATS)}", file=stderr)
        return EXIT_USAGE
    if fmt == "parquet" and out is None:
        print("error: --format parquet writes a file; give --out FILE", file=stderr)
        return EXIT_USAGE
    path = Path(db_path) if live else default_read_path(db_path)
    try:
        warehouse = open_warehouse(path, read_only=True, lock_timeout_s=lock_timeout_s)
    except WarehouseLocked as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_QUERY_FAILED
    except WarehouseError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_USAGE
    with warehouse:
        con = warehouse.connection
        try:
            refused = refused_statements(con, query)
            if refused:
                raise QueryRefused(
                    warehouse.path,
                    f"presswatch sql only reads: {', '.join(refused)} statements are refused "
                    "(the warehouse is changed only by `presswatch run`). Use SELECT, and "
                    "--out FILE to save a result.",
                )
            statements = con.extract_statements(query)
            if not statements:
                print("error: the query is empty", file=stderr)
                return EXIT_USAGE
            for statement in statements[:-1]:
                con.execute(statement).fetchall()
            relation = con.sql(statements[-1].query)
            if relation is None:  # a statement without a result (SET)
                return EXIT_OK
            reader = relation.to_arrow_reader(_BATCH_ROWS)
            _write(reader, fmt, out, stdout, max_table_rows)
        except QueryRefused as exc:
            print(f"error: {exc}", file=stderr)
            return EXIT_QUERY_FAILED
        except duckdb.Error as exc:
            message = str(exc)
            if "read-only mode" in message:
                message += " (presswatch sql only reads; `presswatch run` changes the warehouse)"
            print(f"error: {message}", file=stderr)
            return EXIT_QUERY_FAILED
    return EXIT_OK


def _write(
    reader: pa.RecordBatchReader, fmt: str, out: Path | str | None, stdout: IO[str],
    max_table_rows: int,
) -> None:
    if fmt == "parquet":
        with pq.ParquetWriter(str(out), reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
        return
    if out is not None:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            _write_text(reader, fmt, handle, max_table_rows)
    else:
        _write_text(reader, fmt, stdout, max_table_rows)


def _write_text(
    reader: pa.RecordBatchReader, fmt: str, sink: IO[str], max_table_rows: int
) -> None:
    if fmt == "csv":
        _write_csv(reader, sink)
    elif fmt == "json":
        for batch in reader:
            for row in batch.to_pylist():
                sink.write(json.dumps(row, default=_json_value, ensure_ascii=False) + "\n")
    else:
        _write_table(reader, sink, max_table_rows)


def _write_csv(reader: pa.RecordBatchReader, sink: IO[str]) -> None:
    """CSV with a header; lists and structs become JSON text, the only faithful flat form."""
    header_written = False
    for batch in reader:
        flat = _flatten_nested(batch)
        buffer = pa.BufferOutputStream()
        pa_csv.write_csv(
            flat, buffer, pa_csv.WriteOptions(include_header=not header_written)
        )
        sink.write(buffer.getvalue().to_pybytes().decode("utf-8"))
        header_written = True
    if not header_written:
        sink.write(",".join(f'"{name}"' for name in reader.schema.names) + "\n")


def _flatten_nested(batch: pa.RecordBatch) -> pa.RecordBatch:
    columns = []
    for column in batch.columns:
        if pa.types.is_nested(column.type) or pa.types.is_binary(column.type):
            column = pa.array(
                [None if v is None else json.dumps(v, default=_json_value, ensure_ascii=False)
                 for v in column.to_pylist()],
                type=pa.string(),
            )
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _write_table(reader: pa.RecordBatchReader, sink: IO[str], max_rows: int) -> None:
    """The first max_rows rows as a table, then how many more there are (counted, not held)."""
    # A pipe or a file gets full-width lines; a terminal gets its own width, columns clipped.
    console = Console(file=sink, width=None if sink.isatty() else 10_000, soft_wrap=False)
    table = Table()
    for name in reader.schema.names:
        table.add_column(
            name, no_wrap=True, overflow="ellipsis", max_width=60, min_width=min(len(name), 8)
        )
    shown = total = 0
    for batch in reader:
        total += batch.num_rows
        if shown >= max_rows:
            continue
        for row in batch.slice(0, max_rows - shown).to_pylist():
            table.add_row(*(_cell(v) for v in row.values()))
            shown += 1
    console.print(table)
    more = total - shown
    note = f"{total} row{'s' if total != 1 else ''}"
    if more:
        note += f", first {shown} shown; use --format csv or --out FILE for all of them"
    console.print(note, style="dim", highlight=False)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = " ".join(str(value).split())  # one line per row, whatever the text holds
    return text if len(text) <= 200 else text[:199] + "…"


def _lines(read_line: Callable[[str], str]) -> Iterator[str]:
    """Statements typed at the prompt: lines gathered until one ends with ';' or a dot-command."""
    pending: list[str] = []
    while True:
        try:
            line = read_line("sql> " if not pending else "...> ")
        except EOFError:
            if pending:
                yield "\n".join(pending)
            return
        stripped = line.strip()
        if not pending and stripped.startswith("."):
            yield stripped
            continue
        if stripped:
            pending.append(line)
        if stripped.endswith(";"):
            yield "\n".join(pending)
            pending = []


def interactive(
    db_path: Path | str,
    *,
    read_line: Callable[[str], str] | None = None,
    stdout: IO[str] | None = None,
    history_path: Path | None = None,
    live: bool = False,
) -> int:
    """A prompt with history (readline); each query opens and closes its own read-only session.

    Not holding the file between queries means an analyst left at the prompt on the main file
    never keeps the daily run waiting. `.tables` lists tables and views, `.quit` leaves.
    """
    stdout = stdout or sys.stdout
    if read_line is None:
        read_line = input
        _enable_history(history_path or _HISTORY_FILE)
    path = Path(db_path) if live else default_read_path(db_path)
    print(f"presswatch sql on {path} (read-only). End statements with ';', .quit to leave.",
          file=stdout)
    for text in _lines(read_line):
        if text in (".quit", ".exit"):
            break
        if text == ".tables":
            text = ("select table_name as name, table_type as type, "
                    "coalesce(table_comment, '') as description from information_schema.tables "
                    "order by table_type, table_name;")
        elif text.startswith("."):
            print("commands: .tables, .quit", file=stdout)
            continue
        run_query(path, text, stdout=stdout, stderr=stdout, live=True)
    return EXIT_OK


def _enable_history(path: Path) -> None:
    """Line editing and a history kept across sessions (readline, from the standard library)."""
    if path.exists():
        readline.read_history_file(path)
    readline.set_history_length(1000)
    atexit.register(_save_history, path)


def _save_history(path: Path) -> None:
    try:
        readline.write_history_file(path)
    except OSError as exc:
        print(f"warning: could not save history to {path}: {exc}", file=sys.stderr)
