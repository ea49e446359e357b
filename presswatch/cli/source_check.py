"""`presswatch story check --sources`, the services' part: one small question to each service
a story or a backfill uses (GDELT, the Wayback CDX server, the CC-NEWS path list) and, for
each feed, what robots.txt says of it, in plain words: what works, what robots.txt forbids
(the very line) and what to do. A handful of requests, through the same guards as a run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from presswatch.archives import ccnews, cdx, gdelt
from presswatch.archives.gdelt_daily import DOC_API
from presswatch.archives.pages import ArchiveError
from presswatch.http_client import FetchError, HttpClient
from presswatch.spiders.probe import Fetcher, robots_verdict
from presswatch.spiders.urls import is_google_news_url

GOOGLE_TODO = ("to use it anyway, set ignore_robots = true on this feed; Google then answers "
               "429 after about 15 requests and blocks for up to an hour (docs/live-web.md)")


@dataclass(frozen=True)
class ServiceEndpoints:
    """Where the services answer: the live ones unless a mirror or a test says otherwise."""

    gdelt: str = DOC_API
    cdx: str = "https://web.archive.org/cdx/search/cdx"
    ccnews: str = ccnews.CC_BASE


@dataclass(frozen=True)
class Answer:
    """What one service said: "works", "not used", "forbidden" or "fails"; why; what to do."""

    service: str
    what: str
    verdict: str
    detail: str
    todo: str = ""

    @property
    def failed(self) -> bool:
        return self.verdict in ("fails", "forbidden")

    def lines(self) -> list[str]:
        said = [f"{self.service}  {self.what}", f"  {self.verdict.upper()}: {self.detail}"]
        return said + ([f"  what to do: {self.todo}"] if self.todo else [])


def robots_answer(fetcher: Fetcher, url: str, name: str | None, *, kind: str,
                  ignore_robots: bool) -> Answer | None:
    """Why a source will not be read (robots.txt forbids it, Google News without the opt-in),
    or None when it will be."""
    google = is_google_news_url(url)
    if ignore_robots or not (google or fetcher.crawl.obey_robots):
        return None
    parts = urlsplit(url)
    verdict = robots_verdict(fetcher.robots_lines(f"{parts.scheme}://{parts.netloc}"),
                             fetcher.crawl.user_agent, url)
    what = f"{name or '(no name)'}  {url}"
    if google:
        why = (f"news.google.com/robots.txt forbids it ({verdict.rule!r} for User-agent "
               f"{verdict.agent})" if not verdict.allowed else
               "news.google.com/robots.txt forbids its article pages for every agent")
        return Answer(kind, what, "not used", f"Google News is opt-in: {why}", GOOGLE_TODO)
    if verdict.allowed:
        return None
    todo = "remove it from the story" + (
        ", or set ignore_robots = true on it to fetch it anyway" if kind == "feed" else "")
    return Answer(kind, what, "forbidden",
                  f"{parts.netloc}/robots.txt forbids it ({verdict.rule!r} for User-agent "
                  f"{verdict.agent})", todo)


def gdelt_answer(client: HttpClient, api: str, query: str, now: datetime) -> Answer:
    """The last day's articles for one query: refused, throttled or answered."""
    what = f"query {query!r}"
    problem = gdelt.query_problem(query)
    if problem is not None:
        return Answer("GDELT", what, "fails", problem, "rewrite the query in the story")
    try:
        answer = client.get(gdelt.artlist_url(api, query, now - timedelta(days=1), now))
        if answer.status != 200:
            raise ArchiveError(f"HTTP {answer.status}")
        articles = gdelt.parse_artlist(answer.body)
    except (ArchiveError, FetchError) as exc:
        return Answer("GDELT", what, "fails", str(exc),
                      "GDELT allows one request every 5 seconds; try again in a few minutes")
    return Answer("GDELT", what, "works", f"{len(articles)} articles seen in the last 24 hours")


def cdx_answer(client: HttpClient, api: str, host: str, day: date) -> Answer:
    """One capture of one outlet on one day: the CDX server answers, or why not."""
    try:
        answer = client.get(cdx.query_url(api, host, day, day, limit=1))
        if answer.status != 200:
            raise ArchiveError(f"HTTP {answer.status}: {answer.body[:200]!r}")
        captures, _ = cdx.parse_cdx(answer.body)
    except (ArchiveError, FetchError) as exc:
        return Answer("Wayback CDX", host, "fails", str(exc),
                      "the CDX server allows about 25 requests a minute and blocks clients "
                      "that ignore its 429s; try again later")
    return Answer("Wayback CDX", host, "works",
                  f"answered: {len(captures)} capture(s) of {host} on {day} (one asked for)")


def ccnews_answer(client: HttpClient, base: str, month: str) -> Answer:
    """The month's CC-NEWS path list: its WARC files, or why it cannot be read."""
    try:
        answer = client.get(ccnews.paths_url(base, month))
        if answer.status != 200:
            raise ArchiveError(f"HTTP {answer.status}")
        files = ccnews.parse_paths(answer.body)
    except (ArchiveError, FetchError, OSError, UnicodeDecodeError) as exc:
        return Answer("CC-NEWS", f"path list for {month}", "fails", str(exc),
                      "Common Crawl answers 503 Slow Down when busy; try again later")
    return Answer("CC-NEWS", f"path list for {month}", "works",
                  f"{len(files)} WARC files listed")
