"""The stages of a day's run as plain functions over values, paths and records.

presswatch/flows/daily.py wraps each in a Prefect task; nothing here imports Prefect, so a stage
can run
alone, in a test, or on another worker. Crash safety comes from two facts: the crawl's output
(pages and raw bodies) sits in a staging folder until the run that made it has loaded all of
it, and every load is idempotent by key. A run that died is finished by the next one, which
re-processes the dead run's staging folder and skips what had already landed.

The run never waits long for the warehouse file. If another process holds it when the run
begins (an analyst's session, a notebook left open), the run reads its start state without the
lock (the live file read-only, else the snapshot), crawls, extracts and analyses into its
staging folder, and loads at its end once the file is free, within PRESSWATCH_LOCK_TIMEOUT, or
else at the next run (presswatch/flows/staging.py).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from itertools import chain, islice
from pathlib import Path

from presswatch.flows import staging
from presswatch.nlp.analyze import analyze_texts, quotes_of
from presswatch.nlp.pipeline import build_pipeline
from presswatch.nlp.relevance import compile_rules, score_with_rules
from presswatch.nlp.statements import (
    SpeakerDirectory,
    StatementFingerprint,
    StatementIndex,
    assign_statements,
    statement_input,
)
from presswatch.nlp.syndication import (
    ArticleSignature,
    SyndicationIndex,
    band_rows,
    cluster_articles,
    lookup_keys,
    sketch_article,
)
from presswatch.records import (
    Article,
    DocAnalysis,
    FetchedPage,
    Relevance,
    Statement,
)
from presswatch.spiders.crawl import (
    CrawlOutput,
    is_fetch_failure,
    load_crawl_output,
    run_crawl,
)
from presswatch.spiders.extract import ExtractionFailure, extract_pages
from presswatch.spiders.job import CrawlJob
from presswatch.story import Story
from presswatch.warehouse.analysis_state import signature_candidates, statement_fingerprints
from presswatch.warehouse.batch import LoadBatch, Run, SourceRun, story_rows
from presswatch.warehouse.errors import WarehouseLocked, WarehouseMissing
from presswatch.warehouse.link_decodes import (
    LinkDecodeRow,
    decoded_links,
    link_decode_rows,
    read_link_decodes,
    undecodable_links,
)
from presswatch.warehouse.reanalysis import finish_interrupted_removals
from presswatch.warehouse.reports import run_source_health, statement_details
from presswatch.warehouse.store import WarehouseState, open_warehouse, snapshot_path

log = logging.getLogger("presswatch.run")

STORED_URLS_FILE = "stored_urls.txt"
# How long the start of a run waits for the write lock before it goes on without it: a short
# transaction of another process is waited out, a session left open is not (the crawl would
# wait behind it, and feed items do not).
BEGIN_LOCK_WAIT_S = 5.0
# How long a run without the lock waits to read the live file before it reads the snapshot.
READ_LOCK_WAIT_S = 1.0
Progress = Callable[[str, int, int | None], None]  # (stage, done, total or None)


def _quiet(stage: str, done: int, total: int | None) -> None:
    """The default progress callback: say nothing."""


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

    def warehouse(self, *, read_only: bool = False):
        return open_warehouse(self.db_path, read_only=read_only,
                              lock_timeout_s=self.lock_timeout_s)

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

    def count(self, source_url: str, key: str) -> None:
        counts = self.by_source.setdefault(source_url, {"fetched": 0, "new": 0, "failed": 0})
        counts[key] += 1


def new_run_id(story_id: str, now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S%fZ}-{story_id}"


def begin_run(story: Story, db_path: Path, staging_root: Path, lock_timeout_s: float,
              now: datetime | None = None) -> tuple[RunContext, StartState]:
    """Open (and migrate) the warehouse briefly: load what earlier held runs staged, read the
    state, record the run as running. If another process holds the file for more than a few
    seconds, start without it instead (see begin_held_run)."""
    started_at = now or datetime.now(UTC)
    run_id = new_run_id(story.id, started_at)
    staging_dir = staging_root / run_id
    staging_dir.mkdir(parents=True, exist_ok=True)
    context = RunContext(run_id, story.id, started_at, db_path, staging_dir, lock_timeout_s)
    clock = time.monotonic()
    try:
        warehouse = open_warehouse(db_path, lock_timeout_s=min(lock_timeout_s, BEGIN_LOCK_WAIT_S))
    except WarehouseLocked as exc:
        log.warning("%s; this run crawls and analyses into %s and loads when the file is free",
                    exc, staging_dir)
        return begin_held_run(story, replace(context, waited_s=time.monotonic() - clock))
    with warehouse:
        warehouse.require_story(story.id)  # one story per warehouse: refuse to mix two
        caught_up = staging.catch_up(warehouse, staging_root, by_run_id=run_id,
                                     exclude=staging_dir)
        staging.publish_landed(warehouse, caught_up.landed, strict=False)
        state = warehouse.read_state()
        fingerprints = [StatementFingerprint(i, list(w)) for i, w in
                        statement_fingerprints(warehouse)]
        decodes = read_link_decodes(warehouse)
        warehouse.load_batch(LoadBatch(run_id=run_id, runs=[Run(run_id, story.id, started_at)],
                                       extra=story_rows(story, started_at)))
        if warehouse.close_unfinished_runs(run_id):
            log.warning("earlier runs ended before finishing; this run completes their work")
        if finish_interrupted_removals(warehouse):
            log.warning("a re-analysis had stopped before its last step; its statements no "
                        "quote names were removed")
    # Dead runs' folders and staged runs whose analysis was stale: this run processes them.
    leftovers = staging.run_dirs(staging_root, exclude=staging_dir)
    start = _start_state(context, state, fingerprints, leftovers, caught_up=caught_up)
    start.link_decodes = decodes
    return context, start


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
    start = _start_state(context, state, fingerprints, leftovers, waiting=waiting)
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


def _start_state(context: RunContext, state: WarehouseState,
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


def crawl_sources(story: Story, context: RunContext, state: StartState,
                  progress: Progress = _quiet) -> CrawlOutput:
    """Fetch feeds, sitemaps and new articles in a Scrapy child process into staging."""
    job = CrawlJob.for_story(
        story,
        feed_state=state.feed_state,
        stored_urls_path=context.staging_dir / STORED_URLS_FILE,
        decoded_links=decoded_links(state.link_decodes),
        undecodable_links=undecodable_links(state.link_decodes),
    )
    return run_crawl(job, context.staging_dir / "crawl",
                     on_progress=lambda n: progress("crawl", n, None))


def leftover_pages(dirs: Iterable[Path]) -> Iterator[FetchedPage]:
    """Pages a run that died had fetched, for this run to finish."""
    for run_dir in dirs:
        crawl_dir = run_dir / "crawl"
        if crawl_dir.is_dir():
            yield from load_crawl_output(crawl_dir).pages()


@dataclass
class Analyzer:
    """Per-run NLP state: the spaCy pipeline, relevance rules, syndication and statement
    indexes, built once and reused for every batch of the run."""

    story: Story
    statements: list[Statement]
    fingerprints: list[StatementFingerprint]

    def __post_init__(self) -> None:
        self.rules = compile_rules(self.story)
        self.statement_index = StatementIndex(SpeakerDirectory(self.story), self.statements,
                                              self.fingerprints)

    @cached_property
    def nlp(self):
        """Built on first use: a run with nothing relevant to read never loads the model."""
        return build_pipeline(self.story)

    def seen_at(self, article: Article) -> datetime:
        """When the run counts an article's statements as first seen: when it was fetched (a
        backfill, reading the past, counts from publication instead)."""
        return article.fetched_at

    def relevance(self, articles: list[Article]) -> list[Relevance]:
        return [score_with_rules(article, self.rules) for article in articles]

    def analyse(self, texts: Iterable[tuple[str, str]]) -> Iterator[DocAnalysis]:
        """(article_id, text) pairs through one spaCy stream for the whole run, so that with
        `[nlp] n_process = 2` the worker processes start once and parse while this process
        extracts, matches and loads."""
        story = self.story
        return analyze_texts(texts, story, nlp=self.nlp, batch_size=story.nlp.batch_size,
                             n_process=story.nlp.n_process)


@dataclass
class Item:
    """One unit of the run's stream: an article (new, or stored but not analysed yet) with what
    the stages found, and the fetch log of the pages it came in with."""

    article: Article | None
    is_new: bool
    pages: list[FetchedPage]
    relevance: Relevance | None = None
    analysis: DocAnalysis | None = None


def build_batch(analyzer: Analyzer, items: list[Item], run_id: str,
                syndication: SyndicationIndex, signatures: list[ArticleSignature]
                ) -> tuple[LoadBatch, list[str]]:
    """Judged and analysed items -> everything to load for them, and the new statement ids."""
    articles = [item.article for item in items if item.article is not None]
    relevance = [item.relevance for item in items if item.relevance is not None]
    analysed = {r.article_id: "skipped:not relevant" for r in relevance if not r.is_relevant}
    entities, quotes = [], []
    by_id = {a.article_id: a for a in articles}
    for analysis in (item.analysis for item in items if item.analysis is not None):
        if analysis.skipped_reason:
            analysed[analysis.doc_id] = f"skipped:{analysis.skipped_reason}"
            continue
        analysed[analysis.doc_id] = "done"
        entities.extend(analysis.entities)
        quotes.extend(quotes_of(analysis))
    assignment = assign_statements(
        (statement_input(q, by_id[q.article_id], analyzer.seen_at(by_id[q.article_id]))
         for q in quotes),
        analyzer.statement_index,
        people={e.canonical for e in entities if e.label == "PERSON" and e.canonical},
    )
    for quote in quotes:
        quote.statement_id = assignment.quote_statement.get(quote.quote_id)
    clusters = cluster_articles(signatures, syndication)
    batch = LoadBatch(
        run_id=run_id,
        pages=[page for item in items for page in item.pages],
        articles=[item.article for item in items if item.article is not None and item.is_new],
        relevance=relevance,
        clusters={a.article_id: a.cluster_id for a in clusters.assignments},
        reroots=clusters.reroots,
        analysed=analysed,
        entities=entities,
        quotes=quotes,
        statements=[*assignment.new, *assignment.updated],
        extra={
            "article_signatures": clusters.signatures,
            "signature_bands": band_rows(clusters.signatures),
            "statement_fingerprints": assignment.fingerprints,
        },
    )
    return batch, [s.statement_id for s in assignment.new]


def sketch_articles(articles: list[Article]) -> list[ArticleSignature]:
    return [sketch_article(a.article_id, a.text, a.published_at, a.fetched_at) for a in articles]


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Lists of `size` items (the last one shorter), read lazily."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def extracted_items(state: StartState, pages: list[FetchedPage], totals: RunTotals,
                    batch_size: int, progress: Progress) -> Iterator[Item]:
    """Stored articles not analysed yet, then the pages' new articles, one Item each (pages
    that gave none ride along for the fetch log)."""
    for article in state.pending_articles:
        yield Item(article, is_new=False, pages=[])
    seen = set(state.stored_urls)
    done = 0
    for chunk in batched(pages, batch_size):
        articles = []
        for page in chunk:
            if page.body_path is not None:
                totals.pages_fetched += 1
                totals.count(page.source_url, "fetched")
            elif is_fetch_failure(page):
                totals.count(page.source_url, "failed")
        for result in extract_pages(p for p in chunk if p.body_path):
            if isinstance(result, ExtractionFailure):
                totals.extraction_failures += 1
                totals.count(result.source_url, "failed")
                continue
            if result.canonical_url in seen or result.url in seen:
                continue  # already stored, or a copy of a page seen earlier in this run
            seen.update((result.canonical_url, result.url))
            totals.count(result.source_url, "new")
            articles.append(result)
        done += len(chunk)
        progress("analyse", done, len(pages))
        if not articles:
            yield Item(None, is_new=True, pages=chunk)
        for i, article in enumerate(articles):
            yield Item(article, is_new=True, pages=chunk if i == 0 else [])


def analysed_items(analyzer: Analyzer, items: Iterable[Item]) -> Iterator[Item]:
    """Judge every item and parse the relevant ones, in order, through one spaCy stream.

    Items wait in a queue while their turn in the stream comes: the stream reads ahead (its
    worker processes parse the next batch while this process works on the last one).
    """
    waiting: deque[Item] = deque()

    def relevant_texts() -> Iterator[tuple[str, str]]:
        for item in items:
            if item.article is not None:
                (item.relevance,) = analyzer.relevance([item.article])
            waiting.append(item)
            if item.relevance is not None and item.relevance.is_relevant:
                yield item.article.article_id, item.article.text

    texts = relevant_texts()
    first = next(texts, None)  # nothing relevant: the model is never loaded
    if first is not None:
        for analysis in analyzer.analyse(chain([first], texts)):
            while True:
                item = waiting.popleft()
                if item.article is not None and item.article.article_id == analysis.doc_id:
                    item.analysis = analysis
                    yield item
                    break
                yield item
    yield from waiting


def process_pages(
    story: Story,
    context: RunContext,
    state: StartState,
    crawl: CrawlOutput,
    *,
    batch_size: int = 64,
    progress: Progress = _quiet,
) -> RunTotals:
    """Extract, judge, analyse and load the crawl's pages (and a dead run's) batch by batch.

    Each batch lands in one short transaction before the next is loaded, so the warehouse is
    free for analysts between batches, and memory stays flat in the crawl's size. A held run
    writes each batch into its staging folder instead, reading stored signatures read-only.
    """
    totals = RunTotals()
    analyzer = Analyzer(story, state.statements, state.fingerprints)
    syndication = SyndicationIndex()
    pages = list(crawl.pages())  # small records; the bodies stay on disk
    pages.extend(leftover_pages(state.leftover_dirs))
    items = extracted_items(state, pages, totals, batch_size, progress)
    for batch in batched(analysed_items(analyzer, items), batch_size):
        if context.held:
            _stage(context, analyzer, batch, syndication, totals)
        else:
            load_items(context, analyzer, batch, syndication, totals)
    return totals


def load_items(context: RunContext, analyzer: Analyzer, items: list[Item],
               syndication: SyndicationIndex, totals: RunTotals) -> None:
    """Load analysed items: a short read of the stored look-alikes, statement and cluster
    assignment with no file open, then one short write."""
    signatures = sketch_articles([item.article for item in items if item.article is not None])
    hashes, bands = lookup_keys(signatures)
    with context.warehouse(read_only=True) as warehouse:  # one connection, no write lock
        candidates = signature_candidates(warehouse, hashes, bands)
    for row in candidates:
        syndication.add(ArticleSignature(*row))
    batch, new_ids = build_batch(analyzer, items, context.run_id, syndication, signatures)
    with context.warehouse() as warehouse:
        summary = warehouse.load_batch(batch)
    totals.articles_added += summary.articles_added
    totals.quotes_added += summary.quotes_added
    totals.articles_relevant += sum(r.is_relevant for r in batch.relevance)
    totals.new_statement_ids.extend(wholes(batch, new_ids))


def wholes(batch: LoadBatch, new_ids: list[str]) -> list[str]:
    """The new statements a run reports: a part of a statement (statements.part_of, an
    excerpt of it quoted alone) is news of its whole, as for the alerts."""
    parts = {s.statement_id for s in batch.statements if s.part_of is not None}
    return [statement_id for statement_id in new_ids if statement_id not in parts]


def _stage(context: RunContext, analyzer: Analyzer, items: list[Item],
           syndication: SyndicationIndex, totals: RunTotals) -> None:
    """load_items for a held run: the same batch, written to the run's staging folder."""
    signatures = sketch_articles([item.article for item in items if item.article is not None])
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
    # The run's new statements with their first article, for its Prefect artifacts: read in
    # the finish step's own open of the file, so publishing them opens it no more.
    new_statements: list[dict] = field(default_factory=list)


def finish_run(context: RunContext, crawl: CrawlOutput, totals: RunTotals,
               state: StartState, *, status: str, message: str | None = None,
               failing_source_runs: int = 3) -> Finished:
    """Record the sources' state and the run's outcome, publish views, checks and snapshot,
    then drop the staging folders whose work has landed. A held run stages all that instead
    and loads it if the file comes free within the lock timeout (finish_held_run)."""
    now = datetime.now(UTC)
    sources = []
    for result in crawl.sources:
        counts = totals.by_source.get(result.source_url, {})
        sources.append(SourceRun(
            result=result, checked_at=now, n_new=counts.get("new", 0),
            n_fetched=counts.get("fetched", 0), n_failed=counts.get("failed", 0),
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
    for path in [*state.leftover_dirs, context.staging_dir]:
        shutil.rmtree(path, ignore_errors=True)
    return Finished(run, waited_s=context.waited_s, source_health=health,
                    new_statements=new_statements)


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
