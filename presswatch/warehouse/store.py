"""The DuckDB warehouse: open (and migrate) a file, read the state a run needs, load batches.

DuckDB lets one process hold a file for writing and, while it does, no other process may open
it at all. So the daily run holds the main file only for short transactions (waiting with
bounded, logged retries when an analyst's session holds it), and after each run it publishes a
read-only copy, the snapshot, that analysts open instead; see presswatch/warehouse/README.md.

A file that is not ours (damaged, another format, another program's DuckDB database, or one from
a newer presswatch) is inspected read-only, refused with a named error and never modified.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from presswatch.folders import disk_full
from presswatch.records import Article, Statement
from presswatch.warehouse.batch import LoadBatch, extra_to_arrow, to_arrow
from presswatch.warehouse.beside import SNAPSHOT_SUFFIX, snapshot_path
from presswatch.warehouse.errors import (
    DEFAULT_LOCK_TIMEOUT_S,
    CheckFailure,
    ChecksFailed,
    LoadError,
    MigrationError,
    WarehouseCorrupt,
    WarehouseError,
    WarehouseForeign,
    WarehouseLocked,
    WarehouseLost,
    WarehouseMissing,
    WarehouseOfAnotherStory,
    WarehouseTooNew,
    WarehouseUnwritable,
)
from presswatch.warehouse.sql_files import sql_text
from presswatch.warehouse.staged import StagedBatch
from presswatch.warehouse.transaction import transaction

log = logging.getLogger(__name__)

_HERE = Path(__file__).parent
MIGRATIONS_DIR = _HERE / "migrations"
VIEWS_DIR = _HERE / "views"
CHECKS_DIR = _HERE / "checks"
_SQL_DIR = _HERE / "sql"

# Never reach for the network: a foreign file (SQLite, say) must fail fast, not try a download.
_DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_CHECK_ROWS_KEPT = 20
# DuckDB's memory while publishing (indexing, checks, snapshot): it keeps what it read cached up
# to its limit (80 % of the machine's memory by default), so checking a day of 10,000 articles
# held 250 MB more than it needed; past this it evicts, and spills to <file>.tmp what needs more.
PUBLISH_MEMORY = "256MB"
# Articles indexed for search at a time (index_articles): their words are a few hundred
# thousand rows, some tens of MB, however many articles the run added.
INDEX_CHUNK = 1000


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()[:16]


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every NNN_name.sql in the directory, in order; others' migrations are picked up alike."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise MigrationError(path, "migration files are named NNN_lowercase_name.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(path, f"two migrations carry number {version:03d}; renumber one")
        found[version] = Migration(version, match.group(2), path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def default_read_path(db_path: Path | str) -> Path:
    """What analysts' tools open: the snapshot when one was published, else the file itself."""
    path = Path(db_path)
    if path.name.endswith(SNAPSHOT_SUFFIX):
        return path
    snapshot = snapshot_path(path)
    return snapshot if snapshot.exists() else path


def _is_lock_error(exc: duckdb.Error) -> bool:
    message = str(exc)
    return "Could not set lock" in message or "Conflicting lock" in message


