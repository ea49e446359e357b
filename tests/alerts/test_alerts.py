"""Alerts end to end: rules, real receivers on 127.0.0.1 (HTTP and SMTP), a real DuckDB file,
and a real process killed between sending and recording."""

from __future__ import annotations

import email
import io
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import unicodedata
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from receivers import SmtpHandler, WebhookReceiver, free_port, smtp_controller

from presswatch.alerts.channels import (
    AlertConfigError,
    ConsoleChannel,
    DeliveryError,
    EmailChannel,
    WebhookChannel,
    build_channels,
)
from presswatch.alerts.console import render_alert_rows
from presswatch.alerts.delivery import (
    AlertRunReport,
    ChannelResult,
    deliver_pending,
    list_alerts,
    queue_alerts,
    run_alerts,
    send_test_alert,
)
from presswatch.alerts.messages import (
    AlertMessage,
    clean_url,
    html_safe_json,
    render_email,
    render_slack,
    render_text,
)
from presswatch.alerts.rules import AlertContext, fold_versions, nearly_the_same, select_alerts
from presswatch.alerts.settings import channel_settings
from presswatch.cli.main import main
from presswatch.records import NewStatementInfo, stable_id
from presswatch.story import Alerts, Email, Report, Spike, Story, StoryError, Webhook, load_story
from presswatch.text import clean_line
from presswatch.warehouse.alert_book import AlertBook
from presswatch.warehouse.run_findings import statement_page
from presswatch.warehouse.store import open_warehouse

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 11, 26, 9, 0, tzinfo=UTC)


# --- a real warehouse file -----------------------------------------------------------------------


def new_warehouse(path: Path) -> Path:
    """A new warehouse file with every migration applied."""
    open_warehouse(path).close()
    return path


def sql(db: Path, query: str, params: list | None = None, *, read_only: bool = False) -> list:
    with open_warehouse(db, read_only=read_only) as warehouse:
        return warehouse.connection.execute(query, params or []).fetchall()


def add_run(db: Path, run_id: str, started_at: datetime, status: str = "running") -> None:
    sql(
        db,
        "insert into runs (run_id, story_id, started_at, status) values (?, 'test', ?, ?)",
        [run_id, started_at, status],
    )


def finish_run(db: Path, run_id: str) -> None:
    sql(db, "update runs set status = 'ok' where run_id = ?", [run_id])


def add_article(
    db: Path, run_id: str, n: int, published_at: datetime, outlet: str = "Example News",
    title: str = "Artists leak Sora",
) -> str:
    article_id = stable_id("article", run_id, str(n))
    sql(
        db,
        "insert into articles (article_id, url, canonical_url, outlet, title, published_at,"
        " text, word_count, fetched_at, first_seen_at, run_id, is_relevant)"
        " values (?, ?, ?, ?, ?, ?, 'text', 1, ?, ?, ?, true)",
        [
            article_id, f"https://news.example/{article_id}?utm=x",
            f"https://news.example/{article_id}", outlet, title, published_at,
            published_at, published_at, run_id,
        ],
    )
    return article_id


def add_statement(
    db: Path, article_id: str, speaker: str, text: str, *, role: str | None = None,
    confidence: float = 0.9, n_outlets: int = 1, seen_at: datetime = T0,
) -> str:
    statement_id = stable_id(speaker, text)
    sql(
        db,
        "insert into statements (statement_id, speaker, speaker_role, text, first_seen_at,"
        " first_article_id, n_articles, n_outlets) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [statement_id, speaker, role, text, seen_at, article_id, n_outlets, n_outlets],
    )
    sql(
        db,
        "insert into quotes (quote_id, article_id, content, kind, speaker, start_char,"
        " end_char, confidence, statement_id) values (?, ?, ?, 'direct', ?, 0, 1, ?, ?)",
        [stable_id(statement_id, "q"), article_id, text, speaker, confidence, statement_id],
    )
    return statement_id


def story(**alerts: object) -> Story:
    settings = {"console": False, **alerts}
    return Story(
        id="test", title="Artists leak Sora", start_date=date(2024, 11, 26),
        alerts=Alerts(**settings),
    )


def alerts_run(db: Path, the_story: Story, run_id: str, *, env: dict[str, str],
               stream: io.StringIO | None = None, **options: object) -> AlertRunReport:
    """One alert stage, with the channels built from the story and env as the flow does."""
    channels = build_channels(channel_settings(the_story.alerts, env), stream)
    return run_alerts(AlertBook(db), the_story, run_id, channels=channels, **options)


def send_test(the_story: Story, env: dict[str, str], *, stream: io.StringIO | None = None,
              ssl_context: ssl.SSLContext | None = None) -> list[ChannelResult]:
    channels = build_channels(channel_settings(the_story.alerts, env), stream, ssl_context)
    return send_test_alert(the_story, channels, now=T0)


def unjudged(db: Path) -> list[NewStatementInfo]:
    return AlertBook(db).read_round("test", "r2", spikes=False).new_statements


def alert_rows(db: Path) -> list[tuple]:
    return sql(
        db,
        "select alert_key, channel, status, attempts, rule from alerts"
        " order by alert_key, channel",
        read_only=True,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return new_warehouse(tmp_path / "presswatch.duckdb")


def day_one(db: Path) -> dict[str, str]:
    """Run r1: two articles, Niko Felix and PR Puppets quoted."""
    add_run(db, "r1", T0)
    a1 = add_article(db, "r1", 1, T0, outlet="The Verge", title="OpenAI cuts Sora access")
    a2 = add_article(db, "r1", 2, T0 + timedelta(hours=1), outlet="TechCrunch")
    return {
        "felix": add_statement(
            db, a1, "Niko Felix", "Participation in the research preview was voluntary.",
            role="OpenAI spokesperson", n_outlets=3,
        ),
        "puppets": add_statement(db, a2, "PR Puppets", "We are not your PR puppets."),
    }


def day_two(db: Path) -> dict[str, str]:
    """Run r2: Sam Altman is new, Niko Felix says something new, one shaky attribution."""
    add_run(db, "r2", T0 + timedelta(days=1))
    a3 = add_article(db, "r2", 3, T0 + timedelta(days=1), outlet="Wired")
    return {
        "altman": add_statement(
            db, a3, "Sam Altman", "We paused Sora access to investigate.",
            role="OpenAI chief executive", n_outlets=2, seen_at=T0 + timedelta(days=1),
        ),
        "felix2": add_statement(
            db, a3, "Niko Felix", "Hundreds of artists have shaped Sora's development.",
            role="OpenAI spokesperson", seen_at=T0 + timedelta(days=1, hours=1),
        ),
        "shaky": add_statement(db, a3, "Someone", "Leak leak leak.", confidence=0.2),
    }


# --- rules ---------------------------------------------------------------------------------------


def speaker_key(name: str) -> str:
    """The key of the one message that introduces a new speaker (story "test")."""
    return f"speaker:test:{name.casefold()}"


def info(speaker: str, text: str, **fields: object) -> NewStatementInfo:
    values = dict(
        statement_id=stable_id(speaker, text), speaker=speaker, role=None, text=text,
        confidence=0.9, outlet="Example News", title="A title", url="https://news.example/a",
        published_at=T0, n_outlets=1, is_new_speaker=False, organisation=None,
    )
    values.update(fields)
    return NewStatementInfo(**values)


def context(rules: Alerts, **fields: object) -> AlertContext:
    values = dict(
        story_id="test", story_title="Artists leak Sora", rules=rules, run_id="r2",
        is_first_run=False, now=T0,
    )
    values.update(fields)
    return AlertContext(**values)


STATEMENTS = [
    info("Niko Felix", "Participation was voluntary.", organisation="OpenAI"),
    info("Jane Doe", "The leak was a protest.", is_new_speaker=True),
    info("Spokesperson", "We comment on nothing.", organisation="PR Puppets"),
    info("Sam Altman", "Sora leaked.", confidence=0.3),
    info("Bob", "This is bleak for artists."),
]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (Alerts(on="all"), ["Niko Felix", "Jane Doe", "Spokesperson", "Bob"]),
        (Alerts(on="all", min_confidence=0.2), ["Niko Felix", "Jane Doe", "Spokesperson",
                                                 "Sam Altman", "Bob"]),
        (Alerts(on="new_speakers"), ["Jane Doe"]),
        # a tracked organisation matches its spokespeople; Sam Altman is below the confidence
        (Alerts(on="tracked_speakers", tracked_speakers=["niko felix", "PR Puppets",
                                                         "Sam Altman"]),
         ["Niko Felix", "Spokesperson"]),
        (Alerts(on="tracked_speakers", tracked_speakers=[]), []),
        # whole words only: "bleak" is not "leak"; "leaked" is not "leak"
        (Alerts(on="terms", terms=["leak", "artists"]), ["Jane Doe", "Bob"]),
        (Alerts(on="terms", terms=["LEAK"], min_confidence=0.0), ["Jane Doe"]),
        (Alerts(on="terms", terms=[]), []),
    ],
)
def test_rules_pick_the_statements_to_alert_on(rules: Alerts, expected: list[str]) -> None:
    messages = select_alerts(STATEMENTS, context(rules))
    assert [m.items[0].speaker for m in messages] == expected
    for message in messages:
        if message.items[0].is_new_speaker:
            assert message.kind == "speaker" and message.key.startswith("speaker:test:")
        else:
            assert message.kind == "statement" and message.key == message.items[0].statement_id


