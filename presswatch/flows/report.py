"""What a run shows people: the progress display, the summary table, the Prefect artifacts.

Titles, names and quotes come from strangers' pages: every cell goes through clean_line (no
control characters or terminal escapes) and, for markdown, markdown_text (no markup, no links).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from presswatch.story import Story
from presswatch.text import clean_line
from presswatch.warehouse.reports import statement_details
from presswatch.warehouse.store import Warehouse

if TYPE_CHECKING:
    from presswatch.flows.daily import RunSummary

SUMMARY_COLUMNS = ("source", "status", "listed", "fetched", "new", "failed", "reason")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def markdown_text(value: object, limit: int = 300) -> str:
    """Inert markdown: one line, every character markdown or HTML could act on escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", clean_line(value, limit))


def markdown_summary(story: Story, summary: RunSummary) -> str:
    lines = [
        f"# presswatch run {markdown_text(summary.run_id)}",
        "",
        f"Story: **{markdown_text(story.title)}**  ",
        f"Status: **{summary.status}**: {summary.articles_added} articles added, "
        f"{summary.quotes_added} quotes, {summary.new_statements} new statements, "
        f"{summary.alerts_sent} alerts delivered; "
        f"{summary.n_sources_failed} of {summary.n_sources} sources failed.",
        "",
        "| source | status | listed | fetched | new | failed | reason |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in summary.table:
        lines.append(
            f"| {markdown_text(row['source'], 80)} | {row['status']} | {row['listed']} | "
            f"{row['fetched']} | {row['new']} | {row['failed']} | "
            f"{markdown_text(row['reason'], 200)} |"
        )
    return "\n".join(lines) + "\n"


def new_statement_rows(warehouse: Warehouse, statement_ids: list[str]) -> list[dict]:
    """The run's new statements as table-artifact rows, each cell made inert."""
    return [
        {key: clean_line(value, 500) if isinstance(value, str) else value
         for key, value in row.items()}
        for row in statement_details(warehouse, statement_ids)
    ]


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
