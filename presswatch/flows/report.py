"""What a run shows people: the progress display, the summary table, the Prefect artifacts.

Titles, names and quotes come from strangers' pages: every cell goes through clean_line (no
control characters or terminal escapes) and, for markdown, markdown_text (no markup, no links).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from presswatch.alerts.messages import runs
from presswatch.story import Story
from presswatch.text import clean_line

if TYPE_CHECKING:
    from presswatch.flows.settings import RunSettings
    from presswatch.report import ReportResult

SUMMARY_COLUMNS = ("source", "status", "listed", "fetched", "new", "failed", "reason")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


@dataclass
class RunSummary:
    """One run in figures: what the terminal table, the markdown artifact and the exit code show."""
    run_id: str
    status: str
    n_sources: int
    n_sources_failed: int
    articles_added: int
    quotes_added: int
    new_statements: int
    alerts_sent: int
    table: list[dict]  # per source: name, url, status, fetched, new, failed, reason
    # "loaded", or "waiting" while the work sits in staging for another process to let go
    load: str = "loaded"
    articles_staged: int = 0  # waiting in staging (load == "waiting")
    staged_articles_loaded: int = 0  # from earlier held runs, loaded by this one at its start
    lock_waited_s: float = 0.0  # waiting for another process to let go of the file, in all
    note: str | None = None  # the load's story in one sentence, when there is one to tell
    # Sources failing [alerts] failing_source_runs runs in a row or more, and those working
    # again after such a streak (stages.Finished.source_health)
    source_health: list[dict] = field(default_factory=list)


def source_health_lines(summary: RunSummary) -> list[str]:
    """One sentence per source failing run after run, or working again, in plain text."""
    lines = []
    for row in summary.source_health:
        name = clean_line(row["name"], 120)
        if row["failed_streak"]:
            lines.append(f"Failing {runs(row['failed_streak'])} in a row: {name} "
                         f"({clean_line(row['url'], 200)}): {clean_line(row['reason'], 200)}")
        else:
            lines.append(f"Works again after failing {runs(row['recovered_after'])} in a row: "
                         f"{name}")
    return lines


def markdown_text(value: object, limit: int = 300) -> str:
    """Inert markdown: one line, every character markdown or HTML could act on escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", clean_line(value, limit))


def artifact_key(prefix: str, story_id: str) -> str:
    """A Prefect artifact key naming the story, so two stories' runs never overwrite each
    other's artifacts (keys allow only lowercase letters, digits and dashes; a story id that
    had to change to fit gets a short hash of itself, so Sora_Leak and sora-leak stay apart)."""
    slug = re.sub(r"[^a-z0-9]+", "-", story_id.lower()).strip("-") or "story"
    if slug != story_id:
        slug += "-" + hashlib.sha256(story_id.encode("utf-8")).hexdigest()[:6]
    return f"{prefix}-{slug}"


