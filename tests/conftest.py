"""Fixtures shared across packages: Prefect's test server, the replay site, a temp warehouse,
the alert receivers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from receivers import SmtpHandler, WebhookReceiver, smtp_controller

# Before anything imports prefect: no telemetry, a private home per test session.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for the session: real flow runs, ~1 s each after start-up."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def replay_site():
    """The bundled replay served on loopback, starting on day 1."""
    from presswatch.demo.server import ReplaySite

    with ReplaySite(day=1) as site:
        yield site


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A Slack-like webhook receiver on 127.0.0.1."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp() -> Iterator[SmtpHandler]:
    """A plain SMTP server on 127.0.0.1 (no STARTTLS, no login)."""
    handler = SmtpHandler()
    controller = smtp_controller(handler)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "presswatch.duckdb"
