"""The crawl child begin_run starts before reading the warehouse (so that its second of
start-up passes meanwhile) never outlives a run that fails to begin."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from presswatch.runs import daily as daily_run
from presswatch.story import Story


def _children_told_later() -> list[int]:
    """This process's children waiting as crawl children (their command says --when-told)."""
    found = []
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in children.read_text().split():
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"--when-told" in command:  # a zombie's command is empty
                found.append(int(pid))
    return found


def test_a_run_that_fails_to_begin_leaves_no_crawl_child(tmp_path):
    """The crawl child begin_run starts first is let go when the start fails (here the
    warehouse belongs to another story)."""
    story = Story.model_validate({
        "id": "one", "title": "One", "start_date": "2024-11-01",
        "feeds": [{"url": "http://127.0.0.1:9/feed.xml", "name": "Wire"}],
        "relevance": {"terms": ["Sora"]},
    })
    daily_run.begin_run(story, tmp_path / "w.duckdb", tmp_path / "staging", 5.0)
    other = story.model_copy(update={"id": "another"})
    earlier = set(_children_told_later())  # other tests' in this process, if any
    with pytest.raises(Exception, match="another"):
        daily_run.begin_run(other, tmp_path / "w.duckdb", tmp_path / "staging", 5.0,
                            crawl_soon=True)
    assert set(_children_told_later()) - earlier == set()
