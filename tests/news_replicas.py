"""Local replicas of Google News and Bing News as they answer today, served on loopback through
presswatch.demo.loopback: search feeds in the live format, Google's article pages with their
signature, and the batchexecute POST with its framing, errors and rate limit.

Google's replica is as strict as the service (as reported from live calls in 2026): its
robots.txt disallows /rss/, the article pages and /_/DotsSplashUi/ for every agent; after
about 15 GETs it answers 429 to everything for up to an hour; from the EU the article page
redirects to consent.google.com; ids look like real ones ("CBMi" + base64 of a protobuf
holding an "AU_yqL..." id); batchexecute rows echo "generic" when asked so.

Links are written as http://news.google.com/...: the crawl reaches the replica as its HTTP proxy
(there is no DNS for news.google.com here), so the spider sees Google's own host name.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape

from presswatch.demo.loopback import OutletServers, RequestRecord, Response
from presswatch.story import Story

GOOGLE = "http://news.google.com"
BATCHEXECUTE = "/_/DotsSplashUi/data/batchexecute"
# news.google.com/robots.txt as reported from the live file in 2026-08: everything but a few
# sections is disallowed, /rss/, the article pages and /_/DotsSplashUi/ included.
GOOGLE_ROBOTS = b"""User-agent: *
Disallow: /
Allow: /$
Allow: /home
Allow: /topics/
Allow: /publications/
Allow: /stories/
Allow: /swg/
Allow: /about
"""
CONSENT = "https://consent.google.com/ml"
# GETs Google answers before it starts answering 429, and how long it then blocks.
GET_LIMIT = 15
BLOCK_SECONDS = 3600.0


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def article_id(publisher_url: str) -> str:
    """An id shaped like Google's (base64url of a protobuf, field 4 holding "AU_yqL..."):
    "CBMi..." and 150-odd characters, nothing in it names the publisher."""
    digest = hashlib.sha256(publisher_url.encode()).digest() * 4
    inner = b"AU_yqL" + base64.urlsafe_b64encode(digest)[:104].rstrip(b"=")
    message = b"\x08\x13\x22" + _varint(len(inner)) + inner + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(message).decode().rstrip("=")


def _signature(art_id: str) -> str:
    return "AU_yqL" + hashlib.sha256(("sig" + art_id).encode()).hexdigest()[:30]


@dataclass
class GoogleNewsReplica:
    """news.google.com: /rss/search lists `stories` (publisher URL -> title); each link's
    article page is signed; batchexecute answers signed requests with the publisher's URL.

    Ids in `refused` get Google's error row; `rate_limited` makes batchexecute answer 429.
    After `get_limit` GETs every request is answered 429 for `block_seconds`; `consent`
    sends article pages to consent.google.com (as from an EU address); `echo_ids` False
    answers each row with "generic" instead of the request's id."""

    stories: dict[str, str]
    refused: set[str] = field(default_factory=set)
    rate_limited: bool = False
    get_limit: int = GET_LIMIT
    block_seconds: float = BLOCK_SECONDS
    consent: bool = False
    echo_ids: bool = True
    gzip: bool = False
    gets: int = 0
    blocked_until: float | None = None
    requests: list[str] = field(default_factory=list)  # every path asked, in order
    page_hits: dict[str, int] = field(default_factory=dict)
    batches: list[list[str]] = field(default_factory=list)  # ids asked, per POST
    google_times: list[float] = field(default_factory=list)  # when each Google request came
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ids(self) -> dict[str, str]:
        return {article_id(url): url for url in self.stories}

    def link(self, publisher_url: str) -> str:
        return f"{GOOGLE}/rss/articles/{article_id(publisher_url)}?oc=5"

    def record(self, entry: RequestRecord) -> None:
        """The replica keeps its own log (page_hits, batches, google_times)."""

    def _blocked(self, is_get: bool) -> Response | None:
        """Google's throttle: GETs past the limit start a block that every request meets."""
        now = time.monotonic()
        with self._lock:
            if self.blocked_until is not None and now < self.blocked_until:
                return _too_many()
            if is_get:
                self.gets += 1
                if self.gets > self.get_limit:
                    self.blocked_until = now + self.block_seconds
                    return _too_many()
        return None

    def respond(self, outlet: str, target: str) -> Response:
        path = urlsplit(target).path
        with self._lock:
            self.requests.append(path)
        if path == "/robots.txt":
            return Response(200, GOOGLE_ROBOTS, "text/plain", cacheable=False)
        blocked = self._blocked(is_get=True)
        if blocked is not None:
            return blocked
        if path == "/rss/search":
            return Response(200, self._search_feed(), "application/xml; charset=UTF-8",
                            cacheable=False)
        if path.startswith("/rss/articles/"):
            art_id = path.rsplit("/", 1)[1]
            with self._lock:
                self.page_hits[art_id] = self.page_hits.get(art_id, 0) + 1
                self.google_times.append(time.monotonic())
            if art_id not in self.ids:
                return Response(404, b"not found", "text/plain", cacheable=False)
            if self.consent:
                where = f"{CONSENT}?continue={quote(GOOGLE + target, safe='')}&gl=DE&hl=de"
                return Response(302, b"", "text/html", headers={"Location": where},
                                cacheable=False)
            page = (
                '<!doctype html><html><head><title>Google News</title></head><body>'
                '<c-wiz jsrenderer="x"><div jscontroller="aLI87" jsname="a" '
                f'data-n-a-id="{art_id}" data-n-a-ts="1732615200" '
                f'data-n-a-sg="{_signature(art_id)}"></div></c-wiz></body></html>'
            )
            return Response(200, page.encode(), cacheable=False)
        return Response(404, b"not found", "text/plain", cacheable=False)

    def respond_post(self, outlet: str, target: str, body: bytes) -> Response:
        if urlsplit(target).path != BATCHEXECUTE:
            return Response(404, b"not found", "text/plain", cacheable=False)
        with self._lock:
            self.google_times.append(time.monotonic())
            self.requests.append(BATCHEXECUTE)
        blocked = self._blocked(is_get=False)
        if blocked is not None:
            return blocked
        if self.rate_limited:
            return Response(429, b"Too Many Requests", "text/html",
                            headers={"Retry-After": "0"}, cacheable=False)
        (request,) = parse_qs(body.decode())["f.req"]
        rows, asked = [], []
        for rpc_id, inner, _, asked_id in json.loads(request)[0]:
            request_id = asked_id if self.echo_ids else "generic"
            assert rpc_id == "Fbv4je"
            name, _context, art_id, timestamp, signature = json.loads(inner)
            asked.append(art_id)
            good = (name == "garturlreq" and timestamp == 1732615200
                    and signature == _signature(art_id) and art_id in self.ids)
            if good and art_id not in self.refused:
                payload = json.dumps(["garturlres", self.ids[art_id], 1])
                rows.append(["wrb.fr", "Fbv4je", payload, None, None, None, request_id])
            else:
                rows.append(["wrb.fr", "Fbv4je", None, None, None, [3], request_id])
        with self._lock:
            self.batches.append(asked)
        answer = ")]}'\n\n" + json.dumps([*rows, ["di", 42], ["af.httprm", 41, "-1", 7]])
        return Response(200, answer.encode(), "application/json; charset=utf-8",
                        cacheable=False)

    def _search_feed(self) -> bytes:
        when = format_datetime(datetime(2024, 11, 26, 10, 0, tzinfo=UTC), usegmt=True)
        items = "".join(
            f"<item><title>{escape(title)} - Example Outlet</title>"
            f"<link>{escape(self.link(url))}</link>"
            f'<guid isPermaLink="false">{article_id(url)}</guid><pubDate>{when}</pubDate>'
            f'<description>&lt;a href="{escape(self.link(url))}"&gt;{escape(title)}&lt;/a&gt;'
            f'</description><source url="{escape(url.split("/a/")[0])}">Example Outlet</source>'
            "</item>"
            for url, title in self.stories.items()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><rss version="2.0" '
            'xmlns:media="http://search.yahoo.com/mrss/"><channel><generator>NFE/5.0'
            '</generator><title>"Sora leak" - Google News</title>'
            f"<link>{GOOGLE}/search?q=Sora+leak</link><language>en-US</language>"
            f"<description>Google News</description>{items}</channel></rss>"
        ).encode()


