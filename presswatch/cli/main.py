"""The `presswatch` command: argument parsing only; every command calls a plain function.

Heavy imports (Prefect, spaCy, Scrapy) happen inside the commands that need them, so that
`presswatch sql` answers quickly.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from presswatch.alerts.settings import channel_settings
from presswatch.archives import gdelt
from presswatch.runs.settings import (
    PREFECT_DEFAULTS,
    RunSettings,
    UsageError,
    checked_networks,
    lock_timeout_s,
    run_settings,
)
from presswatch.story import Story, StoryError, default_story_path, load_story
from presswatch.text import clean_line

if TYPE_CHECKING:
    from presswatch.alerts.channels import ChannelSettings
    from presswatch.runs.backfill import BackfillSettings

EXIT_OK, EXIT_SOURCE_FAILURES, EXIT_USAGE, EXIT_CRASHED = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
LOOPBACK_HELP = "allow loopback addresses (a source on this machine, tests)"
NETWORK_HELP = ("allow this private network too, e.g. 10.0.0.0/8 (repeatable; link-local "
                "addresses never)")
LIVE_HELP = ("read the warehouse file itself, not the snapshot published after the last run "
             "(this blocks a daily run while the query runs)")


def _prefect_defaults() -> None:
    """Prefect's settings as presswatch wants them, where the user has not set them, in this
    process's environment before Prefect is imported (runs/settings.py: PREFECT_DEFAULTS)."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


def check_channels(story: Story, env: Mapping[str, str]) -> ChannelSettings:
    """Alert settings are checked before a run starts, not after it has loaded a day's work."""
    from presswatch.alerts.channels import AlertConfigError

    try:
        return channel_settings(story.alerts, env)
    except AlertConfigError as exc:
        raise UsageError(str(exc)) from exc


def checked_settings(args: argparse.Namespace, *, alerts: bool = True,
                     feeds: list[str] | None = None,
                     sources_needed: bool = True) -> tuple[RunSettings, Story]:
    """The one way in for the commands that fetch (run, serve, backfill): settings from the
    arguments and the environment, the story read once and checked (names, URLs, dates, the
    model installed), the alert channels and the warehouse's story: before anything is
    fetched, a cluster or Prefect starts."""
    from presswatch.cli.story_tools import require_valid_story

    settings = run_settings(args.story, args.db, feeds,
                            getattr(args, "allow_private_hosts", False), os.environ,
                            getattr(args, "allow_private_network", None) or ())
    story = settings.story()
    require_valid_story(settings.story_path, story, sources_needed=sources_needed)
    if alerts:
        check_channels(story, os.environ)
    check_one_story(settings.db_path, story.id, settings.lock_timeout_s)
    return settings, story


def _cmd_run(args: argparse.Namespace) -> int:
    settings, _ = checked_settings(args, feeds=args.feed)
    _prefect_defaults()
    from presswatch.cli.progress import run_daily_with_progress
    from presswatch.warehouse.errors import WarehouseOfAnotherStory

    try:
        summary = run_daily_with_progress(settings)
    except WarehouseOfAnotherStory as exc:  # a run of another story got there first
        raise UsageError(str(exc)) from exc
    return EXIT_SOURCE_FAILURES if summary.n_sources_failed else EXIT_OK


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


def _month(text: str) -> str:
    try:
        date.fromisoformat(text + "-01")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month YYYY-MM") from exc
    return text


