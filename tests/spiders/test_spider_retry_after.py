"""Reading Retry-After the two ways servers write it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from presswatch.spiders.middlewares import retry_after_seconds

NOW = datetime(2024, 11, 26, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("Tue, 26 Nov 2024 12:01:30 GMT", 90.0),
        ("Tue, 26 Nov 2024 11:00:00 GMT", 0.0),  # in the past: retry now
        ("soon", None),
        ("-1", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds
