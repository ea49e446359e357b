"""The backfill flow: a story's past from news archives, its units run on Dask.

Planning (the archives' list APIs) and loading (the one warehouse writer) happen in this
process; each unit (a WARC file, or a host's pages) is a task that prefect-dask's
DaskTaskRunner sends to a worker: a LocalCluster by default, or an existing cluster at
`--dask-address`. Units that fetch from one host wait for each other, so each host sees one
request at a time. The writer loads finished units in plan order while later ones still run;
re-running after a kill resumes (presswatch/runs/backfill.py). `presswatch backfill`
calls this flow.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import dask
from prefect import allow_failure, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect_dask import DaskTaskRunner

from presswatch.alerts.channels import build_channels
from presswatch.alerts.delivery import run_alerts
from presswatch.alerts.settings import channel_settings
from presswatch.archives.pages import ArchiveError
from presswatch.flows.api import reporting_api
from presswatch.flows.retry import LOCK_RETRIES, retry_on
from presswatch.lease import acquire
from presswatch.report import report_index
from presswatch.runs import backfill as bs
from presswatch.runs.backfill import BackfillSettings, BackfillSummary
from presswatch.runs.backfill_unit import Clients, Unit, UnitResult, process_unit, read_tally
from presswatch.runs.context import record_stop
from presswatch.story import Story
from presswatch.warehouse.alert_book import AlertBook

# Dask's nanny starts each worker with MALLOC_TRIM_THRESHOLD_=65536, so that freed memory goes
# back to the system at once; a unit (HTML trees, spaCy docs: many short-lived allocations)
# then costs 1.3-1.4x the CPU it costs in a plain process (bench/README.md). Our workers live
# for the whole backfill and their memory is mostly the model's, so they keep glibc's default.
# The statistical profiler, sampling every 10 ms, feeds only the dashboard, which is off.
LOCAL_WORKERS = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                 "distributed.worker.profile.enabled": False}


@task(name="plan backfill", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=60,
      retry_condition_fn=retry_on(ArchiveError))
def plan(settings: BackfillSettings, story: Story) -> bs.Plan:
    stored = bs.stored_page_urls(settings.db_path, settings.lock_timeout_s) \
        if settings.sources.wayback else set()
    return bs.plan_units(story, settings.sources, settings.since, settings.until,
                         settings.clients(story), stored)


@task(name="begin backfill", cache_policy=NO_CACHE, **LOCK_RETRIES)
def begin(settings: BackfillSettings, story: Story) -> bs.Writer:
    return bs.begin_backfill(story, settings.db_path, settings.units_dir(story),
                             settings.lock_timeout_s)


# Runs on a Dask worker. Retried once: a download cut short or an archive that kept failing.
# Its function and arguments come from runs/backfill_unit.py only, so that a worker imports
# that light module and not the writer's (the warehouse, spaCy, the statement index).
@task(name="process unit", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=30,
      retry_condition_fn=retry_on(ArchiveError, OSError))
def process(story: Story, unit: Unit, since: date, until: date, out_dir: Path,
            clients: Clients) -> UnitResult:
    return process_unit(unit, story, since, until, out_dir, clients)


@task(name="load unit", cache_policy=NO_CACHE, **LOCK_RETRIES)
def load(writer: bs.Writer, unit: Unit) -> int:
    return bs.load_unit(writer, writer.context.staging_dir, unit)


@task(name="finish backfill", cache_policy=NO_CACHE, **LOCK_RETRIES)
def finish(settings: BackfillSettings, writer: bs.Writer, units: list[Unit],
           results: list[UnitResult], left_out: list[str]):
    return bs.finish_backfill(writer, units, results, alert=settings.alert,
                              left_out=left_out)


@task(name="alerts", cache_policy=NO_CACHE, **LOCK_RETRIES)
def alert(story: Story, writer: bs.Writer):
    channels = build_channels(channel_settings(story.alerts, os.environ))
    book = AlertBook(writer.context.db_path, lock_timeout_s=writer.context.lock_timeout_s)
    return run_alerts(book, story, writer.context.run_id, channels=channels,
                      report_path=str(report_index(writer.context.db_path)))


@flow(name="presswatch-backfill", log_prints=True)
def backfill(settings: BackfillSettings) -> BackfillSummary:
    logger = get_run_logger()
    story = settings.story()
    planned = plan(settings, story)
    for reason in planned.left_out:
        logger.warning(reason)
    writer = begin(settings, story)
    try:
        return process_and_load(settings, story, planned, writer)
    except Exception as exc:  # its row says failed now, not 'running' until the next run
        record_stop(writer.context, exc, then="the units it staged are loaded, not read "
                                              "again, by the next backfill of these dates")
        raise


def process_and_load(settings: BackfillSettings, story: Story, planned: bs.Plan,
                     writer: bs.Writer) -> BackfillSummary:
    """The units on the cluster, loaded in plan order as they finish, then the run's end."""
    logger = get_run_logger()
    units = planned.units
    out_dir, clients = writer.context.staging_dir, settings.clients(story)
    futures, last_on_host = {}, {}
    for unit in units:
        if read_tally(out_dir, unit) is not None:
            continue  # staged by an earlier run that was stopped
        waits = [allow_failure(last_on_host[unit.host])] if unit.host in last_on_host else []
        futures[unit.key] = process.submit(story, unit, settings.since, settings.until,
                                           out_dir, clients, wait_for=waits)
        if unit.host:
            last_on_host[unit.host] = futures[unit.key]
    logger.info("backfill of %s: %d units, %d to process, %d staged earlier", story.id,
                len(units), len(futures), len(units) - len(futures))
    results = []
    for unit in units:  # in plan order, so that a re-run loads in the same order
        future = futures.get(unit.key)
        result = future.result() if future is not None else read_tally(out_dir, unit)
        results.append(result)
        if result.error:
            logger.warning("%s", result.error)  # skipped: nothing staged to load
        elif result.kept and not bs.loaded_path(out_dir, unit).exists():
            load(writer, unit)  # most files of a month keep nothing: no task, no warehouse
    run = finish(settings, writer, units, results, planned.left_out)
    if settings.alert:
        alert(story, writer)
    return BackfillSummary(
        run_id=run.run_id, units=len(units), units_resumed=len(units) - len(futures),
        records=sum(r.records for r in results),
        passed_gate=sum(r.passed_gate for r in results),
        relevant=sum(r.kept for r in results),
        articles_added=run.n_articles_added or 0, quotes_added=run.n_quotes_added or 0,
        statements_new=run.n_statements_new or 0, results=results,
        left_out=planned.left_out,
        problems=[r.problem for r in results if r.problem],
    )


def run_backfill(settings: BackfillSettings) -> BackfillSummary:
    """The flow on the cluster the settings name (a LocalCluster unless an address is given),
    holding the warehouse's lease: a daily run waits for it, or refuses.

    Dask workers are other processes, and a task run there reports to the Prefect API: with
    none named in their environment each would start a temporary server of its own (slow, and
    two collide), so the API this process uses is named in the environment local workers
    inherit (flows/api.py), with LOCAL_WORKERS's settings. Workers elsewhere (--dask-address)
    need PREFECT_API_URL set to a server they can reach, and are started as their owner
    chose."""
    with acquire(settings.db_path, "backfill", settings.story().id,
                 wait_s=settings.lease_wait_s), reporting_api(), dask.config.set(LOCAL_WORKERS):
        return backfill.with_options(task_runner=task_runner(settings))(settings)


def task_runner(settings: BackfillSettings) -> DaskTaskRunner:
    """The cluster at settings.dask_address, or a LocalCluster of settings.workers processes."""
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_kwargs={
        "n_workers": settings.workers, "threads_per_worker": 1, "processes": True,
        "dashboard_address": None,
    })
