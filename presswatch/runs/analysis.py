"""The shared analysis of a run: extract, judge, parse and assign statements, batch by batch.

The daily run (presswatch/runs/daily.py), the held run (held.py), the backfill (backfill.py)
and the re-analysis (reanalyse.py) all go through these functions.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from itertools import chain, islice

from presswatch.nlp.analyze import analyze_texts, quotes_of, worker_processes
from presswatch.nlp.gate import Gate, compile_gate
from presswatch.nlp.relevance import compile_rules, score_with_rules, turned_away_verdict
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
    as_utc,
)
from presswatch.runs.context import Progress, RunContext, RunTotals, StartState
from presswatch.spiders.crawl import is_fetch_failure
from presswatch.spiders.extract import ExtractionFailure, PageTest, extract_pages
from presswatch.story import Story
from presswatch.warehouse.analysis_state import signature_candidates
from presswatch.warehouse.batch import LoadBatch

log = logging.getLogger("presswatch.run")
# Passes of the collector's middle generation between two full passes (Python's default: 10).
FULL_PASS_EVERY = 100
# DuckDB threads for the loads made while the spaCy workers parse: the workers hold every core,
# so a second DuckDB thread only adds coordination (docs/measured.md: indexing 10,000 articles
# took 3.9-4.2 CPU s on one thread against 4.8-5.0 on two, and no longer).
LOAD_THREADS = 1


def _build_pipeline(story: Story):
    """Imported here: spaCy loads with the pipeline, in a run that parses."""
    from presswatch.nlp import pipeline

    settle_collector()
    return pipeline.build_pipeline(story)


@cache
def settle_collector() -> None:
    """Once per process, after spaCy's import, the last large one: the objects alive now, the
    loaded code above all (about 400,000 of them), are frozen, out of the collector's full
    passes; and a full pass waits for FULL_PASS_EVERY passes of the middle generation, since a
    run's own objects mostly live as long as the run. Full passes at 10,000 articles: 5 and
    1.3 s, against 18 and 10 s before (docs/measured.md, "Daily run, the collector's full
    passes"). A frozen object is still freed when nothing refers to it; only a cycle among
    those alive now would stay, once per process."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_PASS_EVERY)


@dataclass
class Analyzer:
    """Per-run NLP state: the spaCy pipeline, relevance rules, syndication and statement
    indexes, built once and reused for every batch of the run."""

    story: Story
    statements: list[Statement]
    fingerprints: list[StatementFingerprint]
    # When a statement counts as first seen: when its article was fetched (a day's run), or
    # when it was published (a backfill reads the past; when captured if the page gives no date)
    seen_when_published: bool = False
    # At most how many texts will be parsed (the run's pages and stored articles), asked while
    # the parse's processes are settled (processes_for); None while not known (the crawl still
    # runs). Few texts are parsed in this process (nlp.analyze.worker_processes).
    most_texts: Callable[[], int | None] = lambda: None
    # The same count as far as it is known yet (the pages read so far and stored articles): a
    # floor of most_texts that settles the spaCy processes before the crawl ends.
    texts_so_far: Callable[[], int] = lambda: 0

    _loading: tuple[threading.Thread, Future] | None = field(default=None, init=False,
                                                              repr=False)

    def __post_init__(self) -> None:
        self.rules = compile_rules(self.story)
        self.statement_index = StatementIndex(SpeakerDirectory(self.story), self.statements,
                                              self.fingerprints)

    @cached_property
    def nlp(self):
        """Built on first use, or by load_soon's thread: a run with nothing relevant to read
        never loads the model, nor imports spaCy."""
        if self._loading is None:
            return _build_pipeline(self.story)
        thread, built = self._loading
        thread.join()  # ended before any fork: the spaCy workers are forked from one thread
        return built.result()

    def load_soon(self) -> None:
        """Start building the pipeline in a thread, for a parse that will come: the model loads
        while this process waits for the crawl's next pages or reads them, not after."""
        if self._loading is not None or "nlp" in self.__dict__:
            return
        built: Future = Future()

        def build() -> None:
            try:
                built.set_result(_build_pipeline(self.story))
            except BaseException as exc:  # noqa: BLE001 - raised where the pipeline is used
                built.set_exception(exc)

        thread = threading.Thread(target=build, name="presswatch-load-pipeline", daemon=True)
        thread.start()
        self._loading = (thread, built)

    def seen_at(self, article: Article) -> datetime:
        """When the run counts an article's statements as first seen (seen_when_published)."""
        if self.seen_when_published:
            return as_utc(article.published_at or article.fetched_at)
        return article.fetched_at

    @cached_property
    def gate(self) -> Gate:
        """The story's page gate, compiled on the first page: a run that reads none (the
        quiet re-run) never builds its Hyperscan database."""
        return compile_gate(self.story)

    def may_be_on_story(self, body: bytes, charset: str | None) -> bool:
        """The gate's test of a raw page: a page it turns away is only skimmed (see
        extracted_items)."""
        return self.gate.passes(body, charset)

    def relevance(self, articles: list[Article]) -> list[Relevance]:
        return [turned_away_verdict(article, self.rules) if article.turned_away
                else score_with_rules(article, self.rules) for article in articles]

    def analyse(self, texts: Iterable[tuple[str, str]]) -> Iterator[DocAnalysis]:
        """(article_id, text) pairs through one spaCy stream for the whole run, so that with
        `[nlp] n_process = 2` the worker processes start once and parse while this process
        extracts, matches and loads."""
        settings = self.story.nlp
        unread = iter(texts)
        ahead, n_process = self.processes_for(unread)
        return analyze_texts(chain(ahead, unread), self.story, nlp=self.nlp,
                             batch_size=settings.batch_size, n_process=n_process)

    def processes_for(self, texts: Iterator[tuple[str, str]]
                      ) -> tuple[list[tuple[str, str]], int]:
        """How many spaCy processes to parse with, and the texts read to know it.

        While the crawl runs the run's size is not known: texts are read ahead until it is, or
        until the pages read so far (or the texts alone) fill a batch for every worker, when
        the known size could only give the same number. So a small run still parses in this
        process, and a large one starts its workers after a few dozen pages.
        """
        wanted, batch_size = self.story.nlp.n_process, self.story.nlp.batch_size
        ahead: list[tuple[str, str]] = []
        known = self.most_texts()
        while (known is None and wanted > 1
               and max(len(ahead), self.texts_so_far()) <= (wanted - 1) * batch_size):
            text = next(texts, None)
            if text is None:  # all read: their number is the run's
                return ahead, worker_processes(wanted, len(ahead), batch_size)
            ahead.append(text)
            known = self.most_texts()
        return ahead, worker_processes(wanted, known, batch_size)


@dataclass
class Item:
    """One unit of the run's stream: an article (new, or stored but not analysed yet) with what
    the stages found, and the fetch log of the pages it came in with."""

    article: Article | None
    is_new: bool
    pages: list[FetchedPage]
    relevance: Relevance | None = None
    analysis: DocAnalysis | None = None
    # The article's syndication signature, made as it is judged (analysed_items): while the
    # spaCy processes parse, not on the run's tail, when the last batch is loaded
    signature: ArticleSignature | None = None


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


def _sketch(article: Article) -> ArticleSignature:
    return sketch_article(article.article_id, article.text, article.published_at,
                          article.fetched_at)


def item_signatures(items: list[Item]) -> list[ArticleSignature]:
    """The signatures of the items' articles: those made as they were judged, else now. A
    turned-away article has none: off the story, its copies are of no interest, and its
    skimmed text would not match an extracted copy's."""
    return [item.signature or _sketch(item.article) for item in items
            if item.article is not None and not item.article.turned_away]


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Lists of `size` items (the last one shorter), read lazily."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def extracted_items(state: StartState, pages: Iterable[FetchedPage], totals: RunTotals,
                    batch_size: int, progress: Progress,
                    most_pages: Callable[[], int | None] = lambda: None,
                    may_be_on_story: PageTest | None = None) -> Iterator[Item]:
    """Stored articles not analysed yet, then the pages' new articles, each as soon as its page
    is extracted, one Item each. Pages that gave no article ride along, for the fetch log, with
    the next Item; a run of batch_size pages that gave none is an Item of its own, and so is
    the stream's last such tail. most_pages: the progress total, once known. may_be_on_story:
    the story's page gate; a page it turns away is skimmed, not extracted (docs/relevance.md,
    "Pages turned away before extraction")."""
    for article in state.pending_articles:
        yield Item(article, is_new=False, pages=[])
    seen = set(state.stored_urls)
    done = 0
    unsent: list[FetchedPage] = []  # pages read since the last Item
    chunk_gave_article = False  # in this run of batch_size pages (they count the progress)
    for page in pages:
        done += 1
        unsent.append(page)
        article = _new_article(page, seen, totals, may_be_on_story)
        if article is not None:
            chunk_gave_article = True
            yield Item(article, is_new=True, pages=unsent)
            unsent = []
        if done % batch_size == 0:
            progress("analyse", done, most_pages())
            if not chunk_gave_article:
                yield Item(None, is_new=True, pages=unsent)
                unsent = []
            chunk_gave_article = False
    if done % batch_size:
        progress("analyse", done, most_pages())
    if unsent:
        yield Item(None, is_new=True, pages=unsent)


