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
from collections.abc import Iterator
from contextlib import contextmanager

from prefect import allow_failure, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings
from prefect_dask import DaskTaskRunner

from presswatch.alerts.channels import build_channels
from presswatch.alerts.delivery import run_alerts
from presswatch.alerts.settings import channel_settings
from presswatch.archives.pages import ArchiveError
from presswatch.flows.retry import LOCK_RETRIES, retry_on
from presswatch.lease import acquire
from presswatch.runs import backfill as bs
from presswatch.runs.backfill import BackfillSettings, BackfillSummary
from presswatch.story import Story
from presswatch.warehouse.alert_book import AlertBook


@task(name="plan backfill", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=60,
      retry_condition_fn=retry_on(ArchiveError))
def plan(settings: BackfillSettings, story: Story) -> list[bs.Unit]:
    return bs.plan_units(story, settings.sources, settings.since, settings.until,
                         settings.endpoints, settings.client(story))


@task(name="begin backfill", cache_policy=NO_CACHE, **LOCK_RETRIES)
def begin(settings: BackfillSettings, story: Story) -> bs.Writer:
    return bs.begin_backfill(story, settings.db_path, settings.units_dir(story),
                             settings.lock_timeout_s)


# Runs on a Dask worker. Retried once: a download cut short or an archive that kept failing.
@task(name="process unit", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=30,
      retry_condition_fn=retry_on(ArchiveError, OSError))
def process(settings: BackfillSettings, story: Story, unit: bs.Unit) -> bs.UnitResult:
    return bs.process_unit(unit, story, settings.since, settings.until,
                           settings.units_dir(story), settings.client(story))


@task(name="load unit", cache_policy=NO_CACHE, **LOCK_RETRIES)
def load(writer: bs.Writer, unit: bs.Unit) -> int:
    return bs.load_unit(writer, writer.context.staging_dir, unit)


@task(name="finish backfill", cache_policy=NO_CACHE, **LOCK_RETRIES)
def finish(settings: BackfillSettings, writer: bs.Writer, units: list[bs.Unit],
           results: list[bs.UnitResult]):
    return bs.finish_backfill(writer, units, results, alert=settings.alert)


@task(name="alerts", cache_policy=NO_CACHE, **LOCK_RETRIES)
def alert(story: Story, writer: bs.Writer):
    channels = build_channels(channel_settings(story.alerts, os.environ))
    book = AlertBook(writer.context.db_path, lock_timeout_s=writer.context.lock_timeout_s)
    return run_alerts(book, story, writer.context.run_id, channels=channels)


@flow(name="presswatch-backfill", log_prints=True)
def backfill(settings: BackfillSettings) -> BackfillSummary:
    logger = get_run_logger()
    story = settings.story()
    units = plan(settings, story)
    writer = begin(settings, story)
    out_dir = writer.context.staging_dir
    futures, last_on_host = {}, {}
    for unit in units:
        if bs.read_tally(out_dir, unit) is not None:
            continue  # staged by an earlier run that was stopped
        waits = [allow_failure(last_on_host[unit.host])] if unit.host in last_on_host else []
        futures[unit.key] = process.submit(settings, story, unit, wait_for=waits)
        if unit.host:
            last_on_host[unit.host] = futures[unit.key]
    logger.info("backfill of %s: %d units, %d to process, %d staged earlier", story.id,
                len(units), len(futures), len(units) - len(futures))
    results = []
    for unit in units:  # in plan order, so that a re-run loads in the same order
        future = futures.get(unit.key)
        result = future.result() if future is not None else bs.read_tally(out_dir, unit)
        results.append(result)
        if not bs.loaded_path(out_dir, unit).exists():
            load(writer, unit)
    run = finish(settings, writer, units, results)
    if settings.alert:
        alert(story, writer)
    return BackfillSummary(
        run_id=run.run_id, units=len(units), units_resumed=len(units) - len(futures),
        records=sum(r.records for r in results),
        passed_gate=sum(r.passed_gate for r in results),
        relevant=sum(r.kept for r in results),
        articles_added=run.n_articles_added or 0, quotes_added=run.n_quotes_added or 0,
        statements_new=run.n_statements_new or 0, results=results,
    )


@contextmanager
def _api_for_workers() -> Iterator[None]:
    """Dask workers are other processes, and a task run there reports to the Prefect API. With
    none named in their environment each worker would start a temporary server of its own
    (slow, and two collide), so the API this process uses (with none configured: the one
    temporary server, started here and stopped at exit) is named in the environment the local
    workers inherit. Workers elsewhere (--dask-address) need PREFECT_API_URL set to a server
    they can reach."""
    url = get_current_settings().api.url
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the instance the flow would start on its own
        server.start()
        url = server.api_url
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            yield
    finally:
        if previous is None:
            del os.environ["PREFECT_API_URL"]
        else:
            os.environ["PREFECT_API_URL"] = previous


def run_backfill(settings: BackfillSettings) -> BackfillSummary:
    """The flow on the cluster the settings name (a LocalCluster unless an address is given),
    holding the warehouse's lease: a daily run waits for it, or refuses."""
    with acquire(settings.db_path, "backfill", settings.story().id,
                 wait_s=settings.lease_wait_s), _api_for_workers():
        return backfill.with_options(task_runner=task_runner(settings))(settings)


def task_runner(settings: BackfillSettings) -> DaskTaskRunner:
    """The cluster at settings.dask_address, or a LocalCluster of settings.workers processes."""
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_kwargs={
        "n_workers": settings.workers, "threads_per_worker": 1, "processes": True,
        "dashboard_address": None,
    })
