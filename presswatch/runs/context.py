"""Who a run is and where it keeps its work: the values every stage of a run passes along.

A run's work waits in its staging folder (presswatch/runs/staging.py) until it has landed;
nothing here opens the warehouse but RunContext.warehouse.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from presswatch.nlp.statements import StatementFingerprint
from presswatch.records import (
    Article,
    Statement,
)
from presswatch.runs import staging
from presswatch.spiders.crawl import CrawlChild
from presswatch.spiders.walls import WALL_KINDS
from presswatch.text import clean_line, redact_urls
from presswatch.warehouse.batch import Run
from presswatch.warehouse.link_decodes import LinkDecodeRow
from presswatch.warehouse.store import WarehouseState, open_warehouse

log = logging.getLogger("presswatch.run")

STORED_URLS_FILE = "stored_urls.txt"
# How long a run that stopped waits for the warehouse to say so in its row: briefly, since
# the next run closes the row anyway.
STOP_RECORD_WAIT_S = 5.0


Progress = Callable[[str, int, int | None], None]  # (stage, done, total or None)


def quiet(stage: str, done: int, total: int | None) -> None:
    """The default progress callback: say nothing."""


_listeners: list[Progress] = []


@contextmanager
def progress_to(callback: Progress) -> Iterator[None]:
    """While inside, the progress of runs in this process goes to `callback` (the command
    line's display): a callback is no flow parameter, which Prefect would try to keep."""
    _listeners.append(callback)
    try:
        yield
    finally:
        _listeners.remove(callback)


def report_progress(stage: str, done: int, total: int | None) -> None:
    """The progress callback the flows hand to the stages: tells whoever listens."""
    for listener in list(_listeners):
        listener(stage, done, total)


@dataclass(frozen=True)
class RunContext:
    """Who this run is and where it keeps its work."""

    run_id: str
    story_id: str
    started_at: datetime
    db_path: Path
    staging_dir: Path
    lock_timeout_s: float
    # Another process held the file when the run began: it analyses into staging_dir, reading
    # from read_path (the live file opened read-only, or the snapshot; None: nothing readable).
    held: bool = False
    read_path: Path | None = None
    waited_s: float = 0.0  # spent waiting for the lock at the start

    def warehouse(self, *, read_only: bool = False, threads: int | None = None):
        return open_warehouse(self.db_path, read_only=read_only,
                              lock_timeout_s=self.lock_timeout_s, threads=threads)

    @property
    def staging_root(self) -> Path:
        return self.staging_dir.parent


@dataclass
class StartState:
    """What the run read from the warehouse when it started."""

    feed_state: dict[str, tuple[str | None, str | None]]
    stored_urls: set[str]
    statements: list[Statement]
    fingerprints: list[StatementFingerprint]
    pending_articles: list[Article]
    leftover_dirs: list[Path]  # earlier runs' folders whose pages this run processes (again)
    # Held runs only: the fingerprint of what was read (see staging.StagedRun.basis); None
    # when earlier staged runs wait too (this run's analysis does not see their work).
    basis: str | None = None
    # What the start loaded from earlier held runs' staging folders.
    caught_up: staging.CatchUp = field(default_factory=staging.CatchUp)
    # Google News links earlier runs decoded or tried (the decode cache).
    link_decodes: dict[str, LinkDecodeRow] = field(default_factory=dict)
    # The crawl child begin_run started, setting Scrapy up meanwhile; the crawl takes it
    # (a retried crawl starts its own).
    crawl_child: CrawlChild | None = None


@dataclass
class RunTotals:
    """Counts across the run, for the summary, the runs row and the artifacts."""

    pages_fetched: int = 0
    articles_added: int = 0
    articles_relevant: int = 0
    quotes_added: int = 0
    extraction_failures: int = 0
    new_statement_ids: list[str] = field(default_factory=list)  # wholes: a part is no news
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    # Held runs: what went into staging instead of the warehouse; reads_incomplete when a
    # lookup could not read the warehouse (the staged analysis is then processed again).
    articles_staged: int = 0
    batches_staged: int = 0
    reads_incomplete: bool = False

    # Why a source's pages failed: source_url -> reason -> pages ("HTTP 404", "blocked by
    # robots.txt", "not HTML: content type application/pdf"), for the summary's reason column.
    failure_reasons: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, source_url: str, key: str, reason: str | None = None) -> None:
        counts = self.by_source.setdefault(source_url, {"fetched": 0, "new": 0, "failed": 0})
        counts[key] += 1
        if reason:
            reasons = self.failure_reasons.setdefault(source_url, {})
            reasons[reason] = reasons.get(reason, 0) + 1

    def wall_note(self, source_url: str) -> str | None:
        """"2 pages blocked: bot wall (...)", for the source's line in the summary and health:
        the failure reasons that are walls (blocked or partial, spiders/walls.py)."""
        walls = Counter({reason: n for reason, n in self.failure_reasons.get(source_url, {}).items()
                         if reason.startswith(WALL_KINDS)})
        if not walls:
            return None
        return "; ".join(f"{n} page{'s' if n > 1 else ''} {reason}"
                         for reason, n in walls.most_common(3))


