"""No secret in an error that is printed or stored (alerts.last_error, story check), and no
password sent in clear (issue 26, item 8)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from receivers import SmtpHandler, WebhookReceiver, smtp_controller

from presswatch.alerts.channels import (
    AlertConfigError,
    DeliveryError,
    EmailChannel,
    EmailSettings,
    WebhookChannel,
    check_webhook_url,
)
from presswatch.alerts.messages import AlertMessage, sample_alert
from presswatch.story import Alerts, Feed, Story, Webhook, story_problems

TOKEN = "XyZ123secretTOKEN456"


def _message() -> AlertMessage:
    return sample_alert("s", "A story", datetime(2024, 11, 26, tzinfo=UTC))


def test_a_webhook_error_that_echoes_the_url_stores_only_its_host():
    hook = WebhookReceiver(path=f"/services/T0/B0/{TOKEN}")
    hook.echo_path_next = 1
    with hook, pytest.raises(DeliveryError) as caught:
        WebhookChannel(hook.url, timeout=5).send(_message(), "alert-1")
    error = str(caught.value)
    assert "HTTP 404" in error and "127.0.0.1" in error
    assert TOKEN not in error and "B0" not in error


@pytest.mark.parametrize("url", [
    f"https://hooks.example/services/T0/B0/{TOKEN} ",
    f"https://hooks.example/services/T0/B0/{TOKEN[:8]} {TOKEN[8:]}",
    f"https://hooks.example/services/T0/B0/{TOKEN}\t",
    f"ftp://user:{TOKEN}@hooks.example/x",
])
def test_a_webhook_url_with_a_space_is_refused_naming_only_its_host(url):
    with pytest.raises(AlertConfigError) as caught:
        check_webhook_url(url, "alerts.webhook.url")
    assert "hooks.example" in str(caught.value)
    assert TOKEN[:8] not in str(caught.value) and TOKEN[8:] not in str(caught.value)


def test_story_check_names_a_bad_url_without_its_secrets():
    story = Story(
        id="s", title="A story", start_date=date(2024, 11, 26),
        feeds=[Feed(url=f"https://reader:{TOKEN}@feeds.example/rss?api_key={TOKEN} x")],
        alerts=Alerts(webhook=Webhook(url=f"https://hooks.example/services/{TOKEN} ")),
    )
    problems = [p.describe("story.toml") for p in story_problems(story)]
    text = "\n".join(problems)
    assert "feeds[0].url" in text and "alerts.webhook.url" in text
    assert "feeds.example/rss" in text and "hooks.example" in text
    assert TOKEN not in text and "reader" not in text


def _mail(**fields: object) -> EmailSettings:
    return EmailSettings(**{"host": "127.0.0.1", "port": 25, "starttls": False,
                            "username": "alerts", "password": TOKEN,
                            "sender": "a@example.org", "recipients": ("b@example.org",),
                            **fields})


def test_a_login_without_tls_is_refused_before_anything_is_sent():
    with pytest.raises(AlertConfigError, match="insecure_login") as caught:
        _mail()
    assert TOKEN not in str(caught.value)
    _mail(starttls=True)
    _mail(username=None, password=None)  # a relay without login needs no TLS


def test_an_explicit_insecure_login_is_sent_to_a_local_relay():
    handler = SmtpHandler()
    controller = smtp_controller(handler, password=TOKEN.encode())
    controller.start()
    try:
        EmailChannel(_mail(port=controller.port, insecure_login=True), timeout=10).send(
            _message(), "alert-1")
    finally:
        controller.stop()
    assert len(handler.mails) == 1


def test_the_insecure_login_is_the_users_explicit_choice_in_story_or_environment():
    from presswatch.alerts.settings import channel_settings
    from presswatch.story import Email

    mail = Email(host="127.0.0.1", starttls=False, username="alerts", sender="a@example.org",
                 recipients=["b@example.org"])
    env = {"PRESSWATCH_SMTP_PASSWORD": TOKEN}
    with pytest.raises(AlertConfigError, match="in clear") as caught:
        channel_settings(Alerts(email=mail), env)
    assert TOKEN not in str(caught.value)
    assert channel_settings(Alerts(email=mail), {**env, "PRESSWATCH_SMTP_INSECURE_LOGIN": "1"})
    trusted = mail.model_copy(update={"insecure_login": True})
    assert channel_settings(Alerts(email=trusted), env).email.insecure_login
