"""The Prefect API a run reports to, and the temporary server that dies with the run.

A run reports to the server PREFECT_API_URL names; else to one already running where `prefect
server start` listens (PREFECT_SERVER_API_HOST and _PORT, 127.0.0.1:4200 by default), so that a
machine which keeps a server up never pays for starting one. Only with neither does a flow run
start Prefect's temporary local server (a child process of about 230 MB), stopping it at exit;
a run killed with SIGKILL never reaches its exit, and the
server ran on. Here the server is started before the flow (the same instance the flow would
start on its own), named in the environment for child processes (Dask workers), and watched by
a small process of its own session that stops it once the run's process is gone, however it
ended.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from presswatch.runs.settings import PREFECT_STARTUP_TIMEOUT_S

STARTUP_TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"

# Runs apart from the run (its own session, so a kill of the run's group spares it): notes the
# run's Prefect server children while the run lives, and stops them once it is gone. A child is
# known by its process id and start time, so a reused id is left alone.
_WATCHDOG = """
import os, signal, sys, time
from pathlib import Path
parent, marker = int(sys.argv[1]), sys.argv[2]
def started(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None
servers = {}
while os.getppid() == parent:
    for task in Path(f"/proc/{parent}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for pid in map(int, children):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline and pid not in servers and pid != os.getpid():
                servers[pid] = started(pid)
    time.sleep(0.5)
for sig in (signal.SIGTERM, signal.SIGKILL):
    alive = [pid for pid, when in servers.items() if when and started(pid) == when]
    for pid in alive:
        os.kill(pid, sig)
    if not alive:
        break
    time.sleep(5)
"""
# What Prefect's temporary server runs (uvicorn --factory prefect.server.api.server:create_app).
_SERVER_MARKER = "prefect.server.api.server:create_app"


# How long to wait for a running server's health check before starting a temporary one.
HEALTH_TIMEOUT_S = 3.0


def running_server(timeout_s: float = HEALTH_TIMEOUT_S) -> str | None:
    """The API URL of a Prefect server already listening where `prefect server start` puts
    it, if it answers its health check; None when nothing (or something else) answers."""
    where = get_current_settings().server.api
    host = "127.0.0.1" if where.host in ("0.0.0.0", "::", "") else where.host
    url = f"http://{host}:{where.port}/api"
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with no_proxy.open(f"{url}/health", timeout=timeout_s) as response:
            healthy = response.status == 200 and json.loads(response.read()) is True
    except (OSError, ValueError):
        return None
    return url if healthy else None


def startup_timeout_s() -> int:
    """How long a temporary server may take to start: STARTUP_TIMEOUT_ENV when set (every
    command sets it unless the user did), else presswatch's 120 s: Prefect's own 20 s times out
    on a loaded 2-core machine (see the project's notes)."""
    if STARTUP_TIMEOUT_ENV in os.environ:
        return get_current_settings().server.ephemeral.startup_timeout_seconds
    return PREFECT_STARTUP_TIMEOUT_S


@contextmanager
def reporting_api() -> Iterator[str]:
    """The API URL this process and its children use: the configured one, else a server
    already running, else a temporary server stopped with this process whatever ends it."""
    url = get_current_settings().api.url or running_server()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        subprocess.Popen(  # first: the server is a child from the moment it starts
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), _SERVER_MARKER],
            start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = SubprocessASGIServer()  # the instance the flow would start on its own
        server.start(timeout=startup_timeout_s())
        url = server.api_url
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            yield url
    finally:
        if previous is None:
            del os.environ["PREFECT_API_URL"]
        else:
            os.environ["PREFECT_API_URL"] = previous
