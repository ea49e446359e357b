"""The daily ingestion flow: a short story of task calls over presswatch/runs/daily.py.

Transient failures (a feed server timing out inside the crawl, a warehouse locked by an analyst
between two loads) are retried by Prefect with backoff; permanent ones are recorded per source
and the run still loads what it got. A warehouse already held when the run begins does not stop
it: the run crawls and analyses into staging and loads at its end or at the next run, and its
summary says which (presswatch/runs/held.py). `presswatch run` calls this flow once; prefect.yaml
and `presswatch serve` schedule it.
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.utilities.annotations import quote

from presswatch.alerts.channels import build_channels
from presswatch.alerts.delivery import AlertRunReport, run_alerts
from presswatch.alerts.settings import channel_settings
from presswatch.flows.artifacts import artifact_key, publish_run_artifacts
from presswatch.flows.retry import LOCK_RETRIES, retry_on
from presswatch.records import SourceResult
from presswatch.report import report_index
from presswatch.report.side import InProcess
from presswatch.runs import daily as daily_run
from presswatch.runs.context import (
    Finished,
    RunContext,
    RunTotals,
    StartState,
    record_stop,
    report_progress,
)
from presswatch.runs.settings import RunSettings, run_settings
from presswatch.runs.summary import RunSummary, kept_from, markdown_summary, run_summary
from presswatch.spiders.crawl import CrawlFailed, CrawlOutput
from presswatch.story import Story
from presswatch.warehouse.alert_book import AlertBook
from presswatch.warehouse.errors import WarehouseLocked


# Never retried for the lock: a held warehouse makes it start from staging instead.
@task(name="begin run", cache_policy=NO_CACHE)
def begin_run(story: Story, settings: RunSettings):
    return daily_run.begin_run(story, settings.db_path, settings.staging_root,
                               settings.lock_timeout_s, crawl_soon=True)


# One task: the pages are processed while the crawl child still writes them. Retried when
# waiting can fix it (a feed server or the child failing, the warehouse held between loads);
# the loads are idempotent, so a retry redoes only what had not landed.
@task(name="crawl, extract, analyse and load", cache_policy=NO_CACHE,
      **{**LOCK_RETRIES, "retry_condition_fn": retry_on(CrawlFailed, WarehouseLocked)})
def crawl_and_process(story: Story, context: RunContext, state: StartState,
                      gdelt_api: str) -> tuple[CrawlOutput, RunTotals]:
    return daily_run.crawl_and_process(story, context, state, report_progress,
                                       gdelt_api=gdelt_api)


@task(name="alerts", cache_policy=NO_CACHE, **LOCK_RETRIES)
def alert(story: Story, context: RunContext,
          sources: list[SourceResult]) -> AlertRunReport:
    # The channels' secrets (webhook URL, SMTP password) are read from this process's
    # environment here and held in memory: never a flow or task parameter, which Prefect keeps.
    channels = build_channels(channel_settings(story.alerts, os.environ))
    book = AlertBook(context.db_path, lock_timeout_s=context.lock_timeout_s)
    return run_alerts(book, story, context.run_id, channels=channels, sources=sources,
                      report_path=str(report_index(context.db_path)))


@task(name="finish run", cache_policy=NO_CACHE, **LOCK_RETRIES)
def finish(story: Story, context: RunContext, output: CrawlOutput,
           totals: RunTotals, state: StartState) -> Finished:
    return daily_run.finish_run(context, output, totals, state, status="ok",
                                failing_source_runs=story.alerts.failing_source_runs)


def run_daily(settings: RunSettings) -> RunSummary:
    """One run, start to end, inside a flow (daily, daily_with_settings). Its progress goes to
    whoever listens in this process (runs.context.progress_to)."""
    story = settings.story()
    logger = get_run_logger()
    # quote(): Prefect walks and copies every object inside a task's arguments looking for
    # futures, several times per call. The start state holds every stored URL and statement:
    # walking it took 0.56 s per call at 1,000 articles and grew with the warehouse.
    story_q = quote(story)
    context, state = begin_run(story_q, settings)
    if state.leftover_dirs:
        logger.warning("finishing the work of %d earlier run(s) that did not complete",
                       len(state.leftover_dirs))
    if context.held:
        logger.warning("the warehouse is held by another process; crawling and analysing "
                       "into %s", context.staging_dir)
    context_q, state_q = quote(context), quote(state)
    try:
        output, totals = crawl_and_process(story_q, context_q, state_q, settings.gdelt_api)
    except Exception as exc:  # its row says failed now, not 'running' until the next run
        record_stop(context, exc)
        raise
    # A big report's second process starts now, on the core alerts and publishing leave idle.
    with daily_run.report_side(context, state, totals) as side:
        try:
            finished, alerts = land_and_alert(story, context, state, output, totals)
        except Exception as exc:
            record_stop(context, exc)
            raise
        try:
            summary = summarise_and_publish(story, settings, state, output, totals, finished,
                                            alerts, side)
        finally:  # once the report is written (drop_landed says why)
            daily_run.drop_landed(context, finished)
    return summary


def land_and_alert(story: Story, context: RunContext, state: StartState, output: CrawlOutput,
                   totals: RunTotals) -> tuple[Finished, AlertRunReport | None]:
    """The finish and alert tasks, in the order that lets alerts judge what has landed."""
    story_q, context_q, state_q = quote(story), quote(context), quote(state)
    output_q, totals_q = quote(output), quote(totals)
    if context.held:  # after the load, or at the next run
        finished = finish(story_q, context_q, output_q, totals_q, state_q)
        alerts = alert(story_q, context_q, quote(output.sources)) if finished.landed else None
    else:
        alerts = alert(story_q, context_q, quote(output.sources))
        finished = finish(story_q, context_q, output_q, totals_q, state_q)
    return finished, alerts


def summarise_and_publish(story: Story, settings: RunSettings, state: StartState,
                          output: CrawlOutput, totals: RunTotals, finished: Finished,
                          alerts: AlertRunReport | None, side: InProcess | None) -> RunSummary:
    """The run's summary, and once its work has landed its report and artifacts."""
    logger = get_run_logger()
    summary = run_summary(story, finished, state, output, totals, alerts)
    if summary.note:
        logger.warning("%s", summary.note)
    if finished.landed:  # the artifacts, and the report
        built = publish_run_artifacts(story, settings, summary, finished.new_statements,
                                      keep_report=summary.adds_nothing(alerts), side=side)
        if built is not None:
            summary.report_index = str(built.index.resolve())
            summary.report_kept_from = kept_from(built) if built.kept else None
    else:  # the file is held: no report and no statement table until the load lands
        create_markdown_artifact(markdown_summary(story, summary, None, [], None),
                                 key=artifact_key("presswatch-summary", story.id),
                                 description="What this run fetched, added and failed on")
    return summary


