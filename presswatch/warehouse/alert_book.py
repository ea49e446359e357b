"""The alert book: the alerts' bookkeeping in the warehouse, as typed methods.

Every method opens the file, does one short read or one short write (one transaction), and
closes it again, so the alert stage never holds the warehouse while it talks to a webhook or an
SMTP server: an analyst (or the next stage) can open it between any two writes. The order of the
writes around each send (queued, attempt counted, delivered) is what makes a crash between send
and record visible to the next run. The SQL is in presswatch/warehouse/queries/alerts_*.sql;
every value is a bound parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from presswatch.records import NewStatementInfo
from presswatch.warehouse.sql_files import sql_text
from presswatch.warehouse.store import DEFAULT_LOCK_TIMEOUT_S, connect, open_warehouse
from presswatch.warehouse.transaction import transaction


class AlertStoreError(RuntimeError):
    """The warehouse cannot serve alert bookkeeping (a file older than the alerts tables)."""


@dataclass(frozen=True)
class QueuedAlert:
    """One alert for one channel, as it is queued before anything is sent."""

    alert_id: str
    alert_key: str  # the statement id, or the digest / spike rule key
    statement_id: str | None
    rule: str
    channel: str
    payload: dict[str, Any]
    status: str = "pending"  # or "held": waiting for the channel's daily or weekly digest


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
    status: str  # pending | held (for a digest) | digested | delivered | failed
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    last_attempt_at: datetime | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class AlertRound:
    """What the rules need from the warehouse for one run, read at once."""

    new_statements: list[NewStatementInfo]  # not judged by the alert stage yet, oldest first
    is_first_run: bool  # no other run finished or judged statements for the story
    daily_article_counts: dict[date, int] = field(default_factory=dict)  # spikes only
    spike_days: list[date] = field(default_factory=list)  # days this run added articles to
    # source URL -> runs in a row it failed, as the runs before this one left it
    source_streaks: dict[str, int] = field(default_factory=dict)


def _sql(name: str) -> str:
    return sql_text(f"queries/alerts_{name}.sql")


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


class AlertBook:
    """The alerts table and the judged statements of one warehouse file.

    The book's first open goes through open_warehouse, which refuses a file that is not ours
    and migrates an older one; later opens reconnect to the same, now known, file directly
    (an open is a few tens of milliseconds, and delivery opens twice per alert).
    """

    def __init__(self, path: Path | str, *,
                 lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self._inspected = False

    # -- opening ----------------------------------------------------------------------------

    @contextmanager
    def _open(self, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self._inspected:
            with open_warehouse(self.path, read_only=read_only,
                                lock_timeout_s=self.lock_timeout_s) as warehouse:
                self._inspected = not read_only  # a read-only open does not migrate
                yield warehouse.connection
            return
        con = connect(self.path, read_only=read_only, lock_timeout_s=self.lock_timeout_s)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection: readers (analysts) may keep theirs open meanwhile."""
        with self._open(read_only=True) as con:
            try:
                yield con
            except duckdb.CatalogException as exc:
                raise AlertStoreError(
                    f"{self.path}: this warehouse predates alert bookkeeping (migration 004): "
                    f"{exc}. Open it once for writing (the next `presswatch run` does) to "
                    "migrate it."
                ) from exc

    @contextmanager
    def _writing(self, what: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction on the file opened for writing, closed right after."""
        with self._open(read_only=False) as con, transaction(con, self.path, what):
            yield con

    # -- reads ------------------------------------------------------------------------------

    def read_round(self, story_id: str, run_id: str, *, spikes: bool) -> AlertRound:
        """The statements to judge, whether this is the story's first run, and (with spikes)
        the article counts per day: one short read."""
        with self._reading() as con:
            rows = con.execute(_sql("new_statements")).fetchall()
            baseline = con.execute(
                _sql("baseline_set"), {"story_id": story_id, "run_id": run_id}).fetchone()
            counts = (dict(con.execute(_sql("daily_article_counts")).fetchall())
                      if spikes else {})
            days = ([day for (day,) in con.execute(
                _sql("run_article_days"), {"run_id": run_id}).fetchall()] if spikes else [])
            streaks = dict(con.execute(_sql("source_streaks"), {"run_id": run_id}).fetchall())
        return AlertRound(
            new_statements=[_new_statement(row) for row in rows],
            is_first_run=not (baseline and baseline[0]),
            daily_article_counts={day: int(n) for day, n in counts.items()},
            spike_days=days,
            source_streaks={url: int(n) for url, n in streaks.items()},
        )

    def pending(self) -> list[AlertRow]:
        """Alerts still to deliver, oldest first."""
        with self._reading() as con:
            return [_alert_row(row) for row in con.execute(_sql("pending")).fetchall()]

    def held(self, story_id: str, channel: str) -> list[AlertRow]:
        """Alerts waiting for this channel's digest, oldest first."""
        with self._reading() as con:
            rows = con.execute(_sql("held"), {"story_id": story_id, "channel": channel})
            return [_alert_row(row) for row in rows.fetchall()]

    def last_digest_at(self, story_id: str, channel: str) -> datetime | None:
        """When the channel's last daily or weekly digest was made, if ever."""
        with self._reading() as con:
            row = con.execute(_sql("last_digest"),
                              {"story_id": story_id, "channel": channel}).fetchone()
        return _utc(row[0]) if row else None

    def alerts(self, since: datetime | None = None) -> list[AlertRow]:
        """Every alert and its delivery state, oldest first; only those created since a time."""
        with self._reading() as con:
            rows = con.execute(_sql("list"), {"since": since}).fetchall()
        return [_alert_row(row) for row in rows]

    # -- writes, each its own transaction ---------------------------------------------------

    def queue(
        self,
        alerts: Sequence[QueuedAlert],
        judged: dict[str, str | None],
        *,
        story_id: str,
        run_id: str,
        now: datetime,
    ) -> None:
        """Queue alerts as pending and mark statements judged, in one transaction.

        `judged` maps each statement judged this run to the alert key it went into (None when
        no rule matched). Queuing an alert id that exists already changes nothing, so a
        delivered alert can never become pending again.
        """
        unique = list({alert.alert_id: alert for alert in alerts}.values())
        if not unique and not judged:
            return
        with self._writing("queuing alerts") as con:
            if unique:
                _insert_queued(con, unique, story_id, now)
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

    def queue_digest(self, digest: QueuedAlert, held_ids: Sequence[str], *, story_id: str,
                     now: datetime) -> None:
        """Queue a digest and retire the held alerts it carries, in one transaction: a crash
        leaves either both or neither."""
        with self._writing("queuing a digest") as con:
            _insert_queued(con, [digest], story_id, now)
            con.execute(_sql("mark_digested"), {"alert_ids": list(held_ids)})

    def start_attempt(self, alert_id: str, now: datetime, max_attempts: int) -> int | None:
        """Count one attempt before sending; None when the alert is no longer pending or has
        used its attempts (see give_up)."""
        with self._writing("counting a delivery attempt") as con:
            row = con.execute(
                _sql("start_attempt"),
                {"alert_id": alert_id, "attempted_at": now, "max_attempts": max_attempts},
            ).fetchone()
        return int(row[0]) if row else None

    def give_up(self, alert_id: str, max_attempts: int) -> bool:
        """Fail a pending alert whose attempts are used up; True when it did."""
        with self._writing("giving up an alert") as con:
            row = con.execute(
                _sql("give_up"), {"alert_id": alert_id, "max_attempts": max_attempts}
            ).fetchone()
        return row is not None

    def mark_delivered(self, alert_id: str, now: datetime) -> None:
        with self._writing("marking an alert delivered") as con:
            con.execute(_sql("mark_delivered"), {"alert_id": alert_id, "delivered_at": now})

    def record_failure(self, alert_id: str, error: str, max_attempts: int) -> str:
        """Keep why an attempt failed; returns the new status (pending, or failed when given
        up)."""
        with self._writing("recording a delivery failure") as con:
            row = con.execute(
                _sql("record_failure"),
                {"alert_id": alert_id, "error": error[:1000], "max_attempts": max_attempts},
            ).fetchone()
        return str(row[0]) if row else "failed"


def _insert_queued(con: duckdb.DuckDBPyConnection, alerts: Sequence[QueuedAlert],
                   story_id: str, now: datetime) -> None:
    """Insert queued alerts (an id already there is left as is), every value bound."""
    con.execute(
        _sql("queue"),
        {
            "alert_ids": [a.alert_id for a in alerts],
            "alert_keys": [a.alert_key for a in alerts],
            "statement_ids": [a.statement_id for a in alerts],
            "rules": [a.rule for a in alerts],
            "channels": [a.channel for a in alerts],
            "statuses": [a.status for a in alerts],
            "payloads": [json.dumps(a.payload, ensure_ascii=False) for a in alerts],
            "story_id": story_id,
            "created_at": now,
        },
    )


def _new_statement(row: tuple) -> NewStatementInfo:
    return NewStatementInfo(
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
        is_direct=bool(row[12]),
        part_of=row[13],
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
