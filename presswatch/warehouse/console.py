"""The SQL console behind `presswatch sql`: read-only queries, streamed to a table or a file.

A query runs on a read-only connection to the warehouse (by default the published snapshot, see
store.default_read_path), closed to every other file, capped in memory and threads, its settings
locked, and only statements that read are let through (sandbox.py), so an analyst's query can
never change the warehouse, read or write another file, or starve the daily run. Results are
streamed as Arrow record batches: a million-row result is written to CSV, JSON lines or Parquet
without being held in memory, and the table view shows the first rows and counts the rest.
"""

from __future__ import annotations

import atexit
import json
import readline
import sys
import threading
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
from presswatch.warehouse.sandbox import SessionLimits, guard_connection, refused_statements
from presswatch.warehouse.store import DEFAULT_LOCK_TIMEOUT_S, default_read_path, open_warehouse

# The CLI's entry points.
__all__ = ["FORMATS", "QueryCancelled", "format_for", "interactive", "run_query"]

FORMATS = ("table", "csv", "json", "parquet")
EXIT_OK, EXIT_QUERY_FAILED, EXIT_USAGE = 0, 1, 2
_BATCH_ROWS = 50_000
_HISTORY_FILE = Path.home() / ".presswatch_sql_history"


FORMAT_OF_EXTENSION = {
    ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".parquet": "parquet", ".pq": "parquet", ".txt": "table",
}
_RESULT_STATEMENTS = {
    duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.CALL,
    duckdb.StatementType.PRAGMA,
}


class QueryCancelled(Exception):
    """Ctrl-C while a query ran: DuckDB stopped it; the prompt goes on."""


def format_for(fmt: str | None, out: Path | str | None) -> str:
    """The output format: the one asked for, else the --out file's extension, else a table.

    Raises ValueError with what to do when --out names a file whose extension says nothing.
    """
    if fmt is not None:
        return fmt
    if out is None:
        return "table"
    suffix = Path(out).suffix.lower()
    if suffix not in FORMAT_OF_EXTENSION:
        known = ", ".join(sorted(FORMAT_OF_EXTENSION))
        raise ValueError(
            f"cannot tell the format of {str(out)!r} from its extension ({suffix or 'none'}); "
            f"name it with one of {known}, or give --format"
        )
    return FORMAT_OF_EXTENSION[suffix]


def run_query(
    db_path: Path | str,
    query: str,
    fmt: str | None = None,
    out: Path | str | None = None,
    *,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    max_table_rows: int = 200,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    live: bool = False,
    limits: SessionLimits | None = None,
) -> int:
    """Run a read-only query and print or write its result; returns the process exit code.

    db_path names the warehouse; its published snapshot is read when there is one (so the
    query never holds up the daily run), the file itself when there is none or live is set.
    fmt None takes the format from out's extension (.csv, .json/.jsonl, .parquet), a table
    without out.

    0 on success, 1 when the query fails (DuckDB's message is printed), 2 on bad usage (a write
    refused, an unknown format, Parquet without --out, several results for one --out file, a
    warehouse that cannot be opened). Several statements may be given; each runs in order and
    each result is printed. Ctrl-C stops a running query (QueryCancelled is raised).
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        fmt = format_for(fmt, out)
    except ValueError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_USAGE
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
            guard_connection(con, limits or SessionLimits())
            refused = refused_statements(con, query)
            if refused:
                raise QueryRefused(
                    warehouse.path,
                    f"presswatch sql only reads: {'; '.join(refused)} refused (the warehouse "
                    "is changed only by `presswatch run`, and a session reads no other file). "
                    "Use SELECT, and --out FILE to save a result.",
                )
            statements = con.extract_statements(query)
            if not statements:
                print("error: the query is empty", file=stderr)
                return EXIT_USAGE
            n_results = sum(s.type in _RESULT_STATEMENTS for s in statements)
            if out is not None and n_results > 1:
                print(f"error: --out {out} holds one result and the query has {n_results} "
                      "statements that give one; run them one at a time", file=stderr)
                return EXIT_USAGE

            def show_each_result(stop: threading.Event) -> None:
                first = True
                for statement in statements:
                    relation = con.sql(statement.query)
                    if relation is None:  # a statement without a result (SET)
                        continue
                    if not first and out is None and fmt != "json":
                        stdout.write("\n")  # JSON lines stay one stream; tables, CSVs apart
                    reader = _stoppable(relation.to_arrow_reader(_BATCH_ROWS), stop)
                    _write(reader, fmt, out, stdout, max_table_rows)
                    first = False

            _interruptible(con, show_each_result)
        except QueryRefused as exc:
            print(f"error: {exc}", file=stderr)
            return EXIT_USAGE
        except duckdb.Error as exc:
            message = str(exc)
            if "read-only mode" in message:
                message += " (presswatch sql only reads; `presswatch run` changes the warehouse)"
            print(f"error: {message}", file=stderr)
            return EXIT_QUERY_FAILED
    return EXIT_OK


def _interruptible(con: duckdb.DuckDBPyConnection,
                   work: Callable[[threading.Event], None]) -> None:
    """Run work in a thread so that Ctrl-C in the main thread can stop DuckDB mid-query.

    DuckDB runs a query without giving Python a chance to handle SIGINT, so a Ctrl-C would wait
    for the query to end. Here the main thread only waits; on KeyboardInterrupt it interrupts
    the connection (and stops the writing between batches) and raises QueryCancelled.
    """
    stop, done = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work(stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread below
            failure.append(exc)
        finally:
            done.set()

    # Waiting on an Event, not Thread.join: a join cut short by KeyboardInterrupt can return
    # early the next time, and the connection would be closed under the running query.
    threading.Thread(target=target, name="presswatch-sql", daemon=True).start()
    try:
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        stop.set()
        con.interrupt()
        while not done.wait(0.1):
            pass
        raise QueryCancelled() from None
    if failure:
        raise failure[0]


def _stoppable(reader: pa.RecordBatchReader, stop: threading.Event) -> pa.RecordBatchReader:
    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            if stop.is_set():
                return
            yield batch

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


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


PROMPT_HELP = """\
At this prompt:
  SQL ending with ';'     runs it (several lines allowed; several statements, each result shown)
  .tables                 tables and views, with what each holds
  .columns NAME           the columns of a table or view, their types and meaning
  .help                   this list
  .quit  .exit  Ctrl-D    leave
  Ctrl-C                  cancel the line being typed, or stop the running query
  Up/Down, Ctrl-R         history (kept in ~/.presswatch_sql_history)
