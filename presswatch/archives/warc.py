"""WARC files, local or over HTTP, read one record at a time (never a whole file in memory).

warcio's ArchiveIterator reads gzip-per-record files (CC-NEWS) and plain ones, and decodes the
HTTP payload (chunked, Content-Encoding). Only HTML responses with status 200 become pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from presswatch.archives.pages import ArchivedPage, ArchiveError, charset_of
from presswatch.http_client import FetchError, HttpClient

HTML_TYPES = ("text/html", "application/xhtml+xml")


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


def read_warc(stream: BinaryIO, source: str) -> Iterator[ArchivedPage]:
    """Every HTML 200 response in a WARC stream, in file order."""
    for record in ArchiveIterator(stream):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        content_type = record.http_headers.get_header("Content-Type")
        status = record.http_headers.get_statuscode()
        if status != "200" or not (content_type or "").lower().startswith(HTML_TYPES):
            continue
        yield ArchivedPage(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            captured_at=_captured_at(record.rec_headers.get_header("WARC-Date")),
            body=record.content_stream().read(),
            content_type=content_type,
            charset=charset_of(content_type),
            source=source,
        )

