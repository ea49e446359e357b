"""Fixtures of the bench scripts' tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="module")
def prefect_env(prefect_harness) -> dict:
    """This process's environment pointed at the session's Prefect server, for a bench script
    run as a child process."""
    from prefect.settings import PREFECT_API_URL

    return dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())
