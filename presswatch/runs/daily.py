"""The stages of a day's run as plain functions over values, paths and records.

presswatch/flows/daily.py wraps each in a Prefect task; nothing here imports Prefect, so a
stage can run alone, in a test, or on another worker. Crash safety comes from two facts: the
crawl's output (pages and raw bodies) sits in a staging folder until the run that made it has
loaded all of it, and every load is idempotent by key. A run that died is finished by the next
one, which re-processes the dead run's staging folder and skips what had already landed.

The run never waits long for the warehouse file. If another process holds it when the run
begins (an analyst's session, a notebook left open), it starts held (presswatch/runs/held.py):
it crawls, extracts and analyses into its staging folder, and loads at its end once the file is
free, within PRESSWATCH_LOCK_TIMEOUT, or else at the next run (presswatch/runs/staging.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

from presswatch.archives.gdelt_daily import DOC_API, daily_client, gdelt_sources
from presswatch.lease import Lease, acquire
from presswatch.nlp.statements import StatementFingerprint
from presswatch.nlp.syndication import SyndicationIndex
from presswatch.records import FetchedPage
from presswatch.report.build import SECOND_PROCESS_STATEMENTS
from presswatch.report.side import InProcess, start_side
from presswatch.runs import staging
from presswatch.runs.analysis import Analyzer, analysed_items, batched, extracted_items, load_items
from presswatch.runs.context import (
    STORED_URLS_FILE,
    Finished,
    Progress,
    RunContext,
    RunTotals,
    StartState,
    new_run_id,
    quiet,
    start_state,
)
from presswatch.runs.held import begin_held_run, finish_held_run, stage_items
from presswatch.runs.settings import RunSettings
from presswatch.spiders.crawl import CrawlChild, CrawlOutput, RunningCrawl
from presswatch.spiders.job import CrawlJob
from presswatch.spiders.urls import canonical_or_none
from presswatch.story import Story
from presswatch.warehouse.analysis_state import statement_fingerprints
from presswatch.warehouse.batch import LoadBatch, Run, SourceRun, story_rows
from presswatch.warehouse.errors import WarehouseLocked
from presswatch.warehouse.link_decodes import (
    decoded_links,
    link_decode_rows,
    read_link_decodes,
    undecodable_links,
)
from presswatch.warehouse.reanalysis import finish_interrupted_removals
from presswatch.warehouse.run_findings import run_source_health, statement_details
from presswatch.warehouse.store import open_warehouse

log = logging.getLogger("presswatch.run")

# How long the start of a run waits for the write lock before it goes on without it: a short
# transaction of another process is waited out, a session left open is not (the crawl would
# wait behind it, and feed items do not).
BEGIN_LOCK_WAIT_S = 5.0
# Items per load: each load opens the file twice (a read of stored look-alikes, then the write,
# whose close checkpoints), so 64 cost 34 opens a run of 1,000 pages; 256 are still a short
# transaction and a few MB of text in memory.
LOAD_BATCH = 256


def lease(settings: RunSettings) -> Lease:
    """The warehouse's lease for one daily run (presswatch/lease.py): while it is held no other
    run starts, so the folders other runs left in staging are dead runs' work."""
    return acquire(settings.db_path, "daily", settings.story().id,
                   wait_s=settings.lease_wait_s)


def begin_run(story: Story, db_path: Path, staging_root: Path, lock_timeout_s: float,
              now: datetime | None = None, *, crawl_soon: bool = False,
              ) -> tuple[RunContext, StartState]:
    """Open (and migrate) the warehouse briefly: load what earlier held runs staged, read the
    state, record the run as running. If another process holds the file for more than a few
    seconds, start without it instead (see begin_held_run). crawl_soon: start the crawl child
    first, so that its second of start-up passes while this reads (state.crawl_child)."""
    started_at = now or datetime.now(UTC)
    run_id = new_run_id(story.id, started_at)
    staging_dir = staging_root / run_id
    staging_dir.mkdir(parents=True, exist_ok=True)
    child = CrawlChild(staging_dir / staging.CRAWL_DIR) if crawl_soon else None
    with _let_go_on_error(child):
        context, start = _read_start(story, RunContext(run_id, story.id, started_at, db_path,
                                                       staging_dir, lock_timeout_s))
    start.crawl_child = child
    return context, start


@contextmanager
def _let_go_on_error(child: CrawlChild | None) -> Iterator[None]:
    """A crawl child started early exits, not waits, when the run fails before its crawl."""
    try:
        yield
    except BaseException:
        if child is not None:
            child.cancel()
        raise