def backfill_settings(args: argparse.Namespace) -> BackfillSettings:
    """`presswatch backfill`'s arguments checked and made into settings, through the same way
    in as `run` (checked_settings): nothing is fetched and no cluster starts before this."""
    from presswatch.runs.backfill import BackfillSettings, Endpoints, Sources
    from presswatch.runs.settings import lease_wait_s

    sources = Sources(
        warcs=tuple(args.warc or ()), ccnews_months=tuple(args.ccnews or ()),
        wayback=args.wayback, gdelt_queries=tuple(args.gdelt or ()),
        urls_file=Path(args.urls) if args.urls else None,
    )
    if sources.is_empty():
        raise UsageError("backfill needs a source: --warc, --ccnews, --wayback, --gdelt or "
                         "--urls")
    until = args.until or date.today()
    if until < args.since:
        raise UsageError(f"--until {until} is before --since {args.since}")
    if args.dask_address and not args.dask_address.startswith(("tcp://", "tls://")):
        raise UsageError(f"--dask-address {args.dask_address!r}: expected tcp://HOST:PORT")
    for query in args.gdelt or ():
        if (problem := gdelt.query_problem(query)) is not None:
            raise UsageError(problem)
    if args.gdelt and (warning := gdelt.range_warning(
            datetime.combine(args.since, datetime.min.time(), UTC))):
        print(f"presswatch: {warning}", file=sys.stderr)
    run, _ = checked_settings(args, alerts=args.alert, sources_needed=False)  # archives
    defaults = Endpoints()
    endpoints = Endpoints(cdx=args.cdx_url or defaults.cdx,
                          wayback=args.wayback_url or defaults.wayback,
                          gdelt=args.gdelt_url or defaults.gdelt,
                          ccnews=args.ccnews_url or defaults.ccnews)
    return BackfillSettings(
        story_path=run.story_path, db_path=run.db_path, since=args.since, until=until,
        sources=sources, endpoints=endpoints, dask_address=args.dask_address,
        workers=args.workers, alert=args.alert, delay_s=args.delay,
        lock_timeout_s=run.lock_timeout_s, allow_private_hosts=run.allow_private_hosts,
        allow_private_networks=run.allow_private_networks, lease_wait_s=lease_wait_s(os.environ),
    )


def _cmd_backfill(args: argparse.Namespace) -> int:
    settings = backfill_settings(args)
    _prefect_defaults()
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # workers inherit it
    from presswatch.flows.backfill import run_backfill

    summary = run_backfill(settings)
    for reason in summary.left_out:
        print(f"presswatch: left out: {reason}", file=sys.stderr)
    print(f"backfill {summary.run_id}: {summary.units} units ({summary.units_resumed} resumed), "
          f"{summary.records} pages read, {summary.passed_gate} through the gate, "
          f"{summary.relevant} relevant; added {summary.articles_added} articles, "
          f"{summary.quotes_added} quotes, {summary.statements_new} new statements")
    for problem in summary.problems:
        print(f"  not read in full: {problem}")
    return EXIT_SOURCE_FAILURES if summary.left_out or summary.problems else EXIT_OK


def check_one_story(db_path: Path, story_id: str, lock_timeout_s: float) -> None:
    """One warehouse follows one story: refuse another story's run before anything starts.

    A warehouse held by a running run cannot be read now; the run checks again when it opens
    the file, so this early check is skipped rather than waited for. A file that is no usable
    warehouse (corrupt, foreign, newer, or lost beside its snapshot) is refused here, before
    Prefect starts.
    """
    from presswatch.warehouse.errors import WarehouseError, WarehouseLocked
    from presswatch.warehouse.store import open_warehouse, refuse_to_start_over

    if not db_path.is_file():
        try:
            refuse_to_start_over(db_path)
        except WarehouseError as exc:
            raise UsageError(str(exc)) from exc
        return
    try:
        with open_warehouse(db_path, read_only=True,
                            lock_timeout_s=min(lock_timeout_s, 5.0)) as warehouse:
            warehouse.require_story(story_id)
    except WarehouseLocked:
        return  # a run holds it: the lease makes this run wait or refuse
    except WarehouseError as exc:  # corrupt, foreign, newer: refused before Prefect starts
        raise UsageError(str(exc)) from exc


def _cmd_demo(args: argparse.Namespace) -> int:
    _prefect_defaults()
    from presswatch.cli.demo import run_demo

    return run_demo(Path(args.db), days=args.days)


def _cmd_serve(args: argparse.Namespace) -> int:
    settings, _ = checked_settings(args)
    _prefect_defaults()
    from presswatch.flows.daily import serve_daily

    serve_daily(settings, cron=args.cron, timezone=args.timezone)
    return EXIT_OK


def _cmd_extract(args: argparse.Namespace) -> int:
    story = load_story(args.story) if args.story else load_story(default_story_path())
    from presswatch.nlp.analyze import extract_jsonl

    bad_lines = []

    def report(error: Exception) -> None:
        bad_lines.append(error)
        print(f"presswatch extract: {error}; line skipped", file=sys.stderr)

    with _open_in(args.input) as source, _open_out(args.output) as sink:
        extract_jsonl(story, source, sink, on_bad_line=report)
    if bad_lines:
        print(f"presswatch extract: {len(bad_lines)} input line(s) skipped, the others written",
              file=sys.stderr)
        return EXIT_SOURCE_FAILURES
    return EXIT_OK


