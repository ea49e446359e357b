"""`presswatch reanalyse`: the extraction and the NLP run again over a warehouse's stored pages.

An improvement to the extraction, the relevance rules, the quote and speaker rules or the
statement matching then reaches articles stored long ago without fetching them again. Each
stored article is read again from its raw page where one is kept (else its stored text is
used as it is), then goes through the daily run's own stages (analysis.analysed_items,
analysis.build_batch) with statement and syndication indexes built from nothing, run by run in
the order the runs stored them, so the rows come out as a fresh run of the same days with
today's code would write them. A statement's id comes from its speaker and first version, so a
statement the new analysis still finds keeps its id; one grouped or attributed otherwise gets
another, and `statement_lineage` records where each old one went (merged, split, replaced,
removed). Statements the alert stage had judged pass their judgement on to the ones they
became, and what the new analysis finds in old articles is old news: nothing alerts because of
a re-analysis.

Long work never holds the file: one short read-only read of the pages, texts and current
analysis, the extraction and parse with no file open, then one short transaction per batch.
"""

from __future__ import annotations

import gzip
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import TextIO

from presswatch.lease import acquire
from presswatch.nlp.statements import SpeakerDirectory, StatementFingerprint, StatementIndex
from presswatch.nlp.syndication import SyndicationIndex
from presswatch.records import Article, FetchedPage, Quote, Statement, stable_id
from presswatch.runs.analysis import (
    Analyzer,
    Item,
    analysed_items,
    batched,
    build_batch,
    item_signatures,
)
from presswatch.runs.context import new_run_id
from presswatch.spiders.extract import NoArticleText, PageTest, extract_article
from presswatch.story import Story
from presswatch.warehouse.alert_book import AlertBook
from presswatch.warehouse.batch import LoadBatch
from presswatch.warehouse.reanalysis import (
    LineageRow,
    ReanalysisRow,
    StoredAnalysis,
    finish_interrupted_removals,
    read_stored_analysis,
    remove_statements,
    require_unchanged,
)
from presswatch.warehouse.store import open_warehouse

BATCH_SIZE = 64  # articles per batch: the daily run's batch, so statements are assigned alike
EXAMPLES_KEPT = 3


@dataclass
class Reanalysis:
    """The new analysis of every stored article: what to load, and its rows for the diff."""

    batches: list[LoadBatch]
    quotes: dict[str, Quote]
    statements: dict[str, Statement]
    entities: set[tuple[str, int, int, str, str | None]]
    n_articles: int
    texts_changed: list[Article] = field(default_factory=list)  # extracted again otherwise


def reanalyse_articles(story: Story, runs: Iterable[list[Article]], reanalysis_id: str,
                       batch_size: int = BATCH_SIZE) -> Reanalysis:
    """Stored articles (grouped by the run that stored them, in order) -> the batches a fresh
    run with this code would load for them. No I/O: a batch function that can run on a worker.

    One spaCy stream serves every article; its output is cut into batches at each run's end
    and every batch_size articles, and each batch is matched against the statements of the
    batches before it. Each run after the first starts from the statements as the warehouse
    would hold them, rebuilt from rows as the daily run's start rebuilds them.
    """
    analyzer = Analyzer(story, [], [])
    stored = {a.article_id: a for run in runs for a in run}
    runs = [[reextracted(article, analyzer.may_be_on_story) for article in run] for run in runs]
    changed = {a.article_id for run in runs for a in run
               if _metadata(a) != _metadata(stored[a.article_id])}
    run_of = {a.article_id: n for n, run in enumerate(runs) for a in run}
    items = (Item(article, is_new=False, pages=[]) for run in runs for article in run)
    result = Reanalysis([], {}, {}, set(), len(run_of))
    fingerprints: dict[str, StatementFingerprint] = {}
    syndication = SyndicationIndex()  # every article clustered again, in the runs' order
    for n, run_items in groupby(analysed_items(analyzer, items),
                                key=lambda item: run_of[item.article.article_id]):
        if n:
            known = sorted(result.statements.values(),
                           key=lambda s: (s.first_seen_at, s.statement_id))
            analyzer.statement_index = StatementIndex(SpeakerDirectory(story), known,
                                                      list(fingerprints.values()))
        for chunk in batched(run_items, batch_size):
            articles = [item.article for item in chunk]
            batch, new_ids = build_batch(analyzer, chunk, reanalysis_id, syndication,
                                         item_signatures(chunk))
            batch.refounded_statements = new_ids
            batch.updated_articles = [a for a in articles if a.article_id in changed]
            result.texts_changed.extend(batch.updated_articles)
            result.batches.append(batch)
            result.quotes.update((q.quote_id, q) for q in batch.quotes)
            result.statements.update((s.statement_id, s) for s in batch.statements)
            fingerprints.update((f.statement_id, f)
                                for f in batch.extra["statement_fingerprints"])
            result.entities.update((e.article_id, e.start_char, e.end_char, e.label,
                                    e.canonical) for e in batch.entities)
    return result


