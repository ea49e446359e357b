"""`presswatch demo`: the bundled replay served on loopback, the real flow run against it.

Day 1 is the coverage as it stood on 27 November 2024, day 2 the next day's; running both shows
what a second daily run adds (only the new articles and statements).
"""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

from rich.console import Console

from presswatch.cli.progress import run_daily_with_progress
from presswatch.demo.server import ReplaySite
from presswatch.report import report_index
from presswatch.runs.settings import run_settings
from presswatch.warehouse.console import run_query

COOKBOOK = resources.files("presswatch.warehouse") / "cookbook"
EXAMPLES = (
    "01_quoted_in_first_48_hours.sql",
    "02_outlets_running_openai_statement.sql",
    "07_widest_spread_statements.sql",
)


def broken_on_purpose(manifest: dict) -> str:
    """Why every demo run ends "partial": the replay breaks some feeds and pages on purpose, to
    show how presswatch reports them. Said from the replay's own manifest."""
    in_story = [s for s in manifest["sources"] if s.get("in_story", True)]
    sources = [s for s in in_story if s.get("expected_error")]
    pages = sorted({b["expected_reason"] for b in manifest["bad_urls"]
                    if b.get("expected_reason")})
    lines = [f"\n\"partial ... {len(sources)} of {len(in_story)} sources failed\" "
             "above is the replay at work: it breaks these on purpose, to show how presswatch "
             "reports a source that fails (the run loads everything else, and a real run would "
             "exit 1 and say so):"]
    lines += [f"  - {s['name']}: {s['expected_error']}" for s in sources]
    if pages:
        lines.append("and, among the pages the working feeds list: " + "; ".join(pages)
                     + " (each source's row gives the reason).")
    return "\n".join(lines)


def run_demo(db_path: Path, days: int = 2) -> int:
    console = Console()
    with ReplaySite(day=1) as site, tempfile.TemporaryDirectory() as folder:
        story_path = site.write_story(Path(folder) / "replay-story.toml")
        settings = run_settings(str(story_path), str(db_path), None, True, os.environ)
        for day in range(1, days + 1):
            site.set_day(day)
            console.rule(f"Replay day {day}: {', '.join(sorted(site.urls))}")
            run_daily_with_progress(settings)
        console.print(broken_on_purpose(site.manifest), markup=False, highlight=False)
    for name in EXAMPLES:
        query = (COOKBOOK / name).read_text(encoding="utf-8")
        question = query.splitlines()[0].removeprefix("-- ")
        console.rule(question)
        console.print(query, style="dim", markup=False, highlight=False)
        run_query(db_path, query)
    console.print(
        f"\nThe warehouse is {db_path}; analysts open its snapshot read-only, e.g. "
        f"`presswatch sql --db {db_path} \"select * from statement_timeline\"`.",
        markup=False,
    )
    console.print("The story's report (rebuilt after every run that adds something): "
                  f"{report_index(db_path).as_uri()}", markup=False)
    # The replay's malformed and missing feeds fail on purpose: showing them is the demo's job,
    # so they do not make it exit 1 as they would make `presswatch run`.
    return 0
