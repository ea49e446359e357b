"""The stages of a backfill as plain functions: plan the work units, load one unit's staged file
(in the one writing process), finish. Processing one unit, on any Dask worker, is
presswatch/runs/backfill_unit.py: all a worker imports.

A unit is one WARC file, or a list of pages that share the host they are fetched from. A worker
reads the unit's records, drops with the gate (presswatch/nlp/gate.py) those that cannot be
relevant, extracts and judges the rest, parses the relevant ones with spaCy, and stages them
in `<db>.backfill/units/<basis>/<key>.jsonl`, then `<key>.json` (its tally: the unit is staged). The
writer loads staged units in plan order, in short batches through the daily run's own
load_items, then writes `<key>.loaded`. A re-run after a kill skips loaded units, loads
staged ones and processes the rest; an article already stored (a batch that landed before the
kill) is skipped by URL, and every load is idempotent by key, so no row is written twice.

A local WARC file's unit is keyed by its content (size and a digest of its ends) as well as its
path: a file that was cut short is read as far as it goes and flagged, and once it is repaired
it is a new unit, read again. A file that cannot be read (not a WARC, damaged part-way) is
reported by name and skipped; the run goes on and ends partial, and the next run tries it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from presswatch.archives import ccnews, cdx, gdelt
from presswatch.archives.pages import PageRef, read_url_list
from presswatch.folders import quarantine, write_atomically
from presswatch.nlp.statements import StatementFingerprint
from presswatch.nlp.syndication import SyndicationIndex
from presswatch.records import stable_id
from presswatch.runs.analysis import Analyzer, Item, load_items
from presswatch.runs.backfill_unit import (
    Clients,
    Endpoints,
    Unit,
    UnitResult,
    loaded_path,
    read_staged_articles,
    staged_path,
)
from presswatch.runs.context import RunContext, RunTotals, new_run_id
from presswatch.runs.settings import DEFAULT_LOCK_TIMEOUT_S, read_story
from presswatch.story import Story
from presswatch.warehouse.alert_book import AlertBook
from presswatch.warehouse.analysis_state import statement_fingerprints, statements_first_seen_in
from presswatch.warehouse.batch import LoadBatch, Run, story_rows
from presswatch.warehouse.beside import backfill_root
from presswatch.warehouse.errors import WarehouseError
from presswatch.warehouse.store import open_warehouse

log = logging.getLogger("presswatch.backfill")

UNITS_DIR = "units"
PAGES_PER_UNIT = 200  # pages fetched over HTTP per unit: the grain of resuming
BATCH_SIZE = 64


@dataclass(frozen=True)
class Sources:
    """What to read, as `presswatch backfill` was asked."""

    warcs: tuple[str, ...] = ()
    ccnews_months: tuple[str, ...] = ()
    wayback: bool = False
    gdelt_queries: tuple[str, ...] = ()
    urls_file: Path | None = None

    def is_empty(self) -> bool:
        return not (self.warcs or self.ccnews_months or self.wayback or self.gdelt_queries
                    or self.urls_file)


@dataclass(frozen=True)
class BackfillSettings:
    """What `presswatch backfill` was asked to do; it is a flow parameter and holds no secret."""

    story_path: Path
    db_path: Path
    since: date
    until: date
    sources: Sources
    endpoints: Endpoints = field(default_factory=Endpoints)
    dask_address: str | None = None
    workers: int = 2
    alert: bool = False
    delay_s: float = 1.0  # between two requests to one host (the archives' APIs: their own)
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
    allow_private_hosts: bool = False  # loopback
    allow_private_networks: tuple[str, ...] = ()
    lease_wait_s: float = 60.0  # how long to wait for another run to finish (lease.py)

    def units_dir(self, story: Story) -> Path:
        return units_dir(self.db_path, story, self.since, self.until)

    def story(self) -> Story:
        story = read_story(self.story_path)
        if self.allow_private_networks:
            story = story.allowing_networks(list(self.allow_private_networks))
        return story.allowing_private_hosts() if self.allow_private_hosts else story

    def clients(self, story: Story) -> Clients:
        return Clients(story.crawl.user_agent, story.crawl.address_policy(), self.endpoints,
                       self.delay_s)


@dataclass
class BackfillSummary:
    run_id: str
    units: int
    units_resumed: int  # staged or loaded by an earlier, interrupted run
    records: int
    passed_gate: int
    relevant: int
    articles_added: int
    quotes_added: int
    statements_new: int
    results: list[UnitResult]
    left_out: list[str]  # Wayback hosts, GDELT windows or queries left out, and why
    problems: list[str] = field(default_factory=list)  # files skipped or cut short, by name


def units_dir(db_path: Path, story: Story, since: date, until: date) -> Path:
    """Where a backfill keeps its units' work: one folder per story version and date range,
    so that a re-run with other rules or dates never takes work staged under the old ones."""
    basis = stable_id(story.model_dump_json(), since.isoformat(), until.isoformat())
    return backfill_root(db_path) / UNITS_DIR / basis


def warc_unit_key(location: str) -> str:
    """A WARC file's unit key: its location, and for a local file its size and a digest of its
    first and last MiB, so that a repaired or replaced file is a new unit (read again) while an
    untouched one stays done. Reading the ends only keeps planning fast on thousands of GB-size
    files; a repair that changes neither the size nor either end is not seen."""
    path = Path(location)
    if location.startswith(("http://", "https://")) or not path.is_file():
        return stable_id("warc", location)
    size = path.stat().st_size
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        digest.update(stream.read(2**20))
        if size > 2**20:
            stream.seek(max(2**20, size - 2**20))
            digest.update(stream.read())
    return stable_id("warc", location, str(size), digest.hexdigest())


def _chunks(refs: list[PageRef], size: int) -> Iterator[list[PageRef]]:
    for start in range(0, len(refs), size):
        yield refs[start:start + size]


def _page_units(kind_label: str, refs: list[PageRef], host_of) -> list[Unit]:
    """Pages grouped by the host they are fetched from, in chunks of PAGES_PER_UNIT."""
    by_host: dict[str, list[PageRef]] = {}
    for ref in refs:
        by_host.setdefault(host_of(ref), []).append(ref)
    units = []
    for host, group in sorted(by_host.items()):
        for chunk in _chunks(group, PAGES_PER_UNIT):
            key = stable_id(kind_label, host, *(r.fetch_url for r in chunk))
            units.append(Unit(key, "pages", f"{kind_label} {host}", pages=tuple(chunk),
                              host=host))
    return units


def stored_page_urls(db_path: Path, lock_timeout_s: float) -> set[str]:
    """The URLs the warehouse holds (their hosts are the outlets the Wayback is asked about);
    none for a warehouse not made yet, or one a run holds (the story's outlets then)."""
    if not db_path.exists():
        return set()
    try:
        with open_warehouse(db_path, lock_timeout_s=lock_timeout_s, read_only=True) as warehouse:
            return warehouse.stored_urls()
    except WarehouseError as exc:
        log.warning("Wayback: the stored pages' hosts are not known (%s); asking the story's "
                    "[[outlets]] hosts only", exc)
        return set()


@dataclass
class Plan:
    """The units, and what the plan left out (hosts, windows, queries), with why."""

    units: list[Unit] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def plan_units(story: Story, sources: Sources, since: date, until: date, clients: Clients,
               stored_urls: Collection[str] = ()) -> Plan:
    """Every unit of the backfill, in the order the writer loads them. The archives' own APIs
    (CC-NEWS path lists, CDX, GDELT) are asked here, one request at a time; a Wayback host, a
    GDELT window or query that fails is left out and named in `Plan.left_out`."""
    endpoints = clients.endpoints
    plan = Plan([Unit(warc_unit_key(w), "warc", w, location=w) for w in sources.warcs])
    if sources.ccnews_months:
        api = clients.ccnews()
        for month in ccnews.months_to_read(list(sources.ccnews_months), until):
            for url in ccnews.month_files(api, endpoints.ccnews, month, since, until):
                plan.units.append(Unit(stable_id("warc", url), "warc", url, location=url))
    if sources.wayback:
        hosts = cdx.outlet_hosts(story, stored_urls)
        if not hosts:
            plan.left_out.append("Wayback: no outlet hosts to ask: give the story's [[outlets]] "
                                 'their hosts (host = "example.com"), or run the daily run '
                                 "first")
        listing = cdx.list_hosts(clients.cdx(), endpoints.cdx, hosts, since, until)
        plan.left_out += [f"Wayback: skipped {host}: {why}" for host, why in
                          listing.failed.items()]
        refs = cdx.page_refs(endpoints.wayback, listing.captures)
        # All raw pages come from the archive's host: one unit at a time asks it.
        archive = urlsplit(endpoints.wayback).netloc
        plan.units += _page_units("wayback", refs, lambda ref: archive)
    start = datetime.combine(since, datetime.min.time(), UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC)
    api = clients.gdelt() if sources.gdelt_queries else None
    if sources.gdelt_queries and (warning := gdelt.range_warning(start)):
        log.warning("GDELT: %s", warning)
    for query in sources.gdelt_queries:
        problem = gdelt.query_problem(query)
        if problem is not None:
            raise ValueError(problem)
        found: dict[str, PageRef] = {}
        skipped: list[str] = []
        try:
            for w_start, w_end in gdelt.windows(start, end, timedelta(days=1)):
                for article in gdelt.list_articles(api, endpoints.gdelt, query, w_start, w_end,
                                                   skipped):
                    found.setdefault(article.url, PageRef(article.url, article.url,
                                                          article.seen_at))
        except gdelt.GdeltRefused as exc:
            skipped.append(f"query {query!r} left out: {exc}")
        plan.left_out += [f"GDELT: skipped {why}" for why in skipped]
        plan.units += _page_units("gdelt", list(found.values()),
                                  lambda ref: urlsplit(ref.fetch_url).netloc)
    if sources.urls_file is not None:
        urls = read_url_list(sources.urls_file.read_text(encoding="utf-8"))
        plan.units += _page_units("urls", [PageRef(u, u) for u in dict.fromkeys(urls)],
                                  lambda ref: urlsplit(ref.fetch_url).netloc)
    return plan


@dataclass
class Writer:
    """The one process that writes the warehouse: the run's context, its story, the URLs
    stored so far and the run's counts."""

    context: RunContext
    story: Story
    stored_urls: set[str]
    totals: RunTotals = field(default_factory=RunTotals)


def _from_warehouse(writer: Writer) -> tuple[Analyzer, SyndicationIndex]:
    """The statement index rebuilt from what has landed, before every batch: a run resumed
    after a kill then matches each batch's quotes against exactly what the uninterrupted run
    would have (an index kept in memory knows more than the tables, and would drift)."""
    with writer.context.warehouse(read_only=True) as warehouse:  # one connection, no lock
        statements = warehouse.statements()
        fingerprints = [StatementFingerprint(i, list(w)) for i, w in
                        statement_fingerprints(warehouse)]
    # Statements first seen when their article was published: the past, not the backfill's day.
    analyzer = Analyzer(writer.story, statements, fingerprints, seen_when_published=True)
    return analyzer, SyndicationIndex()


def load_unit(writer: Writer, out_dir: Path, unit: Unit, batch_size: int = BATCH_SIZE) -> int:
    """Load one staged unit in short transactions; returns the articles it added."""
    before = writer.totals.articles_added
    items, article_ids = [], []
    for staged in read_staged_articles(staged_path(out_dir, unit)):
        article = staged.article
        article_ids.append(article.article_id)
        if article.canonical_url in writer.stored_urls or article.url in writer.stored_urls:
            continue  # landed before a kill, or the same page in another file
        writer.stored_urls.update((article.canonical_url, article.url))
        items.append(Item(article, is_new=True, pages=[], relevance=staged.relevance,
                                 analysis=staged.analysis))
    for start in range(0, len(items), batch_size):
        analyzer, syndication = _from_warehouse(writer)
        load_items(writer.context, analyzer, items[start:start + batch_size],
                          syndication, writer.totals)
    # The statements first seen in this unit's articles, for the end of the run to mark
    # judged; read from the rows, so a unit loaded partly before a kill names them all too.
    with writer.context.warehouse(read_only=True) as warehouse:
        first_seen = statements_first_seen_in(warehouse, article_ids)
    write_atomically(loaded_path(out_dir, unit), json.dumps(first_seen))
    return writer.totals.articles_added - before


def loaded_statement_ids(out_dir: Path, units: list[Unit]) -> list[str]:
    """Statements added by the loaded units, this run's and those of a run that was killed."""
    found: list[str] = []
    for unit in units:
        path = loaded_path(out_dir, unit)
        if path.exists():
            try:
                found += json.loads(path.read_text(encoding="utf-8") or "[]")
            except ValueError as exc:  # written atomically since; a disk error all the same
                quarantine(path, str(exc))
    return found


def begin_backfill(story: Story, db_path: Path, out_dir: Path, lock_timeout_s: float,
                   now: datetime | None = None) -> Writer:
    """Open the warehouse briefly: read the stored URLs, record the run."""
    started_at = now or datetime.now(UTC)
    run_id = new_run_id(story.id, started_at)
    context = RunContext(run_id, story.id, started_at, db_path, out_dir, lock_timeout_s)
    with open_warehouse(db_path, lock_timeout_s=lock_timeout_s) as warehouse:
        warehouse.require_story(story.id)
        stored_urls = warehouse.stored_urls()
        warehouse.load_batch(LoadBatch(run_id=run_id, runs=[Run(run_id, story.id, started_at)],
                                       extra=story_rows(story, started_at)))
        if warehouse.close_unfinished_runs(run_id):
            log.warning("earlier runs ended before finishing; marked as such")
    return Writer(context, story, set(stored_urls))


def finish_backfill(writer: Writer, units: list[Unit], results: list[UnitResult], *,
                    alert: bool, left_out: list[str] = ()) -> Run:
    """The run's row (files skipped or cut short make it partial; they and what the plan left
    out count as failed sources, and are named), views,
    checks and snapshot; then the statements it found are marked as judged without an alert
    (a backfill reads old news), unless alerts were asked for."""
    context, totals = writer.context, writer.totals
    problems = [r.problem for r in results if r.problem]
    run = Run(
        run_id=context.run_id, story_id=context.story_id, started_at=context.started_at,
        status="partial" if problems else "ok", finished_at=datetime.now(UTC),
        n_sources=len(results) + len(left_out), n_sources_failed=len(problems) + len(left_out),
        n_pages_fetched=sum(r.records for r in results),
        n_articles_added=totals.articles_added, n_quotes_added=totals.quotes_added,
        n_statements_new=len(totals.new_statement_ids),
        message=(f"backfill: {sum(r.records for r in results)} archived pages, "
                 f"{sum(r.passed_gate for r in results)} through the gate, "
                 f"{sum(r.kept for r in results)} relevant in range"
                 + "".join(f"; {problem}" for problem in problems)
                 + (f"; left out: {'; '.join(left_out)}"[:2000] if left_out else "")),
    )
    with context.warehouse() as warehouse:
        warehouse.load_batch(LoadBatch(run_id=context.run_id, runs=[run]))
        warehouse.publish(run_id=context.run_id)
    backfilled = loaded_statement_ids(context.staging_dir, units)
    if not alert and backfilled:
        book = AlertBook(context.db_path, lock_timeout_s=context.lock_timeout_s)
        book.queue([], dict.fromkeys(backfilled), story_id=context.story_id,
                   run_id=context.run_id, now=datetime.now(UTC))
    return run
