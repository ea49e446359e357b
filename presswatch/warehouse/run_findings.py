"""What a run found, read back for people: its new statements and its sources' health (the
flow's artifacts, the CLI summary, the alerts), and where a statement's page is in the report.
The SQL is in presswatch/warehouse/queries/run_*.sql."""

from __future__ import annotations

import hashlib
import re

from presswatch.warehouse.sql_files import sql_text
from presswatch.warehouse.store import Warehouse

_PAGE_KEY = re.compile(r"[0-9A-Za-z_-]{1,64}")
# New statements a run shows in its Prefect artifacts (summary and table): an analyst reads the
# report, where all of them are; a first run of 10,000 articles made 17,642, a 6 MB table that
# Prefect's event bus refused.
NEW_STATEMENTS_SHOWN = 100


def statement_page(statement_id: str) -> str:
    """The statement's page in the report folder, as report_queries/statements.sql names it
    (statement_key): the id when it is a safe file name, else a hash of it."""
    if _PAGE_KEY.fullmatch(statement_id):
        key = statement_id
    else:
        key = hashlib.md5(statement_id.encode("utf-8")).hexdigest()[:16]
    return f"statement/{key}.html"


def run_source_health(warehouse: Warehouse, run_id: str, min_runs: int) -> list[dict]:
    """The run's sources failing min_runs runs in a row or more, and those that recovered in it
    from such a streak (name, url, kind, failed_streak, recovered_after, reason)."""
    sql = sql_text("queries/run_source_health.sql")
    cursor = warehouse.connection.execute(sql, {"run_id": run_id, "min_runs": min_runs})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def statement_details(warehouse: Warehouse, statement_ids: list[str]) -> list[dict]:
    """Speaker, role, text, first outlet, title and URL of the oldest NEW_STATEMENTS_SHOWN of
    these statements, oldest first."""
    if not statement_ids:
        return []
    sql = sql_text("queries/run_new_statements.sql")
    cursor = warehouse.connection.execute(sql, [statement_ids, NEW_STATEMENTS_SHOWN])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
