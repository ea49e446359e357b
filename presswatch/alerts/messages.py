"""What an alert says, and how each channel shows it without letting a stranger's text act.

Alerts carry titles, names and quotes from pages anyone can publish. Every renderer here makes
that text inert for the place it goes: no control characters (ANSI escapes, CR/LF, C1) or bidi
overrides anywhere; Slack's &, <, > escaped and user text only in plain_text objects (so no
<!channel>, <url|label> or *bold*); HTML escaped in the mail's HTML part; a one-line subject;
only http(s) links. No I/O: presswatch/alerts/channels.py sends what these functions build.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from presswatch.records import NewStatementInfo, stable_id
from presswatch.text import clean_line

DIGEST_ITEMS_SHOWN = 10  # statements listed in a digest's text; the JSON carries them all

# ---------------------------------------------------------------------------------------------
# Messages: what an alert says, whatever the channel; stored as the alerts row's payload.


@dataclass(frozen=True)
class AlertItem:
    """One statement as an alert shows it."""

    statement_id: str
    speaker: str
    role: str | None
    organisation: str | None
    text: str
    confidence: float
    outlet: str
    title: str | None
    url: str
    published_at: str | None  # ISO 8601, UTC
    n_outlets: int
    is_new_speaker: bool
    direct: bool = True  # the words as quoted; False: reported speech, never in quote marks
    page_url: str | None = None  # the statement's page in the published report
    # Other statements of the same speaker in the same message that say nearly the same thing,
    # as a reader should take them: “quoted words”, or "that ..." for reported speech.
    versions: tuple[str, ...] = ()
    version_ids: tuple[str, ...] = ()  # their statement ids (the alert carries them too)

    @classmethod
    def of(cls, statement: NewStatementInfo, page_url: str | None = None) -> AlertItem:
        published = statement.published_at
        return cls(
            statement_id=statement.statement_id,
            speaker=statement.speaker,
            role=statement.role,
            organisation=statement.organisation,
            text=statement.text,
            confidence=round(float(statement.confidence), 3),
            outlet=statement.outlet,
            title=statement.title,
            url=statement.url,
            published_at=published.astimezone(UTC).isoformat() if published else None,
            n_outlets=statement.n_outlets,
            is_new_speaker=statement.is_new_speaker,
            direct=statement.is_direct,
            page_url=page_url,
        )

    def wording(self, limit: int) -> str:
        """The words as a reader should take them: “quoted”, or "that ..." when reported."""
        text = clean_line(self.text, limit)
        return f"\u201c{text}\u201d" if self.direct else f"that {text}"


@dataclass(frozen=True)
class SpikeInfo:
    day: str  # ISO date
    n_articles: int
    trailing_average: float
    trailing_days: int
    factor: float


@dataclass(frozen=True)
class SourceInfo:
    """A feed or sitemap that keeps failing (state "failing") or works again ("recovered")."""

    name: str
    url: str
    kind: str  # feed | sitemap
    state: str  # failing | recovered
    failed_runs: int  # in a row: so far, or before it recovered
    reason: str | None  # the last failure's reason, while failing


@dataclass(frozen=True)
class AlertMessage:
    """One alert, before it is split per channel.

    key identifies what it is about: the statement id, "speaker:<story>:<name>" (a new
    speaker), "statements:<story>:<name>:<run>", "digest:<story>:<run>" (or
    "digest:<story>:<channel>:<day or week>"), "spike:<story>:<day>",
    "source-failing:<story>:<source>:<run>" (or source-recovered) or "test:<story>:<time>";
    the alert id per channel is
    stable_id(key, channel).
    """

    key: str
    kind: str  # statement | speaker | digest | spike | source | test
    rule: str  # the rule that raised it: all | tracked_speakers | new_speakers | terms | ...
    story_id: str
    story_title: str
    headline: str
    created_at: str  # ISO 8601, UTC
    items: tuple[AlertItem, ...] = ()
    n_statements: int = 0  # digest: statements in the baseline
    n_speakers: int = 0
    spike: SpikeInfo | None = None
    source: SourceInfo | None = None
    report_url: str | None = None  # the published report's overview ([report] base_url)
    report_path: str | None = None  # where the run wrote the report, when it is not published

    @property
    def statement_id(self) -> str | None:
        return self.items[0].statement_id if self.kind == "statement" else None

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> AlertMessage:
        data = dict(payload)
        data["items"] = tuple(
            AlertItem(**{**item, "versions": tuple(item.get("versions", ())),
                         "version_ids": tuple(item.get("version_ids", ()))})
            for item in data.get("items", ()))
        data["spike"] = SpikeInfo(**data["spike"]) if data.get("spike") else None
        data["source"] = SourceInfo(**data["source"]) if data.get("source") else None
        return cls(**data)


def alert_id(key: str, channel: str) -> str:
    return stable_id(key, channel)


def sample_alert(story_id: str, story_title: str, now: datetime) -> AlertMessage:
    """A recognisable test alert (`presswatch alerts test`) with every field a real one has."""
    moment = now.astimezone(UTC).isoformat()
    return AlertMessage(
        key=f"test:{story_id}:{moment}",
        kind="test",
        rule="test",
        story_id=story_id,
        story_title=story_title,
        headline=f"presswatch test alert for {story_id}",
        created_at=moment,
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
                published_at=moment,
                n_outlets=1,
                is_new_speaker=False,
            ),
        ),
    )


# ---------------------------------------------------------------------------------------------
# Neutralising text from strangers' pages.

def clean_url(value: object) -> str | None:
    """An http(s) URL safe to put in a link, or None.

    Quotes, brackets, pipes and spaces are escaped; a host in another script is written in its
    ASCII (IDNA) form so the link shows where it really goes; and a URL with user info is
    refused, since "https://bank.example@evil.example/" reads as a host it is not.
    """
    url = clean_line(value, 2000)
    try:
        parts = urlsplit(url)
        port = parts.port  # a port out of range raises here
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    rebuilt = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    return quote(rebuilt, safe=":/?#[]@!$&()*+,;=%~-._")


def slack_escape(text: str) -> str:
    """Slack's three control characters; with them escaped, <!channel> and <url|x> are inert."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_safe_json(data: Any) -> str:
    """JSON whose bytes hold no <, > or &, so no receiver can mistake any of it for markup."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _clean_payload(data: Any) -> Any:
    if isinstance(data, str):
        return clean_line(data, 5000)
    if isinstance(data, dict):
        return {key: _clean_payload(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_clean_payload(value) for value in data]
    return data


# ---------------------------------------------------------------------------------------------
# Rendering: plain text (console, mail), Slack-compatible JSON, mail.


def who(speaker: str, role: str | None) -> str:
    """'Niko Felix (OpenAI spokesperson)'; a role that is the name ('OpenAI spokesperson') once."""
    name, role = clean_line(speaker, 120), clean_line(role, 120)
    return name + (f" ({role})" if role and role.casefold() != name.casefold() else "")


def _who(item: AlertItem) -> str:
    return who(item.speaker, item.role)


def _first_article(item: AlertItem) -> str:
    title = clean_line(item.title, 200)
    day = f" ({item.published_at[:10]})" if item.published_at else ""
    outlet = clean_line(item.outlet, 120) or "unknown outlet"
    return f"{outlet}: \u201c{title}\u201d{day}" if title else f"{outlet}{day}"


def said(item: AlertItem, limit: int) -> str:
    """Who said what, as a reader should take it: quoted words in quotation marks, reported
    speech as reported speech ("PR Puppets said that ..."), never dressed up as a quote."""
    wording = item.wording(limit)
    return f"{_who(item)} said: {wording}" if item.direct else f"{_who(item)} said {wording}"


def _versions(item: AlertItem, limit: int) -> str | None:
    """'Also worded: ...' for statements folded into this one, or None."""
    if not item.versions:
        return None
    return "Nearly the same, also carried: " + "; ".join(
        clean_line(v, limit) for v in item.versions)


def where_report(message: AlertMessage, n_more: int = 0) -> str | None:
    """The line that sends a reader to the report: its address when published ([report]
    base_url), else the folder the run wrote it to."""
    more = f"... and {n_more} more: " if n_more > 0 else ""
    url = clean_url(message.report_url) if message.report_url else None
    if url:
        return f"{more}{'all of them are in ' if more else ''}the report: {url}"
    if message.report_path:
        where = clean_line(message.report_path, 500)
        return (f"{more}{'all of them are in ' if more else ''}the report, written to {where} "
                "on the machine that runs presswatch (set [report] base_url in the story "
                "file to link a published copy)")
    return f"{more}see the statements table in the warehouse" if more else None


def _carried(item: AlertItem) -> str:
    outlets = "1 outlet" if item.n_outlets == 1 else f"{item.n_outlets} outlets"
    return f"carried by {outlets}, confidence {item.confidence:.2f}"


def render_text(message: AlertMessage) -> list[str]:
    """The alert as lines of plain, inert text (console and the mail's text part)."""
    lines = [clean_line(message.headline, 300)]
    if message.kind in ("statement", "speaker", "test"):
        for item in message.items[:DIGEST_ITEMS_SHOWN]:
            lines += [
                said(item, 2000),
                *filter(None, [_versions(item, 600)]),
                f"First reported by {_first_article(item)}",
                clean_url(item.url) or "(no usable link)",
                f"{_carried(item).capitalize()}.",
                *filter(None, [_page_line(item)]),
            ]
    elif message.kind == "digest":
        for number, item in enumerate(message.items[:DIGEST_ITEMS_SHOWN], start=1):
            page = clean_url(item.page_url) if item.page_url else None
            lines.append(
                f"{number}. {said(item, 300)}; first in "
                f"{_first_article(item)}, {_carried(item)} {clean_url(item.url) or ''}".rstrip()
                + (f"; how it travelled: {page}" if page else "")
            )
    elif message.kind == "source" and message.source is not None:
        lines += _source_lines(message.source)
    hidden = len(message.items) - DIGEST_ITEMS_SHOWN if message.kind != "source" else 0
    report = where_report(message, hidden)
    if report and message.kind != "test":
        lines.append(report[0].upper() + report[1:])
    lines.append(f"Story: {clean_line(message.story_title, 200)} ({clean_line(message.story_id)})")
    return lines


def _page_line(item: AlertItem) -> str | None:
    page = clean_url(item.page_url) if item.page_url else None
    return f"How it travelled: {page}" if page else None


def runs(n: int) -> str:
    """ "1 run", "3 runs": the count alerts and summaries give a failing streak in."""
    return f"{n} run" if n == 1 else f"{n} runs"


def _source_lines(source: SourceInfo) -> list[str]:
    kind = "sitemap" if source.kind == "sitemap" else "feed"
    lines = [clean_url(source.url) or "(no usable address)"]
    if source.state == "failing":
        lines += [f"The {kind} failed on each of the last {runs(source.failed_runs)}. Last "
                  f"reason: {clean_line(source.reason, 500) or 'unknown'}",
                  "Check the address in the story file, or remove the source."]
    else:
        lines.append(f"The {kind} works again after failing {runs(source.failed_runs)} in a "
                     "row.")
    return lines


def _plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object within Slack's length limit, counted after escaping."""
    cleaned = clean_line(text, limit)
    escaped = slack_escape(cleaned)
    if len(escaped) > limit:  # each escape lengthens the text: cut the source by as much
        growth = len(escaped) - len(cleaned)
        escaped = slack_escape(clean_line(text, max(1, limit - growth)))
    return {"type": "plain_text", "text": escaped, "emoji": False}


def _slack_item_blocks(item: AlertItem, *, short: bool) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": _plain(said(item, 300 if short else 2800), 2990)},
        {
            "type": "context",
            "elements": [
                _plain(f"First reported by {_first_article(item)}", 1990),
                _plain(_carried(item), 200),
            ],
        },
    ]
    versions = _versions(item, 300 if short else 1000)
    if versions:
        blocks[1]["elements"].append(_plain(versions, 1990))
    links = [f"<{slack_escape(url)}|{label}>" for url, label in (
        (clean_url(item.url), "Read the first article"),
        (clean_url(item.page_url) if item.page_url else None, "How it travelled"),
    ) if url]
    if links:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": " · ".join(links)}})
    return blocks


