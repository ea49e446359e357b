"""Loopback replicas of the archives' APIs, for tests: the Wayback Machine (its CDX server and
raw `id_` pages) and GDELT's DOC 2.0 artlist, plus plain outlet hosts for the pages GDELT
lists. They speak the documented formats, served through presswatch.demo.loopback.

- CDX: `output=json` is a list of rows, the first naming the fields in `fl` order; otherwise
  text, one capture per line, fields in `fl` order (default urlkey timestamp original mimetype
  statuscode digest length). The server pages by its own `page_size`: with showResumeKey=true a
  page ends with an empty row (blank line) and the resume key. No capture: `[]` or an empty
  body. A bad query is a 400 with the server's exception text; a blocked host a 403.
- GDELT: `{"articles": [...]}`, at most maxrecords, `{}` when nothing matched, a plain-text
  sentence (status 200) for a refused query.
- `queue` answers: statuses to give (with Retry-After 0) before answering normally.
"""

from __future__ import annotations

import hashlib
import json
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
    """One replica process: outlets "wayback", "gdelt" and "news" (GDELT's pages)."""

    wayback: list[ArchiveRecord] = field(default_factory=list)
    gdelt: list[ArchiveRecord] = field(default_factory=list)  # seen_at = captured_at
    page_size: int = 1000
    blocked_hosts: set[str] = field(default_factory=set)
    queue: dict[str, list[int]] = field(default_factory=dict)
    gzip: bool = False
    log: list[tuple[str, str, float, float]] = field(default_factory=list)  # outlet, path, t0, t1
    hold_s: float = 0.0  # how long each answer takes: overlaps show up in the log

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._servers = OutletServers(self)

    def __enter__(self) -> ArchiveReplica:
        self._servers.start(["wayback", "gdelt", "news"])
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
            status = queued.pop(0) if queued else None
        if self.hold_s:
            time.sleep(self.hold_s)
        if status is not None:
            response = Response(status, b"busy, try again", "text/plain",
                                headers={"Retry-After": "0"}, cacheable=False)
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

    def _raw(self, rest: str) -> Response:
        stamp, _, original = rest.partition("id_/")
        for record in self.wayback:
            if record.url == original and record.captured_at.strftime("%Y%m%d%H%M%S") == stamp:
                return Response(200, record.body, cacheable=False)
        return Response(404, b"Wayback Machine has not archived that URL.", "text/plain",
                        cacheable=False)

    def _artlist(self, query: dict[str, list[str]]) -> Response:
        words = query.get("query", [""])[0]
        if len(words.strip('"')) < 3:
            return Response(200, b"The specified phrase is too short.", "text/html",
                            cacheable=False)
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


def _gdelt_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
