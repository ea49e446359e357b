"""bench/warehouse.py still runs end to end (tiny sizes; real figures come from the bench)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).parents[2] / "bench" / "warehouse.py"


def test_bench_runs_and_reports_every_figure(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_warehouse", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    report = bench.main(["--sizes", "500,1000", "--load-articles", "200", "--batch-size", "100",
                         "--workdir", str(tmp_path)])
    assert capsys.readouterr().out.splitlines()[-1].startswith('{"bench": "warehouse"')
    assert report["load"]["articles"] == 200 and report["load"]["rate_vs_bare"] > 0
    assert [v["quotes"] for v in report["views"]] == [2500, 5000]
    assert all(v["checks_failed"] == [] for v in report["views"])  # generated data is valid
    assert set(report["view_growth"]) == set(bench.VIEWS)
    assert report["load"]["search_hits"] == 200
