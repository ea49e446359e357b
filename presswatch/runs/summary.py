"""A run in figures, and the summary that shows it as markdown.

Titles, names and quotes come from strangers' pages: every cell goes through clean_line (no
control characters or terminal escapes) and, for markdown, markdown_text (no markup, no links).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from presswatch.alerts.delivery import AlertRunReport
from presswatch.alerts.messages import runs
from presswatch.runs.context import Finished, RunTotals, StartState
from presswatch.runs.staging import CatchUp
from presswatch.spiders.crawl import CrawlOutput
from presswatch.story import Story
from presswatch.text import clean_line

if TYPE_CHECKING:
    from presswatch.report import ReportResult

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
    # again after such a streak (runs.context.Finished.source_health)
    source_health: list[dict] = field(default_factory=list)
    report_index: str | None = None  # the report's overview page, when the run wrote it
    report_kept_from: str | None = None  # when that report was built, if this run kept it

    def adds_nothing(self, alerts: AlertRunReport | None) -> bool:
        """No article, quote or statement, nothing loaded from staging, no alert. Such a run
        (a re-run within the hour, a quiet night) keeps the last report instead of rebuilding
        it, if the same sources failed then (failing_sources)."""
        return (self.load == "loaded"
                and not (self.articles_added or self.quotes_added or self.new_statements
                         or self.staged_articles_loaded)
                and (alerts is None or not alerts.messages))

    def failing_sources(self) -> set[str]:
        """The URLs of the sources that failed in this run."""
        return {row["url"] for row in self.table if row["status"] == "failed"}


def run_summary(story: Story, finished: Finished, state: StartState,
             output: CrawlOutput, totals: RunTotals, alerts: AlertRunReport | None
             ) -> RunSummary:
    run = finished.run
    names = {s.url: s.name for s in [*story.feeds, *story.sitemaps]}
    names |= {s.source_url: s.name for s in output.sources if s.name}
    table = []
    for source in output.sources:
        counts = totals.by_source.get(source.source_url, {})
        table.append({
            "source": names.get(source.source_url) or source.source_url,
            "url": source.source_url,
            "status": "failed" if source.error else "not used" if source.not_used else (
                "not modified" if source.not_modified else "ok"),
            "listed": len(source.candidates),
            "fetched": counts.get("fetched", 0),
            "new": counts.get("new", 0),
            "failed": counts.get("failed", 0),
            "reason": source.error or source.not_used or totals.wall_note(source.source_url)
            or pages_failed(totals.failure_reasons.get(source.source_url)),
        })
    return RunSummary(
        run_id=run.run_id,
        status=run.status,
        n_sources=run.n_sources,
        n_sources_failed=run.n_sources_failed,
        articles_added=run.n_articles_added,
        quotes_added=run.n_quotes_added,
        new_statements=run.n_statements_new if finished.landed else 0,
        alerts_sent=alerts.delivery.n_delivered if alerts is not None else 0,
        table=table,
        load="loaded" if finished.landed else "waiting",
        articles_staged=finished.articles_staged,
        staged_articles_loaded=state.caught_up.articles_added,
        lock_waited_s=round(finished.waited_s, 1),
        source_health=finished.source_health,
        note="; ".join(n for n in (_caught_up_note(state.caught_up), finished.note) if n) or None,
    )


def pages_failed(reasons: dict[str, int] | None) -> str:
    """Why a working source's pages failed, most frequent first: "pages: HTTP 404 (2),
    blocked by robots.txt"; "" when none did."""
    if not reasons:
        return ""
    ranked = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    return "pages: " + ", ".join(f"{reason} ({n})" if n > 1 else reason for reason, n in ranked)


def _caught_up_note(caught_up: CatchUp) -> str | None:
    if not caught_up.landed:
        return None
    return (f"loaded {caught_up.articles_added} articles staged by {len(caught_up.landed)} "
            "earlier run(s) while the warehouse was held")


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
        if report.kept:
            lines.append(f"(kept as built at {markdown_text(kept_from(report))}: this run "
                         "added nothing to show)")
    elif report_error:
        lines.append(f"The report could not be built: {markdown_text(report_error)}")
    if new_statements:
        lines += ["", f"## New statements ({summary.new_statements})", ""]
        if summary.new_statements > len(new_statements):
            lines += [f"The first {len(new_statements)}, oldest first; all of them are on the "
                      "report's statements page and in the warehouse's statements table.", ""]
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


def kept_from(report: ReportResult) -> str:
    """When a kept report was built, as the summary shows it."""
    if report.built_at is None:
        return "an earlier run"
    return report.built_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
