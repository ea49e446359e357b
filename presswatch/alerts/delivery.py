"""Telling people once: queue each alert, send it, record what happened.

Each message is queued once per channel in the warehouse's `alerts` table (committed) before
anything is sent, then delivered; a failure is retried by later runs up to MAX_ATTEMPTS, and a
delivered alert is never sent again. A crash between sending and recording makes the next run
send again with the same alert id, which receivers see as the webhook's Idempotency-Key and the
mail's Message-ID, so they can drop it.

The warehouse file is never open while a channel sends (a webhook may take its 15 s timeout, a
429 its Retry-After): the pending alerts are read in one short read and the file released; then
each alert is one short write to count the attempt, the send, and one short write to record the
outcome. An analyst's session, or any other process, can open the file between any two of them.
The bookkeeping is presswatch/warehouse/alert_book.py; the rules, presswatch/alerts/rules.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from presswatch.alerts.channels import Channel, DeliveryError
from presswatch.alerts.messages import AlertMessage, alert_id, sample_alert
from presswatch.alerts.rules import (
    AlertContext,
    digest_due,
    judged_statements,
    periodic_digest,
    select_alerts,
)
from presswatch.records import SourceResult
from presswatch.story import Story
from presswatch.warehouse.alert_book import AlertBook, AlertRow, QueuedAlert

MAX_ATTEMPTS = 5  # sends per alert and channel before it is marked failed and left alone


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
    book: AlertBook,
    messages: Sequence[AlertMessage],
    channel_names: Sequence[str],
    judged_statement_ids: Sequence[str],
    *,
    story_id: str,
    run_id: str,
    now: datetime,
    digest_channels: Sequence[str] = (),
) -> list[QueuedAlert]:
    """Record each message once per channel as pending, and the statements as judged, in one
    committed transaction, before anything is sent. On a digest channel, statements are held
    for its digest instead (spikes and the first run's baseline go out at once)."""
    queued = [
        QueuedAlert(
            alert_id=alert_id(message.key, channel),
            alert_key=message.key,
            statement_id=message.statement_id,
            rule=message.rule,
            channel=channel,
            payload=message.to_payload(),
            status=("held" if channel in digest_channels
                    and message.kind in ("statement", "speaker") else "pending"),
        )
        for message in messages
        for channel in channel_names
    ]
    judged: dict[str, str | None] = dict.fromkeys(judged_statement_ids)
    for message in messages:
        for item in message.items:
            if item.statement_id in judged:
                judged[item.statement_id] = message.key
    book.queue(queued, judged, story_id=story_id, run_id=run_id, now=now)
    return queued


def release_digests(book: AlertBook, story: Story, channel_names: Sequence[str],
                    now: datetime) -> list[AlertMessage]:
    """Queue each digest channel's daily or weekly digest when one is due and it holds
    anything, retiring what it carries. Returns the digests queued."""
    released = []
    for channel in channel_names:
        digest = story.alerts.digest_of(channel)
        if digest == "off":
            continue
        held = book.held(story.id, channel)
        if not held or not digest_due(digest, book.last_digest_at(story.id, channel), now):
            continue
        message = periodic_digest([AlertMessage.from_payload(row.payload) for row in held],
                                  digest, channel, story.id, story.title, now)
        book.queue_digest(
            QueuedAlert(alert_id=alert_id(message.key, channel), alert_key=message.key,
                        statement_id=None, rule=message.rule, channel=channel,
                        payload=message.to_payload()),
            [row.alert_id for row in held], story_id=story.id, now=now)
        released.append(message)
    return released


def _utc_now() -> datetime:
    return datetime.now(UTC)


def deliver_pending(
    book: AlertBook,
    channels: Sequence[Channel],
    *,
    max_attempts: int = MAX_ATTEMPTS,
    clock: Callable[[], datetime] = _utc_now,
    after_send: Callable[[AlertRow], None] | None = None,
) -> DeliveryReport:
    """Send every pending alert through its channel, oldest first, and record each outcome.

    The attempt is counted (committed) before the send, and the delivery recorded after it;
    `after_send` runs in between (tests use it to die there, or to look at the file). Alerts
    for a channel that is not configured now stay pending and are reported as skipped.
    """
    by_name = {channel.name: channel for channel in channels}
    down: dict[str, str] = {}  # channels found unreachable in this run, and why
    report = DeliveryReport()
    for row in book.pending():  # read at once; the file is closed again before any send
        channel = by_name.get(row.channel)
        if channel is None or row.channel in down:
            why = f"not tried: {down[row.channel]}" if channel else "channel not configured"
            report.outcomes.append(_outcome(row, "skipped", row.attempts, why))
            continue
        outcome, channel_down = _deliver_one(book, row, channel, max_attempts, clock, after_send)
        if outcome is not None:
            report.outcomes.append(outcome)
        if channel_down:
            down[row.channel] = (outcome and outcome.error) or "unreachable"
    return report


def _deliver_one(
    book: AlertBook,
    row: AlertRow,
    channel: Channel,
    max_attempts: int,
    clock: Callable[[], datetime],
    after_send: Callable[[AlertRow], None] | None,
) -> tuple[DeliveryOutcome | None, bool]:
    """One alert on one channel: count the attempt, send, record, each write its own short
    transaction and the send with no file open. Returns the outcome (None when nothing was
    due) and whether the channel turned out to be down."""
    attempts = book.start_attempt(row.alert_id, clock(), max_attempts)
    if attempts is None:  # no longer pending, or its attempts used by sends that never finished
        if book.give_up(row.alert_id, max_attempts):
            error = row.last_error or "the last attempt did not finish"
            return _outcome(row, "failed", row.attempts, error), False
        return None, False
    try:
        channel.send(AlertMessage.from_payload(row.payload), row.alert_id)
    except DeliveryError as exc:
        status = book.record_failure(row.alert_id, str(exc), max_attempts)
        outcome = _outcome(row, "failed" if status == "failed" else "retry", attempts, str(exc))
        return outcome, exc.channel_down
    if after_send is not None:
        after_send(row)
    book.mark_delivered(row.alert_id, clock())
    return _outcome(row, "delivered", attempts), False


def _outcome(
    row: AlertRow, status: str, attempts: int, error: str | None = None
) -> DeliveryOutcome:
    return DeliveryOutcome(row.alert_id, row.alert_key, row.channel, status, attempts, error)


@dataclass
class AlertRunReport:
    is_first_run: bool
    n_new_statements: int
    messages: list[AlertMessage]
    delivery: DeliveryReport


def run_alerts(
    book: AlertBook,
    story: Story,
    run_id: str,
    *,
    channels: Sequence[Channel],
    sources: Sequence[SourceResult] = (),
    now: datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> AlertRunReport:
    """The alert stage of one run: judge new statements and this run's sources (the crawl's
    results), queue, deliver (and retry old ones).

    The caller builds the channels first (presswatch/alerts/settings.py:channel_settings, then
    channels.build_channels), so a configuration error is raised before anything is written,
    and the statements are judged by the next run instead.
    """
    now = now or _utc_now()
    found = book.read_round(story.id, run_id, spikes=story.alerts.spike is not None)
    context = AlertContext(
        story_id=story.id,
        story_title=story.title,
        rules=story.alerts,
        run_id=run_id,
        is_first_run=found.is_first_run,
        now=now,
        daily_article_counts=found.daily_article_counts,
        spike_days=found.spike_days,
        sources=sources,
        source_streaks=found.source_streaks,
    )
    messages = select_alerts(found.new_statements, context)
    names = [channel.name for channel in channels]
    queue_alerts(
        book,
        messages,
        names,
        judged_statements(found.new_statements, context),
        story_id=story.id,
        run_id=run_id,
        now=now,
        digest_channels=[n for n in names if story.alerts.digest_of(n) != "off"],
    )
    digests = release_digests(book, story, names, now)
    delivery = deliver_pending(book, channels, max_attempts=max_attempts)
    return AlertRunReport(found.is_first_run, len(found.new_statements), messages + digests,
                          delivery)


def list_alerts(book: AlertBook, since: date | datetime | None = None) -> list[AlertRow]:
    """Every alert and its delivery state, oldest first (a date means from its UTC midnight)."""
    if isinstance(since, date) and not isinstance(since, datetime):
        since = datetime(since.year, since.month, since.day, tzinfo=UTC)
    return book.alerts(since)


@dataclass(frozen=True)
class ChannelResult:
    channel: str
    alert_id: str
    ok: bool
    error: str | None = None


def send_test_alert(
    story: Story, channels: Sequence[Channel], *, now: datetime | None = None
) -> list[ChannelResult]:
    """Send one test alert through every given channel; nothing is recorded."""
    message = sample_alert(story.id, story.title, now or _utc_now())
    results = []
    for channel in channels:
        key = alert_id(message.key, channel.name)
        try:
            channel.send(message, key)
        except DeliveryError as exc:
            results.append(ChannelResult(channel.name, key, False, str(exc)))
        else:
            results.append(ChannelResult(channel.name, key, True))
    return results
