"""GDELT's DOC 2.0 API: the articles it saw for a query, window by window.

`mode=artlist&format=json` answers `{"articles": [{"url", "url_mobile", "title", "seendate",
"socialimage", "domain", "language", "sourcecountry"}, ...]}`, at most `maxrecords` (250) per
call, `seendate` as YYYYMMDDTHHMMSSZ. No match is `{}`. GDELT answers its bad days with HTTP
200 too, so the body is read, not only the status:
- a refused query is an English sentence ("The specified phrase is too short."): the query is
  wrong for every window, so it stops (query_problem catches the known cases before any call);
- the throttle notice ("Please limit requests to one every 5 seconds ...", sometimes with 429)
  is handled as a 429: a long backoff, then the same call again;
- malformed JSON happens now and then: retried, then that window is skipped with a warning.
A full window may hide more articles, so it is split in two until each half holds fewer than
the maximum. Ranges older than about 3 months are not guaranteed (range_warning).

Public functions, for the backfill and for daily discovery: query_problem, range_warning,
api_client, windows, list_articles (fetch_window for one call).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from presswatch.addresses import AddressPolicy
from presswatch.archives.pages import ArchiveError
from presswatch.http_client import TRANSIENT, FetchError, HttpClient, RetryPolicy

log = logging.getLogger("presswatch.archives")

API_BASE = "https://api.gdeltproject.org/api/v2/doc/doc"
MAX_RECORDS = 250  # GDELT's ceiling per call
MIN_INTERVAL_S = 5.0  # GDELT asks for at most one DOC API request every 5 seconds
THROTTLE_BACKOFF_S = 60.0  # after its throttle notice: GDELT sheds load for a while
RETRIES = 3  # per call, for the throttle notice and for malformed JSON alike
SMALLEST_WINDOW = timedelta(minutes=15)
RELIABLE_DAYS = 90  # "the last 3 months": older ranges may come back incomplete
MIN_KEYWORD = 3

_THROTTLE = re.compile(r"limit requests", re.IGNORECASE)
_TOKEN = re.compile(r'-?"[^"]*"|\S+')


class GdeltRefused(ArchiveError):
    """GDELT refused the query in words (HTTP 200 with a sentence); every window would too."""


@dataclass(frozen=True)
class GdeltArticle:
    url: str
    title: str | None
    seen_at: datetime
    domain: str | None
    language: str | None


def query_problem(query: str) -> str | None:
    """What GDELT's DOC API would refuse in the query, with how to write it, or None: GDELT
    refuses a quoted single word and any keyword shorter than 3 characters (outside a quoted
    phrase), and wants OR'd terms inside parentheses."""
    text = query.strip()
    if not text:
        return "empty GDELT query: give keywords such as: Sora leak"
    if text.count('"') % 2:
        return f"GDELT query {query!r} has an unclosed quote"
    words = _TOKEN.findall(text)
    for word in words:
        bare = word.lstrip("-")
        if bare.startswith('"'):
            inside = bare.strip('"').split()
            if len(inside) == 1:
                return (f'"{inside[0]}" is a quoted single word, which GDELT refuses: quote '
                        f"only phrases of two words or more, and write {inside[0]} unquoted")
            continue
        if ":" in bare or bare.upper() in ("OR", "AND", "NOT"):
            continue  # an operator (sourcelang:english, domain:example.com) or a connective
        core = bare.strip("()")
        if core and len(core) < MIN_KEYWORD:
            return (f"{core!r} is shorter than {MIN_KEYWORD} letters, which GDELT refuses: "
                    "leave it out, or keep it inside a quoted phrase with a word beside it, "
                    f'such as "{core} {_neighbour(words, word)}"')
    if any(w.upper() == "OR" for w in words) and not (text.startswith("(") and ")" in text):
        return f"GDELT wants OR'd terms inside parentheses: write ({text}) rather than {text}"
    return None


def _neighbour(words: list[str], word: str) -> str:
    at = words.index(word)
    beside = words[at + 1] if at + 1 < len(words) else (words[at - 1] if at else "...")
    return beside.strip('"()')


def range_warning(since: datetime, now: datetime | None = None) -> str | None:
    """A warning when the range starts more than about 3 months back, or None."""
    oldest = (now or datetime.now(UTC)) - timedelta(days=RELIABLE_DAYS)
    if since >= oldest:
        return None
    return (f"GDELT's DOC API covers about the last 3 months reliably; before "
            f"{oldest:%Y-%m-%d} its answers may be incomplete. Use CC-NEWS (--ccnews) or the "
            "Wayback Machine (--wayback) for older news.")


