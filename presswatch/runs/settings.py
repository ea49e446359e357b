"""The one place where command-line arguments and the environment become settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from presswatch.archives.gdelt_daily import DOC_API
from presswatch.story import Story, default_story_path, load_story


class UsageError(ValueError):
    """Bad arguments or configuration: the CLI prints it and exits 2, having written nothing."""


@dataclass(frozen=True)
class RunSettings:
    """What a run is asked to do. It is a flow parameter, which Prefect's database keeps: it
    holds no secret, and nothing of the environment but the lock timeout. The alert channels'
    settings (webhook URL, SMTP password) are read by `alert_channels` where they are used."""

    story_path: Path
    db_path: Path
    feeds: tuple[str, ...] = ()
    allow_private_hosts: bool = False
    lock_timeout_s: float = 120.0
    # GDELT's DOC API for the story's [[gdelt]] queries (PRESSWATCH_GDELT_URL: a mirror, a test)
    gdelt_api: str = DOC_API

    @property
    def staging_root(self) -> Path:
        """Work that is fetched but not yet loaded waits here, beside the warehouse."""
        return self.db_path.with_name(self.db_path.name + ".staging")

    def story(self) -> Story:
        story = load_story(self.story_path)
        if self.feeds:
            story = story.with_feeds(list(self.feeds))
        if self.allow_private_hosts:
            story = story.allowing_private_hosts()
        return story


def check_writable(db_path: Path) -> None:
    """Refuse an unusable warehouse path before any work starts."""
    folder = db_path.resolve().parent
    if db_path.exists() and db_path.is_dir():
        raise UsageError(f"{db_path}: is a directory, expected a DuckDB file path")
    if not folder.is_dir():
        raise UsageError(f"{db_path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (db_path.exists() and not os.access(db_path, os.W_OK)):
        raise UsageError(f"{db_path}: not writable by this user")


def run_settings(
    story: str | None,
    db: str,
    feeds: list[str] | None,
    allow_private_hosts: bool,
    env: Mapping[str, str],
) -> RunSettings:
    timeout = env.get("PRESSWATCH_LOCK_TIMEOUT", "120")
    try:
        lock_timeout_s = float(timeout)
    except ValueError as exc:
        raise UsageError(f"PRESSWATCH_LOCK_TIMEOUT: expected seconds, got {timeout!r}") from exc
    settings = RunSettings(
        story_path=Path(story) if story else default_story_path(),
        db_path=Path(db),
        feeds=tuple(feeds or ()),
        allow_private_hosts=allow_private_hosts,
        lock_timeout_s=lock_timeout_s,
        gdelt_api=env.get("PRESSWATCH_GDELT_URL") or DOC_API,
    )
    check_writable(settings.db_path)
    return settings
