"""GDELT's DOC API as a daily discovery source (presswatch.archives.gdelt_daily) against the
loopback GDELT replica, then its candidates fetched by a real crawl like a feed's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from archive_replicas import ArchiveReplica

from presswatch.addresses import AddressPolicy
from presswatch.archives.gdelt import api_client, query_problem
from presswatch.archives.gdelt_daily import gdelt_sources, source_url, window_start
from presswatch.demo.archive import ArchiveRecord
from presswatch.spiders.crawl import run_crawl
from presswatch.spiders.job import CrawlJob
from presswatch.spiders.urls import canonical_or_none, canonicalize
from presswatch.story import Crawl, Gdelt

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)



@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("Sora leak OpenAI", None),
        ('Sora artists "Hugging Face"', None),
        ('(Sora OR "PR Puppets") sourcelang:english', None),
        ('"Sora" leak', '"Sora" is a quoted single word, which GDELT refuses'),
        ("PR Puppets", "'PR' is shorter than 3 letters, which GDELT refuses"),
        ("Sora -AI leak", "'AI' is shorter than 3 letters"),
    ],
)
def test_queries_gdelt_refuses_are_caught_before_asking(query, problem) -> None:
    found = query_problem(query)
    assert (found is None) if problem is None else found.startswith(problem)


@pytest.mark.parametrize(
    ("last_end", "start", "expected"),
    [
        (None, date(2026, 12, 1), datetime(2026, 12, 1, tzinfo=UTC)),
        # GDELT keeps about three months: a first run never asks further back.
        (None, date(2024, 11, 26), NOW - timedelta(days=90)),
        ("2026-12-05T09:00:00+00:00", date(2024, 11, 26), datetime(2026, 12, 5, 9, tzinfo=UTC)),
        ("not a time", date(2026, 12, 1), datetime(2026, 12, 1, tzinfo=UTC)),
    ],
)
def test_each_window_starts_where_the_last_run_stopped(last_end, start, expected) -> None:
    assert window_start(last_end, start, NOW) == expected


def _records(*hours_ago: int) -> list[ArchiveRecord]:
    return [ArchiveRecord(f"https://news.example/a/{h}", NOW - timedelta(hours=h),
                          f"<html><body><p>Story {h}</p></body></html>".encode())
            for h in hours_ago]


def test_gdelt_is_asked_for_the_window_since_the_last_run(tmp_path) -> None:
    with ArchiveReplica(gdelt=_records(2, 30, 50)) as replica:
        api = replica.bases["gdelt"] + "/api/v2/doc/doc"
        client = api_client("presswatch-test", AddressPolicy(allow_loopback=True), interval_s=0)
        queries = [Gdelt(query="Sora leak OpenAI", name="GDELT: Sora"),
                   Gdelt(query='"Sora" leak')]
        first = source_url(api, "Sora leak OpenAI")
        good, refused = gdelt_sources(
            queries, client=client, api_base=api, start_date=date(2026, 1, 1), until=NOW,
            last_ends={first: (NOW - timedelta(hours=40)).isoformat()}, canonical=canonical_or_none)
        asked = [parse_qs(urlsplit(target).query) for _, target, _, _ in replica.log]
        news = replica.bases["news"]
    # Only the good query went out, for the window since the last run's end.
    assert [a["startdatetime"] for a in asked] == [["20261204170000"]]
    assert [a["enddatetime"] for a in asked] == [["20261206090000"]]
    assert good.source_url == first and good.kind == "gdelt" and good.error is None
    assert [c.url for c in good.candidates] == [canonicalize(news + "/a/30"),
                                                canonicalize(news + "/a/2")]
    assert good.last_modified == NOW.isoformat()
    assert refused.error.startswith('GDELT query \'"Sora" leak\': "Sora" is a quoted single word')
    assert refused.candidates == [] and refused.last_modified is None


def test_gdelt_candidates_are_fetched_by_the_crawl_like_a_feeds(tmp_path) -> None:
    with ArchiveReplica(gdelt=_records(2)) as replica:
        api = replica.bases["gdelt"] + "/api/v2/doc/doc"
        client = api_client("presswatch-test", AddressPolicy(allow_loopback=True), interval_s=0)
        found = gdelt_sources([Gdelt(query="Sora leak OpenAI", name="GDELT: Sora")],
                              client=client, api_base=api, start_date=date(2026, 12, 1),
                              until=NOW, last_ends={}, canonical=canonical_or_none)
        job = CrawlJob(found_sources=found,
                       crawl=Crawl(timeout=2.0, download_delay=0, retries=0,
                                   allow_private_hosts=True))
        output = run_crawl(job, tmp_path / "crawl")
        news = replica.bases["news"]
    [source] = output.sources
    assert (source.kind, source.name, source.error) == ("gdelt", "GDELT: Sora", None)
    assert source.last_modified == NOW.isoformat()
    [page] = output.pages()
    assert page.url == canonicalize(news + "/a/2")
    assert page.body_path is not None and page.source_url == source.source_url
