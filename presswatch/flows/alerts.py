"""Alerts: which new statements and coverage spikes to tell people about, and telling them once.

Plain Python; the daily flow wraps these functions in Prefect tasks. The rules turn the statements
the alert stage has not judged yet into AlertMessage values. Each message is queued once per
channel in the warehouse's `alerts` table (committed) before anything is sent, then delivered;
a failure is retried by later runs up to MAX_ATTEMPTS, and a delivered alert is never sent again.
A crash between sending and recording makes the next run send again with the same alert id, which
receivers see as the webhook's Idempotency-Key and the mail's Message-ID, so they can drop it.

What each channel shows is built by presswatch/flows/alert_text.py, which makes the strangers' text
in it
inert; this module decides, sends and keeps the books.
"""

from __future__ import annotations

import http.client
import smtplib
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Protocol, TextIO
from urllib.parse import urlsplit

from presswatch.flows.alert_text import (
    AlertItem,
    AlertMessage,
    SpikeInfo,
    alert_id,
    clean_line,
    html_safe_json,
    render_email,
    render_slack,
    render_text,
)
from presswatch.flows.settings import UsageError
from presswatch.records import NewStatementInfo
from presswatch.story import Alerts, Story
from presswatch.warehouse import alerts as store
from presswatch.warehouse.errors import WarehouseError
from presswatch.warehouse.store import Warehouse

WarehouseRef = Path | str | Warehouse  # a path is opened by each call; a Warehouse is borrowed

MAX_ATTEMPTS = 5  # sends per alert and channel before it is marked failed and left alone
SEND_TIMEOUT = 15.0  # seconds per webhook post or SMTP conversation
MAX_RATE_LIMIT_WAIT = 30.0  # seconds a 429's Retry-After may hold a run up, once per alert
DIGEST_ITEMS_KEPT = 200  # statements a digest carries, most widely carried first
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
# Settings: the story's [alerts] section, overridden by PRESSWATCH_* environment variables.


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int
    starttls: bool
    username: str | None
    password: str | None  # only ever from PRESSWATCH_SMTP_PASSWORD
    sender: str
    recipients: tuple[str, ...]

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
        host = urlsplit(self.webhook_url).netloc if self.webhook_url else None
        return f"ChannelSettings(console={self.console}, webhook={host!r}, email={self.email!r})"


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _check_address(address: str, where: str) -> str:
    if clean_line(address, 320) != address or not address:
        raise AlertConfigError(f"{where}: {address!r} is not a mail address")
    _, parsed = parseaddr(address)
    if "@" not in parsed:
        raise AlertConfigError(f"{where}: {address!r} is not a mail address (user@host)")
    return address


def _check_webhook_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or clean_line(url) != url:
        raise AlertConfigError(f"{where}: {url!r} is not an http(s) URL")
    return url


def channel_settings(alerts: Alerts, env: Mapping[str, str]) -> ChannelSettings:
    """Resolve the configured channels; environment variables win over the story file."""
    webhook_url = _env(env, "PRESSWATCH_WEBHOOK_URL")
    where = "PRESSWATCH_WEBHOOK_URL"
    if webhook_url is None and alerts.webhook.url:
        webhook_url, where = alerts.webhook.url, "alerts.webhook.url"
    if webhook_url is not None:
        _check_webhook_url(webhook_url, where)
    return ChannelSettings(
        console=alerts.console, webhook_url=webhook_url, email=_email_settings(alerts, env)
    )


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
    starttls_text = _env(env, "PRESSWATCH_SMTP_STARTTLS")
    starttls = mail.starttls
    if starttls_text is not None:
        if starttls_text.lower() not in ("1", "true", "yes", "0", "false", "no"):
            raise AlertConfigError(
                f"PRESSWATCH_SMTP_STARTTLS: {starttls_text!r}, expected true or false"
            )
        starttls = starttls_text.lower() in ("1", "true", "yes")
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
        username=_env(env, "PRESSWATCH_SMTP_USERNAME") or mail.username,
        password=env.get("PRESSWATCH_SMTP_PASSWORD") or None,
        sender=_check_address(
            sender,
            "PRESSWATCH_SMTP_SENDER"
            if _env(env, "PRESSWATCH_SMTP_SENDER")
            else "alerts.email.sender",
        ),
        recipients=tuple(
            _check_address(
                r, "PRESSWATCH_SMTP_RECIPIENTS" if recipients_text else "alerts.email.recipients"
            )
            for r in recipients
        ),
    )


