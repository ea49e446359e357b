"""What a re-analysis reads from the warehouse and the few writes only it makes.

`presswatch reanalyse` (presswatch/runs/reanalyse.py) reads everything it needs in one short
read-only open (read_stored_analysis), parses with no file open, then writes in short
transactions: its LoadBatches through Warehouse.load_batch, and here the removal of the
statements its analysis no longer has. Each write first compares `guard` with what was read,
so that a daily run landing in between is never written over. The SQL is in
presswatch/warehouse/queries/reanalysis_*.sql.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from presswatch.records import Article
from presswatch.warehouse.sql_files import sql_text
from presswatch.warehouse.store import Warehouse, article_of_row
from presswatch.warehouse.transaction import transaction


class ReanalysisConflict(RuntimeError):
    """A run wrote to the warehouse while a re-analysis worked on what it had read."""


def _sql(name: str) -> str:
    return sql_text(f"queries/reanalysis_{name}.sql")


@dataclass(frozen=True)
class StoredQuote:
    quote_id: str
    article_id: str
    content: str
    speaker: str | None
    statement_id: str | None
    statement_speaker: str | None


@dataclass(frozen=True)
class StoredStatement:
    statement_id: str
    speaker: str
    text: str
    is_judged: bool  # the alert stage has judged it (alerted on it, or decided not to)
    alert_key: str | None  # the alert it went into


@dataclass
class StoredAnalysis:
    """The warehouse's texts and its current analysis, read at once."""

    # stored articles (with their raw page, when kept), grouped by the run that stored them
    runs: list[list[Article]]
    quotes: dict[str, StoredQuote]
    statements: dict[str, StoredStatement]
    entities: set[tuple[str, int, int, str, str | None]]
    guard: tuple


def guard(warehouse: Warehouse) -> tuple:
    """What a run writing meanwhile would change (its runs row, its articles)."""
    return tuple(warehouse.connection.execute(_sql("guard")).fetchone())


def require_unchanged(warehouse: Warehouse, read: tuple) -> None:
    """Raise ReanalysisConflict when a run has written since `read` was taken."""
    if guard(warehouse) != read:
        raise ReanalysisConflict(
            f"{warehouse.path}: a run loaded new work while the re-analysis was running; what "
            "the re-analysis wrote so far is consistent, the rest was not written. Run "
            "`presswatch reanalyse` again when no run is going."
        )


def read_stored_analysis(warehouse: Warehouse) -> StoredAnalysis:
    """Every article with its text, and the quotes, statements and entities stored for them."""
    con = warehouse.connection
    runs: list[list[Article]] = []
    last_run: object = object()
    for row in con.execute(_sql("articles")).fetchall():
        if row[13] != last_run:
            runs.append([])
            last_run = row[13]
        runs[-1].append(replace(article_of_row(row[:13]), raw_html_gz=row[14] or b""))
    quotes = {row[0]: StoredQuote(*row) for row in con.execute(_sql("quotes")).fetchall()}
    statements = {row[0]: StoredStatement(*row)
                  for row in con.execute(_sql("statements")).fetchall()}
    entities = {tuple(row) for row in con.execute(_sql("entities")).fetchall()}
    return StoredAnalysis(runs, quotes, statements, entities, guard(warehouse))


def remove_statements(warehouse: Warehouse, statement_ids: list[str]) -> None:
    """Delete statements (and their vocabularies) no quote names any more, in one
    transaction; those a quote still names stay."""
    if not statement_ids:
        return
    with transaction(warehouse.connection, warehouse.path, "removing statements") as con:
        con.execute(_sql("remove_fingerprints"), {"ids": statement_ids})
        con.execute(_sql("remove_statements"), {"ids": statement_ids})


def finish_interrupted_removals(warehouse: Warehouse) -> int:
    """Do the last step of every re-analysis that stopped before it: remove the statements it
    took apart that no quote names any more. Idempotent; a run calls it before its own work.
    Returns how many statements were removed."""
    con = warehouse.connection
    ids = [row[0] for row in con.execute(_sql("unfinished_removals")).fetchall()]
    if not ids:
        return 0
    (before,) = con.execute("select count(*) from statements").fetchone()
    remove_statements(warehouse, ids)
    (after,) = con.execute("select count(*) from statements").fetchone()
    return before - after


@dataclass
class ReanalysisRow:
    """One row of `reanalyses` (migration 009), written with the first load and at the end."""

    reanalysis_id: str
    story_id: str
    started_at: datetime
    finished_at: datetime | None
    n_articles: int
    n_texts_changed: int
    n_quotes_added: int
    n_quotes_removed: int
    n_quotes_reattributed: int
    n_statements_added: int
    n_statements_removed: int
    n_statements_kept: int


@dataclass
class LineageRow:
    """One row of `statement_lineage`: where an old statement went, or where a new one came
    from."""

    lineage_id: str
    reanalysis_id: str
    old_statement_id: str | None
    new_statement_id: str | None
    change: str  # merged | split | replaced | removed | added
    n_quotes: int
