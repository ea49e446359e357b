"""The `presswatch` command: argument parsing only; every command calls a plain function.

Heavy imports (Prefect, spaCy, Scrapy) happen inside the commands that need them, so that
`presswatch sql` answers quickly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from presswatch.flows.settings import UsageError, run_settings
from presswatch.story import Story, StoryError, default_story_path, load_story

EXIT_OK, EXIT_SOURCE_FAILURES, EXIT_USAGE = 0, 1, 2
LIVE_HELP = ("read the warehouse file itself, not the snapshot published after the last run "
             "(this blocks a daily run while the query runs)")


def _prefect_defaults() -> None:
    """Offline machines: no telemetry call home from the temporary local Prefect server."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def check_channels(story: Story, env: Mapping[str, str]) -> None:
    """Alert settings are checked before a run starts, not after it has loaded a day's work."""
    from presswatch.flows.alerts import AlertConfigError, channel_settings

    try:
        channel_settings(story.alerts, env)
    except AlertConfigError as exc:
        raise UsageError(str(exc)) from exc


def _cmd_run(args: argparse.Namespace) -> int:
    settings = run_settings(args.story, args.db, args.feed, args.allow_private_hosts, os.environ)
    check_channels(settings.story(), os.environ)  # validate before Prefect starts
    _prefect_defaults()
    from presswatch.flows.daily import run_daily_with_progress

    summary = run_daily_with_progress(settings)
    return EXIT_SOURCE_FAILURES if summary.n_sources_failed else EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    _prefect_defaults()
    from presswatch.flows.demo import run_demo

    return run_demo(Path(args.db), days=args.days)


def _cmd_serve(args: argparse.Namespace) -> int:
    settings = run_settings(args.story, args.db, None, False, os.environ)
    check_channels(settings.story(), os.environ)
    _prefect_defaults()
    from presswatch.flows.daily import serve_daily

    serve_daily(settings, cron=args.cron, timezone=args.timezone)
    return EXIT_OK


def _cmd_extract(args: argparse.Namespace) -> int:
    story = load_story(args.story) if args.story else load_story(default_story_path())
    from presswatch.nlp.analyze import extract_jsonl

    with _open_in(args.input) as source, _open_out(args.output) as sink:
        extract_jsonl(story, source, sink)
    return EXIT_OK


def _cmd_sql(args: argparse.Namespace) -> int:
    from presswatch.warehouse.console import interactive, run_query

    db = Path(args.db)
    if args.query is None:
        return interactive(db, live=args.live)
    out = Path(args.out) if args.out else None
    return run_query(db, args.query, fmt=args.format, out=out, live=args.live)


def _cmd_export(args: argparse.Namespace) -> int:
    from presswatch.warehouse.export import export_parquet

    export_parquet(Path(args.db), Path(args.to), live=args.live)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    """Every data check over the whole warehouse (the daily run checks only its own rows)."""
    from presswatch.warehouse.errors import WarehouseError
    from presswatch.warehouse.store import open_warehouse

    try:
        with open_warehouse(Path(args.db)) as warehouse:
            failures = warehouse.run_checks()
    except WarehouseError as exc:
        raise UsageError(str(exc)) from exc
    for failure in failures:
        print(failure.describe(), file=sys.stderr)
    print(f"{len(failures)} of the data checks failed" if failures else "every data check passed")
    return EXIT_SOURCE_FAILURES if failures else EXIT_OK


def _cmd_alerts(args: argparse.Namespace) -> int:
    from presswatch.flows.alerts import print_alerts, print_test_alert

    if args.action == "test":
        story = load_story(args.story) if args.story else load_story(default_story_path())
        return print_test_alert(story, os.environ)
    return print_alerts(Path(args.db), since=args.since)


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
        help="allow loopback and private-network addresses (tests, intranet sources)",
    )
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
    sql.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table")
    sql.add_argument("--out", help="write the result to this file")
    sql.add_argument("--live", action="store_true", help=LIVE_HELP)
    sql.set_defaults(handler=_cmd_sql)

    export = commands.add_parser("export", help="all tables as Parquet")
    export.add_argument("--db", default="presswatch.duckdb")
    export.add_argument("--to", required=True, help="output folder")
    export.add_argument("--live", action="store_true", help=LIVE_HELP)
    export.set_defaults(handler=_cmd_export)

    check = commands.add_parser("check", help="run every data check on the whole warehouse")
    check.add_argument("--db", default="presswatch.duckdb")
    check.set_defaults(handler=_cmd_check)

    alerts = commands.add_parser("alerts", help="list alerts, or `alerts test`")
    alerts.add_argument("action", nargs="?", choices=("list", "test"), default="list")
    alerts.add_argument("--db", default="presswatch.duckdb")
    alerts.add_argument("--since", help="only alerts created on or after this date (YYYY-MM-DD)")
    alerts.add_argument("--story", help="story file whose channels `alerts test` uses")
    alerts.set_defaults(handler=_cmd_alerts)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (UsageError, StoryError) as exc:
        print(f"presswatch: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