def test_a_new_speaker_is_one_message_listing_what_they_said() -> None:
    bassi = [info("Lorenzo Bassi", f"Point {n}.", is_new_speaker=True, n_outlets=n)
             for n in (1, 3, 2, 1)]
    known = info("Niko Felix", "Participation was voluntary.")
    messages = select_alerts([bassi[0], known, *bassi[1:]], context(Alerts(on="all")))
    assert [m.kind for m in messages] == ["speaker", "statement"]
    intro = messages[0]
    assert intro.headline == "New speaker: Lorenzo Bassi, 4 statements"
    # The two "Point 1." statements are one thing said: one item, with its other version.
    assert [item.text for item in intro.items] == ["Point 3.", "Point 2.", "Point 1."]
    assert intro.items[2].versions == ("\u201cPoint 1.\u201d",)
    lines = render_text(intro)
    assert sum("Lorenzo Bassi said" in line for line in lines) == 3
    # the statements are judged under the one message, so none alerts again on its own
    carried = {i.statement_id for i in intro.items}
    carried |= {v for i in intro.items for v in i.version_ids}
    assert carried == {b.statement_id for b in bassi}


def test_a_known_speaker_with_several_new_statements_is_one_message_per_run() -> None:
    felix = [info("Niko Felix", "Participation was voluntary.", role="OpenAI spokesperson"),
             info("Niko Felix", "We paused access.", role="OpenAI spokesperson")]
    messages = select_alerts([felix[0], info("Bob", "Hi."), felix[1]], context(Alerts()))
    assert [(m.kind, m.headline) for m in messages] == [
        ("speaker", "2 new statements from Niko Felix (OpenAI spokesperson)"),
        ("statement", "New statement from Bob")]
    assert messages[0].key == "statements:test:niko felix:r2"  # the next run may send another
    assert [item.text for item in messages[0].items] == [f.text for f in felix]


def test_reported_speech_is_never_shown_in_quotation_marks() -> None:
    reported = info("PR Puppets", "the programme was art washing", is_direct=False)
    quoted = info("Niko Felix", "Participation is voluntary.")
    reported_text = render_text(select_alerts([reported], context(Alerts(on="all")))[0])
    quoted_text = render_text(select_alerts([quoted], context(Alerts(on="all")))[0])
    said = [line for line in reported_text if "PR Puppets said" in line]
    assert said == ["PR Puppets said that the programme was art washing"]
    assert "Niko Felix said: \u201cParticipation is voluntary.\u201d" in quoted_text
    slack = render_slack(select_alerts([reported], context(Alerts(on="all")))[0], "id")
    sections = [b["text"]["text"] for b in slack["blocks"] if b["type"] == "section"]
    assert "PR Puppets said that the programme was art washing" in sections


def test_a_part_of_a_statement_is_no_news() -> None:
    """One sentence of Felix's statement quoted alone is a statement of its own (part_of the
    whole): it never alerts, not even in a digest's count."""
    whole = info("Niko Felix", "Sora is in preview. Participation was voluntary.")
    part = info("Niko Felix", "Participation was voluntary.", part_of=whole.statement_id)
    assert select_alerts([part], context(Alerts(on="all"))) == []
    assert [item.statement_id for m in select_alerts([whole, part], context(Alerts(on="all")))
            for item in m.items] == [whole.statement_id]
    digest = select_alerts([whole, part], context(Alerts(on="all"), is_first_run=True))[0]
    assert digest.n_statements == 1


def test_a_stored_part_is_judged_without_an_alert(db: Path, webhook: WebhookReceiver) -> None:
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url}
    whole = day_one(db)["felix"]
    alerts_run(db, story(), "r1", env=env)
    add_run(db, "r2", T0 + timedelta(days=1))
    article = add_article(db, "r2", 8, T0 + timedelta(days=1))
    part = add_statement(db, article, "Niko Felix", "Participation was voluntary, he said.")
    sql(db, "update statements set part_of = ? where statement_id = ?", [whole, part])
    report = alerts_run(db, story(), "r2", env=env)
    assert report.messages == [] and report.n_new_statements == 1
    assert sql(db, "select alert_key from alert_judged_statements where statement_id = ?",
               [part]) == [(None,)]
    assert alerts_run(db, story(), "r3", env=env).n_new_statements == 0


def test_first_run_sends_one_digest_of_the_baseline() -> None:
    messages = select_alerts(STATEMENTS, context(Alerts(on="all"), is_first_run=True))
    assert len(messages) == 1
    digest = messages[0]
    assert digest.kind == "digest" and digest.key == "digest:test:r2"
    assert digest.n_statements == 5 and digest.n_speakers == 5
    assert {item.speaker for item in digest.items} == {"Niko Felix", "Jane Doe", "Spokesperson",
                                                       "Bob"}


def counts(*pairs: tuple[int, int]) -> dict[date, int]:
    return {date(2024, 11, 1) + timedelta(days=day): n for day, n in pairs}


@pytest.mark.parametrize(
    ("daily", "day", "spikes"),
    [
        # 12 today against an average of 2 over 7 days: 12 > 3 x 2
        (counts(*[(d, 2) for d in range(7)], (7, 12)), 7, True),
        # 6 is not over 3 x 2
        (counts(*[(d, 2) for d in range(7)], (7, 6)), 7, False),
        # 4 after silence is over the factor but under min_articles = 5
        (counts((7, 4)), 7, False),
        # the story's first day has no baseline: the days before it began are not zeros
        (counts((7, 5)), 7, False),
        (counts((7, 40)), 7, False),
        # the baseline starts at the first article: 2 days of 1 article, then 12 spikes
        (counts((5, 1), (6, 1), (7, 12)), 7, True),
        (counts((5, 4), (6, 4), (7, 12)), 7, False),
        # days outside the trailing window do not count: a busy day 8 days ago is forgotten
        (counts((0, 40), (8, 5)), 8, True),
        (counts((1, 40), (8, 5)), 8, False),
    ],
)
def test_spike_rule(daily: dict[date, int], day: int, spikes: bool) -> None:
    rules = Alerts(on="all", spike=Spike(factor=3.0, trailing_days=7, min_articles=5))
    spike_day = date(2024, 11, 1) + timedelta(days=day)
    messages = select_alerts([], context(rules, daily_article_counts=daily, spike_days=[spike_day]))
    assert [m.kind for m in messages] == (["spike"] if spikes else [])
    if spikes:
        assert messages[0].key == f"spike:test:{spike_day.isoformat()}"
        assert messages[0].spike.n_articles == daily[spike_day]


