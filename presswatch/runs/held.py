"""A run that starts while another process holds the warehouse file.

It reads its start state without the lock (the live file read-only, else the snapshot), crawls,
extracts and analyses into its staging folder, and loads at its end once the file is free,
within PRESSWATCH_LOCK_TIMEOUT, or else at the next run (presswatch/runs/staging.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

from presswatch.nlp.statements import StatementFingerprint
from presswatch.nlp.syndication import (
    ArticleSignature,
    SyndicationIndex,
    lookup_keys,
)
from presswatch.runs import staging
from presswatch.runs.analysis import Analyzer, Item, build_batch, item_signatures, wholes
from presswatch.runs.context import Finished, RunContext, RunTotals, StartState, start_state
from presswatch.story import Story
from presswatch.warehouse.analysis_state import signature_candidates, statement_fingerprints
from presswatch.warehouse.batch import Run, SourceRun
from presswatch.warehouse.beside import snapshot_path
from presswatch.warehouse.errors import WarehouseLocked, WarehouseMissing
from presswatch.warehouse.link_decodes import read_link_decodes
from presswatch.warehouse.run_findings import run_source_health, statement_details
from presswatch.warehouse.store import WarehouseState, open_warehouse

log = logging.getLogger("presswatch.run")

# How long a run without the lock waits to read the live file before it reads the snapshot.
READ_LOCK_WAIT_S = 1.0


def begin_held_run(story: Story, context: RunContext) -> tuple[RunContext, StartState]:
    """Start without the write lock: read the live file read-only (possible while the holder
    only reads), else the snapshot, else nothing; write nothing to the warehouse."""
    state, fingerprints, decodes, basis, read_path = _read_without_lock(context.db_path)
    dirs = staging.run_dirs(context.staging_root, exclude=context.staging_dir)
    waiting = [d for d in dirs if staging.is_staged(d)]
    leftovers = [d for d in dirs if not staging.is_staged(d)]
    if waiting:
        basis = None  # the earlier staged work is not in what this run read
    context = replace(context, held=True, read_path=read_path)
    start = start_state(context, state, fingerprints, leftovers, waiting=waiting)
    start.basis = basis
    start.link_decodes = decodes
    return context, start


def _read_without_lock(db_path: Path):
    """(state, statement fingerprints, link decodes, basis, path read) from the first copy
    that opens."""
    for path in (db_path, snapshot_path(db_path)):
        try:
            with open_warehouse(path, read_only=True,
                                lock_timeout_s=READ_LOCK_WAIT_S) as warehouse:
                state = warehouse.read_state()
                fingerprints = [StatementFingerprint(i, list(w)) for i, w in
                                statement_fingerprints(warehouse)]
                decodes = read_link_decodes(warehouse)
                return state, fingerprints, decodes, warehouse.fingerprint(), path
        except (WarehouseLocked, WarehouseMissing):
            continue
    log.warning("neither %s nor its snapshot can be read now; the run starts from nothing "
                "stored", db_path)
    return WarehouseState(0, {}, set(), [], []), [], {}, None, None


def stage_items(context: RunContext, analyzer: Analyzer, items: list[Item],
           syndication: SyndicationIndex, totals: RunTotals) -> None:
    """load_items for a held run: the same batch, written to the run's staging folder."""
    signatures = item_signatures(items)
    hashes, bands = lookup_keys(signatures)
    for row in _read_candidates(context, hashes, bands, totals):
        syndication.add(ArticleSignature(*row))
    batch, new_ids = build_batch(analyzer, items, context.run_id, syndication, signatures)
    staging.stage_load_batch(context.staging_dir, totals.batches_staged, batch)
    totals.batches_staged += 1
    totals.articles_staged += len(batch.articles)
    totals.articles_relevant += sum(r.is_relevant for r in batch.relevance)
    totals.new_statement_ids.extend(wholes(batch, new_ids))


def _read_candidates(context: RunContext, hashes: set[str], bands: set[str],
                     totals: RunTotals) -> list[tuple]:
    """Stored signatures from what a held run reads; after one failed read, none (and the
    staged analysis is marked incomplete, so that it is processed again when it loads)."""
    if not (hashes or bands) or context.read_path is None or totals.reads_incomplete:
        return []
    try:
        with open_warehouse(context.read_path, read_only=True,
                            lock_timeout_s=READ_LOCK_WAIT_S) as warehouse:
            return signature_candidates(warehouse, hashes, bands)
    except (WarehouseLocked, WarehouseMissing) as exc:
        log.warning("cannot read stored signatures (%s); this run's analysis will be redone "
                    "when it loads", exc)
        totals.reads_incomplete = True
        return []


def finish_held_run(context: RunContext, run: Run, sources: list[SourceRun], totals: RunTotals,
                    state: StartState, extra: dict[str, list] | None = None, *,
                    failing_source_runs: int = 3) -> Finished:
    """Stage the run's end, then wait (at most the lock timeout) for the file to load it.

    What waits in staging lands in one transaction per run, earlier held runs first; if the
    file stays held, everything stays staged for the next run, which loads it before it reads
    its own start state.
    """
    basis = None if totals.reads_incomplete else state.basis
    staged = staging.StagedRun(
        run_id=context.run_id, basis=basis, run=run,
        covers=[path.name for path in state.leftover_dirs],
        articles_staged=totals.articles_staged,
    )
    staging.stage_finish(context.staging_dir, staged, sources, extra)
    clock = time.monotonic()
    waiting = Finished(run, landed=False, articles_staged=totals.articles_staged)
    try:
        warehouse = open_warehouse(context.db_path, lock_timeout_s=context.lock_timeout_s)
    except WarehouseLocked:
        waiting.waited_s = context.waited_s + time.monotonic() - clock
        waiting.note = (
            f"load waiting: warehouse held by another process (waited {waiting.waited_s:.0f} s "
            f"in all, at most {context.lock_timeout_s:.0f} s at the end); "
            f"{totals.articles_staged} articles staged in {context.staging_dir}, "
            "will load at the next run"
        )
        log.warning("%s", waiting.note)
        return waiting
    waiting.waited_s = context.waited_s + time.monotonic() - clock
    with warehouse:
        caught_up = staging.catch_up(warehouse, context.staging_root, by_run_id=context.run_id)
        own = next((r for r in caught_up.landed if r.run_id == context.run_id), None)
        if own is not None and warehouse.close_unfinished_runs(context.run_id):
            log.warning("earlier runs ended before finishing; this run completed their work")
        staging.publish_landed(warehouse, caught_up.landed, strict=True)
        health = run_source_health(warehouse, context.run_id, failing_source_runs)
        new_statements = (statement_details(warehouse, totals.new_statement_ids)
                          if own is not None else [])
    if own is None:
        waiting.note = (
            "load waiting: this run was analysed against an older state of the warehouse "
            "(another process wrote it, or earlier staged runs landed first); the next run "
            f"processes its {totals.articles_staged} staged articles again "
            f"({context.staging_dir})"
        )
        log.warning("%s", waiting.note)
        return waiting
    run = replace(run, n_articles_added=own.articles_added, n_quotes_added=own.quotes_added)
    return Finished(
        run, waited_s=waiting.waited_s,
        note=f"warehouse was held by another process; loaded after waiting "
             f"{waiting.waited_s:.0f} s in all",
        source_health=health,
        new_statements=new_statements,
    )
