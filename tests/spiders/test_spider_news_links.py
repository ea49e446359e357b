"""Google News and Bing News links to publishers: the plain decoding functions, then real crawls
against the loopback replicas of Google's article pages and batchexecute (news_replicas.py).

robots.txt stays obeyed in every crawl here: Google is reached only through a feed that opts
in (ignore_robots = true), as a user would write it."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from news_replicas import BATCHEXECUTE, GOOGLE, GoogleNewsReplica, bing_feed, serve

from presswatch.spiders.crawl import run_crawl
from presswatch.spiders.job import CrawlJob, SourceSpec
from presswatch.spiders.news_links import (
    BatchexecuteError,
    Decoded,
    Signature,
    batchexecute_body,
    bing_news_target,
    google_news_article_id,
    google_news_page_url,
    parse_batchexecute,
    parse_signature,
)
from presswatch.spiders.urls import canonicalize
from presswatch.story import Crawl


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1"
         "&url=https%3a%2f%2fwww.example.com%2fnews%2fa-1%3futm_source%3dbing&c=9&mkt=en-us",
         "https://www.example.com/news/a-1"),
        ("http://bing.com/news/apiclick.aspx?url=http://example.org/x", "http://example.org/x"),
        # Not Bing's wrapper, or nothing usable inside: the link stays as it is.
        ("https://www.bing.com/news/search?q=sora&url=https://example.org/x", None),
        ("https://example.com/news/apiclick.aspx?url=https://example.org/x", None),
        ("https://www.bing.com/news/apiclick.aspx?url=javascript:alert(1)", None),
        ("https://www.bing.com/news/apiclick.aspx?ref=FexRss", None),
    ],
)
def test_bing_news_links_unwrap_from_their_url_parameter(link, expected) -> None:
    assert bing_news_target(link) == expected


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://news.google.com/rss/articles/CBMiK2h0dHBz?oc=5", "CBMiK2h0dHBz"),
        ("https://news.google.com/articles/AU_yqLabc-_1", "AU_yqLabc-_1"),
        ("https://news.google.com/read/AU_yqLabc", "AU_yqLabc"),
        ("https://news.google.com/topics/CAAqBwgKMK", None),
        ("https://example.com/rss/articles/AU_yqLabc", None),
    ],
)
def test_google_news_article_ids(link, expected) -> None:
    assert google_news_article_id(link) == expected


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://news.google.com/articles/AU_yqLabc?hl=it&gl=IT&ceid=IT:it",
         "https://news.google.com/rss/articles/AU_yqLabc?hl=it&gl=IT&ceid=IT:it"),
        ("https://news.google.com/rss/articles/AU_yqLabc?oc=5",
         "https://news.google.com/rss/articles/AU_yqLabc?hl=en-US&gl=US&ceid=US:en"),
    ],
)
def test_the_signed_page_is_the_rss_article_page_with_a_locale(link, expected) -> None:
    assert google_news_page_url(link, "AU_yqLabc") == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'<html><c-wiz><div jscontroller="x" data-n-a-sg="S1" data-n-a-ts="17"></div></c-wiz>',
         Signature("ID", "S1", "17")),
        # Attributes elsewhere in the page (Google moves its markup): read from the text.
        (b'<html><span data-n-a-ts="18" data-n-a-sg="S2"></span></html>',
         Signature("ID", "S2", "18")),
        (b'<html><c-wiz><div jscontroller="x" data-n-a-sg="S3"></div></c-wiz></html>', None),
        (b"<html><body>Sorry, unusual traffic</body></html>", None),
        (b"", None),
    ],
)
def test_article_page_signature(body, expected) -> None:
    assert parse_signature("ID", body) == expected


def test_batchexecute_body_asks_for_every_link_in_one_form_field() -> None:
    body = batchexecute_body([Signature("A1", "s1", "100"), Signature("A2", "s2", "200")])
    assert body.startswith("f.req=")
    (envelopes,) = json.loads(unquote(body.removeprefix("f.req=")))
    assert [(e[0], e[3]) for e in envelopes] == [("Fbv4je", "0"), ("Fbv4je", "1")]
    inner = json.loads(envelopes[1][1])
    assert inner[0] == "garturlreq" and inner[2:] == ["A2", 200, "s2"]


def _row(index: int, url: str | None) -> list:
    payload = json.dumps(["garturlres", url, 1]) if url else None
    return ["wrb.fr", "Fbv4je", payload, None, None, None if url else [3], str(index)]


def test_batchexecute_answers_are_matched_by_request_id() -> None:
    plain = ")]}'\n\n" + json.dumps([_row(1, "https://b.example/2?utm_source=x"),
                                     _row(0, "https://a.example/1"), _row(2, None),
                                     ["di", 40], ["af.httprm", 39, "-1", 3]])
    assert parse_batchexecute(plain, 4) == {
        0: Decoded(url="https://a.example/1"),
        1: Decoded(url="https://b.example/2"),
        2: Decoded(error="Google answered an error for this link (code [3])"),
        3: Decoded(error="no answer for this link in Google's batchexecute reply"),
    }


def test_batchexecute_chunked_framing_is_read_too() -> None:
    first = json.dumps([_row(0, "https://a.example/1")])
    second = json.dumps([["di", 40]])
    chunked = f")]}}'\n\n{len(first)}\n{first}\n{len(second)}\n{second}\n"
    assert parse_batchexecute(chunked, 1) == {0: Decoded(url="https://a.example/1")}


@pytest.mark.parametrize("text", ["<html>Sorry</html>", ")]}'\n\n", ")]}'\n\n[[\"wrb.fr\""])
def test_an_answer_that_is_not_batchexecute_is_an_error(text) -> None:
    with pytest.raises(BatchexecuteError):
        parse_batchexecute(text, 1)


def _settings(**overrides: object) -> Crawl:
    values: dict[str, object] = {
        "timeout": 2.0, "download_delay": 0, "retries": 0, "allow_private_hosts": True,
        "google_news_delay": 0.2, "google_news_batch": 10,
    }
    values.update(overrides)
    return Crawl(**values)


@pytest.fixture
def newsroom(sites, article_page, monkeypatch):
    """A publisher on 127.0.0.3 with three articles, and Google News' replica as the proxy."""
    outlet = sites("127.0.0.3")
    stories = {}
    for n in (1, 2, 3):
        stories[outlet.url(f"/a/{n}")] = f"Sora leak story {n}"
        outlet.add(f"/a/{n}", article_page(f"Sora leak story {n}"))
    replica = GoogleNewsReplica(stories)
    servers = serve(replica)
    host, port = servers.bases["news.google.com"].removeprefix("http://").split(":")
    monkeypatch.setenv("http_proxy", f"http://{host}:{port}")
    monkeypatch.setenv("no_proxy", outlet.host)
    yield outlet, replica
    servers.stop()