def test_no_spike_without_the_rule_or_on_the_first_run() -> None:
    daily, today = counts((7, 50)), [date(2024, 11, 8)]
    assert select_alerts([], context(Alerts(), daily_article_counts=daily, spike_days=today)) == []
    rules = Alerts(spike=Spike())
    first = select_alerts([], context(rules, daily_article_counts=daily, spike_days=today,
                                      is_first_run=True))
    assert [m.kind for m in first] == ["digest"]


# --- settings ------------------------------------------------------------------------------------


def test_environment_overrides_story_settings_and_password_only_from_env() -> None:
    alerts = Alerts(
        webhook=Webhook(url="https://hooks.example/story"),
        email=Email(host="smtp.story", sender="a@story.example", recipients=["b@story.example"]),
    )
    env = {
        "PRESSWATCH_WEBHOOK_URL": "https://hooks.example/env",
        "PRESSWATCH_SMTP_HOST": "smtp.env", "PRESSWATCH_SMTP_PORT": "2525",
        "PRESSWATCH_SMTP_STARTTLS": "false", "PRESSWATCH_SMTP_USERNAME": "user",
        "PRESSWATCH_SMTP_PASSWORD": "secret", "PRESSWATCH_SMTP_INSECURE_LOGIN": "true",
        "PRESSWATCH_SMTP_RECIPIENTS": "x@env.example, y@env.example",
    }
    settings = channel_settings(alerts, env)
    assert settings.webhook_url == "https://hooks.example/env"
    mail = settings.email
    assert (mail.host, mail.port, mail.starttls, mail.username, mail.password) == (
        "smtp.env", 2525, False, "user", "secret")
    assert mail.sender == "a@story.example"
    assert mail.recipients == ("x@env.example", "y@env.example")
    assert "secret" not in repr(settings) and "/env" not in repr(settings)
    assert channel_settings(alerts, {}).email.password is None


@pytest.mark.parametrize(
    ("alerts", "env", "message"),
    [
        (Alerts(), {"PRESSWATCH_WEBHOOK_URL": "file:///etc/passwd"}, "PRESSWATCH_WEBHOOK_URL"),
        (Alerts(webhook=Webhook(url="ftp://x")), {}, "alerts.webhook.url"),
        (Alerts(), {"PRESSWATCH_SMTP_HOST": "h"}, "alerts.email.sender"),
        (Alerts(), {"PRESSWATCH_SMTP_HOST": "h", "PRESSWATCH_SMTP_PORT": "x",
                    "PRESSWATCH_SMTP_SENDER": "a@b", "PRESSWATCH_SMTP_RECIPIENTS": "c@d"},
         "PRESSWATCH_SMTP_PORT"),
        (Alerts(), {"PRESSWATCH_SMTP_HOST": "h", "PRESSWATCH_SMTP_SENDER": "a@b",
                    "PRESSWATCH_SMTP_RECIPIENTS": "c@d\r\nBcc: e@f"},
         "PRESSWATCH_SMTP_RECIPIENTS"),
    ],
)
def test_unusable_settings_name_what_to_fix(alerts: Alerts, env: dict, message: str) -> None:
    with pytest.raises(AlertConfigError, match=message):
        channel_settings(alerts, env)


# --- runs against a real warehouse and real receivers --------------------------------------------


def mail_env(smtp: SmtpHandler) -> dict[str, str]:
    return {
        "PRESSWATCH_SMTP_HOST": "127.0.0.1", "PRESSWATCH_SMTP_PORT": str(smtp.port),
        "PRESSWATCH_SMTP_STARTTLS": "false", "PRESSWATCH_SMTP_SENDER": "presswatch@example.org",
        "PRESSWATCH_SMTP_RECIPIENTS": "comms@example.org",
    }


def test_day_one_digest_then_day_two_alerts_exactly_the_new_statements(
    db: Path, webhook: WebhookReceiver, smtp: SmtpHandler
) -> None:
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url, **mail_env(smtp)}
    console = io.StringIO()
    the_story = story(console=True)
    first = day_one(db)
    report = alerts_run(db, the_story, "r1", env=env, stream=console, now=T0)
    assert report.is_first_run and report.n_new_statements == 2
    assert report.delivery.n_delivered == 3  # one digest on each channel
    assert len(webhook.posts) == 1 and len(smtp.mails) == 1
    digest = webhook.bodies()[0]["presswatch"]
    assert digest["kind"] == "digest" and digest["n_statements"] == 2
    assert smtp.mails[0]["Subject"].startswith("[presswatch] Now following: Artists leak Sora")
    assert "Niko Felix (OpenAI spokesperson)" in smtp.mails[0].get_body(("plain",)).get_content()
    finish_run(db, "r1")

    # the same run again sends nothing: all judged, the digest's key already delivered
    again = alerts_run(db, the_story, "r1", env=env, stream=console, now=T0)
    assert again.n_new_statements == 0 and again.delivery.outcomes == []
    assert len(webhook.posts) == 1 and len(smtp.mails) == 1

    second = day_two(db)
    report = alerts_run(db, the_story, "r2", env=env, stream=console, now=T0 + timedelta(days=1))
    assert not report.is_first_run
    assert [m.key for m in report.messages] == [speaker_key("Sam Altman"), second["felix2"]]
    sent = sorted((b["presswatch"] for b in webhook.bodies()[1:]), key=lambda m: m["headline"])
    assert [(m["kind"], m["items"][0]["speaker"]) for m in sent] == [
        ("speaker", "Sam Altman"), ("statement", "Niko Felix")]
    altman = sent[0]["items"][0]
    assert altman["is_new_speaker"] and altman["n_outlets"] == 2
    assert altman["outlet"] == "Wired" and altman["url"].startswith("https://news.example/")
    assert sorted(m["Subject"] for m in smtp.mails[1:]) == [
        "[presswatch] New speaker: Sam Altman (OpenAI chief executive)",
        "[presswatch] New statement from Niko Felix (OpenAI spokesperson)",
    ]
    assert console.getvalue().count("[alert ") == 3
    rows = alert_rows(db)
    assert len(rows) == 9 and {row[2] for row in rows} == {"delivered"}
    assert first["felix"] not in {row[0] for row in rows}  # day one went into the digest only


def test_receiver_that_fails_then_recovers_gets_each_alert_once(
    db: Path, webhook: WebhookReceiver, smtp: SmtpHandler
) -> None:
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url, **mail_env(smtp)}
    day_one(db)
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")  # baseline already set
    webhook.fail_next = 3  # both alerts fail in run 1, the first fails again in run 2
    smtp.fail_next = 1
    report = alerts_run(db, story(), "r1", env=env, now=T0)
    assert report.delivery.count("retry") == 3 and report.delivery.n_delivered == 1
    assert len(webhook.posts) == 0 and len(smtp.mails) == 1
    errors = sql(db, "select last_error from alerts where status = 'pending'", read_only=True)
    assert {e[0] for e in errors} >= {"webhook at " + webhook.url.split("/")[2]
                                      + " answered HTTP 500: server_error [2J"}

    report = alerts_run(db, story(), "r2", env=env, now=T0 + timedelta(days=1))
    assert report.messages == []  # nothing new: only retries
    assert report.delivery.n_delivered == 2 and report.delivery.count("retry") == 1
    report = alerts_run(db, story(), "r3", env=env, now=T0 + timedelta(days=2))
    assert report.delivery.n_delivered == 1
    assert sorted(webhook.keys()) == sorted(set(webhook.keys())) and len(webhook.keys()) == 2
    assert len(smtp.mails) == 2
    assert {(row[2], row[3]) for row in alert_rows(db) if row[1] == "webhook"} == {
        ("delivered", 2), ("delivered", 3)}
    assert alerts_run(db, story(), "r4", env=env).delivery.outcomes == []