@flow(name="presswatch-daily", log_prints=True)
def daily(
    story_path: str | None = None,
    db_path: str = "presswatch.duckdb",
    feeds: list[str] | None = None,
    allow_private_hosts: bool = False,
    allow_private_networks: list[str] | None = None,
) -> dict:
    """The scheduled entry point: parameters as prefect.yaml and `presswatch serve` give them."""
    settings = run_settings(story_path, db_path, feeds, allow_private_hosts, os.environ,
                            allow_private_networks or ())
    with daily_run.lease(settings):  # another run on this warehouse: wait, or refuse
        summary = run_daily(settings)
    return summary.__dict__


def daily_with_settings(settings: RunSettings) -> RunSummary:
    """The daily flow given settings made already (`presswatch run`, the demo, tests, benches),
    run in this process without Prefect's flow-run heartbeat; to watch its progress, wrap the
    call in runs.context.progress_to.

    The heartbeat is how a deployment's run that dies is marked crashed (`daily`, run by
    `presswatch serve` and prefect.yaml, keeps it). A run started here is no deployment's,
    and paid for the heartbeat at its end: its thread sleeps in one-second steps and the flow
    waits for the step under way, so every run ended up to a second late."""
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        return daily_in_process(settings)


@flow(name="presswatch-daily", log_prints=True)
def daily_in_process(settings: RunSettings) -> RunSummary:
    """The flow behind daily_with_settings."""
    return run_daily(settings)


def serve_daily(settings: RunSettings, *, cron: str, timezone: str) -> None:
    """`presswatch serve`: one long-lived process that runs the flow on a cron schedule."""
    from prefect.schedules import Cron

    daily.serve(
        name="presswatch-daily",
        schedule=Cron(cron, timezone=timezone),
        parameters={
            "story_path": str(Path(settings.story_path).resolve()),
            "db_path": str(Path(settings.db_path).resolve()),
        },
    )

