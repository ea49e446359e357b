"""Report benchmark: `presswatch report` over the demo's warehouse and a generated big one.

1. The demo: `presswatch demo` (the real flow over the bundled replay, two days) makes a
   warehouse, or --demo-db reuses one; the report is then built from its snapshot.
2. A generated warehouse of N articles (default 100,000: 500,000 quotes, 5,000 statements,
   2,000 speakers, 500 outlets over 60 days; bench/warehouse_generate.sql, plus the story,
   sources and alerts of bench/report_generate.sql), the report built from it.

For each: total build time (and its parts: the queries, then rendering and writing the pages), the
number of pages, their total size and the overview's size. Targets: the 100k report builds in
under a minute and its overview stays under 5 MB. Prints a readable report, then one JSON line.
    python bench/report.py                      # demo + 100,000 articles
    python bench/report.py --articles 2000 --demo-db demo.duckdb      # a quick run
    python bench/report.py --articles 300 --no-demo                   # the test suite's run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from presswatch.report.build import iter_pages, read_report_data, write_pages  # noqa: E402
from presswatch.warehouse.store import default_read_path, open_warehouse  # noqa: E402

GENERATE_SQL = Path(__file__).with_name("warehouse_generate.sql")
REPORT_SQL = Path(__file__).with_name("report_generate.sql")
TARGET_S, TARGET_OVERVIEW_MB = 60.0, 5.0


def build(db: Path, out: Path) -> dict:
    """The report of a warehouse, timed by part (the same steps as build_report)."""
    started = time.perf_counter()
    with open_warehouse(default_read_path(db), read_only=True) as warehouse:
        data = read_report_data(warehouse.connection)
    queried = time.perf_counter()
    pages = iter_pages(data, built_at=datetime.now(UTC), source_name=db.name, since=None)
    n_pages, total_bytes, overview_bytes = write_pages(pages, out)
    written = time.perf_counter()
    return {
        "build_s": round(written - started, 2),
        "queries_s": round(queried - started, 2),
        "render_and_write_s": round(written - queried, 2),
        "pages": n_pages,
        "total_mb": round(total_bytes / 1e6, 1),
        "overview_mb": round(overview_bytes / 1e6, 2),
        "statements": len(data.statements),
        "speakers": len(data.speakers),
        "quotes_shown": len(data.appearances),
    }


def demo_warehouse(workdir: Path) -> Path:
    db = workdir / "demo.duckdb"
    env = {**os.environ, "PREFECT_HOME": str(workdir / "prefect"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run([sys.executable, "-m", "presswatch", "demo", "--db", str(db)], env=env,
                          capture_output=True, text=True, cwd=workdir, check=False)
    if done.returncode != 0:
        raise SystemExit(f"presswatch demo failed:\n{done.stderr[-3000:]}")
    return db


def generated_warehouse(workdir: Path, n_articles: int) -> tuple[Path, float]:
    db = workdir / f"generated_{n_articles}.duckdb"
    started = time.perf_counter()
    with open_warehouse(db) as warehouse:
        con = warehouse.connection
        con.execute("set variable n_articles = ?", [n_articles])
        con.execute("set variable n_statements = ?", [max(1, n_articles // 20)])
        con.execute(GENERATE_SQL.read_text(encoding="utf-8"))
        con.execute(REPORT_SQL.read_text(encoding="utf-8"))
        con.execute("checkpoint")
    return db, time.perf_counter() - started


def _line(name: str, r: dict) -> str:
    return (f"{name}: built in {r['build_s']} s (queries {r['queries_s']} s, pages rendered "
            f"and written {r['render_and_write_s']} s); {r['pages']} pages, "
            f"{r['total_mb']} MB in all, overview {r['overview_mb']} MB; {r['statements']} "
            f"statements, {r['speakers']} speakers, {r['quotes_shown']} quotes in context")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--demo-db", type=Path, help="reuse this demo warehouse")
    parser.add_argument("--no-demo", dest="demo", action="store_false",
                        help="only the generated warehouse (the test suite's quick run)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        workdir = Path(tmp)
        demo = None
        if args.demo:
            demo = build(args.demo_db or demo_warehouse(workdir), workdir / "demo.report")
            print(_line("demo", demo))
        db, generate_s = generated_warehouse(workdir, args.articles)
        big = build(db, workdir / "generated.report")
        big["generate_s"] = round(generate_s, 1)
        print(_line(f"{args.articles} articles", big) + f" (generated in {generate_s:.0f} s)")
    ok = big["build_s"] < TARGET_S and big["overview_mb"] < TARGET_OVERVIEW_MB
    print(f"targets (build < {TARGET_S:.0f} s, overview < {TARGET_OVERVIEW_MB} MB): "
          f"{'met' if ok else 'MISSED'}")
    peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(f"peak memory (max RSS): {peak_mb} MB")
    result = {"bench": "report", "demo": demo, "generated": big, "articles": args.articles,
              "targets_met": ok, "peak_rss_mb": peak_mb}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
