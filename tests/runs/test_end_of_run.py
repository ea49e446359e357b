"""The end of a daily run, in the order presswatch/flows/daily.py keeps: the staging folder of a
landed run stays until the report is written (drop_landed), and a big report's second process
starts before alerts and publishing, only when the run will rebuild that report."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

from presswatch.records import Statement
from presswatch.report.build import SECOND_PROCESS_STATEMENTS
from presswatch.report.side import SecondProcess
from presswatch.runs import daily as daily_run
from presswatch.runs.context import RunTotals
from presswatch.spiders.crawl import CrawlOutput
from presswatch.story import Story
from presswatch.warehouse.beside import landed_bin

T0 = datetime(2024, 11, 26, 9, tzinfo=UTC)


def _story() -> Story:
    return Story.model_validate({
        "id": "end", "title": "Sora leak", "start_date": "2024-11-01",
        "feeds": [{"url": "http://127.0.0.1:9/feed.xml", "name": "Wire"}],
        "relevance": {"terms": ["Sora"]},
    })


def _begin(tmp_path):
    return daily_run.begin_run(_story(), tmp_path / "w.duckdb", tmp_path / "staging", 5.0)


def test_a_landed_runs_staging_folder_is_kept_for_the_report_then_dropped(tmp_path):
    context, state = _begin(tmp_path)
    bodies = context.staging_dir / "crawl" / "bodies"
    bodies.mkdir(parents=True)
    (bodies / "a.html.gz").write_bytes(b"what the crawl fetched")
    crawl = CrawlOutput(context.staging_dir / "crawl", sources=[], stats={})

    finished = daily_run.finish_run(context, crawl, RunTotals(), state, status="ok")

    assert finished.landed and finished.landed_dirs == [context.staging_dir]
    assert (bodies / "a.html.gz").is_file()  # the report's files are made before it goes
    sweeper = daily_run.drop_landed(context, finished)
    assert not context.staging_dir.exists()  # out of staging at once: no run takes it up
    assert sweeper is not None  # deleted in the background: the run does not wait
    sweeper.join(timeout=30)
    assert not landed_bin(context.staging_root).exists()


def test_a_big_reports_second_process_starts_early_only_when_that_report_is_rebuilt(tmp_path):
    context, state = _begin(tmp_path)
    said = Statement("s1", "Niko Felix", None, "OpenAI", "We paused access", T0, "a1")
    big = replace(state, statements=[said] * SECOND_PROCESS_STATEMENTS)
    added = RunTotals(articles_added=3)

    with daily_run.report_side(context, big, added) as side:
        assert isinstance(side, SecondProcess)
        child = side._child
        assert child is not None and child.poll() is None  # loading while alerts run
    assert child.poll() is not None  # ended on the way out, even unused

    quiet = RunTotals()  # nothing added: the last report is kept, no process for it
    small = replace(state, statements=[said] * (SECOND_PROCESS_STATEMENTS - 1))
    held = replace(context, held=True)  # the report waits for the load
    for run_context, run_state, totals in ((context, big, quiet), (context, small, added),
                                           (held, big, added)):
        with daily_run.report_side(run_context, run_state, totals) as side:
            assert side is None


def test_what_a_process_left_to_delete_is_swept_by_the_next_run_not_taken_up(tmp_path):
    crawl = landed_bin(tmp_path / "staging") / "20241126T090000000000Z-end" / "crawl"
    (crawl / "bodies").mkdir(parents=True)  # the process ended before its sweep did
    (crawl / "bodies" / "a.html.gz").write_bytes(b"landed long ago")

    context, state = _begin(tmp_path)

    assert state.leftover_dirs == []  # landed work: not a dead run's to finish
    for sweeper in threading.enumerate():  # begin_run's, unless it is done already
        if sweeper.name == "presswatch-landed-sweep":
            sweeper.join(timeout=30)
    assert not landed_bin(context.staging_root).exists()
