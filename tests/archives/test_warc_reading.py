"""WARC reading (fastwarc) on files written here: damaged, cut short, gzip bombs, streams
that cannot tell their position."""

from __future__ import annotations

import gzip
import io
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from presswatch.archives.warc import BadWarc, read_warc
from presswatch.demo.archive import ArchiveRecord, write_warc

DAY = datetime(2024, 11, 26, 12, tzinfo=UTC)


def _pages(n: int) -> list[ArchiveRecord]:
    return [ArchiveRecord(f"https://www.example.com/{i}", DAY + timedelta(minutes=i),
                          f"<html><body><p>page {i} {'words ' * 200}</p></body></html>".encode())
            for i in range(n)]


def _read(path: Path):
    with path.open("rb") as stream:
        warc = read_warc(stream, path.name)
        pages = list(warc)
    return warc, pages


@pytest.mark.parametrize("compress", [True, False])
def test_a_file_cut_short_is_read_as_far_as_it_goes_and_flagged(tmp_path, compress):
    whole = tmp_path / ("whole.warc.gz" if compress else "whole.warc")
    write_warc(whole, _pages(50))
    data = whole.read_bytes()
    cut = tmp_path / ("cut.warc.gz" if compress else "cut.warc")
    cut.write_bytes(data[: int(len(data) * 0.6)])
    warc, pages = _read(whole)
    assert len(pages) == 50 and not warc.truncated
    warc, pages = _read(cut)
    assert warc.truncated
    assert 20 < len(pages) < 50
    assert [p.url for p in pages] == [f"https://www.example.com/{i}" for i in range(len(pages))]


def test_a_file_cut_between_records_is_whole(tmp_path):
    """A gzip-per-record file cut exactly at a member's end lost records, but none is half
    read: nothing in it says so, so it is not flagged (the size in the key tells a grown file)."""
    path = tmp_path / "a.warc.gz"
    write_warc(path, _pages(4))
    members = path.read_bytes().split(b"\x1f\x8b\x08")
    path.write_bytes(b"\x1f\x8b\x08" + b"\x1f\x8b\x08".join(members[1:5]))
    warc, pages = _read(path)
    assert len(pages) == 2 and not warc.truncated


@pytest.mark.parametrize("content", [
    b"this is not a WARC file\n" * 50,
    b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: many\r\n\r\nxx",
])
def test_a_file_that_is_not_a_warc_is_named_in_the_error(tmp_path, content):
    path = tmp_path / "CC-NEWS-bad.warc.gz"
    path.write_bytes(content)
    with pytest.raises(BadWarc, match=r"CC-NEWS-bad\.warc\.gz: not a readable WARC file"):
        _read(path)


def test_a_file_damaged_in_the_middle_names_the_file_and_how_far_it_got(tmp_path):
    path = tmp_path / "damaged.warc.gz"
    write_warc(path, _pages(40))
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 400] = b"\x00" * 400
    path.write_bytes(bytes(data))
    with pytest.raises(BadWarc, match=r"damaged\.warc\.gz: not a readable WARC file \(.*; "
                                      r"[1-9]\d* records read\)"):
        _read(path)


def _response(writer: WARCWriter, url: str, payload: bytes, encoding: str | None,
              header: str = "Content-Encoding") -> None:
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if encoding:
        headers.append((header, encoding))
    writer.write_record(writer.create_warc_record(
        url, "response", payload=io.BytesIO(payload),
        http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": "2024-11-26T17:05:00Z"}))


def test_encoded_payloads_are_decoded_and_a_gzip_bomb_is_skipped_not_inflated(tmp_path):
    path = tmp_path / "encoded.warc.gz"
    page = b"<html><p>hello</p></html>"
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=True)
        _response(writer, "https://a.com/gzip", gzip.compress(page), "gzip")
        _response(writer, "https://a.com/bomb", gzip.compress(b"a" * 200_000_000), "gzip")
        _response(writer, "https://a.com/plain", page, None)
        _response(writer, "https://a.com/lower", zlib.compress(page), "deflate",
                  header="content-encoding")  # header names are case-insensitive
    assert path.stat().st_size < 400_000
    with path.open("rb") as stream:
        warc = read_warc(stream, "encoded", max_page_bytes=1_000_000)
        pages = list(warc)
    assert [(p.url, p.body) for p in pages] == [("https://a.com/gzip", page),
                                                ("https://a.com/plain", page),
                                                ("https://a.com/lower", page)]
    assert warc.skipped == 1


class _Unseekable(io.RawIOBase):
    """A byte stream without tell() or seek(), as an HTTP response is."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.data.read(size)

    def tell(self) -> int:
        raise OSError("not seekable")


def test_a_stream_that_cannot_tell_its_position_is_read(tmp_path):
    path = tmp_path / "a.warc.gz"
    write_warc(path, _pages(5))
    warc = read_warc(_Unseekable(path.read_bytes()), "over http")
    assert len(list(warc)) == 5 and not warc.truncated
