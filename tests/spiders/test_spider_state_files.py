"""A crawl's state files are written whole and read defensively (issue 26 item 3): an empty or
cut job.json names itself instead of a bare JSONDecodeError; a cut stats.json means unfinished."""

from __future__ import annotations

import pytest

from presswatch.spiders.crawl import load_crawl_output
from presswatch.spiders.job import JOB_FILE, STATS_FILE, CrawlJob, DamagedJob
from presswatch.story import Crawl

JOB = CrawlJob(feeds=[], sitemaps=[], crawl=Crawl(), since=None)


@pytest.mark.parametrize("content", ["", '{"feeds": [', "[]", "\x00\x00\x00"])
def test_a_damaged_job_names_its_file(tmp_path, content):
    (tmp_path / JOB_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(DamagedJob, match=str(tmp_path / JOB_FILE)):
        load_crawl_output(tmp_path)


def test_a_cut_stats_file_reads_as_an_unfinished_crawl(tmp_path):
    (tmp_path / JOB_FILE).write_text(JOB.to_json(), encoding="utf-8")
    (tmp_path / STATS_FILE).write_text('{"finish_reason": "fini', encoding="utf-8")
    assert load_crawl_output(tmp_path).finish_reason is None
    (tmp_path / STATS_FILE).write_text('{"finish_reason": "finished"}', encoding="utf-8")
    assert load_crawl_output(tmp_path).finish_reason == "finished"
