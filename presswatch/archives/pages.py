"""The record every archive reader yields, and fetching pages through the guarded client."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from presswatch.addresses import AddressPolicy
from presswatch.http_client import FetchError, HttpClient, RetryPolicy

log = logging.getLogger("presswatch.archives")

MAX_PAGE_BYTES = 10 * 2**20  # a news page larger than this once decoded is not a news page


@dataclass
class ArchivedPage:
    """One archived capture of a page: what was served, when, and where it was read from."""

    url: str
    captured_at: datetime
    body: bytes
    status: int = 200
    content_type: str | None = None
    charset: str | None = None
    source: str = ""  # the WARC file, "wayback:<host>", "gdelt", or the URL list


class ArchiveError(RuntimeError):
    """An archive answered with an error that retrying did not fix; the message names the URL
    and the answer."""


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"').strip()
    return None


def page_client(user_agent: str, policy: AddressPolicy | None = None, *,
                interval_s: float = 1.0, max_bytes: int = MAX_PAGE_BYTES) -> HttpClient:
    """The client for archived and listed pages: one request at a time per host,
    `interval_s` apart, retries on 429 and 5xx, pages capped once decoded."""
    return HttpClient(user_agent, policy or AddressPolicy(), timeout_s=60, deadline_s=300,
                      max_bytes=max_bytes, min_interval_s=interval_s,
                      retry=RetryPolicy(retries=4, backoff_s=2.0, max_wait_s=120.0))


@dataclass(frozen=True)
class PageRef:
    """A page to fetch: where its bytes are (an archive's raw copy, or the page itself), the
    URL it was published at, and when the archive captured it (None: now)."""

    fetch_url: str
    url: str
    captured_at: datetime | None = None


def fetch_pages(client: HttpClient, refs: list[PageRef], source: str
                ) -> Iterator[ArchivedPage]:
    """Each page that answers 200; a page the client refuses (a private address from a URL
    list, or a redirect into one), cannot fetch after its retries, or finds too large is
    skipped: it is one page of many, and the log says which and why."""
    for ref in refs:
        try:
            answer = client.get(ref.fetch_url)
        except FetchError as exc:
            log.warning("skipped %s: %s", ref.url, exc)
            continue
        if answer.status != 200:
            log.info("skipped %s: HTTP %d", ref.url, answer.status)
            continue
        yield ArchivedPage(url=ref.url, captured_at=ref.captured_at or datetime.now(UTC),
                           body=answer.body, content_type=answer.content_type,
                           charset=charset_of(answer.content_type), source=source)


def read_url_list(text: str) -> list[str]:
    """A plain URL list: one per line; blank lines and # comments are skipped."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
