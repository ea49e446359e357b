"""What clustering N new articles costs against a warehouse of S stored signatures.

Fills a real DuckDB warehouse (migrations applied) with S stored signatures and their LSH band
rows, then clusters N new articles (a tenth of them copies of stored ones) two ways:
- full: load every stored signature into a SyndicationIndex, then cluster;
- lookup: fetch only the stored signatures that share a band key or text hash with the new
  articles (one SQL join), plus their cluster roots, then cluster.
Both must give the same clusters. Stored signatures are random MinHash values (unrelated
articles) except the ones the copies are made from, which are sketched from real text. Prints
the timings for S = 0 and S = --stored, and ends with one JSON line.

    .venv/bin/python bench/syndication.py [--stored 100000] [--new 1000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from presswatch.nlp.syndication import (  # noqa: E402
    NUM_PERM,
    ArticleSignature,
    SyndicationIndex,
    band_rows,
    cluster_articles,
    lookup_keys,
    sketch_article,
)
from presswatch.warehouse.store import open_warehouse  # noqa: E402

DAY = datetime(2024, 11, 1, tzinfo=UTC)
VOCABULARY = [f"w{i}" for i in range(5000)]

CANDIDATES_SQL = """
with wanted_bands as (select unnest($bands) as band_key),
matched as (
    select distinct article_id from signature_bands semi join wanted_bands using (band_key)
    union
    select article_id from article_signatures where text_hash in (select unnest($hashes))
),
with_roots as (
    select article_id from matched
    union
    select cluster_id from article_signatures semi join matched using (article_id)
)
select article_id, published_at, first_seen_at, text_hash, n_shingles, minhash, cluster_id
from article_signatures semi join with_roots using (article_id)
"""
ALL_SQL = """
select article_id, published_at, first_seen_at, text_hash, n_shingles, minhash, cluster_id
from article_signatures
"""


def text(rng: random.Random, n_words: int = 400) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(n_words))


def random_signature(rng: np.random.Generator, i: int) -> ArticleSignature:
    values = rng.integers(0, 2**32 - 1, size=NUM_PERM, dtype=np.uint32)
    return ArticleSignature(
        article_id=f"s{i}", published_at=DAY + timedelta(minutes=i), first_seen_at=DAY,
        text_hash=f"{i:064x}", n_shingles=400, minhash=values.astype("<u4").tobytes(),
        cluster_id=f"s{i}",
    )


def fill(con, signatures: list[ArticleSignature]) -> None:
    columns = ["article_id", "cluster_id", "published_at", "first_seen_at", "text_hash",
               "n_shingles", "minhash"]
    table = pa.table({c: [getattr(s, c) for s in signatures] for c in columns})
    bands = band_rows(signatures)
    band_table = pa.table({"band_key": [b.band_key for b in bands],
                           "article_id": [b.article_id for b in bands]})
    con.register("new_signatures", table)
    con.register("new_bands", band_table)
    con.execute("insert into article_signatures by name select * from new_signatures")
    con.execute("insert into signature_bands by name select * from new_bands")
    con.unregister("new_signatures")
    con.unregister("new_bands")


def rows_to_signatures(rows) -> list[ArticleSignature]:
    return [ArticleSignature(article_id=r[0], published_at=r[1], first_seen_at=r[2],
                             text_hash=r[3], n_shingles=r[4], minhash=bytes(r[5]),
                             cluster_id=r[6]) for r in rows]


def run(n_stored: int, n_new: int, workdir: Path) -> dict[str, float | int]:
    rng = random.Random(7)
    np_rng = np.random.default_rng(7)
    originals = {f"o{i}": text(rng) for i in range(max(n_new // 10, 1))}
    stored = [sketch_article(i, t, DAY + timedelta(days=1), DAY + timedelta(days=1))
              for i, t in originals.items()] if n_stored else []
    stored = [ArticleSignature(**{**vars(s), "cluster_id": s.article_id}) for s in stored]
    stored += [random_signature(np_rng, i) for i in range(max(n_stored - len(stored), 0))]
    later = DAY + timedelta(days=30)
    texts = [(f"n{i}", text(rng)) for i in range(n_new - len(originals))]
    texts += [(f"c{i}", "Wire copy. " + t) for i, t in enumerate(originals.values())]
    started = time.perf_counter()
    new = [sketch_article(article_id, body, later, later) for article_id, body in texts]
    sketch_s = time.perf_counter() - started

    with open_warehouse(workdir / f"bench-{n_stored}.duckdb") as warehouse:
        con = warehouse.connection
        if stored:
            fill(con, stored)
        started = time.perf_counter()
        hashes, bands = lookup_keys(new)
        rows = con.execute(CANDIDATES_SQL, {"bands": sorted(bands),
                                            "hashes": sorted(hashes)}).fetchall()
        lookup_index = SyndicationIndex(rows_to_signatures(rows))
        lookup_sql_s = time.perf_counter() - started
        lookup_result = cluster_articles(new, lookup_index)
        lookup_s = time.perf_counter() - started

        started = time.perf_counter()
        full_index = SyndicationIndex(rows_to_signatures(con.execute(ALL_SQL).fetchall()))
        full_load_s = time.perf_counter() - started
        full_result = cluster_articles(new, full_index)
        full_s = time.perf_counter() - started

    same = {a.article_id: a.cluster_id for a in lookup_result.assignments} == {
        a.article_id: a.cluster_id for a in full_result.assignments}
    copies_found = sum(1 for a in lookup_result.assignments
                       if a.article_id.startswith("c") and a.cluster_id.startswith("o"))
    return {
        "stored": n_stored, "new": n_new, "candidates_loaded": len(rows),
        "sketch_s": round(sketch_s, 3),
        "lookup_sql_and_index_s": round(lookup_sql_s, 3), "lookup_total_s": round(lookup_s, 3),
        "full_load_s": round(full_load_s, 3), "full_total_s": round(full_s, 3),
        "same_clusters": same, "copies_found": copies_found,
        "copies_expected": len(originals) if n_stored else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty = run(0, args.new, Path(tmp))
        full = run(args.stored, args.new, Path(tmp))
    for figures in (empty, full):
        print(figures)
    print(json.dumps({
        "bench": "syndication",
        "new": args.new,
        "stored": args.stored,
        "sketch_s_per_1k_articles": round(full["sketch_s"] / args.new * 1000, 3),
        "lookup_s_empty": empty["lookup_total_s"],
        "lookup_s_stored": full["lookup_total_s"],
        "lookup_ratio": round(full["lookup_total_s"] / empty["lookup_total_s"], 2),
        "full_rebuild_s_stored": full["full_total_s"],
        "candidates_loaded": full["candidates_loaded"],
        "same_clusters": full["same_clusters"],
        "copies_found": full["copies_found"],
        "copies_expected": full["copies_expected"],
    }))


if __name__ == "__main__":
    main()
