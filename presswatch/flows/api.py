"""The Prefect API a run reports to, and the temporary server that dies with the run.

With no PREFECT_API_URL, a flow run starts Prefect's temporary local server (a child process of
about 230 MB) and stops it at exit; a run killed with SIGKILL never reaches its exit, and the
server ran on. Here the server is started before the flow (the same instance the flow would
start on its own), named in the environment for child processes (Dask workers), and watched by
a small process of its own session that stops it once the run's process is gone, however it
ended.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


def startup_timeout_s() -> int:
    """How long a temporary server may take to start: STARTUP_TIMEOUT_ENV when set (every
    command sets it unless the user did), else presswatch's 120 s: Prefect's own 20 s times out
    on a loaded 2-core machine (see the project's notes)."""
    if STARTUP_TIMEOUT_ENV in os.environ:
        return get_current_settings().server.ephemeral.startup_timeout_seconds
    return PREFECT_STARTUP_TIMEOUT_S


@contextmanager
def reporting_api() -> Iterator[str]:
    """The API URL this process and its children use; a temporary server when none is set,
    stopped with this process whatever ends it. Yields the URL."""
    url = get_current_settings().api.url
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