SEARCH = f"{GOOGLE}/rss/search?q=Sora+leak&hl=en-US&gl=US&ceid=US:en"


def test_live_google_news_search_feed_reaches_the_publishers(newsroom, tmp_path) -> None:
    outlet, replica = newsroom
    refused = replica.link(outlet.url("/a/3"))
    replica.refused.add(refused.split("/")[-1].split("?")[0])
    job = CrawlJob(feeds=[SourceSpec(SEARCH, ignore_robots=True)], crawl=_settings())
    output = run_crawl(job, tmp_path / "crawl")
    pages = {p.url: p for p in output.pages()}

    for n in (1, 2):
        page = pages[canonicalize(replica.link(outlet.url(f"/a/{n}")))]
        assert page.final_url == canonicalize(outlet.url(f"/a/{n}"))
        assert page.body_path is not None and outlet.hits[f"/a/{n}"] == 1
    # The three signed links went to Google in one POST; the one it refused is recorded.
    assert len(replica.batches) == 1 and sorted(replica.batches[0]) == sorted(replica.ids)
    failed = pages[canonicalize(refused)]
    assert failed.reason.startswith("Google News link not resolved: batchexecute: Google "
                                    "answered an error")
    assert outlet.hits["/a/3"] == 0
    decodes = {d.link_url: d for d in output.decodes}
    assert len(decodes) == 3
    assert decodes[canonicalize(refused)].publisher_url is None
    assert "answered an error" in decodes[canonicalize(refused)].error
    assert output.sources[0].error is None and output.finish_reason == "finished"
    # One request to Google at a time, google_news_delay apart (the rate limit).
    times = replica.google_times
    assert len(times) == 4
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.18


