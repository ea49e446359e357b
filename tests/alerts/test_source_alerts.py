"""The source-health alert rule, table-driven: one alert on the run that completes a failing
streak, none while it goes on, one on the run that ends a long enough streak."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from presswatch.alerts.messages import AlertMessage, render_slack, render_text
from presswatch.alerts.rules import AlertContext, source_alerts
from presswatch.records import SourceResult
from presswatch.story import Alerts

URL = "https://wire.example/feed.xml"


def _context(error: str | None, before: int | None, needed: int = 3) -> AlertContext:
    source = SourceResult(URL, "feed", "Wire", 500 if error else 200, error=error)
    return AlertContext(
        story_id="s", story_title="Sora leak", rules=Alerts(failing_source_runs=needed),
        run_id="r9", is_first_run=False, now=datetime(2024, 11, 26, tzinfo=UTC),
        sources=[source], source_streaks={} if before is None else {URL: before},
    )


@pytest.mark.parametrize(
    ("error", "before", "needed", "expected"),
    [
        ("HTTP 500", 2, 3, "Source failing 3 runs in a row: Wire"),
        ("HTTP 500", 0, 1, "Source failing 1 run in a row: Wire"),
        (None, 3, 3, "Source works again after failing 3 runs in a row: Wire"),
        (None, 7, 3, "Source works again after failing 7 runs in a row: Wire"),
        # Not yet, already said, or nothing to say.
        ("HTTP 500", 1, 3, None),
        ("HTTP 500", 3, 3, None),
        ("HTTP 500", None, 3, None),
        (None, 2, 3, None),
        (None, 0, 3, None),
        (None, None, 3, None),
    ],
)
def test_source_alerts(error, before, needed, expected) -> None:
    messages = source_alerts(_context(error, before, needed))
    assert [m.headline for m in messages] == ([expected] if expected else [])


def test_a_source_alert_names_the_address_and_the_reason_in_every_channel() -> None:
    [message] = source_alerts(_context("HTTP 500 after 2 retries", 2))
    again = AlertMessage.from_payload(message.to_payload())
    assert again == message and again.source.failed_runs == 3
    text = render_text(message)
    assert URL in text and any("Last reason: HTTP 500 after 2 retries" in t for t in text)
    slack = render_slack(message, "a1")
    assert any(URL in b.get("text", {}).get("text", "") for b in slack["blocks"])
    assert slack["presswatch"]["source"]["state"] == "failing"
