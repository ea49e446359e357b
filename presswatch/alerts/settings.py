"""The alert channels' settings: the story's [alerts] section with the PRESSWATCH_* environment
variables laid over it, built in the process that sends and held in memory only (they carry the
webhook URL and the SMTP password)."""

from __future__ import annotations

from collections.abc import Mapping

from presswatch.alerts.channels import (
    AlertConfigError,
    ChannelSettings,
    EmailSettings,
    check_address,
    check_webhook_url,
)
from presswatch.story import Alerts


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