# ---------------------------------------------------------------------------------------------
# Rules.


@dataclass(frozen=True)
class AlertContext:
    """What the rules need to know besides the new statements."""

    story_id: str
    story_title: str
    rules: Alerts
    run_id: str
    is_first_run: bool  # no earlier run finished or judged statements: send one digest
    now: datetime
    daily_article_counts: Mapping[date, int] = field(default_factory=dict)
    spike_days: Sequence[date] = ()  # days this run added articles to


def _folded(value: str | None) -> str:
    return " ".join((value or "").casefold().split())


def _mentions(text: str, term: str) -> bool:
    """Whole-word, case-insensitive: "leak" matches "the leak," but not "bleak"."""
    haystack, needle = f" {_alnum_spaces(text)} ", f" {_alnum_spaces(term)} "
    return needle.strip() != "" and needle in haystack


def _alnum_spaces(value: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in _folded(value)).split())


def matches_rules(statement: NewStatementInfo, rules: Alerts) -> bool:
    """Does this statement pass the story's alert rule and minimum confidence?"""
    if statement.confidence < rules.min_confidence:
        return False
    if rules.on == "all":
        return True
    if rules.on == "new_speakers":
        return statement.is_new_speaker
    if rules.on == "tracked_speakers":
        tracked = {_folded(name) for name in rules.tracked_speakers}
        return bool(tracked & {_folded(statement.speaker), _folded(statement.organisation)})
    return any(_mentions(statement.text, term) for term in rules.terms)


def _statement_alert(statement: NewStatementInfo, context: AlertContext) -> AlertMessage:
    who = statement.speaker + (f" ({statement.role})" if statement.role else "")
    lead = "New speaker" if statement.is_new_speaker else "New statement from"
    return AlertMessage(
        key=statement.statement_id,
        kind="statement",
        rule=context.rules.on,
        story_id=context.story_id,
        story_title=context.story_title,
        headline=f"{lead}: {who}" if statement.is_new_speaker else f"{lead} {who}",
        created_at=context.now.astimezone(UTC).isoformat(),
        items=(AlertItem.of(statement),),
    )


def _digest(
    statements: Sequence[NewStatementInfo],
    matched: Sequence[NewStatementInfo],
    ctx: AlertContext,
    *,
    baseline: bool,
) -> AlertMessage:
    """One message for many statements: the first run's baseline, or a run with more matching
    statements than max_per_run."""
    ranked = sorted(matched, key=lambda s: (-s.n_outlets, -s.confidence, s.speaker))
    n_speakers = len({s.speaker for s in statements})
    if baseline:
        headline = (
            f"Now following: {ctx.story_title} ({len(statements)} statements by {n_speakers} "
            f"speakers so far, {len(matched)} matching your alert rules)"
        )
    else:
        headline = (
            f"{len(matched)} new statements matching your alert rules in one run "
            f"({len(statements)} new in all, by {n_speakers} speakers): {ctx.story_title}"
        )
    return AlertMessage(
        key=f"digest:{ctx.story_id}:{ctx.run_id}",
        kind="digest",
        rule="digest" if baseline else "max_per_run",
        story_id=ctx.story_id,
        story_title=ctx.story_title,
        headline=headline,
        created_at=ctx.now.astimezone(UTC).isoformat(),
        items=tuple(AlertItem.of(s) for s in ranked[:DIGEST_ITEMS_KEPT]),
        n_statements=len(statements),
        n_speakers=n_speakers,
    )


def spike_alerts(context: AlertContext) -> list[AlertMessage]:
    """Days with at least min_articles articles and more than factor x the trailing average."""
    spike = context.rules.spike
    if spike is None:
        return []
    counts = context.daily_article_counts
    messages = []
    for day in sorted(set(context.spike_days)):
        n_articles = counts.get(day, 0)
        before = range(1, spike.trailing_days + 1)
        trailing = [counts.get(day - timedelta(days=k), 0) for k in before]
        average = sum(trailing) / len(trailing)
        if n_articles < spike.min_articles or n_articles <= spike.factor * average:
            continue
        messages.append(
            AlertMessage(
                key=f"spike:{context.story_id}:{day.isoformat()}",
                kind="spike",
                rule="spike",
                story_id=context.story_id,
                story_title=context.story_title,
                headline=(
                    f"Coverage spike: {n_articles} articles on {day.isoformat()}, "
                    f"against {average:.1f} a day over the previous {spike.trailing_days} days"
                ),
                created_at=context.now.astimezone(UTC).isoformat(),
                spike=SpikeInfo(
                    day=day.isoformat(),
                    n_articles=n_articles,
                    trailing_average=round(average, 3),
                    trailing_days=spike.trailing_days,
                    factor=spike.factor,
                ),
            )
        )
    return messages