def _too_many() -> Response:
    """Google's answer while it blocks a client: 429 with its "unusual traffic" page and no
    Retry-After."""
    page = (b"<html><head><title>Sorry...</title></head><body>Our systems have detected "
            b"unusual traffic from your computer network.</body></html>")
    return Response(429, page, "text/html", cacheable=False)


def bing_feed(stories: dict[str, str]) -> bytes:
    """A Bing News search feed: each link wraps the publisher's URL in apiclick.aspx?url=."""
    items = "".join(
        "<item><title>{}</title><link>{}</link><pubDate>Tue, 26 Nov 2024 10:00:00 GMT</pubDate>"
        "<description>d</description></item>".format(
            escape(title),
            escape("http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=abc"
                   f"&url={quote(url, safe='')}&c=123&mkt=en-us"))
        for url, title in stories.items()
    )
    return (
        '<?xml version="1.0" encoding="utf-8" ?><rss version="2.0"><channel>'
        "<title>Sora leak - BingNews</title><link>https://www.bing.com/news/search?q=Sora</link>"
        f"<description>Search results</description>{items}</channel></rss>"
    ).encode()


@dataclass
class PublisherSite:
    """An outlet with fixed pages (path -> HTML, or a whole Response), counting hits per path.
    Tests change `pages` between runs (a feed that breaks, then works again)."""

    pages: dict[str, str | Response]
    gzip: bool = False
    hits: Counter[str] = field(default_factory=Counter)

    def record(self, entry: RequestRecord) -> None:
        self.hits[entry.path] += 1

    def respond(self, outlet: str, target: str) -> Response:
        page = self.pages.get(urlsplit(target).path)
        if page is None:
            return Response(404, b"not found", "text/plain", cacheable=False)
        if isinstance(page, Response):
            return page
        return Response(200, page.encode(), cacheable=False)


