"""Every benchmark script runs at a tiny size, so a schema or API change that breaks one fails
here rather than on the next person to measure. Figures are not checked for speed, only that
the script ran to its end and its last line is its JSON with the figures it promises.

bench/e2e.py and bench/warehouse.py have their own smoke tests. bench/quotes.py and
bench/coverage_dev.py score against gold sets in ../shared, which tests must not depend on: here
they run on two documents of our own sentences, written in the sets' formats, scored by
replicas of the sets' scorers (tests/bench/replicas/: same command line, same JSON keys).
bench/reanalyse.py runs at one day of the replay, its smallest size: two daily runs and a
re-analysis, the slowest test here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = Path(__file__).resolve().parent / "replicas"
# Our own sentences: (text, quoted words, speaker as written, speaker's full name).
QUOTED = {
    "council": ('The council approved the budget on Monday. "We will open the new library '
                'in the spring, and the pool will follow," Mayor Ana Ruiz said after the vote.',
                "We will open the new library in the spring, and the pool will follow",
                "Mayor Ana Ruiz", "Ana Ruiz"),
    "farmers": ('Farmers gathered outside the ministry on Friday. "The price of feed has '
                'doubled since last winter," said Tom Hale, a dairy farmer from the valley.',
                "The price of feed has doubled since last winter", "Tom Hale", "Tom Hale"),
}


def run_bench(script: str, *args: str, env: dict | None = None, cwd: Path = ROOT) -> dict:
    """The script's last line, parsed: nothing may be printed after the JSON."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args],
                          capture_output=True, text=True, timeout=600, cwd=cwd,
                          env=env or dict(os.environ))
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    return json.loads(last)


@pytest.fixture(scope="module")
def prefect_env(prefect_harness) -> dict:
    from prefect.settings import PREFECT_API_URL

    return dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())


def test_backfill_bench_reports_every_figure_and_ends_with_its_json(prefect_env):
    figures = run_bench("backfill.py", "--records", "300", "--files", "2", "--scale", "2",
                        "--no-warm-up", env=prefect_env)
    assert figures["gate_recall"] == 1.0 and figures["full_path_kept"] > 0
    for key in ("floor", "read", "gate", "read_gate"):
        assert figures[f"{key}_records_per_s"] > 0 and figures[f"{key}_mb_per_s"] > 0
    for name, records in (("small_1w", 300), ("large_1w", 600), ("large_2w", 600)):
        run = figures[f"flow_{name}"]
        assert run["records"] == records and run["articles_added"] > 0
        # The workers' whole processes, counted once the cluster closes: more than their units.
        assert run["workers_cpu_s"] > run["units_cpu_s"] > 0 and run["main_cpu_s"] > 0
    assert figures["large_records"] == 600 and figures["large_html_mb"] > figures["html_mb"]
    for key in ("marginal_cpu_s_per_million_records", "marginal_mb_per_cpu_s",
                "flow_marginal_of_read_gate", "fixed_main_cpu_s", "fixed_workers_cpu_s",
                "fixed_cpu_s_second_worker", "flow_2w_over_1w", "main_share_large_1w"):
        assert isinstance(figures[key], int | float), key


def test_reanalyse_bench_ends_with_no_row_differing_from_a_fresh_run(prefect_env):
    figures = run_bench("reanalyse.py", "--days", "1", env=prefect_env)
    assert figures["articles"] > 0 and figures["quotes_reattributed"] > 0
    assert sum(figures["differing_rows_before"].values()) > 0
    assert set(figures["differing_rows_after"].values()) == {0}


def test_report_bench_builds_a_generated_warehouse(tmp_path):
    figures = run_bench("report.py", "--articles", "300", "--no-demo", "--workdir",
                        str(tmp_path))
    assert figures["generated"]["pages"] > 10 and figures["generated"]["statements"] > 0


