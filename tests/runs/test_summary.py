"""What a run shows people: hostile page text stays inert in the summary and the artifacts."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from presswatch.cli.progress import print_summary
from presswatch.demo.server import ReplaySite
from presswatch.runs.summary import RunSummary, markdown_summary, markdown_text

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


def test_artifact_keys_name_the_story_and_keep_stories_apart():
    from presswatch.flows.artifacts import artifact_key

    assert artifact_key("presswatch-summary", "sora-leak") == "presswatch-summary-sora-leak"
    odd = artifact_key("presswatch-summary", "Sora_Leak")
    assert re.fullmatch(r"[a-z0-9-]+", odd) and odd != artifact_key("presswatch-summary",
                                                                    "sora-leak")


@pytest.mark.parametrize("url, linked", [
    ("https://a.example/story?id=1", "https://a.example/story?id=1"),
    ("https://a.example/a_(b)", "https://a.example/a_%28b%29"),
    ("javascript:alert(1)", None),
    ("https://a.example/x) [y](javascript:z", "https://a.example/x%29%20%5By%5D%28javascript:z"),
    ("file:///tmp/r/index.html", None), ("http://a.example/\r\nx", None),
])
def test_markdown_links_go_only_to_web_pages(url, linked):
    from presswatch.runs.summary import markdown_url

    assert markdown_url(url) == linked


def test_the_summary_links_the_report_and_each_new_statement_first_article(tmp_path):
    from presswatch.report import ReportResult
    from presswatch.runs.summary import markdown_summary

    with ReplaySite(day=1) as site:
        story = site.story()
    report = ReportResult(tmp_path / "x.report", tmp_path / "x.report" / "index.html",
                          tmp_path / "x.snapshot.duckdb", 3, 100, 50, 0.1)
    rows = [{"speaker": "Niko Felix", "statement": HOSTILE, "outlet": "Wirewire",
             "title": "Felix speaks", "url": "https://wire.example/felix"},
            {"speaker": "X", "statement": "y", "outlet": "Z", "title": HOSTILE,
             "url": "javascript:alert(1)"}]
    text = markdown_summary(story, _summary("ok"), report, rows)
    assert f"]({(tmp_path / 'x.report' / 'index.html').as_uri()})" in text
    assert "[Felix speaks](https://wire.example/felix)" in text
    assert "](javascript" not in text and "<script>" not in text
    failed = markdown_summary(story, _summary("ok"), None, [], "ReportError: disk full")
    assert "The report could not be built: ReportError: disk full" in failed


def test_the_summary_shows_reported_speech_as_reported_never_in_quotation_marks():
    from presswatch.runs.summary import markdown_summary

    with ReplaySite(day=1) as site:
        story = site.story()
    rows = [{"speaker": "PR Puppets", "statement": "the programme was art washing",
             "said_as": "reported", "outlet": "Wirewire", "title": "t", "url": "https://w.example/a"},
            {"speaker": "Niko Felix", "statement": "Participation is voluntary",
             "said_as": "quoted", "outlet": "Wirewire", "title": "t", "url": "https://w.example/b"}]
    text = markdown_summary(story, _summary("ok"), None, rows)
    assert "**PR Puppets** said that the programme was art washing" in text
    assert "**Niko Felix**: \u201cParticipation is voluntary\u201d" in text
    assert "\u201cthe programme" not in text
