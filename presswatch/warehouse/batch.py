"""What one load writes, and its conversion to Arrow tables for a bulk insert.

A LoadBatch is plain records (presswatch.records) plus the few row types only the warehouse
needs. It is converted column by column into Arrow tables with fixed types, de-duplicated by key
on the way (a key repeated inside one INSERT would silently keep the first row), so the load is
one short transaction of `INSERT ... SELECT FROM <arrow table>` statements, never row by row.
No duckdb here: the flow builds batches without touching the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from presswatch.records import (
    Article,
    EntityMention,
    FetchedPage,
    Quote,
    Relevance,
    SourceResult,
    Statement,
    stable_id,
)


class BatchError(ValueError):
    """A batch that cannot be loaded as given; nothing of it was written."""


@dataclass
class Run:
    """One row of `runs`: written at the start of a run (status running) and again at its end."""

    run_id: str
    story_id: str
    started_at: datetime
    status: str = "running"  # running | ok | partial | failed
    finished_at: datetime | None = None
    n_sources: int | None = None
    n_sources_failed: int | None = None
    n_pages_fetched: int | None = None
    n_articles_added: int | None = None
    n_quotes_added: int | None = None
    n_statements_new: int | None = None
    message: str | None = None


@dataclass
class StoryRow:
    """One row of `stories` (migration 006): what the story file says, written every run."""

    story_id: str
    title: str
    start_date: date
    description: str | None
    relevance_threshold: float
    updated_at: datetime
    failing_source_runs: int = 3


@dataclass
class StoryOutlet:
    """One row of `story_outlets`: the story's [[outlets]] name for a host."""

    outlet: str
    name: str
    story_id: str
    updated_at: datetime


def story_rows(story: Any, now: datetime) -> dict[str, list[Any]]:
    """LoadBatch.extra rows for a story (a presswatch.story.Story): its row and its outlets."""
    return {
        "stories": [StoryRow(story.id, story.title, story.start_date, story.description or None,
                             story.relevance.threshold, now, story.alerts.failing_source_runs)],
        "story_outlets": [StoryOutlet(o.host.strip().lower(), o.name.strip(), story.id, now)
                          for o in story.outlets if o.host],
    }


@dataclass
class SourceRun:
    """A source's result in this run with the counts the flow worked out for it."""

    result: SourceResult
    checked_at: datetime
    n_new: int = 0
    n_fetched: int = 0
    n_failed: int = 0
    note: str | None = None  # what else its pages met (walls: "2 pages blocked: ...")

    @property
    def status(self) -> str:
        """ok, not_modified (HTTP 304), not_used (by the story's choice, e.g. Google News
        without its opt-in: never a failure) or failed."""
        if self.result.error is not None:
            return "failed"
        if self.result.not_used is not None:
            return "not_used"
        return "not_modified" if self.result.not_modified else "ok"