def select_alerts(
    new_statements: Sequence[NewStatementInfo], context: AlertContext
) -> list[AlertMessage]:
    """The alerts this run raises: one per matching statement, plus coverage spikes.

    A story's first run sets the baseline instead: one digest of everything found so far (and no
    spike, since there is no trailing average to compare with). A later run with more matching
    statements than max_per_run sends one digest of them instead of a flood.
    """
    matched = [s for s in new_statements if matches_rules(s, context.rules)]
    if context.is_first_run:
        return [_digest(new_statements, matched, context, baseline=True)]
    if len(matched) > context.rules.max_per_run:
        return [_digest(new_statements, matched, context, baseline=False), *spike_alerts(context)]
    return [_statement_alert(s, context) for s in matched] + spike_alerts(context)


def judged_statements(
    new_statements: Sequence[NewStatementInfo], context: AlertContext
) -> list[str]:
    """The statements this run settles for good: all of them on the first run (the baseline);
    later, all but those below min_confidence, which are judged again by later runs, since more
    articles may quote them with a surer attribution."""
    return [
        s.statement_id
        for s in new_statements
        if context.is_first_run or s.confidence >= context.rules.min_confidence
    ]


# ---------------------------------------------------------------------------------------------
# Channels. Each has a name (the `alerts.channel` column) and send(message, alert_id), which
# raises DeliveryError when the receiver did not take it.


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
        self.url = _check_webhook_url(url, "webhook URL")
        self.timeout = timeout
        self.sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(self, message: AlertMessage, alert_id_: str) -> None:
        body = html_safe_json(render_slack(message, alert_id_)).encode("utf-8")
        wait = self._post(body, alert_id_)
        if wait is not None:
            self.sleep(wait)
            if self._post(body, alert_id_) is not None:
                raise DeliveryError(
                    f"webhook at {self._host} is still rate-limiting (HTTP 429)", channel_down=True
                )

    @property
    def _host(self) -> str:
        return urlsplit(self.url).netloc

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
            raise DeliveryError(
                f"webhook at {self._host} answered HTTP {exc.code}" + (f": {said}" if said else "")
            ) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(
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
                f"mail via {s.host}:{s.port} failed: {exc}", channel_down=down
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:  # no conversation: refused, TLS, ...
            raise DeliveryError(
                f"mail via {s.host}:{s.port} failed: {exc}", channel_down=True
            ) from exc


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


# ---------------------------------------------------------------------------------------------
# Bookkeeping: queue before sending, count the attempt, send, record.


@dataclass(frozen=True)
class DeliveryOutcome:
    alert_id: str
    alert_key: str | None
    channel: str
    status: str  # delivered | retry (still pending) | failed (gave up) | skipped (not tried)
    attempts: int
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"


@dataclass
class DeliveryReport:
    outcomes: list[DeliveryOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def n_delivered(self) -> int:
        return self.count("delivered")

    @property
    def n_undelivered(self) -> int:
        """Sends that failed this run: to be retried (retry) or given up (failed)."""
        return self.count("retry") + self.count("failed")


def queue_alerts(
    db: WarehouseRef,
    messages: Sequence[AlertMessage],
    channel_names: Sequence[str],
    judged_statement_ids: Sequence[str],
    *,
    story_id: str,
    run_id: str,
    now: datetime,
) -> list[store.QueuedAlert]:
    """Record each message once per channel as pending, and the statements as judged, in one
    committed transaction, before anything is sent."""
    queued = [
        store.QueuedAlert(
            alert_id=alert_id(message.key, channel),
            alert_key=message.key,
            statement_id=message.statement_id,
            rule=message.rule,
            channel=channel,
            payload=message.to_payload(),
        )
        for message in messages
        for channel in channel_names
    ]
    judged: dict[str, str | None] = dict.fromkeys(judged_statement_ids)
    for message in messages:
        for item in message.items:
            if item.statement_id in judged:
                judged[item.statement_id] = message.key
    with store.connect(db) as con:
        store.queue_alerts(con, queued, judged, story_id=story_id, run_id=run_id, now=now)
    return queued


def _utc_now() -> datetime:
    return datetime.now(UTC)


def deliver_pending(
    db: WarehouseRef,
    channels: Sequence[Channel],
    *,
    max_attempts: int = MAX_ATTEMPTS,
    clock: Callable[[], datetime] = _utc_now,
    after_send: Callable[[store.AlertRow], None] | None = None,
) -> DeliveryReport:
    """Send every pending alert through its channel, oldest first, and record each outcome.

    The attempt is counted (committed) before the send, and the delivery recorded after it;
    `after_send` runs in between (tests use it to die there). Alerts for a channel that is not
    configured now stay pending and are reported as skipped.
    """
    by_name = {channel.name: channel for channel in channels}
    down: dict[str, str] = {}  # channels found unreachable in this run, and why
    report = DeliveryReport()
    with store.connect(db) as con:
        for row in store.read_pending(con):
            channel = by_name.get(row.channel)
            if channel is None or row.channel in down:
                why = f"not tried: {down[row.channel]}" if channel else "channel not configured"
                report.outcomes.append(_outcome(row, "skipped", row.attempts, why))
                continue
            outcome, channel_down = _deliver_one(con, row, channel, max_attempts, clock, after_send)
            if outcome is not None:
                report.outcomes.append(outcome)
            if channel_down:
                down[row.channel] = (outcome and outcome.error) or "unreachable"
    return report


def _deliver_one(
    con: Any,  # the warehouse connection that store.connect gave
    row: store.AlertRow,
    channel: Channel,
    max_attempts: int,
    clock: Callable[[], datetime],
    after_send: Callable[[store.AlertRow], None] | None,
) -> tuple[DeliveryOutcome | None, bool]:
    """One alert on one channel: count the attempt, send, record. Returns the outcome (None when
    nothing was due) and whether the channel turned out to be down."""
    attempts = store.start_attempt(con, row.alert_id, clock(), max_attempts)
    if attempts is None:  # no longer pending, or its attempts used by sends that never finished
        if store.give_up(con, row.alert_id, max_attempts):
            error = row.last_error or "the last attempt did not finish"
            return _outcome(row, "failed", row.attempts, error), False
        return None, False
    try:
        channel.send(AlertMessage.from_payload(row.payload), row.alert_id)
    except DeliveryError as exc:
        status = store.record_failure(con, row.alert_id, str(exc), max_attempts)
        outcome = _outcome(row, "failed" if status == "failed" else "retry", attempts, str(exc))
        return outcome, exc.channel_down
    if after_send is not None:
        after_send(row)
    store.mark_delivered(con, row.alert_id, clock())
    return _outcome(row, "delivered", attempts), False


def _outcome(
    row: store.AlertRow, status: str, attempts: int, error: str | None = None
) -> DeliveryOutcome:
    return DeliveryOutcome(row.alert_id, row.alert_key, row.channel, status, attempts, error)


@dataclass
class AlertRunReport:
    is_first_run: bool
    n_new_statements: int
    messages: list[AlertMessage]
    delivery: DeliveryReport


def run_alerts(
    db: WarehouseRef,
    story: Story,
    run_id: str,
    *,
    env: Mapping[str, str],
    stream: TextIO | None = None,
    now: datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    ssl_context: ssl.SSLContext | None = None,
) -> AlertRunReport:
    """The alert stage of one run: judge new statements, queue, deliver (and retry old ones).

    Settings are checked first, so a configuration error raises AlertConfigError before anything
    is written, and the statements are judged by the next run instead.
    """
    now = now or _utc_now()
    channels = build_channels(channel_settings(story.alerts, env), stream, ssl_context)
    with store.held(db) as warehouse:
        with store.connect(warehouse) as con:
            new_statements = store.read_new_statements(con)
            is_first_run = not store.baseline_is_set(con, story.id, run_id)
            counts = store.daily_article_counts(con) if story.alerts.spike else {}
            days = store.run_article_days(con, run_id) if story.alerts.spike else []
        context = AlertContext(
            story_id=story.id,
            story_title=story.title,
            rules=story.alerts,
            run_id=run_id,
            is_first_run=is_first_run,
            now=now,
            daily_article_counts=counts,
            spike_days=days,
        )
        messages = select_alerts(new_statements, context)
        queue_alerts(
            warehouse,
            messages,
            [channel.name for channel in channels],
            judged_statements(new_statements, context),
            story_id=story.id,
            run_id=run_id,
            now=now,
        )
        delivery = deliver_pending(warehouse, channels, max_attempts=max_attempts)
    return AlertRunReport(is_first_run, len(new_statements), messages, delivery)


# ---------------------------------------------------------------------------------------------
# For the CLI: `presswatch alerts` and `presswatch alerts test`.


def list_alerts(db: WarehouseRef, since: date | datetime | None = None) -> list[store.AlertRow]:
    """Every alert and its delivery state, oldest first (a date means from its UTC midnight)."""
    if isinstance(since, date) and not isinstance(since, datetime):
        since = datetime(since.year, since.month, since.day, tzinfo=UTC)
    with store.connect(db, read_only=True) as con:
        return store.read_alerts(con, since)


def render_alert_rows(rows: Sequence[store.AlertRow]) -> str:
    """A plain table for the terminal; every cell is cleaned of control characters."""
    header = ("created (UTC)", "status", "tries", "channel", "rule", "alert", "last error")
    table = [header] + [
        (
            row.created_at.strftime("%Y-%m-%d %H:%M"),
            row.status,
            str(row.attempts),
            clean_line(row.channel, 20),
            clean_line(row.rule, 20),
            clean_line(row.payload.get("headline", row.alert_key), 70),
            clean_line(row.last_error, 60),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    text = "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )
    return text + f"\n{len(rows)} alert(s)\n"


def parse_since(text: str | None) -> datetime | None:
    """--since: a date (YYYY-MM-DD, from its UTC midnight) or an ISO time."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--since {text!r}: expected a date such as 2024-11-27") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def print_alerts(db: Path | str, since: str | None = None, out: TextIO | None = None) -> int:
    """`presswatch alerts`: the table of alerts and their delivery state; the exit code."""
    try:
        rows = list_alerts(db, parse_since(since))
    except (WarehouseError, store.AlertStoreError) as exc:
        raise UsageError(str(exc)) from exc
    (out or sys.stdout).write(render_alert_rows(rows))
    return 0


@dataclass(frozen=True)
class ChannelResult:
    channel: str
    alert_id: str
    ok: bool
    error: str | None = None


def sample_alert(story: Story, now: datetime) -> AlertMessage:
    """A recognisable alert that exercises every field a real one has."""
    return AlertMessage(
        key=f"test:{story.id}:{now.astimezone(UTC).isoformat()}",
        kind="test",
        rule="test",
        story_id=story.id,
        story_title=story.title,
        headline=f"presswatch test alert for {story.id}",
        created_at=now.astimezone(UTC).isoformat(),
        items=(
            AlertItem(
                statement_id="test",
                speaker="Test Speaker",
                role="presswatch",
                organisation=None,
                text="This is a test alert: if you can read it, this channel works.",
                confidence=1.0,
                outlet="presswatch",
                title="Test alert",
                url="https://github.com/presswatch/presswatch",
                published_at=now.astimezone(UTC).isoformat(),
                n_outlets=1,
                is_new_speaker=False,
            ),
        ),
    )


def send_test_alert(
    story: Story,
    *,
    env: Mapping[str, str],
    stream: TextIO | None = None,
    now: datetime | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> list[ChannelResult]:
    """Send one test alert through every configured channel; nothing is recorded."""
    message = sample_alert(story, now or _utc_now())
    results = []
    for channel in build_channels(channel_settings(story.alerts, env), stream, ssl_context):
        key = alert_id(message.key, channel.name)
        try:
            channel.send(message, key)
        except DeliveryError as exc:
            results.append(ChannelResult(channel.name, key, False, str(exc)))
        else:
            results.append(ChannelResult(channel.name, key, True))
    return results


def print_test_alert(story: Story, env: Mapping[str, str], out: TextIO | None = None) -> int:
    """`presswatch alerts test`: one test alert per configured channel; 0 when all took it,
    1 when one failed, 2 when nothing is configured or the settings are unusable."""
    out = out or sys.stdout
    try:
        results = send_test_alert(story, env=env, stream=out)
    except AlertConfigError as exc:
        raise UsageError(str(exc)) from exc
    if not results:
        raise UsageError(
            "no alert channel is configured: set [alerts] console = true, [alerts.webhook] url "
            "or [alerts.email] in the story file, or PRESSWATCH_WEBHOOK_URL / PRESSWATCH_SMTP_*"
        )
    for result in results:
        state = "sent" if result.ok else f"FAILED: {clean_line(result.error, 300)}"
        out.write(f"{result.channel}: {state} (alert id {result.alert_id})\n")
    return 0 if all(result.ok for result in results) else 1
