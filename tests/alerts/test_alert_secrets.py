"""No secret in an error that is printed or stored (alerts.last_error, story check), and no
password sent in clear (issue 26, item 8)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from receivers import WebhookReceiver

from presswatch.alerts.channels import (
    AlertConfigError,
    DeliveryError,
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
