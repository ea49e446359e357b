"""Each table of the report as files to download: an Excel-ready CSV and an .xlsx.

The files hold every row the table's query gave (the overview shows the first rows of the long
ones), with plain column headings, outlet names rather than hosts, times in UTC. Text cells go
through the same cleaning as the pages (no control or bidi characters); presswatch.warehouse.
sheets keeps a cell that starts with = from running as a formula.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from presswatch.warehouse.sheets import excel_csv, xlsx_bytes


@dataclass(frozen=True)
class Export:
    """A table as exported: its file name stem and (heading, row key) per column."""

    name: str
    columns: tuple[tuple[str, str], ...]

    @property
    def csv_name(self) -> str:
        return f"export-{self.name}.csv"

    @property
    def xlsx_name(self) -> str:
        return f"export-{self.name}.xlsx"


EXPORTS = {export.name: export for export in (
    Export("statements", (
        ("speaker", "speaker"), ("role", "speaker_role"), ("organisation", "organisation"),
        ("said as", "said_as"), ("statement", "text"), ("first appeared (UTC)", "first_seen_at"),
        ("first outlet", "first_outlet"), ("first headline", "first_title"),
        ("first address", "first_url"), ("outlets", "n_outlets"), ("articles", "n_articles"),
        ("outlet names", "outlets"), ("spread (hours)", "spread_hours"), ("alerts", "alerts"))),
    Export("speakers", (
        ("speaker", "speaker"), ("role", "role"), ("organisation", "organisation"),
        ("statements", "n_statements"), ("quotes", "n_quotes"), ("articles", "n_articles"),
        ("outlets", "n_outlets"), ("first quoted (UTC)", "first_seen_at"),
        ("first outlet", "first_outlet"), ("last quoted (UTC)", "last_seen_at"),
        ("outlet names", "outlets"))),
    Export("share-of-voice", (
        ("voice", "voice"), ("speakers", "speakers"), ("statements", "n_statements"),
        ("% of statements", "pct_statements"), ("articles", "n_articles"),
        ("% of articles quoting anyone", "pct_articles"), ("outlets", "n_outlets"))),
    Export("share-of-voice-by-day", (
        ("day (UTC)", "day"), ("voice", "voice"), ("articles", "n_articles"))),
    Export("speakers-by-outlet", (
        ("speaker", "speaker"), ("outlet", "outlet"), ("articles", "n_articles"),
        ("statements", "n_statements"))),
    Export("attention", (("day (UTC)", "day"), ("outlet", "outlet"), ("articles", "n_articles"))),
    Export("new-statements", (
        ("speaker", "name"), ("statement", "detail"), ("first appeared (UTC)", "seen_at"),
        ("outlet", "outlet"), ("headline", "title"), ("address", "url"), ("alerts", "alerts"))),
    Export("entities", (
        ("name", "entity"), ("kind", "label"), ("direction", "direction"),
        ("day before", "previous_day"), ("articles day before", "n_previous"),
        ("last day", "last_day"), ("articles last day", "n_last"), ("change", "change"))),
    Export("outlets", (
        ("outlet", "name"), ("named by", "named_by"), ("articles", "n_articles"),
        ("about the story", "n_relevant"), ("quotes", "n_quotes"),
        ("statements", "n_statements"), ("about the story, not read for quotes",
                                         "n_not_analysed"),
        ("their language", "not_analysed_languages"),
        ("first article (UTC)", "first_article_at"), ("last article (UTC)", "last_article_at"))),
    Export("languages", (
        ("language", "language"), ("articles", "n_articles"), ("about the story", "n_relevant"),
        ("read for quotes", "n_analysed"), ("not read for quotes", "n_not_analysed"),
        ("outlets not read", "not_analysed_outlets"))),
    Export("headlines", (
        ("headline", "title"), ("outlet", "outlet"), ("address", "url"),
        ("published (UTC)", "seen_at"), ("syndicated copies", "n_copies"),
        ("statements quoted", "n_statements"))),
    Export("relevance-audit", (
        ("verdict", "verdict"), ("kept", "is_relevant"), ("score", "score"), ("headline", "title"),
        ("outlet", "outlet"), ("address", "url"), ("published (UTC)", "seen_at"),
        ("reasons", "reasons"))),
    Export("sources", (
        ("source", "name"), ("kind", "kind"), ("address", "url"), ("last success (UTC)",
                                                                  "last_ok_at"),
        ("last error", "last_error"), ("last HTTP status", "last_status"),
        ("runs", "n_runs"), ("failed runs", "n_failed_runs"),
        ("entries per run", "entries_per_run"))),
)}


def export_files(name: str, rows: Sequence[dict[str, Any]], clean: Any,
                 created: datetime | None = None) -> Iterator[tuple[str, str | bytes]]:
    """The table's two files as (file name, content); clean(value) makes page text inert;
    `created` is the time the .xlsx says it was made (the report's build time)."""
    export = EXPORTS[name]
    headings = [heading for heading, _ in export.columns]

    def cell(value: Any) -> Any:
        if isinstance(value, str):
            return clean(value)
        if isinstance(value, list | tuple):
            return [cell(v) for v in value]
        return value

    table = [[cell(row.get(key)) for _, key in export.columns] for row in rows]
    yield export.csv_name, excel_csv(headings, table)
    yield export.xlsx_name, xlsx_bytes(headings, table, sheet=name, created=created)
