"""The channels: the terminal, a Slack-compatible webhook, SMTP mail; and their settings.

Each channel has a name (the `alerts.channel` column) and send(message, alert_id), which raises
DeliveryError when the receiver did not take it. What a channel shows is built by
presswatch/alerts/messages.py; the settings are built once, from the story and the environment,
by presswatch/alerts/settings.py (channel_settings), and live only in memory: they carry the
webhook URL (Slack's hold a token) and the SMTP password, so their repr hides both, and nothing
here ever puts either in an error message.
"""

from __future__ import annotations

import http.client
import smtplib
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Protocol, TextIO
from urllib.parse import urlsplit

from presswatch.alerts.messages import (
    AlertMessage,
    html_safe_json,
    render_email,
    render_slack,
    render_text,
)
from presswatch.text import clean_line, redact_url, without_secrets

SEND_TIMEOUT = 15.0  # seconds per webhook post or SMTP conversation
MAX_RATE_LIMIT_WAIT = 30.0  # seconds a 429's Retry-After may hold a run up, once per alert
USER_AGENT = "presswatch/0.1 (+https://github.com/presswatch/presswatch)"


class AlertConfigError(ValueError):
    """Alert settings that cannot be used; the message names the key or variable to fix."""


class DeliveryError(RuntimeError):
    """One send failed; the alert stays pending and a later run retries it.

    channel_down: the receiver could not be reached at all (refused, timed out, TLS or login
    failed, still rate-limiting), so the channel's other alerts wait for the next run rather
    than each spend a timeout on it now.
    """

    def __init__(self, message: str, *, channel_down: bool = False) -> None:
        super().__init__(message)
        self.channel_down = channel_down


# ---------------------------------------------------------------------------------------------
# Settings: the story's [alerts] section with the PRESSWATCH_* environment variables laid over
# it, as presswatch/alerts/settings.py:channel_settings builds them.


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int
    starttls: bool
    username: str | None
    password: str | None  # only ever from PRESSWATCH_SMTP_PASSWORD
    sender: str
    recipients: tuple[str, ...]
    insecure_login: bool = False  # alerts.email.insecure_login / PRESSWATCH_SMTP_INSECURE_LOGIN

    def __post_init__(self) -> None:
        if self.username and self.password and not self.starttls and not self.insecure_login:
            raise AlertConfigError(
                f"SMTP via {self.host}:{self.port} has a login but STARTTLS is off, so the "
                "password would cross the network in clear: turn STARTTLS on, or, for a relay "
                "on this machine you trust, set alerts.email.insecure_login = true (or "
                "PRESSWATCH_SMTP_INSECURE_LOGIN=true)"
            )

    def __repr__(self) -> str:  # never print the password
        return (
            f"EmailSettings(host={self.host!r}, port={self.port}, starttls={self.starttls}, "
            f"username={self.username!r}, sender={self.sender!r}, recipients={self.recipients!r})"
        )


@dataclass(frozen=True)
class ChannelSettings:
    console: bool
    webhook_url: str | None
    email: EmailSettings | None

    def __repr__(self) -> str:  # a webhook URL is a secret (Slack's carry the token): host only
        host = redact_url(self.webhook_url) if self.webhook_url else None
        return f"ChannelSettings(console={self.console}, webhook={host!r}, email={self.email!r})"


def check_address(address: str, where: str) -> str:
    """A mail address fit for a header, else AlertConfigError naming where it came from."""
    if clean_line(address, 320) != address or not address:
        raise AlertConfigError(f"{where}: {address!r} is not a mail address")
    _, parsed = parseaddr(address)
    if "@" not in parsed:
        raise AlertConfigError(f"{where}: {address!r} is not a mail address (user@host)")
    return address


