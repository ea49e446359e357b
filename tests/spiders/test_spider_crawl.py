"""Real crawls (the Scrapy subprocess) against real local servers full of hostile behaviour.

One crawl per scenario, shared by the tests that read its results, so the module stays fast.
Each fictional outlet runs on its own 127.0.0.x address, as separate sites would.
"""

from __future__ import annotations

import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from presswatch.records import FetchedPage
from presswatch.spiders.crawl import (
    NO_RESULT,
    is_fetch_failure,
    load_crawl_output,
    run_crawl,
)
from presswatch.spiders.extract import ExtractionFailure, extract_pages
from presswatch.spiders.job import CrawlJob, SourceSpec
from presswatch.spiders.urls import canonicalize
from presswatch.story import Crawl

SINCE = date(2024, 11, 1)
REPO = Path(__file__).resolve().parents[2]
Handler = Callable[[BaseHTTPRequestHandler], None]


def crawl_settings(**overrides: object) -> Crawl:
    """Small limits and timeouts so that every hostile case ends within a second or two."""
    values: dict[str, object] = {
        "timeout": 1.0, "download_delay": 0, "retries": 2, "max_page_bytes": 200_000,
        "max_feed_bytes": 1_000_000, "allow_private_hosts": True,
    }
    values.update(overrides)
    return Crawl(**values)


def gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * 1_000_000
    return b"".join(packer.compress(zeros) for _ in range(size // len(zeros))) + packer.flush()


def _start(handler: BaseHTTPRequestHandler, status: int, content_type: str, **headers: str):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()


def trickle(handler: BaseHTTPRequestHandler) -> None:
    """One byte every 0.2 s of a promised 10 kB: only the download timeout can stop it."""
    _start(handler, 200, "text/html", Content_Length="10000")
    for _ in range(100):
        try:
            handler.wfile.write(b"<")
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.2)


def endless(chunk: bytes, content_type: str, head: bytes = b"") -> Handler:
    """A body of unknown length that goes on for up to 60 MB: the size limit must stop it."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        _start(request, 200, content_type, Connection="close")
        request.close_connection = True
        try:
            request.wfile.write(head)
            for _ in range(60_000_000 // len(chunk)):
                request.wfile.write(chunk)
        except OSError:
            return

    return handler


def fails_then(failures: int, status: int, body: bytes, **headers: str) -> Handler:
    """`status` (with headers) for the first `failures` requests, then 200 with body."""
    calls = {"n": 0}

    def handler(request: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        failing = calls["n"] <= failures
        data = b"busy" if failing else body
        _start(request, status if failing else 200, "text/html; charset=utf-8",
               Content_Length=str(len(data)), **(headers if failing else {}))
        request.wfile.write(data)

    return handler


def redirect(target: str, status: int = 302) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        _start(request, status, "text/html", Location=target, Content_Length="0")

    return handler


CP1252_PAGE = (
    "<html><head><title>Café société: l’été des artistes</title></head><body><article>"
    + "<p>Le café était plein; les artistes ont dénoncé le « art washing » d’OpenAI, "
    "et leurs œuvres créées pendant l’été ont été publiées sur Hugging Face.</p>" * 5
    + "</article></body></html>"
).encode("cp1252")


@pytest.fixture(scope="module")
def hostile(module_sites, article_page, rss_feed, tmp_path_factory):
    """Three outlets (127.0.0.2-4): articles and every kind of trouble; one crawl over them."""
    a, b, c = module_sites("127.0.0.2"), module_sites("127.0.0.3"), module_sites("127.0.0.4")
    a.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    a.add("/a/ok", article_page("Artists leak Sora"))
    a.add("/a/moved-here", article_page("Moved article"))
    a.handle("/a/moved", redirect(a.url("/a/moved-here"), 301))
    a.handle("/a/chain1", redirect(a.url("/a/chain2"), 301))
    a.handle("/a/chain2", redirect(a.url("/a/chain3"), 307))
    a.handle("/a/chain3", redirect("/a/moved-here", 302))
    a.handle("/a/loop1", redirect(a.url("/a/loop2")))
    a.handle("/a/loop2", redirect(a.url("/a/loop1")))
    a.handle("/a/flaky", fails_then(1, 500, article_page("Flaky but fine").encode()))
    a.handle("/a/throttled", fails_then(1, 429, article_page("Throttled once").encode(),
                                        Retry_After="1"))
    a.add("/a/down", "down", status=503)
    a.add("/private/secret", article_page("Robots says no"))
    a.add("/a/bomb", gzip_bomb(50_000_000), headers={"Content-Encoding": "gzip"})
    a.add("/a/huge", "<p>" + "x" * 1_000_000 + "</p>")
    a.handle("/a/endless", endless(b"<p>more</p>" * 6000, "text/html"))
    a.handle("/a/slow", trickle)
    a.add("/a/pdf-as-html", b"%PDF-1.7\n" + bytes(range(256)) * 40)
    a.add("/a/image", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")
    a.add("/a/cp1252", CP1252_PAGE, content_type="text/html; charset=windows-1252")
    a.add("/a/scripts", "<html><head><script>var a=1;</script></head><body>"
          + "<script>document.write('x')</script>" * 50 + "</body></html>")
    a.add("/a/stored", article_page("Already stored"))
    a.handle("/a/to-stored", redirect(a.url("/a/stored")))
    links = ["/a/ok", "/a/ok?utm_source=rss&utm_medium=feed", "/a/moved", "/a/chain1", "/a/loop1",
             "/a/flaky", "/a/throttled", "/a/down", "/private/secret", "/a/bomb", "/a/huge",
             "/a/endless", "/a/slow", "/a/pdf-as-html", "/a/image", "/a/cp1252", "/a/scripts",
             "/a/stored", "/a/to-stored", "/a/missing"]
    items = [{"title": f"Item {i}", "link": a.url(p), "guid": f"g{i}",
              "pubDate": "Tue, 26 Nov 2024 10:00:00 GMT"} for i, p in enumerate(links)]
    items += [
        {"title": "no link at all", "description": "and no permalink GUID either"},
        {"title": "same GUID again", "link": a.url("/a/dup-guid"), "guid": "g0"},
        {"title": "from 2023", "link": a.url("/a/too-old"),
         "pubDate": "Mon, 06 Nov 2023 10:00:00 GMT"},
    ]
    a.add("/feed.xml", rss_feed(items), content_type="application/rss+xml")

    news = "http://www.google.com/schemas/sitemap-news/0.9"
    b.add("/b/new1", article_page("News sitemap article"))
    b.add("/b/old", article_page("Old sitemap article"))
    b.add("/sitemap_index.xml", (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{b.url('/news.xml')}</loc><lastmod>2024-11-27</lastmod></sitemap>"
        f"<sitemap><loc>{b.url('/2019.xml')}</loc><lastmod>2019-01-01</lastmod></sitemap>"
        "</sitemapindex>"), content_type="application/xml")
    b.add("/news.xml", (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="{news}">'
        f"<url><loc>{b.url('/b/new1')}</loc><news:news><news:publication_date>"
        "2024-11-26T12:00:00Z</news:publication_date><news:title>Sora leaked</news:title>"
        "</news:news></url>"
        f"<url><loc>{b.url('/b/old')}</loc><news:news><news:publication_date>"
        "2024-10-01</news:publication_date></news:news></url></urlset>"),
        content_type="application/xml")
    b.add("/2019.xml", "<urlset/>", content_type="application/xml")

    c.add("/html-feed", article_page("A web page, not a feed"))
    c.add("/malformed.xml", rss_feed([{"title": "fine", "link": a.url("/a/ok")}])[:-30],
          content_type="application/rss+xml")
    item = b"<item><title>padding</title><link>http://example.com/x</link></item>" * 100
    c.handle("/huge-feed.xml", endless(item, "application/rss+xml",
                                       b'<?xml version="1.0"?><rss version="2.0"><channel>'))

    stored = tmp_path_factory.mktemp("state") / "stored.txt"
    stored.write_text(canonicalize(a.url("/a/stored")) + "\n", encoding="utf-8")
    job = CrawlJob(
        feeds=[SourceSpec(a.url("/feed.xml"), "Outlet A"),
               SourceSpec(c.url("/html-feed"), "HTML, not a feed"),
               SourceSpec(c.url("/malformed.xml"), "Malformed"),
               SourceSpec(c.url("/huge-feed.xml"), "50 MB feed"),
               SourceSpec(c.url("/no-such-feed"), "Missing"),
               SourceSpec("file:///etc/passwd", "Not http")],
        sitemaps=[SourceSpec(b.url("/sitemap_index.xml"), "Outlet B news")],
        crawl=crawl_settings(),
        since=SINCE,
        stored_urls_path=str(stored),
        retry_backoff=0.05,
    )
    progress: list[int] = []
    output = run_crawl(job, tmp_path_factory.mktemp("staging"), on_progress=progress.append,
                       poll_seconds=0.1)
    pages = {p.url: p for p in output.pages()}
    return {"a": a, "b": b, "c": c, "output": output, "pages": pages, "progress": progress}


def page(hostile, site: str, path: str) -> FetchedPage:
    return hostile["pages"][canonicalize(hostile[site].url(path))]


def source(hostile, url: str):
    return next(s for s in hostile["output"].sources if s.source_url == url)


def test_good_articles_are_fetched_once_with_bodies(hostile):
    ok = page(hostile, "a", "/a/ok")
    assert ok.status == 200 and ok.reason is None and Path(ok.body_path).exists()
    assert hostile["a"].hits["/a/ok"] == 1  # the utm_ link was the same article


def test_redirects_are_followed_and_the_final_url_kept(hostile):
    target = canonicalize(hostile["a"].url("/a/moved-here"))
    moved = page(hostile, "a", "/a/moved")
    chained = page(hostile, "a", "/a/chain1")  # 301, 307, then a relative 302
    assert moved.final_url == chained.final_url == target
    # Both land on one page: its body is kept once, the other record says why it has none.
    kept, duplicate = sorted([moved, chained], key=lambda p: p.body_path is None)
    assert kept.reason is None and kept.body_path is not None
    assert duplicate.reason == f"duplicate: {target} was already fetched as {kept.url}"
    assert not is_fetch_failure(kept) and not is_fetch_failure(duplicate)


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("/a/missing", 404, "HTTP 404"),
        ("/a/down", 503, "HTTP 503 after 2 retries"),
        ("/private/secret", None, "blocked by robots.txt"),
        ("/a/loop1", None, "redirect loop or too many redirects"),
        ("/a/bomb", None, "too large: more than 200000 bytes once decompressed"),
        ("/a/huge", None, "too large: more than 200000 bytes"),
        ("/a/endless", None, "too large: more than 200000 bytes"),
        ("/a/slow", None, "timeout: no complete response within 1 s"),
        ("/a/pdf-as-html", 200, "not HTML despite content type text/html: PDF document"),
        ("/a/image", 200, "not HTML: content type image/png"),
    ],
)
def test_every_failure_is_recorded_with_its_reason(hostile, path, status, reason):
    fetched = page(hostile, "a", path)
    assert fetched.reason is not None and fetched.reason.startswith(reason), fetched.reason
    assert is_fetch_failure(fetched)
    assert fetched.status == status
    assert fetched.body_path is None


def test_robots_blocked_page_is_never_requested(hostile):
    assert hostile["a"].hits["/private/secret"] == 0
    assert hostile["a"].hits["/robots.txt"] == 1


def test_retries_recover_from_500_and_429(hostile):
    for path in ("/a/flaky", "/a/throttled"):
        assert page(hostile, "a", path).reason is None
        assert hostile["a"].hits[path] == 2
    assert hostile["a"].hits["/a/down"] == 3  # first try and RETRY_TIMES = 2
    log = (hostile["output"].staging_dir / "crawl.log").read_text(encoding="utf-8")
    throttled = hostile["a"].url("/a/throttled")
    assert f"waiting 1 s before retry 1 of {throttled} (Retry-After)" in log
    assert f"waiting 0.05 s before retry 1 of {hostile['a'].url('/a/flaky')}" in log


def test_already_stored_url_is_never_fetched(hostile):
    stored = canonicalize(hostile["a"].url("/a/stored"))
    assert hostile["a"].hits["/a/stored"] == 0
    assert stored not in hostile["pages"]
    via_redirect = page(hostile, "a", "/a/to-stored")  # a link that redirects to it stops there
    assert via_redirect.reason == f"already stored as {stored}"
    assert not is_fetch_failure(via_redirect)


def test_feed_entries_without_link_duplicate_guid_or_too_old_are_skipped(hostile):
    feed = source(hostile, hostile["a"].url("/feed.xml"))
    urls = {c.url for c in feed.candidates}
    assert feed.error is None and feed.status == 200
    assert canonicalize(hostile["a"].url("/a/dup-guid")) not in urls
    assert canonicalize(hostile["a"].url("/a/too-old")) not in urls
    assert len(urls) == len(feed.candidates) == 19  # 20 links, one a utm_ duplicate
    assert hostile["a"].hits["/a/dup-guid"] == 0


def test_broken_feeds_are_reported_and_the_run_goes_on(hostile):
    c = hostile["c"]
    assert source(hostile, c.url("/html-feed")).error.startswith("HTML page instead of a feed")
    malformed = source(hostile, c.url("/malformed.xml"))
    assert malformed.error.startswith("malformed feed")
    huge = source(hostile, c.url("/huge-feed.xml"))
    assert huge.error == "too large: more than 1000000 bytes" and huge.candidates == []
    missing = source(hostile, c.url("/no-such-feed"))
    assert missing.error == "HTTP 404" and missing.status == 404
    not_http = source(hostile, "file:///etc/passwd")
    assert not_http.error.endswith("only http and https URLs are crawled")
    assert page(hostile, "a", "/a/ok").reason is None  # the good feed still crawled


def test_news_sitemap_index_gives_only_entries_since_the_start_date(hostile):
    b = hostile["b"]
    sitemap = source(hostile, b.url("/sitemap_index.xml"))
    assert sitemap.error is None and sitemap.kind == "sitemap"
    assert [(c.url, c.title) for c in sitemap.candidates] == [
        (canonicalize(b.url("/b/new1")), "Sora leaked")
    ]
    assert b.hits["/2019.xml"] == 0 and b.hits["/b/old"] == 0
    assert page(hostile, "b", "/b/new1").reason is None


def test_progress_counts_pages_as_they_are_written(hostile):
    progress = hostile["progress"]
    assert progress == sorted(progress)
    assert progress[-1] == len(hostile["pages"])


def test_extraction_over_the_crawl(hostile):
    results = {r.url: r for r in extract_pages(hostile["output"].pages())}
    ok = results[canonicalize(hostile["a"].url("/a/ok"))]
    assert ok.title == "Artists leak Sora" and ok.language == "en"
    cafe = results[canonicalize(hostile["a"].url("/a/cp1252"))]
    assert "Café société: l’été des artistes" == cafe.title
    assert "œuvres créées" in cafe.text and cafe.language == "fr"
    scripts = results[canonicalize(hostile["a"].url("/a/scripts"))]
    assert isinstance(scripts, ExtractionFailure) and scripts.stage == "extract"
    assert "no article text" in scripts.reason
    loop = results[canonicalize(hostile["a"].url("/a/loop1"))]
    assert isinstance(loop, ExtractionFailure) and loop.stage == "fetch"


def _serve_with_etag(etag: str, body: bytes) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("If-None-Match") == etag:
            _start(request, 304, "application/rss+xml", ETag=etag, Content_Length="0")
            return
        _start(request, 200, "application/rss+xml", ETag=etag, Content_Length=str(len(body)),
               Last_Modified="Tue, 26 Nov 2024 10:00:00 GMT")
        request.wfile.write(body)

    return handler


def test_unchanged_feed_costs_one_304(sites, article_page, rss_feed, tmp_path):
    site = sites("127.0.0.2")
    site.add("/a/1", article_page("One"))
    feed = rss_feed([{"title": "One", "link": site.url("/a/1")}]).encode()
    site.handle("/feed", _serve_with_etag('"v1"', feed))
    job = CrawlJob(feeds=[SourceSpec(site.url("/feed"))], crawl=crawl_settings(), since=SINCE)
    first = run_crawl(job, tmp_path / "day1").sources[0]
    assert (first.status, first.etag, first.not_modified) == (200, '"v1"', False)
    assert first.last_modified == "Tue, 26 Nov 2024 10:00:00 GMT"

    job.feed_state = {site.url("/feed"): (first.etag, first.last_modified)}
    second_run = run_crawl(job, tmp_path / "day2")
    second = second_run.sources[0]
    assert (second.status, second.not_modified, second.error) == (304, True, None)
    assert second.etag == '"v1"' and second.candidates == []
    assert list(second_run.pages()) == []
    assert site.hits["/feed"] == 2 and site.hits["/a/1"] == 1
    assert site.request_headers["/feed"][1]["If-None-Match"] == '"v1"'
    assert site.request_headers["/feed"][1]["If-Modified-Since"] == first.last_modified


def test_private_hosts_refused_even_after_a_redirect(sites, article_page, rss_feed, tmp_path):
    """127.0.0.5 plays a public outlet (trusted network); 127.0.0.6 plays an internal host."""
    public, internal = sites("127.0.0.5"), sites("127.0.0.6")
    if public.host == internal.host:
        pytest.skip("needs two loopback addresses (Linux routes all of 127/8)")
    internal.add("/secret", article_page("Internal only"))
    internal.add("/feed", rss_feed([]), content_type="application/rss+xml")
    public.add("/p/ok", article_page("Public article"))
    public.handle("/p/to-internal", redirect(internal.url("/secret")))
    public.handle("/p/to-metadata", redirect("http://169.254.169.254/latest/meta-data/"))
    public.handle("/p/to-file", redirect("file:///etc/passwd"))
    links = ["/p/ok", "/p/to-internal", "/p/to-metadata", "/p/to-file"]
    items = [{"title": p, "link": public.url(p)} for p in links]
    items.append({"title": "direct", "link": internal.url("/secret")})
    public.add("/feed", rss_feed(items), content_type="application/rss+xml")
    job = CrawlJob(
        feeds=[SourceSpec(public.url("/feed")), SourceSpec(internal.url("/feed"))],
        crawl=crawl_settings(allow_private_hosts=False),
        trusted_networks=["127.0.0.5/32"],
    )
    output = run_crawl(job, tmp_path / "refused")
    pages = {p.url: p for p in output.pages()}

    assert pages[canonicalize(public.url("/p/ok"))].reason is None
    to_internal = pages[canonicalize(public.url("/p/to-internal"))].reason
    assert to_internal.startswith(f"refused: redirect from {public.url('/p/to-internal')}")
    assert "non-public address 127.0.0.6" in to_internal
    assert "169.254.169.254" in pages[canonicalize(public.url("/p/to-metadata"))].reason
    to_file = pages[canonicalize(public.url("/p/to-file"))]
    assert to_file.reason == "HTTP 302: redirect to 'file:///etc/passwd' not followed"
    assert "non-public address" in pages[canonicalize(internal.url("/secret"))].reason
    assert "non-public address" in output.sources[1].error
    assert internal.hits["/secret"] == 0 and internal.hits["/robots.txt"] == 0
    assert internal.hits["/feed"] == 0

    job.crawl = crawl_settings(allow_private_hosts=True)
    allowed = {p.url: p for p in run_crawl(job, tmp_path / "allowed").pages()}
    secret = canonicalize(internal.url("/secret"))
    followed = allowed[canonicalize(public.url("/p/to-internal"))]
    assert followed.final_url == secret and internal.hits["/secret"] == 2
    # The redirect and the direct link reach one page: both logged, its body stored once.
    both = sorted([followed, allowed[secret]], key=lambda p: p.body_path is None)
    assert both[0].reason is None and both[0].body_path is not None
    assert both[1].reason == f"duplicate: {secret} was already fetched as {both[0].url}"


def test_scrapy_crawl_works_from_the_checkout(sites, article_page, rss_feed, tmp_path):
    site = sites("127.0.0.2")
    site.add("/a/1", article_page("One"))
    site.add("/feed", rss_feed([{"title": "One", "link": site.url("/a/1")}]),
             content_type="application/rss+xml")
    job = CrawlJob(feeds=[SourceSpec(site.url("/feed"))], crawl=crawl_settings())
    (tmp_path / "job.json").write_text(job.to_json(), encoding="utf-8")
    command = ["crawl", "presswatch", "-a", f"job={tmp_path / 'job.json'}"]
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", *command],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    output = load_crawl_output(tmp_path)
    assert [p.url for p in output.pages()] == [canonicalize(site.url("/a/1"))]
    assert output.sources[0].error is None


def test_resolver_refuses_private_addresses_even_without_the_middleware(sites, article_page,
                                                                        rss_feed, tmp_path):
    """Defence in depth against DNS rebinding: with the guard middleware switched off, the
    resolver still refuses a name (localhost) that resolves to a loopback address."""
    site = sites("127.0.0.5")
    if site.host != "127.0.0.5":
        pytest.skip("needs a loopback address other than 127.0.0.1 (Linux routes all of 127/8)")
    site.add("/feed", rss_feed([{"title": "x", "link": f"http://localhost:{site.port}/a"}]),
             content_type="application/rss+xml")
    site.add("/a", article_page("Should not be fetched"))
    job = CrawlJob(feeds=[SourceSpec(site.url("/feed"))],
                   crawl=crawl_settings(allow_private_hosts=False, retries=0),
                   trusted_networks=["127.0.0.5/32"])
    (tmp_path / "job.json").write_text(job.to_json(), encoding="utf-8")
    guard = "presswatch.spiders.middlewares.PrivateHostGuardMiddleware"
    no_guard = f'DOWNLOADER_MIDDLEWARES={{"{guard}": null}}'
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "presswatch", "-s", no_guard,
         "-a", f"job={tmp_path / 'job.json'}"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [fetched] = load_crawl_output(tmp_path).pages()
    assert fetched.reason == f"DNS lookup failed for http://localhost:{site.port}/a"
    assert "refused: localhost resolved to non-public address 127.0.0.1" in done.stderr
    assert site.hits["/a"] == 0


def test_output_of_a_killed_crawl_is_readable(tmp_path):
    """A crawl killed mid-write leaves a cut last line: reading stops before it, and sources
    never reached are reported as such."""
    job = CrawlJob(feeds=[SourceSpec("http://a.example/feed"), SourceSpec("http://b.example/f")])
    (tmp_path / "job.json").write_text(job.to_json(), encoding="utf-8")
    (tmp_path / "sources.jsonl").write_text(
        '{"source_url": "http://a.example/feed", "document_url": "http://a.example/feed", '
        '"kind": "feed", "name": null, "status": 200, "candidates": [], "error": null}\n',
        encoding="utf-8")
    (tmp_path / "pages.jsonl").write_text(
        '{"url": "http://a.example/1", "final_url": "http://a.example/1", "status": 200, '
        '"fetched_at": "2024-11-26T10:00:00+00:00", "source_url": "http://a.example/feed", '
        '"body_path": "bodies/x.html.gz"}\n{"url": "http://a.exa', encoding="utf-8")
    output = load_crawl_output(tmp_path)
    [only] = output.pages()
    assert only.url == "http://a.example/1" and only.body_path == str(tmp_path / "bodies/x.html.gz")
    assert only.fetched_at.tzinfo is not None
    assert output.sources[0].error is None
    assert output.sources[1].error == NO_RESULT


def test_google_news_links_reach_the_publisher(sites, article_page, rss_feed, tmp_path,
                                               monkeypatch):
    """news.google.com is played by a local HTTP proxy (no DNS for it here): an opaque article
    link answered with Google's own page is followed to the publisher that page names."""
    outlet, google = sites("127.0.0.2"), sites("127.0.0.7")
    outlet.add("/a/1", article_page("Publisher article"))
    resolved = "http://news.google.com/rss/articles/AU_yqLresolvable"
    dead_end = "http://news.google.com/rss/articles/AU_yqLdeadend"
    # A proxy sees absolute URLs as request paths: the routes are keyed by them.
    google.add(resolved, f'<html><body><c-wiz data-n-au="{outlet.url("/a/1")}"></c-wiz></body>')
    google.add(dead_end, "<html><body><script>location.replace(x)</script></body></html>")
    items = [{"title": "r", "link": resolved + "?oc=5"}, {"title": "d", "link": dead_end}]
    outlet.add("/feed", rss_feed(items), content_type="application/rss+xml")
    monkeypatch.setenv("http_proxy", f"http://{google.host}:{google.port}")
    monkeypatch.setenv("no_proxy", outlet.host)
    # The feed opts in to Google News (its robots.txt forbids the article pages).
    job = CrawlJob(feeds=[SourceSpec(outlet.url("/feed"), ignore_robots=True)],
                   crawl=crawl_settings())
    pages = {p.url: p for p in run_crawl(job, tmp_path / "g").pages()}

    followed = pages[resolved + "?oc=5"]
    assert followed.final_url == canonicalize(outlet.url("/a/1"))
    assert followed.reason is None and followed.body_path is not None
    assert outlet.hits["/a/1"] == 1
    assert pages[dead_end].reason.startswith("Google News link not resolved")
    assert google.hits[resolved] == 1 and google.hits[dead_end] == 1


def test_max_seconds_closes_the_crawl_and_keeps_what_it_has(sites, article_page, rss_feed,
                                                            tmp_path):
    site = sites("127.0.0.2")
    site.add("/a/quick", article_page("Quick"))
    site.handle("/a/slow", trickle)
    items = [{"title": "q", "link": site.url("/a/quick")},
             {"title": "s", "link": site.url("/a/slow")}]
    site.add("/feed", rss_feed(items), content_type="application/rss+xml")
    job = CrawlJob(feeds=[SourceSpec(site.url("/feed"))],
                   crawl=crawl_settings(timeout=3, retries=0), max_seconds=1)
    output = run_crawl(job, tmp_path / "capped")
    assert output.finish_reason == "closespider_timeout"
    pages = {p.url: p for p in output.pages()}
    assert pages[canonicalize(site.url("/a/quick"))].reason is None
    assert pages[canonicalize(site.url("/a/slow"))].reason.startswith("timeout")
    assert output.sources[0].error is None
