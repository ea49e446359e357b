"""The daily ingestion flow: a short story of task calls over presswatch/flows/stages.py.

Transient failures (a feed server timing out inside the crawl, a warehouse locked by an analyst
between two loads) are retried by Prefect with backoff; permanent ones are recorded per source
and the run still loads what it got. A warehouse already held when the run begins does not stop
it: the run crawls and analyses into staging and loads at its end or at the next run, and its
summary says which (stages.begin_held_run). `presswatch run` calls this flow once; prefect.yaml
and `presswatch serve` schedule it.
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from presswatch.alerts.channels import build_channels
from presswatch.alerts.delivery import AlertRunReport, run_alerts
from presswatch.flows import stages
from presswatch.flows.report import (
    RunSummary,
    artifact_key,
    markdown_summary,
    publish_run_artifacts,
)
from presswatch.flows.settings import RunSettings, channel_settings, run_settings
from presswatch.flows.staging import CatchUp
from presswatch.lease import Lease, acquire
from presswatch.records import SourceResult
from presswatch.spiders.crawl import CrawlFailed, CrawlOutput
from presswatch.story import Story
from presswatch.warehouse.alert_book import AlertBook
from presswatch.warehouse.errors import WarehouseLocked


def _retry_on(*transient: type[Exception]):
    """A Prefect retry condition: retry only what waiting can fix, fail fast on the rest."""

    def condition(task, task_run, state) -> bool:
        try:
            state.result()
        except transient:
            return True
        except Exception:  # noqa: BLE001 - any other failure is permanent for this run
            return False
        return False

    return condition


# The warehouse held by another process (an analyst's session) is worth waiting for.
LOCK_RETRIES = dict(retries=3, retry_delay_seconds=[10, 30, 90],
                    retry_condition_fn=_retry_on(WarehouseLocked))


# Never retried for the lock: a held warehouse makes it start from staging instead.
@task(name="begin run", cache_policy=NO_CACHE)
def begin_run(story: Story, settings: RunSettings):
    return stages.begin_run(story, settings.db_path, settings.staging_root,
                            settings.lock_timeout_s)


@task(name="crawl", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=30,
      retry_condition_fn=_retry_on(CrawlFailed))
def crawl(story: Story, context: stages.RunContext, state: stages.StartState,
          progress: stages.Progress) -> CrawlOutput:
    return stages.crawl_sources(story, context, state, progress)


@task(name="extract, analyse and load", cache_policy=NO_CACHE, **LOCK_RETRIES)
def process(story: Story, context: stages.RunContext, state: stages.StartState,
            output: CrawlOutput, progress: stages.Progress) -> stages.RunTotals:
    return stages.process_pages(story, context, state, output, progress=progress)


@task(name="alerts", cache_policy=NO_CACHE, **LOCK_RETRIES)
def alert(story: Story, context: stages.RunContext,
          sources: list[SourceResult]) -> AlertRunReport:
    # The channels' secrets (webhook URL, SMTP password) are read from this process's
    # environment here and held in memory: never a flow or task parameter, which Prefect keeps.
    channels = build_channels(channel_settings(story.alerts, os.environ))
    book = AlertBook(context.db_path, lock_timeout_s=context.lock_timeout_s)
    return run_alerts(book, story, context.run_id, channels=channels, sources=sources)


@task(name="finish run", cache_policy=NO_CACHE, **LOCK_RETRIES)
def finish(story: Story, context: stages.RunContext, output: CrawlOutput,
           totals: stages.RunTotals, state: stages.StartState) -> stages.Finished:
    return stages.finish_run(context, output, totals, state, status="ok",
                             failing_source_runs=story.alerts.failing_source_runs)


def run_daily(settings: RunSettings, progress: stages.Progress | None = None) -> RunSummary:
    """One run, start to end. Plain callers (the CLI, tests) come in here; the entry points
    (`daily`, run_daily_with_progress) hold the warehouse's lease around it."""
    story = settings.story()
    logger = get_run_logger()
    report = progress or (lambda stage, done, total: None)
    context, state = begin_run(story, settings)
    if state.leftover_dirs:
        logger.warning("finishing the work of %d earlier run(s) that did not complete",
                       len(state.leftover_dirs))
    if context.held:
        logger.warning("the warehouse is held by another process; crawling and analysing "
                       "into %s", context.staging_dir)
    output = crawl(story, context, state, report)
    totals = process(story, context, state, output, report)
    if context.held:  # alerts judge what has landed: after the load, or at the next run
        finished = finish(story, context, output, totals, state)
        alerts = alert(story, context, output.sources) if finished.landed else None
    else:
        alerts = alert(story, context, output.sources)
        finished = finish(story, context, output, totals, state)
    summary = _summary(story, finished, state, output, totals, alerts)
    if summary.note:
        logger.warning("%s", summary.note)
    if finished.landed:
        publish_run_artifacts(story, settings, summary, finished.new_statements)  # and the report
    else:  # the file is held: no report and no statement table until the load lands
        create_markdown_artifact(markdown_summary(story, summary, None, [], None),
                                 key=artifact_key("presswatch-summary", story.id),
                                 description="What this run fetched, added and failed on")
    return summary