def test_gives_up_after_max_attempts(db: Path, webhook: WebhookReceiver) -> None:
    day_one(db)
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")
    webhook.fail_next = 100
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url}
    for run in range(3):
        alerts_run(db, story(), f"r{run + 1}", env=env, max_attempts=3)
    assert {(row[2], row[3]) for row in alert_rows(db)} == {("failed", 3)}
    report = alerts_run(db, story(), "r9", env=env, max_attempts=3)
    assert report.delivery.outcomes == [] and webhook.fail_next == 100 - 6


def test_an_unreachable_receiver_costs_one_attempt_per_run_not_one_per_alert(
    db: Path, webhook: WebhookReceiver, smtp: SmtpHandler
) -> None:
    day_one(db)
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")
    port = free_port()  # nothing listens there
    dead = {"PRESSWATCH_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
            "PRESSWATCH_SMTP_HOST": "127.0.0.1", "PRESSWATCH_SMTP_PORT": str(port),
            "PRESSWATCH_SMTP_STARTTLS": "false", "PRESSWATCH_SMTP_SENDER": "a@example.org",
            "PRESSWATCH_SMTP_RECIPIENTS": "b@example.org"}
    report = alerts_run(db, story(), "r1", env=dead)
    outcomes = sorted((o.channel, o.status, o.attempts) for o in report.delivery.outcomes)
    assert outcomes == [("email", "retry", 1), ("email", "skipped", 0),
                        ("webhook", "retry", 1), ("webhook", "skipped", 0)]
    errors = {o.channel: o.error for o in report.delivery.outcomes if o.status == "retry"}
    assert "unreachable" in errors["webhook"] and "Connection refused" in errors["email"]
    skipped = [o.error for o in report.delivery.outcomes if o.status == "skipped"]
    assert all(e.startswith("not tried: ") for e in skipped)

    # a refusal of one mail or post (not of the connection) does not stop the others
    smtp.fail_next, webhook.fail_next = 1, 1
    report = alerts_run(db, story(), "r2", env={"PRESSWATCH_WEBHOOK_URL": webhook.url,
                                               **mail_env(smtp)})
    assert sorted((o.channel, o.status) for o in report.delivery.outcomes) == [
        ("email", "delivered"), ("email", "retry"), ("webhook", "delivered"), ("webhook", "retry")]


def test_spike_alert_is_sent_once_per_day(db: Path, webhook: WebhookReceiver) -> None:
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")
    add_article(db, "r0", 100, T0 - timedelta(days=1))  # the story's first day: the baseline
    add_run(db, "r1", T0)
    for n in range(6):
        add_article(db, "r1", n, T0)
    the_story = story(spike=Spike(factor=3, trailing_days=7, min_articles=5))
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url}
    report = alerts_run(db, the_story, "r1", env=env)
    assert [m.key for m in report.messages] == ["spike:test:2024-11-26"]
    assert webhook.bodies()[0]["presswatch"]["spike"]["n_articles"] == 6
    add_article(db, "r1", 99, T0)
    alerts_run(db, the_story, "r1", env=env)
    assert len(webhook.posts) == 1


CRASHING_DELIVERY = """
import os, signal, sys
from presswatch.alerts.channels import build_channels
from presswatch.alerts.delivery import deliver_pending
from presswatch.alerts.settings import channel_settings
from presswatch.story import Alerts
from presswatch.warehouse.alert_book import AlertBook

db, target = sys.argv[1], sys.argv[2]
sent = []

def die_after_sending_on_target(row):
    # once something else was delivered and recorded: die right after this send, unrecorded
    sent.append(row.alert_id)
    if len(sent) >= 2 and row.channel == target:
        print(row.alert_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

settings = channel_settings(Alerts(console=False), os.environ)
deliver_pending(AlertBook(db), build_channels(settings), after_send=die_after_sending_on_target)
"""


@pytest.mark.parametrize("dies_after", ["webhook", "email"])
def test_crash_between_send_and_record_resends_with_the_same_key_and_nothing_else(
    db: Path, webhook: WebhookReceiver, smtp: SmtpHandler, dies_after: str
) -> None:
    day_one(db)
    day_two(db)
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url, **mail_env(smtp)}
    rules = Alerts(min_confidence=0.0, console=False)
    new = unjudged(db)
    channels = [c.name for c in build_channels(channel_settings(rules, env))]
    queue_alerts(AlertBook(db), select_alerts(new, context(rules)), channels,
                 [s.statement_id for s in new], story_id="test", run_id="r2", now=T0)
    # four messages on two channels: Niko Felix, new here, is one message for his two statements
    assert len(alert_rows(db)) == 8

    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_DELIVERY, str(db), dies_after],
        cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    unrecorded = crashed.stdout.strip()
    mail_ids = lambda: [m["X-Presswatch-Alert-Id"] for m in smtp.mails]  # noqa: E731
    sent_before = webhook.keys() + mail_ids()
    assert unrecorded in (webhook.keys() if dies_after == "webhook" else mail_ids())
    recorded = {row[0] for row in sql(db, "select alert_id from alerts where status = 'delivered'")}
    assert recorded == set(sent_before) - {unrecorded} and recorded

    report = deliver_pending(AlertBook(db), build_channels(channel_settings(rules, env)))
    assert report.n_delivered == 8 - len(recorded)
    keys = webhook.keys() + mail_ids()
    assert sorted(set(keys)) == sorted(row[0] for row in sql(db, "select alert_id from alerts"))
    assert {key: keys.count(key) for key in keys if keys.count(key) > 1} == {unrecorded: 2}
    if dies_after == "email":  # the resent mail carries the same Message-ID
        resent = [m for m in smtp.mails if m["X-Presswatch-Alert-Id"] == unrecorded]
        assert resent[0]["Message-ID"] == resent[1]["Message-ID"]
        assert resent[0].as_bytes() == resent[1].as_bytes()
    else:
        bodies = [body for headers, body in webhook.posts
                  if headers["Idempotency-Key"] == unrecorded]
        assert bodies[0] == bodies[1]
    assert {row[2] for row in alert_rows(db)} == {"delivered"}


# --- hostile text --------------------------------------------------------------------------------

HOSTILE_SPEAKER = "<!channel> *Boss* \x1b[31mRed\x1b[0m"
HOSTILE_TEXT = (
    "<script>alert(1)</script> <https://evil.example|click here> _it_ ~x~ `code` & co\r\n"
    "Bcc: victim@example.com\x07\u202egnp.exe"
)
HOSTILE_TITLE = "Title\r\nBcc: victim@example.com\r\nX-Evil: 1 <b>bold</b> [md](http://x)"


