"""The Wayback Machine: captures of an outlet's pages from the CDX API, then each page raw.

The CDX server (wayback-cdx-server's documented API) answers a query such as
`?url=example.com&matchType=domain&from=20241126&to=20241203&output=json` with one capture per
row. JSON output is a list of rows whose first row names the fields; text output is one capture
per line, fields separated by spaces, in the order `fl` asked for (default: urlkey timestamp
original mimetype statuscode digest length). With `showResumeKey=true` a page of results ends
with an empty row (JSON `[]`, text a blank line) and then the key that resumes the query. An
empty answer is `[]` or an empty body. The raw page is `<wayback>/web/<timestamp>id_/<original>`:
`id_` asks for the bytes as archived, without the Wayback toolbar or rewritten links.

The servers' bad days, as the Internet Archive and its users describe them: about 24-30
requests a minute at most, then 429 without Retry-After, and a client that keeps asking
through 429s for over a minute is firewalled for an hour (doubling each time); a domain-wide
query over a long range times out with 504. So: one request every 3 s (20 a minute), at least
60 s after a 429, month-sized windows halved on a 504, pages of 500 rows, and the hosts asked
are the outlets' own (never an aggregator's or a feed host's); a host that fails is skipped
and reported, the others go on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from presswatch.addresses import AddressPolicy
from presswatch.archives.pages import ArchiveError, PageRef
from presswatch.http_client import TRANSIENT, FetchError, HttpClient, RetryPolicy
from presswatch.story import Story

log = logging.getLogger("presswatch.archives")

DEFAULT_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest",
                  "length")
FIELDS = ("timestamp", "original", "mimetype", "statuscode", "digest")
PAGE_SIZE = 500  # rows per request: small pages answer fast
MIN_INTERVAL_S = 3.0  # 20 requests a minute, under the servers' 24-30
THROTTLE_BACKOFF_S = 60.0  # after a 429, which comes without Retry-After
SMALLEST_WINDOW = timedelta(days=1)  # a 504 halves the window down to this
# Hosts that carry other outlets' news, not their own: asking the archive about them gives
# search pages and redirects, never the story's articles.
AGGREGATORS = ("google.com", "bing.com", "yahoo.com", "msn.com", "feedburner.com",
               "feedly.com", "flipboard.com", "newsnow.co.uk", "apple.news")


@dataclass(frozen=True)
class Capture:
    timestamp: str  # YYYYMMDDhhmmss, UTC
    original: str
    mimetype: str
    statuscode: str
    digest: str

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp[:14].ljust(14, "0"),
                                 "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def query_url(cdx_base: str, host: str, since: date, until: date, *, output: str = "json",
              resume_key: str | None = None, limit: int = PAGE_SIZE) -> str:
    """One page of the query for an outlet's HTML captures with status 200 in a date range."""
    params = [
        ("url", host), ("matchType", "domain"), ("from", f"{since:%Y%m%d}"),
        ("to", f"{until:%Y%m%d}235959"), ("filter", "statuscode:200"),
        ("filter", "mimetype:text/html"), ("collapse", "digest"), ("fl", ",".join(FIELDS)),
        ("limit", str(limit)), ("showResumeKey", "true"),
    ]
    if output == "json":
        params.append(("output", "json"))
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{cdx_base}?{urlencode(params)}"


def parse_cdx(body: bytes, *, fields: tuple[str, ...] = FIELDS
              ) -> tuple[list[Capture], str | None]:
    """(captures, resume key or None) from a JSON or a text answer.

    JSON names its fields in its first row; text does not, so `fields` is the order the query
    asked for (DEFAULT_FIELDS when it gave no `fl`).
    """
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return [], None
    if text.startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ArchiveError(f"CDX answer is not valid JSON: {exc}: {text[:200]!r}") from exc
        if not rows:
            return [], None
        names, data = tuple(rows[0]), rows[1:]
    else:
        names = fields
        data = [line.split(" ") if line else [] for line in text.split("\n")]
    resume = None
    if len(data) >= 2 and data[-2] == []:
        resume, data = " ".join(data[-1]), data[:-2]
    missing = [f for f in FIELDS if f not in names]
    if missing:
        raise ArchiveError(f"CDX answer lacks the fields {missing} (it has {list(names)})")
    index = {name: i for i, name in enumerate(names)}
    captures = [
        Capture(**{f: row[index[f]] for f in FIELDS})
        for row in data if len(row) == len(names)
    ]
    return captures, resume


