"""Numbers in a story file that no machine can honour are refused when the story is loaded
(issue 26 item 9), naming the key; the machine's own limit is said by story check."""

from __future__ import annotations

import os

import pytest

from presswatch.story import StoryError, load_story, story_problems

BASE = """id = "s"
title = "A story"
start_date = 2024-11-26
[[feeds]]
url = "https://feeds.example/rss"
"""


@pytest.mark.parametrize(("section", "line", "key"), [
    ("nlp", "n_process = 500", "nlp.n_process"),
    ("crawl", "retries = 1e9", "crawl.retries"),
    ("crawl", "max_page_bytes = 1e15", "crawl.max_page_bytes"),
    ("crawl", "timeout = 1e9", "crawl.timeout"),
    ("crawl", "download_delay = 1e9", "crawl.download_delay"),
    ("nlp", "batch_size = 100000000", "nlp.batch_size"),
    ("relevance", "threshold = 7", "relevance.threshold"),
    ("alerts.email", "port = 70000", "alerts.email.port"),
])
def test_an_impossible_number_is_refused_naming_its_key(tmp_path, section, line, key):
    path = tmp_path / "story.toml"
    path.write_text(BASE + f"[{section}]\n{line}\n", encoding="utf-8")
    with pytest.raises(StoryError, match=key.replace(".", r"\.")):
        load_story(path)


def test_more_parser_processes_than_cores_is_a_story_problem(tmp_path):
    path = tmp_path / "story.toml"
    cores = os.cpu_count() or 1
    path.write_text(BASE + f"[nlp]\nn_process = {cores + 1}\n", encoding="utf-8")
    problems = [p.key for p in story_problems(load_story(path))]
    assert "nlp.n_process" in problems
    path.write_text(BASE + f"[nlp]\nn_process = {cores}\n", encoding="utf-8")
    assert "nlp.n_process" not in [p.key for p in story_problems(load_story(path))]
