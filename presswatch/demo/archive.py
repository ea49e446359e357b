"""A news archive made from the replay: its articles hidden among generated unrelated pages,
written as WARC files the way CC-NEWS writes them (one gzip member per record, a request and
a response record per page). Tests and bench/backfill.py read these instead of the web.

The unrelated pages are news pages on other subjects; some are near misses that name one of
the story's entities (OpenAI, Hugging Face) or the Italian word "sora", so the gate and the
judge have something to tell apart. Everything is drawn from a seeded generator: the same
arguments give the same archive.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from presswatch.demo.server import Catalogue, load_manifest, render_article, site_dir

_WORDS = (
    "council budget river festival harbour market railway museum election league season coach "
    "weather storm farmers school teachers hospital doctors bridge traffic tourism wine cheese "
    "orchestra theatre novel author mayor parliament tax energy solar wind battery factory "
    "workers union strike port shipping airline airport flight ticket price inflation bank "
    "interest rate housing rent mortgage garden park library village city county region "
    "minister policy reform court judge trial police safety fire crews volunteers charity "
    "match goal striker keeper final trophy fans stadium record injury transfer club"
).split()
_NEAR_MISSES = (
    "OpenAI said its quarterly revenue grew, according to people familiar with the figures.",
    "Researchers shared a new dataset on Hugging Face for weather forecasting.",
    "La sora Maria ha aperto una nuova bottega in piazza, racconta il quartiere.",
    "Microsoft and Google announced new cloud regions for the winter.",
    "ChatGPT usage in schools was discussed by the teachers' union.",
)
ARCHIVE_HOST_FORMAT = "https://www.{}.com"
START = datetime(2024, 11, 20, tzinfo=UTC)


@dataclass(frozen=True)
class ArchiveRecord:
    url: str
    captured_at: datetime
    body: bytes
    replay_id: str | None = None  # the replay article this page is, if any


def replay_urls(catalogue: Catalogue) -> dict[str, str]:
    """The outlets' base URLs inside the archive (real-looking domains, not loopback)."""
    return {key: ARCHIVE_HOST_FORMAT.format(key) for key in catalogue.outlets}


def replay_records(catalogue: Catalogue | None = None) -> list[ArchiveRecord]:
    """Every replay article, as served on the replay's last day, captured an hour after it
    was published."""
    catalogue = catalogue or Catalogue(load_manifest(), site_dir())
    urls = replay_urls(catalogue)
    day = max(int(d) for d in catalogue.days)
    records = []
    for article in catalogue.articles.values():
        response = render_article(catalogue, article, urls, day)
        published = datetime.fromisoformat(article["published_at"].replace("Z", "+00:00"))
        records.append(ArchiveRecord(urls[article["outlet"]] + article["path"],
                                     published + timedelta(hours=1), response.body,
                                     article["id"]))
    return records


def unrelated_page(rng: random.Random, number: int) -> ArchiveRecord:
    """A news page about something else, 3-12 KB, one in twenty a near miss."""
    title = " ".join(rng.choice(_WORDS) for _ in range(6)).capitalize()
    paragraphs = []
    for _ in range(rng.randint(6, 20)):
        sentence = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(25, 60)))
        paragraphs.append(sentence.capitalize() + ".")
    if number % 20 == 0:
        paragraphs.insert(rng.randint(0, len(paragraphs)), rng.choice(_NEAR_MISSES))
    published = START + timedelta(minutes=7 * number)
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    page = (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)} | The Gazette</title>"
        f"<meta property=\"article:published_time\" content=\"{published.isoformat()}\">"
        f"</head><body><nav><a href=\"/\">Home</a> <a href=\"/sport\">Sport</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        f"<footer>&copy; The Gazette</footer></body></html>"
    )
    host = f"https://www.gazette{number % 50}.com"
    return ArchiveRecord(f"{host}/news/{number}", published + timedelta(hours=2),
                         page.encode("utf-8"))


def archive_records(n_unrelated: int, seed: int = 14) -> Iterator[ArchiveRecord]:
    """The replay's articles spread at random positions among n_unrelated other pages."""
    rng = random.Random(seed)
    replay = replay_records()
    slots = sorted(rng.sample(range(n_unrelated + len(replay)), len(replay)))
    hidden = dict(zip(slots, replay, strict=True))
    unrelated = 0
    for position in range(n_unrelated + len(replay)):
        if position in hidden:
            yield hidden[position]
        else:
            yield unrelated_page(rng, unrelated)
            unrelated += 1


def write_warc(path: Path, records: Iterator[ArchiveRecord] | list[ArchiveRecord]) -> int:
    """Records as a gzip-per-record WARC (request + response per page); returns pages
    written."""
    written = 0
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=True)
        for record in records:
            date = record.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            request = writer.create_warc_record(
                record.url, "request", payload=BytesIO(b""),
                http_headers=StatusAndHeaders("GET / HTTP/1.1", [("Host", "archive")],
                                              is_http_request=True),
                warc_headers_dict={"WARC-Date": date})
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                  ("Content-Length", str(len(record.body)))],
                                       protocol="HTTP/1.1")
            response = writer.create_warc_record(
                record.url, "response", payload=BytesIO(record.body), http_headers=headers,
                warc_headers_dict={"WARC-Date": date})
            writer.write_record(request)
            writer.write_record(response)
            written += 1
    return written