def reextracted(article: Article, may_be_on_story: PageTest) -> Article:
    """The article as today's extraction reads its stored raw page: improvements to the
    extraction reach it too. As stored when no page is kept or the page gives no text now,
    and when the story's page gate turns the page away (off the story, it is not extracted
    again, and its stored text, whether extracted or skimmed, stays); the id, URLs and first
    fetch are the stored ones whatever the page says now."""
    if not article.raw_html_gz:
        return article
    page = FetchedPage(article.url, article.url, 200, article.fetched_at, article.source_url,
                       "text/html", encoding="utf-8")  # raw pages are kept as UTF-8
    try:
        body = gzip.decompress(article.raw_html_gz)
        if not may_be_on_story(body, page.encoding):
            return replace(article, turned_away=True)
        fresh = extract_article(page, body)
    except (NoArticleText, OSError, EOFError):
        return article
    return replace(fresh, article_id=article.article_id, url=article.url,
                   canonical_url=article.canonical_url, raw_html_gz=b"")


def _metadata(article: Article) -> tuple:
    """What the extraction decides of an article (what an updated article replaces)."""
    return (article.outlet, article.title, list(article.authors), article.published_at,
            article.language, article.text, article.word_count, article.site_name)


@dataclass
class Changes:
    """What a re-analysis changed, for the printout, the `reanalyses` row and the lineage."""

    reanalysis_id: str
    n_articles: int
    texts_changed: list[str] = field(default_factory=list)  # titles (or ids) of articles
    quotes_added: list[Quote] = field(default_factory=list)
    quotes_removed: list[str] = field(default_factory=list)  # their content
    quotes_reattributed: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    statements_added: list[str] = field(default_factory=list)
    statements_removed: list[str] = field(default_factory=list)
    statements_kept: list[str] = field(default_factory=list)
    lineage: list[LineageRow] = field(default_factory=list)
    statements_reattributed: int = 0  # replaced one for one by a statement of another speaker
    statement_examples: list[str] = field(default_factory=list)
    speakers_added: list[str] = field(default_factory=list)
    speakers_removed: list[str] = field(default_factory=list)
    entities_added: int = 0
    entities_removed: int = 0
    # statements the alert stage must not judge (again): id -> the alert its origin went into
    judged: dict[str, str | None] = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, change: str) -> int:
        return len({(r.new_statement_id if change == "merged" else r.old_statement_id)
                    for r in self.lineage if r.change == change})


def _speaker(quote_speaker: str | None, statement: str | None) -> str | None:
    """Who a quote is attributed to: its statement's speaker, else the NLP stage's name."""
    return statement or quote_speaker