def _cmd_sql(args: argparse.Namespace) -> int:
    from presswatch.warehouse.console import QueryCancelled, interactive, run_query

    db = Path(args.db)
    query = args.query
    if args.cookbook is not None:
        from presswatch.warehouse.recipes import UnknownRecipe, find_recipe, listing

        if query is not None:
            raise UsageError("give a query or --cookbook, not both")
        if not args.cookbook:
            print("The cookbook's questions (presswatch sql --cookbook NUMBER runs one):\n"
                  + listing())
            return EXIT_OK
        try:
            recipe = find_recipe(args.cookbook)
        except UnknownRecipe as exc:
            raise UsageError(str(exc)) from exc
        print(f"-- {recipe.name}.sql", file=sys.stderr)
        query = recipe.sql
    if query is None:
        return interactive(db, live=args.live)
    out = Path(args.out) if args.out else None
    try:
        return run_query(db, query, fmt=args.format, out=out, live=args.live,
                         lock_timeout_s=lock_timeout_s(os.environ))
    except QueryCancelled:
        print("presswatch: query cancelled", file=sys.stderr)
        return EXIT_INTERRUPTED


def _cmd_export(args: argparse.Namespace) -> int:
    from presswatch.warehouse.errors import WarehouseError
    from presswatch.warehouse.export import ExportRefused, describe_export, export_parquet

    try:
        exported = export_parquet(Path(args.db), Path(args.to), live=args.live,
                                  lock_timeout_s=lock_timeout_s(os.environ))
    except (ExportRefused, WarehouseError) as exc:
        raise UsageError(str(exc)) from exc
    print(describe_export(exported, Path(args.to)))
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from datetime import date

    from presswatch.report import ReportError, build_report
    from presswatch.warehouse.errors import WarehouseError

    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError as exc:
        raise UsageError(f"--since {args.since!r}: not a date (YYYY-MM-DD)") from exc
    try:
        result = build_report(Path(args.db), Path(args.out) if args.out else None, since=since,
                              live=args.live, lock_timeout_s=lock_timeout_s(os.environ))
    except (ReportError, WarehouseError) as exc:
        raise UsageError(str(exc)) from exc
    print(result.describe())
    print(f"open it with: xdg-open {result.index}  (or file://{result.index.resolve()})")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    """Every data check over the whole warehouse (the daily run checks only its own rows)."""
    from presswatch.warehouse.errors import WarehouseError, WarehouseUnwritable
    from presswatch.warehouse.store import open_warehouse

    try:
        with open_warehouse(Path(args.db),
                            lock_timeout_s=lock_timeout_s(os.environ)) as warehouse:
            failures = warehouse.run_checks()
    except WarehouseUnwritable:  # a read-only filesystem or file: the checks only read
        with open_warehouse(Path(args.db), read_only=True) as warehouse:
            failures = warehouse.run_checks()
    except WarehouseError as exc:
        raise UsageError(str(exc)) from exc
    for failure in failures:
        print(failure.describe(), file=sys.stderr)
    print(f"{len(failures)} of the data checks failed" if failures else "every data check passed")
    return EXIT_SOURCE_FAILURES if failures else EXIT_OK


def _cmd_reanalyse(args: argparse.Namespace) -> int:
    """The NLP again over the stored texts; no fetch, no alert."""
    from presswatch.warehouse.errors import WarehouseError
    from presswatch.warehouse.reanalysis import ReanalysisConflict

    settings = run_settings(args.story, args.db, None, False, os.environ)
    if not settings.db_path.is_file():
        raise UsageError(f"{settings.db_path}: no warehouse here; `presswatch run` makes one")
    from presswatch.runs.reanalyse import print_changes, reanalyse

    try:
        changes = reanalyse(settings.story(), settings.db_path,
                            lock_timeout_s=settings.lock_timeout_s,
                            lease_wait_s=settings.lease_wait_s)
    except (WarehouseError, ReanalysisConflict) as exc:
        raise UsageError(str(exc)) from exc
    print_changes(changes, sys.stdout)
    return EXIT_OK


