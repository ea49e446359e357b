"""Source health over four real runs of the stages: a feed that fails run after run is named in
the run summary, the HTML report and one alert once it has failed failing_source_runs runs in a
row; the run where it works again says so once, and the next says nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from news_replicas import PublisherSite, serve
from rich.console import Console

from presswatch.alerts.channels import build_channels
from presswatch.alerts.delivery import run_alerts
from presswatch.alerts.settings import channel_settings
from presswatch.cli.progress import print_summary
from presswatch.demo.loopback import Response
from presswatch.report import build_report
from presswatch.runs import daily as daily_run
from presswatch.runs.summary import markdown_summary, run_summary
from presswatch.story import Story
from presswatch.warehouse.alert_book import AlertBook

FEED = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>http://x/'
        "</link><description>d</description></channel></rss>")
BROKEN = Response(500, b"upstream down", "text/plain", cacheable=False)


def _story(base: str) -> Story:
    return Story.model_validate({
        "id": "health", "title": "Sora leak", "start_date": "2024-11-01",
        "feeds": [{"url": f"{base}/wire.xml", "name": "Wire"},
                  {"url": f"{base}/flaky.xml", "name": "Flaky feed"}],
        "relevance": {"terms": ["Sora"]},
        "crawl": {"allow_private_hosts": True, "obey_robots": False, "download_delay": 0,
                  "timeout": 2, "retries": 0},
        "alerts": {"failing_source_runs": 2, "console": True},
    })


@pytest.fixture
def outlet():
    site = PublisherSite({"/wire.xml": FEED, "/flaky.xml": BROKEN})
    servers = serve(site, "wire")
    yield site, servers.bases["wire"]
    servers.stop()


def _run(story: Story, db: Path, staging: Path):
    """One run as presswatch/flows/daily.py orders it: crawl, load, alerts, finish, summary."""
    context, state = daily_run.begin_run(story, db, staging, 5.0)
    crawl, totals = daily_run.crawl_and_process(story, context, state)
    stream = io.StringIO()
    channels = build_channels(channel_settings(story.alerts, {}), stream)
    alerts = run_alerts(AlertBook(db), story, context.run_id, channels=channels,
                        sources=crawl.sources)
    finished = daily_run.finish_run(context, crawl, totals, state, status="ok",
                                    failing_source_runs=story.alerts.failing_source_runs)
    daily_run.drop_landed(context, finished)
    summary = run_summary(story, finished, state, crawl, totals, alerts)
    console = Console(file=io.StringIO(), width=200)
    print_summary(summary, console)
    return summary, console.file.getvalue(), markdown_summary(story, summary), stream.getvalue()


def test_a_feed_failing_run_after_run_is_named_then_recovers_once(outlet, tmp_path):
    site, base = outlet
    story, db = _story(base), tmp_path / "h.duckdb"
    staging = tmp_path / "staging"

    first, printed, _, alerts = _run(story, db, staging)
    assert first.source_health == [] and "Failing" not in printed and "Flaky" not in alerts

    second, printed, markdown, alerts = _run(story, db, staging)
    [row] = second.source_health
    assert (row["name"], row["failed_streak"]) == ("Flaky feed", 2)
    assert f"Failing 2 runs in a row: Flaky feed ({base}/flaky.xml): HTTP 500" in printed
    assert "Source health" in markdown and "Flaky feed" in markdown
    assert "Source failing 2 runs in a row: Flaky feed" in alerts
    assert "Last reason: HTTP 500" in alerts and "Wire" not in alerts
    page = (build_report(db).index).read_text(encoding="utf-8")
    assert "Failing on each of the last 2 runs: <strong>Flaky feed</strong>" in page

    # (A third failing run is named again but not alerted again: tests/alerts/test_source_alerts.py)
    site.pages["/flaky.xml"] = FEED
    third, printed, _, alerts = _run(story, db, staging)
    [row] = third.source_health
    assert (row["failed_streak"], row["recovered_after"]) == (0, 2)
    assert "Works again after failing 2 runs in a row: Flaky feed" in printed
    assert "Source works again after failing 2 runs in a row: Flaky feed" in alerts
    page = (build_report(db).index).read_text(encoding="utf-8")
    assert "Works again after failing 2 runs in a row: <strong>Flaky feed</strong>" in page
    assert "Failing on each of the last" not in page

    fourth, printed, _, alerts = _run(story, db, staging)
    assert fourth.source_health == [] and "Works again" not in printed and "Flaky" not in alerts
