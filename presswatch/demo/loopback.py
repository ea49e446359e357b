"""Outlets served on loopback, one HTTP server per outlet on its own 127.0.0.N address.

The bundled replay (`server.py`) and the benchmark's synthetic site (`bench/sitegen.py`) both
serve through this module, so conditional GETs, gzip and binding follow one set of rules
(RFC 9110) wherever the pipeline is tested or measured. A site is anything with
`respond(outlet, target) -> Response` and `record(RequestRecord)`; one that also answers POSTs
(a replica of an API such as Google News' batchexecute) has `respond_post(outlet, target, body)`.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

MAX_POST_BYTES = 1_000_000


class LoopbackError(RuntimeError):
    """A loopback address or port could not be bound."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    cacheable: bool = True


@dataclass(frozen=True)
class RequestRecord:
    """One request a site answered, so tests can check politeness and conditional GETs."""

    outlet: str
    method: str
    path: str
    status: int
    user_agent: str | None
    conditional: bool = False


class Site(Protocol):
    gzip: bool

    def respond(self, outlet: str, target: str) -> Response: ...

    def record(self, entry: RequestRecord) -> None: ...


class _Handler(BaseHTTPRequestHandler):
    server: _OutletServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def do_POST(self) -> None:  # noqa: N802
        length = min(int(self.headers.get("Content-Length") or 0), MAX_POST_BYTES)
        self._answer(send_body=True, posted=self.rfile.read(length))

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the site keeps its own request log instead of writing to stderr."""

    def _answer(self, send_body: bool, posted: bytes | None = None) -> None:
        site = self.server.site
        respond_post = getattr(site, "respond_post", None)
        try:
            if posted is None:
                response = site.respond(self.server.outlet, self.path)
            elif respond_post is None:
                response = Response(405, b"this site answers no POST", "text/plain",
                                    cacheable=False)
            else:
                response = respond_post(self.server.outlet, self.path, posted)
        except (OSError, KeyError, ValueError, RuntimeError) as exc:
            # A broken site file must show up as a 500 naming the cause, not a dropped socket.
            message = f"site error for {self.path}: {exc!r}"
            response = Response(500, message.encode(), "text/plain; charset=utf-8", cacheable=False)
        status, body, headers = response.status, response.body, dict(response.headers)
        headers["Content-Type"] = response.content_type
        if response.cacheable and status == 200:
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            headers["ETag"] = etag
            if response.last_modified is not None:
                headers["Last-Modified"] = format_datetime(response.last_modified, usegmt=True)
            if not_modified(self.headers, etag, response.last_modified):
                status, body = 304, b""
                del headers["Content-Type"]
        if body and site.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
        site.record(RequestRecord(self.server.outlet, self.command, self.path, status,
                                  self.headers.get("User-Agent"), conditional))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)


def not_modified(request_headers, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since only when it is absent."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return etag in tags or "*" in tags
    since = request_headers.get("If-Modified-Since")
    if since is None or last_modified is None:
        return False
    try:
        return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: Site, outlet: str):
        self.site = site
        self.outlet = outlet
        super().__init__(address, _Handler)


def _bind(outlet: str, address: str, site: Site) -> _OutletServer:
    """This outlet's own loopback address if the system has it, else 127.0.0.1 (macOS)."""
    try:
        return _OutletServer((address, 0), site, outlet)
    except OSError:
        try:
            return _OutletServer(("127.0.0.1", 0), site, outlet)
        except OSError as exc:
            raise LoopbackError(f"cannot bind a port on 127.0.0.1 for {outlet}: {exc}") from exc


class OutletServers:
    """Each outlet on its own 127.0.0.N (N from 2), on a free port, until stop()."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._servers: dict[str, _OutletServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self, outlets: list[str]) -> None:
        try:
            for index, outlet in enumerate(outlets, start=2):
                self._servers[outlet] = _bind(outlet, f"127.0.0.{index}", self.site)
        except LoopbackError:
            self.stop()
            raise
        for server in self._servers.values():
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"loopback-{server.outlet}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    @property
    def running(self) -> bool:
        return bool(self._servers)

    @property
    def bases(self) -> dict[str, str]:
        """Outlet -> base URL such as http://127.0.0.3:40123."""
        return {k: f"http://{s.server_address[0]}:{s.server_address[1]}"
                for k, s in self._servers.items()}