def _new_article(page: FetchedPage, seen: set[str], totals: RunTotals,
                 may_be_on_story: PageTest | None) -> Article | None:
    """The page's article if it is one this run has not stored or seen; counted either way."""
    if page.body_path is not None:
        totals.pages_fetched += 1
        totals.count(page.source_url, "fetched")
    elif is_fetch_failure(page):
        totals.count(page.source_url, "failed", page.reason)
    if not page.body_path:
        return None
    (result,) = extract_pages([page], may_be_on_story)
    if isinstance(result, ExtractionFailure):
        totals.extraction_failures += 1
        totals.count(result.source_url, "failed", result.reason)
        return None
    if result.canonical_url in seen or result.url in seen:
        return None  # already stored, or a copy of a page seen earlier in this run
    seen.update((result.canonical_url, result.url))
    totals.count(result.source_url, "new")
    return result


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
                if not item.article.turned_away:
                    item.signature = _sketch(item.article)
            waiting.append(item)
            if item.relevance is not None and item.relevance.is_relevant:
                yield item.article.article_id, item.article.text

    texts = relevant_texts()
    first = next(texts, None)  # nothing relevant: the model is never loaded
    if first is not None:
        analyzer.load_soon()  # while the texts that settle the spaCy processes are read
        for analysis in analyzer.analyse(chain([first], texts)):
            while True:
                item = waiting.popleft()
                if item.article is not None and item.article.article_id == analysis.doc_id:
                    item.analysis = analysis
                    yield item
                    break
                yield item
    yield from waiting


