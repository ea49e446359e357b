"""The Prefect artifacts of a run: its markdown summary, its new statements, its report link.

Every cell of a table artifact is made inert first (clean_line): the text comes from strangers'
pages.
"""

from __future__ import annotations

import hashlib
import re

from prefect import get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from presswatch.report import ReportResult, build_report, last_report
from presswatch.report.side import InProcess
from presswatch.runs.settings import RunSettings
from presswatch.runs.summary import RunSummary, markdown_summary
from presswatch.story import Story
from presswatch.text import clean_line


def artifact_key(prefix: str, story_id: str) -> str:
    """A Prefect artifact key naming the story, so two stories' runs never overwrite each
    other's artifacts (keys allow only lowercase letters, digits and dashes; a story id that
    had to change to fit gets a short hash of itself, so Sora_Leak and sora-leak stay apart)."""
    slug = re.sub(r"[^a-z0-9]+", "-", story_id.lower()).strip("-") or "story"
    if slug != story_id:
        slug += "-" + hashlib.sha256(story_id.encode("utf-8")).hexdigest()[:6]
    return f"{prefix}-{slug}"


def publish_run_artifacts(story: Story, settings: RunSettings, summary: RunSummary,
                          new_statements: list[dict], *, keep_report: bool = False,
                          side: InProcess | None = None) -> ReportResult | None:
    """End of a run: write the report beside the snapshot, then the run's Prefect artifacts
    (markdown summary linking the report and each new statement's first article, the table of
    new statements, a link to the report), keyed by the story id.

    keep_report (the run added nothing): the last report stays as it was built, if this
    report code built it when the same sources were failing, and so does its link artifact.
    A report that fails is logged and said in the summary; the run's data is in either way.
    side: the report's second process, if the run started it early (runs.daily.report_side).
    """
    logger = get_run_logger()
    report, error = None, None
    if keep_report:
        report = last_report(settings.db_path, summary.failing_sources())
    if report is None:
        try:
            report = build_report(settings.db_path, lock_timeout_s=settings.lock_timeout_s,
                                  side=side)
        except Exception as exc:  # noqa: BLE001 - the run's data is loaded; say what failed
            error = f"{type(exc).__name__}: {exc}"
            logger.error("the report could not be built: %s", error)
    if report is not None:
        logger.info("%s", report.describe())
    rows = inert_rows(new_statements)  # read by the finish step (runs.context.Finished)
    create_markdown_artifact(
        markdown_summary(story, summary, report, rows, error),
        key=artifact_key("presswatch-summary", story.id),
        description="What this run fetched, added and failed on",
    )
    shown = (f" (the first {len(rows)} of {summary.new_statements}: all are in the report)"
             if summary.new_statements > len(rows) else "")
    create_table_artifact(rows or [{"statement": "no new statements"}],
                          key=artifact_key("presswatch-new-statements", story.id),
                          description=f"Statements first seen in this run{shown}")
    if report is not None and not report.kept:
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
