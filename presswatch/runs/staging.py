"""Work kept beside the warehouse until it lands: the runs that could not get the file.

An analyst's session or a notebook left open on the live file keeps the daily run from writing
it, and feed items are gone in a day or two, so such a run does not wait: it reads its start
state without the lock, crawls, extracts and analyses into its staging folder, and loads when
the file is free, at its own end or at the next run. The folder of such a run,
`<db>.staging/<run_id>/`:

    stored_urls.txt   the URLs its crawl did not fetch again
    crawl/            the crawl's output (job, pages, bodies, sources; see spiders/crawl.py)
    batches/NNNNNN/   the analysed load batches, as Arrow tables (warehouse/staged.py)
    finish/           its sources' results, as the end of the run loads them
    staged.json       written last: the run is whole and waits to be loaded

Crash safety keeps its two rules: a folder stays until its work has landed, and every load is
idempotent by key. A folder without staged.json (a run that died) is re-processed from its crawl
by the next run, as before. A staged run is loaded as it is, in one transaction, only if the
warehouse is still what its analysis read (the same fingerprint); otherwise its statement ids,
clusters and "new article" decisions may be stale, and its pages are re-processed instead.
"""

from __future__ import annotations

import gzip
import json
import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from presswatch.folders import quarantine, write_atomically
from presswatch.jsonl import dumps, from_dict
from presswatch.records import FetchedPage
from presswatch.spiders.crawl import CrawlOutput, load_crawl_output
from presswatch.spiders.job import JOB_FILE, DamagedJob
from presswatch.warehouse.batch import LoadBatch, Run, SourceRun, to_arrow
from presswatch.warehouse.beside import landed_bin
from presswatch.warehouse.errors import ChecksFailed
from presswatch.warehouse.staged import (
    DamagedBatch,
    StagedBatch,
    read_all_staged,
    read_staged,
    stage_batch,
    staged_column,
    staged_folders,
    write_staged,
)
from presswatch.warehouse.store import LoadSummary, Warehouse

log = logging.getLogger("presswatch.run")

MANIFEST_FILE = "staged.json"
BATCHES_DIR = "batches"
FINISH_DIR = "finish"
CRAWL_DIR = "crawl"


@dataclass
class StagedRun:
    """staged.json: a run whose work waits in its folder for the warehouse to be free."""

    run_id: str
    # Fingerprint of the warehouse state its analysis read; None when that state was incomplete
    # (no readable copy, or other staged runs not loaded yet): then it is re-processed.
    basis: str | None
    run: Run  # its runs row as it ended; the counts are what it staged
    covers: list[str] = field(default_factory=list)  # dead runs' folders it re-processed
    articles_staged: int = 0


@dataclass
class LandedRun:
    """A staged run that has now been loaded."""

    run_id: str
    articles_added: int
    quotes_added: int


@dataclass
class CatchUp:
    """What loading the waiting staged runs did: those that landed, and those whose analysis
    was stale (their folders are re-processed from their crawl instead)."""

    landed: list[LandedRun] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)

    @property
    def articles_added(self) -> int:
        return sum(r.articles_added for r in self.landed)


@dataclass
class StagedState:
    """What runs not loaded yet already did: the newest conditional-GET validators of their
    finished crawls, and every URL they fetched or stored (not to be fetched again)."""

    feed_state: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    urls: set[str] = field(default_factory=set)


