"""What `presswatch run` shows in the terminal: a live progress display and the summary table.

Every cell goes through clean_line and Rich's escape: the text comes from strangers' pages.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from presswatch.flows.api import reporting_api
from presswatch.flows.daily import daily_with_settings
from presswatch.runs.context import progress_to
from presswatch.runs.daily import lease
from presswatch.runs.settings import RunSettings
from presswatch.runs.summary import RunSummary, source_health_lines
from presswatch.text import clean_line

SUMMARY_COLUMNS = ("source", "status", "listed", "fetched", "new", "failed", "reason")


class ProgressDisplay:
    """A live progress display on stderr; `update` is the flow's progress callback."""

    def __init__(self) -> None:
        self._console = Console(stderr=True)
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            MofNCompleteColumn(), console=self._console, transient=False,
        )
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> ProgressDisplay:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def update(self, stage: str, done: int, total: int | None) -> None:
        labels = {"crawl": "pages fetched", "analyse": "pages read"}
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(labels.get(stage, stage), total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)


def print_summary(summary: RunSummary, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"presswatch run {summary.run_id}: {summary.status}")
    for column in SUMMARY_COLUMNS:
        table.add_column(column, overflow="fold")
    for row in summary.table:
        table.add_row(*(rich_escape(clean_line(row[c], 120)) for c in SUMMARY_COLUMNS))
    console.print(table)
    console.print(
        f"{summary.articles_added} articles added, {summary.quotes_added} quotes, "
        f"{summary.new_statements} new statements, {summary.alerts_sent} alerts delivered; "
        f"{summary.n_sources_failed} of {summary.n_sources} sources failed."
    )
    for line in source_health_lines(summary):
        style = "bold red" if line.startswith("Failing") else "green"
        console.print(rich_escape(line), style=style)
    if summary.note:
        style = "bold yellow" if summary.load == "waiting" else ""
        console.print(rich_escape(clean_line(summary.note, 600)), style=style)
    if summary.report_index:
        kept = (f" (kept as built at {summary.report_kept_from}: this run added nothing to "
                "show)" if summary.report_kept_from else "")
        console.print(f"The report: {Path(summary.report_index).as_uri()}{kept}", markup=False,
                      highlight=False)
    elif summary.load == "loaded":
        console.print("The report could not be built this run (the log above says why); "
                      "`presswatch report` builds it from the warehouse.", style="yellow")


def run_daily_with_progress(settings: RunSettings) -> RunSummary:
    """`presswatch run`: the flow once, with a progress display and a summary table. The
    warehouse's lease is taken first: a run refused while another runs leaves no flow."""
    with lease(settings), reporting_api(), ProgressDisplay() as display, \
            progress_to(display.update):
        summary = daily_with_settings(settings)
    print_summary(summary)
    return summary
