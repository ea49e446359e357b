"""GDELT's DOC 2.0 API as a daily discovery source: each run asks each of the story's queries
for the articles GDELT saw since the last run, and hands them to the crawl like a feed's.

The window's end is kept as the source's state (SourceResult.last_modified, an ISO time), so
the next run starts where this one stopped; a query that failed keeps no state and its window
is asked again. GDELT guarantees only about three months back: a first run starts at the
story's start date or three months ago, whichever is later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from presswatch.addresses import AddressPolicy
from presswatch.archives import gdelt
from presswatch.archives.pages import ArchiveError
from presswatch.http_client import HttpClient
from presswatch.records import Candidate, SourceResult
from presswatch.story import Gdelt

KIND = "gdelt"
GUARANTEED_DAYS = 90
DOC_API = "https://api.gdeltproject.org/api/v2/doc/doc"


def source_url(api_base: str, query: str) -> str:
    """The source's identity: the API and the query, without the window that changes."""
    return f"{api_base}?{urlencode({'query': query, 'mode': 'artlist'})}"


def window_start(last_end: str | None, start_date: date, until: datetime) -> datetime:
    """Where this run's window begins: the last window's end, else the story's start, never
    more than GUARANTEED_DAYS back."""
    oldest = until - timedelta(days=GUARANTEED_DAYS)
    if last_end:
        try:
            since = datetime.fromisoformat(last_end)
        except ValueError:
            since = None
        if since is not None and since.tzinfo is not None:
            return max(min(since, until), oldest)
    return max(datetime.combine(start_date, datetime.min.time(), UTC), oldest)


def gdelt_sources(queries: list[Gdelt], *, client: HttpClient, api_base: str,
                  start_date: date, until: datetime,
                  last_ends: dict[str, str | None],
                  canonical: Callable[[str], str | None]) -> list[SourceResult]:
    """One SourceResult per query: its candidates (canonical URLs, `canonical` returning None
    for unusable ones), or the error that stopped it. last_ends maps each source_url to the
    end of the window its last good run asked for."""
    results = []
    for entry in queries:
        url = source_url(api_base, entry.query)
        problem = gdelt.query_problem(entry.query)
        if problem is not None:
            results.append(SourceResult(url, KIND, entry.name, None,
                                        error=f"GDELT query {entry.query!r}: {problem}"))
            continue
        since = window_start(last_ends.get(url), start_date, until)
        try:
            articles = gdelt.list_articles(client, api_base, entry.query, since, until)
        except ArchiveError as exc:
            results.append(SourceResult(url, KIND, entry.name, None, error=str(exc)))
            continue
        candidates: dict[str, Candidate] = {}
        for article in articles:
            found = canonical(article.url)
            if found is not None:
                candidates.setdefault(found, Candidate(found, url, article.title,
                                                       article.seen_at))
        results.append(SourceResult(url, KIND, entry.name, 200, list(candidates.values()),
                                    last_modified=until.astimezone(UTC).isoformat()))
    return results


def daily_client(user_agent: str, api_base: str, policy: AddressPolicy) -> HttpClient:
    """The guarded client for GDELT: at its own pace (one call every 5 s, a long wait after a
    throttle notice) on the real API; a mirror or a replica is asked as fast as it answers."""
    if api_base == DOC_API:
        return gdelt.api_client(user_agent, policy)
    return gdelt.api_client(user_agent, policy, interval_s=0.0, throttle_backoff_s=0.0)
