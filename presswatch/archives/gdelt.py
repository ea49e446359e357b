"""GDELT's DOC 2.0 API: the articles it saw for a query, window by window, then the pages.

`mode=artlist&format=json` answers `{"articles": [{"url", "url_mobile", "title", "seendate",
"socialimage", "domain", "language", "sourcecountry"}, ...]}`, at most `maxrecords` (250) per
query, `seendate` as YYYYMMDDTHHMMSSZ. No match is `{}`. A refused query (too short a keyword,
too many requests) is a plain-text sentence, often with status 200, so the body is checked, not
only the status. A full window may hide more articles, so it is split in two until each half
holds fewer than the maximum.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from presswatch.archives.pages import ArchiveError, PoliteClient

MAX_RECORDS = 250
MIN_INTERVAL_S = 5.0  # GDELT asks for at most one DOC API request every 5 seconds
SMALLEST_WINDOW = timedelta(minutes=15)
MIN_KEYWORD = 3  # GDELT refuses shorter keywords (with HTTP 200 and a sentence)
_PHRASE = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class GdeltArticle:
    url: str
    title: str | None
    seen_at: datetime
    domain: str | None
    language: str | None


def query_problem(query: str) -> str | None:
    """What GDELT would refuse in this query, with how to write it, or None.

    GDELT answers a quoted single word ('"Sora" leak') and a keyword under 3 letters
    ('PR Puppets') with HTTP 200 and an English sentence instead of articles."""
    for phrase in _PHRASE.findall(query):
        if len(phrase.split()) < 2:
            return (f'"{phrase}" is a quoted single word, which GDELT refuses: quote only '
                    f"phrases of two words or more, and write {phrase.strip()} unquoted")
    for word in _PHRASE.sub(" ", query).split():
        keyword = word.strip("()").lstrip("-")
        if keyword.upper() in ("OR", "AND") or ":" in keyword or not keyword:
            continue
        if len(keyword) < MIN_KEYWORD:
            return (f"{keyword!r} is shorter than {MIN_KEYWORD} letters, which GDELT refuses: "
                    "leave it out, or keep it inside a quoted phrase with the words around "
                    'it (e.g. "PR Puppets")')
    return None


def windows(since: datetime, until: datetime, step: timedelta) -> Iterator[tuple[datetime,
                                                                                  datetime]]:
    """[start, end) windows covering the range."""
    start = since
    while start < until:
        end = min(start + step, until)
        yield start, end
        start = end


def artlist_url(api_base: str, query: str, start: datetime, end: datetime) -> str:
    params = {
        "query": query, "mode": "artlist", "format": "json", "maxrecords": str(MAX_RECORDS),
        "sort": "dateasc", "startdatetime": f"{start:%Y%m%d%H%M%S}",
        "enddatetime": f"{end:%Y%m%d%H%M%S}",
    }
    return f"{api_base}?{urlencode(params)}"


def parse_artlist(body: bytes) -> list[GdeltArticle]:
    """The articles of one artlist answer; ArchiveError with GDELT's own words on a refusal."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArchiveError(f"GDELT refused the query: {text[:300]}") from exc
    if not isinstance(data, dict):
        raise ArchiveError(f"GDELT answer is not an artlist object: {text[:200]!r}")
    articles = []
    for row in data.get("articles") or []:
        if not row.get("url"):
            continue
        seen = datetime.strptime(row["seendate"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        articles.append(GdeltArticle(row["url"], row.get("title") or None, seen,
                                     row.get("domain") or None, row.get("language") or None))
    return articles


def list_articles(client: PoliteClient, api_base: str, query: str, start: datetime,
                  end: datetime) -> list[GdeltArticle]:
    """Every article of one window, splitting the window while GDELT's answer is full."""
    answer = client.get(artlist_url(api_base, query, start, end))
    if answer.status != 200:
        raise ArchiveError(f"GDELT query {query!r} {start:%Y-%m-%d %H:%M} to "
                           f"{end:%Y-%m-%d %H:%M} failed: HTTP {answer.status}: "
                           f"{answer.body[:300].decode('utf-8', 'replace')}")
    found = parse_artlist(answer.body)
    if len(found) < MAX_RECORDS or end - start <= SMALLEST_WINDOW:
        return found
    middle = start + (end - start) / 2
    return (list_articles(client, api_base, query, start, middle)
            + list_articles(client, api_base, query, middle, end))