def _summary(story: Story, finished: stages.Finished, state: stages.StartState,
             output: CrawlOutput, totals: stages.RunTotals, alerts: AlertRunReport | None
             ) -> RunSummary:
    run = finished.run
    names = {s.url: s.name for s in [*story.feeds, *story.sitemaps]}
    table = []
    for source in output.sources:
        counts = totals.by_source.get(source.source_url, {})
        table.append({
            "source": names.get(source.source_url) or source.source_url,
            "url": source.source_url,
            "status": "failed" if source.error else (
                "not modified" if source.not_modified else "ok"),
            "listed": len(source.candidates),
            "fetched": counts.get("fetched", 0),
            "new": counts.get("new", 0),
            "failed": counts.get("failed", 0),
            "reason": source.error or "",
        })
    return RunSummary(
        run_id=run.run_id,
        status=run.status,
        n_sources=run.n_sources,
        n_sources_failed=run.n_sources_failed,
        articles_added=run.n_articles_added,
        quotes_added=run.n_quotes_added,
        new_statements=run.n_statements_new if finished.landed else 0,
        alerts_sent=alerts.delivery.n_delivered if alerts is not None else 0,
        table=table,
        load="loaded" if finished.landed else "waiting",
        articles_staged=finished.articles_staged,
        staged_articles_loaded=state.caught_up.articles_added,
        lock_waited_s=round(finished.waited_s, 1),
        source_health=finished.source_health,
        note="; ".join(n for n in (_caught_up_note(state.caught_up), finished.note) if n) or None,
    )


def _caught_up_note(caught_up: CatchUp) -> str | None:
    if not caught_up.landed:
        return None
    return (f"loaded {caught_up.articles_added} articles staged by {len(caught_up.landed)} "
            "earlier run(s) while the warehouse was held")


@flow(name="presswatch-daily", log_prints=True)
def daily(
    story_path: str | None = None,
    db_path: str = "presswatch.duckdb",
    feeds: list[str] | None = None,
    allow_private_hosts: bool = False,
) -> dict:
    """The scheduled entry point: parameters as prefect.yaml and `presswatch serve` give them."""
    settings = run_settings(story_path, db_path, feeds, allow_private_hosts, os.environ)
    with daily_lease(settings):
        summary = run_daily(settings)
    return summary.__dict__


@flow(name="presswatch-daily", log_prints=True)
def daily_with_progress(settings: RunSettings, progress: stages.Progress) -> RunSummary:
    return run_daily(settings, progress)


def daily_lease(settings: RunSettings) -> Lease:
    """The warehouse's lease for one daily run. `presswatch run` takes it before its flow
    starts, so a run refused while another runs writes nothing and leaves no failed flow; a
    scheduled run takes it first thing in its flow."""
    return acquire(settings.db_path, "daily", settings.story().id,
                   wait_s=settings.lease_wait_s)


def run_daily_with_progress(settings: RunSettings) -> RunSummary:
    """`presswatch run`: the flow once, with a progress display and a summary table."""
    from presswatch.flows.report import ProgressDisplay, print_summary

    with daily_lease(settings), ProgressDisplay() as progress:
        summary = daily_with_progress(settings, progress.update)
    print_summary(summary)
    return summary


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

