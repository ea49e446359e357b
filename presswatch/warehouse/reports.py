"""Small read-only queries the flow shows people (artifacts, the CLI summary)."""

from __future__ import annotations

from pathlib import Path

from presswatch.warehouse.store import Warehouse

QUERIES_DIR = Path(__file__).with_name("queries")


def run_source_health(warehouse: Warehouse, run_id: str, min_runs: int) -> list[dict]:
    """The run's sources failing min_runs runs in a row or more, and those that recovered in it
    from such a streak (name, url, kind, failed_streak, recovered_after, reason)."""
    sql = (QUERIES_DIR / "run_source_health.sql").read_text(encoding="utf-8")
    cursor = warehouse.connection.execute(sql, {"run_id": run_id, "min_runs": min_runs})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def statement_details(warehouse: Warehouse, statement_ids: list[str]) -> list[dict]:
    """Speaker, role, text, first outlet, title and URL of these statements, oldest first."""
    if not statement_ids:
        return []
    sql = (QUERIES_DIR / "run_new_statements.sql").read_text(encoding="utf-8")
    cursor = warehouse.connection.execute(sql, [statement_ids])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