def read_manifest(run_dir: Path) -> StagedRun | None:
    """The folder's staged.json, or None when it has none: a run that died. A damaged one is
    set aside with a warning naming it, and the folder is taken for a dead run's (its pages
    are processed again from its crawl), so that no later run stops on it."""
    path = run_dir / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        return from_dict(StagedRun, json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        quarantine(path, f"{type(exc).__name__}: {exc}")
        return None


def write_manifest(run_dir: Path, staged: StagedRun) -> None:
    """Atomically and durably: the folder is a whole staged run from this moment on."""
    write_atomically(run_dir / MANIFEST_FILE, dumps(staged))


def whole_batches(run_dir: Path) -> bool:
    """Whether every staged batch of the run (and its finish) reads whole. A damaged one is
    set aside with a warning naming it, so that it is never read again; the run's pages are
    then processed again from its crawl, by this run and by any later one (a run whose batch
    was set aside never lands in part)."""
    whole = not any([*run_dir.glob(f"{BATCHES_DIR}/*.damaged-*"),
                     *run_dir.glob(f"{FINISH_DIR}.damaged-*")])
    folders = staged_folders(run_dir / BATCHES_DIR)
    if (run_dir / FINISH_DIR).is_dir():
        folders.append(run_dir / FINISH_DIR)
    for folder in folders:
        try:
            read_staged(folder)
        except DamagedBatch as exc:
            quarantine(folder, str(exc))
            whole = False
    return whole


def run_dirs(staging_root: Path, *, exclude: Path | None = None) -> list[Path]:
    """Earlier runs' folders, oldest first (run ids begin with their start time)."""
    if not staging_root.is_dir():
        return []
    return sorted(p for p in staging_root.iterdir() if p.is_dir() and p != exclude)


def discard(run_dirs: list[Path], staging_root: Path) -> threading.Thread | None:
    """Move landed runs' folders out of staging at once (a rename each) and delete them in a
    background thread (sweep_landed). Deleting a crawl's thousand bodies waits on the disk for
    seconds (on a filesystem mounted with `discard`, each freed file is trimmed as it goes)
    and needs no CPU: the run need not wait for it. The process waits for it before it exits
    (the thread is no daemon); one killed first leaves the rest to the next run's sweep."""
    bin_dir = landed_bin(staging_root)
    for run_dir in run_dirs:
        try:
            bin_dir.mkdir(exist_ok=True)
            run_dir.rename(bin_dir / run_dir.name)
        except OSError:  # gone already, or not movable there (another device, a name taken,
            # the bin removed meanwhile by an earlier sweep): delete it here, never leave it in
            # staging, where the next run would take it for a dead run's work
            shutil.rmtree(run_dir, ignore_errors=True)
    return sweep_landed(staging_root)


def sweep_landed(staging_root: Path) -> threading.Thread | None:
    """Delete what waits in landed_bin, in a thread of its own; the thread, or None if nothing
    waits."""
    bin_dir = landed_bin(staging_root)
    if not bin_dir.exists():
        return None
    sweeper = threading.Thread(target=shutil.rmtree, args=(bin_dir,),
                               kwargs={"ignore_errors": True},
                               name="presswatch-landed-sweep")
    sweeper.start()
    return sweeper


def is_staged(run_dir: Path) -> bool:
    return (run_dir / MANIFEST_FILE).exists()


def staged_state(dirs: list[Path]) -> StagedState:
    """Validators and URLs from the folders of runs whose work has not landed yet.

    A validator is taken only from a crawl that finished: a crawl cut short may not have fetched
    every item its feed listed, and a "not modified" answer would hide the rest for good.
    """
    state = StagedState()
    for run_dir in dirs:
        output = leftover_crawl(run_dir)
        if output is not None:
            for page in intact_pages(output):
                state.urls.update(u for u in (page.url, page.final_url) if u)
            if output.finish_reason == "finished":
                for source in output.sources:
                    if source.error is None and (source.etag or source.last_modified):
                        state.feed_state[source.source_url] = (source.etag, source.last_modified)
        batches = run_dir / BATCHES_DIR
        whole_batches(run_dir)  # a damaged batch is set aside, not read
        state.urls |= staged_column(batches, "articles", "canonical_url")
        state.urls |= staged_column(batches, "articles", "url")
    return state


def leftover_crawl(run_dir: Path) -> CrawlOutput | None:
    """What the crawl of an earlier run left, or None when it left nothing readable: no job
    (it died before its crawl began), or a damaged one, which is set aside with a warning
    naming it so that this run, and every later one, goes on."""
    crawl_dir = run_dir / CRAWL_DIR
    if not (crawl_dir / JOB_FILE).exists():
        return None
    try:
        return load_crawl_output(crawl_dir)
    except DamagedJob as exc:
        quarantine(crawl_dir / JOB_FILE, str(exc))
        return None


def intact_pages(output: CrawlOutput) -> Iterator[FetchedPage]:
    """The pages of an earlier crawl whose stored body, if any, reads whole. A body lost or cut
    short (a full disk, a kill mid-write) leaves its page out, so that its URL is fetched again
    rather than taken for done."""
    for page in output.pages():
        if page.body_path is None or _body_intact(Path(page.body_path)):
            yield page
        else:
            log.warning("the stored body of %s (%s) is lost or cut short; it is fetched again",
                        page.url, page.body_path)


def _body_intact(path: Path) -> bool:
    try:
        if path.stat().st_size == 0:  # created, never written: even an empty page has a header
            return False
        with gzip.open(path, "rb") as body:
            while body.read(1 << 20):
                pass
    except (OSError, EOFError):
        return False
    return True


def stage_load_batch(run_dir: Path, index: int, batch: LoadBatch) -> None:
    """One analysed batch into the run's folder instead of the warehouse."""
    if not batch.is_empty():
        write_staged(run_dir / BATCHES_DIR / f"{index:06d}", stage_batch(batch))


def stage_finish(run_dir: Path, staged: StagedRun, sources: list[SourceRun],
                 extra: dict[str, list] | None = None) -> None:
    """The run's end into its folder: its sources' results (and extra rows such as the link
    decodes), then staged.json."""
    finish = run_dir / FINISH_DIR
    if not finish.exists():
        write_staged(finish, stage_batch(LoadBatch(run_id=staged.run_id, sources=sources,
                                                   extra=extra or {})))
    write_manifest(run_dir, staged)


def _finish_tables(run_dir: Path, run: Run) -> StagedBatch:
    finish = read_staged(run_dir / FINISH_DIR)
    finish.tables["runs"] = to_arrow(LoadBatch(run_id=run.run_id, runs=[run]))["runs"]
    return finish


def land(warehouse: Warehouse, run_dir: Path, staged: StagedRun, note: str) -> LandedRun:
    """Load a staged run in one transaction, its runs row carrying what actually landed."""

    def finish(added: LoadSummary) -> StagedBatch:
        message = "; ".join(m for m in (staged.run.message, note) if m)
        run = replace(staged.run, n_articles_added=added.articles_added,
                      n_quotes_added=added.quotes_added,
                      n_statements_new=added.statements_added, message=message)
        return _finish_tables(run_dir, run)

    added = warehouse.load_staged(staged.run_id, read_all_staged(run_dir / BATCHES_DIR), finish)
    return LandedRun(staged.run_id, added.articles_added, added.quotes_added)


def catch_up(warehouse: Warehouse, staging_root: Path, *, by_run_id: str,
             exclude: Path | None = None) -> CatchUp:
    """Load every staged run that waits, oldest first; drop the folders whose work landed.

    Called with the file open for writing, before anything else is read or written, so that
    the state a run starts from includes what earlier held runs fetched.
    """
    result = CatchUp()
    for run_dir in run_dirs(staging_root, exclude=exclude):
        staged = read_manifest(run_dir)
        if staged is None:
            continue  # a run that died: re-processed from its crawl
        if warehouse.has_run(staged.run_id):
            _drop(staging_root, run_dir, staged)  # landed, but the folder outlived a crash
            continue
        if staged.basis is None or staged.basis != warehouse.fingerprint():
            log.warning("run %s was analysed against an older state of the warehouse; its "
                        "pages are processed again", staged.run_id)
            result.stale.append(run_dir)
            continue
        if not whole_batches(run_dir):
            log.warning("run %s left staged work that does not read whole; its pages are "
                        "processed again", staged.run_id)
            result.stale.append(run_dir)
            continue
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        who = "later in the same run" if by_run_id == staged.run_id else f"by run {by_run_id}"
        landed = land(warehouse, run_dir, staged,
                      f"fetched while the warehouse was held; loaded {who} at {when}")
        log.info("loaded run %s from staging: %d articles added", staged.run_id,
                 landed.articles_added)
        result.landed.append(landed)
        _drop(staging_root, run_dir, staged)
    return result


def stale_runs_rows(stale: list[Path], by_run_id: str) -> list[Run]:
    """Runs rows for staged runs whose pages this run processed again."""
    rows = []
    for run_dir in stale:
        staged = read_manifest(run_dir)
        if staged is not None:
            message = "; ".join(m for m in (
                staged.run.message,
                f"fetched while the warehouse was held; processed again by run {by_run_id}",
            ) if m)
            rows.append(replace(staged.run, n_articles_added=0, n_quotes_added=0,
                                n_statements_new=0, message=message))
    return rows


def publish_landed(warehouse: Warehouse, landed: list[LandedRun], *, strict: bool) -> None:
    """Index, check (each landed run's own rows) and publish the snapshot after a catch-up.

    strict=False (the start of a run): a failed check is logged and the snapshot is left as it
    was, so that the crawl still happens; the run's own end publishes again.
    """
    if not landed:
        return
    try:
        warehouse.index_articles()
        warehouse.refresh_views()
        for run in landed:
            warehouse.assert_checks(run_id=run.run_id)
        warehouse.publish_snapshot()
    except ChecksFailed as exc:
        if strict:
            raise
        log.error("staged work loaded, but the snapshot was not published: %s", exc)


def _drop(staging_root: Path, run_dir: Path, staged: StagedRun) -> None:
    for name in staged.covers:
        shutil.rmtree(staging_root / name, ignore_errors=True)
    shutil.rmtree(run_dir, ignore_errors=True)