def test_hostile_text_is_neutralised_in_every_channel(
    db: Path, webhook: WebhookReceiver, smtp: SmtpHandler
) -> None:
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")
    add_run(db, "r1", T0)
    article = add_article(db, "r1", 1, T0, outlet="Evil\x1b]0;pwned\x07 Times",
                          title=HOSTILE_TITLE)
    add_statement(db, article, HOSTILE_SPEAKER, HOSTILE_TEXT, role="CEO\r\nSubject: x")
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url, **mail_env(smtp)}
    console = io.StringIO()
    report = alerts_run(db, story(console=True), "r1", env=env, stream=console)
    assert report.delivery.n_delivered == 3

    # webhook: no markup-significant bytes at all; user text only in escaped plain_text objects
    headers, raw = webhook.posts[0]
    assert not any(c in raw for c in (b"<", b">", b"\x1b", b"\\r", b"\\n", b"\\u001b"))
    body = json.loads(raw)
    assert body["text"].startswith("New speaker: &lt;!channel&gt; *Boss*")
    assert "<" not in json.dumps(body["blocks"]).replace("<https://news.example/", "")
    for block in body["blocks"]:
        objects = [block["text"]] if "text" in block else block.get("elements", [])
        for obj in objects:
            if obj["type"] == "mrkdwn":  # only our own link, to the real article
                assert obj["text"].startswith("<https://news.example/")
                assert obj["text"].endswith("|Read the first article>")
            else:
                assert obj["type"] == "plain_text"
    statement_block = json.dumps(body["blocks"][1])
    assert "&lt;https://evil.example|click here&gt;" in statement_block
    assert "&lt;script&gt;" in statement_block and "\u202e" not in statement_block
    assert body["presswatch"]["items"][0]["speaker"] == "<!channel> *Boss* [31mRed [0m"

    # mail: one-line subject, no injected header, inert bodies
    mail = smtp.mails[0]
    assert mail["Bcc"] is None and mail["X-Evil"] is None
    assert smtp.envelopes[0][1] == ["comms@example.org"]
    assert "\n" not in mail["Subject"] and "\x1b" not in mail["Subject"]
    assert mail["Subject"].strip().startswith("[presswatch] New speaker: <!channel> *Boss*")
    plain = mail.get_body(("plain",)).get_content()
    assert "\x1b" not in plain and "\x07" not in plain and "\u202e" not in plain
    assert "\nBcc:" not in plain and "\nX-Evil" not in plain
    html_part = mail.get_body(("html",)).get_content()
    assert "<script>" not in html_part and "&lt;script&gt;" in html_part
    assert "<b>" not in html_part and "&lt;b&gt;bold&lt;/b&gt;" in html_part

    # console: no escape sequences, no carriage returns, every line ours
    out = console.getvalue()
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert all(line.startswith(("[alert ", "    ")) for line in out.splitlines())


# --- CLI helpers ---------------------------------------------------------------------------------


def test_list_alerts_shows_state_and_since_filters(
    db: Path, webhook: WebhookReceiver
) -> None:
    day_one(db)
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")
    webhook.fail_next = 1
    alerts_run(db, story(), "r1", env={"PRESSWATCH_WEBHOOK_URL": webhook.url}, now=T0)
    rows = list_alerts(AlertBook(db))
    assert sorted((r.status, r.attempts) for r in rows) == [("delivered", 1), ("pending", 1)]
    text = render_alert_rows(rows)
    assert "HTTP 500" in text and "New speaker: Niko Felix" in text
    assert text.endswith("2 alert(s)\n")
    assert list_alerts(AlertBook(db), since=date(2024, 11, 27)) == []
    assert len(list_alerts(AlertBook(db), since=date(2024, 11, 26))) == 2


def test_send_test_alert_goes_through_every_configured_channel(
    webhook: WebhookReceiver, smtp: SmtpHandler
) -> None:
    console = io.StringIO()
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url, **mail_env(smtp)}
    results = send_test(story(console=True), env, stream=console)
    assert [(r.channel, r.ok) for r in results] == [
        ("console", True), ("webhook", True), ("email", True)]
    assert "presswatch test alert for test" in console.getvalue()
    assert webhook.bodies()[0]["presswatch"]["kind"] == "test"
    assert smtp.mails[0]["Subject"] == "[presswatch] presswatch test alert for test"
    smtp.fail_next = 1
    results = send_test(story(), env)
    assert [(r.channel, r.ok) for r in results] == [("webhook", True), ("email", False)]
    assert "451" in results[1].error


def test_channels_are_usable_alone(webhook: WebhookReceiver, smtp: SmtpHandler) -> None:
    """The same message renders identically on resend: same body, same Message-ID."""
    message = select_alerts([STATEMENTS[0]], context(Alerts()))[0]
    settings = channel_settings(Alerts(), mail_env(smtp)).email
    for _ in range(2):
        WebhookChannel(webhook.url).send(message, "id1")
        EmailChannel(settings).send(message, "id1")
        ConsoleChannel(io.StringIO()).send(message, "id1")
    assert webhook.posts[0][1] == webhook.posts[1][1]
    assert smtp.mails[0]["Message-ID"] == smtp.mails[1]["Message-ID"]
    assert smtp.mails[0]["Date"] == smtp.mails[1]["Date"]


# --- the `presswatch alerts` command -------------------------------------------------------------


def test_cli_lists_alerts(db: Path, webhook: WebhookReceiver, capsys) -> None:
    day_one(db)
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")
    alerts_run(db, story(), "r1", env={"PRESSWATCH_WEBHOOK_URL": webhook.url}, now=T0)
    assert main(["alerts", "--db", str(db), "--since", "2024-11-26"]) == 0
    out = capsys.readouterr().out
    assert out.count("delivered") == 2 and "New speaker: PR Puppets" in out
    assert main(["alerts", "--db", str(db), "--since", "2024-11-27T00:00:00+00:00"]) == 0
    assert capsys.readouterr().out.endswith("0 alert(s)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--db", "missing.duckdb"], "no warehouse here"),
        (["--since", "yesterday"], "--since 'yesterday': expected a date"),
    ],
)
def test_cli_alerts_refuses_bad_input_with_exit_2(
    db: Path, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    args = [a if a != "missing.duckdb" else str(tmp_path / a) for a in args]
    assert main(["alerts", "--db", str(db), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "missing.duckdb").exists()


def test_cli_alerts_test_uses_the_story_and_environment(
    tmp_path: Path, webhook: WebhookReceiver, smtp: SmtpHandler, monkeypatch, capsys
) -> None:
    story_file = tmp_path / "story.toml"
    story_file.write_text(
        'id = "cli"\ntitle = "CLI story"\nstart_date = 2024-11-26\n'
        f'[alerts]\nconsole = false\n[alerts.webhook]\nurl = "{webhook.url}"\n',
        encoding="utf-8",
    )
    for name, value in mail_env(smtp).items():
        monkeypatch.setenv(name, value)
    assert main(["alerts", "test", "--story", str(story_file)]) == 0
    out = capsys.readouterr().out
    assert "webhook: sent" in out and "email: sent" in out
    assert len(webhook.posts) == 1 and len(smtp.mails) == 1
    webhook.fail_next = 1
    assert main(["alerts", "test", "--story", str(story_file)]) == 1
    assert "webhook: FAILED: webhook at 127.0.0.1" in capsys.readouterr().out
    monkeypatch.setenv("PRESSWATCH_SMTP_PORT", "not-a-port")
    assert main(["alerts", "test", "--story", str(story_file)]) == 2
    assert "PRESSWATCH_SMTP_PORT" in capsys.readouterr().err


# --- STARTTLS and login --------------------------------------------------------------------------


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, made here, so the client can verify the server for real."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_smtp(tmp_path: Path):
    """An SMTP server that requires STARTTLS and a login before it takes mail."""
    cert, key = self_signed_certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    handler = SmtpHandler()
    controller = smtp_controller(handler, password=b"s3cret", tls_context=server_context,
                                 require_starttls=True, auth_require_tls=True)
    controller.start()
    handler.client_context = ssl.create_default_context(cafile=str(cert))
    yield handler
    controller.stop()


def test_mail_over_starttls_with_login_from_the_environment(tls_smtp: SmtpHandler) -> None:
    the_story = story(email=Email(host="127.0.0.1", port=tls_smtp.port, username="alerts",
                                  sender="presswatch@example.org",
                                  recipients=["comms@example.org"]))
    env = {"PRESSWATCH_SMTP_PASSWORD": "s3cret"}
    results = send_test(the_story, env, ssl_context=tls_smtp.client_context)
    assert [(r.channel, r.ok) for r in results] == [("email", True)]
    assert tls_smtp.logins == [(b"alerts", b"s3cret")] and len(tls_smtp.mails) == 1

    # no password in the environment: no login, so this server refuses the mail
    results = send_test(the_story, {}, ssl_context=tls_smtp.client_context)
    assert not results[0].ok and "530" in results[0].error and len(tls_smtp.mails) == 1

    # a certificate the client does not trust: refused before anything is sent
    results = send_test(the_story, env)
    assert not results[0].ok and "CERTIFICATE_VERIFY_FAILED" in results[0].error
    assert len(tls_smtp.logins) == 1


def test_starttls_never_falls_back_to_plain_text(smtp: SmtpHandler) -> None:
    """The plain fixture server offers no STARTTLS: with starttls on, nothing is sent."""
    env = {**mail_env(smtp), "PRESSWATCH_SMTP_STARTTLS": "true"}
    results = send_test(story(), env)
    assert not results[0].ok and "STARTTLS" in results[0].error
    assert smtp.mails == []


# --- the neutralising functions, case by case ----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain", "plain"),
        ("a\r\nb\tc", "a b c"),
        ("\x1b[2J\x1b]0;title\x07ok", "[2J ]0;title ok"),
        ("\x9b31mC1 CSI", "31mC1 CSI"),
        ("left\u202eright\u2066x\u2069", "leftrightx"),
        ("line\u2028separator\u2029para", "line separator para"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        (None, ""),
        ("x" * 20, "x" * 9 + "…"),
    ],
)
def test_clean_line(raw: str | None, expected: str) -> None:
    assert clean_line(raw, 10 if raw == "x" * 20 else 500) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://news.example/a?b=1&c=2#x", "https://news.example/a?b=1&c=2#x"),
        ("https://x.example/a b|c<d>\"e`", "https://x.example/a%20b%7Cc%3Cd%3E%22e%60"),
        ("https://x.example/\r\nSet-Cookie: a", "https://x.example/%20Set-Cookie:%20a"),
        ("https://bücher.example/ä?q=ü", "https://xn--bcher-kva.example/%C3%A4?q=%C3%BC"),
        ("HTTPS://News.Example:8443/A", "https://news.example:8443/A"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("https://medium.example/@someone/post", "https://medium.example/@someone/post"),
        ("https://bank.example@evil.example/", None),
        ("https://user:pw@news.example/", None),
        ("https://news.example:99999/", None),
        ("javascript:alert(1)", None),
        ("data:text/html,<b>", None),
        ("//no-scheme.example/a", None),
        ("http:///no-host", None),
        ("", None),
    ],
)
def test_clean_url_keeps_only_inert_http_links(raw: str, expected: str | None) -> None:
    assert clean_url(raw) == expected


