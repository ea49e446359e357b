"""One look at a story's sources or an outlet's site, without Scrapy and without a warehouse.

`presswatch story check --sources` fetches each feed and sitemap once to show what it gives;
`presswatch story add-outlet URL` finds an outlet's feeds and news sitemaps. Both make a handful
of requests, so presswatch's guarded blocking client (presswatch/http_client.py) is enough; the
daily crawl keeps its own stack with the same address rule. Here too: http(s) only, loopback
and private addresses refused (on every redirect, and connected to as checked) unless allowed,
the story's user agent, a timeout and a size cap after decoding, robots.txt obeyed when the
story says so.
"""

from __future__ import annotations

import re
import urllib.robotparser
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from presswatch.addresses import AddressPolicy, parse_networks
from presswatch.http_client import FetchError, FetchRefused, HttpClient, RetryPolicy, TooLarge
from presswatch.records import Candidate
from presswatch.spiders.feeds import parse_feed, parse_sitemap
from presswatch.story import Crawl

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
              "application/feed+json", "application/xml", "text/xml")
# Where outlets' CMSs put their feeds and news sitemaps when a page does not say.
COMMON_FEED_PATHS = ("/feed/", "/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml",
                     "/feed/atom/", "/feed/atom", "/index.xml", "/index.rdf", "/rss/index.xml")
COMMON_SITEMAP_PATHS = ("/news-sitemap.xml", "/sitemap_news.xml", "/news_sitemap.xml",
                        "/sitemap-news.xml", "/sitemaps/news.xml", "/sitemap_index.xml",
                        "/sitemap.xml")
NEWS_NAMESPACE = b"sitemap-news"


@dataclass
class Fetched:
    """One answer: the body when there is one, else the reason there is none."""

    url: str
    status: int | None = None
    content_type: str | None = None
    body: bytes = b""
    error: str | None = None
    final_url: str | None = None


class Fetcher:
    """GET with the crawl's limits; robots.txt read once per host and obeyed if asked."""

    def __init__(self, crawl: Crawl, *, trusted_networks: Collection[str] = (),
                 max_bytes: int | None = None) -> None:
        self.crawl = crawl
        self.max_bytes = max_bytes or crawl.max_feed_bytes
        story_rule = crawl.address_policy()
        policy = AddressPolicy(story_rule.allow_loopback,
                               story_rule.networks + parse_networks(trusted_networks))
        self.client = HttpClient(crawl.user_agent, policy, timeout_s=crawl.timeout,
                                 deadline_s=4 * crawl.timeout, max_bytes=self.max_bytes,
                                 retry=RetryPolicy(retries=0))
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_lines: dict[str, list[str]] = {}
        self.requests = 0

    def get(self, url: str, *, obey_robots: bool | None = None) -> Fetched:
        result = Fetched(url)
        if (self.crawl.obey_robots if obey_robots is None else obey_robots) and \
                not self.robots_allow(url):
            result.error = "robots.txt disallows it for our user agent"
            return result
        self.requests += 1
        try:
            answer = self.client.get(url)
        except FetchRefused as exc:
            result.error = f"refused: {exc}"
            return result
        except TooLarge:
            result.error = f"larger than {self.max_bytes} bytes"
            return result
        except FetchError as exc:
            result.error = f"cannot fetch: {exc}"
            return result
        result.status, result.final_url = answer.status, answer.url
        result.content_type = answer.content_type
        if not answer.ok:
            result.error = f"HTTP {answer.status}"
            return result
        result.body = answer.body
        return result

    def robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        robots = self._robots[origin]
        return robots is None or robots.can_fetch(self.crawl.user_agent, url)

    def robots_lines(self, origin: str) -> list[str]:
        """The origin's robots.txt, read once per Fetcher ([] when there is none)."""
        if origin not in self._robots_lines:
            fetched = self.get(origin + "/robots.txt", obey_robots=False)
            body = b"" if fetched.error else fetched.body
            self._robots_lines[origin] = body.decode("utf-8", errors="replace").splitlines()
        return self._robots_lines[origin]

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        lines = self.robots_lines(origin)
        if not lines:
            return None  # no robots.txt: everything allowed
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(lines)
        return parser


# ---------------------------------------------------------------------------------------------
# What each source of a story gives


