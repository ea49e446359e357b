"""A `presswatch run` killed with SIGKILL leaves no temporary Prefect server behind (issue 26
item 9): the server, started before the flow, is stopped by its watchdog once the run is gone.
A run reuses a server already running where `prefect server start` listens (issue 27)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_run_leaves_no_prefect_server_running(tmp_path, replay_site):
    story = replay_site.write_story(tmp_path / "story.toml")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false",
               # nothing listens there: the run must start its own server, whatever else runs
               PREFECT_SERVER_API_PORT=str(_closed_port()))
    run = subprocess.Popen([sys.executable, "-m", "presswatch", "run", "--story", str(story),
                            "--db", str(tmp_path / "presswatch.duckdb"),
                            "--allow-private-hosts"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not servers:
            assert run.poll() is None and time.monotonic() < deadline, "no server started"
            servers = [p for p in _descendants(run.pid) if "-m uvicorn" in _cmdline(p)]
            time.sleep(0.5)
        time.sleep(2)  # the run is under way
        os.kill(run.pid, signal.SIGKILL)  # the run alone, as `kill -9 PID` does
        run.wait()
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in servers) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not any(_alive(p) for p in servers), [_cmdline(p) for p in servers]
    finally:
        for pid in servers + [run.pid]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _servers_started_here() -> set[int]:
    return {p for p in _descendants(os.getpid()) if "-m uvicorn" in _cmdline(p)}


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_reports_to_a_server_already_running_instead_of_starting_one(monkeypatch):
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_API_HOST,
        PREFECT_SERVER_API_PORT,
        temporary_settings,
    )

    from presswatch.flows.api import reporting_api

    running = os.environ["PREFECT_API_URL"]  # the session's server, as if `prefect server start`
    where = urlsplit(running)
    before = _servers_started_here()
    monkeypatch.delenv("PREFECT_API_URL")
    with temporary_settings(restore_defaults={PREFECT_API_URL},
                            updates={PREFECT_SERVER_API_HOST: where.hostname,
                                     PREFECT_SERVER_API_PORT: where.port}):
        with reporting_api() as url:
            assert url == running and os.environ["PREFECT_API_URL"] == running
            assert _servers_started_here() == before  # no temporary server of its own
    assert "PREFECT_API_URL" not in os.environ


def test_nothing_listening_is_no_running_server():
    from prefect.settings import PREFECT_SERVER_API_PORT, temporary_settings

    from presswatch.flows.api import running_server

    with temporary_settings({PREFECT_SERVER_API_PORT: _closed_port()}):
        assert running_server() is None


def test_the_temporary_server_waits_as_long_as_the_user_says(tmp_path, replay_site):
    """PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS is how long a run's own server may take
    to start (presswatch's 120 s otherwise): at 1 s, too short for any server to answer, the run
    stops with Prefect's time-out instead of waiting 120 s."""
    story = replay_site.write_story(tmp_path / "story.toml")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1",
               PREFECT_SERVER_API_PORT=str(_closed_port()))  # no running server to reuse
    run = subprocess.run([sys.executable, "-m", "presswatch", "run", "--story", str(story),
                          "--db", str(tmp_path / "presswatch.duckdb"), "--allow-private-hosts"],
                         env=env, capture_output=True, text=True, timeout=110)
    assert run.returncode != 0
    assert "Timed out while attempting to connect to ephemeral Prefect API server" in run.stderr