def markdown_url(url: object, *, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
    """A URL fit for a markdown link target: only the given schemes, and nothing in it that
    markdown could read as the end of the link (spaces, parentheses, angle brackets)."""
    if not isinstance(url, str) or not url or clean_line(url, 4000) != url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not (parts.netloc or parts.scheme == "file"):
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%-._~").replace("(", "%28").replace(")", "%29")


def markdown_link(text: object, url: object, **kwargs) -> str:
    """[text](url) with inert text, or the inert text alone when the URL is not fit to link."""
    target = markdown_url(url, **kwargs)
    shown = markdown_text(text, 200) or "link"
    return f"[{shown}]({target})" if target else shown


def markdown_summary(story: Story, summary: RunSummary, report: ReportResult | None = None,
                     new_statements: list[dict] | None = None,
                     report_error: str | None = None) -> str:
    lines = [
        f"# presswatch run {markdown_text(summary.run_id)}",
        "",
        f"Story: **{markdown_text(story.title)}**  ",
        f"Status: **{summary.status}**: {summary.articles_added} articles added, "
        f"{summary.quotes_added} quotes, {summary.new_statements} new statements, "
        f"{summary.alerts_sent} alerts delivered; "
        f"{summary.n_sources_failed} of {summary.n_sources} sources failed.",
        *([f"Load: **{summary.load}**: {markdown_text(summary.note, 600)}", ""]
          if summary.note else [""]),
        *[f"- **Source health**: {markdown_text(line, 600)}"
          for line in source_health_lines(summary)],
        *([""] if summary.source_health else []),
        "| source | status | listed | fetched | new | failed | reason |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in summary.table:
        lines.append(
            f"| {markdown_text(row['source'], 80)} | {row['status']} | {row['listed']} | "
            f"{row['fetched']} | {row['new']} | {row['failed']} | "
            f"{markdown_text(row['reason'], 200)} |"
        )
    lines.append("")
    if report is not None:
        lines.append("Report: " + markdown_link(
            "open the story's report", report.index.resolve().as_uri(), schemes=("file",))
            + f" ({markdown_text(report.index.resolve())})")
    elif report_error:
        lines.append(f"The report could not be built: {markdown_text(report_error)}")
    if new_statements:
        lines += ["", f"## New statements ({len(new_statements)})", ""]
        for row in new_statements:
            said = markdown_text(row.get('statement'), 240)
            quoted = row.get("said_as") == "quoted"
            said = f": \u201c{said}\u201d" if quoted else f" said that {said}"
            lines.append(
                f"- **{markdown_text(row.get('speaker'), 100)}**{said} "
                f"({markdown_text(row.get('outlet'), 80)}: "
                f"{markdown_link(row.get('title') or 'first article', row.get('url'))})"
            )
    return "\n".join(lines) + "\n"


def publish_run_artifacts(story: Story, settings: RunSettings, summary: RunSummary,
                          new_statements: list[dict]) -> ReportResult | None:
    """End of a run: write the report beside the snapshot, then the run's Prefect artifacts
    (markdown summary linking the report and each new statement's first article, the table of
    new statements, a link to the report), keyed by the story id.

    A report that fails is logged and said in the summary; the run's data is in either way.
    """
    from prefect import get_run_logger
    from prefect.artifacts import (
        create_link_artifact,
        create_markdown_artifact,
        create_table_artifact,
    )

    from presswatch.report import build_report

    logger = get_run_logger()
    report, error = None, None
    try:
        report = build_report(settings.db_path, lock_timeout_s=settings.lock_timeout_s)
        logger.info("%s", report.describe())
    except Exception as exc:  # noqa: BLE001 - the run's data is loaded; say what failed
        error = f"{type(exc).__name__}: {exc}"
        logger.error("the report could not be built: %s", error)
    rows = inert_rows(new_statements)  # read by the finish step (stages.Finished)
    create_markdown_artifact(
        markdown_summary(story, summary, report, rows, error),
        key=artifact_key("presswatch-summary", story.id),
        description="What this run fetched, added and failed on",
    )
    create_table_artifact(rows or [{"statement": "no new statements"}],
                          key=artifact_key("presswatch-new-statements", story.id),
                          description="Statements first seen in this run")
    if report is not None:
        create_link_artifact(
            report.index.resolve().as_uri(), link_text=f"{clean_line(story.title, 100)}: report",
            key=artifact_key("presswatch-report", story.id),
            description=f"The story's HTML report ({report.n_pages} pages), opens from file://",
        )
    return report


def inert_rows(rows: list[dict]) -> list[dict]:
    """Table-artifact rows with each text cell made inert."""
    return [
        {key: clean_line(value, 500) if isinstance(value, str) else value
         for key, value in row.items()}
        for row in rows
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
    for line in source_health_lines(summary):
        style = "bold red" if line.startswith("Failing") else "green"
        console.print(rich_escape(line), style=style)
    if summary.note:
        style = "bold yellow" if summary.load == "waiting" else ""
        console.print(rich_escape(clean_line(summary.note, 600)), style=style)
