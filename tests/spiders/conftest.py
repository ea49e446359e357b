"""A real HTTP server per fictional outlet, on its own 127.0.0.x address, with routes that
tests fill in: fixed bodies, or handlers for hostile behaviour (trickling, bombs, endless)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import pytest

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    handler: Handler | None = None


class Site:
    """Routes by path (query ignored unless a route names it); hits and request headers are
    kept so tests can assert what the crawler did, e.g. that a stored URL was never fetched."""

    def __init__(self, host: str) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.request_headers: dict[str, list[dict[str, str]]] = {}
        site = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path
                route = site.routes.get(path) or site.routes.get(path.split("?")[0])
                key = path if path in site.routes else path.split("?")[0]
                site.hits[key] += 1
                site.request_headers.setdefault(key, []).append(dict(self.headers.items()))
                if route is None:
                    route = Route(b"not found", 404, {"Content-Type": "text/plain"})
                if route.handler is not None:
                    route.handler(self)
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        try:
            self.server = ThreadingHTTPServer((host, 0), _Handler)
        except OSError:
            # Only Linux routes all of 127/8 to loopback (macOS has just 127.0.0.1): outlets
            # then differ by port alone, and tests that need distinct addresses skip.
            host = "127.0.0.1"
            self.server = ThreadingHTTPServer((host, 0), _Handler)
        self.server.daemon_threads = True
        self.host = host
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        self.routes[path] = Route(data, status, all_headers)
        return self.url(path)

    def handle(self, path: str, handler: Handler) -> str:
        self.routes[path] = Route(handler=handler)
        return self.url(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _site_starter() -> Iterator[Callable[[str], Site]]:
    started: list[Site] = []

    def start(host: str = "127.0.0.1") -> Site:
        site = Site(host)
        started.append(site)
        return site

    yield start
    for site in started:
        site.close()


@pytest.fixture
def sites() -> Iterator[Callable[[str], Site]]:
    """sites("127.0.0.2") starts an outlet on that address; all stop after the test."""
    yield from _site_starter()


@pytest.fixture(scope="module")
def module_sites() -> Iterator[Callable[[str], Site]]:
    """Like sites, for a module that runs one crawl and checks many things about it."""
    yield from _site_starter()


def article_html(title: str, paragraphs: int = 4, *, lang: str = "en", extra_head: str = "",
                 published: str = "2024-11-26T10:00:00+00:00", author: str = "Ada Reporter") -> str:
    """A plausible news article page with navigation and footer around the text."""
    body = "".join(
        f"<p>Paragraph {i} of the report on {title}: artists in the early access programme "
        f"said the company had asked them to test the video model without pay, and that "
        f"they published the front-end to protest against it.</p>"
        for i in range(paragraphs)
    )
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{published}">'
        f'<meta name="author" content="{author}">{extra_head}</head>'
        f'<body><nav><a href="/">Home</a> <a href="/tech">Tech</a></nav>'
        f"<article><h1>{title}</h1>{body}</article>"
        f"<footer>Copyright Example Media. All rights reserved.</footer></body></html>"
    )


def rss(items: list[dict[str, str]], title: str = "Example feed") -> str:
    parts = []
    for item in items:
        fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items())
        parts.append(f"<item>{fields}</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.com/</link><description>d</description>"
        + "".join(parts)
        + "</channel></rss>"
    )


@pytest.fixture(scope="session")
def article_page() -> Callable[..., str]:
    return article_html


@pytest.fixture(scope="session")
def rss_feed() -> Callable[..., str]:
    return rss
