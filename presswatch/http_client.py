"""The one guarded HTTP client every outside fetch outside the crawl uses: the story tools'
probe, the archives (GDELT, Wayback, CC-NEWS downloads) and the alert webhook.

Standard library only, so every layer may use it. What it guarantees:
- every URL, each redirect's target included, is checked by presswatch.addresses, and the
  connection goes to the very address that was checked (Host header and TLS certificate still
  on the name), so a second DNS answer cannot reach inside (rebinding);
- answers are capped after decoding (a small gzip or deflate body cannot inflate without
  bound), error bodies are read only as far as a short cap, a slow server meets a timeout per
  read and a deadline per answer;
- 429 and 5xx answers and dropped connections are retried with one rule (RetryPolicy): doubling
  backoff, never sooner than the server's Retry-After, a floor after a 429 for servers that
  block clients who come back too soon, and no retry when the server asks for longer than the
  caller will wait;
- one request at a time per host, at least `min_interval_s` apart;
- a proxy named by the environment (http_proxy, https_proxy, no_proxy) is used as urllib would;
  the name is then checked when it resolves here, and the proxy does the connecting.
"""

from __future__ import annotations

import http.client
import io
import logging
import socket
import ssl
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from presswatch.addresses import (
    AddressPolicy,
    Resolver,
    Target,
    Unresolvable,
    UrlRefused,
    check_url,
    system_resolver,
)

log = logging.getLogger("presswatch.http")

TRANSIENT = frozenset({429, 500, 502, 503, 504})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


class FetchError(RuntimeError):
    """No usable answer from a URL; the message names the URL and the reason."""


class FetchRefused(FetchError):
    """The URL, or a redirect's target, is one the address rule refuses."""


class TooLarge(FetchError):
    """The answer, decoded, is larger than the cap; it was not read on."""