def compare(old: StoredAnalysis, new: Reanalysis, reanalysis_id: str) -> Changes:
    """The difference between the stored analysis and the new one, statement by statement."""
    changes = Changes(reanalysis_id, new.n_articles,
                      [a.title or a.article_id for a in new.texts_changed])
    changes.quotes_added = [q for i, q in new.quotes.items() if i not in old.quotes]
    changes.quotes_removed = [q.content for i, q in old.quotes.items() if i not in new.quotes]
    for quote_id, quote in new.quotes.items():
        before = old.quotes.get(quote_id)
        if before is None:
            continue
        statement = new.statements.get(quote.statement_id or "")
        was = _speaker(before.speaker, before.statement_speaker)
        now = _speaker(quote.speaker, statement.speaker if statement else None)
        if was != now:
            changes.quotes_reattributed.append((quote.content, was, now))
    changes.statements_added = sorted(set(new.statements) - set(old.statements))
    changes.statements_removed = sorted(set(old.statements) - set(new.statements))
    changes.statements_kept = sorted(set(old.statements) & set(new.statements))
    old_speakers = {s.speaker for s in old.statements.values()}
    new_speakers = {s.speaker for s in new.statements.values()}
    changes.speakers_added = sorted(new_speakers - old_speakers)
    changes.speakers_removed = sorted(old_speakers - new_speakers)
    changes.entities_added = len(new.entities - old.entities)
    changes.entities_removed = len(old.entities - new.entities)
    shared = Counter(
        (old.quotes[i].statement_id, q.statement_id) for i, q in new.quotes.items()
        if i in old.quotes and old.quotes[i].statement_id and q.statement_id
    )
    before: dict[str, set[str]] = {}
    after: dict[str, set[str]] = {}
    for old_id, new_id in shared:
        before.setdefault(new_id, set()).add(old_id)
        after.setdefault(old_id, set()).add(new_id)
    for (old_id, new_id), n_quotes in sorted(shared.items()):
        if old_id == new_id:
            continue
        change = ("merged" if len(before[new_id]) > 1
                  else "split" if len(after[old_id]) > 1 else "replaced")
        changes.lineage.append(_lineage(reanalysis_id, old_id, new_id, change, n_quotes))
        statement, was = new.statements[new_id], old.statements.get(old_id)
        if change == "replaced" and was is not None and was.speaker != statement.speaker:
            changes.statements_reattributed += 1
            changes.statement_examples.append(
                f"statement re-attributed from {was.speaker} to {statement.speaker}: "
                f"{_short(statement.text)}")
        elif change == "merged" and min(before[new_id]) == old_id:
            changes.statement_examples.append(
                f"{len(before[new_id])} statements merged into one of {statement.speaker}: "
                f"{_short(statement.text)}")
        elif change == "split" and min(after[old_id]) == new_id and was is not None:
            changes.statement_examples.append(
                f"a statement of {was.speaker} split in {len(after[old_id])}: "
                f"{_short(was.text)}")
    for old_id in changes.statements_removed:
        if old_id not in after:
            changes.lineage.append(_lineage(reanalysis_id, old_id, None, "removed", 0))
    for new_id in changes.statements_added:
        if new_id not in before:
            changes.lineage.append(_lineage(reanalysis_id, None, new_id, "added", 0))
    changes.judged = _judgements(old, changes.statements_added, before)
    return changes


def _lineage(reanalysis_id: str, old_id: str | None, new_id: str | None, change: str,
             n_quotes: int) -> LineageRow:
    return LineageRow(stable_id(reanalysis_id, old_id or "", new_id or ""), reanalysis_id,
                      old_id, new_id, change, n_quotes)


def _judgements(old: StoredAnalysis, added: list[str], before: dict[str, set[str]]
                ) -> dict[str, str | None]:
    """Which new statements count as judged by the alert stage already: those that come from
    a judged statement (with the alert it went into), and those that come from none (found
    in old articles: old news). One that comes only from statements not judged yet (waiting
    for a surer attribution) waits as they did."""
    judged: dict[str, str | None] = {}
    for new_id in added:
        origins = [old.statements[i] for i in sorted(before.get(new_id, ()))
                   if i in old.statements]
        if not origins:
            judged[new_id] = None
        elif any(s.is_judged for s in origins):
            judged[new_id] = next((s.alert_key for s in origins if s.alert_key), None)
    return judged


def reanalyse(story: Story, db_path: Path, *, lock_timeout_s: float,
              now: datetime | None = None, lease_wait_s: float = 60.0) -> Changes:
    """Re-analyse (below) holding the warehouse's lease, so that no run lands meanwhile."""
    with acquire(db_path, "reanalyse", story.id, wait_s=lease_wait_s):
        return _reanalyse(story, db_path, lock_timeout_s=lock_timeout_s, now=now)


