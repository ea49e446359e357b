"""Named errors of the warehouse: each says which file, what is wrong and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class WarehouseError(Exception):
    """Base of every warehouse error; the file named in it was left as it was."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


class WarehouseMissing(WarehouseError):
    """A warehouse file opened for reading does not exist."""


class WarehouseLost(WarehouseError):
    """The warehouse file is gone but its published snapshot is not: a run refuses to start
    a new, empty one there (that would overwrite the snapshot, the last copy of the history)."""


class WarehouseUnwritable(WarehouseError):
    """A new warehouse file cannot be created where asked (missing directory, permissions)."""


class WarehouseCorrupt(WarehouseError):
    """The file is not a readable DuckDB database (damaged, truncated or another format)."""


class WarehouseForeign(WarehouseError):
    """A DuckDB database that presswatch did not create: it is never migrated or written."""


class WarehouseTooNew(WarehouseError):
    """Written by a newer presswatch (a schema version this one does not know)."""


# How long an open waits for another process's lock before WarehouseLocked (here, not in
# store.py, so that modules naming it in a signature need not load DuckDB).
DEFAULT_LOCK_TIMEOUT_S = 60.0


class WarehouseLocked(WarehouseError):
    """Another process held the file for longer than the lock timeout."""


class MigrationError(WarehouseError):
    """A migration failed; it was rolled back and the file keeps its previous version."""


class LoadError(WarehouseError):
    """A write failed (a batch, a staged run, alert bookkeeping); its transaction was rolled
    back, nothing of it was written."""


class WarehouseOfAnotherStory(WarehouseError):
    """The warehouse holds another story's runs: one warehouse follows one story."""

    def __init__(self, path: Path | str, held: str, wanted: str) -> None:
        self.held, self.wanted = held, wanted
        super().__init__(
            path,
            f"this warehouse holds the story {held!r}; refusing to add a run of the story "
            f"{wanted!r} to it (its tables and views do not separate stories, so the two "
            f"would mix). Give {wanted!r} its own warehouse, e.g. presswatch run --story FILE "
            f"--db {wanted}.duckdb",
        )


class QueryRefused(WarehouseError):
    """A statement that would change data was sent to a read-only session."""


@dataclass
class CheckFailure:
    """One data check that found offending rows (at most `shown` of them are kept)."""

    name: str
    description: str
    n_rows: int
    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def describe(self, max_rows: int = 5) -> str:
        lines = [f"check {self.name} failed: {self.description} ({self.n_rows} offending rows)"]
        lines.append("  " + " | ".join(self.columns))
        lines.extend("  " + " | ".join(_short(v) for v in row) for row in self.rows[:max_rows])
        return "\n".join(lines)


def _short(value: Any, width: int = 60) -> str:
    text = "NULL" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


class ChecksFailed(WarehouseError):
    """Data checks found offending rows; the snapshot was not published."""

    def __init__(self, path: Path | str, failures: list[CheckFailure]) -> None:
        self.failures = failures
        details = "\n".join(f.describe() for f in failures)
        super().__init__(
            path,
            f"{len(failures)} data check(s) failed; the rows below break them. The last good "
            f"snapshot stays published; fix the loader that wrote them, then re-run.\n{details}",
        )