@dataclass
class Finished:
    """How a run ended: its runs row, and whether its work is in the warehouse yet."""

    run: Run
    landed: bool = True
    waited_s: float = 0.0  # waiting for the lock, in all
    articles_staged: int = 0  # waiting in the staging folder when not landed
    note: str | None = None
    # Sources failing failing_source_runs runs in a row or more, or working again after such a
    # streak, as of this run (warehouse/queries/run_source_health.sql); empty until it lands.
    source_health: list[dict] = field(default_factory=list)
    # The run's oldest new statements with their first article (at most
    # run_findings.NEW_STATEMENTS_SHOWN), for its Prefect artifacts: read in the finish step's
    # own open of the file, so publishing them opens it no more.
    new_statements: list[dict] = field(default_factory=list)
    # Staging folders whose work has landed, for the caller to remove once the run's report
    # is written (runs.daily.drop_landed says why not sooner).
    landed_dirs: list[Path] = field(default_factory=list)


def new_run_id(story_id: str, now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S%fZ}-{story_id}"


def start_state(context: RunContext, state: WarehouseState,
                 fingerprints: list[StatementFingerprint], leftovers: list[Path], *,
                 caught_up: staging.CatchUp | None = None,
                 waiting: list[Path] | None = None) -> StartState:
    """The run's start: the warehouse's state, with what runs not loaded yet already did."""
    waiting = waiting or []
    earlier = staging.staged_state([*leftovers, *waiting])
    feed_state = {url: (f.etag, f.last_modified) for url, f in state.feeds.items()}
    feed_state.update(earlier.feed_state)
    # The crawl skips what is stored and what waits in staging; the extraction's duplicate test
    # knows only what is stored, so that the pages of leftover folders are still read.
    (context.staging_dir / STORED_URLS_FILE).write_text(
        "".join(url + "\n" for url in sorted(state.stored_urls | earlier.urls)),
        encoding="utf-8",
    )
    return StartState(
        feed_state=feed_state,
        stored_urls=state.stored_urls,
        statements=state.statements,
        fingerprints=fingerprints,
        pending_articles=state.pending_articles,
        leftover_dirs=leftovers,
        caught_up=caught_up or staging.CatchUp(),
    )


def record_stop(context: RunContext, exc: BaseException,
                then: str = "what it fetched is finished by the next run") -> None:
    """A run stopped by an error says so in its runs row: failed, with the error (its URLs cut
    to their hosts) and `then`, what happens to its work. Its staging folder stays for the
    next run to finish. A held run has no row yet; a warehouse that cannot be opened now is
    left to the next run, which closes the row then (close_unfinished_runs)."""
    if context.held:
        return
    message = (f"stopped by an error: {type(exc).__name__}: {redact_urls(clean_line(exc, 300))}"
               f"; {then}")
    try:
        with open_warehouse(context.db_path,
                            lock_timeout_s=min(context.lock_timeout_s, STOP_RECORD_WAIT_S)
                            ) as warehouse:
            warehouse.record_stopped_run(context.run_id, message)
    except Exception as record_error:  # noqa: BLE001 - the run's own error is the one to raise
        log.warning("run %s stopped, and its row could not say so (%s); the next run marks it "
                    "failed", context.run_id, clean_line(record_error, 300))