def check_webhook_url(url: str, where: str) -> str:
    """An http(s) URL, else AlertConfigError naming where it came from (and only the URL's
    host: the rest of a webhook URL is its token)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertConfigError(f"{where}: {redact_url(url)} is not an http(s) URL")
    if clean_line(url) != url or any(char.isspace() for char in url):
        raise AlertConfigError(f"{where}: the URL {redact_url(url)} holds a space or a control "
                               "character; copy the webhook's address again")
    return url


# ---------------------------------------------------------------------------------------------
# Channels.


class Channel(Protocol):
    name: str

    def send(self, message: AlertMessage, alert_id_: str) -> None: ...


class ConsoleChannel:
    """The terminal or the flow's log: plain lines without control characters, so a page title
    cannot move the cursor, recolour the screen or retitle the window."""

    name = "console"

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def send(self, message: AlertMessage, alert_id_: str) -> None:
        lines = render_text(message)
        self.stream.write(f"[alert {alert_id_}] " + "\n    ".join(lines) + "\n")
        self.stream.flush()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is misconfigured; following it could post the alert anywhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class WebhookChannel:
    """POST to a Slack-compatible incoming webhook. Slack allows about one message a second per
    webhook and answers 429 with Retry-After beyond that: a short wait is honoured once, in this
    run; anything longer is left to the next run's retry."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        timeout: float = SEND_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = check_webhook_url(url, "webhook URL")
        self.timeout = timeout
        self.sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(self, message: AlertMessage, alert_id_: str) -> None:
        body = html_safe_json(render_slack(message, alert_id_)).encode("utf-8")
        wait = self._post(body, alert_id_)
        if wait is not None:
            self.sleep(wait)
            if self._post(body, alert_id_) is not None:
                raise self._error(
                    f"webhook at {self._host} is still rate-limiting (HTTP 429)", channel_down=True
                )

    @property
    def _host(self) -> str:
        parts = urlsplit(self.url)  # hostname and port: never the userinfo or the path
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)

    def _error(self, message: str, *, channel_down: bool = False) -> DeliveryError:
        """A DeliveryError whose text holds nothing of the URL but its host (it is stored)."""
        return DeliveryError(without_secrets(message, [self.url]), channel_down=channel_down)

    def _post(self, body: bytes, alert_id_: str) -> float | None:
        """Post once; None when taken, else the seconds a 429 asks to wait (short ones only)."""
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": alert_id_,
                "User-Agent": USER_AGENT,
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read(65536)
            return None
        except urllib.error.HTTPError as exc:
            said = clean_line(exc.read(300).decode("utf-8", "replace"), 200)  # Slack: one word
            wait = _retry_after(exc.headers.get("Retry-After")) if exc.code == 429 else None
            if wait is not None and wait <= MAX_RATE_LIMIT_WAIT:
                return wait
            raise self._error(
                f"webhook at {self._host} answered HTTP {exc.code}" + (f": {said}" if said else "")
            ) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise self._error(
                f"webhook at {self._host} unreachable: {reason}", channel_down=True
            ) from exc


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is not worth a wait inside one run)."""
    try:
        return max(0.0, float(value)) if value else 1.0
    except ValueError:
        return None


class EmailChannel:
    """SMTP: STARTTLS when configured (a server without it gets nothing, never plain text), and
    a login only with both a username and PRESSWATCH_SMTP_PASSWORD."""

    name = "email"

    def __init__(
        self,
        settings: EmailSettings,
        timeout: float = SEND_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.ssl_context = ssl_context

    def send(self, message: AlertMessage, alert_id_: str) -> None:
        s = self.settings
        mail = render_email(message, alert_id_, s.sender, s.recipients)
        try:
            with smtplib.SMTP(s.host, s.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if s.starttls:
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                    smtp.ehlo()
                if s.username and s.password:
                    smtp.login(s.username, s.password)
                smtp.send_message(mail, from_addr=s.sender, to_addrs=list(s.recipients))
        except smtplib.SMTPResponseException as exc:  # refused this mail (DATA, RCPT, ...)
            down = isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPConnectError)
            raise DeliveryError(
                f"mail via {s.host}:{s.port} failed: {self._said(exc)}", channel_down=down
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:  # no conversation: refused, TLS, ...
            raise DeliveryError(
                f"mail via {s.host}:{s.port} failed: {self._said(exc)}", channel_down=True
            ) from exc

    def _said(self, exc: Exception) -> str:
        """The error's text without the password (a server may echo the AUTH line)."""
        return without_secrets(str(exc), [self.settings.password or ""])


def build_channels(
    settings: ChannelSettings,
    stream: TextIO | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> list[Channel]:
    """The channels the settings configure, console first."""
    channels: list[Channel] = []
    if settings.console:
        channels.append(ConsoleChannel(stream or sys.stdout))
    if settings.webhook_url:
        channels.append(WebhookChannel(settings.webhook_url))
    if settings.email:
        channels.append(EmailChannel(settings.email, ssl_context=ssl_context))
    return channels