def api_client(user_agent: str, policy: AddressPolicy | None = None, *,
               interval_s: float = MIN_INTERVAL_S, backoff_s: float = 5.0,
               throttle_backoff_s: float = THROTTLE_BACKOFF_S) -> HttpClient:
    """The client the CDX server asks for: 20 requests a minute, a minute's wait after a 429
    (then doubling), a minute-long timeout. A 504 is not asked again as it was: the query
    was too wide, and list_captures halves it instead."""
    return HttpClient(user_agent, policy or AddressPolicy(), timeout_s=60,
                      min_interval_s=interval_s,
                      retry=RetryPolicy(retries=3, backoff_s=backoff_s,
                                        throttle_floor_s=throttle_backoff_s,
                                        max_wait_s=max(600.0, 4 * throttle_backoff_s),
                                        statuses=TRANSIENT - {504}))


def is_aggregator(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == a or host.endswith("." + a) for a in AGGREGATORS)


def outlet_hosts(story: Story, page_urls: Iterable[str] = ()) -> list[str]:
    """The hosts to ask the Wayback Machine about: the story's [[outlets]] hosts and the hosts
    of the pages it has stored, never a feed's own host (feeds.example.com) or an
    aggregator's (news.google.com, bing.com)."""
    hosts = {o.host.strip().lower() for o in story.outlets if o.host}
    for url in page_urls:
        try:
            hosts.add((urlsplit(url).hostname or "").lower())
        except ValueError:
            continue
    return sorted({h.removeprefix("www.") for h in hosts if h and not is_aggregator(h)})


def month_windows(since: date, until: date) -> list[tuple[date, date]]:
    """[first, last] day pairs, one per calendar month the range touches."""
    found, start = [], since
    while start <= until:
        next_month = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = min(until, next_month - timedelta(days=1))
        found.append((start, end))
        start = end + timedelta(days=1)
    return found


class _TimedOut(ArchiveError):
    """The CDX server gave up on the query (504): a narrower window may answer."""


def _window_captures(client: HttpClient, cdx_base: str, host: str, since: date, until: date,
                     captures: dict[str, Capture]) -> None:
    resume = None
    while True:
        url = query_url(cdx_base, host, since, until, resume_key=resume)
        try:
            answer = client.get(url)
        except FetchError as exc:
            raise ArchiveError(f"CDX query for {host}: {exc}") from exc
        if answer.status == 504:
            raise _TimedOut(f"CDX query for {host} {since} to {until} timed out (HTTP 504)")
        if answer.status != 200:
            raise ArchiveError(f"CDX query for {host} failed: HTTP {answer.status}: "
                               f"{answer.excerpt(300)}")
        page, resume = parse_cdx(answer.body)
        for capture in page:
            captures.setdefault(capture.original, capture)
        if not resume:
            return


def _split_on_timeout(client: HttpClient, cdx_base: str, host: str, since: date, until: date,
                      captures: dict[str, Capture]) -> None:
    try:
        _window_captures(client, cdx_base, host, since, until, captures)
    except _TimedOut:
        if until - since < SMALLEST_WINDOW:
            raise
        middle = since + (until - since) / 2
        log.info("CDX timed out on %s %s to %s: asking in two halves", host, since, until)
        _split_on_timeout(client, cdx_base, host, since, middle, captures)
        _split_on_timeout(client, cdx_base, host, middle + timedelta(days=1), until, captures)


def list_captures(client: HttpClient, cdx_base: str, host: str, since: date, until: date
                  ) -> list[Capture]:
    """Every distinct capture of the host's HTML pages in the range, month by month and page
    by page (a window the server times out on is halved); the same URL captured again keeps
    its first capture (the earliest is nearest publication). ArchiveError if the host fails."""
    captures: dict[str, Capture] = {}
    for start, end in month_windows(since, until):
        _split_on_timeout(client, cdx_base, host, start, end, captures)
    return sorted(captures.values(), key=lambda c: (c.timestamp, c.original))


@dataclass
class HostsListing:
    """Captures of every host that answered, and the hosts that failed, with why."""

    captures: list[Capture] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def list_hosts(client: HttpClient, cdx_base: str, hosts: Iterable[str], since: date,
               until: date) -> HostsListing:
    """list_captures for each host; one that fails is skipped and reported, not the plan."""
    listing = HostsListing()
    for host in hosts:
        try:
            listing.captures += list_captures(client, cdx_base, host, since, until)
        except ArchiveError as exc:
            log.warning("Wayback: skipped %s: %s", host, exc)
            listing.failed[host] = str(exc)
    return listing


def raw_url(wayback_base: str, capture: Capture) -> str:
    return f"{wayback_base}/web/{capture.timestamp}id_/{capture.original}"


def page_refs(wayback_base: str, captures: list[Capture]) -> list[PageRef]:
    """What to fetch for each capture: its raw copy, under the URL it was published at."""
    return [PageRef(raw_url(wayback_base, c), c.original, c.captured_at) for c in captures]
