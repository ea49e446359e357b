"""The guarded HTTP client against scripted loopback servers: the address pinned between check
and connect, caps on decoded size and on error bodies, the one retry rule, resumed streams."""

from __future__ import annotations

import gzip
import resource
import shutil
import ssl
import subprocess
import zlib
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from net_replicas import ScriptedServer, answer, in_turn

from presswatch.addresses import AddressPolicy
from presswatch.http_client import (
    FetchRefused,
    HttpClient,
    RetryPolicy,
    TooLarge,
    Unreachable,
    parse_retry_after,
)

LOOPBACK = AddressPolicy(allow_loopback=True)


def _client(policy: AddressPolicy = LOOPBACK, waits: list[float] | None = None,
            **kwargs) -> HttpClient:
    sleep = waits.append if waits is not None else (lambda seconds: None)
    return HttpClient("presswatch-test", policy, timeout_s=5, sleep=sleep, **kwargs)


class Resolver:
    """A test-only DNS: each name answers its addresses in turn, and every lookup is
    counted (a name that answers a trusted address first and an internal one next)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.lookups.append(host)
        queue = self.answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup():
    """DNS rebinding: the name answers 127.0.0.2 (allowed as if public) to the check and
    127.0.0.3 (internal) to any later lookup. The page comes from 127.0.0.2, under its name."""
    with ScriptedServer("127.0.0.2", {"/": answer(200, b"public page")}) as public, \
            ScriptedServer("127.0.0.3", {"/": answer(200, b"internal secret")},
                           port=public.port) as internal:
        resolver = Resolver({"news.test": [["127.0.0.2"], ["127.0.0.3"]]})
        client = _client(AddressPolicy.of(networks=["127.0.0.2/32"]), resolve=resolver)
        got = client.get(f"http://news.test:{public.port}/")
        assert got.body == b"public page"
        assert internal.requests == []
        assert public.requests[0][1]["Host"] == f"news.test:{public.port}"
        assert resolver.lookups == ["news.test"]


def test_a_redirect_into_a_refused_address_is_not_followed():
    with ScriptedServer("127.0.0.3", {"/secret": answer(200, b"secret")}) as internal:
        bounce = answer(302, headers={"Location": f"http://127.0.0.3:{internal.port}/secret"})
        with ScriptedServer("127.0.0.2", {"/story": bounce}) as public:
            client = _client(AddressPolicy.of(networks=["127.0.0.2/32"]))
            with pytest.raises(FetchRefused, match="redirect from .* refused: .*127.0.0.3"):
                client.get(f"http://127.0.0.2:{public.port}/story")
            assert internal.requests == []
            # with loopback allowed the same redirect is followed: the rule stopped it
            assert _client().get(f"http://127.0.0.2:{public.port}/story").body == b"secret"


def test_link_local_is_refused_even_with_private_hosts_allowed():
    with pytest.raises(FetchRefused, match="link-local"):
        _client(AddressPolicy.of(True, ["10.0.0.0/8"])).get("http://169.254.169.254/latest/")


def _bomb(encoding: str, megabytes: int) -> bytes:
    """Zeros packed small, without holding them whole."""
    packer = zlib.compressobj(9, wbits=31 if encoding == "gzip" else 15)
    zeros = bytes(2**20)
    return b"".join(packer.compress(zeros) for _ in range(megabytes)) + packer.flush()


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compression_bomb_stops_at_the_cap(encoding):
    packed = _bomb(encoding, 64)
    assert len(packed) < 100_000
    routes = {"/bomb": answer(200, packed, {"Content-Encoding": encoding})}
    with ScriptedServer("127.0.0.2", routes) as server:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with pytest.raises(TooLarge, match="larger than 1048576 bytes once decoded"):
            _client(max_bytes=2**20).get(f"http://127.0.0.2:{server.port}/bomb")
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        assert grown_mb < 50


def test_gzip_of_several_members_and_raw_deflate_decode_whole():
    two_members = gzip.compress(b"first half, ") + gzip.compress(b"second half")
    raw = zlib.compressobj(wbits=-15)
    raw_deflate = raw.compress(b"no zlib header") + raw.flush()
    routes = {"/two": answer(200, two_members, {"Content-Encoding": "gzip"}),
              "/raw": answer(200, raw_deflate, {"Content-Encoding": "deflate"})}
    with ScriptedServer("127.0.0.2", routes) as server:
        base = f"http://127.0.0.2:{server.port}"
        assert _client().get(base + "/two").body == b"first half, second half"
        assert _client().get(base + "/raw").body == b"no zlib header"


def test_a_declared_length_over_the_cap_is_refused_unread():
    with ScriptedServer("127.0.0.2", {"/big": answer(200, b"x" * 5000)}) as server:
        url = f"http://127.0.0.2:{server.port}/big"
        with pytest.raises(TooLarge, match="5000 bytes"):
            _client(max_bytes=1000).get(url)
        assert _client(max_bytes=10_000).get(url).body == b"x" * 5000


def test_an_error_body_is_read_only_as_far_as_its_cap():
    routes = {"/gone": answer(404, _bomb("gzip", 20), {"Content-Encoding": "gzip"})}
    with ScriptedServer("127.0.0.2", routes) as server:
        got = _client(max_error_bytes=1000).get(f"http://127.0.0.2:{server.port}/gone")
        assert (got.status, got.body) == (404, bytes(1000))


def test_busy_answers_are_retried_with_backoff_then_answered():
    busy = answer(503, b"Slow Down")
    routes = {"/f": in_turn(busy, busy, answer(200, b"done"))}
    waits: list[float] = []
    with ScriptedServer("127.0.0.2", routes) as server:
        got = _client(waits=waits, retry=RetryPolicy(backoff_s=1.5)).get(
            f"http://127.0.0.2:{server.port}/f")
    assert (got.status, got.body, waits) == (200, b"done", [1.5, 3.0])


def test_a_429_waits_at_least_the_floor_and_what_the_server_asks():
    throttled = answer(429, b"slow down")
    asks = answer(429, b"slow down", {"Retry-After": "90"})
    routes = {"/q": in_turn(throttled, asks, answer(200, b"rows"))}
    waits: list[float] = []
    with ScriptedServer("127.0.0.2", routes) as server:
        client = _client(waits=waits, retry=RetryPolicy(backoff_s=1, throttle_floor_s=60))
        assert client.get(f"http://127.0.0.2:{server.port}/q").body == b"rows"
    assert waits == [60, 120]  # the floor doubles; it is above what was asked


def test_a_server_asking_for_longer_than_the_caller_waits_gets_no_retry():
    routes = {"/q": answer(429, b"later", {"Retry-After": "3600"})}
    waits: list[float] = []
    with ScriptedServer("127.0.0.2", routes) as server:
        got = _client(waits=waits).get(f"http://127.0.0.2:{server.port}/q")
        assert (got.status, waits, len(server.requests)) == (429, [], 1)


def test_a_refused_connection_is_retried_then_reported():
    waits: list[float] = []
    with ScriptedServer("127.0.0.2", {}) as server:
        port = server.port
    with pytest.raises(Unreachable, match="cannot connect"):
        _client(waits=waits, retry=RetryPolicy(retries=2, backoff_s=1)).get(
            f"http://127.0.0.2:{port}/")
    assert waits == [1, 2]


def test_requests_to_one_host_keep_their_interval():
    waits: list[float] = []
    with ScriptedServer("127.0.0.2", {"/": answer(200, b"ok")}) as server:
        client = _client(waits=waits, min_interval_s=30)
        for _ in range(3):
            client.get(f"http://127.0.0.2:{server.port}/")
    assert len(waits) == 2 and all(25 < w <= 30 for w in waits)


def _cut_then_resume(data: bytes, cut: int):
    def handle(request: BaseHTTPRequestHandler) -> None:
        asked = request.headers.get("Range")
        if asked is None:  # promise the whole file, send part of it, hang up
            request.send_response(200)
            request.send_header("Content-Length", str(len(data)))
            request.send_header("Accept-Ranges", "bytes")
            request.end_headers()
            request.wfile.write(data[:cut])
            request.wfile.flush()
            request.close_connection = True
            return
        start = int(asked.removeprefix("bytes=").rstrip("-"))
        request.send_response(206)
        request.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        request.send_header("Content-Length", str(len(data) - start))
        request.end_headers()
        request.wfile.write(data[start:])

    return handle


def test_a_stream_cut_part_way_is_resumed_where_it_stopped():
    data = bytes(range(256)) * 4000
    with ScriptedServer("127.0.0.2", {"/f.warc.gz": _cut_then_resume(data, 300_001)}) as server:
        waits: list[float] = []
        with _client(waits=waits).stream(f"http://127.0.0.2:{server.port}/f.warc.gz") as body:
            assert body.read() == data
        assert [headers.get("Range") for _, headers in server.requests] == [None,
                                                                            "bytes=300001-"]
        assert len(waits) == 1


def test_a_stream_that_is_never_there_fails_before_reading():
    busy = answer(503, b"<Error><Code>SlowDown</Code></Error>")
    routes = {"/f": in_turn(busy, answer(404, b"NoSuchKey"))}
    with ScriptedServer("127.0.0.2", routes) as server, pytest.raises(Exception, match="404"):
        with _client().stream(f"http://127.0.0.2:{server.port}/f"):
            pass


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls_checks_the_certificate_against_the_name_though_the_address_is_pinned(tmp_path):
    cert, key = _certificate(tmp_path, "news.test")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    trust = ssl.create_default_context(cafile=str(cert))
    resolver = Resolver({"news.test": [["127.0.0.2"]], "other.test": [["127.0.0.2"]]})
    with ScriptedServer("127.0.0.2", {"/": answer(200, b"over tls")}, tls=server_tls) as server:
        client = _client(resolve=resolver, ssl_context=trust)
        assert client.get(f"https://news.test:{server.port}/").body == b"over tls"
        with pytest.raises(Unreachable, match="TLS"):
            _client(resolve=resolver, ssl_context=trust,
                    retry=RetryPolicy(retries=0)).get(f"https://other.test:{server.port}/")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), (" 5 ", 5.0), ("Tue, 26 Nov 2024 12:01:30 GMT", 90.0),
     ("Tue, 26 Nov 2024 11:00:00 GMT", 0.0), ("soon", None), ("-1", None), ("", None),
     (None, None)],
)
def test_retry_after_in_seconds_or_as_a_date(value, seconds):
    assert parse_retry_after(value, datetime(2024, 11, 26, 12, tzinfo=UTC)) == seconds


def test_a_proxy_named_by_the_environment_is_used_and_no_proxy_respected(monkeypatch):
    """A name this machine cannot resolve goes through the proxy (which resolves it), asked
    by its absolute URL; a host in no_proxy is fetched directly."""
    def unresolvable(host: str) -> list[str]:
        raise OSError("Name or service not known")

    with ScriptedServer("127.0.0.2", {"http://news.test/a": answer(200, b"via proxy")}) as proxy, \
            ScriptedServer("127.0.0.3", {"/b": answer(200, b"direct")}) as direct:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.2:{proxy.port}")
        monkeypatch.setenv("no_proxy", "127.0.0.3")
        client = _client(resolve=unresolvable)
        assert client.get("http://news.test/a").body == b"via proxy"
        assert proxy.requests[0][1]["Host"] == "news.test"
        assert client.get(f"http://127.0.0.3:{direct.port}/b").body == b"direct"
        with pytest.raises(FetchRefused, match="link-local"):  # still checked by address
            client.get("http://169.254.169.254/latest/")
        assert len(proxy.requests) == 1
