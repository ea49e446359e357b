"""What a dead run left in staging never wedges the runs after it (issue 26 item 3): a missing
or damaged job is set aside with a message naming it, and a body lost or cut short is fetched
again instead of being taken for done."""

from __future__ import annotations

import gzip
import logging
from datetime import UTC, datetime

from presswatch.jsonl import dumps
from presswatch.records import FetchedPage
from presswatch.runs.daily import leftover_pages
from presswatch.runs.staging import leftover_crawl, staged_state
from presswatch.spiders.job import JOB_FILE, PAGES_FILE, CrawlJob
from presswatch.story import Crawl

T0 = datetime(2024, 11, 26, 9, tzinfo=UTC)


def _dead_run(root, name, job: str | None, bodies: dict[str, bytes] | None = None):
    crawl = root / name / "crawl"
    (crawl / "bodies").mkdir(parents=True)
    if job is not None:
        (crawl / JOB_FILE).write_text(job, encoding="utf-8")
    lines = []
    for i, (url, body) in enumerate((bodies or {}).items()):
        (crawl / "bodies" / f"{i}.html.gz").write_bytes(body)
        lines.append(dumps(FetchedPage(url, url, 200, T0, "https://feed.example/rss",
                                       "text/html", f"bodies/{i}.html.gz")) + "\n")
    (crawl / PAGES_FILE).write_text("".join(lines), encoding="utf-8")
    return root / name


def test_a_missing_or_empty_job_is_set_aside_and_the_run_goes_on(tmp_path, caplog):
    missing = _dead_run(tmp_path, "run-1", None)
    empty = _dead_run(tmp_path, "run-2", "")
    with caplog.at_level(logging.WARNING):
        assert leftover_crawl(missing) is None and leftover_crawl(empty) is None
        assert staged_state([missing, empty]).urls == set()
        assert list(leftover_pages([missing, empty])) == []
    aside = [p.name for p in (empty / "crawl").iterdir() if p.name.startswith(JOB_FILE)]
    assert len(aside) == 1 and aside[0].startswith("job.json.damaged-")
    assert str(empty / "crawl" / JOB_FILE) in caplog.text and aside[0] in caplog.text


def test_a_body_cut_short_is_fetched_again_not_taken_for_done(tmp_path, caplog):
    whole = gzip.compress(b"<html><body><p>All of it.</p></body></html>" * 50)
    job = CrawlJob(feeds=[], sitemaps=[], crawl=Crawl(), since=None).to_json()
    run = _dead_run(tmp_path, "run-1", job, {"https://a.example/whole": whole,
                                             "https://a.example/cut": whole[: len(whole) // 2],
                                             "https://a.example/empty": b""})
    with caplog.at_level(logging.WARNING):
        assert staged_state([run]).urls == {"https://a.example/whole"}
        assert [p.url for p in leftover_pages([run])] == ["https://a.example/whole"]
    assert "https://a.example/cut" in caplog.text and "fetched again" in caplog.text
