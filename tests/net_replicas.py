"""Small scripted HTTP servers on loopback addresses, for the guarded client's tests: each
path is answered by a function that writes to the socket itself, so a test can send a gzip
bomb, cut a connection part-way or answer a Range request."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]


class ScriptedServer:
    """One server on `address` (port 0: any free one, or a given port), answering each path
    with its handler; every request is logged as (path, headers)."""

    def __init__(self, address: str, routes: dict[str, Handler], *, port: int = 0,
                 tls: ssl.SSLContext | None = None) -> None:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append((self.path, dict(self.headers)))
                routes.get(self.path, not_found)(self)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.requests: list[tuple[str, dict[str, str]]] = []
        self.httpd = ThreadingHTTPServer((address, port), _Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Handler:
    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handle


def in_turn(*handlers: Handler) -> Handler:
    """Each request gets the next handler; the last one answers every request after."""
    queue = list(handlers)

    def handle(request: BaseHTTPRequestHandler) -> None:
        (queue.pop(0) if len(queue) > 1 else queue[0])(request)

    return handle


not_found = answer(404, b"not found")
