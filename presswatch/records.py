"""The plain records every stage hands to the next.

No framework is imported here: spiders, nlp, warehouse and flows all speak these types, so a
stage can run alone on files of them (JSON lines) or on another machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime


def stable_id(*parts: str) -> str:
    """Deterministic 16-hex-digit id, so re-runs and crashes can never mint a second id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:16]


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken as UTC already (the house rule)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Candidate:
    """A URL discovered in a feed or sitemap, already canonicalised."""

    url: str
    source_url: str
    title: str | None = None
    published_at: datetime | None = None


@dataclass
class SourceResult:
    """What one feed or sitemap gave this run, and the conditional-GET state to keep."""

    source_url: str
    kind: str  # "feed" | "sitemap" | "gdelt"
    name: str | None
    status: int | None
    candidates: list[Candidate] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None  # None when the source was read fine (a 304 included)
    not_modified: bool = False
    # Why the source was not asked at all, by choice rather than failure (Google News without
    # the story's opt-in): not an error, never counted as a failing source.
    not_used: str | None = None


@dataclass
class FetchedPage:
    """One line of the crawl's output: a page or the reason there is none."""

    url: str  # the canonical URL that was requested
    final_url: str  # after redirects
    status: int | None
    fetched_at: datetime
    source_url: str
    content_type: str | None = None
    body_path: str | None = None  # gzip file of the raw bytes in the run's staging folder
    encoding: str | None = None
    reason: str | None = None  # why there is no usable body (robots, 404, too large, ...)


@dataclass
class LinkDecode:
    """One aggregator link the crawl decoded (publisher_url) or could not (error), and when."""

    link_url: str  # the canonical Google News link, as the feed listed it
    source_url: str
    tried_at: datetime
    publisher_url: str | None = None
    error: str | None = None


@dataclass
class Article:
    """An extracted article; article_id is stable_id(canonical_url)."""

    article_id: str
    url: str
    canonical_url: str
    outlet: str
    title: str | None
    authors: list[str]
    published_at: datetime | None
    language: str | None
    text: str
    word_count: int
    fetched_at: datetime
    source_url: str
    raw_html_gz: bytes = b""
    site_name: str | None = None  # the outlet's own name (og:site_name), for people to read
    # The story's page gate (nlp/gate.py) turned the page away: it is off the story, and was
    # skimmed, not extracted (spiders/extract.py, "Skimmed pages"). For the run, not stored.
    turned_away: bool = False


@dataclass(frozen=True)
class EntityMention:
    article_id: str
    text: str
    label: str
    start_char: int
    end_char: int
    canonical: str | None


@dataclass
class QuoteMention:
    """A statement found in one text, with character offsets into that text."""

    content_text: str
    content_span: tuple[int, int]
    cue_text: str | None
    cue_span: tuple[int, int] | None
    kind: str  # "direct" | "indirect" | "mixed"
    speaker_text: str | None
    speaker_span: tuple[int, int] | None
    speaker: str | None  # canonical name when known
    speaker_role: str | None
    confidence: float
    # "speech" for a statement; otherwise what kind of attribution this is (a belief, a stance,
    # a non-response, a report by an outlet or data, a thing, a headline): see
    # nlp/attribution/cues.py
    act: str = "speech"


@dataclass
class DocAnalysis:
    """Everything the NLP stage says about one document."""

    doc_id: str
    language: str | None
    skipped_reason: str | None
    entities: list[EntityMention]
    quotes: list[QuoteMention]
    # Attributions that are not statements (beliefs, stances, non-responses, ...): never stored
    # as quotes, kept for evaluation against corpora that count them.
    attributions: list[QuoteMention] = field(default_factory=list)


@dataclass
class Relevance:
    article_id: str
    score: float
    is_relevant: bool
    reasons: list[str]


@dataclass
class Quote:
    """A quote as stored: one QuoteMention in one article, linked to its statement."""

    quote_id: str
    article_id: str
    content: str
    cue: str | None
    kind: str
    speaker_text: str | None
    speaker: str | None
    speaker_role: str | None
    start_char: int
    end_char: int
    confidence: float
    statement_id: str | None = None


@dataclass
class Statement:
    """One thing one speaker said; its id is fixed when first seen and never re-keyed.

    part_of: the fuller statement this one is an excerpt of (None: none known).
    """

    statement_id: str
    speaker: str
    speaker_role: str | None
    organisation: str | None
    text: str
    first_seen_at: datetime
    first_article_id: str
    part_of: str | None = None


@dataclass(frozen=True)
class NewStatementInfo:
    """A statement the alert stage has not judged yet, with what an alert must show about it.

    outlet, title, url and published_at describe the first article that carried it.
    """

    statement_id: str
    speaker: str
    role: str | None
    text: str
    confidence: float
    outlet: str
    title: str | None
    url: str
    published_at: datetime | None
    n_outlets: int
    is_new_speaker: bool
    organisation: str | None = None
    is_direct: bool = True  # its best quote is in quotation marks; else reported speech
    part_of: str | None = None  # the fuller statement it is an excerpt of (Statement.part_of)