def render_slack(message: AlertMessage, alert_id_: str) -> dict[str, Any]:
    """A Slack incoming-webhook body (text + blocks) plus our structured fields under
    "presswatch". User text only ever appears escaped inside plain_text objects."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(message.headline, 150)}]
    if message.kind in ("statement", "speaker", "test"):
        for item in message.items[:DIGEST_ITEMS_SHOWN]:
            blocks += _slack_item_blocks(item, short=False)
    elif message.kind == "digest":
        for item in message.items[:DIGEST_ITEMS_SHOWN]:
            blocks += _slack_item_blocks(item, short=True)
    elif message.kind == "source" and message.source is not None:
        blocks += [{"type": "section", "text": _plain(line, 2990)}
                   for line in _source_lines(message.source)]
    hidden = len(message.items) - DIGEST_ITEMS_SHOWN if message.kind != "source" else 0
    report_url = clean_url(message.report_url) if message.report_url else None
    if report_url and message.kind != "test":
        more = f"... and {hidden} more: all of them are in " if hidden > 0 else ""
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
            f"{more}<{slack_escape(report_url)}|the report>")}})
    elif message.kind != "test":
        report = where_report(message, hidden)
        if report:
            blocks.append({"type": "context", "elements": [_plain(report, 1990)]})
    blocks.append(
        {"type": "context", "elements": [_plain(f"presswatch · {message.story_title}", 200)]}
    )
    structured = _clean_payload(message.to_payload())
    structured["alert_id"] = alert_id_
    return {
        "text": slack_escape(clean_line(message.headline, 300)),
        "mrkdwn": False,
        "blocks": blocks,
        "presswatch": structured,
    }


def _sender_domain(sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2]
    safe = "".join(c for c in domain if c.isalnum() or c in ".-")
    return safe or "presswatch.invalid"


def message_id(alert_id_: str, sender: str) -> str:
    """The same alert always gets the same Message-ID, so a resend can be recognised."""
    return f"<presswatch.{alert_id_}@{_sender_domain(sender)}>"


def render_email(
    message: AlertMessage, alert_id_: str, sender: str, recipients: Sequence[str]
) -> EmailMessage:
    """A mail with a one-line subject (no header injection), a text and an escaped HTML part.
    Sender and recipients come from the settings, checked there, never from page text."""
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["Subject"] = "[presswatch] " + clean_line(message.headline, 180)
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = format_datetime(datetime.fromisoformat(message.created_at))
    mail["Message-ID"] = message_id(alert_id_, sender)
    mail["X-Presswatch-Alert-Id"] = alert_id_
    lines = render_text(message)
    mail.set_content("\n\n".join(lines) + "\n", charset="utf-8")
    paragraphs = []
    for line in lines:
        # A line that is an address, or ends in one after ": ", gets it as a link.
        label, _, tail = line.rpartition(": ") if ": http" in line else ("", "", line)
        url = clean_url(tail) if tail.startswith(("http://", "https://")) else None
        if url:
            href = html.escape(url, quote=True)
            prefix = html.escape(label + ": ") if label else ""
            paragraphs.append(f'<p>{prefix}<a href="{href}">{html.escape(url)}</a></p>')
        else:
            paragraphs.append(f"<p>{html.escape(line)}</p>")
    mail.add_alternative(
        "<!doctype html><html><body>" + "".join(paragraphs) + "</body></html>\n",
        subtype="html",
        charset="utf-8",
    )
    # A resend is byte for byte the same mail; a hash of the content, unlike the (predictable)
    # alert id alone, cannot be planted in a page's text to split the parts.
    digest = hashlib.sha256("\n".join([alert_id_, *lines]).encode("utf-8")).hexdigest()
    mail.set_boundary(f"presswatch-{digest[:40]}")
    return mail
