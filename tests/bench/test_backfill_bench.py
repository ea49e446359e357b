"""bench/backfill.py at a tiny size: its floor, reads, gate and three flows on a Dask cluster.
The slowest bench test (a cluster started three times), in a file of its own so that the
suite's processes, which take whole files, can run it beside the other bench scripts."""

from __future__ import annotations

from tests.bench.test_bench_scripts import run_bench


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
