"""The archives on their bad days, as the replicas reproduce them: GDELT's refusals, throttle
notice and broken JSON (all with HTTP 200), the CDX server's 429 without Retry-After and its
504 on wide queries, Common Crawl's 503 Slow Down; and which hosts are asked at all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from archive_replicas import ArchiveReplica
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from presswatch.addresses import AddressPolicy
from presswatch.archives import ccnews, cdx, gdelt
from presswatch.archives.pages import ArchiveError
from presswatch.archives.warc import open_warc, read_warc
from presswatch.demo.archive import ArchiveRecord
from presswatch.http_client import HttpClient
from presswatch.story import Story

DAY = datetime(2024, 11, 26, 12, tzinfo=UTC)
LOOPBACK = AddressPolicy(allow_loopback=True)


def _records(n: int, host: str = "www.dailycircuit.com", step=timedelta(hours=1)):
    return [ArchiveRecord(f"https://{host}/2024/11/{i}", DAY + step * i,
                          f"<html><body>page {i}</body></html>".encode()) for i in range(n)]


def _recording(client: HttpClient) -> list[float]:
    """The waits the client would sleep, recorded instead of slept."""
    waits: list[float] = []
    client.sleep = waits.append
    return waits


# -- GDELT ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "complaint", "advice"),
    [
        ('"Sora" leak', '"Sora" is a quoted single word', "write Sora unquoted"),
        ("PR Puppets", "'PR' is shorter than 3 letters", '"PR Puppets"'),
        ("Sora AI leak", "'AI' is shorter than 3 letters", '"AI leak"'),
        ("Sora OR OpenAI", "inside parentheses", "(Sora OR OpenAI)"),
        ('"Sora leak', "unclosed quote", ""),
        ("  ", "empty", "Sora leak"),
    ],
)
def test_gdelt_queries_it_would_refuse_are_caught_before_any_call(query, complaint, advice):
    problem = gdelt.query_problem(query)
    assert problem is not None and complaint in problem and advice in problem


@pytest.mark.parametrize("query", ["Sora leak", '"PR Puppets" Sora', '"Sora leak" artists',
                                   "Sora sourcelang:english", "(Sora OR OpenAI) leak",
                                   "Sora -rumour"])
def test_gdelt_queries_it_accepts_pass(query):
    assert gdelt.query_problem(query) is None


def test_gdelt_throttle_notice_is_a_429_with_a_long_wait_then_the_same_call_again():
    with ArchiveReplica(gdelt=_records(3), queue={"gdelt": ["throttle", 429]}) as replica:
        client = gdelt.api_client("presswatch-test", LOOPBACK, interval_s=0,
                                  throttle_backoff_s=45)
        waits = _recording(client)
        skipped: list[str] = []
        found = gdelt.list_articles(client, replica.bases["gdelt"] + "/api/v2/doc/doc",
                                    "sora leak", DAY, DAY + timedelta(days=1), skipped)
    assert len(found) == 3 and skipped == []
    assert waits == [45, 90]  # the notice (status 200) and the 429 alike, doubling


def test_gdelt_malformed_json_is_asked_again_then_that_window_skipped_with_a_warning(caplog):
    broken = ["malformed"] * (gdelt.RETRIES + 1)
    with ArchiveReplica(gdelt=_records(30), queue={"gdelt": [*broken, "malformed"]}) as replica:
        client = gdelt.api_client("presswatch-test", LOOPBACK, interval_s=0)
        _recording(client)
        found, skipped = [], []
        base = replica.bases["gdelt"] + "/api/v2/doc/doc"
        for start, end in gdelt.windows(DAY, DAY + timedelta(days=2), timedelta(days=1)):
            found += gdelt.list_articles(client, base, "sora leak", start, end, skipped)
    # day 1: broken on every try, skipped; day 2: broken once, then whole; the plan goes on
    assert sorted(a.seen_at for a in found) == [
        r.captured_at for r in _records(30) if r.captured_at >= DAY + timedelta(days=1)]
    assert len(skipped) == 1 and "malformed answer" in skipped[0]
    assert "2024-11-26 12:00" in skipped[0]
    assert "skipped: GDELT 'sora leak'" in caplog.text


def test_gdelt_asks_for_at_most_250_records_and_warns_past_three_months():
    url = gdelt.artlist_url(gdelt.API_BASE, "sora leak", DAY, DAY + timedelta(days=1), 1000)
    assert "maxrecords=250" in url
    now = datetime(2026, 12, 6, tzinfo=UTC)
    assert gdelt.range_warning(now - timedelta(days=30), now) is None
    warning = gdelt.range_warning(datetime(2024, 11, 26, tzinfo=UTC), now)
    assert warning is not None and "3 months" in warning and "--ccnews" in warning


# -- Wayback CDX ----------------------------------------------------------------------------


def test_wayback_asks_the_outlets_hosts_never_feed_hosts_or_aggregators():
    story = Story.model_validate({
        "id": "s", "title": "S", "start_date": "2024-11-20",
        "feeds": [{"url": "https://news.google.com/rss/search?q=sora"},
                  {"url": "https://www.bing.com/news/search?q=sora&format=rss"},
                  {"url": "https://feeds.arstechnica.com/arstechnica/index"}],
        "outlets": [{"name": "Ars Technica", "host": "arstechnica.com"},
                    {"name": "Google News", "host": "news.google.com"}],
    })
    pages = ["https://www.theverge.com/2024/11/26/sora", "https://news.google.com/articles/x",
             "https://arstechnica.com/ai/2024/11/sora/"]
    assert cdx.outlet_hosts(story, pages) == ["arstechnica.com", "theverge.com"]


def test_wayback_asks_month_by_month_and_halves_a_window_that_times_out():
    records = _records(40, step=timedelta(days=1)) + _records(3, host="www.other.com")
    with ArchiveReplica(wayback=records, cdx_max_days=20, page_size=7) as replica:
        client = cdx.api_client("presswatch-test", LOOPBACK, interval_s=0)
        waits = _recording(client)
        captures = cdx.list_captures(client, replica.bases["wayback"] + "/cdx/search/cdx",
                                     "dailycircuit.com", date(2024, 11, 26), date(2025, 1, 4))
        queries = [entry[1] for entry in replica.log]
    assert sorted(c.original for c in captures) == sorted(r.url for r in records[:40])
    assert all("limit=500" in q and "matchType=domain" in q for q in queries)
    assert any("from=20241126" in q and "to=20241130235959" in q for q in queries)  # a month
    assert any("from=20241201" in q and "to=20241216235959" in q for q in queries)  # a half
    assert not any("from=20241126" in q and "to=2025" in q for q in queries)
    assert waits == []  # a 504 is not asked again as it was: the window is halved at once


def test_wayback_waits_at_least_a_minute_after_a_429_without_retry_after():
    with ArchiveReplica(wayback=_records(2), queue={"wayback": [429, 429]}) as replica:
        client = cdx.api_client("presswatch-test", LOOPBACK, interval_s=0)
        waits = _recording(client)
        captures = cdx.list_captures(client, replica.bases["wayback"] + "/cdx/search/cdx",
                                     "dailycircuit.com", DAY.date(), DAY.date())
    assert len(captures) == 2
    assert waits == [60.0, 120.0]


def test_one_failing_host_is_skipped_and_reported_the_others_listed():
    records = _records(2) + _records(3, host="www.other.com")
    with ArchiveReplica(wayback=records, blocked_hosts={"dailycircuit.com"}) as replica:
        client = cdx.api_client("presswatch-test", LOOPBACK, interval_s=0)
        listing = cdx.list_hosts(client, replica.bases["wayback"] + "/cdx/search/cdx",
                                 ["dailycircuit.com", "other.com"], DAY.date(), DAY.date())
    assert sorted(c.original for c in listing.captures) == sorted(r.url for r in records[2:])
    assert list(listing.failed) == ["dailycircuit.com"]
    assert "403" in listing.failed["dailycircuit.com"]


def test_wayback_defaults_keep_the_servers_limits():
    client = cdx.api_client("presswatch")
    assert client.min_interval_s >= 3.0  # at most 20 requests a minute
    assert client.retry.throttle_floor_s >= 60
    assert cdx.PAGE_SIZE <= 1000


# -- CC-NEWS --------------------------------------------------------------------------------


def _warc_bytes(url: str, body: bytes) -> bytes:
    out = BytesIO()
    writer = WARCWriter(out, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        url, "response", payload=BytesIO(body), http_headers=headers,
        warc_headers_dict={"WARC-Date": "2024-11-29T03:00:00Z"}))
    return out.getvalue()


def test_ccnews_slow_down_is_retried_and_files_run_two_days_past_the_range():
    month = "crawl-data/CC-NEWS/2024/11/"
    files = {month + "CC-NEWS-20241124000000-00001.warc.gz": b"too early",
             month + "CC-NEWS-20241125120000-00002.warc.gz": b"day before",
             month + "CC-NEWS-20241129030000-00003.warc.gz":
                 _warc_bytes("https://www.dailycircuit.com/a", b"<html>late fetch</html>"),
             month + "CC-NEWS-20241130000000-00004.warc.gz": b"too late"}
    with ArchiveReplica(ccnews=files, queue={"commoncrawl": [503, 503, 503]}) as replica:
        client = ccnews.api_client("presswatch-test", LOOPBACK, interval_s=0, backoff_s=0.01)
        waits = _recording(client)
        base = replica.bases["commoncrawl"]
        urls = ccnews.month_files(client, base, "2024-11", date(2024, 11, 26),
                                  date(2024, 11, 27))
        assert [u.rsplit("-", 1)[1] for u in urls] == ["00002.warc.gz", "00003.warc.gz"]
        with open_warc(urls[1], client) as stream:
            (page,) = read_warc(stream, urls[1])
        assert page.body == b"<html>late fetch</html>"
        with pytest.raises(ArchiveError, match="00009.warc.gz: HTTP 404"):
            with open_warc(base + "/" + month + "CC-NEWS-20241129000000-00009.warc.gz",
                           client):
                pass
    assert len(waits) == 3
    assert ccnews.months(date(2024, 11, 20), date(2024, 11, 29)) == ["2024-11", "2024-12"]


def test_a_warc_download_from_a_refused_address_is_never_asked():
    with ArchiveReplica(ccnews={"x.warc.gz": b""}) as replica:
        url = replica.bases["commoncrawl"] + "/x.warc.gz"
        with pytest.raises(ArchiveError, match="non-public address"):
            with open_warc(url, ccnews.api_client("presswatch-test")):
                pass
        assert replica.log == []
