"""The Wayback Machine: captures of an outlet's pages from the CDX API, then each page raw.

The CDX server (wayback-cdx-server's documented API) answers a query such as
`?url=example.com&matchType=domain&from=20241126&to=20241203&output=json` with one capture per
row. JSON output is a list of rows whose first row names the fields; text output is one capture
per line, fields separated by spaces, in the order `fl` asked for (default: urlkey timestamp
original mimetype statuscode digest length). With `showResumeKey=true` a page of results ends
with an empty row (JSON `[]`, text a blank line) and then the key that resumes the query. An
empty answer is `[]` or an empty body. The raw page is `<wayback>/web/<timestamp>id_/<original>`:
`id_` asks for the bytes as archived, without the Wayback toolbar or rewritten links.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from presswatch.archives.pages import ArchiveError, PageRef, PoliteClient

DEFAULT_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest",
                  "length")
FIELDS = ("timestamp", "original", "mimetype", "statuscode", "digest")
PAGE_SIZE = 5000


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


def list_captures(client: PoliteClient, cdx_base: str, host: str, since: date, until: date
                  ) -> list[Capture]:
    """Every distinct capture of the host's HTML pages in the range, page after page; the same
    URL captured again keeps its first capture (the earliest is nearest publication)."""
    captures: dict[str, Capture] = {}
    resume = None
    while True:
        url = query_url(cdx_base, host, since, until, resume_key=resume)
        answer = client.get(url)
        if answer.status != 200:
            raise ArchiveError(f"CDX query for {host} failed: HTTP {answer.status}: "
                               f"{answer.body[:300].decode('utf-8', 'replace')}")
        page, resume = parse_cdx(answer.body)
        for capture in page:
            captures.setdefault(capture.original, capture)
        if not resume:
            return sorted(captures.values(), key=lambda c: (c.timestamp, c.original))


def raw_url(wayback_base: str, capture: Capture) -> str:
    return f"{wayback_base}/web/{capture.timestamp}id_/{capture.original}"


def page_refs(wayback_base: str, captures: list[Capture]) -> list[PageRef]:
    """What to fetch for each capture: its raw copy, under the URL it was published at."""
    return [PageRef(raw_url(wayback_base, c), c.original, c.captured_at) for c in captures]
