"""The bundled replay, served for real on loopback, and its manifest checked against the files.

The manifest is the ground truth that the crawl, relevance, syndication, statement and alert
tests lean on, so these tests make sure every label points at something the site really serves
and every quote snippet is really in the prose.
"""

from __future__ import annotations

import gzip
import html
import http.client
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
import trafilatura

from presswatch.demo.loopback import _bind
from presswatch.demo.server import (
    ReplayError,
    ReplaySite,
    load_manifest,
    plain_text,
    site_dir,
)
from presswatch.story import load_story

MANIFEST = load_manifest()
ARTICLES = {a["id"]: a for a in MANIFEST["articles"]}
SOURCES = {s["key"]: s for s in MANIFEST["sources"]}
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site():
    with ReplaySite(day=1) as served:
        yield served


@pytest.fixture
def day1(site):
    site.set_day(1)
    return site


@pytest.fixture
def day2(site):
    site.set_day(2)
    yield site
    site.set_day(1)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One GET without following redirects: status, headers, body (gunzipped if needed)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request("GET", target, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    found = {k.lower(): v for k, v in response.getheaders()}
    conn.close()
    if found.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return response.status, found, body


def normalise(text: str) -> str:
    text = html.unescape(text)
    for curly, straight in {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"}.items():
        text = text.replace(curly, straight)
    return re.sub(r"\s+", " ", text)


def visible_text(page: bytes) -> str:
    without_head = re.sub(r"<head>.*?</head>", " ", page.decode("utf-8"), flags=re.S)
    return normalise(re.sub(r"<[^>]+>", " ", without_head))


def listed_urls(site: ReplaySite, key: str) -> list[str]:
    """Entry URLs of one feed or sitemap as served now (sitemap indexes followed)."""
    source = SOURCES[key]
    status, _, body = get(site.source_url(key))
    assert status == 200, key
    if source["kind"] == "feed":
        parsed = feedparser.parse(body)
        assert not parsed.bozo, f"{key}: {parsed.bozo_exception}"
        return [entry.link for entry in parsed.entries]
    root = ET.fromstring(body)
    if root.tag == f"{SITEMAP_NS}sitemapindex":
        children = [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]
        return [u for child in children for u in _sitemap_locs(child)]
    return [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]


def _sitemap_locs(url: str) -> list[str]:
    status, _, body = get(url)
    assert status == 200, url
    return [loc.text for loc in ET.fromstring(body).iter(f"{SITEMAP_NS}loc")]


def good_sources() -> list[str]:
    return [k for k, s in SOURCES.items() if s["in_story"] and s["expected_error"] is None]


def known_urls(site: ReplaySite, day: int) -> set[str]:
    urls = {site.url(a["outlet"], a["path"]) for a in MANIFEST["articles"] if a["day"] <= day}
    urls |= {site.url(b["outlet"], b["path"]) for b in MANIFEST["bad_urls"] if b["day"] <= day}
    for source in SOURCES.values():
        urls |= {site.url(source["outlet"], p["path"]) for p in source.get("pages", [])}
    return urls


def local_date(article: dict) -> str:
    """The publication date as the outlet prints it: in its own time zone."""
    offset = MANIFEST["outlets"][article["outlet"]]["utc_offset_minutes"]
    published = datetime.fromisoformat(article["published_at"].replace("Z", "+00:00"))
    return (published + timedelta(minutes=offset)).date().isoformat()


def resolve_aggregator(url: str) -> str:
    status, headers, _ = get(url)
    assert status == 302, url
    return headers["location"]


# ------------------------------------------------------------------------------ the manifest


def test_manifest_has_the_coverage_the_issues_ask_for():
    articles = MANIFEST["articles"]
    assert len(articles) >= 34
    assert len({a["outlet"] for a in articles}) >= 6
    assert len([a for a in articles if a["day"] == 2]) >= 6
    assert {a["language"] for a in articles} >= {"en", "it"}
    kinds = {a["kind"] for a in articles}
    assert kinds >= {"on_topic", "passing_mention", "near_miss_product", "near_miss_other_leak",
                     "near_miss_other_protest", "off_topic"}
    assert any(a["copy_of"] for a in articles)
    assert {b["kind"] for b in MANIFEST["bad_urls"]} >= {
        "redirect", "robots_blocked", "not_found", "tracking_variant", "non_html"}
    formats = {s["format"] for s in MANIFEST["sources"]}
    assert formats >= {"rss2", "atom", "rss1", "aggregator", "news_sitemap", "sitemap_index",
                       "truncated", "missing"}


def article_text(article_id: str) -> str:
    return plain_text((site_dir() / "articles" / f"{article_id}.txt").read_text(encoding="utf-8"))


def test_every_article_file_exists_and_is_news_length():
    for article in MANIFEST["articles"]:
        words = len(article_text(article["id"]).split())
        assert 300 <= words <= 900 or article["kind"] == "passing_mention", (article["id"], words)
        assert article["relevant"] == (article["kind"] == "on_topic"), article["id"]
        assert article["copy_of"] is None or article["copy_of"] in ARTICLES


def test_expected_quotes_are_really_in_the_prose():
    statement_ids = {s["id"] for s in MANIFEST["statements"]}
    for article in MANIFEST["articles"]:
        text = normalise(article_text(article["id"]))
        for quote in article["expected_quotes"]:
            assert normalise(quote["snippet"]) in text, (article["id"], quote["snippet"])
            assert quote["kind"] in {"direct", "indirect", "mixed"}
            assert quote["statement"] in statement_ids, (article["id"], quote["statement"])


def test_statements_first_appear_on_their_day_and_day_two_only_adds():
    quoted_on: dict[str, set[int]] = {}
    for article in MANIFEST["articles"]:
        for quote in article["expected_quotes"]:
            quoted_on.setdefault(quote["statement"], set()).add(article["day"])
    statements = MANIFEST["statements"]
    for statement in statements:
        assert min(quoted_on[statement["id"]]) == statement["first_day"], statement["id"]
    for statement in statements:
        quoting = [a for a in MANIFEST["articles"]
                   if statement["id"] in {q["statement"] for q in a["expected_quotes"]}]
        assert statement["articles"] == sorted(a["id"] for a in quoting)
        assert statement["outlets"] == sorted({a["outlet"] for a in quoting})
        assert statement["first_article"] == min(quoting, key=lambda a: a["published_at"])["id"]
        snippets = {q["snippet"] for a in quoting for q in a["expected_quotes"]
                    if q["statement"] == statement["id"]}
        assert statement["snippet"] in snippets
    new_on_day_two = [s for s in statements if s["first_day"] == 2]
    assert len(new_on_day_two) >= 2
    re_reported = [s for s in statements if s["first_day"] == 1 and 2 in quoted_on[s["id"]]]
    assert len(re_reported) >= 2


def test_copies_share_their_text_and_letter_quoters_do_not():
    for article in MANIFEST["articles"]:
        if article["copy_of"]:
            copy = set(article_text(article["id"]).split())
            original = ARTICLES[article["copy_of"]]
            assert original["day"] <= article["day"]
            assert original["published_at"] < article["published_at"]
            source = set(article_text(original["id"]).split())
            assert len(copy & source) / len(copy | source) > 0.9


def test_site_files_are_small_enough_to_ship():
    total = sum(f.stat().st_size for f in site_dir().rglob("*") if f.is_file())
    assert total < 2_000_000


# ------------------------------------------------------------------------------ serving


def test_outlets_have_their_own_hosts(day1):
    netlocs = [urlsplit(u).netloc for u in day1.urls.values()]
    assert len(set(netlocs)) == len(netlocs) == len(MANIFEST["outlets"])
    assert all(urlsplit(u).hostname.startswith("127.") for u in day1.urls.values())


def test_every_feed_item_is_in_the_manifest_and_day_two_is_a_superset(site):
    seen = {}
    for day in (1, 2):
        site.set_day(day)
        known = known_urls(site, day)
        seen[day] = set()
        for key in good_sources():
            for url in listed_urls(site, key):
                if SOURCES[key]["format"] == "aggregator":
                    url = resolve_aggregator(url)
                assert url in known, (day, key, url)
                seen[day].add(url)
    site.set_day(1)
    assert seen[1] < seen[2]
    every_article = {site.url(a["outlet"], a["path"]) for a in MANIFEST["articles"]}
    reached = seen[2] | {site.url(b["outlet"], b["path"].split("?")[0])
                         for b in MANIFEST["bad_urls"] if b["kind"] == "tracking_variant"}
    reached |= {site.article_url(b["article"]) for b in MANIFEST["bad_urls"]
                if b["kind"] == "redirect"}
    assert every_article <= reached


def test_feeds_list_what_the_manifest_says(day1):
    for key in good_sources():
        if SOURCES[key]["kind"] != "feed" or SOURCES[key]["format"] == "aggregator":
            continue
        expected = {day1.url(a["outlet"], a["path"]) for a in MANIFEST["articles"]
                    if key in a["listed_in"] and a["day"] == 1}
        expected |= {day1.url(b["outlet"], b["path"]) for b in MANIFEST["bad_urls"]
                     if key in b["listed_in"] and b["day"] == 1}
        assert set(listed_urls(day1, key)) == expected, key


def test_articles_are_served_with_title_byline_and_date(day2):
    for article in MANIFEST["articles"]:
        status, headers, body = get(day2.article_url(article["id"]))
        assert status == 200, article["id"]
        assert headers["content-type"].startswith("text/html")
        page = normalise(body.decode("utf-8"))
        assert normalise(html.escape(article["title"], quote=False)) in page, article["id"]
        assert all(author in page for author in article["authors"]), article["id"]
        text = visible_text(body)
        for quote in article["expected_quotes"]:
            assert normalise(quote["snippet"]) in text, (article["id"], quote["snippet"])


def test_articles_of_day_two_do_not_exist_on_day_one(day1):
    for article in MANIFEST["articles"]:
        status, _, _ = get(day1.article_url(article["id"]))
        assert status == (200 if article["day"] == 1 else 404), article["id"]


def test_main_text_extraction_finds_the_article_and_not_the_chrome(day2):
    for article in MANIFEST["articles"]:
        url = day2.article_url(article["id"])
        _, _, body = get(url)
        doc = trafilatura.bare_extraction(body.decode("utf-8"), url=url, with_metadata=True)
        source = article_text(article["id"])
        first = normalise(source.split("\n\n")[0])[:80]
        assert first in normalise(doc.text), article["id"]
        assert "Advertisement" not in doc.text and "Pubblicità" not in doc.text, article["id"]
        assert doc.date == local_date(article), article["id"]
        for quote in article["expected_quotes"]:  # block quotes and posts on X survive too
            assert normalise(quote["snippet"]) in normalise(doc.text), (article["id"], quote)


def test_canonical_and_og_url_carry_the_served_host(day1):
    _, _, body = get(day1.article_url("dc-leak") + "?utm_source=x&utm_medium=y")
    assert f'<link rel="canonical" href="{day1.article_url("dc-leak")}">' in body.decode()
    assert f'<meta property="og:url" content="{day1.article_url("dc-leak")}">' in body.decode()


def test_conditional_get_answers_304_until_the_day_changes(site):
    site.set_day(1)
    url = site.source_url("dailycircuit-feed")
    status, headers, _ = get(url)
    assert status == 200
    etag, modified = headers["etag"], headers["last-modified"]
    assert get(url, {"If-None-Match": etag})[0] == 304
    assert get(url, {"If-Modified-Since": modified})[0] == 304
    site.set_day(2)
    status, headers, _ = get(url, {"If-None-Match": etag})
    site.set_day(1)
    assert status == 200
    assert headers["etag"] != etag


def test_gzip_when_asked(day1):
    url = day1.source_url("wirewire-feed")
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path, headers={"Accept-Encoding": "gzip"})
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(raw).startswith(b"<?xml")


def test_robots_txt_blocks_the_members_page_only(day1):
    for outlet, base in day1.urls.items():
        status, headers, body = get(base + "/robots.txt")
        assert status == 200 and headers["content-type"].startswith("text/plain"), outlet
    blocked = [b for b in MANIFEST["bad_urls"] if b["kind"] == "robots_blocked"]
    assert blocked
    for bad in blocked:
        robots = urllib.robotparser.RobotFileParser()
        robots.parse(get(day1.urls[bad["outlet"]] + "/robots.txt")[2].decode().splitlines())
        assert not robots.can_fetch("presswatch", day1.url(bad["outlet"], bad["path"]))
        for article in MANIFEST["articles"]:
            if article["outlet"] == bad["outlet"]:
                assert robots.can_fetch("presswatch", day1.article_url(article["id"]))


def test_moved_article_redirects_with_301(day1):
    for bad in [b for b in MANIFEST["bad_urls"] if b["kind"] == "redirect"]:
        status, headers, _ = get(day1.url(bad["outlet"], bad["path"]))
        assert status == bad["status"] == 301
        assert headers["location"] == day1.article_url(bad["article"])


def test_aggregator_links_redirect_to_publishers(day1):
    links = listed_urls(day1, "aggregator-sora")
    assert links and all(urlsplit(u).netloc == urlsplit(day1.urls["aggregator"]).netloc
                         for u in links)
    targets = {resolve_aggregator(u) for u in links}
    assert {day1.outlet_of(t) for t in targets} >= {"dailycircuit", "wirewire", "pixelledger"}
    assert any("utm_source=" in t for t in targets)
    assert get(day1.urls["aggregator"] + "/rss/articles/CBMinotatoken?oc=5")[0] == 404


def test_bad_sources_fail_the_way_the_manifest_says(day1):
    status, headers, body = get(day1.source_url("byteline-ai"))
    assert status == 404
    status, headers, body = get(day1.source_url("pixelledger-culture"))
    assert status == 200 and feedparser.parse(body).bozo
    with pytest.raises(ET.ParseError):
        ET.fromstring(body)
    status, headers, body = get(day1.source_url("frameratenews-vfx"))
    assert status == 200 and headers["content-type"].startswith("text/html")
    for bad in MANIFEST["bad_urls"]:
        status, headers, _ = get(day1.url(bad["outlet"], bad["path"]))
        if bad["kind"] == "not_found":
            assert status == 404
        if bad["kind"] == "non_html":
            assert status == 200 and headers["content-type"] == bad["content_type"]


def test_story_points_at_the_replay_and_round_trips_as_toml(day1, tmp_path: Path):
    story = day1.story()
    assert story.crawl.allow_private_hosts and story.crawl.download_delay == 0
    hosts = {urlsplit(u).netloc for u in day1.urls.values()}
    assert {urlsplit(f.url).netloc for f in story.feeds} <= hosts
    assert len(story.feeds) == len([s for s in SOURCES.values()
                                    if s["in_story"] and s["kind"] == "feed"])
    assert {e.name for e in story.entities} >= {"OpenAI", "Sora", "Niko Felix"}
    written = load_story(day1.write_story(tmp_path / "replay.toml"))
    assert written == story


def test_urls_outside_the_with_block_are_an_error():
    with pytest.raises(ReplayError, match="not running"):
        _ = ReplaySite(day=1).urls
    with pytest.raises(ReplayError, match="days"):
        ReplaySite(day=3)


def test_urllib_follows_a_moved_article_to_the_new_page(day1):
    bad = next(b for b in MANIFEST["bad_urls"] if b["kind"] == "redirect")
    with urllib.request.urlopen(day1.url(bad["outlet"], bad["path"]), timeout=10) as response:
        assert response.url == day1.article_url(bad["article"])
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(day1.url("dailycircuit", "/no/such/page"), timeout=10)


# ------------------------------------------------------------------------------ relevance snippets

SNIPPETS = Path(__file__).parents[1] / "data" / "relevance_snippets.jsonl"
SNIPPET_KINDS = {"on_topic", "passing_mention", "near_miss_product", "near_miss_other_leak",
                 "near_miss_other_protest", "off_topic"}


def load_snippets() -> list[dict]:
    return [json.loads(line) for line in SNIPPETS.read_text(encoding="utf-8").splitlines() if line]


def test_relevance_snippets_are_well_formed_and_cover_every_kind():
    items = load_snippets()
    assert len(items) >= 70
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item) == {"id", "title", "text", "language", "relevant", "kind"}, item["id"]
        assert item["kind"] in SNIPPET_KINDS, item["id"]
        assert item["relevant"] == (item["kind"] == "on_topic"), item["id"]
        assert 80 <= len(item["text"].split()) <= 250, item["id"]
    assert {i["kind"] for i in items} == SNIPPET_KINDS
    on_topic_languages = {i["language"] for i in items if i["relevant"]}
    assert on_topic_languages >= {"en", "it", "es", "fr", "de"}


