"""Build the report: run the query files, lay the rows out in templates, write the pages.

The pages are written into a folder beside the final one and swapped in when complete, so a
reader (or a browser tab being refreshed) sees the old report or the new one, never half of it.
A folder that is not a presswatch report is never replaced.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import json
import operator
import re
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from presswatch.folders import FolderNotOurs, replace_folder
from presswatch.report.exports import EXPORTS
from presswatch.report.side import InProcess, SideJob, start_side
from presswatch.warehouse.beside import report_dir
from presswatch.warehouse.errors import DEFAULT_LOCK_TIMEOUT_S

QUERIES = resources.files("presswatch.warehouse") / "report_queries"
ASSETS = resources.files("presswatch.report") / "assets"
MARKER = ".presswatch-report"
# When and from what the report was built, and by which report code: a run that adds nothing
# keeps the report (last_report) only if the same code built it.
BUILD_FILE = "build.json"
# What the report needs that older warehouses lack: opening one for writing (any run) adds them.
# (period_quotes came with dated_articles's outlet_name: a file holding it holds both.)
REQUIRED_OBJECTS = ("outlet_names", "stories", "story_outlets", "source_run_health",
                    "dated_articles", "period_quotes")

# The overview stays small whatever the warehouse holds: its lists are capped (the full lists
# are on the speakers and statements pages); the caps are stated on the page.
OVERVIEW_STATEMENTS = 200
OVERVIEW_SPEAKERS = 200
OVERVIEW_NEW = 200
AUDIT_LIMIT = 300
HEADLINES_LIMIT = 15
GRID_SPEAKERS, GRID_OUTLETS = 12, 8
# From this many statements the charts and downloads are made in a second process (side.py)
# while this one runs the queries and writes the pages (1,000 articles gave 2,900 statements
# and 3,900 pages); below it the second process's start (about 0.5 CPU s) costs more than it
# saves.
SECOND_PROCESS_STATEMENTS = 1500
NO_SINCE = date(1, 1, 1)

_UNSAFE_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ud800-\udfff]"
)
_PARAM = re.compile(r"\$([a-z_]+)")


class ReportError(Exception):
    """The report could not be built; the message says why and what to do."""


@dataclass(frozen=True)
class ReportResult:
    out_dir: Path
    index: Path
    source: Path  # the warehouse file read (the snapshot, normally)
    n_pages: int
    total_bytes: int
    overview_bytes: int
    seconds: float
    built_at: datetime | None = None
    kept: bool = False  # not rebuilt: the run added nothing (last_report)

    def describe(self) -> str:
        if self.kept:
            built = when(self.built_at) if self.built_at else "earlier"
            return (f"report: {self.index} kept as built at {built} UTC ({self.n_pages} pages): "
                    "this run added nothing to show")
        return (f"report: {self.index} ({self.n_pages} pages, {self.total_bytes / 1e6:.1f} MB; "
                f"overview {self.overview_bytes / 1e3:.0f} kB; built in {self.seconds:.1f} s)")


def report_index(db_path: Path | str) -> Path:
    """The overview page of a warehouse's default report, as an absolute path."""
    return report_dir(db_path).resolve() / "index.html"


# -- text made safe to show ----------------------------------------------------------------


def inert(value: object, limit: int | None = None) -> str:
    """One line of text from a stranger's page: control characters, line separators and bidi
    overrides become spaces, whitespace collapses, and it is cut at `limit` (same rule as
    presswatch.text.clean_line, with a regex, for the hundreds of thousands of cells of a big
    report). HTML escaping is the templates' autoescape; this only stops text from reordering
    or breaking the page's lines."""
    if value is None:
        return ""
    return _inert_text(value if type(value) is str else str(value), limit)


