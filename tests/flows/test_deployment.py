"""The scheduled deployment as the README sets it up: a real Prefect server, `prefect deploy`
from prefect.yaml, a process work pool and a worker that runs the flow to completion."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    port = _free_port()
    home = tmp_path_factory.mktemp("prefect-home")
    env = dict(os.environ, PREFECT_HOME=str(home),
               PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_API_URL=f"http://127.0.0.1:{port}/api", PRESSWATCH_HOME=str(REPO))
    server = subprocess.Popen(
        [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--analytics-off"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/api/health")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the Prefect server did not start")
                time.sleep(0.5)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


def _prefect(env: dict, *args: str) -> str:
    result = subprocess.run([*PREFECT, *args], env=env, cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_the_deployment_from_prefect_yaml_runs_on_a_worker(prefect_server, tmp_path):
    from presswatch.demo.server import ReplaySite

    env = prefect_server
    db = tmp_path / "scheduled.duckdb"
    _prefect(env, "work-pool", "create", "local", "--type", "process")
    _prefect(env, "--no-prompt", "deploy", "--all")
    deployments = _get(env["PREFECT_API_URL"] + "/deployments/filter", {})
    (deployment,) = deployments
    assert deployment["name"] == "daily"
    (schedule,) = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "0 6 * * *"
    with ReplaySite(day=1) as site:
        story = site.write_story(tmp_path / "story.toml")
        _prefect(env, "deployment", "run", "presswatch-daily/daily",
                 "--param", f"story_path={story}", "--param", f"db_path={db}",
                 "--param", "allow_private_hosts=true")
        _prefect(env, "worker", "start", "--pool", "local", "--run-once")
    runs = _get(env["PREFECT_API_URL"] + "/flow_runs/filter",
                {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}})
    assert len(runs) == 1, "the worker's flow run did not complete"
    with duckdb.connect(str(db), read_only=True) as con:
        (articles,) = con.execute("select count(*) from articles").fetchone()
        (status, n_new) = con.execute("select status, n_statements_new from runs").fetchone()
    assert articles > 0 and status in ("ok", "partial")
    artifacts = _get(env["PREFECT_API_URL"] + "/artifacts/filter", {})
    assert {a["key"] for a in artifacts} >= {
        "presswatch-summary-sora-leak", "presswatch-new-statements-sora-leak",
        "presswatch-report-sora-leak"}
    # the table lists the run's new statements, as the finish step read them
    (table,) = [a for a in artifacts if a["key"] == "presswatch-new-statements-sora-leak"]
    rows = json.loads(table["data"]) if isinstance(table["data"], str) else table["data"]
    assert len(rows) == n_new > 0 and all(row["speaker"] and row["url"] for row in rows)
    assert (db.parent / "scheduled.report" / "index.html").exists()


def test_serve_schedules_the_flow_in_one_process(prefect_server, tmp_path):
    env = prefect_server
    story = REPO / "stories" / "sora-leak.toml"
    server = subprocess.Popen(
        [sys.executable, "-m", "presswatch", "serve", "--story", str(story), "--db",
         str(tmp_path / "served.duckdb"), "--cron", "30 7 * * *", "--timezone", "Europe/Paris"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        served = []
        while not served:
            assert server.poll() is None, server.stderr.read()[-2000:]
            assert time.monotonic() < deadline, "presswatch serve registered no deployment"
            time.sleep(1)
            served = [d for d in _get(env["PREFECT_API_URL"] + "/deployments/filter", {})
                      if d["name"] == "presswatch-daily"]
        (schedule,) = served[0]["schedules"]
        assert schedule["schedule"]["cron"] == "30 7 * * *"
        assert schedule["schedule"]["timezone"] == "Europe/Paris"
        assert served[0]["parameters"]["story_path"] == str(story)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=60)
