"""The alert stage's side of the warehouse: what is new, what is pending, what was delivered.

Every write is one short transaction, so a crash leaves either the whole write or none of it;
the order of writes around each send (queued, attempt counted, delivered) is what makes a crash
between send and record visible to the next run. The SQL is in
presswatch/warehouse/queries/alerts_*.sql;
every value is a bound parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from presswatch.records import NewStatementInfo
from presswatch.warehouse.store import Warehouse, open_warehouse

QUERIES = Path(__file__).parent / "queries"


class AlertStoreError(RuntimeError):
    """The warehouse cannot serve alert bookkeeping as opened (read-only, or too old)."""


@dataclass(frozen=True)
class QueuedAlert:
    """One alert for one channel, as it is queued before anything is sent."""

    alert_id: str
    alert_key: str  # the statement id, or the digest / spike rule key
    statement_id: str | None
    rule: str
    channel: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class AlertRow:
    """A row of the `alerts` table."""

    alert_id: str
    story_id: str | None
    alert_key: str | None
    statement_id: str | None
    rule: str
    channel: str
    created_at: datetime
    status: str  # pending | delivered | failed
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    last_attempt_at: datetime | None
    payload: dict[str, Any]


def _sql(name: str) -> str:
    return (QUERIES / f"alerts_{name}.sql").read_text(encoding="utf-8")


@contextmanager
def connect(
    db: Path | str | Warehouse, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse: a path is opened (and migrated) and closed on exit; an
    open Warehouse (the daily flow's) is borrowed and left open."""
    if isinstance(db, Warehouse):
        if db.read_only and not read_only:
            raise AlertStoreError(
                f"{db.path}: alert bookkeeping writes, but the warehouse was opened read-only"
            )
        yield db.connection
        return
    with open_warehouse(db, read_only=read_only) as warehouse:
        yield warehouse.connection


@contextmanager
def held(db: Path | str | Warehouse) -> Iterator[Warehouse]:
    """The warehouse for a whole alert stage: opened once (and closed) for a path, borrowed
    when already open."""
    if isinstance(db, Warehouse):
        yield db
        return
    with open_warehouse(db) as warehouse:
        yield warehouse


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def baseline_is_set(con: duckdb.DuckDBPyConnection, story_id: str, run_id: str) -> bool:
    """True when another run finished (ok or partial) or judged statements for this story: a
    first run that died after its digest must not make the next run send a second one."""
    row = con.execute(_sql("baseline_set"), {"story_id": story_id, "run_id": run_id}).fetchone()
    return bool(row and row[0])


def read_new_statements(con: duckdb.DuckDBPyConnection) -> list[NewStatementInfo]:
    """Statements not judged by the alert stage yet, oldest first."""
    rows = con.execute(_sql("new_statements")).fetchall()
    return [
        NewStatementInfo(
            statement_id=row[0],
            speaker=row[1],
            role=row[2],
            organisation=row[3],
            text=row[4],
            confidence=float(row[5]),
            outlet=row[6],
            title=row[7],
            url=row[8],
            published_at=_utc(row[9]),
            n_outlets=int(row[10]),
            is_new_speaker=bool(row[11]),
        )
        for row in rows
    ]


def daily_article_counts(con: duckdb.DuckDBPyConnection) -> dict[date, int]:
    """Relevant articles per UTC day, for the coverage spike rule."""
    return {day: int(n) for day, n in con.execute(_sql("daily_article_counts")).fetchall()}


def run_article_days(con: duckdb.DuckDBPyConnection, run_id: str) -> list[date]:
    """The days this run added relevant articles to."""
    return [row[0] for row in con.execute(_sql("run_article_days"), {"run_id": run_id}).fetchall()]


def queue_alerts(
    con: duckdb.DuckDBPyConnection,
    alerts: Sequence[QueuedAlert],
    judged: dict[str, str | None],
    *,
    story_id: str,
    run_id: str,
    now: datetime,
) -> None:
    """Queue alerts as pending and mark statements judged, in one transaction.

    `judged` maps each statement judged this run to the alert key it went into (None when no
    rule matched). Queuing an alert id that exists already changes nothing, so a delivered alert
    can never become pending again.
    """
    unique = list({alert.alert_id: alert for alert in alerts}.values())
    with _transaction(con):
        if unique:
            con.execute(
                _sql("queue"),
                {
                    "alert_ids": [a.alert_id for a in unique],
                    "alert_keys": [a.alert_key for a in unique],
                    "statement_ids": [a.statement_id for a in unique],
                    "rules": [a.rule for a in unique],
                    "channels": [a.channel for a in unique],
                    "payloads": [json.dumps(a.payload, ensure_ascii=False) for a in unique],
                    "story_id": story_id,
                    "created_at": now,
                },
            )
        if judged:
            con.execute(
                _sql("judge_statements"),
                {
                    "statement_ids": list(judged),
                    "alert_keys": list(judged.values()),
                    "story_id": story_id,
                    "run_id": run_id,
                    "judged_at": now,
                },
            )


def _alert_row(row: tuple) -> AlertRow:
    return AlertRow(
        alert_id=row[0],
        story_id=row[1],
        alert_key=row[2],
        statement_id=row[3],
        rule=row[4],
        channel=row[5],
        created_at=_utc(row[6]),
        status=row[7],
        attempts=int(row[8]),
        last_error=row[9],
        delivered_at=_utc(row[10]),
        last_attempt_at=_utc(row[11]),
        payload=json.loads(row[12]) if row[12] else {},
    )


def read_pending(con: duckdb.DuckDBPyConnection) -> list[AlertRow]:
    return [_alert_row(row) for row in con.execute(_sql("pending")).fetchall()]


def read_alerts(con: duckdb.DuckDBPyConnection, since: datetime | None = None) -> list[AlertRow]:
    try:
        rows = con.execute(_sql("list"), {"since": since}).fetchall()
    except duckdb.CatalogException as exc:
        raise AlertStoreError(
            f"this warehouse predates alert bookkeeping (migration 004): {exc}. Open it once "
            "for writing (the next `presswatch run` does) to migrate it."
        ) from exc
    return [_alert_row(row) for row in rows]


def start_attempt(
    con: duckdb.DuckDBPyConnection, alert_id: str, now: datetime, max_attempts: int
) -> int | None:
    """Count one attempt before sending; None when the alert is no longer pending or has used
    its attempts (see give_up)."""
    with _transaction(con):
        row = con.execute(
            _sql("start_attempt"),
            {"alert_id": alert_id, "attempted_at": now, "max_attempts": max_attempts},
        ).fetchone()
    return int(row[0]) if row else None


def give_up(con: duckdb.DuckDBPyConnection, alert_id: str, max_attempts: int) -> bool:
    """Fail a pending alert whose attempts are used up; True when it did."""
    with _transaction(con):
        row = con.execute(
            _sql("give_up"), {"alert_id": alert_id, "max_attempts": max_attempts}
        ).fetchone()
    return row is not None


def mark_delivered(con: duckdb.DuckDBPyConnection, alert_id: str, now: datetime) -> None:
    with _transaction(con):
        con.execute(_sql("mark_delivered"), {"alert_id": alert_id, "delivered_at": now})


def record_failure(
    con: duckdb.DuckDBPyConnection, alert_id: str, error: str, max_attempts: int
) -> str:
    """Keep why an attempt failed; returns the new status (pending, or failed when given up)."""
    with _transaction(con):
        row = con.execute(
            _sql("record_failure"),
            {"alert_id": alert_id, "error": error[:1000], "max_attempts": max_attempts},
        ).fetchone()
    return str(row[0]) if row else "failed"
