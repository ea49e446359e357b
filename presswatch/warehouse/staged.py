"""Load batches kept on disk: what a run analysed while another process held the warehouse.

A staged batch is the exact Arrow tables `Warehouse.load_batch` would have inserted (the same
fixed schemas, the same de-duplication by key), one Arrow IPC file per table in a folder of its
own. A folder is written under a temporary name, its files and the folder fsynced, then renamed
into place and its parent fsynced, so a batch on disk is whole or absent, never half-written,
after a kill or a power cut alike. A batch that reads damaged all the same (a disk error, a
hand edit) raises DamagedBatch naming it, for the caller to set aside. No duckdb here: staging
needs no warehouse open.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from presswatch.folders import disk_full, disk_full_error, sync_folder
from presswatch.warehouse.batch import LoadBatch, extra_to_arrow, to_arrow

_EXTRA_PREFIX = "extra."
_SUFFIX = ".arrow"


class DamagedBatch(ValueError):
    """A staged batch folder that does not read whole; the message names it."""

    def __init__(self, folder: Path, reason: str):
        super().__init__(f"{folder}: staged batch does not read whole ({reason})")
        self.folder = folder


@dataclass
class StagedBatch:
    """A load batch as its Arrow tables: the batch parts, and the rows of later tables."""

    tables: dict[str, pa.Table]
    extras: dict[str, pa.Table]


def stage_batch(batch: LoadBatch) -> StagedBatch:
    """The tables a load of this batch inserts (raises BatchError, like a load, on bad rows)."""
    extras = {name: extra_to_arrow(name, rows) for name, rows in batch.extra.items() if rows}
    return StagedBatch(to_arrow(batch), extras)


def _write_table(path: Path, table: pa.Table) -> None:
    with open(path, "wb") as sink:
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        sink.flush()
        os.fsync(sink.fileno())


def _read_table(path: Path) -> pa.Table:
    try:
        with pa.memory_map(str(path), "r") as source:
            table = pa.ipc.open_file(source).read_all()
        table.validate()
    except (OSError, pa.ArrowException) as exc:
        raise DamagedBatch(path.parent, f"{path.name}: {exc}") from exc
    return table


def write_staged(folder: Path, staged: StagedBatch) -> Path:
    """Write one batch into `folder` (which must not exist yet), atomically and durably;
    returns it. A full disk raises DiskFull naming the folder, the partial folder removed."""
    folder = Path(folder)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir(parents=True)
        for name, table in staged.tables.items():
            _write_table(partial / f"{name}{_SUFFIX}", table)
        for name, table in staged.extras.items():
            _write_table(partial / f"{_EXTRA_PREFIX}{name}{_SUFFIX}", table)
        sync_folder(partial)
        os.replace(partial, folder)
        sync_folder(folder.parent)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if disk_full(exc):
            raise disk_full_error(exc, folder) from exc
        raise
    return folder


def read_staged(folder: Path) -> StagedBatch:
    """One staged batch; DamagedBatch (naming the folder) when a table does not read whole."""
    tables, extras = {}, {}
    for path in sorted(Path(folder).glob(f"*{_SUFFIX}")):
        name = path.name.removesuffix(_SUFFIX)
        if name.startswith(_EXTRA_PREFIX):
            extras[name.removeprefix(_EXTRA_PREFIX)] = _read_table(path)
        else:
            tables[name] = _read_table(path)
    # A batch staged by an older presswatch lacks the parts added since: they are empty.
    return StagedBatch({**to_arrow(LoadBatch()), **tables}, extras)


def staged_folders(root: Path) -> list[Path]:
    """The whole batches under root, in the order they were written (partial ones skipped)."""
    if not Path(root).is_dir():
        return []
    return sorted(p for p in Path(root).iterdir() if p.is_dir() and "." not in p.name)


def read_all_staged(root: Path) -> Iterator[StagedBatch]:
    for folder in staged_folders(root):
        yield read_staged(folder)


def staged_column(root: Path, table: str, column: str) -> set:
    """Distinct values of one column of one table across the batches under root."""
    values: set = set()
    for folder in staged_folders(root):
        path = folder / f"{table}{_SUFFIX}"
        if path.exists():
            values.update(v for v in _read_table(path).column(column).to_pylist() if v)
    return values
