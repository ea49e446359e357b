"""The end-to-end benchmark at N=25, so it cannot rot: real site, crawl, spaCy, DuckDB, Prefect.

It runs bench/e2e.py as a script (as `make bench` does) against this session's Prefect test
server and checks what it measured, not how fast: the quiet re-run must fetch and parse nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
N = 25


@pytest.fixture(scope="module")
def figures(prefect_harness, tmp_path_factory) -> dict:
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "e2e.py"), "--articles", str(N), "--no-warm-up",
         "--reference-rounds", "1", "--repeat", "2",
         "--workdir", str(tmp_path_factory.mktemp("e2e"))],
        capture_output=True, text=True, env=env, timeout=600, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_first_run_lands_every_article_and_parses_the_relevant_ones(figures):
    assert figures["articles_added"] == N
    assert figures["full_requests"]["article"] == N
    assert 0 < figures["relevant_docs"] < N
    assert figures["docs_parsed"] == figures["relevant_docs"]
    assert figures["relevant_words"] > 300 * figures["relevant_docs"]


def test_quiet_run_fetches_and_parses_nothing_and_asks_each_source_once(figures):
    kinds = figures["quiet_request_kinds"]
    assert figures["quiet_articles_added"] == 0
    assert figures["quiet_articles_fetched"] == 0
    assert figures["quiet_docs_parsed"] == 0
    assert figures["quiet_pages_extracted"] == 0
    assert kinds["conditional"] == kinds["feed"] + kinds["sitemap"] == 40
    assert kinds["not_modified"] == 40
    assert figures["quiet_report_kept"]  # nothing new: the first run's report stays


def test_every_headline_figure_is_reported(figures):
    for key in ("e2e_words_per_s", "nlp_words_per_s", "ratio", "quiet_run_s", "full_run_s",
                "peak_rss_mb", "quiet_requests", "quiet_docs_parsed", "articles_per_s"):
        assert key in figures, key
    assert figures["ratio"] > 0 and figures["peak_rss_mb"] > 0
    # the report was written, and the kernel's share of it measured (a disk's bad minutes)
    assert 0 < figures["report_write_system_cpu_s"] < figures["full_run_s"]
    # the reference runs with the flow's own processes; the runs used the configured server
    assert figures["nlp_processes"] == 2 and figures["prefect_api"] == "configured"
    for stage in ("begin_run", "crawl_and_process", "alerts", "finish_run",
                  "report_and_artifacts",
                  "process.nlp", "process.extract", "process.load_batch"):
        assert stage in figures["stages_s"], stage


def test_repeated_runs_report_each_ratio_and_their_median(figures):
    # --repeat 2: a second full run into its own warehouse, with its own reference
    assert figures["repeats"] == 2
    assert len(figures["ratio_runs"]) == len(figures["full_run_s_runs"]) == 2
    assert figures["full_run_s_runs"][0] == figures["full_run_s"]
    assert figures["ratio"] == pytest.approx(sum(figures["ratio_runs"]) / 2, abs=0.002)
    assert figures["ratio_best_to_best"] >= min(figures["ratio_runs"]) - 0.002
