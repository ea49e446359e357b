"""Common Crawl's CC-NEWS: the WARC files of a month, from its published path list.

`<base>/crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz` lists one path per line, such as
`crawl-data/CC-NEWS/2024/11/CC-NEWS-20241126153012-01234.warc.gz`; the time in the name is when
the file was begun, so a file may hold pages fetched a little later. Each file is ~1 GB of
gzip-per-record WARC.
"""

from __future__ import annotations

import gzip
import re
from datetime import date, timedelta

from presswatch.archives.pages import ArchiveError, PoliteClient

CC_BASE = "https://data.commoncrawl.org"
_FILE_TIME = re.compile(r"CC-NEWS-(\d{8})\d{6}-\d+\.warc\.gz$")


def months(since: date, until: date) -> list[str]:
    """YYYY-MM of every month the range touches."""
    found, day = [], since.replace(day=1)
    while day <= until:
        found.append(f"{day:%Y-%m}")
        day = (day + timedelta(days=32)).replace(day=1)
    return found


def paths_url(base: str, month: str) -> str:
    year, number = month.split("-")
    return f"{base}/crawl-data/CC-NEWS/{year}/{number}/warc.paths.gz"


def parse_paths(body: bytes) -> list[str]:
    """The paths of a warc.paths.gz (gzip or already decompressed)."""
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return [line.strip() for line in body.decode("utf-8").splitlines() if line.strip()]


def in_range(path: str, since: date, until: date) -> bool:
    """Files begun from the day before the range (they run into it) to its last day."""
    match = _FILE_TIME.search(path)
    if match is None:
        return True  # an unusual name: read it rather than miss it
    day = date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
    return since - timedelta(days=1) <= day <= until


def month_files(client: PoliteClient, base: str, month: str, since: date, until: date
                ) -> list[str]:
    """URLs of the month's WARC files that may hold pages from the range."""
    answer = client.get(paths_url(base, month))
    if answer.status != 200:
        raise ArchiveError(f"CC-NEWS path list for {month} not available: HTTP "
                           f"{answer.status} from {paths_url(base, month)}")
    return [f"{base}/{path}" for path in parse_paths(answer.body) if in_range(path, since, until)]
