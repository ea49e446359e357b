"""One backfill unit, as a Dask worker runs it: read a WARC file or a host's pages, drop
with the gate (presswatch/nlp/gate.py) what cannot be relevant, extract and judge the rest,
parse the relevant ones with spaCy, and stage them in `<units dir>/<key>.jsonl`, then
`<key>.json` (its tally: the unit is staged). The plan and the one writer live in
presswatch/runs/backfill.py.

This module is what a worker imports (the task's function and its arguments come from here),
so it imports only what every unit needs: the readers, the gate, extraction and the judge.
spaCy and the story's model are loaded only when a unit keeps a page (most files of a month
keep none); the warehouse, the statement index and the syndication sketches are the writer's
and never load on a worker.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from presswatch.addresses import AddressPolicy
from presswatch.archives import ccnews, cdx, gdelt
from presswatch.archives.pages import ArchivedPage, PageRef, fetch_pages, page_client
from presswatch.archives.warc import BadWarc, open_warc, read_warc
from presswatch.folders import quarantine, write_atomically
from presswatch.http_client import HttpClient
from presswatch.jsonl import dumps, from_dict
from presswatch.nlp.gate import Gate, compile_gate
from presswatch.nlp.relevance import RelevanceRules, compile_rules, score_with_rules
from presswatch.records import Article, DocAnalysis, FetchedPage, Relevance, as_utc
from presswatch.spiders.extract import NoArticleText, extract_article
from presswatch.story import Story

if TYPE_CHECKING:  # only presswatch/nlp imports spaCy, and a worker only when it must
    from spacy.language import Language

log = logging.getLogger("presswatch.backfill")


@dataclass(frozen=True)
class Endpoints:
    """Where the archives answer; tests and mirrors point these elsewhere."""

    cdx: str = "https://web.archive.org/cdx/search/cdx"
    wayback: str = "https://web.archive.org"
    gdelt: str = gdelt.API_BASE
    ccnews: str = ccnews.CC_BASE

    def is_mirror(self, name: str) -> bool:
        return getattr(self, name) != getattr(Endpoints(), name)


@dataclass(frozen=True)
class Clients:
    """The guarded clients a backfill asks through, each paced as its service asks (the
    services' own limits; a mirror, as in the tests, at `delay_s`)."""

    user_agent: str
    policy: AddressPolicy
    endpoints: Endpoints
    delay_s: float = 1.0

    def _pace(self, name: str, service_s: float) -> float:
        return self.delay_s if self.endpoints.is_mirror(name) else max(self.delay_s, service_s)

    def cdx(self) -> HttpClient:
        pace = self._pace("cdx", cdx.MIN_INTERVAL_S)
        return cdx.api_client(self.user_agent, self.policy, interval_s=pace,
                              backoff_s=self._pace("cdx", 5.0),
                              throttle_backoff_s=self._pace("cdx", cdx.THROTTLE_BACKOFF_S))

    def gdelt(self) -> HttpClient:
        return gdelt.api_client(
            self.user_agent, self.policy, interval_s=self._pace("gdelt", gdelt.MIN_INTERVAL_S),
            throttle_backoff_s=self._pace("gdelt", gdelt.THROTTLE_BACKOFF_S))

    def ccnews(self) -> HttpClient:
        """For CC-NEWS path lists and every WARC download."""
        return ccnews.api_client(self.user_agent, self.policy,
                                 interval_s=self._pace("ccnews", 1.0),
                                 backoff_s=self._pace("ccnews", 5.0))

    def pages(self, unit: Unit) -> HttpClient:
        """Pages of a unit: the Wayback Machine's at the CDX pace, others at `delay_s`."""
        archive = unit.host == urlsplit(self.endpoints.wayback).netloc
        return page_client(self.user_agent, self.policy, interval_s=self._pace(
            "wayback", cdx.MIN_INTERVAL_S) if archive else self.delay_s)



@dataclass(frozen=True)
class Unit:
    """One piece of work for a worker. `host` is where its requests go (None: a file read
    from disk or a WARC download): units that share a host run one after another."""

    key: str
    kind: str  # "warc" | "pages"
    label: str
    location: str | None = None
    pages: tuple[PageRef, ...] = ()
    host: str | None = None


@dataclass
class UnitResult:
    """A unit's tally, written beside its staged file; the benchmark reads the same figures."""

    key: str
    label: str
    records: int = 0  # HTML pages read
    in_range: int = 0  # captured on or after the range's first day (published in it or later)
    passed_gate: int = 0
    extracted: int = 0
    relevant: int = 0
    kept: int = 0  # relevant and published in the range: staged for loading
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the worker's CPU time on it: steady on a shared machine
    gate_seconds: float = 0.0  # of the seconds, those in the gate's exact test
    worker_pid: int = 0
    worker_peak_mb: float = 0.0
    truncated: bool = False  # a WARC file cut short: read as far as it goes
    error: str | None = None  # why the unit was skipped (a damaged WARC file), naming it

    @property
    def problem(self) -> str | None:
        """What the run should report about this unit, naming its file; None if nothing."""
        if self.error:
            return self.error
        if self.truncated:
            return (f"{self.label}: cut short inside a record; read as far as it goes "
                    f"({self.records} pages); replace it with a whole copy and run again")
        return None


@dataclass
class StagedArticle:
    """One line of a unit's staged file."""

    article: Article
    relevance: Relevance
    analysis: DocAnalysis



def _pages(unit: Unit, story: Story, clients: Clients, result: UnitResult,
           keep: Callable[[bytes], bool]) -> Iterator[ArchivedPage]:
    """The unit's pages whose bytes `keep` keeps (the gate's byte test, run as a WARC file is
    read, so most pages go no further); every download goes through the guarded client (the
    story's address rule: a URL list or GDELT could name an internal service).
    result.records counts every page read, and a WARC file cut short sets result.truncated
    once it is read."""
    if unit.kind == "warc":
        with open_warc(unit.location or "", clients.ccnews()) as stream:
            warc = read_warc(stream, unit.label, max_page_bytes=story.crawl.max_page_bytes,
                             keep=keep)
            yield from warc
            result.records, result.truncated = warc.pages, warc.truncated
        return
    for page in fetch_pages(clients.pages(unit), list(unit.pages), unit.label):
        result.records += 1
        if keep(page.body):
            yield page


def _in_range(moment: datetime, since: date, until: date) -> bool:
    return since <= as_utc(moment).date() <= until


@lru_cache(maxsize=1)
def worker_pipeline(story_json: str) -> Language:
    """The story's spaCy pipeline, loaded once per worker process and kept for its next units:
    loading it costs more than parsing a unit's few relevant articles. Keyed by the story's
    JSON, so a worker given another story loads that one instead. Imported here, not at the
    top: a worker whose units keep no page never pays for spaCy."""
    from presswatch.nlp.pipeline import build_pipeline

    return build_pipeline(Story.model_validate_json(story_json))


def _analyses(relevant: list[tuple[Article, Relevance]], story: Story) -> Iterator[DocAnalysis]:
    """spaCy's analysis of the kept articles, in their order (spaCy is imported on the first
    unit that keeps one; see worker_pipeline)."""
    from presswatch.nlp.analyze import analyze_texts

    texts = ((a.article_id, a.text) for a, _ in relevant)
    return analyze_texts(texts, story, nlp=worker_pipeline(story.model_dump_json()),
                         batch_size=story.nlp.batch_size)


def _judge_pages(pages: Iterator[ArchivedPage], result: UnitResult, gate: Gate,
                 rules: RelevanceRules, since: date, until: date,
                 relevant: list[tuple[Article, Relevance]]) -> None:
    """Gate, extract and judge each page, counting in `result`; the relevant ones published in
    range are appended to `relevant`."""
    for page in pages:
        if as_utc(page.captured_at).date() < since:
            continue  # captured before the range, so published before it too
        result.in_range += 1
        gate_clock = time.perf_counter()
        passes = gate.passes(page.body, page.charset)
        result.gate_seconds += time.perf_counter() - gate_clock
        if not passes:
            continue
        result.passed_gate += 1
        fetched = FetchedPage(url=page.url, final_url=page.url, status=page.status,
                              fetched_at=page.captured_at, source_url=page.source,
                              content_type=page.content_type, encoding=page.charset)
        try:
            article = extract_article(fetched, page.body)
        except NoArticleText:
            continue
        result.extracted += 1
        judged = score_with_rules(article, rules)
        if not judged.is_relevant:
            continue
        result.relevant += 1
        if _in_range(article.published_at or article.fetched_at, since, until):
            relevant.append((article, judged))


def process_unit(unit: Unit, story: Story, since: date, until: date, out_dir: Path,
                 clients: Clients) -> UnitResult:
    """Read, gate, extract, judge and analyse one unit; stage what is relevant and in range.

    The staged file is written under a temporary name and renamed, then the tally: a unit
    killed half-way leaves neither, and is processed again from the start. A damaged WARC file
    leaves neither either, and comes back with `error` set: the run reports it and goes on.
    """
    clock, cpu_clock = time.monotonic(), time.process_time()
    result = UnitResult(unit.key, unit.label, worker_pid=os.getpid())
    gate, rules = compile_gate(story), compile_rules(story)
    relevant: list[tuple[Article, Relevance]] = []
    try:
        _judge_pages(_pages(unit, story, clients, result, gate.may_pass), result, gate, rules,
                     since, until, relevant)
    except BadWarc as exc:
        log.warning("%s", exc)
        result.error = str(exc)
        return result
    result.kept = len(relevant)
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / f"{unit.key}.jsonl.partial"
    with partial.open("w", encoding="utf-8") as staged:
        if relevant:
            for (article, judged), analysis in zip(relevant, _analyses(relevant, story),
                                                   strict=True):
                staged.write(dumps(StagedArticle(article, judged, analysis)) + "\n")
        staged.flush()
        os.fsync(staged.fileno())  # whole on disk before the tally names it done
    os.replace(partial, staged_path(out_dir, unit))
    result.seconds = round(time.monotonic() - clock, 3)
    result.cpu_seconds = round(time.process_time() - cpu_clock, 3)
    result.gate_seconds = round(result.gate_seconds, 3)
    result.worker_peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    write_atomically(tally_path(out_dir, unit), dumps(result))  # fsyncs the folder too
    return result


def staged_path(out_dir: Path, unit: Unit) -> Path:
    return out_dir / f"{unit.key}.jsonl"


def tally_path(out_dir: Path, unit: Unit) -> Path:
    return out_dir / f"{unit.key}.json"


def loaded_path(out_dir: Path, unit: Unit) -> Path:
    return out_dir / f"{unit.key}.loaded"


def read_tally(out_dir: Path, unit: Unit) -> UnitResult | None:
    """The tally of a unit already staged by an earlier run, or None: then the unit is
    processed again. A damaged tally, or a staged file it names that is missing or cut short,
    is set aside with a warning naming it, so that no later run stops on it."""
    path, staged = tally_path(out_dir, unit), staged_path(out_dir, unit)
    if not path.exists():
        return None
    try:
        tally = from_dict(UnitResult, json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        quarantine(path, f"{type(exc).__name__}: {exc}")
        return None
    if not _whole_lines(staged):
        quarantine(path, f"the staged file {staged.name} is missing or cut short")
        if staged.exists():
            quarantine(staged, "cut short")
        return None
    return tally


def _whole_lines(path: Path) -> bool:
    """A JSON lines file that exists and ends at the end of a line (or is empty)."""
    try:
        with path.open("rb") as handle:
            if handle.seek(0, os.SEEK_END) == 0:
                return True
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"
    except OSError:
        return False


def read_staged_articles(path: Path) -> Iterator[StagedArticle]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield from_dict(StagedArticle, json.loads(line))