def _cmd_story(args: argparse.Namespace) -> int:
    from presswatch.cli import story_tools
    from presswatch.cli.source_check import ServiceEndpoints

    if args.action == "new":
        out = Path(args.out) if args.out else Path(f"{story_tools.slug(args.title)}.toml")
        return story_tools.write_new_story(
            out, args.title, args.term or [], args.entity or [], story_id=args.id,
            start=args.start, force=args.force, stdout=sys.stdout)
    if args.action == "check":
        path = Path(args.file)
        story, messages = story_tools.read_and_check_story(path)
        for message in messages:
            print(message, file=sys.stderr)
        if story is None or messages:
            print(f"presswatch: {len(messages)} mistake(s) in {path}; nothing was fetched",
                  file=sys.stderr)
            return EXIT_USAGE
        print(f"{path}: story {story.id!r} is fine: {len(story.entities)} entities, "
              f"{len(story.feeds)} feeds, {len(story.sitemaps)} sitemaps, model "
              f"{story.nlp.model!r} installed")
        if not args.sources:
            return EXIT_OK
        if args.allow_private_hosts:
            story = story.allowing_private_hosts()
        story = story.allowing_networks(list(checked_networks(args.allow_private_network)))
        defaults = ServiceEndpoints()
        endpoints = ServiceEndpoints(
            gdelt=args.gdelt_url or os.environ.get("PRESSWATCH_GDELT_URL") or defaults.gdelt,
            cdx=args.cdx_url or defaults.cdx, ccnews=args.ccnews_url or defaults.ccnews)
        return story_tools.print_sources(story, path, sys.stdout, endpoints=endpoints)
    return story_tools.add_outlet(Path(args.story), args.url, sys.stdout,
                                  allow_private_hosts=args.allow_private_hosts,
                                  trusted_networks=checked_networks(args.allow_private_network))


def _cmd_alerts(args: argparse.Namespace) -> int:
    from presswatch.alerts.channels import build_channels
    from presswatch.alerts.console import AlertsUsageError, print_alerts, print_test_alert
    from presswatch.warehouse.alert_book import AlertBook

    try:
        if args.action == "test":
            story = load_story(args.story) if args.story else load_story(default_story_path())
            channels = build_channels(check_channels(story, os.environ), sys.stdout)
            return print_test_alert(story, channels)
        return print_alerts(AlertBook(Path(args.db), lock_timeout_s=lock_timeout_s(os.environ)),
                            since=args.since)
    except AlertsUsageError as exc:
        raise UsageError(str(exc)) from exc


def _open_in(name: str | None):
    if name in (None, "-"):
        return _NoClose(sys.stdin)
    try:
        return open(name, encoding="utf-8")  # noqa: SIM115 - closed by the caller's with
    except OSError as exc:
        raise UsageError(f"{name}: cannot read input: {exc.strerror}") from exc


def _open_out(name: str | None):
    if name in (None, "-"):
        return _NoClose(sys.stdout)
    try:
        return open(name, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"{name}: cannot write output: {exc.strerror}") from exc


