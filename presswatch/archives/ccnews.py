"""Common Crawl's CC-NEWS: the WARC files of a month, from its published path list.

`<base>/crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz` lists one path per line, such as
`crawl-data/CC-NEWS/2024/11/CC-NEWS-20241126153012-01234.warc.gz`; the time in the name is when
the file was begun, so a file may hold pages fetched a little later. Each file is ~1 GB of
gzip-per-record WARC. The crawler fetches news a day or two after it is published, so the
files read for a range run from the day before it to 2 days past its end.

Common Crawl answers "503 Slow Down" in busy periods and asks clients to retry with backoff:
api_client waits 5 s, then 10, 20, ... (up to 6 tries), and a download cut part-way resumes
where it stopped (presswatch/http_client.py).
"""

from __future__ import annotations

import gzip
import re
from datetime import date, timedelta

from presswatch.addresses import AddressPolicy
from presswatch.archives.pages import ArchiveError
from presswatch.http_client import FetchError, HttpClient, RetryPolicy

CC_BASE = "https://data.commoncrawl.org"
DAYS_BEFORE = timedelta(days=1)  # a file begun the day before may run into the range
DAYS_AFTER = timedelta(days=2)  # news is fetched a day or two after it is published
_FILE_TIME = re.compile(r"CC-NEWS-(\d{8})\d{6}-\d+\.warc\.gz$")


def api_client(user_agent: str, policy: AddressPolicy | None = None, *,
               interval_s: float = 1.0, backoff_s: float = 5.0) -> HttpClient:
    """Common Crawl's polite client: a request a second, retries on 503 Slow Down and dropped
    connections with doubling waits, long downloads resumed where they broke off."""
    return HttpClient(user_agent, policy or AddressPolicy(), timeout_s=120, deadline_s=600,
                      min_interval_s=interval_s,
                      retry=RetryPolicy(retries=5, backoff_s=backoff_s, max_wait_s=300.0))


def months(since: date, until: date) -> list[str]:
    """YYYY-MM of every month whose files may hold the range (to 2 days past its end)."""
    found, day = [], since.replace(day=1)
    while day <= until + DAYS_AFTER:
        found.append(f"{day:%Y-%m}")
        day = (day + timedelta(days=32)).replace(day=1)
    return found


def months_to_read(asked: list[str], until: date) -> list[str]:
    """The months asked for, and the next one when the 2 days after `until` fall in it (the
    files that hold the range's last days are listed there)."""
    if f"{until:%Y-%m}" not in asked:
        return list(asked)
    return list(dict.fromkeys([*asked, *months(until, until)]))


def paths_url(base: str, month: str) -> str:
    year, number = month.split("-")
    return f"{base}/crawl-data/CC-NEWS/{year}/{number}/warc.paths.gz"


def parse_paths(body: bytes) -> list[str]:
    """The paths of a warc.paths.gz (gzip or already decompressed)."""
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return [line.strip() for line in body.decode("utf-8").splitlines() if line.strip()]


def in_range(path: str, since: date, until: date) -> bool:
    """Files begun from the day before the range (they run into it) to 2 days past its end
    (the crawler fetches news a day or two after publication)."""
    match = _FILE_TIME.search(path)
    if match is None:
        return True  # an unusual name: read it rather than miss it
    day = date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
    return since - DAYS_BEFORE <= day <= until + DAYS_AFTER


def month_files(client: HttpClient, base: str, month: str, since: date, until: date
                ) -> list[str]:
    """URLs of the month's WARC files that may hold pages from the range."""
    try:
        answer = client.get(paths_url(base, month))
    except FetchError as exc:
        raise ArchiveError(f"CC-NEWS path list for {month}: {exc}") from exc
    if answer.status != 200:
        raise ArchiveError(f"CC-NEWS path list for {month} not available: HTTP "
                           f"{answer.status} from {paths_url(base, month)}: "
                           f"{answer.excerpt()}")
    return [f"{base}/{path}" for path in parse_paths(answer.body) if in_range(path, since, until)]
