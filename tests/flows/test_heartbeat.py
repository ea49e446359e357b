"""Prefect's flow-run heartbeat: the deployment's flow (`daily`) keeps it, a run started in this
process (`daily_with_settings`: `presswatch run`, the demo, benches) goes without it: its
thread sleeps in one-second steps and the flow waits for the step under way at its end."""

from __future__ import annotations

import os
from contextlib import contextmanager

import prefect.flow_engine
import pytest

from tests.net_replicas import ScriptedServer, answer

pytestmark = pytest.mark.usefixtures("prefect_harness")

EMPTY_FEED = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>quiet</title>"
              b"</channel></rss>")


def test_only_the_deployments_flow_sends_heartbeats(replay_days, tmp_path, monkeypatch):
    from presswatch.flows.daily import daily, daily_with_settings
    from presswatch.runs.settings import run_settings

    intervals: list[int | None] = []  # what each flow run's engine was given
    send = prefect.flow_engine._send_heartbeats

    @contextmanager
    def watched(engine, *args, **kwargs):
        intervals.append(engine.heartbeat_seconds)
        with send(engine, *args, **kwargs):
            yield

    monkeypatch.setattr(prefect.flow_engine, "_send_heartbeats", watched)
    db = replay_days.copy(tmp_path / "warehouse", again=True)
    story_path = replay_days.after_again.parent / "story.toml"  # the replay story
    routes = {"/feed.xml": answer(200, EMPTY_FEED, {"Content-Type": "application/rss+xml"}),
              "/robots.txt": answer(404)}
    with ScriptedServer("127.0.0.1", routes) as server:
        feeds = [f"http://127.0.0.1:{server.port}/feed.xml"]
        daily_with_settings(run_settings(str(story_path), str(db), feeds, True, os.environ))
        daily(str(story_path), str(db), feeds, allow_private_hosts=True)

    assert len(intervals) == 2, "the spy saw no flow run: Prefect's engine no longer calls it"
    here, deployed = intervals
    assert here is None
    assert deployed is not None and deployed >= 30  # Prefect's default, 180 s