def _read_start(story: Story, context: RunContext) -> tuple[RunContext, StartState]:
    """begin_run's reading: from the warehouse, or, when it is held, from what can be read."""
    staging.sweep_landed(context.staging_root)  # what an earlier process left to delete
    clock = time.monotonic()
    try:
        warehouse = open_warehouse(context.db_path,
                                   lock_timeout_s=min(context.lock_timeout_s, BEGIN_LOCK_WAIT_S))
    except WarehouseLocked as exc:
        log.warning("%s; this run crawls and analyses into %s and loads when the file is free",
                    exc, context.staging_dir)
        return begin_held_run(story, replace(context, waited_s=time.monotonic() - clock))
    with warehouse:
        warehouse.require_story(story.id)  # one story per warehouse: refuse to mix two
        caught_up = staging.catch_up(warehouse, context.staging_root, by_run_id=context.run_id,
                                     exclude=context.staging_dir)
        staging.publish_landed(warehouse, caught_up.landed, strict=False)
        state = warehouse.read_state()
        fingerprints = [StatementFingerprint(i, list(w)) for i, w in
                        statement_fingerprints(warehouse)]
        decodes = read_link_decodes(warehouse)
        warehouse.load_batch(LoadBatch(
            run_id=context.run_id, runs=[Run(context.run_id, story.id, context.started_at)],
            extra=story_rows(story, context.started_at)))
        if warehouse.close_unfinished_runs(context.run_id):
            log.warning("earlier runs ended before finishing; this run completes their work")
        if finish_interrupted_removals(warehouse):
            log.warning("a re-analysis had stopped before its last step; its statements no "
                        "quote names were removed")
    # Dead runs' folders and staged runs whose analysis was stale: this run processes them.
    leftovers = staging.run_dirs(context.staging_root, exclude=context.staging_dir)
    start = start_state(context, state, fingerprints, leftovers, caught_up=caught_up)
    start.link_decodes = decodes
    return context, start


def crawl_job(story: Story, context: RunContext, state: StartState, *,
              gdelt_api: str = DOC_API) -> CrawlJob:
    """Ask GDELT for what it saw since the last run (the story's [[gdelt]] queries), then
    make the crawl's job: feeds, sitemaps and what GDELT found, and what not to fetch again."""
    found = gdelt_sources(
        story.gdelt,
        client=daily_client(story.crawl.user_agent, gdelt_api, story.crawl.address_policy()),
        api_base=gdelt_api, start_date=story.start_date, until=context.started_at,
        last_ends={url: last_modified for url, (_, last_modified) in state.feed_state.items()},
        canonical=canonical_or_none,
    ) if story.gdelt else []
    return CrawlJob.for_story(
        story,
        feed_state=state.feed_state,
        stored_urls_path=context.staging_dir / STORED_URLS_FILE,
        decoded_links=decoded_links(state.link_decodes),
        undecodable_links=undecodable_links(state.link_decodes),
        found_sources=found,
    )


def crawl_and_process(story: Story, context: RunContext, state: StartState,
                      progress: Progress = quiet, *, gdelt_api: str = DOC_API,
                      batch_size: int = LOAD_BATCH) -> tuple[CrawlOutput, RunTotals]:
    """The day's crawl, its pages extracted, analysed and loaded as the child writes them
    (process_page_stream), so the spaCy processes parse while the crawl still fetches.

    Crash safety is the crawl-then-process one: the pages and bodies stay in staging until
    finish_run, and every load is idempotent by key, so a run killed half-way is finished by
    the next from what its crawl child had written. A processing error stops the child.
    """
    child, state.crawl_child = state.crawl_child, None
    with _let_go_on_error(child):
        job = crawl_job(story, context, state, gdelt_api=gdelt_api)
    crawl = RunningCrawl(job, context.staging_dir / staging.CRAWL_DIR, child)

    def n_pages() -> int | None:  # known once the crawl has ended and every page is read
        return crawl.pages_read if crawl.all_read and not state.leftover_dirs else None

    try:
        pages = chain(crawl.pages(on_progress=lambda n: progress("crawl", n, None)),
                      leftover_pages(state.leftover_dirs))
        totals = process_page_stream(story, context, state, pages, n_pages,
                                     batch_size=batch_size, progress=progress)
    except BaseException:
        crawl.stop()
        raise
    return crawl.finish(), totals


def leftover_pages(dirs: Iterable[Path]) -> Iterator[FetchedPage]:
    """Pages a run that died had fetched whole, for this run to finish."""
    for run_dir in dirs:
        output = staging.leftover_crawl(run_dir)
        if output is not None:
            yield from staging.intact_pages(output)