def test_webhook_digest_stays_within_slack_limits() -> None:
    noisy = [
        info(f"Speaker {n} " + "&" * 200, "<&>" * 2000, url="javascript:alert(1)")
        for n in range(300)
    ]
    digest = select_alerts(noisy, context(Alerts(), is_first_run=True))[0]
    body = render_slack(digest, "id")
    assert len(body["blocks"]) <= 50
    assert len(body["blocks"][0]["text"]["text"]) <= 150
    for block in body["blocks"]:
        for obj in [block["text"]] if "text" in block else block["elements"]:
            assert len(obj["text"]) <= 3000
            assert obj["type"] == "plain_text"  # no link: javascript: URLs are dropped
    assert "<" not in json.dumps(body["blocks"])


def test_alert_whose_sends_never_finish_is_given_up(db: Path, webhook: WebhookReceiver) -> None:
    """A process that dies in every send still stops: attempts are counted before sending."""
    day_one(db)
    new = unjudged(db)
    queue_alerts(AlertBook(db), select_alerts(new, context(Alerts())), ["webhook"],
                 [s.statement_id for s in new], story_id="test", run_id="r1", now=T0)
    # as if three runs had died while sending Niko Felix's alert
    sql(db, "update alerts set attempts = 3 where alert_key = ?", [speaker_key("Niko Felix")])
    report = deliver_pending(AlertBook(db), [WebhookChannel(webhook.url)], max_attempts=3)
    assert sorted((o.alert_key, o.status) for o in report.outcomes) == sorted(
        [(speaker_key("Niko Felix"), "failed"), (speaker_key("PR Puppets"), "delivered")])
    assert [b["presswatch"]["items"][0]["speaker"] for b in webhook.bodies()] == ["PR Puppets"]
    assert sql(db, "select last_error from alerts where status = 'failed'") == [
        ("the last attempt did not finish (the process died)",)]


# --- any text at all: property tests of the neutralising renderers -------------------------------

hostile_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("<>&|*_~`!@#:[]()\r\n\t\x1b\x07\x9b\u202e\u2028\u0000")),
        st.just("\n--presswatch-"),  # the start of our MIME boundary
    ),
    max_size=200,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(speaker=hostile_text, role=hostile_text, text=hostile_text, outlet=hostile_text,
       title=hostile_text, url=hostile_text, kind=st.sampled_from(["first", "later"]))
def test_any_text_renders_inert_in_every_channel(
    speaker: str, role: str, text: str, outlet: str, title: str, url: str, kind: str
) -> None:
    statement = info(speaker or "x", text, role=role, outlet=outlet, title=title, url=url)
    message = select_alerts([statement], context(Alerts(min_confidence=0),
                                                 is_first_run=kind == "first"))[0]
    for line in render_text(message):
        assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") for c in line)
        assert "\u202e" not in line
    body = render_slack(message, "id")
    raw = html_safe_json(body)
    assert "<" not in raw and ">" not in raw and "\\u001b" not in raw and "\\r" not in raw
    for block in body["blocks"]:
        for obj in [block["text"]] if "text" in block else block["elements"]:
            if obj["type"] == "mrkdwn":
                assert re.fullmatch(r"<https?://[^<>|\s]+\|Read the first article>", obj["text"])
            else:
                assert "<" not in obj["text"] and ">" not in obj["text"]
    mail = render_email(message, "id", "a@example.org", ["b@example.org"])
    parsed = email.message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert sorted(parsed.keys()) == sorted(
        ["Subject", "From", "To", "Date", "Message-ID", "X-Presswatch-Alert-Id",
         "Content-Type", "MIME-Version"])
    assert "\n" not in str(parsed["Subject"]).strip()
    assert [part.get_content_type() for part in parsed.iter_parts()] == [
        "text/plain", "text/html"]
    assert "<script" not in parsed.get_body(("html",)).get_content().lower().replace(
        "&lt;script", "")


@pytest.mark.parametrize(
    ("retry_after", "limited", "waits", "delivered"),
    [
        ("3", 1, [3.0], True),  # one short wait, then taken in the same run
        ("3", 2, [3.0], False),  # still limited after the wait: left to the next run
        ("120", 1, [], False),  # too long to hold the run up
        ("Wed, 21 Oct 2099 07:28:00 GMT", 1, [], False),  # a date: as long as it is away
    ],
)
def test_webhook_rate_limit(
    webhook: WebhookReceiver, retry_after: str, limited: int, waits: list, delivered: bool
) -> None:
    webhook.retry_after, webhook.rate_limit_next = retry_after, limited
    message = select_alerts([STATEMENTS[0]], context(Alerts()))[0]
    slept: list[float] = []
    channel = WebhookChannel(webhook.url, sleep=slept.append)
    if delivered:
        channel.send(message, "id1")
    else:
        with pytest.raises(DeliveryError, match="429"):
            channel.send(message, "id1")
    assert slept == waits
    assert len(webhook.posts) == int(delivered)
    assert webhook.n_requests == 1 + len(waits)


def test_more_matches_than_max_per_run_become_one_digest() -> None:
    rules = Alerts(on="all", max_per_run=3, spike=Spike(min_articles=1))
    spiking = {"daily_article_counts": counts((6, 1), (7, 9)), "spike_days": [date(2024, 11, 8)]}
    messages = select_alerts(STATEMENTS, context(rules, **spiking))
    assert [m.kind for m in messages] == ["digest", "spike"]
    assert messages[0].rule == "max_per_run" and messages[0].key == "digest:test:r2"
    assert messages[0].headline.startswith("4 new statements matching your alert rules")
    assert len(messages[0].items) == 4
    at_limit = select_alerts(STATEMENTS, context(rules.model_copy(update={"max_per_run": 4})))
    assert [m.kind for m in at_limit] == ["statement", "speaker", "statement", "statement"]


