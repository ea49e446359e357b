"""Run one crawl in a subprocess and read back what it wrote: the flow's way into Scrapy.

Scrapy's reactor cannot restart in a process, so each crawl is `python -m presswatch.spiders
--when-told STAGING/job.json` in a child process (about a second of overhead, which the daily
run overlaps with its start: CrawlChild); the job it reads is defined
in presswatch/spiders/job.py, which both sides import. The job and everything the crawl writes live
in one staging folder:

    job.json        the CrawlJob
    sources.jsonl   one line per fetched feed/sitemap document (grows during the crawl)
    decodes.jsonl   one line per Google News link decoded, or not, in this crawl
    pages.jsonl     one FetchedPage per line (grows as pages arrive: tail it for progress)
    bodies/*.gz     raw bodies, gzip-compressed, named by stable_id(url)
    crawl.log       Scrapy's log
    stats.json      Scrapy's stats when the crawl finished

This module imports no Scrapy at load time, so the flow can import it freely.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from presswatch.folders import write_atomically
from presswatch.jsonl import from_dict
from presswatch.records import Candidate, FetchedPage, LinkDecode, SourceResult
from presswatch.spiders.job import (
    DECODES_FILE,
    JOB_FILE,
    LOG_FILE,
    PAGES_FILE,
    SOURCES_FILE,
    STATS_FILE,
    CrawlJob,
    SourceSpec,
)

log = logging.getLogger(__name__)
NO_RESULT = "no result recorded: the crawl ended early or failed on this source (see crawl.log)"


# Reasons a page has no body of its own that are not failures: the page was reached, and its
# content is (or will be) stored under another URL.
_NOT_FAILURES = ("duplicate:", "already stored as")


def is_fetch_failure(page: FetchedPage) -> bool:
    """True when the page could not be fetched or used (robots, HTTP error, too large...);
    False for pages with a body and for duplicates of a page fetched under another URL."""
    return page.reason is not None and not page.reason.startswith(_NOT_FAILURES)


class CrawlFailed(RuntimeError):
    """The crawl subprocess died or could not start; the message points at its log."""


@dataclass
class CrawlOutput:
    """What a crawl left in its staging folder, read back as records."""

    staging_dir: Path
    sources: list[SourceResult]
    stats: dict[str, Any]
    decodes: list[LinkDecode] = field(default_factory=list)

    @property
    def finish_reason(self) -> str | None:
        """ "finished", "closespider_timeout" (max_seconds reached), or None if it never ended."""
        return self.stats.get("finish_reason")

    @property
    def pages_path(self) -> Path:
        return self.staging_dir / PAGES_FILE

    def pages(self) -> Iterator[FetchedPage]:
        """FetchedPage records one at a time (never all in memory), body_path made absolute."""
        for data in _json_lines(self.pages_path):
            yield _page(data, self.staging_dir)


def _page(data: dict[str, Any], staging_dir: Path) -> FetchedPage:
    """A pages.jsonl line as a record, its body_path made absolute."""
    if data.get("body_path"):
        data["body_path"] = str(staging_dir / data["body_path"])
    return from_dict(FetchedPage, data)


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Complete JSON lines of a file that may still be growing or was cut by a kill."""
    if not path.exists():
        return
    with path.open("rb") as lines:
        for line in lines:
            if not line.endswith(b"\n"):
                return
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def count_pages(staging_dir: Path) -> int:
    """Pages written so far: a cheap progress figure while the crawl runs."""
    path = staging_dir / PAGES_FILE
    if not path.exists():
        return 0
    with path.open("rb") as data:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: data.read(1 << 20), b""))


def _merge_sources(job: CrawlJob, items: list[dict[str, Any]]) -> list[SourceResult]:
    """One SourceResult per job source, in job order: child sitemap documents are folded into
    their index's result, and a source the crawl never reached says so."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_source.setdefault(item["source_url"], []).append(item)
    results = []
    specs = [(s, "feed") for s in job.feeds] + [(s, "sitemap") for s in job.sitemaps]
    specs += [(SourceSpec(f.source_url, f.name), f.kind) for f in job.found_sources]
    for spec, kind in specs:
        documents = by_source.get(spec.url)
        if not documents:
            results.append(SourceResult(spec.url, kind, spec.name, None, error=NO_RESULT))
            continue
        head = next((d for d in documents if d["document_url"] == spec.url), documents[0])
        errors = [head["error"]] if head.get("error") else []
        seen: set[str] = set()
        candidates = []
        for document in documents:
            if document is not head and document.get("error"):
                errors.append(f"child sitemap {document['document_url']}: {document['error']}")
            for data in document.get("candidates", []):
                if data["url"] not in seen:
                    seen.add(data["url"])
                    candidates.append(from_dict(Candidate, data))
        results.append(
            SourceResult(
                source_url=spec.url,
                kind=kind,
                name=spec.name,
                status=head.get("status"),
                candidates=candidates,
                etag=head.get("etag"),
                last_modified=head.get("last_modified"),
                error="; ".join(errors) or None,
                not_modified=bool(head.get("not_modified")),
                not_used=head.get("not_used"),
            )
        )
    return results


def load_crawl_output(staging_dir: Path) -> CrawlOutput:
    """Read a staging folder back, also one left by a crawl that was killed half-way."""
    staging_dir = Path(staging_dir)
    job = CrawlJob.read(staging_dir / JOB_FILE)
    stats = _stats(staging_dir / STATS_FILE)
    sources = _merge_sources(job, list(_json_lines(staging_dir / SOURCES_FILE)))
    decodes = [from_dict(LinkDecode, d) for d in _json_lines(staging_dir / DECODES_FILE)]
    return CrawlOutput(staging_dir=staging_dir, sources=sources, stats=stats, decodes=decodes)


def _stats(path: Path) -> dict[str, Any]:
    """Scrapy's stats, or none when the crawl never finished (or its file was cut short)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s is damaged (%s); the crawl is taken as unfinished", path, exc)
        return {}


