"""The archive readers against loopback replicas of their APIs and WARC files written here."""

from __future__ import annotations

import gzip
import threading
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from archive_replicas import ArchiveReplica
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from presswatch.addresses import AddressPolicy
from presswatch.archives import ccnews, cdx, gdelt
from presswatch.archives.pages import ArchiveError, PageRef, fetch_pages, read_url_list
from presswatch.archives.warc import read_warc
from presswatch.demo.archive import ArchiveRecord, replay_records
from presswatch.http_client import HttpClient, RetryPolicy

DAY = datetime(2024, 11, 26, 12, tzinfo=UTC)


def _client(retries: int = 4) -> HttpClient:
    """The archives' client as the tests pace it: loopback allowed (the replicas live there),
    no interval, short backoff."""
    return HttpClient("presswatch-test", AddressPolicy(allow_loopback=True),
                      retry=RetryPolicy(retries=retries, backoff_s=0.01))


def _records(n: int, host: str = "www.dailycircuit.com") -> list[ArchiveRecord]:
    return [ArchiveRecord(f"https://{host}/2024/11/{i}", DAY + timedelta(hours=i),
                          f"<html><body>page {i}</body></html>".encode()) for i in range(n)]


# -- CDX ------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["json", "text"])
def test_cdx_pages_through_resume_keys_in_both_outputs(output):
    records = _records(7) + _records(2, host="www.other.com")
    with ArchiveReplica(wayback=records, page_size=3) as replica:
        client = _client()
        base = replica.bases["wayback"] + "/cdx/search/cdx"
        if output == "json":
            captures = cdx.list_captures(client, base, "dailycircuit.com", DAY.date(),
                                         DAY.date() + timedelta(days=1))
        else:  # the text output, paged by hand the way list_captures pages JSON
            captures, key = [], None
            while True:
                url = cdx.query_url(base, "dailycircuit.com", DAY.date(),
                                    DAY.date() + timedelta(days=1), output="text",
                                    resume_key=key)
                page, key = cdx.parse_cdx(client.get(url).body)
                captures += page
                if not key:
                    break
    assert sorted(c.original for c in captures) == sorted(r.url for r in records[:7])
    assert captures[0].captured_at == DAY
    assert all(c.statuscode == "200" and c.mimetype == "text/html" for c in captures)


def test_cdx_text_in_default_field_order_and_json_in_any_order():
    line = (b"com,example)/a 20241126120000 https://example.com/a text/html 200 "
            b"ABCDEF 1234\n")
    (capture,), key = cdx.parse_cdx(line, fields=cdx.DEFAULT_FIELDS)
    assert (capture.timestamp, capture.original, capture.digest) == (
        "20241126120000", "https://example.com/a", "ABCDEF")
    assert key is None
    shuffled = (b'[["original","digest","timestamp","statuscode","mimetype"],'
                b'["https://example.com/b","XYZ","20241127000000","200","text/html"]]')
    (capture,), _ = cdx.parse_cdx(shuffled)
    assert (capture.original, capture.timestamp, capture.digest) == (
        "https://example.com/b", "20241127000000", "XYZ")


@pytest.mark.parametrize("body", [b"", b"[]", b"\n"])
def test_cdx_empty_answers_are_no_captures(body):
    assert cdx.parse_cdx(body) == ([], None)


def test_cdx_errors_name_the_host_and_the_server_message():
    with ArchiveReplica(wayback=_records(2), blocked_hosts={"dailycircuit.com"}) as replica:
        base = replica.bases["wayback"] + "/cdx/search/cdx"
        with pytest.raises(ArchiveError, match="dailycircuit.com.*403.*Blocked Site Error"):
            cdx.list_captures(_client(), base, "dailycircuit.com", DAY.date(), DAY.date())
        missing_url = _client().get(base + "?output=json")
    assert missing_url.status == 400 and b"BadQueryException" in missing_url.body
    with pytest.raises(ArchiveError, match="lacks the fields"):
        cdx.parse_cdx(b'[["urlkey","timestamp"],["a","20241126"]]')
    with pytest.raises(ArchiveError, match="not valid JSON"):
        cdx.parse_cdx(b"[oops")


def test_wayback_raw_pages_come_one_at_a_time_with_backoff_on_429_and_5xx():
    records = _records(4)
    with ArchiveReplica(wayback=records, hold_s=0.05,
                        queue={"wayback": [429, 503]}) as replica:
        client = _client()
        base = replica.bases["wayback"]
        captures = cdx.list_captures(client, base + "/cdx/search/cdx", "dailycircuit.com",
                                     DAY.date(), DAY.date() + timedelta(days=1))
        refs = cdx.page_refs(base, captures)
        halves = [refs[:2], refs[2:]]
        pages: list = []
        threads = [threading.Thread(target=lambda h=h: pages.extend(
            fetch_pages(client, h, "w"))) for h in halves]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log = sorted(replica.log, key=lambda entry: entry[2])
    assert sorted(p.body for p in pages) == sorted(r.body for r in records)
    assert all(p.url.startswith("https://www.dailycircuit.com/") for p in pages)
    assert "id_/" in refs[0].fetch_url
    # The CDX query was answered 429, then 503, then 200: two retries, then the pages.
    assert len(log) == 3 + 4
    for earlier, later in zip(log, log[1:], strict=False):
        assert later[2] >= earlier[3] - 0.01, "two requests to one host overlapped"


def test_the_client_gives_up_after_its_retries_with_the_status():
    with ArchiveReplica(queue={"wayback": [503] * 5}) as replica:
        answer = _client(retries=2).get(replica.bases["wayback"] + "/cdx/search/cdx?url=x.com")
        assert answer.status == 503 and b"SlowDown" in answer.body
        assert len(replica.log) == 3


