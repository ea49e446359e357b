"""What Prefect does with the daily flow's task arguments. Prefect walks every object inside a
task's arguments, looking for futures to wait on; the run's start state holds every stored URL
and statement, so walking it grew with the warehouse (0.56 s per task call at 1,000 articles)."""

from __future__ import annotations

import os

import prefect.task_engine
import pytest

from presswatch.records import Statement
from tests.net_replicas import ScriptedServer, answer

pytestmark = pytest.mark.usefixtures("prefect_harness")

EMPTY_FEED = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>quiet</title>"
              b"</channel></rss>")


def test_a_run_does_not_let_prefect_walk_the_stored_statements(
        replay_days, tmp_path, monkeypatch):
    from presswatch.flows.daily import daily_with_settings
    from presswatch.runs.settings import run_settings

    db = replay_days.copy(tmp_path / "warehouse", again=True)
    walked: list[type] = []
    resolve = prefect.task_engine.resolve_to_final_result

    def watched(expr, context):
        walked.append(type(expr))
        return resolve(expr, context)

    monkeypatch.setattr(prefect.task_engine, "resolve_to_final_result", watched)
    routes = {"/feed.xml": answer(200, EMPTY_FEED, {"Content-Type": "application/rss+xml"}),
              "/robots.txt": answer(404)}
    with ScriptedServer("127.0.0.1", routes) as server:
        story_path = replay_days.after_again.parent / "story.toml"  # the replay story
        settings = run_settings(str(story_path), str(db), [f"http://127.0.0.1:{server.port}"
                                                           "/feed.xml"], True, os.environ)
        summary = daily_with_settings(settings)

    assert summary.articles_added == 0
    assert walked, "the spy saw no task argument: Prefect's engine no longer calls it"
    assert Statement not in walked  # the warehouse holds statements; none was walked
    assert len(walked) < 100  # a handful per task call, not one per stored URL
