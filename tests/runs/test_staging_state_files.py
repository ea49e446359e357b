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


def test_a_backfill_units_damaged_tally_or_cut_staged_file_makes_it_processed_again(
        tmp_path, caplog):
    from presswatch.folders import write_atomically
    from presswatch.runs.backfill_unit import (
        Unit,
        UnitResult,
        read_tally,
        staged_path,
        tally_path,
    )

    whole, cut, bad = (Unit(f"u{i}", "warc", f"file{i}.warc.gz") for i in range(3))
    for unit in (whole, cut, bad):
        write_atomically(tally_path(tmp_path, unit), dumps(UnitResult(unit.key, unit.label)))
        staged_path(tmp_path, unit).write_text('{"article": {}}\n{"article": {}}\n')
    staged_path(tmp_path, cut).write_text('{"article": {}}\n{"arti')  # a kill before fsync
    tally_path(tmp_path, bad).write_text('{"key": "u2", "lab')
    with caplog.at_level(logging.WARNING):
        assert read_tally(tmp_path, whole) == UnitResult("u0", "file0.warc.gz")
        assert read_tally(tmp_path, cut) is None and read_tally(tmp_path, bad) is None
    assert str(tally_path(tmp_path, cut)) in caplog.text and "u1.jsonl" in caplog.text
    assert str(tally_path(tmp_path, bad)) in caplog.text
    assert sorted(p.name.split(".damaged-")[0] for p in tmp_path.glob("*.damaged-*")) == [
        "u1.json", "u1.jsonl", "u2.json"]
    assert read_tally(tmp_path, cut) is None and read_tally(tmp_path, bad) is None  # no wedge
