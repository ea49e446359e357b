"""The crawl child begin_run starts before reading the warehouse (so that its second of
start-up passes meanwhile) is the one the crawl uses, and never outlives a run that fails to
begin."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from presswatch.runs import daily as daily_run
from presswatch.story import Story


def _story(story_id: str = "one") -> Story:
    return Story.model_validate({
        "id": story_id, "title": "One", "start_date": "2024-11-01",
        "feeds": [{"url": "http://127.0.0.1:9/feed.xml", "name": "Wire"}],
        "relevance": {"terms": ["Sora"]},
    })


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
    daily_run.begin_run(_story(), tmp_path / "w.duckdb", tmp_path / "staging", 5.0)
    other = _story("another")
    earlier = set(_children_told_later())  # other tests' in this process, if any
    with pytest.raises(Exception, match="another"):
        daily_run.begin_run(other, tmp_path / "w.duckdb", tmp_path / "staging", 5.0,
                            crawl_soon=True)
    assert set(_children_told_later()) - earlier == set()


def test_the_crawl_uses_the_child_the_run_started_as_it_began(tmp_path):
    context, state = daily_run.begin_run(_story(), tmp_path / "w.duckdb", tmp_path / "staging",
                                         5.0, crawl_soon=True)
    child = state.crawl_child
    assert child is not None and child.process.poll() is None  # set up, waiting for its job
    output, _ = daily_run.crawl_and_process(_story(), context, state)
    # Told and done, not left waiting while another child crawled (the feed's port is closed)
    assert state.crawl_child is None and child.process.returncode == 0
    assert [source.source_url for source in output.sources] == ["http://127.0.0.1:9/feed.xml"]