def test_a_first_run_that_died_after_its_digest_is_not_followed_by_a_second_digest(
    db: Path, webhook: WebhookReceiver
) -> None:
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url}
    day_one(db)
    assert alerts_run(db, story(), "r1", env=env, now=T0).is_first_run
    # the same run retried (Prefect retries the task with the same run id) is still the first,
    # and its digest is not sent twice
    assert alerts_run(db, story(), "r1", env=env, now=T0).is_first_run
    assert len(webhook.posts) == 1
    # r1 never finished (status stays 'running'): the process died after the alert stage
    second = day_two(db)
    report = alerts_run(db, story(), "r2", env=env, now=T0 + timedelta(days=1))
    assert not report.is_first_run
    assert [m["presswatch"]["kind"] for m in webhook.bodies()] == ["digest", "speaker",
                                                                     "statement"]
    assert {m.key for m in report.messages} == {speaker_key("Sam Altman"), second["felix2"]}


def test_alerts_for_a_channel_no_longer_configured_wait(
    db: Path, webhook: WebhookReceiver
) -> None:
    day_one(db)
    alerts_run(db, story(), "r1", env={"PRESSWATCH_WEBHOOK_URL": webhook.url}, now=T0)
    webhook.fail_next = 1
    day_two(db)
    report = alerts_run(db, story(), "r2", env={"PRESSWATCH_WEBHOOK_URL": webhook.url})
    assert report.delivery.n_undelivered == 1 and report.delivery.n_delivered == 1
    # the webhook is taken out of the settings: its pending alert waits, nothing is lost
    report = alerts_run(db, story(console=True), "r3", env={}, stream=io.StringIO())
    assert [(o.channel, o.status) for o in report.delivery.outcomes] == [("webhook", "skipped")]
    report = alerts_run(db, story(), "r4", env={"PRESSWATCH_WEBHOOK_URL": webhook.url})
    assert [(o.channel, o.status) for o in report.delivery.outcomes] == [("webhook", "delivered")]
    assert len(webhook.posts) == 3


def test_a_shaky_statement_is_judged_again_until_its_attribution_is_sure(
    db: Path, webhook: WebhookReceiver
) -> None:
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url}
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")
    second = day_two(db)
    report = alerts_run(db, story(), "r2", env=env)
    assert second["shaky"] not in {m.key for m in report.messages}
    assert alerts_run(db, story(), "r3", env=env).n_new_statements == 1  # still waiting
    # another article quotes it, attributed surely this time
    article = add_article(db, "r4", 9, T0 + timedelta(days=2))
    sql(db, "insert into quotes (quote_id, article_id, content, kind, speaker, start_char,"
            " end_char, confidence, statement_id) values ('q-sure', ?, 'Leak leak leak.',"
            " 'direct', 'Someone', 0, 1, 0.95, ?)", [article, second["shaky"]])
    report = alerts_run(db, story(), "r4", env=env)
    assert [m.key for m in report.messages] == [speaker_key("Someone")]
    assert [item.statement_id for item in report.messages[0].items] == [second["shaky"]]
    assert alerts_run(db, story(), "r5", env=env).n_new_statements == 0
    assert len(webhook.posts) == 3


# --- the file is free while a channel sends ------------------------------------------------------

OPEN_READ_ONLY = """
import sys, duckdb
with duckdb.connect(sys.argv[1], read_only=True) as con:
    print(con.execute("select count(*) from alerts where status = 'pending'").fetchone()[0])
"""


def test_an_analyst_can_open_the_warehouse_while_a_slow_webhook_answers(db: Path) -> None:
    """A webhook that takes 4 s to answer: meanwhile another process opens the file read-only
    (DuckDB refuses that while a writer holds it), and sees the alert pending, not lost."""
    day_one(db)
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")  # baseline set: one alert each
    reports: list[AlertRunReport] = []
    with WebhookReceiver(delay=4.0) as slow:
        stage = threading.Thread(target=lambda: reports.append(
            alerts_run(db, story(), "r1", env={"PRESSWATCH_WEBHOOK_URL": slow.url}, now=T0)))
        stage.start()
        assert slow.arrived.wait(60), "the alert stage never sent"
        analyst = subprocess.run([sys.executable, "-c", OPEN_READ_ONLY, str(db)],
                                 capture_output=True, text=True, timeout=60)
        still_sending = stage.is_alive()
        stage.join(120)
    assert analyst.returncode == 0, analyst.stderr[-2000:]
    assert still_sending, "the read-only open came after the send: nothing was shown"
    assert int(analyst.stdout) == 2  # the one in flight and the next, both still pending
    assert [o.status for o in reports[0].delivery.outcomes] == ["delivered", "delivered"]
    assert {row[2] for row in alert_rows(db)} == {"delivered"}


def test_a_weekly_digest_channel_gets_one_message_per_week_and_the_others_at_once(
    db: Path, webhook: WebhookReceiver, smtp: SmtpHandler
) -> None:
    env = {"PRESSWATCH_WEBHOOK_URL": webhook.url, **mail_env(smtp)}
    the_story = story(webhook=Webhook(digest="weekly"))  # email: the default, at once
    day_one(db)
    alerts_run(db, the_story, "r1", env=env, now=T0)  # the baseline goes out at once
    finish_run(db, "r1")
    assert len(webhook.posts) == 1 and len(smtp.mails) == 1

    second = day_two(db)  # Wednesday: the channel's first digest is due at once
    alerts_run(db, the_story, "r2", env=env, now=T0 + timedelta(days=1))
    finish_run(db, "r2")
    weekly = webhook.bodies()[-1]["presswatch"]
    assert (weekly["kind"], weekly["rule"]) == ("digest", "weekly")
    assert weekly["key"] == "digest:test:webhook:2024-W48"
    assert {i["statement_id"] for i in weekly["items"]} == {second["altman"], second["felix2"]}
    assert len(smtp.mails) == 3  # Sam Altman's introduction and Niko Felix's statement

    add_run(db, "r3", T0 + timedelta(days=2))  # Thursday: held for next week's digest
    thursday = add_statement(db, add_article(db, "r3", 4, T0 + timedelta(days=2)),
                             "Niko Felix", "We are reviewing the programme.",
                             seen_at=T0 + timedelta(days=2))
    alerts_run(db, the_story, "r3", env=env, now=T0 + timedelta(days=2))
    finish_run(db, "r3")
    assert len(webhook.posts) == 2 and len(smtp.mails) == 4
    statuses = sql(db, "select status from alerts where channel = 'webhook' and alert_key = ?",
                   [thursday])
    assert statuses == [("held",)]

    add_run(db, "r4", T0 + timedelta(days=6))  # Monday: a new week, its digest is due
    alerts_run(db, the_story, "r4", env=env, now=T0 + timedelta(days=6))
    next_week = webhook.bodies()[-1]["presswatch"]
    assert next_week["key"] == "digest:test:webhook:2024-W49"
    assert [i["statement_id"] for i in next_week["items"]] == [thursday]
    statuses = sql(db, "select status from alerts where channel = 'webhook' and alert_key = ?",
                   [thursday])
    assert statuses == [("digested",)]
    # the statement_alerts view (the report's alert column) names both: its own, retired, and
    # the digest that carried it
    assert sql(db, "select carried_by, status from statement_alerts where statement_id = ? "
                   "and channel = 'webhook' order by carried_by", [thursday]) == [
        ("digest", "delivered"), ("statement", "digested")]
    # nothing was sent twice, and nothing waits any more
    assert len(webhook.posts) == 3 and len({k for k in webhook.keys()}) == 3
    assert sql(db, "select count(*) from alerts where status in ('held', 'pending')") == [(0,)]


