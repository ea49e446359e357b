"""What the spider yields. Field names match presswatch.records so the JSON lines read back as
FetchedPage and SourceResult (times as ISO 8601 strings with offset)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageItem:
    """One fetched page or the reason there is none (see presswatch.records.FetchedPage).

    body is in flight only: StoreBodyPipeline writes it to a gzip file, sets body_path and
    clears it, so pages never pile up in memory and never go into the JSON lines.
    """

    url: str
    final_url: str
    status: int | None
    fetched_at: str
    source_url: str
    content_type: str | None = None
    body_path: str | None = None
    encoding: str | None = None
    reason: str | None = None
    body: bytes | None = None


@dataclass
class SourceItem:
    """What one fetched feed or sitemap document gave (see presswatch.records.SourceResult).

    A sitemap index gives one item per child sitemap, all with the index's source_url and
    their own document_url; the reader folds them into one SourceResult.
    """

    source_url: str
    document_url: str
    kind: str
    name: str | None
    status: int | None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    not_modified: bool = False
    not_used: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class DecodeItem:
    """What decoding one Google News link gave (see presswatch.records.LinkDecode)."""

    link_url: str
    source_url: str
    tried_at: str
    publisher_url: str | None = None
    error: str | None = None