def test_links_decoded_earlier_are_not_asked_again(newsroom, tmp_path) -> None:
    outlet, replica = newsroom
    known = canonicalize(replica.link(outlet.url("/a/1")))
    job = CrawlJob(feeds=[SourceSpec(SEARCH, ignore_robots=True)], crawl=_settings(),
                   decoded_links={known: canonicalize(outlet.url("/a/1"))},
                   undecodable_links=[canonicalize(replica.link(outlet.url("/a/2")))])
    output = run_crawl(job, tmp_path / "crawl")
    pages = {p.url: p for p in output.pages()}
    assert pages[known].final_url == canonicalize(outlet.url("/a/1"))
    assert outlet.hits["/a/1"] == 1 and outlet.hits["/a/2"] == 0
    asked = [i for batch in replica.batches for i in batch]
    assert len(asked) == 1 and replica.ids[asked[0]] == outlet.url("/a/3")
    assert [d.publisher_url for d in output.decodes] == [canonicalize(outlet.url("/a/3"))]


def test_a_rate_limited_batchexecute_is_recorded_per_link_and_not_counted(newsroom,
                                                                           tmp_path) -> None:
    outlet, replica = newsroom
    replica.rate_limited = True
    job = CrawlJob(feeds=[SourceSpec(SEARCH, ignore_robots=True)], crawl=_settings(retries=1))
    output = run_crawl(job, tmp_path / "crawl")
    assert output.finish_reason == "finished" and output.sources[0].error is None
    # A 429 says nothing about the links: nothing goes to the decode log that gives links up,
    # and the POST was not retried into Google's block.
    assert output.decodes == []
    assert replica.requests.count(BATCHEXECUTE) == 1
    reasons = {p.reason for p in output.pages()}
    assert reasons == {"Google News link not resolved: batchexecute: HTTP 429: Google "
                       "rate-limited this crawl; no request to Google for 1800 s"}
    assert sum(outlet.hits.values()) == 0


def test_bing_news_feed_links_are_fetched_at_the_publisher(sites, article_page,
                                                           tmp_path) -> None:
    outlet = sites("127.0.0.3")
    outlet.add("/a/1", article_page("Sora leak story"))
    outlet.add("/news/search", bing_feed({outlet.url("/a/1"): "Sora leak story"}),
               content_type="application/rss+xml")
    job = CrawlJob(feeds=[SourceSpec(outlet.url("/news/search?q=Sora&format=rss"))],
                   crawl=_settings())
    output = run_crawl(job, tmp_path / "crawl")
    [candidate] = output.sources[0].candidates
    assert candidate.url == canonicalize(outlet.url("/a/1"))
    [page] = output.pages()
    assert page.url == candidate.url and page.body_path is not None


def test_google_news_answers_rows_without_our_ids_in_request_order() -> None:
    rows = [["wrb.fr", "Fbv4je", json.dumps(["garturlres", url, 1]), None, None, None,
             "generic"] for url in ("https://a.example/1", "https://b.example/2")]
    assert parse_batchexecute(")]}'\n\n" + json.dumps(rows), 2) == {
        0: Decoded(url="https://a.example/1"), 1: Decoded(url="https://b.example/2")}


def test_google_news_is_not_used_without_the_opt_in(newsroom, tmp_path) -> None:
    """Robots obeyed, no opt-in: Google is not asked at all, and that is no error."""
    outlet, replica = newsroom
    job = CrawlJob(feeds=[SourceSpec(SEARCH, "Google News: Sora leak")], crawl=_settings())
    output = run_crawl(job, tmp_path / "crawl")
    [source] = output.sources
    assert source.error is None and source.candidates == []
    assert source.not_used.startswith("Google News is opt-in: news.google.com/robots.txt "
                                      "disallows /rss/")
    assert replica.requests == [] and list(output.pages()) == []