@functools.lru_cache(maxsize=4096)
def _inert_text(text: str, limit: int | None) -> str:
    # Cached: a report shows the same names, roles and outlets on many pages (at 1,000
    # articles 12,000 distinct values in 180,000 calls; the last 4,096 answer 92 % of them).
    text = " ".join(_UNSAFE_CHARS.sub(" ", text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def inert_edges(value: object, limit: int | None = None) -> str:
    """inert(), keeping one space at either end where the text had whitespace there (the words
    around a quote must not run into it)."""
    if value is None:
        return ""
    raw = _UNSAFE_CHARS.sub(" ", str(value))
    text = inert(raw, limit)
    if not text:
        return " " if raw[:1].isspace() else ""
    return (" " if raw[:1].isspace() else "") + text + (" " if raw[-1:].isspace() else "")


@functools.lru_cache(maxsize=65536)
def _href(url: str) -> str | None:
    if _UNSAFE_CHARS.search(url) or " " in url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def href(url: object) -> str | None:
    """A link target for an article or a feed: only http(s) URLs, never javascript: or data:."""
    return _href(url) if isinstance(url, str) else None


@functools.lru_cache(maxsize=65536)
def _when_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M")


def when(value: object) -> str:
    if isinstance(value, datetime):
        return _when_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else inert(value)


def sort_key(value: object) -> str:
    """data-sort value for a table cell: ISO time for times, the number for numbers."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(int(value))
    return "" if value is None else str(value)


def delay(minutes: object) -> str:
    if not isinstance(minutes, int) or minutes <= 0:
        return "at once"
    if minutes < 60:
        return f"+{minutes} min"
    if minutes < 48 * 60:
        return f"+{minutes / 60:.0f} h"
    return f"+{minutes / 1440:.0f} days"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("presswatch.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates are package files: no stat of each on every page
    )
    env.filters.update(inert=inert, inert_edges=inert_edges, href=href, when=when,
                       sort_key=sort_key, delay=delay)
    env.globals["exports"] = EXPORTS
    return env


# -- queries -------------------------------------------------------------------------------


class Row(dict):
    """A query row: a dict whose columns templates read as attributes (row.speaker) without
    Jinja's failed-getattr-then-getitem detour, which costs seconds over 500,000 rows."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def query_text(name: str) -> str:
    return (QUERIES / f"{name}.sql").read_text(encoding="utf-8")


def run_query(con, name: str, **params: Any) -> list[Row]:
    """One report query as rows; only the parameters its text names are passed."""
    sql = query_text(name)
    used = {key: params[key] for key in set(_PARAM.findall(sql)) if key in params}
    cursor = con.execute(sql, used)
    columns = [d[0] for d in cursor.description]
    return [Row(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _check_objects(con, path: Path) -> None:
    present = {
        name for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "union all select view_name from duckdb_views() "
            "where database_name = current_database() "
            "union all select function_name from duckdb_functions() "
            "where database_name = current_database() and function_type = 'table_macro'"
        ).fetchall()
    }
    missing = [name for name in REQUIRED_OBJECTS if name not in present]
    if missing:
        raise ReportError(
            f"{path}: written by an older presswatch (no {', '.join(missing)}); the next "
            "`presswatch run` upgrades the warehouse and publishes a snapshot the report can read"
        )


@dataclass
class ReportData:
    story: dict[str, Any]
    attention: list[dict[str, Any]]
    markers: list[dict[str, Any]]
    statements: list[dict[str, Any]]
    speakers: list[dict[str, Any]]
    appearances: list[dict[str, Any]]
    new: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    outlets: list[dict[str, Any]]
    voices: list[dict[str, Any]]
    voices_daily: list[dict[str, Any]]
    speakers_by_outlet: list[dict[str, Any]]
    languages: list[dict[str, Any]]
    headlines: list[dict[str, Any]]


# Each ReportData field's query file, the slowest first; a report runs them QUERY_THREADS at a
# time, each on its own cursor: DuckDB runs a query without holding the GIL, and a report's
# queries are many and small (at 1,000 articles 0.70 s one after another, 0.46 s two at a time).
REPORT_QUERIES = {
    "entities": "entities_trend", "appearances": "statement_appearances",
    "statements": "statements", "story": "story", "new": "new_since_previous_run",
    "speakers": "speakers", "voices": "share_of_voice", "outlets": "outlets",
    "speakers_by_outlet": "speakers_by_outlet", "audit": "relevance_audit",
    "markers": "attention_markers", "headlines": "top_headlines",
    "voices_daily": "share_of_voice_daily", "sources": "source_health",
    "attention": "attention_daily", "languages": "languages",
}
QUERY_THREADS = 2


def read_report_data(con, since: date | None = None) -> ReportData:
    # A cursor is a session of its own: it takes the connection's time zone, so times read
    # the same whichever runs the query.
    (time_zone,) = con.execute("select current_setting('TimeZone')").fetchone()

    def rows_of(field: str) -> list[Row]:
        cursor = con.cursor()
        try:
            cursor.execute("set TimeZone = ?", [time_zone])
            return run_query(cursor, REPORT_QUERIES[field], since=since or NO_SINCE,
                             limit=HEADLINES_LIMIT if field == "headlines" else AUDIT_LIMIT)
        finally:
            cursor.close()

    with ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="presswatch-report") as pool:
        rows = dict(zip(REPORT_QUERIES, pool.map(rows_of, REPORT_QUERIES), strict=True))
    if not rows["story"]:
        raise ReportError("the warehouse has no run yet: run `presswatch run` first")
    return ReportData(**{**rows, "story": rows["story"][0]})


# -- pages ---------------------------------------------------------------------------------


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _articles_by_statement(appearances: list[Row]) -> dict[str, list[tuple[Row, list[Row]]]]:
    """Appearance rows (one per quote, ordered) -> per statement, (article, its quotes) pairs,
    first article first; the article's fields are its first quote row's."""
    grouped: dict[str, list[tuple[Row, list[Row]]]] = {}
    article_of = operator.itemgetter("statement_id", "article_id")
    for (statement_id, _), quotes in itertools.groupby(appearances, key=article_of):
        quotes = list(quotes)
        grouped.setdefault(statement_id, []).append((quotes[0], quotes))
    return grouped


def iter_pages(data: ReportData, *, built_at: datetime, source_name: str,
               since: date | None, helper: InProcess | None = None,
               ) -> Iterator[tuple[str, str | bytes]]:
    """Every page of the report as (relative path, HTML), one at a time (a big report's pages
    add up to hundreds of MB: they are written as they come, never all held), the overview
    last (it waits for the charts), then each table's downloads (export-<table>.csv and
    .xlsx). The charts and downloads are made by `helper` (side.py: this process or a second
    one); without one, by a second process from SECOND_PROCESS_STATEMENTS statements."""
    if helper is None:
        helper = start_side(len(data.statements) >= SECOND_PROCESS_STATEMENTS)
    new_kinds = {kind: [r for r in data.new if r["kind"] == kind]
                 for kind in ("statement", "speaker", "outlet")}
    try:
        helper.send(SideJob(
            attention=data.attention, markers=data.markers, voices_daily=data.voices_daily,
            outlets=data.outlets, tables=_export_tables(data, new_kinds), clean=inert,
            built_at=built_at))
        yield from _pages(data, new_kinds, helper, built_at=built_at, source_name=source_name,
                          since=since)
        yield from helper.files()
    finally:
        helper.close()


def _pages(data: ReportData, new_kinds: dict[str, list[Row]],
           helper: InProcess, *, built_at: datetime,
           source_name: str, since: date | None) -> Iterator[tuple[str, str]]:
    env = _environment()
    css = (ASSETS / "report.css").read_text(encoding="utf-8")
    js = (ASSETS / "report.js").read_text(encoding="utf-8")
    csp = (f"default-src 'none'; script-src {_csp_hash(js)}; style-src {_csp_hash(css)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    by_speaker: dict[str, list[dict[str, Any]]] = {}
    for statement in data.statements:
        by_speaker.setdefault(statement["speaker_key"], []).append(statement)
    common = {
        "story": data.story, "css": Markup(css), "js": Markup(js), "csp": csp,
        "built_at": built_at, "source_name": source_name, "since": since,
        "not_analysed": [o for o in data.outlets if o["n_not_analysed"]],
    }
    speaker_page = env.get_template("speaker.html.j2")
    for speaker in data.speakers:
        yield f"speaker/{speaker['speaker_key']}.html", speaker_page.render(
            common, root="../", page="speaker", speaker=speaker,
            statements=by_speaker.get(speaker["speaker_key"], []))
    statement_page = env.get_template("statement.html.j2")
    articles = _articles_by_statement(data.appearances)
    speakers = {s["speaker_key"] for s in data.speakers}
    for statement in data.statements:
        yield f"statement/{statement['statement_key']}.html", statement_page.render(
            common, root="../", page="statement", statement=statement,
            has_speaker_page=statement["speaker_key"] in speakers,
            articles=articles.get(statement["statement_id"], []))
    yield "speakers.html", env.get_template("speakers.html.j2").render(
        common, root="", page="speakers", speakers=data.speakers)
    yield "statements.html", env.get_template("statements.html.j2").render(
        common, root="", page="statements", statements=data.statements)
    yield "index.html", env.get_template("overview.html.j2").render(
        common, root="", page="overview", **helper.charts(), attention=data.attention,
        markers=data.markers, voices=data.voices, languages=data.languages,
        headlines=data.headlines, grid=speaker_outlet_grid(data.speakers_by_outlet),
        statements=data.statements[:OVERVIEW_STATEMENTS], n_statements=len(data.statements),
        speakers=data.speakers[:OVERVIEW_SPEAKERS], n_speakers=len(data.speakers),
        new={k: v[:OVERVIEW_NEW] for k, v in new_kinds.items()},
        n_new={k: len(v) for k, v in new_kinds.items()},
        rising=[e for e in data.entities if e["direction"] == "rising"],
        falling=[e for e in data.entities if e["direction"] == "falling"],
        audit=data.audit, audit_limit=AUDIT_LIMIT,
        audit_totals={r["verdict"]: r["n_total"] for r in data.audit},
        sources=data.sources, outlets=data.outlets,
    )


def _export_tables(data: ReportData, new_kinds: dict[str, list[Row]]) -> dict[str, list[Row]]:
    tables = {
        "statements": data.statements, "speakers": data.speakers,
        "share-of-voice": data.voices, "share-of-voice-by-day": data.voices_daily,
        "speakers-by-outlet": data.speakers_by_outlet, "attention": data.attention,
        "new-statements": new_kinds["statement"], "entities": data.entities,
        "outlets": data.outlets, "languages": data.languages, "headlines": data.headlines,
        "relevance-audit": data.audit, "sources": data.sources,
    }
    assert tables.keys() == EXPORTS.keys()
    return tables


def speaker_outlet_grid(rows: list[Row]) -> dict[str, Any]:
    """Speakers x outlets as a grid: the most quoted speakers (rows) against the outlets that
    quoted most (columns), each cell the articles in which that outlet quoted that speaker."""
    by_speaker: dict[str, int] = {}
    by_outlet: dict[str, int] = {}
    cells: dict[tuple[str, str], int] = {}
    for row in rows:
        by_speaker[row["speaker"]] = by_speaker.get(row["speaker"], 0) + row["n_articles"]
        by_outlet[row["outlet"]] = by_outlet.get(row["outlet"], 0) + row["n_articles"]
        cells[row["speaker"], row["outlet"]] = row["n_articles"]
    speakers = sorted(by_speaker, key=lambda k: (-by_speaker[k], k))
    outlets = sorted(by_outlet, key=lambda k: (-by_outlet[k], k))
    return {"speakers": speakers[:GRID_SPEAKERS], "outlets": outlets[:GRID_OUTLETS],
            "cells": cells, "n_speakers": len(speakers), "n_outlets": len(outlets)}


def write_pages(pages: Iterable[tuple[str, str | bytes]], out: Path,
                build: dict[str, Any] | None = None) -> tuple[int, int, int]:
    """Write the pages into a fresh folder beside `out`, then swap it in (folders.py); returns
    the number of pages, their total size and the overview's size. `build`, when given, is
    written last as BUILD_FILE with those figures added."""

    def fill(folder: Path) -> tuple[int, int, int]:
        (folder / "speaker").mkdir()
        (folder / "statement").mkdir()
        total = overview = n_pages = 0
        for name, content in pages:
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            (folder / name).write_bytes(data)
            total += len(data)
            n_pages += name.endswith(".html")
            if name == "index.html":
                overview = len(data)
        if build is not None:
            figures = {"n_pages": n_pages, "total_bytes": total, "overview_bytes": overview}
            (folder / BUILD_FILE).write_text(json.dumps({**build, **figures}), encoding="utf-8")
        return n_pages, total, overview

    try:
        return replace_folder(out, MARKER, "presswatch report", fill)
    except FolderNotOurs as exc:
        raise ReportError(str(exc)) from exc


def build_report(
    db_path: Path | str,
    out_dir: Path | str | None = None,
    *,
    since: date | None = None,
    live: bool = False,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    built_at: datetime | None = None,
    second_process: bool | None = None,
    side: InProcess | None = None,
) -> ReportResult:
    """Build the report of a warehouse (its published snapshot unless live) into out_dir
    (default: beside the warehouse, see report_dir). The pages say it was built at built_at
    (default now): the same warehouse and time give the same files, byte for byte.
    second_process: make the charts and downloads in a second process (side.py); None: when
    the warehouse holds SECOND_PROCESS_STATEMENTS statements or more. side: where to make
    them instead, started by the caller beforehand (start_side) so that a second process's
    start is over before the queries end; closed here."""
    # DuckDB loads here, not on import: the report's second process (side.py) imports this
    # package and does without it (0.3 CPU s).
    from presswatch.warehouse.store import default_read_path, open_warehouse

    started = time.perf_counter()
    source = Path(db_path) if live else default_read_path(db_path)
    out = Path(out_dir) if out_dir is not None else report_dir(db_path)
    with open_warehouse(source, read_only=True, lock_timeout_s=lock_timeout_s) as warehouse:
        con = warehouse.connection
        _check_objects(con, source)
        if side is not None:
            helper = side
        else:
            if second_process is None:
                n_statements = run_query(con, "size")[0]["n_statements"]
                second_process = n_statements >= SECOND_PROCESS_STATEMENTS
            helper = start_side(second_process)  # a second process starts as the queries run
        try:
            data = read_report_data(con, since)
        except BaseException:
            helper.close()
            raise
    built_at = built_at or datetime.now(UTC)
    try:
        pages = iter_pages(data, built_at=built_at, source_name=source.name, since=since,
                           helper=helper)
        build = {"built_at": built_at.isoformat(), "source": str(source),
                 "code": report_code(), "since": since.isoformat() if since else None,
                 "failing_sources": sorted(row["url"] for row in data.sources
                                           if row["failing"])}
        n_pages, total, overview = write_pages(pages, out, build)
    finally:
        helper.close()  # also when the folder was refused before a page was made
    return ReportResult(
        out_dir=out, index=out / "index.html", source=source, n_pages=n_pages,
        total_bytes=total, overview_bytes=overview, seconds=time.perf_counter() - started,
        built_at=built_at,
    )


def last_report(db_path: Path | str, failing_sources: Iterable[str]) -> ReportResult | None:
    """The warehouse's default report as the last build left it, if this report code built
    it whole from the warehouse's snapshot for every day, when the same sources were failing
    (its BUILD_FILE says so); else None, and the caller builds it again."""
    from presswatch.warehouse.store import default_read_path

    out = report_dir(db_path)
    try:
        build = json.loads((out / BUILD_FILE).read_text(encoding="utf-8"))
        built_at = datetime.fromisoformat(build["built_at"])
        fits = (build["code"] == report_code() and build["since"] is None
                and build["source"] == str(default_read_path(db_path))
                and set(build["failing_sources"]) == set(failing_sources))
        figures = int(build["n_pages"]), int(build["total_bytes"]), int(build["overview_bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not fits or not (out / "index.html").is_file():
        return None
    return ReportResult(out_dir=out, index=out / "index.html", source=Path(build["source"]),
                        n_pages=figures[0], total_bytes=figures[1], overview_bytes=figures[2],
                        seconds=0.0, built_at=built_at, kept=True)


@functools.cache
def report_code() -> str:
    """A digest of what lays the report out (this package's code, templates and assets, the
    report's query files and the views and macros they read): a report built by other code is
    not kept."""
    digest = hashlib.sha256()
    roots = [resources.files("presswatch.report"), QUERIES,
             resources.files("presswatch.warehouse") / "views"]
    for root in roots:
        for path in sorted(_files(root), key=str):
            digest.update(str(path).removeprefix(str(root)).encode("utf-8"))
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _files(folder) -> Iterator:
    for entry in folder.iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                yield from _files(entry)
        elif not entry.name.endswith(".pyc"):
            yield entry
