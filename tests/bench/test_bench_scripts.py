"""Every benchmark script runs at a tiny size, so a schema or API change that breaks one fails
here rather than on the next person to measure. Figures are not checked for speed, only that
the script ran to its end and its last line is its JSON with the figures it promises.

bench/e2e.py and bench/warehouse.py have their own smoke tests; bench/quotes.py and
bench/coverage_dev.py read gold data from ../shared, which tests must not depend on;
bench/reanalyse.py (two daily runs and a re-analysis of the replay) took 3 minutes on the
shared machine even at one day, too long for the suite: it is not run here yet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
    figures = run_bench("backfill.py", "--records", "300", "--files", "2", "--no-warm-up",
                        env=prefect_env)
    assert figures["gate_recall"] == 1.0 and figures["full_path_kept"] > 0
    for key in ("floor", "read", "gate", "read_gate"):
        assert figures[f"{key}_records_per_s"] > 0 and figures[f"{key}_mb_per_s"] > 0
    for workers in (1, 2):
        run = figures[f"flow_{workers}w"]
        assert run["records"] == 300 and run["articles_added"] > 0
        assert run["worker_cpu_s_per_million_records"] > 0
        assert run["main_cpu_s_per_million_records"] > 0
    assert figures["flow_2w_over_1w"] > 0 and figures["flow_of_read_gate_per_core"] >= 0


def test_report_bench_builds_a_generated_warehouse(tmp_path):
    figures = run_bench("report.py", "--articles", "300", "--no-demo", "--workdir",
                        str(tmp_path))
    assert figures["generated"]["pages"] > 10 and figures["generated"]["statements"] > 0


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
