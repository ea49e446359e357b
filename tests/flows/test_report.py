"""What a run shows people: hostile page text stays inert in the summary and the artifacts."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from presswatch.demo.server import ReplaySite
from presswatch.flows.daily import RunSummary
from presswatch.flows.report import markdown_summary, markdown_text, print_summary

HOSTILE = "Sora | [click](javascript:alert(1)) <script>x</script>\r\nBcc: a@b.c \x1b[31mred *b*"


def _summary(reason: str) -> RunSummary:
    row = {"source": HOSTILE, "url": "http://x.example/feed", "status": "failed", "listed": 3,
           "fetched": 2, "new": 1, "failed": 1, "reason": reason}
    return RunSummary("r1", "partial", 1, 1, 1, 0, 0, 0, [row])


@pytest.mark.parametrize("text", [HOSTILE, "a\u202eb", "`code`", "# heading", "1. list"])
def test_markdown_text_is_one_inert_line(text):
    shown = markdown_text(text)
    assert "\n" not in shown and "\r" not in shown and "\x1b" not in shown
    assert "\u202e" not in shown
    for char in "[]()<>|*`#":
        assert char not in shown.replace("\\" + char, "")


def test_markdown_summary_keeps_one_table_row_per_source():
    with ReplaySite(day=1) as site:
        story = site.story()
    text = markdown_summary(story, _summary(HOSTILE))
    rows = [line for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("| ---")]
    assert len(rows) == 2  # the header and one source, whatever the page text holds
    assert rows[1].count(" | ") == 6  # seven columns: no pipe from the text split a cell
    assert "<script>" not in text and "](javascript" not in text


def test_terminal_summary_has_no_escape_sequences_from_pages():
    out = io.StringIO()
    print_summary(_summary(HOSTILE), Console(file=out, width=200, color_system=None))
    shown = out.getvalue()
    assert "\x1b" not in shown and "Bcc: a@b.c" in shown
    assert "fetched" in shown and "partial" in shown