def test_crawl_bench_crawls_twice_then_extracts_and_sketches(tmp_path):
    figures = run_bench("crawl.py", "--articles", "20", "--workdir", str(tmp_path))
    # 20 outlets: robots.txt, a feed and a sitemap each, then the articles.
    assert figures["requests"] == 80 and figures["request_kinds"]["article"] == 20
    assert figures["quiet_requests"] == 60 and figures["crawl_cpu_s"] > 0
    assert figures["pages_extracted"] == 20 and figures["articles"] > 0
    assert all(len(d) == 16 for d in figures["crawl_digests"].values())


def test_nlp_throughput_bench(tmp_path):
    texts = tmp_path / "texts.jsonl"
    texts.write_text("\n".join(json.dumps({"text": t}) for t in [
        '"We paused access," OpenAI spokesperson Niko Felix said on Tuesday.',
        "Artists leaked access to Sora on Hugging Face in protest, the group said.",
    ]), encoding="utf-8")
    figures = run_bench("nlp_throughput.py", "--texts", str(texts), "--rounds", "1")
    assert figures["texts"] == 2 and figures["ratio"] > 0


def test_statements_bench():
    figures = run_bench("statements.py", "--stored", "200", "--quotes", "50")
    assert figures["bench"] == "statements"


def test_syndication_bench():
    figures = run_bench("syndication.py", "--stored", "300", "--new", "30")
    assert figures


def test_relevance_bench():
    assert run_bench("relevance.py")


def test_replay_quotes_bench():
    assert run_bench("replay_quotes.py")


def test_quotes_bench_scores_a_tiny_set_of_our_own(tmp_path):
    gold = tmp_path / "dev.jsonl"
    rows = []
    for doc_id, (text, quoted, speaker, _) in QUOTED.items():
        start, at = text.index(quoted), text.index(speaker)
        rows.append({"doc_id": doc_id, "text": text, "quotes": [{
            "content_span": [start, start + len(quoted)], "kind": "direct", "cue_text": "said",
            "speaker_span": [at, at + len(speaker)], "speaker_text": speaker}]})
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    figures = run_bench("quotes.py", "--gold", str(gold), "--scorer",
                        str(REPLICAS / "polnear_score.py"))
    assert figures["docs"] == 2 and figures["all.gold_quotes"] == 2
    assert figures["all.content_recall"] == 1.0 and figures["all.attributed_f1"] > 0
    assert sum(row["count"] for row in figures["reliability"][:-1]) >= 2


def test_coverage_bench_without_the_shared_sets_says_so(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "coverage_dev.py"), "--shared",
                           str(tmp_path / "nowhere")], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "nothing to measure" in done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"bench": "coverage_dev",
                                                                "skipped": True}


def test_coverage_bench_scores_a_tiny_set_of_our_own(tmp_path):
    folder = tmp_path / "shared" / "data" / "coverage-dev"
    folder.mkdir(parents=True)
    (folder / "score.py").write_text((REPLICAS / "coverage_score.py").read_text())
    (folder / "extract_input.jsonl").write_text("".join(
        json.dumps({"doc_id": doc, "text": text}) + "\n"
        for doc, (text, *_) in QUOTED.items()), encoding="utf-8")
    (folder / "gold.jsonl").write_text("".join(json.dumps({
        "doc": doc, "label": "story", "quotes": [{"speaker": name, "text": quoted}],
        "entities": [{"text": name, "label": "PERSON", "canonical": name, "count": 1}]}) + "\n"
        for doc, (_, quoted, _, name) in QUOTED.items()), encoding="utf-8")
    figures = run_bench("coverage_dev.py", "--shared", str(tmp_path / "shared"), "--only",
                        "dev-shipped")
    run = figures["dev-shipped"]
    assert run["docs"] == 2 and run["gold_quotes"] == 2
    assert run["content_recall"] == 1.0 and run["strict.speaker_acc_on_matched"] == 1.0
    assert sum(row["count"] for row in run["reliability"]) == run["pred_quotes"]