def serve(site: GoogleNewsReplica | PublisherSite, name: str = "news.google.com"
          ) -> OutletServers:
    """The site on its own loopback address; stop() it after the test."""
    servers = OutletServers(site)
    servers.start([name])
    return servers


@dataclass
class GdeltDoc:
    """GDELT's DOC 2.0 artlist for the articles in `seen` (URL -> when GDELT saw it): the
    window's articles in JSON, `{}` for none, and GDELT's refusal sentences with HTTP 200 for
    a quoted single word or a keyword under 3 letters."""

    seen: dict[str, datetime]
    gzip: bool = False
    asked: list[dict[str, list[str]]] = field(default_factory=list)

    def record(self, entry: RequestRecord) -> None:
        """The replica keeps the queries it was asked instead."""

    def respond(self, outlet: str, target: str) -> Response:
        query = parse_qs(urlsplit(target).query)
        self.asked.append(query)
        words = query.get("query", [""])[0]
        if re.search(r'"\w+"', words):
            return Response(200, b"Phrases must contain at least two words.", "text/html",
                            cacheable=False)
        if any(len(w.strip("()")) < 3 for w in re.sub(r'"[^"]*"', " ", words).split()):
            return Response(200, b"The specified phrase is too short.", "text/html",
                            cacheable=False)
        start = datetime.strptime(query["startdatetime"][0], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        end = datetime.strptime(query["enddatetime"][0], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        rows = [{"url": url, "url_mobile": "", "title": "GDELT title",
                 "seendate": when.strftime("%Y%m%dT%H%M%SZ"), "socialimage": "",
                 "domain": urlsplit(url).hostname, "language": "English",
                 "sourcecountry": "United States"}
                for url, when in sorted(self.seen.items(), key=lambda kv: kv[1])
                if start <= when < end]
        body = json.dumps({"articles": rows}) if rows else "{}"
        return Response(200, body.encode(), "application/json; charset=utf-8", cacheable=False)


@dataclass
class LiveWeb:
    """The web as a story's sources meet it, behind one loopback HTTP proxy: a proxy receives
    absolute URLs, so each request goes to the replica of the host it names (Google News,
    Bing, GDELT, the outlets), and the crawl sees the real host names. Unknown hosts: 404."""

    hosts: dict[str, GoogleNewsReplica | PublisherSite | GdeltDoc]
    gzip: bool = False

    def record(self, entry: RequestRecord) -> None:
        """Each replica keeps its own log."""

    def _site(self, target: str) -> GoogleNewsReplica | PublisherSite | GdeltDoc | None:
        return self.hosts.get((urlsplit(target).hostname or "").lower())

    def respond(self, outlet: str, target: str) -> Response:
        site = self._site(target)
        if site is None:
            return Response(404, b"no such host in this replica", "text/plain",
                            cacheable=False)
        return site.respond(outlet, target)

    def respond_post(self, outlet: str, target: str, body: bytes) -> Response:
        site = self._site(target)
        answer = getattr(site, "respond_post", None)
        if answer is None:
            return Response(405, b"this site answers no POST", "text/plain", cacheable=False)
        return answer(outlet, target, body)


def _article(title: str) -> str:
    text = "".join(f"<p>Paragraph {i} on {escape(title)}: artists in the early access programme "
                   "said the company asked them to test the video model without pay, and that "
                   "they published the front-end to protest.</p>" for i in range(4))
    return (f"<!doctype html><html lang='en'><head><title>{escape(title)}</title></head><body>"
            f"<article><h1>{escape(title)}</h1>{text}</article></body></html>")


def _xml(body: str | bytes) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return Response(200, data, "application/xml; charset=utf-8", cacheable=False)


def _rss(links: list[str]) -> str:
    items = "".join(f"<item><title>Artists leak Sora {n}</title><link>{escape(link)}</link>"
                    "<pubDate>Wed, 27 Nov 2024 10:00:00 GMT</pubDate></item>"
                    for n, link in enumerate(links))
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>f</title>{items}" \
           "</channel></rss>"


def _news_sitemap(links: list[str]) -> str:
    rows = "".join(
        f"<url><loc>{escape(link)}</loc><news:news><news:publication><news:name>X"
        "</news:name><news:language>en</news:language></news:publication>"
        "<news:publication_date>2024-11-27T10:00:00Z</news:publication_date><news:title>Sora"
        "</news:title></news:news></url>" for link in links)
    return ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>" + rows + "</urlset>")


@dataclass
class StoryWeb:
    """A story's hosts as replicas: each outlet feed or sitemap lists one article of its own,
    Bing lists a Wired article, GDELT saw a Reuters one 12 hours before `now`, Google would list
    one. `articles` holds every article URL a discovery may reach (http, as served)."""

    hosts: dict[str, GoogleNewsReplica | PublisherSite | GdeltDoc]
    articles: list[str]
    google: GoogleNewsReplica
    gdelt: GdeltDoc
    bing_article: str
    gdelt_article: str


def story_web(feeds: list[str], sitemaps: list[str], now: datetime) -> StoryWeb:
    hosts: dict[str, GoogleNewsReplica | PublisherSite | GdeltDoc] = {}
    articles: list[str] = []

    def article(host: str, path: str) -> str:
        site = hosts.setdefault(host, PublisherSite({}))
        site.pages[path] = _article(f"Artists leak Sora, as {host} tells it")
        articles.append(f"http://{host}{path}")
        return articles[-1]

    for url in [*feeds, *sitemaps]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host in ("news.google.com", "www.bing.com"):
            continue
        link = article(host.replace("feeds.", ""), f"/2024/11/sora-leak-{len(articles)}/")
        body = _news_sitemap([link]) if url in sitemaps else _rss([link])
        hosts.setdefault(host, PublisherSite({})).pages[parts.path] = _xml(body)
    bing_article = article("www.wired.com", "/story/openai-sora-leak-artists/")
    hosts["www.bing.com"] = PublisherSite({"/news/search": _xml(bing_feed({bing_article: "S"}))})
    gdelt_article = article("www.reuters.com", "/technology/openai-sora-leak-2024-11-27/")
    gdelt = GdeltDoc({gdelt_article: now - timedelta(hours=12)})
    google = GoogleNewsReplica({"http://www.example-news.com/a/1": "Sora leak"})
    hosts.update({"api.gdeltproject.org": gdelt, "news.google.com": google})
    return StoryWeb(hosts, articles, google, gdelt, bing_article, gdelt_article)


def over_http(story: Story) -> Story:
    """The story with each source's address in http (LiveWeb's proxy speaks plain HTTP),
    private hosts allowed (the proxy is on loopback), no crawl delay; nothing else changed."""
    def http(url: str) -> str:
        return "http://" + url.removeprefix("https://")
    return story.model_copy(update={
        "feeds": [f.model_copy(update={"url": http(f.url)}) for f in story.feeds],
        "sitemaps": [s.model_copy(update={"url": http(s.url)}) for s in story.sitemaps],
        "crawl": story.crawl.model_copy(update={"download_delay": 0, "timeout": 5}),
    }).allowing_private_hosts()
