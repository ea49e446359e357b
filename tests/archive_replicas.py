"""Loopback replicas of the archives' APIs, for tests: the Wayback Machine (its CDX server and
raw `id_` pages) and GDELT's DOC 2.0 artlist, plus plain outlet hosts for the pages GDELT
lists. They speak the documented formats, served through presswatch.demo.loopback.

- CDX: `output=json` is a list of rows, the first naming the fields in `fl` order; otherwise
  text, one capture per line, fields in `fl` order (default urlkey timestamp original mimetype
  statuscode digest length). The server pages by its own `page_size`: with showResumeKey=true a
  page ends with an empty row (blank line) and the resume key. No capture: `[]` or an empty
  body. A bad query is a 400 with the server's exception text; a blocked host a 403.
- GDELT: `{"articles": [...]}`, at most maxrecords (250 at most, more is refused), `{}` when
  nothing matched, a plain-text sentence with status 200 for a refused query (a quoted single
  word, a keyword under 3 characters).

Their bad days, as the services' documentation and users' reports describe them, are given
in `queue` (per outlet, answered in turn before answering normally):
- a status: 429 as the CDX server sends it (no Retry-After), 503 as Common Crawl's S3 sends
  it ("Slow Down"), any other with a short body;
- "throttle": GDELT's throttle notice, as text with status 200;
- "malformed": GDELT's occasional broken JSON, with status 200.
The CDX server also answers 504 to a domain-wide query spanning more than `cdx_max_days`
(its timeout on wide queries), whatever the queue says.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

from presswatch.demo.archive import ArchiveRecord
from presswatch.demo.loopback import OutletServers, RequestRecord, Response

DEFAULT_FL = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def urlkey(url: str) -> str:
    """SURT-ish key, as the CDX server sorts by."""
    parts = urlsplit(url)
    host = ",".join(reversed((parts.hostname or "").removeprefix("www.").split(".")))
    return f"{host}){parts.path}"


@dataclass
class ArchiveReplica:
    """One replica process: outlets "wayback", "gdelt", "news" (GDELT's pages) and
    "commoncrawl" (CC-NEWS: `ccnews` maps each file's path, as warc.paths.gz lists it, to its
    bytes; the month's path list is made from them)."""

    wayback: list[ArchiveRecord] = field(default_factory=list)
    gdelt: list[ArchiveRecord] = field(default_factory=list)  # seen_at = captured_at
    page_size: int = 1000
    blocked_hosts: set[str] = field(default_factory=set)
    queue: dict[str, list[int | str]] = field(default_factory=dict)
    cdx_max_days: int | None = None
    ccnews: dict[str, bytes] = field(default_factory=dict)
    gzip: bool = False
    log: list[tuple[str, str, float, float]] = field(default_factory=list)  # outlet, path, t0, t1
    hold_s: float = 0.0  # how long each answer takes: overlaps show up in the log

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._servers = OutletServers(self)

    def __enter__(self) -> ArchiveReplica:
        self._servers.start(["wayback", "gdelt", "news", "commoncrawl"])
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._servers.stop()

    @property
    def bases(self) -> dict[str, str]:
        return self._servers.bases

    def news_url(self, record: ArchiveRecord) -> str:
        return self.bases["news"] + urlsplit(record.url).path

    def record(self, entry: RequestRecord) -> None:
        """The loopback server's log line; this replica keeps its own timed log instead."""

    def respond(self, outlet: str, target: str) -> Response:
        started = time.monotonic()
        with self._lock:
            queued = self.queue.get(outlet)
            bad_day = queued.pop(0) if queued else None
        if self.hold_s:
            time.sleep(self.hold_s)
        if bad_day is not None:
            response = BAD_DAYS.get(bad_day) or Response(
                int(bad_day), b"busy, try again", "text/plain", cacheable=False)
        else:
            response = self._answer(outlet, target)
        with self._lock:
            self.log.append((outlet, target, started, time.monotonic()))
        return response

    def _answer(self, outlet: str, target: str) -> Response:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if outlet == "wayback" and parts.path == "/cdx/search/cdx":
            return self._cdx(query)
        if outlet == "wayback" and parts.path.startswith("/web/"):
            return self._raw(unquote(target[len("/web/"):]))
        if outlet == "gdelt" and parts.path == "/api/v2/doc/doc":
            return self._artlist(query)
        if outlet == "commoncrawl":
            return self._commoncrawl(parts.path.lstrip("/"))
        if outlet == "news":
            for record in self.gdelt:
                if urlsplit(record.url).path == parts.path:
                    return Response(200, record.body, cacheable=False)
        return Response(404, b"not found", "text/plain", cacheable=False)

    def _cdx(self, query: dict[str, list[str]]) -> Response:
        if "url" not in query:
            return Response(400, b"org.archive.wayback.exception.BadQueryException: "
                                 b"No url param", "text/plain", cacheable=False)
        host = query["url"][0].removeprefix("www.")
        if host in self.blocked_hosts:
            return Response(403, b"org.archive.wayback.exception."
                                 b"AdministrativeAccessControlException: Blocked Site Error",
                            "text/plain", cacheable=False)
        start = query.get("from", ["0"])[0].ljust(14, "0")
        end = query.get("to", ["9"])[0].ljust(14, "9")
        if self.cdx_max_days is not None and query.get("matchType") == ["domain"] and (
                _cdx_time(end) - _cdx_time(start)).days >= self.cdx_max_days:
            return Response(504, b"<html><body><h1>504 Gateway Time-out</h1></body></html>",
                            "text/html", cacheable=False)
        fl = query.get("fl", [",".join(DEFAULT_FL)])[0].split(",")
        rows = []
        for record in self.wayback:
            stamp = record.captured_at.strftime("%Y%m%d%H%M%S")
            on_host = (urlsplit(record.url).hostname or "").removeprefix("www.") == host
            if on_host and start <= stamp <= end:
                values = {"urlkey": urlkey(record.url), "timestamp": stamp,
                          "original": record.url, "mimetype": "text/html",
                          "statuscode": "200",
                          "digest": hashlib.sha1(record.body).hexdigest().upper()[:32],
                          "length": str(len(record.body))}
                rows.append([values[name] for name in fl])
        rows.sort()
        offset = int(query.get("resumeKey", ["0"])[0])
        page = rows[offset:offset + self.page_size]
        more = offset + self.page_size < len(rows)
        show_key = query.get("showResumeKey", ["false"])[0] == "true"
        if query.get("output", [""])[0] == "json":
            data = [fl, *page] if page else []
            if more and show_key:
                data += [[], [str(offset + self.page_size)]]
            return Response(200, json.dumps(data).encode(), "application/json", cacheable=False)
        lines = [" ".join(row) for row in page]
        if more and show_key:
            lines += ["", str(offset + self.page_size)]
        body = ("\n".join(lines) + "\n").encode() if lines else b""
        return Response(200, body, "text/plain", cacheable=False)

    def _commoncrawl(self, path: str) -> Response:
        if path.endswith("/warc.paths.gz"):
            month = path.removesuffix("warc.paths.gz")
            listed = [p for p in sorted(self.ccnews) if p.startswith(month)]
            if not listed:
                return Response(404, b"<Error><Code>NoSuchKey</Code></Error>",
                                "application/xml", cacheable=False)
            return Response(200, gzip.compress("\n".join(listed).encode() + b"\n"),
                            "application/octet-stream", cacheable=False)
        if path in self.ccnews:
            return Response(200, self.ccnews[path], "application/octet-stream", cacheable=False)
        return Response(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml",
                        cacheable=False)

    def _raw(self, rest: str) -> Response:
        stamp, _, original = rest.partition("id_/")
        for record in self.wayback:
            if record.url == original and record.captured_at.strftime("%Y%m%d%H%M%S") == stamp:
                return Response(200, record.body, cacheable=False)
        return Response(404, b"Wayback Machine has not archived that URL.", "text/plain",
                        cacheable=False)

    def _artlist(self, query: dict[str, list[str]]) -> Response:
        words = query.get("query", [""])[0]
        refusal = _gdelt_refusal(words, int(query.get("maxrecords", ["75"])[0]))
        if refusal:
            return Response(200, refusal.encode(), "text/html", cacheable=False)
        start = _gdelt_time(query["startdatetime"][0])
        end = _gdelt_time(query["enddatetime"][0])
        limit = int(query.get("maxrecords", ["75"])[0])
        found = sorted((r for r in self.gdelt if start <= r.captured_at < end),
                       key=lambda r: r.captured_at)[:limit]
        if not found:
            return Response(200, b"{}", "application/json", cacheable=False)
        articles = [{
            "url": self.news_url(r), "url_mobile": "", "title": "a title",
            "seendate": r.captured_at.strftime("%Y%m%dT%H%M%SZ"), "socialimage": "",
            "domain": urlsplit(self.bases["news"]).hostname, "language": "English",
            "sourcecountry": "United Kingdom",
        } for r in found]
        return Response(200, json.dumps({"articles": articles}).encode(), "application/json",
                        cacheable=False)


# GDELT's answers on its bad days (status 200, a sentence instead of JSON).
GDELT_THROTTLE = (b"Please limit requests to one every 5 seconds or contact "
                  b"kalev.leetaru5@gmail.com for larger queries.")
BAD_DAYS = {
    429: Response(429, b"Too Many Requests", "text/html", cacheable=False),
    503: Response(503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
                       b"</Message></Error>", "application/xml", cacheable=False),
    "throttle": Response(200, GDELT_THROTTLE, "text/html", cacheable=False),
    "malformed": Response(200, b'{"articles": [ {"url": "https://www.dailycircuit.com/a", '
                               b'"title": "Half an ans', "application/json", cacheable=False),
}


def _gdelt_refusal(query: str, max_records: int) -> str | None:
    """GDELT's sentence for a query it refuses, or None."""
    if max_records > 250:
        return "The maximum number of records you may request is 250."
    for phrase in re.findall(r'"([^"]*)"', query):
        if len(phrase.split()) < 2:
            return "The specified phrase is too short."
    for word in re.sub(r'"[^"]*"', " ", query).split():
        if ":" not in word and len(word.strip("()-")) < 3 and word.upper() != "OR":
            return "The specified keyword is too short."
    return None


def _cdx_time(text: str) -> datetime:
    return datetime.strptime(text[:14], "%Y%m%d%H%M%S")


def _gdelt_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
