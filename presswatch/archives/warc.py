"""WARC files, local or over HTTP, read one record at a time (never a whole file in memory).

fastwarc (a Rust reader, about five times warcio's pace) reads gzip-per-record files (CC-NEWS)
and plain ones and undoes chunked transfer encoding; we undo Content-Encoding ourselves with a
cap on the decoded size (a 1 KB gzip bomb must not become a gigabyte), because fastwarc's own
decoding loses its place in the file after a large record is read only in part. Only HTML
responses with status 200 become pages. warcio is used only to write WARCs (tests, the demo).

A file that stops parsing part-way raises BadWarc naming it and how far it got; a file cut
short at the end (an interrupted download) yields what it holds and says so in `truncated`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import brotli
from fastwarc.warc import ArchiveIterator, WarcHeader, WarcRecordType

from presswatch.archives.pages import ArchivedPage, ArchiveError, charset_of
from presswatch.http_client import FetchError, HttpClient

HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_PAGE_BYTES = 5_000_000  # the crawl's own default cap (story [crawl] max_page_bytes)
_TAIL_BYTES = 4 * 2**20  # kept of the stream's end, to check that its last record is whole


class BadWarc(ArchiveError):
    """A WARC file that cannot be read on: not a WARC, or damaged part-way. The message names
    the file, how many records were read before the damage, and what to do."""


@contextmanager
def open_warc(location: str, client: HttpClient) -> Iterator[BinaryIO]:
    """A local path or an http(s) URL as a byte stream; a URL is downloaded through the
    guarded client (its address rule, retries on 503 Slow Down, a cut download resumed), and
    a download that cannot go on is an ArchiveError naming the file."""
    if location.startswith(("http://", "https://")):
        try:
            with client.stream(location) as stream:
                yield stream
        except FetchError as exc:
            raise ArchiveError(f"WARC {location}: {exc}") from exc
    else:
        with Path(location).open("rb") as stream:
            yield stream


def _captured_at(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class _Counted:
    """The stream as fastwarc reads it, counting bytes (fastwarc asks for tell(), which an HTTP
    response lacks) and keeping the last few MB, so the final record can be checked whole."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.position = 0
        self.tail = bytearray()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.position += len(data)
        self.tail += data
        if len(self.tail) > 2 * _TAIL_BYTES:
            del self.tail[:-_TAIL_BYTES]
        return data

    def tell(self) -> int:
        return self.position

    def since(self, offset: int) -> bytes | None:
        """The bytes from `offset` to the end, if they are still kept."""
        start = len(self.tail) - (self.position - offset)
        return bytes(self.tail[start:]) if start >= 0 else None


def _whole_records(data: bytes) -> bool:
    """Whether bytes that start at a record hold only whole records: each gzip member ends,
    and each block is as long as its WARC header's Content-Length says. A file cut short ends
    inside a record, which fastwarc reads as far as it goes, or drops, without a word."""
    while data:
        if data[:2] == b"\x1f\x8b":
            inflater = zlib.decompressobj(wbits=31)
            try:
                record = inflater.decompress(data)
            except zlib.error:
                return False
            if not inflater.eof:
                return False
            data = inflater.unused_data
        else:
            record, data = data, b""
        while record.strip(b"\r\n"):
            head, found, rest = record.lstrip(b"\r\n").partition(b"\r\n\r\n")
            length = next((value.strip() for name, _, value in
                           (line.partition(b":") for line in head.split(b"\r\n"))
                           if name.strip().lower() == b"content-length"), b"")
            if not found or not length.isdigit() or len(rest) < int(length):
                return False
            record = rest[int(length):]
    return True


def _decoded(body: bytes, encoding: str, limit: int) -> bytes | None:
    """A payload with its Content-Encoding undone, at most limit + 1 bytes of it; None for an
    encoding we cannot undo or a payload that does not decode."""
    encoding = encoding.strip().lower()
    try:
        if encoding in ("", "identity"):
            return body
        if encoding in ("gzip", "x-gzip", "deflate"):
            inflater = zlib.decompressobj(wbits=47)  # gzip or zlib, told apart by the header
            try:
                return inflater.decompress(body, limit + 1)
            except zlib.error:
                if encoding != "deflate":
                    raise
                return zlib.decompressobj(wbits=-15).decompress(body, limit + 1)  # raw deflate
        if encoding == "br":
            return brotli.Decompressor().process(body, output_buffer_limit=limit + 1)[:limit + 1]
    except (zlib.error, brotli.error):
        return None
    return None


class WarcPages:
    """The HTML 200 responses of one WARC stream, in file order, read once. `keep`, if given,
    sees each page's body first, and only pages it keeps are made (a worker's gate: most pages
    of an archive go no further than their bytes). After the loop, `records` is how many
    records were read, `pages` how many HTML 200 responses, and `truncated` whether the file
    ends inside its last record (what that record held was read as far as it goes)."""

    def __init__(self, stream: BinaryIO, source: str, max_page_bytes: int = MAX_PAGE_BYTES,
                 keep: Callable[[bytes], bool] | None = None):
        self.stream = _Counted(stream)
        self.source = source
        self.max_page_bytes = max_page_bytes
        self.keep = keep
        self.records = 0
        self.pages = 0
        self.skipped = 0  # HTML pages over max_page_bytes or in an encoding we cannot undo
        self.truncated = False

    def __iter__(self) -> Iterator[ArchivedPage]:
        last_start = None
        records = ArchiveIterator(self.stream, record_types=WarcRecordType.any_type,
                                  parse_http=True, auto_decode="transfer")
        try:
            for record in records:
                self.records += 1
                last_start = record.stream_pos
                if record.record_type != WarcRecordType.response or not record.is_http:
                    continue
                page = self._page(record)
                if page is not None:
                    yield page
        except (OSError, ValueError) as exc:
            raise BadWarc(f"{self.source}: not a readable WARC file ({exc}; {self.records} "
                          "records read); it was skipped: replace or remove it and run "
                          "again") from exc
        if last_start is not None:
            tail = self.stream.since(last_start)
            self.truncated = tail is not None and not _whole_records(tail)
        elif self.stream.position:
            raise BadWarc(f"{self.source}: no WARC record in {self.stream.position} bytes; it "
                          "was skipped: replace or remove it and run again")

    def _page(self, record) -> ArchivedPage | None:
        # fastwarc's parsed properties and WarcHeader keys cost a third of a lookup by name.
        http = record.http_headers
        if http.status_code != 200 or (record.http_content_type or "").lower() not in HTML_TYPES:
            return None
        body = _decoded(record.reader.read(self.max_page_bytes + 1),
                        http.get("Content-Encoding", ""), self.max_page_bytes)  # any case
        if body is None or len(body) > self.max_page_bytes:
            self.skipped += 1
            return None
        self.pages += 1
        if self.keep is not None and not self.keep(body):
            return None
        content_type = http.get("Content-Type")
        return ArchivedPage(
            url=record.headers.get(WarcHeader.WARC_TARGET_URI),
            captured_at=_captured_at(record.headers.get(WarcHeader.WARC_DATE)),
            body=body,
            content_type=content_type,
            charset=charset_of(content_type),
            source=self.source,
        )


def read_warc(stream: BinaryIO, source: str, max_page_bytes: int = MAX_PAGE_BYTES,
              keep: Callable[[bytes], bool] | None = None) -> WarcPages:
    """Every HTML 200 response in a WARC stream (that `keep` keeps), in file order (see
    WarcPages)."""
    return WarcPages(stream, source, max_page_bytes, keep)