def api_client(user_agent: str, policy: AddressPolicy | None = None, *,
               interval_s: float = MIN_INTERVAL_S,
               throttle_backoff_s: float = THROTTLE_BACKOFF_S) -> HttpClient:
    """The client GDELT asks for: one call every 5 s, a long wait after a throttle. A 429 is
    left to fetch_window, which counts it with the throttle notice GDELT sends as text."""
    return HttpClient(user_agent, policy or AddressPolicy(), timeout_s=60,
                      min_interval_s=interval_s,
                      retry=RetryPolicy(retries=RETRIES, backoff_s=interval_s,
                                        throttle_floor_s=throttle_backoff_s,
                                        max_wait_s=max(300.0, 4 * throttle_backoff_s),
                                        statuses=TRANSIENT - {429}))


def windows(since: datetime, until: datetime, step: timedelta) -> Iterator[tuple[datetime,
                                                                                  datetime]]:
    """[start, end) windows covering the range."""
    start = since
    while start < until:
        end = min(start + step, until)
        yield start, end
        start = end


def artlist_url(api_base: str, query: str, start: datetime, end: datetime,
                max_records: int = MAX_RECORDS) -> str:
    params = {
        "query": query, "mode": "artlist", "format": "json",
        "maxrecords": str(min(max_records, MAX_RECORDS)), "sort": "dateasc",
        "startdatetime": f"{start:%Y%m%d%H%M%S}", "enddatetime": f"{end:%Y%m%d%H%M%S}",
    }
    return f"{api_base}?{urlencode(params)}"


class _Throttled(Exception):
    """GDELT's throttle notice, as text."""


class _Malformed(Exception):
    """An answer that should be JSON and is not."""


def parse_artlist(body: bytes) -> list[GdeltArticle]:
    """The articles of one artlist answer; GdeltRefused with GDELT's own words on a refusal."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    if _THROTTLE.search(text[:500]):
        raise _Throttled(" ".join(text[:200].split()))
    if not text.startswith("{"):
        raise GdeltRefused(f"GDELT refused the query: {' '.join(text[:300].split())}")
    try:
        data = json.loads(text, strict=False)  # GDELT leaves control characters in titles
        rows = data.get("articles") or []
        return [_article(row) for row in rows if isinstance(row, dict) and row.get("url")]
    except (json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise _Malformed(f"{exc}: {text[:120]!r}") from exc


def _article(row: dict) -> GdeltArticle:
    seen = datetime.strptime(row["seendate"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return GdeltArticle(row["url"], row.get("title") or None, seen, row.get("domain") or None,
                        row.get("language") or None)


def fetch_window(client: HttpClient, api_base: str, query: str, start: datetime,
                 end: datetime) -> list[GdeltArticle]:
    """One artlist call, the throttle notice waited out as a 429 and malformed JSON asked
    again, by the client's retry rule. ArchiveError when the window cannot be had (the caller
    skips it); GdeltRefused when the query itself is refused."""
    url = artlist_url(api_base, query, start, end)
    where = f"GDELT {query!r} {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"
    attempt = 0
    while True:
        try:
            answer = client.get(url)
        except FetchError as exc:
            raise ArchiveError(f"{where}: {exc}") from exc
        if answer.status == 429:
            problem, status = f"throttled (HTTP 429: {answer.excerpt(120)})", 429
        elif answer.status != 200:
            raise ArchiveError(f"{where}: HTTP {answer.status}: {answer.excerpt()}")
        else:
            try:
                return parse_artlist(answer.body)
            except _Throttled as exc:
                problem, status = f"throttled ({exc})", 429
            except _Malformed as exc:
                problem, status = f"malformed answer ({exc})", None
        wait = client.retry.wait(attempt, status, None)
        if wait is None:
            raise ArchiveError(f"{where}: {problem}, {attempt + 1} tries")
        log.info("%s: %s; asking again in %.3g s", where, problem, wait)
        client.sleep(wait)
        attempt += 1


def list_articles(client: HttpClient, api_base: str, query: str, start: datetime,
                  end: datetime, skipped: list[str] | None = None) -> list[GdeltArticle]:
    """Every article of one window, splitting the window while GDELT's answer is full. A
    window that cannot be had is skipped with a warning (in the log, and in `skipped` when
    given); GdeltRefused when GDELT refuses the query itself."""
    try:
        found = fetch_window(client, api_base, query, start, end)
    except GdeltRefused:
        raise
    except ArchiveError as exc:
        log.warning("skipped: %s", exc)
        if skipped is not None:
            skipped.append(str(exc))
        return []
    if len(found) < MAX_RECORDS or end - start <= SMALLEST_WINDOW:
        return found
    middle = start + (end - start) / 2
    return (list_articles(client, api_base, query, start, middle, skipped)
            + list_articles(client, api_base, query, middle, end, skipped))