class Unreachable(FetchError):
    """No answer at all (refused connection, reset, timeout, TLS failure) after the retries."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for: "120" or an HTTP date; None if absent or
    unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """When to try again, the same for every client (the crawl's Scrapy middleware too)."""

    retries: int = 3
    backoff_s: float = 2.0  # the first wait; each later one doubles
    max_wait_s: float = 120.0  # a server asking for longer is not waited for in this call
    throttle_floor_s: float = 0.0  # at least this long after a 429, doubling (Wayback: 60 s)
    statuses: frozenset[int] = TRANSIENT
    on_network_error: bool = True  # retry a refused, reset or timed-out connection

    def wait(self, attempt: int, status: int | None, retry_after: float | None
             ) -> float | None:
        """Seconds to wait before retry number attempt + 1 (attempt counts from 0), or None
        to give up: the retries are spent, or the server asks for more than max_wait_s."""
        if attempt >= self.retries:
            return None
        if retry_after is not None and retry_after > self.max_wait_s:
            return None
        wait = self.backoff_s * 2 ** attempt
        if status == 429:  # a server that blocks clients who come back too soon
            wait = max(wait, self.throttle_floor_s * 2 ** attempt)
        return max(min(wait, self.max_wait_s), retry_after or 0.0)


@dataclass
class Answer:
    """One HTTP answer, its body decoded (gzip, deflate) and capped."""

    url: str  # after redirects
    status: int
    headers: dict[str, str]  # names lower-case
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def excerpt(self, length: int = 200) -> str:
        """The start of the body as one line of text, for an error message."""
        text = self.body[:length * 4].decode("utf-8", "replace")
        return " ".join(text.split())[:length]


@dataclass
class HttpClient:
    """GET and POST under the address rule, the caps and the retry rule (see the module)."""

    user_agent: str
    policy: AddressPolicy = field(default_factory=AddressPolicy)
    timeout_s: float = 30.0  # per connect and per read
    deadline_s: float = 300.0  # for a whole answer (streams excepted)
    max_bytes: int = 50 * 2**20  # decoded
    max_error_bytes: int = 64 * 1024
    max_redirects: int = 5
    min_interval_s: float = 0.0  # between two requests to one host
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    resolve: Resolver = system_resolver
    ssl_context: ssl.SSLContext | None = None
    sleep: Callable[[float], None] = time.sleep
    _host_locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _last_at: dict[str, float] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, url: str, *, headers: Mapping[str, str] | None = None,
            max_bytes: int | None = None) -> Answer:
        """The answer to a GET after redirects and retries. Any status is returned (a 429 or
        503 too, once retrying is over); FetchError when there is no answer to return."""
        return self._with_retries(url, lambda: self._follow("GET", url, None, headers,
                                                            max_bytes or self.max_bytes))

    def post(self, url: str, body: bytes, *, headers: Mapping[str, str] | None = None) -> Answer:
        """The answer to a POST. Redirects are not followed (a POST that moves is
        misconfigured) and a status is retried only if `retry.statuses` says so."""
        return self._with_retries(url, lambda: self._exchange(
            "POST", url, body, headers, self.max_bytes))

    @contextmanager
    def stream(self, url: str, *, headers: Mapping[str, str] | None = None
               ) -> Iterator[io.BufferedReader]:
        """A large 200 answer as a byte stream, not decoded or capped (a WARC file). A
        connection lost part-way is resumed with a Range request where the server allows."""
        reader = _ResumingReader(self, url, dict(headers or {}))
        try:
            yield io.BufferedReader(reader, CHUNK)
        finally:
            reader.close()

    # -- the retry loop and the per-host pace ----------------------------------------------

    def _with_retries(self, url: str, once: Callable[[], Answer]) -> Answer:
        host = (urlsplit(url).hostname or "").lower()
        attempt = 0
        while True:
            try:
                with self._paced(host):
                    answer = once()
            except Unreachable as exc:
                wait = self.retry.wait(attempt, None, None) if self.retry.on_network_error \
                    else None
                if wait is None:
                    raise
                log.info("waiting %.3g s before retry %d of %s (%s)", wait, attempt + 1, url, exc)
            else:
                if answer.status not in self.retry.statuses:
                    return answer
                asked = parse_retry_after(answer.headers.get("retry-after"))
                wait = self.retry.wait(attempt, answer.status, asked)
                if wait is None:
                    return answer
                log.info("waiting %.3g s before retry %d of %s (HTTP %d)", wait, attempt + 1,
                         url, answer.status)
            self.sleep(wait)
            attempt += 1

    @contextmanager
    def _paced(self, host: str) -> Iterator[None]:
        with self._guard:
            lock = self._host_locks.setdefault(host, threading.Lock())
        with lock:
            wait = self._last_at.get(host, float("-inf")) + self.min_interval_s - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            try:
                yield
            finally:
                self._last_at[host] = time.monotonic()

    # -- one request -----------------------------------------------------------------------

    def _follow(self, method: str, url: str, body: bytes | None,
                headers: Mapping[str, str] | None, max_bytes: int) -> Answer:
        current = url
        for _ in range(self.max_redirects + 1):
            answer = self._exchange(method, current, body, headers, max_bytes,
                                    redirected_from=url if current != url else None)
            location = answer.headers.get("location")
            if answer.status not in REDIRECTS or not location:
                return answer
            current = urljoin(current, location.strip())
        raise FetchError(f"{url}: more than {self.max_redirects} redirects")

    def _exchange(self, method: str, url: str, body: bytes | None,
                  headers: Mapping[str, str] | None, max_bytes: int,
                  redirected_from: str | None = None) -> Answer:
        started = time.monotonic()
        connection, response = self._send(method, url, body, headers, redirected_from)
        try:
            is_error = response.status >= 300
            return Answer(url, response.status, _headers(response), _read_body(
                response, self.max_error_bytes if is_error else max_bytes,
                started + self.deadline_s, url, truncate=is_error))
        except (OSError, http.client.HTTPException) as exc:
            raise Unreachable(f"{url}: {_reason(exc, self.timeout_s)}") from exc
        finally:
            connection.close()

    def _send(self, method: str, url: str, body: bytes | None,
              headers: Mapping[str, str] | None, redirected_from: str | None = None, *,
              identity: bool = False
              ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """The request sent to the checked address (or through the environment's proxy); the
        answer's status and headers read."""
        connection, path, extra = self._route(url, redirected_from)
        try:
            connection.request(method, path, body=body, headers={
                "User-Agent": self.user_agent,
                "Accept-Encoding": "identity" if identity else "gzip, deflate",
                "Connection": "close", **extra, **(headers or {})})
            return connection, connection.getresponse()
        except (OSError, http.client.HTTPException, ValueError) as exc:  # ValueError: InvalidURL
            connection.close()
            raise Unreachable(f"{url}: {_reason(exc, self.timeout_s)}") from exc

    def _route(self, url: str, redirected_from: str | None
               ) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
        """(connection, request target, extra headers): straight to the checked address, or,
        when the environment names a proxy for the URL (http_proxy, https_proxy, no_proxy),
        to the proxy, which resolves the name itself (a name that resolves here is still
        checked; one that does not is the proxy's to find)."""
        proxy = _proxy_for(url)
        if proxy is None:
            target = self._checked(url, redirected_from)
            assert target is not None  # unresolvable names are refused without a proxy
            return self._connection(target), _path(url), {}
        self._checked(url, redirected_from, unresolvable_ok=True)
        try:  # the operator's proxy: a private address is fine, link-local still not
            via = check_url(proxy, AddressPolicy.operator_chosen(), self.resolve)
        except UrlRefused as exc:
            raise FetchRefused(f"proxy {proxy} refused: {exc}") from exc
        parts = urlsplit(url)
        if parts.scheme == "https":
            connection = _PinnedHTTPSConnection(
                via, self.timeout_s, self.ssl_context or ssl.create_default_context(),
                server_name=parts.hostname)
            connection.set_tunnel(parts.hostname or "", parts.port or 443)
            return connection, _path(url), {}
        return _PinnedHTTPConnection(via, self.timeout_s), url, {"Host": parts.netloc}

    def _checked(self, url: str, redirected_from: str | None, *,
                 unresolvable_ok: bool = False) -> Target | None:
        """The URL's checked target; FetchRefused when the rule refuses it. None only for a
        name this machine cannot resolve when `unresolvable_ok` (a proxy will)."""
        try:
            return check_url(url, self.policy, self.resolve)
        except UrlRefused as exc:
            if unresolvable_ok and isinstance(exc, Unresolvable):
                return None
            where = f"redirect from {redirected_from} refused: " if redirected_from else ""
            raise FetchRefused(f"{where}{exc}") from exc

    def _connection(self, target: Target) -> http.client.HTTPConnection:
        if target.scheme == "https":
            return _PinnedHTTPSConnection(target, self.timeout_s,
                                          self.ssl_context or ssl.create_default_context())
        return _PinnedHTTPConnection(target, self.timeout_s)


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for the URL's scheme, unless no_proxy covers its host."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies_environment().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass_environment(parts.hostname or ""):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _headers(response: http.client.HTTPResponse) -> dict[str, str]:
    return {name.lower(): value for name, value in response.getheaders()}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path or "/", parts.query, ""))


