"""The stages of a backfill as plain functions: plan the work units, process one unit (on any
Dask worker), load one unit's staged file (in the one writing process).

A unit is one WARC file, or a list of pages that share the host they are fetched from. A worker
reads the unit's records, drops with the gate (presswatch/nlp/gate.py) those that cannot be
relevant, extracts and judges the rest, parses the relevant ones with spaCy, and stages them
in `<db>.backfill/units/<basis>/<key>.jsonl`, then `<key>.json` (its tally: the unit is staged). The
writer loads staged units in plan order, in short batches through the daily run's own
load_items, then writes `<key>.loaded`. A re-run after a kill skips loaded units, loads
staged ones and processes the rest; an article already stored (a batch that landed before the
kill) is skipped by URL, and every load is idempotent by key, so no row is written twice.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from presswatch.archives import ccnews, cdx, gdelt
from presswatch.archives.pages import (
    ArchivedPage,
    PageRef,
    PoliteClient,
    fetch_pages,
    read_url_list,
)
from presswatch.archives.warc import open_warc, read_warc
from presswatch.jsonl import dumps, from_dict
from presswatch.nlp.analyze import analyze_texts
from presswatch.nlp.gate import compile_gate
from presswatch.nlp.pipeline import build_pipeline
from presswatch.nlp.relevance import compile_rules, score_with_rules
from presswatch.nlp.statements import StatementFingerprint
from presswatch.nlp.syndication import SyndicationIndex
from presswatch.records import Article, DocAnalysis, FetchedPage, Relevance, as_utc, stable_id
from presswatch.runs.analysis import Analyzer, Item, load_items
from presswatch.runs.context import RunContext, RunTotals, new_run_id
from presswatch.spiders.extract import NoArticleText, extract_article
from presswatch.spiders.urls import UrlRefused, check_url_allowed
from presswatch.story import Story, load_story
from presswatch.warehouse.alert_book import AlertBook
from presswatch.warehouse.analysis_state import statement_fingerprints, statements_first_seen_in
from presswatch.warehouse.batch import LoadBatch, Run, story_rows
from presswatch.warehouse.store import open_warehouse

if TYPE_CHECKING:  # only presswatch/nlp imports spaCy
    from spacy.language import Language

log = logging.getLogger("presswatch.backfill")

UNITS_DIR = "units"
PAGES_PER_UNIT = 200  # pages fetched over HTTP per unit: the grain of resuming
BATCH_SIZE = 64


@dataclass(frozen=True)
class Endpoints:
    """Where the archives answer; tests and mirrors point these elsewhere."""

    cdx: str = "https://web.archive.org/cdx/search/cdx"
    wayback: str = "https://web.archive.org"
    gdelt: str = "https://api.gdeltproject.org/api/v2/doc/doc"
    ccnews: str = ccnews.CC_BASE


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
class Unit:
    """One piece of work for a worker. `host` is where its requests go (None: a file read
    from disk or a WARC download): units that share a host run one after another."""

    key: str
    kind: str  # "warc" | "pages"
    label: str
    location: str | None = None
    pages: tuple[PageRef, ...] = ()
    host: str | None = None


@dataclass
class UnitResult:
    """A unit's tally, written beside its staged file; the benchmark reads the same figures."""

    key: str
    label: str
    records: int = 0  # HTML pages read
    in_range: int = 0  # captured from the range's first day to a day after its last
    passed_gate: int = 0
    extracted: int = 0
    relevant: int = 0
    kept: int = 0  # relevant and published in the range: staged for loading
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the worker's CPU time on it: steady on a shared machine
    gate_seconds: float = 0.0  # of the seconds, those in the gate
    worker_pid: int = 0
    worker_peak_mb: float = 0.0


@dataclass
class StagedArticle:
    """One line of a unit's staged file."""

    article: Article
    relevance: Relevance
    analysis: DocAnalysis


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
    delay_s: float = 1.0  # between two requests to one host
    lock_timeout_s: float = 120.0
    allow_private_hosts: bool = False
    lease_wait_s: float = 60.0  # how long to wait for another run to finish (lease.py)

    def units_dir(self, story: Story) -> Path:
        return units_dir(self.db_path, story, self.since, self.until)

    def story(self) -> Story:
        story = load_story(self.story_path)
        return story.allowing_private_hosts() if self.allow_private_hosts else story

    def client(self, story: Story) -> PoliteClient:
        return PoliteClient(user_agent=story.crawl.user_agent, delay_s=self.delay_s)


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


def units_dir(db_path: Path, story: Story, since: date, until: date) -> Path:
    """Where a backfill keeps its units' work: one folder per story version and date range,
    so that a re-run with other rules or dates never takes work staged under the old ones."""
    basis = stable_id(story.model_dump_json(), since.isoformat(), until.isoformat())
    return db_path.with_name(db_path.name + ".backfill") / UNITS_DIR / basis


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