@dataclass
class LoadBatch:
    """Everything one load writes, in one transaction: all of it lands, or none of it.

    run_id is required when the batch holds sources, pages or articles (they record the run
    that wrote them). `analysed` maps article_id -> nlp_status ("done" or "skipped:<reason>");
    those articles' entities and quotes are replaced by the ones in this batch, so a re-analysis
    or a re-run after a crash never leaves stale or doubled rows. `extra` holds rows for tables
    added by later migrations (table name -> dataclass rows whose fields are column names),
    upserted by the table's primary key. `refounded_statements`: stored statements this batch
    founds afresh (a re-analysis, presswatch/runs/reanalyse.py): their rows are deleted before
    the batch's are inserted, so they hold the new analysis alone, not a blend with the old.
    `updated_articles`: stored articles whose raw page a re-analysis extracted again to another
    text: their text and metadata are replaced (id, URLs, run and first sighting stay), their
    search-index rows and signature bands dropped (indexed again at publish, banded again by
    the batch's signatures).
    """

    run_id: str | None = None
    runs: list[Run] = field(default_factory=list)
    sources: list[SourceRun] = field(default_factory=list)
    pages: list[FetchedPage] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    relevance: list[Relevance] = field(default_factory=list)
    clusters: dict[str, str] = field(default_factory=dict)  # article_id -> cluster_id
    # old cluster_id -> new cluster_id: a stored cluster found to have an earlier copy, or two
    # stored clusters joined by a new article; stored articles and signatures move with it.
    reroots: dict[str, str] = field(default_factory=dict)
    analysed: dict[str, str] = field(default_factory=dict)  # article_id -> nlp_status
    entities: list[EntityMention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    refounded_statements: list[str] = field(default_factory=list)
    updated_articles: list[Article] = field(default_factory=list)
    extra: dict[str, list[Any]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not any(
            (self.runs, self.sources, self.pages, self.articles, self.relevance, self.clusters,
             self.reroots, self.analysed, self.entities, self.quotes, self.statements,
             self.refounded_statements, self.updated_articles, any(self.extra.values()))
        )


_TS = pa.timestamp("us", tz="UTC")

_SCHEMAS: dict[str, pa.Schema] = {
    "runs": pa.schema([
        ("run_id", pa.string()), ("story_id", pa.string()), ("started_at", _TS),
        ("finished_at", _TS), ("status", pa.string()), ("n_sources", pa.int32()),
        ("n_sources_failed", pa.int32()), ("n_pages_fetched", pa.int32()),
        ("n_articles_added", pa.int32()), ("n_quotes_added", pa.int32()),
        ("n_statements_new", pa.int32()), ("message", pa.string()),
    ]),
    "sources": pa.schema([
        ("source_id", pa.string()), ("kind", pa.string()), ("url", pa.string()),
        ("name", pa.string()), ("etag", pa.string()), ("last_modified", pa.string()),
        ("last_status", pa.int32()), ("last_error", pa.string()), ("last_checked_at", _TS),
        ("run_id", pa.string()), ("status", pa.string()), ("n_candidates", pa.int32()),
        ("n_new", pa.int32()), ("n_fetched", pa.int32()), ("n_failed", pa.int32()),
        ("reason", pa.string()),
    ]),
    "pages": pa.schema([
        ("url", pa.string()), ("run_id", pa.string()), ("final_url", pa.string()),
        ("status", pa.int32()), ("content_type", pa.string()), ("reason", pa.string()),
        ("fetched_at", _TS), ("source_url", pa.string()),
    ]),
    "articles": pa.schema([
        ("article_id", pa.string()), ("url", pa.string()), ("canonical_url", pa.string()),
        ("outlet", pa.string()), ("title", pa.string()), ("authors", pa.list_(pa.string())),
        ("published_at", _TS), ("language", pa.string()), ("text", pa.string()),
        ("word_count", pa.int32()), ("fetched_at", _TS), ("source_url", pa.string()),
        ("run_id", pa.string()), ("html_gz", pa.binary()), ("site_name", pa.string()),
    ]),
    "updated_articles": pa.schema([
        ("article_id", pa.string()), ("outlet", pa.string()), ("title", pa.string()),
        ("authors", pa.list_(pa.string())), ("published_at", _TS), ("language", pa.string()),
        ("text", pa.string()), ("word_count", pa.int32()), ("site_name", pa.string()),
    ]),
    "relevance": pa.schema([
        ("article_id", pa.string()), ("relevance_score", pa.float64()),
        ("is_relevant", pa.bool_()), ("relevance_reasons", pa.list_(pa.string())),
    ]),
    "clusters": pa.schema([("article_id", pa.string()), ("cluster_id", pa.string())]),
    "reroots": pa.schema([("old_cluster_id", pa.string()), ("new_cluster_id", pa.string())]),
    "analysed": pa.schema([("article_id", pa.string()), ("nlp_status", pa.string())]),
    "entities": pa.schema([
        ("article_id", pa.string()), ("text", pa.string()), ("label", pa.string()),
        ("start_char", pa.int32()), ("end_char", pa.int32()), ("canonical", pa.string()),
    ]),
    "quotes": pa.schema([
        ("quote_id", pa.string()), ("article_id", pa.string()), ("content", pa.string()),
        ("cue", pa.string()), ("kind", pa.string()), ("speaker_text", pa.string()),
        ("speaker", pa.string()), ("speaker_role", pa.string()), ("start_char", pa.int32()),
        ("end_char", pa.int32()), ("confidence", pa.float64()), ("statement_id", pa.string()),
    ]),
    "statements": pa.schema([
        ("statement_id", pa.string()), ("speaker", pa.string()), ("speaker_role", pa.string()),
        ("organisation", pa.string()), ("text", pa.string()), ("first_seen_at", _TS),
        ("first_article_id", pa.string()), ("part_of", pa.string()),
    ]),
    "refounded_statements": pa.schema([("statement_id", pa.string())]),
}


def _utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC (the house rule); aware ones are converted to it.

    Only needed where Arrow infers types (extra rows): a fixed timestamp[tz=UTC] column already
    converts aware datetimes and reads naive ones as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _latest_by_key(rows: Iterable[Any], key: Callable[[Any], object]) -> list[Any]:
    """Keep the last row for each key, in first-seen order: later records correct earlier ones."""
    kept: dict[object, Any] = {}
    for row in rows:
        kept[key(row)] = row
    return list(kept.values())


def _table(name: str, rows: list[tuple]) -> pa.Table:
    schema = _SCHEMAS[name]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    try:
        return pa.table(
            [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)],
            schema=schema,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise BatchError(f"batch rows for {name!r} have a wrong type: {exc}") from exc


def _require_run_id(batch: LoadBatch, rows: list[Any]) -> str | None:
    if rows and batch.run_id is None:
        raise BatchError(
            "LoadBatch.run_id is required when the batch holds sources, pages or articles"
        )
    return batch.run_id


def to_arrow(batch: LoadBatch) -> dict[str, pa.Table]:
    """An Arrow table for every part of the batch (empty ones too, so the load SQL is fixed)."""
    run_id = _require_run_id(batch, batch.sources + batch.pages + batch.articles)
    runs = _latest_by_key(batch.runs, lambda r: r.run_id)
    sources = _latest_by_key(batch.sources, lambda s: s.result.source_url)
    pages = _latest_by_key(batch.pages, lambda p: p.url)
    articles = _latest_by_key(batch.articles, lambda a: a.article_id)
    relevance = _latest_by_key(batch.relevance, lambda r: r.article_id)
    entities = _latest_by_key(
        batch.entities, lambda e: (e.article_id, e.start_char, e.end_char, e.label)
    )
    quotes = _latest_by_key(batch.quotes, lambda q: q.quote_id)
    statements = _latest_by_key(batch.statements, lambda s: s.statement_id)
    return {
        "runs": _table("runs", [
            (r.run_id, r.story_id, r.started_at, r.finished_at, r.status,
             r.n_sources, r.n_sources_failed, r.n_pages_fetched, r.n_articles_added,
             r.n_quotes_added, r.n_statements_new, r.message)
            for r in runs
        ]),
        "sources": _table("sources", [
            (stable_id(s.result.source_url), s.result.kind, s.result.source_url, s.result.name,
             s.result.etag, s.result.last_modified, s.result.status, s.result.error,
             s.checked_at, run_id, s.status, len(s.result.candidates), s.n_new,
             s.n_fetched, s.n_failed, s.result.error or s.result.not_used or s.note)
            for s in sources
        ]),
        "pages": _table("pages", [
            (p.url, run_id, p.final_url, p.status, p.content_type, p.reason,
             p.fetched_at, p.source_url)
            for p in pages
        ]),
        "articles": _table("articles", [
            (a.article_id, a.url, a.canonical_url, a.outlet, a.title, list(a.authors),
             a.published_at, a.language, a.text, a.word_count, a.fetched_at,
             a.source_url, run_id, a.raw_html_gz or None, a.site_name)
            for a in articles
        ]),
        "relevance": _table("relevance", [
            (r.article_id, r.score, r.is_relevant, list(r.reasons)) for r in relevance
        ]),
        "clusters": _table("clusters", list(batch.clusters.items())),
        "reroots": _table("reroots", list(batch.reroots.items())),
        "analysed": _table("analysed", list(batch.analysed.items())),
        "entities": _table("entities", [
            (e.article_id, e.text, e.label, e.start_char, e.end_char, e.canonical)
            for e in entities
        ]),
        "quotes": _table("quotes", [
            (q.quote_id, q.article_id, q.content, q.cue, q.kind, q.speaker_text, q.speaker,
             q.speaker_role, q.start_char, q.end_char, q.confidence, q.statement_id)
            for q in quotes
        ]),
        "statements": _table("statements", [
            (s.statement_id, s.speaker, s.speaker_role, s.organisation, s.text,
             s.first_seen_at, s.first_article_id, s.part_of)
            for s in statements
        ]),
        "updated_articles": _table("updated_articles", [
            (a.article_id, a.outlet, a.title, list(a.authors), a.published_at, a.language,
             a.text, a.word_count, a.site_name)
            for a in _latest_by_key(batch.updated_articles, lambda a: a.article_id)
        ]),
        "refounded_statements": _table(
            "refounded_statements", [(i,) for i in dict.fromkeys(batch.refounded_statements)]),
    }


def extra_to_arrow(table: str, rows: list[Any]) -> pa.Table:
    """Rows for a table added by a later migration: dataclass fields become columns by name."""
    if not all(is_dataclass(row) for row in rows):
        raise BatchError(f"LoadBatch.extra[{table!r}] must hold dataclass instances")
    # Each field as it is: asdict copies every list and dict inside it, deeply
    records = [
        {f.name: _utc(v) if isinstance(v := getattr(row, f.name), datetime) else v
         for f in fields(row)}
        for row in rows
    ]
    try:
        return pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise BatchError(f"LoadBatch.extra[{table!r}] has mixed types: {exc}") from exc