def _reason(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"no answer within {timeout_s:g} s"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc}"
    return f"cannot connect or read: {exc}"


def _connect(target: Target, timeout: float) -> socket.socket:
    """A connection to the first checked address that accepts one; never a new lookup."""
    error: OSError = OSError(f"no address for {target.host}")
    for address in target.addresses:
        try:
            return socket.create_connection((str(address), target.port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._target = target

    def connect(self) -> None:
        self.sock = _connect(self._target, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, or through a proxy's CONNECT tunnel (set_tunnel); the
    certificate is checked against the URL's host name either way."""

    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext, *,
                 server_name: str | None = None) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._target = target
        self._tls = context
        self._server_name = server_name or target.host

    def connect(self) -> None:
        self.sock = _connect(self._target, self.timeout)
        if self._tunnel_host:
            self._tunnel()
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._server_name)


class _Inflater:
    """gzip (several members too), zlib or raw deflate, inflated at most `room` bytes at a
    time so that a bomb is stopped at the cap, not after it has filled the memory."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._make(zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS)
        self._started = False

    def _make(self, wbits: int) -> None:
        self.wbits = wbits
        self._d = zlib.decompressobj(wbits)

    def inflate(self, data: bytes, room: int) -> bytes:
        try:
            out = self._d.decompress(data, room)
        except zlib.error:
            if self.encoding != "deflate" or self._started:
                raise
            self._make(-zlib.MAX_WBITS)  # "deflate" sent without its zlib header
            out = self._d.decompress(data, room)
        self._started = True
        while self._d.eof and self._d.unused_data and len(out) < room:
            rest = self._d.unused_data
            self._make(self.wbits)  # the next gzip member
            out += self._d.decompress(rest, room - len(out))
        return out

    @property
    def pending(self) -> bool:
        return bool(self._d.unconsumed_tail)


def _read_body(response: http.client.HTTPResponse, limit: int, deadline: float, url: str, *,
               truncate: bool) -> bytes:
    """The body decoded, at most `limit` bytes: over it, TooLarge (or, for an error body,
    the first `limit` bytes)."""
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    inflater = _Inflater(encoding) if encoding in ("gzip", "x-gzip", "deflate") else None
    declared = response.getheader("Content-Length") or ""
    if not truncate and inflater is None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"{url}: answer of {int(declared)} bytes, larger than {limit}")
    out = bytearray()
    while len(out) <= limit:
        if time.monotonic() > deadline:
            raise Unreachable(f"{url}: the answer took longer than the deadline")
        chunk = response.read(CHUNK)
        if not chunk:
            break
        if inflater is None:
            out += chunk
            continue
        try:
            out += inflater.inflate(chunk, limit + 1 - len(out))
        except zlib.error as exc:
            if truncate:
                break
            raise FetchError(f"{url}: cannot decode its {encoding} body ({exc})") from exc
        if inflater.pending:
            break  # output reached the room given: over the cap
    if len(out) > limit:
        if truncate:
            return bytes(out[:limit])
        raise TooLarge(f"{url}: answer larger than {limit} bytes once decoded")
    return bytes(out)


class _ResumingReader(io.RawIOBase):
    """The body of a 200 answer, reopened from where it broke off (Range: bytes=N-) when the
    connection drops, with the client's retry rule between attempts."""

    def __init__(self, client: HttpClient, url: str, headers: dict[str, str]) -> None:
        self.client, self.url, self.headers = client, url, headers
        self.position = 0
        self._response: http.client.HTTPResponse | None = None
        self._connection: http.client.HTTPConnection | None = None
        self._open()  # a missing file fails here, before anything is read

    def readable(self) -> bool:
        return True

    def _open(self) -> None:
        headers = dict(self.headers)
        if self.position:
            headers["Range"] = f"bytes={self.position}-"
        expected = 206 if self.position else 200

        def once() -> Answer:
            connection, response = self.client._send("GET", self.url, None, headers,
                                                     identity=True)
            if response.status == expected:
                self._connection, self._response = connection, response
                return Answer(self.url, response.status, _headers(response), b"")
            try:
                body = _read_body(response, self.client.max_error_bytes,
                                  time.monotonic() + self.client.timeout_s, self.url,
                                  truncate=True)
            except (OSError, http.client.HTTPException):
                body = b""
            finally:
                connection.close()
            return Answer(self.url, response.status, _headers(response), body)

        answer = self.client._with_retries(self.url, once)
        if self._response is None:
            if self.position:
                raise Unreachable(f"{self.url}: connection lost at byte {self.position} and "
                                  f"the server cannot resume it (HTTP {answer.status})")
            raise FetchError(f"{self.url}: HTTP {answer.status}: {answer.excerpt()}")

    def readinto(self, buffer) -> int:  # noqa: ANN001 (a writable buffer)
        attempt = 0
        while True:
            if self._response is None:
                self._open()
            lost: BaseException | None = None
            try:
                count = self._response.readinto(buffer)  # type: ignore[union-attr]
                if count == 0 and (self._response.length or 0) > 0:  # type: ignore[union-attr]
                    lost = ConnectionError("closed before the end of the answer")
            except http.client.IncompleteRead as exc:
                count, lost = len(exc.partial), exc
            except (OSError, http.client.HTTPException) as exc:
                count, lost = 0, exc
            if lost is not None:
                self._drop()
            if count:  # hand over what arrived; a loss is seen to on the next read
                self.position += count
                return count
            if lost is None:
                return 0
            wait = self.client.retry.wait(attempt, None, None)
            if wait is None:
                raise Unreachable(f"{self.url}: connection lost at byte {self.position} "
                                  f"({_reason(lost, self.client.timeout_s)})") from lost
            log.info("connection to %s lost at byte %d; resuming in %.3g s", self.url,
                     self.position, wait)
            self.client.sleep(wait)
            attempt += 1

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._response = self._connection = None

    def close(self) -> None:
        self._drop()
        super().close()