# -- GDELT ----------------------------------------------------------------------------------


def test_gdelt_artlist_windows_split_when_full_and_empty_windows_give_nothing(monkeypatch):
    records = _records(9)
    monkeypatch.setattr(gdelt, "MAX_RECORDS", 4)  # a full answer at 4, not 250
    with ArchiveReplica(gdelt=records) as replica:
        client = _client()
        base = replica.bases["gdelt"] + "/api/v2/doc/doc"
        found, skipped = [], []
        for start, end in gdelt.windows(DAY - timedelta(days=1), DAY + timedelta(days=2),
                                        timedelta(days=1)):
            found += gdelt.list_articles(client, base, "sora leak", start, end, skipped)
        artlist_queries = [e for e in replica.log if e[0] == "gdelt"]
        with pytest.raises(gdelt.GdeltRefused, match="too short"):
            gdelt.list_articles(client, base, "ai", DAY, DAY + timedelta(days=1))
    assert sorted(a.seen_at for a in found) == [r.captured_at for r in records]
    assert len({a.url for a in found}) == 9 and skipped == []
    assert len(artlist_queries) > 3  # three windows, and the full one was split


def test_gdelt_parse_empty_and_refusals():
    assert gdelt.parse_artlist(b"{}") == []
    assert gdelt.parse_artlist(b"") == []
    (article,) = gdelt.parse_artlist(
        b'{"articles":[{"url":"https://x.com/a","title":"T","seendate":"20241126T101500Z",'
        b'"domain":"x.com","language":"English"}]}')
    assert article.seen_at == datetime(2024, 11, 26, 10, 15, tzinfo=UTC)
    with pytest.raises(gdelt.GdeltRefused, match="phrase is too short"):
        gdelt.parse_artlist(b"The specified phrase is too short.")


# -- WARC, CC-NEWS, URL lists ---------------------------------------------------------------


def _warc(path: Path, *, compress: bool) -> None:
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=compress)
        page = replay_records()[0]

        def response(url: str, status: str, content_type: str, body: bytes):
            headers = StatusAndHeaders(status, [("Content-Type", content_type)],
                                       protocol="HTTP/1.1")
            return writer.create_warc_record(url, "response", payload=BytesIO(body),
                                             http_headers=headers,
                                             warc_headers_dict={"WARC-Date":
                                                                "2024-11-26T17:05:00Z"})

        writer.write_record(writer.create_warc_record("urn:x", "warcinfo",
                                                      payload=BytesIO(b"software: test")))
        writer.write_record(response(page.url, "200 OK", "text/html; charset=utf-8",
                                     page.body))
        writer.write_record(response("https://x.com/logo.png", "200 OK", "image/png",
                                     b"\x89PNG"))
        writer.write_record(response("https://x.com/gone", "404 Not Found", "text/html",
                                     b"<html>gone</html>"))
        writer.write_record(response("https://x.com/latin", "200 OK",
                                     "text/html; charset=ISO-8859-1", "<p>caf\xe9</p>"
                                     .encode("latin-1")))


@pytest.mark.parametrize("compress", [True, False])
def test_warc_reader_keeps_html_200_responses_only(tmp_path, compress):
    path = tmp_path / ("a.warc.gz" if compress else "a.warc")
    _warc(path, compress=compress)
    if compress:  # gzip per record, as CC-NEWS: several members in one file
        assert path.read_bytes().count(b"\x1f\x8b\x08") >= 5
    with path.open("rb") as stream:
        pages = list(read_warc(stream, str(path)))
    assert [p.url for p in pages] == [replay_records()[0].url, "https://x.com/latin"]
    assert pages[0].body == replay_records()[0].body
    assert pages[0].captured_at == datetime(2024, 11, 26, 17, 5, tzinfo=UTC)
    assert pages[1].charset == "ISO-8859-1"


def test_ccnews_month_lists_and_file_dates():
    assert ccnews.months(date(2024, 11, 20), date(2025, 1, 3)) == [
        "2024-11", "2024-12", "2025-01"]
    listing = gzip.compress(b"crawl-data/CC-NEWS/2024/11/CC-NEWS-20241125230000-00001.warc.gz\n"
                            b"crawl-data/CC-NEWS/2024/11/CC-NEWS-20241127010000-00002.warc.gz\n"
                            b"crawl-data/CC-NEWS/2024/11/CC-NEWS-20241101000000-00000.warc.gz\n")
    paths = ccnews.parse_paths(listing)
    chosen = [p for p in paths if ccnews.in_range(p, date(2024, 11, 26), date(2024, 11, 26))]
    assert [p[-10:-8] for p in chosen] == ["01", "02"]  # from the day before to 2 days after
    assert ccnews.paths_url("https://cc", "2024-11").endswith("CC-NEWS/2024/11/warc.paths.gz")


def test_url_list_skips_blanks_and_comments_and_fetch_skips_failures():
    assert read_url_list("# mine\nhttps://a.com/1\n\n  https://a.com/2  \n") == [
        "https://a.com/1", "https://a.com/2"]
    with ArchiveReplica(gdelt=_records(1)) as replica:
        good = replica.news_url(_records(1)[0])
        refs = [PageRef(good, good), PageRef(good + "-missing", good + "-missing")]
        client = _client()
        client.policy = AddressPolicy.of(networks=[f"{urlsplit(good).hostname}/32"])
        refused = replica.bases["wayback"] + "/web/x"  # another loopback address
        pages = list(fetch_pages(client, [*refs, PageRef(refused, refused)], "urls"))
        requested = [entry[0] for entry in replica.log]
    assert [p.url for p in pages] == [good]
    assert "wayback" not in requested