def _child_env() -> dict[str, str]:
    """The child reads its settings from the job, never from a stray SCRAPY_SETTINGS_MODULE."""
    env = dict(os.environ)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return env


class CrawlChild:
    """A crawl child started before its job is written: it imports Scrapy and sets it up (most
    of its second of start-up) while the run opens the warehouse, then waits for a line on its
    stdin before reading STAGING/job.json. RunningCrawl tells it to go; cancel(), or this
    process's end closing the pipe, makes it exit without crawling."""

    def __init__(self, staging_dir: Path) -> None:
        self.staging_dir = Path(staging_dir)
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "presswatch.spiders", "--when-told",
                   str(self.staging_dir / JOB_FILE)]
        self.log = (self.staging_dir / LOG_FILE).open("wb")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=self.log,
                                        stderr=subprocess.STDOUT, env=_child_env())
        assert self.process.stdin is not None  # stdin=PIPE
        self._told = self.process.stdin

    def go(self) -> None:
        """Its job is written: crawl it. A child that died starting is left for finish() to
        report with its log."""
        try:
            self._told.write(b"go\n")
            self._told.close()
        except BrokenPipeError:
            pass

    def cancel(self) -> None:
        """The run will not crawl with this child (it failed first): let it exit."""
        try:
            self._told.close()
            _wait_or_kill(self.process)
        finally:
            self.log.close()


def _wait_or_kill(process: subprocess.Popen) -> None:
    """Wait for a child told to end, killing it if it does not within 30 s."""
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class RunningCrawl:
    """A crawl in its child process, writing into its staging folder: its pages can be read as
    the child writes them (pages), and its output once it has ended (finish). child: one
    started beforehand on this staging folder (CrawlChild); None starts one now."""

    def __init__(self, job: CrawlJob, staging_dir: Path, child: CrawlChild | None = None) -> None:
        child = child if child is not None else CrawlChild(staging_dir)
        self.staging_dir = child.staging_dir
        write_atomically(self.staging_dir / JOB_FILE, job.to_json())
        child.go()
        self._child, self._log = child.process, child.log
        self.pages_read = 0
        self.all_read = False  # the child has ended and pages() has read its every page

    def wait(self, on_progress: Callable[[int], None] | None = None,
             poll_seconds: float = 0.5) -> None:
        """Until the child ends, reporting the pages written so far."""
        while self._child.poll() is None:
            if on_progress is not None:
                on_progress(count_pages(self.staging_dir))
            time.sleep(poll_seconds)
        if on_progress is not None:
            on_progress(count_pages(self.staging_dir))

    def pages(self, on_progress: Callable[[int], None] | None = None,
              poll_seconds: float = 0.2) -> Iterator[FetchedPage]:
        """Each page as soon as its JSON line is whole (its body is on disk before it), until
        the child has ended and every whole line is read; a line the child was killed in the
        middle of is left, as CrawlOutput.pages leaves it."""
        path = self.staging_dir / PAGES_FILE
        offset, rest = 0, b""
        while True:
            ended = self._child.poll() is not None  # before the read: nothing written after
            chunk = b""
            if path.exists():
                with path.open("rb") as data:
                    data.seek(offset)
                    chunk = data.read()
            offset += len(chunk)
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                try:
                    page = _page(json.loads(line), self.staging_dir)
                except json.JSONDecodeError:
                    continue
                self.pages_read += 1
                yield page
            if on_progress is not None:
                on_progress(self.pages_read)
            if ended:
                self.all_read = True
                return
            if not lines:
                try:  # woken by the child's end, so a quiet crawl is read at once
                    self._child.wait(timeout=poll_seconds)
                except subprocess.TimeoutExpired:
                    pass

    def stop(self) -> None:
        """End the child early (the run stopped on an error); what it wrote stays readable."""
        if self._child.poll() is None:
            self._child.terminate()
            _wait_or_kill(self._child)
        self._log.close()

    def finish(self) -> CrawlOutput:
        """Wait for the child to end, then read its output back. Raises CrawlFailed if it
        exited with an error (what it wrote is still readable with load_crawl_output)."""
        self._child.wait()
        self._log.close()
        if self._child.returncode != 0:
            tail = (self.staging_dir / LOG_FILE).read_text(encoding="utf-8",
                                                           errors="replace")[-2000:]
            raise CrawlFailed(
                f"crawl of {self.staging_dir} exited with code {self._child.returncode}; "
                f"see {self.staging_dir / LOG_FILE}. Last lines:\n{tail}"
            )
        return load_crawl_output(self.staging_dir)


def run_crawl(
    job: CrawlJob,
    staging_dir: Path,
    *,
    on_progress: Callable[[int], None] | None = None,
    poll_seconds: float = 0.5,
) -> CrawlOutput:
    """Crawl job's sources in a child process writing into staging_dir, then read it back.

    on_progress, if given, is called with the number of pages written so far while the crawl
    runs. Raises CrawlFailed if the child exits with an error (what it wrote is still readable
    with load_crawl_output).
    """
    crawl = RunningCrawl(job, staging_dir)
    crawl.wait(on_progress, poll_seconds)
    return crawl.finish()