def story_hosts(story: Story) -> list[str]:
    """The outlets to ask the Wayback Machine about: the hosts of the story's feeds and
    sitemaps, and its [[outlets]] hosts."""
    hosts = {urlsplit(s.url).hostname for s in [*story.feeds, *story.sitemaps]}
    hosts |= {o.host.strip().lower() for o in story.outlets if o.host}
    return sorted(h.removeprefix("www.") for h in hosts if h)


def plan_units(story: Story, sources: Sources, since: date, until: date,
               endpoints: Endpoints, client: PoliteClient) -> list[Unit]:
    """Every unit of the backfill, in the order the writer loads them. The archives' own APIs
    (CC-NEWS path lists, CDX, GDELT) are asked here, one request at a time."""
    units = [Unit(stable_id("warc", w), "warc", w, location=w) for w in sources.warcs]
    for month in sources.ccnews_months:
        for url in ccnews.month_files(client, endpoints.ccnews, month, since, until):
            units.append(Unit(stable_id("warc", url), "warc", url, location=url))
    if sources.wayback:
        refs = []
        for host in story_hosts(story):
            refs += cdx.page_refs(endpoints.wayback,
                                  cdx.list_captures(client, endpoints.cdx, host, since, until))
        # All raw pages come from the archive's host: one unit at a time asks it.
        archive = urlsplit(endpoints.wayback).netloc
        units += _page_units("wayback", refs, lambda ref: archive)
    start = datetime.combine(since, datetime.min.time(), UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC)
    api = client
    if endpoints.gdelt == Endpoints().gdelt:  # the real API, not a mirror: its own pace
        api = PoliteClient(user_agent=client.user_agent,
                           delay_s=max(client.delay_s, gdelt.MIN_INTERVAL_S))
    for query in sources.gdelt_queries:
        found: dict[str, PageRef] = {}
        for w_start, w_end in gdelt.windows(start, end, timedelta(days=1)):
            for article in gdelt.list_articles(api, endpoints.gdelt, query, w_start, w_end):
                found.setdefault(article.url, PageRef(article.url, article.url,
                                                      article.seen_at))
        units += _page_units("gdelt", list(found.values()),
                             lambda ref: urlsplit(ref.fetch_url).netloc)
    if sources.urls_file is not None:
        urls = read_url_list(sources.urls_file.read_text(encoding="utf-8"))
        units += _page_units("urls", [PageRef(u, u) for u in dict.fromkeys(urls)],
                             lambda ref: urlsplit(ref.fetch_url).netloc)
    return units


def _pages(unit: Unit, story: Story, client: PoliteClient) -> Iterator[ArchivedPage]:
    if unit.kind == "warc":
        with open_warc(unit.location or "", client.user_agent) as stream:
            yield from read_warc(stream, unit.label)
        return

    def refused(url: str) -> str | None:
        """The crawl's guard: no loopback or private addresses unless the story allows them
        (a URL list or GDELT could name an internal service)."""
        try:
            check_url_allowed(url, story.crawl.allow_private_hosts)
        except UrlRefused as exc:
            return str(exc)
        return None

    yield from fetch_pages(client, list(unit.pages), unit.label, refused)


def _in_range(moment: datetime, since: date, until: date) -> bool:
    return since <= as_utc(moment).date() <= until


@lru_cache(maxsize=1)
def worker_pipeline(story_json: str) -> Language:
    """The story's spaCy pipeline, loaded once per worker process and kept for its next units:
    loading it costs more than parsing a unit's few relevant articles. Keyed by the story's
    JSON, so a worker given another story loads that one instead."""
    return build_pipeline(Story.model_validate_json(story_json))


