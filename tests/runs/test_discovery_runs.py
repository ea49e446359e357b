"""Two daily runs of the shipped story (robots.txt obeyed) against replicas of its hosts: the
run reports Google News as not used (no error, not a failing source), finds its articles
through Bing, GDELT and the outlets' feeds, and the second run asks GDELT only for the window
since the first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
from news_replicas import LiveWeb, over_http, serve, story_web

from presswatch.runs import daily as daily_run
from presswatch.runs.summary import run_summary
from presswatch.spiders.urls import canonicalize
from presswatch.story import default_story_path, load_story

GDELT_API = "http://api.gdeltproject.org/api/v2/doc/doc"


def test_the_default_story_runs_on_the_replicas_without_google(monkeypatch, tmp_path) -> None:
    story = over_http(load_story(default_story_path()))
    web = story_web([f.url for f in story.feeds], [s.url for s in story.sitemaps],
                    datetime.now(UTC))
    proxy = serve(LiveWeb(web.hosts), "proxy")
    monkeypatch.setenv("http_proxy", proxy.bases["proxy"])
    monkeypatch.delenv("no_proxy", raising=False)
    db, staging = tmp_path / "w.duckdb", tmp_path / "staging"
    try:
        first, first_started = _run(story, db, staging)
        second, _ = _run(story, db, staging)
    finally:
        proxy.stop()

    rows = {name: (status, reason) for name, status, reason in _rows(
        db, "select s.name, r.status, r.reason from source_runs as r join sources as s "
            "using (source_id) join runs using (run_id) where run_id = ?", first.run_id)}
    for name in ("Google News: Sora leak", "Google News: PR Puppets"):
        assert rows[name][0] == "not_used" and rows[name][1].startswith("Google News is opt-in")
    assert {status for name, (status, _) in rows.items() if "Google" not in name} == {"ok"}
    assert first.status == "ok" and first.n_sources_failed == 0
    google_rows = [row for row in first.table if row["source"].startswith("Google News")]
    assert [row["status"] for row in google_rows] == ["not used", "not used"]
    assert web.google.requests == []
    stored = {url for (url,) in _rows(db, "select url from articles")}
    assert stored == {canonicalize(url) for url in web.articles}
    assert {canonicalize(web.bing_article), canonicalize(web.gdelt_article)} <= stored
    # Each query once a run; the second run's window starts where the first run's ended.
    starts = [q["startdatetime"][0] for q in web.gdelt.asked]
    assert len(starts) == 2 * len(story.gdelt)
    assert starts[len(story.gdelt):] == [f"{first_started:%Y%m%d%H%M%S}"] * len(story.gdelt)
    assert second.status == "ok" and second.n_sources_failed == 0


def _run(story, db: Path, staging: Path):
    context, state = daily_run.begin_run(story, db, staging, 5.0)
    crawl = daily_run.crawl_sources(story, context, state, gdelt_api=GDELT_API)
    totals = daily_run.process_pages(story, context, state, crawl)
    finished = daily_run.finish_run(context, crawl, totals, state, status="ok")
    return run_summary(story, finished, state, crawl, totals, None), context.started_at


def _rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()
