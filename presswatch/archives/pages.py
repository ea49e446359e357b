"""The record every archive reader yields, and the polite HTTP client they share."""

from __future__ import annotations

import gzip
import logging
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

log = logging.getLogger("presswatch.archives")

# Statuses worth waiting for: the archive is busy (429) or failing for now (5xx).
TRANSIENT = frozenset({429, 500, 502, 503, 504})


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


@dataclass
class HttpAnswer:
    status: int
    body: bytes
    content_type: str | None


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"').strip()
    return None


@dataclass
class PoliteClient:
    """HTTP GET with one request at a time per host, a minimum delay between them, and backoff
    on 429 and 5xx (Retry-After when the server gives one). The archives ask for this."""

    user_agent: str
    delay_s: float = 1.0
    retries: int = 4
    backoff_s: float = 2.0
    max_backoff_s: float = 120.0
    timeout_s: float = 60.0
    max_bytes: int = 50 * 2**20  # a larger answer is refused, not read into memory
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _last: dict[str, float] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _host_lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def get(self, url: str, refused: Callable[[str], str | None] | None = None) -> HttpAnswer:
        """The answer to a GET, retried on transient statuses; other statuses are returned.
        `refused`, if given, judges every redirect's target too (403 when it refuses)."""
        host = urlsplit(url).netloc
        for attempt in range(self.retries + 1):
            with self._host_lock(host):
                wait = self._last.get(host, 0.0) + self.delay_s - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    answer, retry_after = self._fetch(url, refused)
                finally:
                    self._last[host] = time.monotonic()
            if answer.status not in TRANSIENT:
                return answer
            if attempt == self.retries:
                break
            pause = retry_after if retry_after is not None else self.backoff_s * 2 ** attempt
            time.sleep(min(pause, self.max_backoff_s))
        raise ArchiveError(f"{url}: HTTP {answer.status} after {self.retries + 1} attempts "
                           f"({answer.body[:200]!r}); try again later or lower the rate")

    def _fetch(self, url: str, refused: Callable[[str], str | None] | None
               ) -> tuple[HttpAnswer, float | None]:
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                       "Accept-Encoding": "gzip"})
        opener = urllib.request.build_opener(_CheckedRedirects(refused))
        try:
            with opener.open(request, timeout=self.timeout_s) as response:
                body = response.read(self.max_bytes + 1)
                if len(body) > self.max_bytes:
                    return HttpAnswer(413, f"larger than {self.max_bytes} bytes".encode(),
                                      None), None
                return HttpAnswer(response.status, _decoded(body, response.headers),
                                  response.headers.get("Content-Type")), None
        except urllib.error.HTTPError as exc:
            body = _decoded(exc.read(), exc.headers)
            return (HttpAnswer(exc.code, body, exc.headers.get("Content-Type")),
                    _retry_after(exc.headers.get("Retry-After")))
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            # A dropped connection is as transient as a 503.
            return HttpAnswer(503, str(exc).encode(), None), None


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only where the guard allows: a public page must not bounce the
    backfill into a private address."""

    def __init__(self, refused: Callable[[str], str | None] | None) -> None:
        self.refused = refused

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        reason = self.refused(newurl) if self.refused is not None else None
        if reason is not None:
            raise urllib.error.HTTPError(newurl, 403, f"redirect refused: {reason}", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _decoded(body: bytes, headers) -> bytes:
    if (headers.get("Content-Encoding") or "").lower() == "gzip":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            return body
    return body


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class PageRef:
    """A page to fetch: where its bytes are (an archive's raw copy, or the page itself), the
    URL it was published at, and when the archive captured it (None: now)."""

    fetch_url: str
    url: str
    captured_at: datetime | None = None


def fetch_pages(client: PoliteClient, refs: list[PageRef], source: str,
                refused: Callable[[str], str | None]) -> Iterator[ArchivedPage]:
    """Each page that answers 200, one request at a time per host; a page that fails after
    the client's retries is skipped (it is one page of many, and the log says which), and so
    is one whose URL `refused` gives a reason for (a private address from a URL list)."""
    for ref in refs:
        reason = refused(ref.fetch_url)
        if reason is not None:
            log.warning("skipped %s: %s", ref.url, reason)
            continue
        try:
            answer = client.get(ref.fetch_url, refused)
        except ArchiveError as exc:
            log.warning("skipped %s: %s", ref.url, exc)
            continue
        if answer.status != 200:
            continue
        yield ArchivedPage(url=ref.url, captured_at=ref.captured_at or datetime.now(UTC),
                           body=answer.body, content_type=answer.content_type,
                           charset=charset_of(answer.content_type), source=source)


def read_url_list(text: str) -> list[str]:
    """A plain URL list: one per line; blank lines and # comments are skipped."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
