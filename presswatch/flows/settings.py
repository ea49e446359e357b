"""The one place where command-line arguments and the environment become settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from presswatch.alerts.channels import (
    AlertConfigError,
    ChannelSettings,
    EmailSettings,
    check_address,
    check_webhook_url,
)
from presswatch.story import Alerts, Story, default_story_path, load_story


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
    lease_wait_s: float = 60.0  # how long to wait for another run to finish (lease.py)

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
        lease_wait_s=lease_wait_s(env),
    )
    check_writable(settings.db_path)
    return settings


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


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def channel_settings(alerts: Alerts, env: Mapping[str, str]) -> ChannelSettings:
    """The alert channels' settings: the story's [alerts] section with the PRESSWATCH_*
    environment variables laid over it (the SMTP password comes only from the environment).

    Built where the alerts are sent, in the process that sends them, and held in memory only:
    the result carries secrets, so it is never a flow or task parameter, a log line or a row.
    Raises AlertConfigError naming the key or variable to fix.
    """
    webhook_url = _env(env, "PRESSWATCH_WEBHOOK_URL")
    where = "PRESSWATCH_WEBHOOK_URL"
    if webhook_url is None and alerts.webhook.url:
        webhook_url, where = alerts.webhook.url, "alerts.webhook.url"
    if webhook_url is not None:
        check_webhook_url(webhook_url, where)
    return ChannelSettings(
        console=alerts.console, webhook_url=webhook_url, email=_email_settings(alerts, env)
    )


def _env_flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A true/false environment variable laid over the story's value."""
    text = _env(env, name)
    if text is None:
        return default
    if text.lower() not in ("1", "true", "yes", "0", "false", "no"):
        raise AlertConfigError(f"{name}: {text!r}, expected true or false")
    return text.lower() in ("1", "true", "yes")


def _email_settings(alerts: Alerts, env: Mapping[str, str]) -> EmailSettings | None:
    mail = alerts.email
    host = _env(env, "PRESSWATCH_SMTP_HOST") or mail.host
    if host is None:
        return None
    port_text = _env(env, "PRESSWATCH_SMTP_PORT")
    try:
        port = int(port_text) if port_text else mail.port
    except ValueError as exc:
        raise AlertConfigError(f"PRESSWATCH_SMTP_PORT: {port_text!r} is not a port number") from exc
    if not 0 < port < 65536:
        raise AlertConfigError(f"SMTP port {port} is out of range (1-65535)")
    starttls = _env_flag(env, "PRESSWATCH_SMTP_STARTTLS", mail.starttls)
    sender = _env(env, "PRESSWATCH_SMTP_SENDER") or mail.sender
    recipients_text = _env(env, "PRESSWATCH_SMTP_RECIPIENTS")
    recipients = (
        [r.strip() for r in recipients_text.replace(";", ",").split(",") if r.strip()]
        if recipients_text
        else list(mail.recipients)
    )
    missing = [
        key
        for key, value in (
            ("alerts.email.sender (or PRESSWATCH_SMTP_SENDER)", sender),
            ("alerts.email.recipients (or PRESSWATCH_SMTP_RECIPIENTS)", recipients),
        )
        if not value
    ]
    if missing:
        raise AlertConfigError(f"mail host {host!r} is set but {' and '.join(missing)} missing")
    return EmailSettings(
        host=host,
        port=port,
        starttls=starttls,
        insecure_login=_env_flag(env, "PRESSWATCH_SMTP_INSECURE_LOGIN", mail.insecure_login),
        username=_env(env, "PRESSWATCH_SMTP_USERNAME") or mail.username,
        password=env.get("PRESSWATCH_SMTP_PASSWORD") or None,
        sender=check_address(
            sender,
            "PRESSWATCH_SMTP_SENDER"
            if _env(env, "PRESSWATCH_SMTP_SENDER")
            else "alerts.email.sender",
        ),
        recipients=tuple(
            check_address(
                r, "PRESSWATCH_SMTP_RECIPIENTS" if recipients_text else "alerts.email.recipients"
            )
            for r in recipients
        ),
    )