@dataclass
class SourceProbe:
    kind: str  # "feed" | "sitemap"
    url: str
    name: str | None
    status: int | None = None
    error: str | None = None
    entries: list[Candidate] = field(default_factory=list)
    child_sitemaps: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def probe_feed(fetcher: Fetcher, url: str, name: str | None, *, now: datetime,
               since: date | None, obey_robots: bool | None = None) -> SourceProbe:
    """What the feed gives; obey_robots False for a feed the story opts in (ignore_robots)."""
    probe = SourceProbe("feed", url, name)
    fetched = fetcher.get(url, obey_robots=obey_robots)
    probe.status, probe.error = fetched.status, fetched.error
    if fetched.error is None:
        parsed = parse_feed(fetched.body, source_url=url, now=now,
                            content_type=fetched.content_type, since=since)
        probe.entries, probe.error, probe.skipped = parsed.candidates, parsed.error, parsed.skipped
    return probe


def probe_sitemap(fetcher: Fetcher, url: str, name: str | None, *, now: datetime,
                  since: date | None) -> SourceProbe:
    probe = SourceProbe("sitemap", url, name)
    fetched = fetcher.get(url)
    probe.status, probe.error = fetched.status, fetched.error
    if fetched.error is None:
        parsed = parse_sitemap(fetched.body, source_url=url, now=now,
                               max_size=fetcher.crawl.max_feed_bytes, since=since)
        probe.entries, probe.error, probe.skipped = parsed.candidates, parsed.error, parsed.skipped
        probe.child_sitemaps = parsed.sitemaps
    return probe


# ---------------------------------------------------------------------------------------------
# An outlet's feeds and news sitemaps


@dataclass
class FoundSource:
    kind: str  # "feed" | "sitemap"
    url: str
    name: str
    how: str  # where it was found: "<link rel=alternate>", "robots.txt", "common path /feed"
    entries: int


@dataclass
class OutletSources:
    site: str
    site_name: str
    sources: list[FoundSource] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)  # found but not added, and why
    error: str | None = None


def _page_links(body: bytes, base: str) -> tuple[str | None, list[tuple[str, str | None]]]:
    """The site's name and its declared feeds ((url, title)) from an HTML page."""
    try:
        tree = lxml.html.fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return None, []
    name = None
    for meta in tree.xpath('//meta[@property="og:site_name"]/@content'):
        name = meta.strip() or None
    if name is None:
        titles = tree.xpath("//title/text()")
        # "Latest | The Daily Circuit": sites put their own name last.
        parts = re.split(r"\s+[|\u2014\u2013-]\s+", titles[0]) if titles else []
        name = parts[-1].strip() if parts and parts[-1].strip() else None
    feeds = []
    for link in tree.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            feeds.append((urljoin(base, link.get("href").strip()), link.get("title")))
    return name, feeds


def _sitemap_lines(lines: list[str], origin: str) -> list[str]:
    found = []
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            found.append(urljoin(origin + "/", value.strip()))
    return found