class _NoClose:
    """stdin/stdout in a with-block without closing them."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc_info) -> None:
        self.stream.flush() if hasattr(self.stream, "flush") else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="presswatch",
        description="Follow one news story across the web: who is quoted, saying what, where.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the daily ingestion once")
    run.add_argument("--story", help="story file (default: the bundled Sora leak story)")
    run.add_argument("--db", default="presswatch.duckdb", help="warehouse file")
    run.add_argument(
        "--feed", action="append", metavar="URL", help="use this feed instead (repeatable)"
    )
    run.add_argument(
        "--allow-private-hosts",
        action="store_true",
        help=LOOPBACK_HELP,
    )
    run.add_argument("--allow-private-network", action="append", metavar="NETWORK",
                     help=NETWORK_HELP + "; or allow_private_networks under [crawl]")
    run.set_defaults(handler=_cmd_run)

    demo = commands.add_parser("demo", help="run on the bundled replay, offline")
    demo.add_argument("--db", default="demo.duckdb", help="warehouse file (default demo.duckdb)")
    demo.add_argument("--days", type=int, choices=(1, 2), default=2, help="replay days to run")
    demo.set_defaults(handler=_cmd_demo)

    serve = commands.add_parser("serve", help="run the daily flow on a schedule, one process")
    serve.add_argument("--story")
    serve.add_argument("--db", default="presswatch.duckdb")
    serve.add_argument("--cron", default="0 6 * * *", help="cron expression (default 06:00)")
    serve.add_argument("--timezone", default="UTC")
    serve.set_defaults(handler=_cmd_serve)

    extract = commands.add_parser("extract", help="entities and quotes for JSON lines of texts")
    extract.add_argument("--story")
    extract.add_argument("input", nargs="?", help="JSON lines {doc_id, text} (default stdin)")
    extract.add_argument("output", nargs="?", help="JSON lines out (default stdout)")
    extract.set_defaults(handler=_cmd_extract)

    sql = commands.add_parser("sql", help="query the warehouse (read-only)")
    sql.add_argument("query", nargs="?", help="SQL; none opens an interactive prompt")
    sql.add_argument("--db", default="presswatch.duckdb")
    sql.add_argument(
        "--format", choices=("table", "csv", "excel-csv", "xlsx", "json", "parquet"),
        default=None,
        help="output format (default: from the --out file's extension, else a table); "
             "excel-csv: a CSV Excel opens right (UTF-8 BOM)",
    )
    sql.add_argument("--out",
                     help="write the result to this file (.csv, .xlsx, .json, .parquet)")
    sql.add_argument("--cookbook", nargs="?", const="", metavar="NUMBER",
                     help="run a cookbook question (e.g. 02); alone, list the questions")
    sql.add_argument("--live", action="store_true", help=LIVE_HELP)
    sql.set_defaults(handler=_cmd_sql)

    export = commands.add_parser("export", help="all tables as Parquet")
    export.add_argument("--db", default="presswatch.duckdb")
    export.add_argument("--to", required=True, help="output folder")
    export.add_argument("--live", action="store_true", help=LIVE_HELP)
    export.set_defaults(handler=_cmd_export)

    report = commands.add_parser(
        "report", help="write the story's HTML report (opens from file://, no network)")
    report.add_argument("--db", default="presswatch.duckdb", help="warehouse file")
    report.add_argument("--out", metavar="DIR",
                        help="report folder (default: beside the warehouse, NAME.report/)")
    report.add_argument("--since", metavar="DATE",
                        help="only articles published (or found) on or after this day, YYYY-MM-DD")
    report.add_argument("--live", action="store_true", help=LIVE_HELP)
    report.set_defaults(handler=_cmd_report)

    check = commands.add_parser("check", help="run every data check on the whole warehouse")
    check.add_argument("--db", default="presswatch.duckdb")
    check.set_defaults(handler=_cmd_check)

    reanalyse = commands.add_parser(
        "reanalyse", help="run the NLP again over the stored texts (no fetch, no alert)")
    reanalyse.add_argument("--db", default="presswatch.duckdb", help="warehouse file")
    reanalyse.add_argument("--story", help="story file (default: the bundled Sora leak story)")
    reanalyse.set_defaults(handler=_cmd_reanalyse)

    story = commands.add_parser("story", help="start a story file, check it, add outlets")
    story_actions = story.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = story_actions.add_parser(
        "new", help="write a commented story file with search feeds for its terms")
    new.add_argument("title", help='the story\'s title, e.g. "Sora leak"')
    new.add_argument("--term", action="append", metavar="WORDS",
                     help="a word or phrase of the story (repeatable)")
    new.add_argument("--entity", action="append", metavar="NAME[:LABEL]",
                     help='a name that matters, e.g. "Niko Felix:PERSON" (repeatable; '
                          "label ORG by default)")
    new.add_argument("--id", help="story id (default: from the title)")
    new.add_argument("--start", metavar="YYYY-MM-DD", help="the day it began (default today)")
    new.add_argument("--out", help="file to write (default: ID.toml here)")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    check_story = story_actions.add_parser(
        "check", help="find mistakes offline; --sources fetches each source once")
    check_story.add_argument("file", help="story file")
    check_story.add_argument(
        "--sources", action="store_true",
        help="fetch each feed and sitemap once (what it gives, what the rules keep, what "
             "robots.txt forbids) and ask GDELT, the Wayback CDX server and CC-NEWS one "
             "question each")
    check_story.add_argument("--allow-private-hosts", action="store_true",
                             help=LOOPBACK_HELP)
    check_story.add_argument("--allow-private-network", action="append", metavar="NETWORK",
                             help=NETWORK_HELP)
    for name in ("gdelt", "cdx", "ccnews"):
        check_story.add_argument(f"--{name}-url", help=argparse.SUPPRESS)  # mirrors and tests
    add_outlet = story_actions.add_parser(
        "add-outlet", help="find an outlet's feeds and news sitemaps, add them to the story")
    add_outlet.add_argument("url", help="the outlet's address, e.g. https://www.theverge.com/")
    add_outlet.add_argument("--story", required=True, help="story file to add them to")
    add_outlet.add_argument("--allow-private-hosts", action="store_true", help=LOOPBACK_HELP)
    add_outlet.add_argument("--allow-private-network", action="append", metavar="NETWORK",
                            help=NETWORK_HELP)
    story.set_defaults(handler=_cmd_story)

    backfill = commands.add_parser(
        "backfill", help="the story's past from news archives (WARC, CC-NEWS, Wayback, GDELT)")
    backfill.add_argument("--since", type=_day, required=True, metavar="DATE",
                          help="first day of publication to read, YYYY-MM-DD")
    backfill.add_argument("--until", type=_day, metavar="DATE", help="last day (default today)")
    backfill.add_argument("--story", help="story file (default: the bundled Sora leak story)")
    backfill.add_argument("--db", default="presswatch.duckdb", help="warehouse file")
    backfill.add_argument("--warc", nargs="+", metavar="PATH_OR_URL", help="WARC files")
    backfill.add_argument("--ccnews", nargs="+", type=_month, metavar="YYYY-MM",
                          help="Common Crawl CC-NEWS months (their WARC files in the range)")
    backfill.add_argument("--wayback", action="store_true",
                          help="the Wayback Machine's captures of the story's outlets")
    backfill.add_argument("--gdelt", action="append", metavar="QUERY",
                          help="GDELT DOC 2.0 articles for a query (repeatable)")
    backfill.add_argument("--urls", metavar="FILE", help="a list of URLs, one per line")
    backfill.add_argument("--dask-address", metavar="tcp://HOST:PORT",
                          help="an existing Dask scheduler (default: a local cluster)")
    backfill.add_argument("--workers", type=int, default=2,
                          help="workers of the local cluster (default 2)")
    backfill.add_argument("--alert", action="store_true",
                          help="send new-statement alerts for what the backfill finds")
    backfill.add_argument("--delay", type=float, default=1.0,
                          help="seconds between two requests to one host (default 1)")
    backfill.add_argument("--allow-private-hosts", action="store_true", help=LOOPBACK_HELP)
    backfill.add_argument("--allow-private-network", action="append", metavar="NETWORK",
                          help=NETWORK_HELP)
    for name in ("cdx", "wayback", "gdelt", "ccnews"):
        backfill.add_argument(f"--{name}-url", help=argparse.SUPPRESS)  # mirrors and tests
    backfill.set_defaults(handler=_cmd_backfill)

    alerts = commands.add_parser("alerts", help="list alerts, or `alerts test`")
    alerts.add_argument("action", nargs="?", choices=("list", "test"), default="list")
    alerts.add_argument("--db", default="presswatch.duckdb")
    alerts.add_argument("--since", help="only alerts created on or after this date (YYYY-MM-DD)")
    alerts.add_argument("--story", help="story file whose channels `alerts test` uses")
    alerts.set_defaults(handler=_cmd_alerts)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 done, 1 done with failed sources (or failed checks), 2 refused (nothing was
    written), 3 crashed (the next run finishes what was staged), 130 interrupted."""
    from presswatch.folders import DiskFull
    from presswatch.lease import LeaseHeld
    from presswatch.warehouse.errors import ChecksFailed, WarehouseError

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (UsageError, StoryError, LeaseHeld) as exc:
        print(f"presswatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ChecksFailed as exc:  # loaded, but not published: the last good snapshot stays
        print(f"presswatch: {exc}", file=sys.stderr)
        return EXIT_SOURCE_FAILURES
    except WarehouseError as exc:  # corrupt, foreign, newer, lost, read-only, full, locked
        print(f"presswatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("presswatch: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except DiskFull as exc:
        print(f"presswatch: {exc}", file=sys.stderr)
        return EXIT_CRASHED
    except Exception as exc:  # noqa: BLE001 - the one place an unexpected error is reported
        traceback.print_exc(file=sys.stderr)
        print(f"presswatch: crashed: {type(exc).__name__}: {clean_line(exc, 300)}. What was "
              "staged is finished by the next run.", file=sys.stderr)
        return EXIT_CRASHED


if __name__ == "__main__":
    sys.exit(main())