Only reads are allowed. Start with `select * from data_dictionary;` or the views
(daily_coverage, speaker_statements, statement_timeline, latest_run, ...).
To save a result: presswatch sql "QUERY" --out FILE.csv|.json|.parquet"""

_TABLES_QUERY = (
    "select table_name as name, table_type as type, coalesce(table_comment, '') as description "
    "from information_schema.tables order by table_type, table_name;"
)


def _columns_query(name: str) -> str:
    """`.columns NAME`: the name is typed by the analyst at their own read-only prompt."""
    literal = "'" + name.replace("'", "''") + "'"
    return (
        "select column_name as name, data_type as type, "
        "coalesce(comment, '') as description from duckdb_columns() "
        f"where table_name = {literal} order by column_index;"
    )


class _Cancelled(str):
    """What _lines yields for Ctrl-C at the prompt: the line typed so far is dropped."""


def _lines(read_line: Callable[[str], str]) -> Iterator[str]:
    """Statements typed at the prompt: lines gathered until one ends with ';' or a dot-command.

    Ctrl-C drops the statement being typed and gives a fresh prompt (yielded as _Cancelled).
    """
    pending: list[str] = []
    while True:
        try:
            line = read_line("sql> " if not pending else "...> ")
        except EOFError:
            if pending:
                yield "\n".join(pending)
            return
        except KeyboardInterrupt:
            pending = []
            yield _Cancelled()
            continue
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
    never keeps the daily run waiting. `.help` lists what the prompt does; Ctrl-C cancels the
    line being typed or the running query, and the prompt goes on.
    """
    stdout = stdout or sys.stdout
    if read_line is None:
        read_line = input
        _enable_history(history_path or _HISTORY_FILE)
    path = Path(db_path) if live else default_read_path(db_path)
    print(f"presswatch sql on {path} (read-only). End statements with ';', .help for help, "
          ".quit to leave.", file=stdout)
    for text in _lines(read_line):
        if isinstance(text, _Cancelled):
            print("^C (line cancelled)", file=stdout)
            continue
        if text in (".quit", ".exit"):
            break
        if text in (".help", ".h", ".?"):
            print(PROMPT_HELP, file=stdout)
            continue
        if text == ".tables":
            text = _TABLES_QUERY
        elif text.startswith(".columns"):
            name = text.removeprefix(".columns").strip().rstrip(";").strip()
            if not name:
                print("usage: .columns NAME (see .tables)", file=stdout)
                continue
            text = _columns_query(name)
        elif text.startswith("."):
            print(f"unknown command {text.split()[0]}; .help lists what the prompt can do",
                  file=stdout)
            continue
        try:
            run_query(path, text, stdout=stdout, stderr=stdout, live=True)
        except (QueryCancelled, KeyboardInterrupt):
            print("\n^C (query cancelled)", file=stdout)
        stdout.flush()
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