def precision_recall(items: list[dict], predict) -> tuple[float, float]:
    hits = [(predict(i), i["relevant"]) for i in items]
    tp = sum(1 for got, want in hits if got and want)
    return tp / max(1, sum(got for got, _ in hits)), tp / max(1, sum(want for _, want in hits))


def test_relevance_snippets_are_not_separable_by_a_keyword():
    """The set must be hard: the word "Sora", or Sora plus a leak word, is far from enough."""
    items = load_snippets()

    def text(item: dict) -> str:
        return f"{item['title']} {item['text']}".lower()

    leak_words = ("leak", "fuga", "filtra", "fuite", "leck", "protest", "artist", "künstler")
    for predict in (
        lambda i: "sora" in text(i),
        lambda i: "sora" in text(i) and any(w in text(i) for w in leak_words),
        lambda i: "openai" in text(i) and any(w in text(i) for w in leak_words),
    ):
        precision, recall = precision_recall(items, predict)
        assert precision < 0.8 or recall < 0.8


def test_manual_entry_point_serves_and_stops_on_end_of_input(tmp_path: Path):
    story_file = tmp_path / "story.toml"
    done = subprocess.run(
        [sys.executable, "-m", "presswatch.demo.server", "--day", "2", "--story-out",
         str(story_file)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "dailycircuit" in done.stdout and "http://127." in done.stdout
    assert load_story(story_file).crawl.allow_private_hosts


def test_news_sitemap_carries_an_entry_older_than_the_story(day1):
    """Sitemap discovery must drop entries before the story's start date: one such entry."""
    start = day1.story().start_date.isoformat()
    old = [a for a in MANIFEST["articles"] if not a["expected_in_run"]]
    assert old and all(a["published_at"] < start for a in old)
    for article in old:
        assert all(SOURCES[k]["kind"] == "sitemap" for k in article["listed_in"])
        listed = {u for k in article["listed_in"] for u in listed_urls(day1, k)}
        assert day1.article_url(article["id"]) in listed


def test_every_failing_source_and_url_says_what_its_reason_must_contain():
    for source in MANIFEST["sources"]:
        assert bool(source["expected_error"]) == bool(source.get("reason_contains")), source["key"]
    for bad in MANIFEST["bad_urls"]:
        assert bool(bad["expected_reason"]) == bool(bad.get("reason_contains")), bad["path"]


def shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", normalise(text).lower())
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def extracted(site: ReplaySite, article_id: str) -> str:
    url = site.article_url(article_id)
    return trafilatura.extract(get(url)[2].decode("utf-8"), url=url) or ""


def test_the_copy_reads_like_its_original_and_the_letter_quoters_do_not(day2):
    for article in [a for a in MANIFEST["articles"] if a["copy_of"]]:
        copy = shingles(extracted(day2, article["id"]))
        original = shingles(extracted(day2, article["copy_of"]))
        assert jaccard(copy, original) > 0.8, article["id"]
    long_passage = {"letter-art-washing", "letter-unpaid-labour"}
    quoters = [a["id"] for a in MANIFEST["articles"]
               if long_passage <= {q["statement"] for q in a["expected_quotes"]
                                   if q["kind"] == "direct"}]
    assert len(quoters) >= 3
    texts = {i: shingles(extracted(day2, i)) for i in quoters}
    for i, first in enumerate(quoters):
        for second in quoters[i + 1:]:
            assert jaccard(texts[first], texts[second]) < 0.3, (first, second)


def test_two_replays_run_side_by_side():
    with ReplaySite(day=1) as first, ReplaySite(day=2) as second:
        assert set(first.urls.values()).isdisjoint(second.urls.values())
        article = next(a for a in MANIFEST["articles"] if a["day"] == 2)
        assert get(first.article_url(article["id"]))[0] == 404
        assert get(second.article_url(article["id"]))[0] == 200


def test_an_address_that_cannot_be_bound_falls_back_to_127_0_0_1():
    site = ReplaySite(day=1)
    server = _bind("dailycircuit", "127.0.0.300", site)
    try:
        assert server.server_address[0] == "127.0.0.1" and server.server_address[1] > 0
    finally:
        server.server_close()