def test_google_links_from_a_feed_without_the_opt_in_are_not_asked_nor_given_up(
        newsroom, rss_feed, tmp_path) -> None:
    """A Google News link that arrives another way (a publisher's feed) is not sent to Google,
    and nothing counts towards giving it up."""
    outlet, replica = newsroom
    link = replica.link(outlet.url("/a/1"))
    outlet.add("/feed.xml", rss_feed([{"title": "t", "link": link}]),
               content_type="application/rss+xml")
    job = CrawlJob(feeds=[SourceSpec(outlet.url("/feed.xml"))], crawl=_settings())
    output = run_crawl(job, tmp_path / "crawl")
    [page] = output.pages()
    assert page.url == canonicalize(link)
    assert page.reason.startswith("Google News link not resolved: not asked: Google News is "
                                  "opt-in")
    assert output.decodes == [] and replica.requests == []


def test_after_googles_first_429_the_run_goes_on_without_google(newsroom, sites, rss_feed,
                                                                monkeypatch, tmp_path) -> None:
    """Google blocks after a few GETs: the rest of its links are not asked (nor counted
    towards giving them up) while another outlet's feed is read and fetched as usual."""
    outlet, replica = newsroom
    for n in range(4, 9):
        replica.stories[outlet.url(f"/a/{n}")] = f"Sora leak story {n}"
    replica.get_limit = 3  # the search feed and two article pages, then an hour's block
    other = sites("127.0.0.4")
    monkeypatch.setenv("no_proxy", f"{outlet.host},{other.host}")
    other.add("/a/x", "<html><body><p>Story</p></body></html>")
    other.add("/feed.xml", rss_feed([{"title": "x", "link": other.url("/a/x")}]),
              content_type="application/rss+xml")
    job = CrawlJob(feeds=[SourceSpec(SEARCH, ignore_robots=True),
                          SourceSpec(other.url("/feed.xml"))],
                   crawl=_settings(google_news_batch=50))
    output = run_crawl(job, tmp_path / "crawl")
    assert output.finish_reason == "finished"
    # Two pages signed, the third GET met the block, then nothing more went to Google.
    assert replica.requests.count(BATCHEXECUTE) == 0
    assert len(replica.requests) == 4
    google = [p for p in output.pages() if p.url.startswith(GOOGLE)]
    reasons = sorted(p.reason for p in google)
    assert len(google) == 8
    assert sum("article page: HTTP 429: Google rate-limited this crawl; no request to "
               "Google for 1800 s" in r for r in reasons) == 1
    assert sum("not asked: Google answered 429 at" in r for r in reasons) == 7
    assert output.decodes == []  # none of this counts towards giving a link up
    assert other.hits["/a/x"] == 1


def test_links_past_the_per_run_cap_wait_for_the_next_run(newsroom, tmp_path) -> None:
    outlet, replica = newsroom
    job = CrawlJob(feeds=[SourceSpec(SEARCH, ignore_robots=True)],
                   crawl=_settings(google_news_max_links=2))
    output = run_crawl(job, tmp_path / "crawl")
    assert sum(replica.page_hits.values()) == 2
    assert len([d for d in output.decodes if d.publisher_url]) == 2
    [waiting] = [p for p in output.pages() if p.reason]
    assert waiting.reason == ("Google News link not resolved: not asked: 2 links were sent to "
                              "Google in this run ([crawl] google_news_max_links); the next "
                              "run asks for it")


def test_googles_consent_redirect_is_recorded_not_followed(newsroom, tmp_path) -> None:
    outlet, replica = newsroom
    replica.consent = True
    job = CrawlJob(feeds=[SourceSpec(SEARCH, ignore_robots=True)], crawl=_settings())
    output = run_crawl(job, tmp_path / "crawl")
    pages = list(output.pages())
    assert len(pages) == 3 and output.decodes == []
    for page in pages:
        assert page.status == 302
        assert page.reason.startswith("Google News link not resolved: article page: Google "
                                      "asked for cookie consent (redirect to "
                                      "'https://consent.google.com/ml?continue=")
        assert page.reason.endswith("not followed)")
    assert sum(outlet.hits.values()) == 0


def test_generic_row_ids_from_google_still_reach_the_publishers(newsroom, tmp_path) -> None:
    outlet, replica = newsroom
    replica.echo_ids = False
    job = CrawlJob(feeds=[SourceSpec(SEARCH, ignore_robots=True)], crawl=_settings())
    output = run_crawl(job, tmp_path / "crawl")
    assert sorted(d.publisher_url for d in output.decodes) == sorted(
        canonicalize(outlet.url(f"/a/{n}")) for n in (1, 2, 3))
