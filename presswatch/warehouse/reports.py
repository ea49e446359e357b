"""Small read-only queries the flow shows people (artifacts, the CLI summary)."""

from __future__ import annotations

from presswatch.warehouse.sql_files import sql_text
from presswatch.warehouse.store import Warehouse


def run_source_health(warehouse: Warehouse, run_id: str, min_runs: int) -> list[dict]:
    """The run's sources failing min_runs runs in a row or more, and those that recovered in it
    from such a streak (name, url, kind, failed_streak, recovered_after, reason)."""
    sql = sql_text("queries/run_source_health.sql")
    cursor = warehouse.connection.execute(sql, {"run_id": run_id, "min_runs": min_runs})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def statement_details(warehouse: Warehouse, statement_ids: list[str]) -> list[dict]:
    """Speaker, role, text, first outlet, title and URL of these statements, oldest first."""
    if not statement_ids:
        return []
    sql = sql_text("queries/run_new_statements.sql")
    cursor = warehouse.connection.execute(sql, [statement_ids])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
