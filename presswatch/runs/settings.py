"""The one place where command-line arguments and the environment become settings."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from presswatch.addresses import BadNetwork, parse_networks
from presswatch.archives.gdelt_daily import DOC_API
from presswatch.story import Story, default_story_path, load_story
from presswatch.warehouse.beside import staging_root

# A run with no PREFECT_API_URL starts a temporary Prefect server and waits for it; Prefect's
# own 20 s is too short on a busy machine ("Timed out while attempting to connect to ephemeral
# Prefect API server"). Set PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS to change it.
PREFECT_STARTUP_TIMEOUT_S = 120
# Prefect settings every command that runs a flow gives its process, unless already set:
# offline machines want no telemetry call home from the temporary server, and quiet logs.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Prefect's client prints a telemetry notice in a terminal unless told DO_NOT_TRACK.
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(PREFECT_STARTUP_TIMEOUT_S),
}


# How long a command waits for another process to let go of the warehouse file, unless
# PRESSWATCH_LOCK_TIMEOUT says otherwise: read by lock_timeout_s, once per command.
LOCK_TIMEOUT_ENV = "PRESSWATCH_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_S = 120.0


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
    # --allow-private-network: private networks the crawl may reach too (never link-local)
    allow_private_networks: tuple[str, ...] = ()
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
    # GDELT's DOC API for the story's [[gdelt]] queries (PRESSWATCH_GDELT_URL: a mirror, a test)
    gdelt_api: str = DOC_API
    lease_wait_s: float = 60.0  # how long to wait for another run to finish (lease.py)

    @property
    def staging_root(self) -> Path:
        """Work that is fetched but not yet loaded waits here, beside the warehouse."""
        return staging_root(self.db_path)

    def story(self) -> Story:
        story = read_story(self.story_path)
        if self.feeds:
            story = story.with_feeds(list(self.feeds))
        if self.allow_private_hosts:
            story = story.allowing_private_hosts()
        if self.allow_private_networks:
            story = story.allowing_networks(list(self.allow_private_networks))
        return story


def read_story(path: Path) -> Story:
    """The story file parsed once per process while its text stays the same: a command's
    checks and the flow it then starts work on the very story that was checked."""
    try:
        text = path.read_bytes()
    except OSError:
        return load_story(path)  # which says what is wrong with the path, as a StoryError
    return _parsed_story(str(path.resolve()), hashlib.sha256(text).hexdigest())


@lru_cache(maxsize=8)
def _parsed_story(path: str, digest: str) -> Story:
    return load_story(path)


def lock_timeout_s(env: Mapping[str, str]) -> float:
    """PRESSWATCH_LOCK_TIMEOUT in seconds, else DEFAULT_LOCK_TIMEOUT_S."""
    timeout = env.get(LOCK_TIMEOUT_ENV, "").strip()
    if not timeout:
        return DEFAULT_LOCK_TIMEOUT_S
    try:
        seconds = float(timeout)
    except ValueError as exc:
        raise UsageError(f"{LOCK_TIMEOUT_ENV}: expected seconds, got {timeout!r}") from exc
    if not seconds >= 0:  # also refuses nan
        raise UsageError(f"{LOCK_TIMEOUT_ENV}: expected seconds, got {timeout!r}")
    return seconds


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
    allow_private_networks: Collection[str] = (),
) -> RunSettings:
    settings = RunSettings(
        story_path=Path(story) if story else default_story_path(),
        db_path=Path(db),
        feeds=tuple(feeds or ()),
        allow_private_hosts=allow_private_hosts,
        allow_private_networks=checked_networks(allow_private_networks),
        lock_timeout_s=lock_timeout_s(env),
        gdelt_api=env.get("PRESSWATCH_GDELT_URL") or DOC_API,
        lease_wait_s=lease_wait_s(env),
    )
    check_writable(settings.db_path)
    return settings


def checked_networks(specs: Collection[str] | None) -> tuple[str, ...]:
    """--allow-private-network values, refused (UsageError) before anything runs when one is
    not a network or takes in link-local addresses, which are never fetched."""
    try:
        parse_networks(specs or ())
    except BadNetwork as exc:
        raise UsageError(f"--allow-private-network {exc}") from exc
    return tuple(specs or ())


def lease_wait_s(env: Mapping[str, str]) -> float:
    """PRESSWATCH_LEASE_WAIT: seconds a run waits for another run on its warehouse to end."""
    text = env.get("PRESSWATCH_LEASE_WAIT", "60")
    try:
        seconds = float(text)
    except ValueError as exc:
        raise UsageError(f"PRESSWATCH_LEASE_WAIT: expected seconds, got {text!r}") from exc
    if not 0 <= seconds <= 86_400:
        raise UsageError(f"PRESSWATCH_LEASE_WAIT: {seconds:g} s is outside 0 to 86400")
    return seconds