def _reanalyse(story: Story, db_path: Path, *, lock_timeout_s: float,
               now: datetime | None) -> Changes:
    """Re-run the NLP over every stored article of a warehouse and write what changed.

    Checks the story (migrating an older file), reads in one short read-only open, parses
    with the file closed, then writes: the
    judgements first (so no statement it creates is ever unjudged in the file), then one
    transaction per batch (its lineage and `reanalyses` row with the first), and last the
    removal of statements no quote names any more, with the views, checks and snapshot.
    Raises ReanalysisConflict, before writing more, if a run lands meanwhile.
    """
    clock = time.monotonic()
    started_at = now or datetime.now(UTC)
    reanalysis_id = "reanalysis-" + new_run_id(story.id, started_at)
    with open_warehouse(db_path, lock_timeout_s=lock_timeout_s) as warehouse:
        warehouse.require_story(story.id)  # and an older file is migrated (009)
        finish_interrupted_removals(warehouse)  # an earlier one's last step, if it was cut
    with open_warehouse(db_path, read_only=True, lock_timeout_s=lock_timeout_s) as warehouse:
        old = read_stored_analysis(warehouse)
    new = reanalyse_articles(story, old.runs, reanalysis_id)
    changes = compare(old, new, reanalysis_id)
    row = ReanalysisRow(
        reanalysis_id, story.id, started_at, None, new.n_articles, len(new.texts_changed),
        len(changes.quotes_added), len(changes.quotes_removed),
        len(changes.quotes_reattributed), len(changes.statements_added),
        len(changes.statements_removed), len(changes.statements_kept),
    )
    with open_warehouse(db_path, lock_timeout_s=lock_timeout_s) as warehouse:
        require_unchanged(warehouse, old.guard)
    AlertBook(db_path, lock_timeout_s=lock_timeout_s).queue(
        [], changes.judged, story_id=story.id, run_id=reanalysis_id, now=started_at)
    first = new.batches[0] if new.batches else LoadBatch(run_id=reanalysis_id)
    first.extra.update({"reanalyses": [row], "statement_lineage": changes.lineage})
    for batch in new.batches or [first]:
        with open_warehouse(db_path, lock_timeout_s=lock_timeout_s) as warehouse:
            require_unchanged(warehouse, old.guard)
            warehouse.load_batch(batch)
    with open_warehouse(db_path, lock_timeout_s=lock_timeout_s) as warehouse:
        require_unchanged(warehouse, old.guard)
        remove_statements(warehouse, changes.statements_removed)
        row.finished_at = datetime.now(UTC)
        warehouse.load_batch(LoadBatch(extra={"reanalyses": [row]}))
        warehouse.publish()
    changes.seconds = time.monotonic() - clock
    return changes


def print_changes(changes: Changes, out: TextIO) -> None:
    """What changed, in counts and a few examples."""
    write = out.write
    write(f"Re-analysed {changes.n_articles} stored articles in {changes.seconds:.1f} s "
          f"({changes.reanalysis_id})\n")
    write(f"  texts:      {len(changes.texts_changed)} extracted again otherwise from their "
          "raw page\n")
    write(f"  quotes:     {len(changes.quotes_added)} added, {len(changes.quotes_removed)} "
          f"removed, {len(changes.quotes_reattributed)} re-attributed\n")
    write(f"  statements: {len(changes.statements_added)} added, "
          f"{len(changes.statements_removed)} removed, {len(changes.statements_kept)} kept "
          f"their id; {changes.count('merged')} merged, {changes.count('split')} split, "
          f"{changes.count('replaced')} replaced by another id "
          f"({changes.statements_reattributed} re-attributed)\n")
    write(f"  speakers:   {len(changes.speakers_added)} added, "
          f"{len(changes.speakers_removed)} removed\n")
    write(f"  entities:   {changes.entities_added} added, {changes.entities_removed} removed\n")
    reattributed = dict.fromkeys(  # the same words in two copies of an article: once
        f"re-attributed from {was or 'nobody'} to {now or 'nobody'}: {_short(text)}"
        for text, was, now in changes.quotes_reattributed)
    examples = [
        *list(reattributed)[:EXAMPLES_KEPT],
        *(f"quote added ({q.speaker or q.speaker_text or 'no speaker'}): {_short(q.content)}"
          for q in changes.quotes_added[:EXAMPLES_KEPT]),
        *(f"quote removed: {_short(text)}" for text in changes.quotes_removed[:EXAMPLES_KEPT]),
        *changes.statement_examples[:EXAMPLES_KEPT],
        *(f"text extracted again: {_short(title)}"
          for title in changes.texts_changed[:EXAMPLES_KEPT]),
        *(f"speaker added: {name}" for name in changes.speakers_added[:EXAMPLES_KEPT]),
        *(f"speaker removed: {name}" for name in changes.speakers_removed[:EXAMPLES_KEPT]),
    ]
    if examples:
        write("  for example:\n")
        for line in examples:
            write(f"    {line}\n")
    write("  no alert is sent for a re-analysis; `statement_lineage` says where each "
          "statement went\n")


def _short(text: str, width: int = 70) -> str:
    """One line of a quote's words, without quotation marks: indirect speech is no quotation."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"
