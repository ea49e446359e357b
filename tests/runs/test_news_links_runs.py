"""Two runs of the stages over a live-format Google News search feed (the loopback replica in
tests/news_replicas.py): articles land under the publishers' canonical URLs, each link is
decoded once across runs, and failed decodes are recorded per link without failing the run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from news_replicas import GOOGLE, GoogleNewsReplica, PublisherSite, article_id, serve

from presswatch.runs import daily as daily_run
from presswatch.runs.context import Finished
from presswatch.spiders.urls import canonicalize
from presswatch.story import Story

SEARCH = f"{GOOGLE}/rss/search?q=Sora+leak&hl=en-US&gl=US&ceid=US:en"


def _article(title: str) -> str:
    text = "".join(f"<p>Paragraph {i} on {title}: the artists said the company asked them to "
                   "test the video model without pay, so they published it.</p>"
                   for i in range(4))
    return (f"<!doctype html><html lang='en'><head><title>{title}</title></head><body>"
            f"<article><h1>{title}</h1>{text}</article></body></html>")


class Outlet:
    """The publisher, served on loopback: its base URL and hits by path."""

    def __init__(self) -> None:
        self.site = PublisherSite({f"/a/{n}": _article(f"Story {n}") for n in (1, 2, 3)})
        self.servers = serve(self.site, "outlet")
        self.base = self.servers.bases["outlet"]
        self.hits = self.site.hits

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def newsroom(monkeypatch):
    outlet = Outlet()
    stories = {outlet.url(f"/a/{n}"): f"Story {n}" for n in (1, 2, 3)}
    replica = GoogleNewsReplica(stories, refused={article_id(outlet.url("/a/3"))})
    servers = serve(replica)
    monkeypatch.setenv("http_proxy", servers.bases["news.google.com"])
    monkeypatch.setenv("no_proxy", outlet.base.split("//")[1].split(":")[0])
    yield outlet, replica
    servers.stop()
    outlet.servers.stop()


def _story() -> Story:
    return Story.model_validate({
        "id": "gnews", "title": "Sora leak", "start_date": "2024-11-01",
        "feeds": [{"url": SEARCH, "name": "Google News: Sora leak", "ignore_robots": True}],
        "relevance": {"terms": ["no such term"]},
        "crawl": {"allow_private_hosts": True, "download_delay": 0,
                  "timeout": 2, "retries": 0, "google_news_delay": 0.05},
    })


def _run(story: Story, db: Path, staging: Path) -> Finished:
    context, state = daily_run.begin_run(story, db, staging, 5.0)
    crawl, totals = daily_run.crawl_and_process(story, context, state)
    finished = daily_run.finish_run(context, crawl, totals, state, status="ok")
    daily_run.drop_landed(context, finished)
    return finished


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_each_link_is_decoded_once_across_runs_and_failures_are_kept(newsroom, tmp_path):
    outlet, replica = newsroom
    story, db = _story(), tmp_path / "g.duckdb"
    article_2 = outlet.site.pages.pop("/a/2")  # the publisher's page is down on the first run
    first = _run(story, db, tmp_path / "staging")
    assert first.run.status in {"ok", "partial"}
    publishers = {canonicalize(outlet.url(f"/a/{n}")) for n in (1, 2)}
    stored = {canonicalize(outlet.url("/a/1"))}
    assert {u for (u,) in _rows(db, "select canonical_url from articles")} == stored
    decodes = {r[0]: r[1:] for r in _rows(
        db, "select link_url, publisher_url, error, n_attempts from link_decodes")}
    refused = canonicalize(replica.link(outlet.url("/a/3")))
    assert decodes[refused] == (None, "batchexecute: Google answered an error for this link "
                                "(code [3])", 1)
    assert {d[0] for link, d in decodes.items() if link != refused} == publishers

    outlet.site.pages["/a/2"] = article_2
    replica.rate_limited = True  # the second run's only question to Google gets a 429
    second = _run(story, db, tmp_path / "staging")
    assert second.run.status in {"ok", "partial"} and second.run.n_articles_added == 1
    # The decoded links were not asked again: one article-page hit each, in all; the second
    # went from the warehouse's answer straight to its publisher.
    assert {replica.page_hits[article_id(outlet.url(f"/a/{n}"))] for n in (1, 2)} == {1}
    assert outlet.hits["/a/2"] == 2 and outlet.hits["/a/1"] == 1 and outlet.hits["/a/3"] == 0
    assert {u for (u,) in _rows(db, "select canonical_url from articles")} == publishers
    assert replica.batches[0] and len(replica.batches) == 1  # the 429 answered no batch
    assert replica.page_hits[article_id(outlet.url("/a/3"))] == 2
    # Google's 429 says nothing about the link: its row still holds Google's own answer.
    assert _rows(db, f"select error, n_attempts from link_decodes where link_url = '{refused}'"
                 ) == [("batchexecute: Google answered an error for this link (code [3])", 1)]


HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
sys.stdin.readline()
"""


def test_a_held_run_stages_its_decodes_and_the_next_run_lands_them(newsroom, tmp_path):
    outlet, replica = newsroom
    story, db, staging = _story(), tmp_path / "g.duckdb", tmp_path / "staging"
    _run(story, db, staging)
    replica.refused.clear()  # Google now answers for the third link
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        context, state = daily_run.begin_run(story, db, staging, 1.0)
        assert context.held and len(state.link_decodes) == 3  # read from the live file
        crawl, totals = daily_run.crawl_and_process(story, context, state)
        held = daily_run.finish_run(context, crawl, totals, state, status="ok")
        assert not held.landed
    finally:
        holder.communicate("\n", timeout=30)
    third = canonicalize(outlet.url("/a/3"))
    link = canonicalize(replica.link(outlet.url("/a/3")))
    _run(story, db, staging)  # lands the held run first, then asks Google nothing
    assert _rows(db, f"select publisher_url, error, n_attempts from link_decodes "
                     f"where link_url = '{link}'") == [(third, None, 2)]
    assert replica.page_hits[article_id(outlet.url("/a/3"))] == 2
    assert sum(len(b) for b in replica.batches) == 3 + 1
    assert _rows(db, "select count(*) from articles") == [(3,)]