def test_digest_periods_are_utc_days_and_iso_weeks() -> None:
    from presswatch.alerts.rules import digest_due, digest_period

    sunday_night = datetime(2024, 12, 1, 23, 30, tzinfo=UTC)
    assert digest_period("weekly", sunday_night) == (datetime(2024, 11, 25, tzinfo=UTC),
                                                     "2024-W48")
    assert digest_period("daily", sunday_night)[1] == "2024-12-01"
    assert not digest_due("weekly", datetime(2024, 11, 25, 6, tzinfo=UTC), sunday_night)
    assert digest_due("weekly", datetime(2024, 11, 24, 6, tzinfo=UTC), sunday_night)
    assert digest_due("daily", datetime(2024, 11, 30, 23, tzinfo=UTC), sunday_night)
    assert digest_due("daily", None, sunday_night)


def test_a_role_that_is_the_speakers_name_is_not_repeated() -> None:
    unnamed = info("OpenAI spokesperson", "Participation is voluntary.",
                   role="OpenAI spokesperson")
    message = select_alerts([unnamed], context(Alerts()))[0]
    assert message.headline == "New statement from OpenAI spokesperson"
    assert render_text(message)[1].startswith("OpenAI spokesperson said:")


def test_a_stored_statement_known_only_as_reported_speech_goes_out_as_reported_speech(
    db: Path, webhook: WebhookReceiver
) -> None:
    add_run(db, "r0", T0 - timedelta(days=1), status="ok")
    add_run(db, "r1", T0)
    article = add_article(db, "r1", 1, T0)
    reported = add_statement(db, article, "PR Puppets", "the programme was art washing")
    quoted = add_statement(db, article, "Niko Felix", "Participation is voluntary.")
    sql(db, "update quotes set kind = 'indirect' where statement_id = ?", [reported])
    alerts_run(db, story(), "r1", env={"PRESSWATCH_WEBHOOK_URL": webhook.url}, now=T0)
    items = {item["statement_id"]: item for body in webhook.bodies()
             for item in body["presswatch"]["items"]}
    assert (items[reported]["direct"], items[quoted]["direct"]) == (False, True)
    sections = [block["text"]["text"] for body in webhook.bodies() for block in body["blocks"]
                if block["type"] == "section"]
    assert "PR Puppets said that the programme was art washing" in sections


# --- what a reader can do with an alert: open the report, one item per thing said -----------

BASE = "https://intranet.example/presswatch/sora-leak.report/"


def test_a_published_report_is_linked_with_each_statements_page():
    felix = info("Niko Felix", "Sora is still in research preview.", role="OpenAI spokesperson")
    (message,) = select_alerts([felix], context(Alerts(on="all"), report_url=BASE))
    page = BASE + statement_page(felix.statement_id)
    text = render_text(message)
    assert f"How it travelled: {page}" in text
    assert f"The report: {BASE}index.html" in text
    blocks = json.dumps(render_slack(message, "a1")["blocks"])
    assert f"<{page}|How it travelled>" in blocks and f"<{BASE}index.html|the report>" in blocks
    mail = render_email(message, "a1", "presswatch@example.org", ["comms@example.org"])
    html = mail.get_body(("html",)).get_content()
    assert f'<a href="{page}">' in html and f'<a href="{BASE}index.html">' in html
    # The payload keeps the links, so a digest made later from held alerts has them too.
    again = AlertMessage.from_payload(json.loads(json.dumps(message.to_payload())))
    assert again == message


def test_a_long_digest_sends_the_reader_to_the_report_not_to_the_warehouse():
    many = [info(f"Speaker {n}", f"Statement number {n} about the leak.") for n in range(15)]
    (digest,) = select_alerts(many, context(Alerts(on="all"), is_first_run=True, report_url=BASE))
    text = render_text(digest)
    assert f"... and 5 more: all of them are in the report: {BASE}index.html" in text
    assert not any("warehouse" in line for line in text)
    slack = json.dumps(render_slack(digest, "d1")["blocks"])
    assert "and 5 more: all of them are in" in slack and f"{BASE}index.html" in slack


def test_an_unpublished_report_is_named_where_the_run_wrote_it():
    many = [info(f"Speaker {n}", f"Statement number {n} about the leak.") for n in range(12)]
    where = "/srv/presswatch/sora-leak.report/index.html"
    (digest,) = select_alerts(many, context(Alerts(on="all"), is_first_run=True, report_path=where))
    text = render_text(digest)
    last = next(line for line in text if "more" in line)
    assert last.startswith("... and 2 more: all of them are in the report, written to " + where)
    assert "[report] base_url" in last
    assert not any("How it travelled" in line for line in text)  # no address to link


def test_the_page_a_link_names_is_the_page_the_report_writes():
    ids = ["0935f969c56647d4", "odd id/with spaces and é", "x" * 80]
    with duckdb.connect() as con:
        sql = (
            "select case when regexp_full_match(id, '[0-9A-Za-z_-]{1,64}') then id "
            "else left(md5(id), 16) end from (select unnest(?::varchar[]) as id)"
        )  # the rule of presswatch/warehouse/report_queries/statements.sql (statement_key)
        keys = [key for (key,) in con.execute(sql, [ids]).fetchall()]
    assert [statement_page(i) for i in ids] == [f"statement/{k}.html" for k in keys]


def test_near_identical_statements_are_one_item_with_its_versions():
    puppets = [
        info("PR Puppets", "the leak had been a last resort", n_outlets=2, is_direct=False),
        info("PR Puppets", "on Wednesday it had no plans to open access to Sora again",
             is_direct=False),
        info("PR Puppets", "We opened the door for three hours.", is_direct=True),
        info("PR Puppets", "it would not open access to Sora again", is_direct=False),
    ]
    (message,) = select_alerts(puppets, context(Alerts(on="all")))
    assert message.headline == "4 new statements from PR Puppets"
    assert [i.text for i in message.items] == [p.text for p in puppets[:3]]
    folded = message.items[1]
    assert folded.versions == ("that it would not open access to Sora again",)
    assert folded.version_ids == (puppets[3].statement_id,)
    text = render_text(message)
    assert "Nearly the same, also carried: that it would not open access to Sora again" in text


@pytest.mark.parametrize(("a", "b", "same"), [
    ("it would not open access to Sora again",
     "on Wednesday it had no plans to open access to Sora again", True),
    ("Participation is voluntary.", "Participation is voluntary, with no obligation.", True),
    ("Sora is still in research preview.", "Sora was shown in February.", False),
    ("We paused access.", "We are not against AI as a tool for art.", False),
])
def test_nearly_the_same(a, b, same):
    assert nearly_the_same(a, b) is same


def test_other_speakers_are_never_folded_together():
    said = "Participation is voluntary."
    items = [context(Alerts()).item(info(name, said)) for name in ("A", "B")]
    assert len(fold_versions(items)) == 2


def test_a_new_speakers_role_is_shown_when_any_statement_gives_it():
    takeda = [info("Jun Takeda", "The clips were fun.", is_new_speaker=True, n_outlets=2),
              info("Jun Takeda", "Nobody paid us.", is_new_speaker=True,
                   role="animator at Studio Kiln")]
    (message,) = select_alerts(takeda, context(Alerts(on="all")))
    assert message.headline == "New speaker: Jun Takeda (animator at Studio Kiln), 2 statements"
    assert all("Jun Takeda (animator at Studio Kiln) said" in line
               for line in render_text(message) if "Jun Takeda" in line and "said" in line)


def test_the_story_files_report_address_must_be_a_web_address(tmp_path):
    assert Report(base_url="https://intranet.example/sora").base_url == \
        "https://intranet.example/sora/"
    story = tmp_path / "s.toml"
    story.write_text('id = "s"\ntitle = "S"\nstart_date = 2024-11-26\n'
                     '[report]\nbase_url = "javascript:alert(1)"\n', encoding="utf-8")
    with pytest.raises(StoryError, match="base_url"):
        load_story(story)
