"""Warehouse benchmark: load rate against a bare Arrow insert, and the analyst views at scale.

1. Load: the same articles (with quotes, entities, pages and raw HTML) go through
   Warehouse.load_batch (records -> Arrow, de-duplication, upserts, one transaction per batch)
   and, in the same run, through bare `INSERT ... SELECT * FROM <arrow table>` of ready-made
   Arrow tables into an identical warehouse. Target: load_batch at least half the bare rate.
2. Views: a warehouse of N articles with 5 quotes each is generated in SQL
   (bench/warehouse_generate.sql), then every analyst view is computed in full, the data checks
   run and a search is made; each time is reported with its growth between the sizes.

Prints a readable report, then one JSON line with every figure.
    python bench/warehouse.py                       # 100k and 1M articles (5M quotes)
    python bench/warehouse.py --sizes 2000 --load-articles 500    # a quick smoke run
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from presswatch.records import (  # noqa: E402
    Article,
    EntityMention,
    FetchedPage,
    Quote,
    Relevance,
    stable_id,
)
from presswatch.warehouse.batch import LoadBatch, Run, to_arrow  # noqa: E402
from presswatch.warehouse.store import open_warehouse  # noqa: E402
from presswatch.warehouse.transaction import transaction  # noqa: E402

VIEWS = ["daily_coverage", "outlet_coverage", "speaker_statements", "statement_timeline",
         "entity_mentions_daily", "latest_run"]
GENERATE_SQL = Path(__file__).with_name("warehouse_generate.sql")
T0 = datetime(2024, 11, 26, tzinfo=UTC)
WORDS = ("openai sora leak artists access model video tool paused statement letter company "
         "testers hugging face api early program review").split()


def _batches(n_articles: int, per_batch: int) -> list[LoadBatch]:
    """Realistic records: ~400-word texts, 3 quotes and 2 entities per article."""
    batches = []
    for start in range(0, n_articles, per_batch):
        articles, quotes, entities, pages, relevance = [], [], [], [], []
        for i in range(start, min(start + per_batch, n_articles)):
            url = f"https://load.example/{i}"
            body = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(400))
            said = f"We paused access number {i}"
            text = f'{body} "{said}," said Niko Felix of OpenAI.'
            article_id = stable_id(url)
            articles.append(Article(
                article_id, url, url, f"Outlet {i % 40}", f"Headline {i}", ["A. Writer"],
                T0 + timedelta(minutes=i), "en", text, 406, T0 + timedelta(minutes=i, hours=1),
                "https://load.example/feed", raw_html_gz=b"\x1f\x8b" + text.encode()[:2000],
            ))
            start_char = text.index(said)
            for k in range(3):
                quotes.append(Quote(
                    stable_id(article_id, str(start_char), str(k)), article_id, said, "said",
                    "direct", "Niko Felix", "Niko Felix", "spokesperson", start_char,
                    start_char + len(said), 0.9, None,
                ))
            at = text.index("OpenAI")
            entities += [EntityMention(article_id, "OpenAI", "ORG", at, at + 6, "OpenAI"),
                         EntityMention(article_id, "Niko Felix", "PERSON", at - 19, at - 9,
                                       "Niko Felix")]
            pages.append(FetchedPage(url, url, 200, T0, "https://load.example/feed", "text/html"))
            relevance.append(Relevance(article_id, 0.9, True, ["title:sora"]))
        batches.append(LoadBatch(
            run_id="bench", runs=[Run("bench", "bench", T0)], pages=pages, articles=articles,
            relevance=relevance, analysed={a.article_id: "done" for a in articles},
            entities=entities, quotes=quotes,
        ))
    return batches


BARE_INSERTS = {
    "pages": "insert into pages by name select * from batch",
    "articles": "insert into articles by name select * exclude (html_gz), "
                "current_timestamp as first_seen_at from batch",
    "entities": "insert into entities by name select * from batch",
    "quotes": "insert into quotes by name select * from batch",
}


def bench_load(workdir: Path, n_articles: int, per_batch: int) -> dict:
    batches = _batches(n_articles, per_batch)
    arrow = [to_arrow(b) for b in batches]

    with open_warehouse(workdir / "bare.duckdb") as wh:
        started = time.perf_counter()
        for tables in arrow:
            with transaction(wh.connection, wh.path, "bare inserts") as con:
                for name, sql in BARE_INSERTS.items():
                    con.register("batch", tables[name])
                    con.execute(sql)
                    con.unregister("batch")
                con.register("batch", tables["articles"])
                con.execute("insert into raw_pages select article_id, html_gz from batch")
                con.unregister("batch")
        bare_s = time.perf_counter() - started

    with open_warehouse(workdir / "load.duckdb") as wh:
        started = time.perf_counter()
        for batch in batches:
            wh.load_batch(batch)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        for batch in batches:  # a re-run of the same day: everything already there
            wh.load_batch(batch)
        reload_s = time.perf_counter() - started
        started = time.perf_counter()
        wh.index_articles()
        index_s = time.perf_counter() - started
        started = time.perf_counter()
        n_hits = len(wh.connection.execute(
            "select * from search_articles('paused access sora')").fetchall())
        search_s = time.perf_counter() - started
    return {
        "articles": n_articles,
        "rows": sum(t.num_rows for tables in arrow for t in tables.values()),
        "batch_size": per_batch,
        "load_batch_s": round(load_s, 3),
        "bare_arrow_s": round(bare_s, 3),
        "load_articles_per_s": round(n_articles / load_s),
        "bare_articles_per_s": round(n_articles / bare_s),
        "rate_vs_bare": round(bare_s / load_s, 3),
        "reload_same_batches_s": round(reload_s, 3),
        "index_articles_s": round(index_s, 3),
        "search_s": round(search_s, 4),
        "search_hits": n_hits,
    }


def bench_views(workdir: Path, n_articles: int) -> dict:
    path = workdir / f"views_{n_articles}.duckdb"
    with open_warehouse(path) as wh:
        con = wh.connection
        con.execute("set variable n_articles = ?", [n_articles])
        con.execute("set variable n_statements = ?", [max(1, n_articles // 20)])
        started = time.perf_counter()
        con.execute(GENERATE_SQL.read_text())
        generate_s = time.perf_counter() - started
        (n_quotes,) = con.execute("select count(*) from quotes").fetchall()[0]
        times = {}
        for view in VIEWS:
            started = time.perf_counter()
            table = con.sql(f"select * from {view}").to_arrow_table()
            times[view] = {"s": round(time.perf_counter() - started, 3), "rows": table.num_rows}
        started = time.perf_counter()
        failures = wh.run_checks()
        checks_s = time.perf_counter() - started
    return {
        "articles": n_articles,
        "quotes": n_quotes,
        "generate_s": round(generate_s, 2),
        "views": times,
        "checks_s": round(checks_s, 2),
        "checks_failed": [f.name for f in failures],
        "file_mb": round(path.stat().st_size / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="article counts of the generated warehouses (comma-separated)")
    parser.add_argument("--load-articles", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=2_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        workdir = Path(tmp)
        load = bench_load(workdir, args.load_articles, args.batch_size)
        print(f"load: {load['load_articles_per_s']} articles/s via load_batch, "
              f"{load['bare_articles_per_s']} via bare Arrow insert: "
              f"{load['rate_vs_bare']:.2f} of bare (target >= 0.5); "
              f"re-load of the same batches {load['reload_same_batches_s']} s; "
              f"search index {load['index_articles_s']} s, search {load['search_s']} s")
        views = []
        for n in sizes:
            result = bench_views(workdir, n)
            views.append(result)
            print(f"{n} articles, {result['quotes']} quotes (generated in "
                  f"{result['generate_s']} s, {result['file_mb']} MB); "
                  f"checks {result['checks_s']} s, failed: {result['checks_failed'] or 'none'}")
            for view, t in result["views"].items():
                print(f"  {view:24} {t['s']:8.3f} s  {t['rows']:>8} rows")
    growth = {}
    if len(views) >= 2:
        small, large = views[0], views[-1]
        growth = {v: round(large["views"][v]["s"] / max(small["views"][v]["s"], 1e-4), 1)
                  for v in VIEWS}
        print(f"growth {small['articles']} -> {large['articles']} articles: "
              + ", ".join(f"{v} x{g}" for v, g in growth.items()))
    peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(f"peak memory (max RSS): {peak_mb} MB")
    report = {"bench": "warehouse", "load": load, "views": views, "view_growth": growth,
              "peak_rss_mb": peak_mb}
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
