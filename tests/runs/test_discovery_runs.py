"""Two daily runs of the shipped story (robots.txt obeyed) against replicas of its hosts: the
run reports Google News as not used (no error, not a failing source), finds its articles
through Bing, GDELT and the outlets' feeds, and the second run asks GDELT only for the window
since the first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
from news_replicas import LiveWeb, PublisherSite, over_http, serve, story_web

from presswatch.demo.loopback import Response
from presswatch.runs import daily as daily_run
from presswatch.runs.summary import run_summary
from presswatch.spiders.urls import canonicalize
from presswatch.story import Story, default_story_path, load_story

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
    crawl, totals = daily_run.crawl_and_process(story, context, state, gdelt_api=GDELT_API)
    finished = daily_run.finish_run(context, crawl, totals, state, status="ok")
    daily_run.drop_landed(context, finished)
    return run_summary(story, finished, state, crawl, totals, None), context.started_at


def _rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


CHALLENGE = ("<!doctype html><html><head><title>Just a moment...</title></head><body><p>Verifying "
             "you are human.</p><script src='/cdn-cgi/challenge-platform/h/g/orchestrate/"
             "chl_page/v1'></script></body></html>")


def test_a_wall_is_named_in_source_health_and_never_stored(tmp_path) -> None:
    site = PublisherSite({"/a/1": CHALLENGE})
    servers = serve(site, "outlet")
    base = servers.bases["outlet"]
    site.pages["/feed.xml"] = Response(
        200, (f"<?xml version='1.0'?><rss version='2.0'><channel><title>W</title><item>"
              f"<title>Sora</title><link>{base}/a/1</link></item></channel></rss>").encode(),
        "application/rss+xml", cacheable=False)
    story = Story.model_validate({
        "id": "walls", "title": "Sora leak", "start_date": "2024-11-01",
        "feeds": [{"url": f"{base}/feed.xml", "name": "Wire"}],
        "relevance": {"terms": ["Sora"]},
        "crawl": {"allow_private_hosts": True, "download_delay": 0, "timeout": 2,
                  "retries": 0},
    })
    db = tmp_path / "w.duckdb"
    try:
        summary, _ = _run(story, db, tmp_path / "staging")
    finally:
        servers.stop()
    note = "1 page blocked: bot wall (Cloudflare challenge) answered instead of the page"
    assert summary.table[0]["reason"] == note and summary.table[0]["failed"] == 1
    assert _rows(db, "select status, n_failed, reason from source_runs") == [("ok", 1, note)]
    assert _rows(db, "select count(*) from articles") == [(0,)]