def process_unit(unit: Unit, story: Story, since: date, until: date, out_dir: Path,
                 client: PoliteClient) -> UnitResult:
    """Read, gate, extract, judge and analyse one unit; stage what is relevant and in range.

    The staged file is written under a temporary name and renamed, then the tally: a unit
    killed half-way leaves neither, and is processed again from the start.
    """
    clock, cpu_clock = time.monotonic(), time.process_time()
    result = UnitResult(unit.key, unit.label, worker_pid=os.getpid())
    gate, rules = compile_gate(story), compile_rules(story)
    relevant: list[tuple[Article, Relevance]] = []
    for page in _pages(unit, story, client):
        result.records += 1
        captured = as_utc(page.captured_at).date()
        if captured < since or captured > until + timedelta(days=1):
            continue  # published before it was captured; a day late is still worth a look
        result.in_range += 1
        gate_clock = time.perf_counter()
        passes = gate.passes(page.body, page.charset)
        result.gate_seconds += time.perf_counter() - gate_clock
        if not passes:
            continue
        result.passed_gate += 1
        fetched = FetchedPage(url=page.url, final_url=page.url, status=page.status,
                              fetched_at=page.captured_at, source_url=page.source,
                              content_type=page.content_type, encoding=page.charset)
        try:
            article = extract_article(fetched, page.body)
        except NoArticleText:
            continue
        result.extracted += 1
        judged = score_with_rules(article, rules)
        if not judged.is_relevant:
            continue
        result.relevant += 1
        if _in_range(article.published_at or article.fetched_at, since, until):
            relevant.append((article, judged))
    result.kept = len(relevant)
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / f"{unit.key}.jsonl.partial"
    with partial.open("w", encoding="utf-8") as staged:
        if relevant:
            texts = ((a.article_id, a.text) for a, _ in relevant)
            analyses = analyze_texts(texts, story, nlp=worker_pipeline(story.model_dump_json()),
                                     batch_size=story.nlp.batch_size)
            for (article, judged), analysis in zip(relevant, analyses, strict=True):
                staged.write(dumps(StagedArticle(article, judged, analysis)) + "\n")
    os.replace(partial, staged_path(out_dir, unit))
    result.seconds = round(time.monotonic() - clock, 3)
    result.cpu_seconds = round(time.process_time() - cpu_clock, 3)
    result.gate_seconds = round(result.gate_seconds, 3)
    result.worker_peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    tally = out_dir / f"{unit.key}.json.partial"
    tally.write_text(dumps(result), encoding="utf-8")
    os.replace(tally, tally_path(out_dir, unit))
    return result


def staged_path(out_dir: Path, unit: Unit) -> Path:
    return out_dir / f"{unit.key}.jsonl"


def tally_path(out_dir: Path, unit: Unit) -> Path:
    return out_dir / f"{unit.key}.json"


def loaded_path(out_dir: Path, unit: Unit) -> Path:
    return out_dir / f"{unit.key}.loaded"


def read_tally(out_dir: Path, unit: Unit) -> UnitResult | None:
    """The tally of a unit already staged by an earlier run, or None."""
    path = tally_path(out_dir, unit)
    if not path.exists():
        return None
    return from_dict(UnitResult, json.loads(path.read_text(encoding="utf-8")))


def read_staged_articles(path: Path) -> Iterator[StagedArticle]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield from_dict(StagedArticle, json.loads(line))


@dataclass
class BackfillAnalyzer(Analyzer):
    """The daily run's analyzer, with statements first seen when their article was published
    (when it was captured, if the page gives no date): the past, not the day of the backfill."""

    def seen_at(self, article: Article) -> datetime:
        return as_utc(article.published_at or article.fetched_at)


@dataclass
class Writer:
    """The one process that writes the warehouse: the run's context, its story, the URLs
    stored so far and the run's counts."""

    context: RunContext
    story: Story
    stored_urls: set[str]
    totals: RunTotals = field(default_factory=RunTotals)


def _from_warehouse(writer: Writer) -> tuple[BackfillAnalyzer, SyndicationIndex]:
    """The statement index rebuilt from what has landed, before every batch: a run resumed
    after a kill then matches each batch's quotes against exactly what the uninterrupted run
    would have (an index kept in memory knows more than the tables, and would drift)."""
    with writer.context.warehouse() as warehouse:
        statements = warehouse.statements()
        fingerprints = [StatementFingerprint(i, list(w)) for i, w in
                        statement_fingerprints(warehouse)]
    return BackfillAnalyzer(writer.story, statements, fingerprints), SyndicationIndex()


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
    with writer.context.warehouse() as warehouse:
        first_seen = statements_first_seen_in(warehouse, article_ids)
    loaded_path(out_dir, unit).write_text(json.dumps(first_seen), encoding="utf-8")
    return writer.totals.articles_added - before


def loaded_statement_ids(out_dir: Path, units: list[Unit]) -> list[str]:
    """Statements added by the loaded units, this run's and those of a run that was killed."""
    found: list[str] = []
    for unit in units:
        path = loaded_path(out_dir, unit)
        if path.exists():
            found += json.loads(path.read_text(encoding="utf-8") or "[]")
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
                    alert: bool) -> Run:
    """The run's row, views, checks and snapshot; then the statements it found are marked as
    judged without an alert (a backfill reads old news), unless alerts were asked for."""
    context, totals = writer.context, writer.totals
    run = Run(
        run_id=context.run_id, story_id=context.story_id, started_at=context.started_at,
        status="ok", finished_at=datetime.now(UTC), n_sources=len(results),
        n_sources_failed=0, n_pages_fetched=sum(r.records for r in results),
        n_articles_added=totals.articles_added, n_quotes_added=totals.quotes_added,
        n_statements_new=len(totals.new_statement_ids),
        message=(f"backfill: {sum(r.records for r in results)} archived pages, "
                 f"{sum(r.passed_gate for r in results)} through the gate, "
                 f"{sum(r.kept for r in results)} relevant in range"),
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