def connect(
    path: Path,
    *,
    read_only: bool,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    deadline: float | None = None,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection, waiting with growing, logged pauses while another process holds it
    (lock_timeout_s from now, or until a time.monotonic() deadline an earlier wait began).
    threads: DuckDB's worker threads (default: one per core).

    Errors other than the lock are mapped to named errors; the file is not touched by a failure.
    """
    if deadline is None:
        deadline = time.monotonic() + lock_timeout_s
    pause = 0.05
    config = _DUCKDB_CONFIG if threads is None else {**_DUCKDB_CONFIG, "threads": threads}
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
            con.execute("set TimeZone = 'UTC'")
            return con
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise _open_error(path, exc, read_only) from exc
            left = deadline - time.monotonic()
            if left <= 0:
                raise WarehouseLocked(
                    path,
                    f"another process held the file for more than {lock_timeout_s:.0f} s "
                    f"({_lock_holder(exc)}); nothing was written. Close DuckDB sessions on this "
                    f"file (analysts should open {snapshot_path(path).name}), then run again.",
                ) from exc
            pause = min(pause * 2, 2.0, left)
            log.warning(
                "warehouse %s is locked by %s; retrying in %.1f s (%.0f s left)",
                path, _lock_holder(exc), pause, left,
            )
            time.sleep(pause)


def _lock_holder(exc: duckdb.Error) -> str:
    """Who holds the file, as DuckDB says: "PID 4242 (/usr/bin/python3.11)"."""
    match = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", str(exc))
    if match:
        return f"PID {match.group(2)} ({match.group(1).strip()})"
    match = re.search(r"Conflicting lock is held in (\S+)", str(exc))
    return match.group(1) if match else "another process"


def _open_error(path: Path, exc: duckdb.Error, read_only: bool) -> WarehouseError:
    message = str(exc)
    if read_only and not path.exists():
        return WarehouseMissing(path, "no warehouse here; run `presswatch run` to create one")
    if isinstance(exc, duckdb.ConnectionException):
        return WarehouseError(
            path, f"already open in this process with other settings ({message}); close it first"
        )
    if "Read-only file system" in message or not os.access(path.parent, os.W_OK) and \
            not read_only:
        return WarehouseUnwritable(
            path, f"the file or its folder cannot be written ({message}); it was not changed. "
            "Mount the filesystem read-write or point --db at a writable place; to only read "
            "it, use presswatch sql or report."
        )
    if not path.exists():
        return WarehouseUnwritable(
            path, f"cannot create a warehouse here ({message}); choose a writable path"
        )
    if path.stat().st_size == 0:
        restore = (f"copy {snapshot_path(path).name} over it to go on from the last snapshot"
                   if snapshot_path(path).exists() else "delete it to start a new warehouse there")
        return WarehouseCorrupt(
            path, f"the file is empty, not a DuckDB database. It was left untouched; {restore}, "
            "or point --db at another file."
        )
    return WarehouseCorrupt(
        path,
        f"not a readable DuckDB database ({message}). It was left untouched; restore it from "
        "a backup or the snapshot, or point --db at another file.",
    )


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
    }


def views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The warehouse's own views (presswatch/warehouse/views/), in name order."""
    rows = con.execute(
        "select view_name from duckdb_views() where database_name = current_database() "
        "and schema_name = 'main' and not internal and not temporary order by view_name"
    ).fetchall()
    return [name for (name,) in rows]


def _inspect(con: duckdb.DuckDBPyConnection, path: Path, known: list[Migration]) -> set[int]:
    """Versions applied to an existing file; refuses files that are not ours or are newer."""
    tables = _tables(con)
    if not tables:
        return set()
    columns = {
        name for (name,) in con.execute(
            "select column_name from duckdb_columns() "
            "where database_name = current_database() and table_name = 'schema_version'"
        ).fetchall()
    }
    if not {"version", "name", "checksum", "applied_at"} <= columns:
        raise WarehouseForeign(
            path,
            f"a DuckDB database presswatch did not create (tables: {', '.join(sorted(tables)[:5])}"
            "...). It was left untouched; point --db at a new file.",
        )
    applied = dict(con.execute("select version, name from schema_version").fetchall())
    if applied.get(1) != known[0].name:
        raise WarehouseForeign(
            path, "its schema_version table is not presswatch's; it was left untouched"
        )
    unknown = sorted(set(applied) - {m.version for m in known})
    if unknown:
        names = ", ".join(f"{v:03d}_{applied[v]}" for v in unknown)
        raise WarehouseTooNew(
            path,
            f"written by a newer presswatch (migrations {names} are unknown here). It was left "
            "untouched; upgrade presswatch to open it.",
        )
    return set(applied)


def open_warehouse(
    path: Path | str,
    *,
    read_only: bool = False,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    migrations_dir: Path = MIGRATIONS_DIR,
    threads: int | None = None,
) -> Warehouse:
    """Open a warehouse, creating and migrating it when writable; use it as a context manager.

    An existing file is first inspected read-only: a damaged, foreign or newer file raises
    (WarehouseCorrupt, WarehouseForeign, WarehouseTooNew) before anything could write to it.
    Pending migrations are applied one transaction each and recorded in schema_version; the
    views are then re-created (also when a file has none: its first run was killed between the
    last migration and the views). A read-only open never migrates (an older file is read as is).
    lock_timeout_s bounds the whole wait for a file another process holds, then WarehouseLocked.
    threads: DuckDB's worker threads (default: one per core; a daily run's loads take one).
    """
    path = Path(path)
    known = migrations(migrations_dir)
    deadline = time.monotonic() + lock_timeout_s  # one bound for the probe and the open
    if path.exists():
        probe = connect(path, read_only=True, lock_timeout_s=lock_timeout_s, deadline=deadline,
                        threads=threads)
        try:
            _inspect(probe, path, known)
        except BaseException:
            probe.close()
            raise
        if read_only:
            return Warehouse(path, probe, read_only=True)
        probe.close()
    elif read_only:
        raise WarehouseMissing(path, "no warehouse here; run `presswatch run` to create one")
    else:
        refuse_to_start_over(path)
    con = connect(path, read_only=False, lock_timeout_s=lock_timeout_s, deadline=deadline,
                  threads=threads)
    warehouse = Warehouse(path, con, read_only=False)
    try:
        applied = _inspect(con, path, known)
        pending = [m for m in known if m.version not in applied]
        for migration in pending:
            warehouse._apply(migration)
        if pending or not views(con):  # (a run killed between the last migration and them)
            warehouse.refresh_views()
    except BaseException:
        con.close()
        raise
    return warehouse


def refuse_to_start_over(path: Path) -> None:
    """A missing warehouse beside its snapshot was lost, not never made: starting a new one
    would re-send every "now following" alert and overwrite the snapshot, the last copy."""
    snapshot = snapshot_path(path)
    if not snapshot.exists():
        return
    published = datetime.fromtimestamp(snapshot.stat().st_mtime, UTC)
    raise WarehouseLost(
        path,
        f"the warehouse is missing, but its snapshot {snapshot.name} (published "
        f"{published:%Y-%m-%d %H:%M} UTC) is here; nothing was written. To go on from the "
        f"snapshot: cp {snapshot} {path}. To start over: move {snapshot.name} elsewhere first.",
    )


@dataclass(frozen=True)
class FeedState:
    """What the warehouse remembers of a feed or sitemap for the next conditional GET."""

    source_url: str
    etag: str | None
    last_modified: str | None
    last_error: str | None
    last_checked_at: datetime | None


@dataclass
class WarehouseState:
    """What a run reads before it starts: one short read, then the file is released."""

    schema_version: int
    feeds: dict[str, FeedState]
    stored_urls: set[str]
    statements: list[Statement]
    pending_articles: list[Article]


@dataclass(frozen=True)
class LoadSummary:
    """What a load added that was not there before (for the run's counts and alerts)."""

    articles_added: int
    quotes_added: int
    statements_added: int


def article_of_row(r: tuple) -> Article:
    """An Article from the columns article_id, url, canonical_url, outlet, title, authors,
    published_at, language, text, word_count, fetched_at, source_url, site_name (in order)."""
    return Article(
        article_id=r[0], url=r[1], canonical_url=r[2], outlet=r[3], title=r[4],
        authors=list(r[5] or []), published_at=r[6], language=r[7], text=r[8],
        word_count=r[9], fetched_at=r[10], source_url=r[11], site_name=r[12],
    )


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The first row of a query, with the result consumed (DuckDB 2 refuses other work on a
    connection that holds an unfinished result)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _sql(name: str) -> str:
    return sql_text(f"sql/{name}")


def _sql_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.sql"))


# Steps that only rewrite articles stored by an earlier batch (see sql/earlier_articles.sql).
_EARLIER_ARTICLES_ONLY = {"04_replaced_analysis.sql", "06_article_updates.sql"}


def _load_steps() -> list[tuple[str, str, set[str]]]:
    """The load's SQL files in order, each with the batch parts it reads: a step whose parts
    are all empty is skipped (a dozen no-op statements per batch cost more than the data)."""
    steps = []
    for path in _sql_files(_SQL_DIR / "load"):
        sql = path.read_text(encoding="utf-8")
        steps.append((path.name, sql, set(re.findall(r"\bbatch_(\w+)", sql))))
    return steps


class Warehouse:
    """An open warehouse file. Hold it briefly: while open for writing, nobody else can open it."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, *, read_only: bool) -> None:
        self.path = path
        self.read_only = read_only
        self._con = con

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for the warehouse's own modules (console, export, alerts)."""
        return self._con

    # -- schema ---------------------------------------------------------------------------

    def _apply(self, migration: Migration) -> None:
        log.info("applying migration %03d_%s to %s", migration.version, migration.name, self.path)
        what = f"migration {migration.version:03d}_{migration.name}"
        with transaction(self._con, self.path, what, error=MigrationError) as con:
            if migration.version == 1:
                con.execute(_sql("schema_version.sql"))
            con.execute(migration.sql)
            con.execute(
                "insert into schema_version (version, name, checksum, applied_at) "
                "values (?, ?, ?, ?)",
                [migration.version, migration.name, migration.checksum, datetime.now(UTC)],
            )

    def schema_version(self) -> int:
        (version,) = _one(self._con, "select max(version) from schema_version")
        return int(version)

    def refresh_views(self) -> None:
        """Re-create every view and macro from presswatch/warehouse/views/*.sql, in one
        transaction."""
        with self._writing("re-creating views") as con:
            for path in _sql_files(VIEWS_DIR):
                con.execute(path.read_text(encoding="utf-8"))

    # -- reads ----------------------------------------------------------------------------

    def read_state(self) -> WarehouseState:
        """Everything a run needs to start: feed state, stored URLs, statements, unfinished work."""
        return WarehouseState(
            schema_version=self.schema_version(),
            feeds=self.feed_state(),
            stored_urls=self.stored_urls(),
            statements=self.statements(),
            pending_articles=self.pending_articles(),
        )

    def story_ids(self) -> list[str]:
        """The stories this warehouse has runs of, the first one first."""
        return [row[0] for row in self._con.execute(_sql("story_ids.sql")).fetchall()]

    def require_story(self, story_id: str) -> None:
        """Raise WarehouseOfAnotherStory unless the warehouse is new or holds this story."""
        if not _tables(self._con):  # made, not migrated yet: a first run died creating it
            return
        held = [s for s in self.story_ids() if s != story_id]
        if held:
            raise WarehouseOfAnotherStory(self.path, held[0], story_id)

    def feed_state(self) -> dict[str, FeedState]:
        rows = self._con.execute(
            "select url, etag, last_modified, last_error, last_checked_at from sources"
        ).fetchall()
        return {row[0]: FeedState(*row) for row in rows}

    def stored_urls(self) -> set[str]:
        """URLs of stored articles and of links that led to them: never fetched again."""
        rows = self._con.execute(_sql("stored_urls.sql")).fetchall()
        return {url for (url,) in rows}

    def statements(self) -> list[Statement]:
        rows = self._con.execute(
            "select statement_id, speaker, speaker_role, organisation, text, first_seen_at, "
            "first_article_id, part_of from statements order by first_seen_at, statement_id"
        ).fetchall()
        return [Statement(*row) for row in rows]

    def pending_articles(self) -> list[Article]:
        """Articles stored but not analysed yet (a crashed or failed run's work), oldest first."""
        rows = self._con.execute(
            "select article_id, url, canonical_url, outlet, title, authors, published_at, "
            "language, text, word_count, fetched_at, source_url, site_name from articles "
            "where nlp_status is null order by first_seen_at, article_id"
        ).fetchall()
        return [article_of_row(r) for r in rows]

    def fingerprint(self) -> str | None:
        """A short digest of what a run's analysis reads (sql/fingerprint.sql): equal digests
        mean nobody wrote those tables in between. None for a file too old to say."""
        try:
            row = _one(self._con, _sql("fingerprint.sql"))
        except duckdb.Error:
            return None
        return hashlib.sha256(repr(row).encode("utf-8")).hexdigest()[:16]

    def has_run(self, run_id: str) -> bool:
        return _one(self._con, "select 1 from runs where run_id = ?", [run_id]) is not None

    # -- writes ---------------------------------------------------------------------------

    def _require_writable(self, what: str) -> None:
        if self.read_only:
            raise LoadError(self.path, f"{what} needs the warehouse opened for writing")

    def _writing(self, what: str) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """One transaction on this warehouse, opened for writing (see transaction.py)."""
        self._require_writable(what)
        return transaction(self._con, self.path, what)

    def load_batch(self, batch: LoadBatch) -> LoadSummary:
        """Write a batch in one short transaction: all of it lands, or none of it.

        Idempotent by key, so loading the same batch again (a re-run after a crash) adds
        nothing; see presswatch/warehouse/sql/load/ for what each part does on a repeated key.
        """
        if batch.is_empty():
            return LoadSummary(articles_added=0, quotes_added=0, statements_added=0)
        tables = to_arrow(batch)
        extras = {name: extra_to_arrow(name, rows) for name, rows in batch.extra.items() if rows}
        with self._writing(f"loading batch of run {batch.run_id}"):
            return self._load(tables, extras)

    def load_staged(
        self,
        run_id: str,
        batches: Iterable[StagedBatch],
        finish: Callable[[LoadSummary], StagedBatch],
    ) -> LoadSummary:
        """Load a staged run in one transaction: its batches, then what `finish` makes of their
        summed counts (its runs row and sources). All of it lands, or none of it."""
        with self._writing(f"loading the staged work of run {run_id}"):
            total = LoadSummary(articles_added=0, quotes_added=0, statements_added=0)
            for staged in batches:
                added = self._load(staged.tables, staged.extras)
                total = LoadSummary(
                    articles_added=total.articles_added + added.articles_added,
                    quotes_added=total.quotes_added + added.quotes_added,
                    statements_added=total.statements_added + added.statements_added,
                )
            last = finish(total)
            self._load(last.tables, last.extras)
            return total

    def _load(self, tables: dict[str, pa.Table], extras: dict[str, pa.Table]) -> LoadSummary:
        con = self._con
        for name, table in tables.items():
            con.register(f"batch_{name}", table)
        try:
            (articles_added,) = _one(
                con, "select count(*) from batch_articles anti join articles using (article_id)"
            )
            (statements_added,) = _one(
                con,
                "select count(*) from batch_statements anti join statements using (statement_id)",
            )
            (quotes_before,) = _one(con, "select count(*) from quotes")
            (n_earlier,) = _one(con, _sql("earlier_articles.sql"))
            for name, sql, parts in _load_steps():
                if name in _EARLIER_ARTICLES_ONLY and not n_earlier:
                    continue
                if not parts or any(tables[part].num_rows for part in parts):
                    con.execute(sql)
            for name, table in extras.items():
                self._upsert_extra(name, table)
            (quotes_after,) = _one(con, "select count(*) from quotes")
        finally:
            for name in tables:
                con.unregister(f"batch_{name}")
        return LoadSummary(
            articles_added=articles_added,
            quotes_added=max(0, quotes_after - quotes_before),
            statements_added=statements_added,
        )

    def _upsert_extra(self, table: str, rows: pa.Table) -> None:
        """Upsert rows into a table added by a later migration, last row per key winning."""
        con = self._con
        key = _one(
            con,
            "select constraint_column_names from duckdb_constraints() "
            "where database_name = current_database() and table_name = ? "
            "and constraint_type = 'PRIMARY KEY'",
            [table],
        )
        if key is None:
            raise LoadError(
                self.path, f"LoadBatch.extra names {table!r}, which has no primary key or does "
                "not exist; add it in a migration with a primary key"
            )
        quoted = '"' + table.replace('"', '""') + '"'
        partition = ", ".join('"' + c.replace('"', '""') + '"' for c in key[0])
        con.register("batch_extra", rows)
        try:
            # Identifiers come from the catalog, never from page text; values stay in Arrow.
            con.execute(
                f"insert or replace into {quoted} by name "
                f"select * exclude (batch_row) from ("
                f"select *, row_number() over () as batch_row from batch_extra) "
                f"qualify row_number() over (partition by {partition} order by batch_row desc) = 1"
            )
        finally:
            con.unregister("batch_extra")

    def close_unfinished_runs(self, current_run_id: str) -> int:
        """Mark runs left 'running' by a process that died as failed; returns how many."""
        with self._writing("closing unfinished runs") as con:
            con.execute(_sql("close_unfinished_runs.sql"), [current_run_id])
            (n,) = _one(con, "select count(*) from runs where message like ?",
                        [f"%completed by run {current_run_id}"])
            return int(n)

    def record_stopped_run(self, run_id: str, message: str) -> None:
        """A run stopped by an error: its row says failed, and why, at once (not 'running'
        until the next run closes it)."""
        with self._writing("recording a stopped run") as con:
            con.execute(_sql("record_stopped_run.sql"), [run_id, message])

    def index_articles(self) -> int:
        """Add newly stored articles to the search index, INDEX_CHUNK per transaction (memory
        stays flat in the day's size; a chunk lands whole or not at all, and what did not land
        is indexed next time); returns how many were indexed."""
        indexed = 0
        while True:
            with self._writing("indexing articles for search") as con:
                con.execute(_sql("index_pending.sql"), {"chunk_size": INDEX_CHUNK})
                first_row, last_row, n = _one(
                    con, "select min(row_id), max(row_id), count(*) from pending_index")
                if n:
                    con.execute("set variable index_first_row = ?", [first_row])
                    con.execute("set variable index_last_row = ?", [last_row])
                    con.execute(_sql("index_articles.sql"))
                con.execute("drop table pending_index")
            indexed += n
            if n < INDEX_CHUNK:
                return indexed

    # -- checks and publishing ------------------------------------------------------------

    def run_checks(
        self, names: list[str] | None = None, *, run_id: str | None = None
    ) -> list[CheckFailure]:
        """Run the data checks in warehouse/checks/ (or those named); failures with their rows.

        With run_id, each check reads only what that run wrote (checks/scope/run.sql), so the
        end of a run costs what it added; without, it reads every row (checks/scope/all.sql).
        """
        self._define_check_scope(run_id)
        failures = []
        for path in _sql_files(CHECKS_DIR):
            if names is not None and path.stem not in names:
                continue
            failure = self._run_check(path)
            if failure is not None:
                failures.append(failure)
        return failures

    def _define_check_scope(self, run_id: str | None) -> None:
        """(Re)define the checked_* temp views the check files select from."""
        if run_id is None:
            self._con.execute(_check_scope_sql("all"))
            return
        self._con.execute("set variable checked_run_id = ?", [run_id])
        self._con.execute(_check_scope_sql("run"))

    def _run_check(self, path: Path) -> CheckFailure | None:
        sql = path.read_text(encoding="utf-8")
        description = _first_comment(sql) or path.stem
        body = sql.strip().rstrip(";")
        (n_rows,) = _one(self._con, f"select count(*) from ({body})")
        if n_rows == 0:
            return None
        result = self._con.execute(f"select * from ({body}) limit {_CHECK_ROWS_KEPT}")
        columns = [d[0] for d in result.description]
        return CheckFailure(path.stem, description, n_rows, columns, result.fetchall())

    def assert_checks(self, *, run_id: str | None = None) -> None:
        """Raise ChecksFailed, naming each failed check and its offending rows, if any fails
        (only the rows run_id wrote, when given; see run_checks)."""
        failures = self.run_checks(run_id=run_id)
        if failures:
            raise ChecksFailed(self.path, failures)

    def publish_snapshot(self) -> Path:
        """Publish an atomic read-only copy for analysts; their open sessions never block it.

        The file is checkpointed while this process holds it, copied beside the snapshot and
        renamed over it: a reader sees the old or the new snapshot, never a half-written one,
        and a session still open on the old one keeps reading it undisturbed.
        """
        self._require_writable("publishing a snapshot")
        self._con.execute("checkpoint")
        target = snapshot_path(self.path)
        partial = target.with_name(target.name + ".partial")
        try:
            shutil.copyfile(self.path, partial)
            with open(partial, "rb+") as handle:
                os.fsync(handle.fileno())
        except OSError as exc:
            partial.unlink(missing_ok=True)
            reason = "no space left on the device" if disk_full(exc) else str(exc)
            raise WarehouseUnwritable(
                target, f"the snapshot could not be copied ({reason}); the partial copy was "
                "removed and the old snapshot stays. The warehouse itself is complete: free "
                "space, then run again to publish."
            ) from exc
        try:
            check = duckdb.connect(str(partial), read_only=True, config=_DUCKDB_CONFIG)
            _one(check, "select max(version) from schema_version")
            check.close()
        except duckdb.Error as exc:
            partial.unlink(missing_ok=True)
            raise WarehouseCorrupt(
                partial, f"the snapshot copy does not open ({exc}); the old snapshot stays"
            ) from exc
        try:
            os.replace(partial, target)
        except OSError:  # the snapshot's place taken (a folder there): no copy left behind
            partial.unlink(missing_ok=True)
            raise
        log.info("published snapshot %s", target)
        return target

    def publish(self, *, run_id: str | None = None) -> Path:
        """End of a run: index new articles, re-create views, check, then publish the snapshot.

        With run_id only the rows that run wrote are checked (the daily run's cost then grows
        with what it added, not with the warehouse); without, every row is.
        A failed check raises ChecksFailed and publishes nothing: analysts keep the last good
        snapshot while the offending rows are looked at.
        """
        self._con.execute("set memory_limit = ?", [PUBLISH_MEMORY])
        try:
            self.index_articles()
            self.refresh_views()
            self.assert_checks(run_id=run_id)
            return self.publish_snapshot()
        finally:
            with suppress(duckdb.Error):  # a connection a failure left unusable keeps no limit
                self._con.execute("reset memory_limit")

    def tables(self) -> list[str]:
        """Base tables of the warehouse, in name order."""
        rows = self._con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'main' and not temporary order by table_name"
        ).fetchall()
        return [name for (name,) in rows]


def _check_scope_sql(scope: str) -> str:
    return sql_text(f"checks/scope/{scope}.sql")


def _first_comment(sql: str) -> str | None:
    lines = [line.removeprefix("--").strip() for line in sql.splitlines() if line.startswith("--")]
    return " ".join(lines) if lines else None