def load_items(context: RunContext, analyzer: Analyzer, items: list[Item],
               syndication: SyndicationIndex, totals: RunTotals) -> None:
    """Load analysed items: a short read of the stored look-alikes, statement and cluster
    assignment with no file open, then one short write."""
    signatures = item_signatures(items)
    hashes, bands = lookup_keys(signatures)
    # one connection, no write lock
    with context.warehouse(read_only=True, threads=LOAD_THREADS) as warehouse:
        candidates = signature_candidates(warehouse, hashes, bands)
    for row in candidates:
        syndication.add(ArticleSignature(*row))
    batch, new_ids = build_batch(analyzer, items, context.run_id, syndication, signatures)
    with context.warehouse(threads=LOAD_THREADS) as warehouse:
        summary = warehouse.load_batch(batch)
        # Searchable as they land, not all at the run's end (publish indexes what is left)
        warehouse.index_articles()
    totals.articles_added += summary.articles_added
    totals.quotes_added += summary.quotes_added
    totals.articles_relevant += sum(r.is_relevant for r in batch.relevance)
    totals.new_statement_ids.extend(wholes(batch, new_ids))


def wholes(batch: LoadBatch, new_ids: list[str]) -> list[str]:
    """The new statements a run reports: a part of a statement (statements.part_of, an
    excerpt of it quoted alone) is news of its whole, as for the alerts."""
    parts = {s.statement_id for s in batch.statements if s.part_of is not None}
    return [statement_id for statement_id in new_ids if statement_id not in parts]