def process_page_stream(
    story: Story,
    context: RunContext,
    state: StartState,
    pages: Iterable[FetchedPage],
    n_pages: Callable[[], int | None],
    *,
    batch_size: int = LOAD_BATCH,
    progress: Progress = quiet,
) -> RunTotals:
    """Extract, judge, analyse and load pages batch by batch, as they come.

    Each batch lands in one short transaction before the next is loaded, so the warehouse is
    free for analysts between batches, and memory stays flat in the crawl's size. A held run
    writes each batch into its staging folder instead, reading stored signatures read-only.
    n_pages: how many pages there are, once known (a page gives at most one text to parse).
    """
    totals = RunTotals()

    def most_texts() -> int | None:
        known = n_pages()
        return None if known is None else known + len(state.pending_articles)

    pages_read = 0

    def counted(pages: Iterable[FetchedPage]) -> Iterator[FetchedPage]:
        nonlocal pages_read
        for page in pages:
            pages_read += 1
            yield page

    analyzer = Analyzer(story, state.statements, state.fingerprints, most_texts=most_texts,
                        texts_so_far=lambda: pages_read + len(state.pending_articles))
    staged = SyndicationIndex()  # a held run's earlier batches are in no file it can read
    items = extracted_items(state, counted(pages), totals, batch_size, progress, n_pages,
                            analyzer.may_be_on_story)
    for batch in batched(analysed_items(analyzer, items), batch_size):
        if context.held:
            stage_items(context, analyzer, batch, staged, totals)
        else:
            # Earlier batches are stored: the batch's lookup finds their look-alikes there
            # (the same clusters), so no index of every article of the run grows in memory.
            load_items(context, analyzer, batch, SyndicationIndex(), totals)
    return totals


def finish_run(context: RunContext, crawl: CrawlOutput, totals: RunTotals,
               state: StartState, *, status: str, message: str | None = None,
               failing_source_runs: int = 3) -> Finished:
    """Record the sources' state and the run's outcome, publish views, checks and snapshot;
    the staging folders whose work has landed are the caller's to drop (drop_landed), once the
    report is written. A held run stages all that instead
    and loads it if the file comes free within the lock timeout (finish_held_run)."""
    now = datetime.now(UTC)
    sources = []
    for result in crawl.sources:
        counts = totals.by_source.get(result.source_url, {})
        sources.append(SourceRun(
            result=result, checked_at=now, n_new=counts.get("new", 0),
            n_fetched=counts.get("fetched", 0), n_failed=counts.get("failed", 0),
            note=totals.wall_note(result.source_url),
        ))
    failed = sum(1 for s in crawl.sources if s.error)
    run = Run(
        run_id=context.run_id, story_id=context.story_id, started_at=context.started_at,
        status=status if status != "ok" or not failed else "partial", finished_at=now,
        n_sources=len(crawl.sources), n_sources_failed=failed,
        n_pages_fetched=totals.pages_fetched, n_articles_added=totals.articles_added,
        n_quotes_added=totals.quotes_added, n_statements_new=len(totals.new_statement_ids),
        message=message,
    )
    extra = {"link_decodes": link_decode_rows(crawl.decodes, state.link_decodes)}
    if context.held:
        return finish_held_run(context, run, sources, totals, state, extra,
                               failing_source_runs=failing_source_runs)
    reprocessed = staging.stale_runs_rows(state.leftover_dirs, context.run_id)
    with context.warehouse() as warehouse:
        warehouse.load_batch(LoadBatch(run_id=context.run_id, runs=[run, *reprocessed],
                                       sources=sources, extra=extra))
        warehouse.publish(run_id=context.run_id)
        health = run_source_health(warehouse, context.run_id, failing_source_runs)
        new_statements = statement_details(warehouse, totals.new_statement_ids)
    return Finished(run, waited_s=context.waited_s, source_health=health,
                    new_statements=new_statements,
                    landed_dirs=[*state.leftover_dirs, context.staging_dir])


@contextmanager
def report_side(context: RunContext, state: StartState,
                totals: RunTotals) -> Iterator[InProcess | None]:
    """The report's second process (report/side.py), started as soon as the run knows it will
    rebuild a big report, so that its start (interpreter, libraries, chart engine: about 1 CPU
    s) runs on the idle core while alerts and publishing run in this process; ended on the way
    out. None when the report is kept (the run added nothing), waits (a held run) or is small.
    """
    n_statements = len(state.statements) + len(totals.new_statement_ids)
    wanted = (not context.held and totals.articles_added > 0
              and n_statements >= SECOND_PROCESS_STATEMENTS)
    with start_side(True) if wanted else nullcontext() as side:
        yield side


def drop_landed(context: RunContext, finished: Finished) -> threading.Thread | None:
    """Remove the staging folders whose work has landed, in the background (staging.discard;
    the thread is returned for tests to join), once the run's report is written: on ext4
    without a journal, a file made within a minute of many deletions nearby skips each inode
    freed meanwhile, one by one, and the report makes 4,000 files."""
    return staging.discard(finished.landed_dirs, context.staging_root)