def discover_outlet(fetcher: Fetcher, url: str, *, now: datetime) -> OutletSources:
    """An outlet's feeds (<link rel="alternate">, else common paths) and news sitemaps
    (robots.txt `Sitemap:` lines, else common paths), each fetched once to check it works."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    result = OutletSources(site=origin, site_name=parts.hostname or origin)
    home = fetcher.get(url)
    if home.error:
        result.error = f"{url}: {home.error}"
        return result
    site_name, declared = _page_links(home.body, home.final_url or url)
    result.site_name = site_name or result.site_name

    feeds = [(u, title, "<link rel=alternate> on the page") for u, title in declared]
    if not feeds:
        feeds = [(origin + path, None, f"common feed path {path}") for path in COMMON_FEED_PATHS]
    seen: set[str] = set()
    for feed_url, title, how in feeds:
        fetched = fetcher.get(feed_url)
        if fetched.error is not None:
            if how.startswith("<link"):
                result.passed_over.append(f"feed {feed_url}: {fetched.error}")
            continue
        parsed = parse_feed(fetched.body, source_url=feed_url, now=now,
                            content_type=fetched.content_type)
        final = fetched.final_url or feed_url
        if parsed.error and not parsed.candidates:
            if how.startswith("<link"):
                result.passed_over.append(f"feed {feed_url}: {parsed.error}")
            continue
        if final in seen:
            continue
        seen.add(final)
        result.sources.append(FoundSource("feed", feed_url, title or result.site_name, how,
                                          len(parsed.candidates)))

    from_robots = _sitemap_lines(fetcher.robots_lines(origin), origin)
    sitemaps = [(u, "robots.txt") for u in from_robots] or [
        (origin + path, f"common sitemap path {path}") for path in COMMON_SITEMAP_PATHS]
    queue = list(sitemaps)
    while queue:
        sitemap_url, how = queue.pop(0)
        if sitemap_url in seen:
            continue
        seen.add(sitemap_url)
        fetched = fetcher.get(sitemap_url)
        if fetched.error is not None:
            if how == "robots.txt" or how.startswith("index"):
                result.passed_over.append(f"sitemap {sitemap_url}: {fetched.error}")
            continue
        parsed = parse_sitemap(fetched.body, source_url=sitemap_url, now=now,
                               max_size=fetcher.crawl.max_feed_bytes)
        if parsed.error:
            result.passed_over.append(f"sitemap {sitemap_url}: {parsed.error}")
            continue
        if parsed.sitemaps:  # an index: its news sitemaps are what a daily run wants
            news = [child for child in parsed.sitemaps if "news" in child.lower()]
            queue[:0] = [(child, f"index {sitemap_url}") for child in news]
            for child in parsed.sitemaps:
                if child not in news:
                    result.passed_over.append(f"sitemap {child}: not a news sitemap (in the "
                                              f"index {sitemap_url})")
            if not news:
                result.passed_over.append(f"sitemap index {sitemap_url}: lists no news sitemap")
            continue
        if NEWS_NAMESPACE not in fetched.body[:4096] and b"<news:" not in fetched.body:
            result.passed_over.append(f"sitemap {sitemap_url}: not a news sitemap (every page "
                                      "of the site, not its news); add it by hand if wanted")
            continue
        result.sources.append(FoundSource("sitemap", sitemap_url,
                                          f"{result.site_name} news sitemap", how,
                                          len(parsed.candidates)))
        if how.startswith("common"):
            break  # one news sitemap found by guessing is enough
    return result



# ---------------------------------------------------------------------------------------------
# Why robots.txt allows or forbids a URL


@dataclass(frozen=True)
class RobotsVerdict:
    """What a robots.txt says of one URL for one agent, and the line that decides it."""

    allowed: bool
    rule: str | None  # "Disallow: /" as written, None when no rule matches (allowed)
    agent: str | None  # the User-agent group that applies ("*"), None when none does


def _robots_groups(lines: list[str]) -> list[tuple[list[str], list[tuple[str, str]]]]:
    """(agents, [(field, path)]) per group, as RFC 9309 reads them."""
    groups: list[tuple[list[str], list[tuple[str, str]]]] = []
    in_agents = False
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "user-agent":
            if not in_agents:
                groups.append(([], []))
            groups[-1][0].append(value.lower())
            in_agents = True
        elif name in ("allow", "disallow") and groups:
            groups[-1][1].append((name, value))
            in_agents = False
    return groups


def _rule_matches(pattern: str, path: str) -> bool:
    regex = re.escape(pattern).replace(r"\*", ".*")
    if regex.endswith(r"\$"):
        regex = regex[:-2] + "$"
    return re.match(regex, path) is not None


def robots_verdict(lines: list[str], user_agent: str, url: str) -> RobotsVerdict:
    """RFC 9309: the group naming our agent's product token, else "*"; the longest matching
    rule wins, Allow on a tie; no matching rule allows."""
    token = user_agent.split("/", 1)[0].strip().lower()
    groups = _robots_groups(lines)
    rules: list[tuple[str, str]] = []
    agent = None
    for wanted in (token, "*"):
        for agents, group_rules in groups:
            if wanted in agents:
                rules += group_rules
                agent = wanted
        if agent is not None:
            break
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    best: tuple[int, bool, str] | None = None
    for name, pattern in rules:
        if not pattern or not _rule_matches(pattern, path):
            continue
        candidate = (len(pattern), name == "allow", f"{name.capitalize()}: {pattern}")
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None:
        return RobotsVerdict(True, None, agent)
    return RobotsVerdict(best[1], best[2], agent)
