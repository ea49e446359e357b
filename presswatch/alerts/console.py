"""What `presswatch alerts` and `presswatch alerts test` print.

Every cell comes from the warehouse or a receiver's answer, so every cell is cleaned of control
characters. Bad input raises AlertsUsageError, which the CLI prints and exits 2 on.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from presswatch.alerts.channels import Channel
from presswatch.alerts.delivery import list_alerts, send_test_alert
from presswatch.story import Story
from presswatch.text import clean_line
from presswatch.warehouse.alert_book import AlertBook, AlertRow, AlertStoreError
from presswatch.warehouse.errors import WarehouseError


class AlertsUsageError(ValueError):
    """Bad input to `presswatch alerts`: the message says what to fix."""


def render_alert_rows(rows: Sequence[AlertRow]) -> str:
    """A plain table for the terminal; every cell is cleaned of control characters."""
    header = ("created (UTC)", "status", "tries", "channel", "rule", "alert", "last error")
    table = [header] + [
        (
            row.created_at.strftime("%Y-%m-%d %H:%M"),
            row.status,
            str(row.attempts),
            clean_line(row.channel, 20),
            clean_line(row.rule, 20),
            clean_line(row.payload.get("headline", row.alert_key), 70),
            clean_line(row.last_error, 60),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    text = "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )
    return text + f"\n{len(rows)} alert(s)\n"


def parse_since(text: str | None) -> datetime | None:
    """--since: a date (YYYY-MM-DD, from its UTC midnight) or an ISO time."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise AlertsUsageError(f"--since {text!r}: expected a date such as 2024-11-27") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def print_alerts(book: AlertBook, since: str | None = None, out: TextIO | None = None) -> int:
    """`presswatch alerts`: the table of alerts and their delivery state; the exit code."""
    try:
        rows = list_alerts(book, parse_since(since))
    except (WarehouseError, AlertStoreError) as exc:
        raise AlertsUsageError(str(exc)) from exc
    (out or sys.stdout).write(render_alert_rows(rows))
    return 0


def print_test_alert(story: Story, channels: Sequence[Channel],
                     out: TextIO | None = None) -> int:
    """`presswatch alerts test`: one test alert per configured channel; 0 when all took it,
    1 when one failed; AlertsUsageError when nothing is configured."""
    out = out or sys.stdout
    if not channels:
        raise AlertsUsageError(
            "no alert channel is configured: set [alerts] console = true, [alerts.webhook] url "
            "or [alerts.email] in the story file, or PRESSWATCH_WEBHOOK_URL / PRESSWATCH_SMTP_*"
        )
    results = send_test_alert(story, channels)
    for result in results:
        state = "sent" if result.ok else f"FAILED: {clean_line(result.error, 300)}"
        out.write(f"{result.channel}: {state} (alert id {result.alert_id})\n")
    return 0 if all(result.ok for result in results) else 1
