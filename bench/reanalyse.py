"""`presswatch reanalyse` on the replay's two days stored by an older analysis.

    .venv/bin/python bench/reanalyse.py [--days 2]

Serves the bundled replay and runs the real daily flow over it day by day twice: into one
warehouse with today's story, into another with the story's group of people declared a company
(`kind = "org"`), as an older analysis that knew no better would have attributed quotes ("the
group" resolves to nobody, and speakers and statements come out otherwise). Then re-analyses
the second with today's story and prints what changed, the time it took, the peak memory,
and, table by table, the rows that differ from the fresh warehouse (run ids and times aside;
0 everywhere is the goal). The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on sys.path, and bench/warehouse.py would shadow
# the warehouse package: put the checkout there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
from presswatch.runs.settings import PREFECT_DEFAULTS  # noqa: E402

for _name, _value in PREFECT_DEFAULTS.items():  # as `presswatch run` sets them, before Prefect
    os.environ.setdefault(_name, _value)

import duckdb  # noqa: E402

from presswatch.story import default_story_path, load_story  # noqa: E402

# Per table, the columns two warehouses of the same days must agree on.
COMPARED = {
    "articles": "article_id, outlet, title, authors, published_at, language, text, word_count, "
                "site_name, relevance_score, is_relevant, relevance_reasons, cluster_id, "
                "nlp_status",
    "entities": "*",
    "quotes": "*",
    "statements": "statement_id, speaker, speaker_role, organisation, text, first_article_id, "
                  "n_articles, n_outlets, part_of",
    "statement_fingerprints": "*",
    "article_signatures": "article_id, cluster_id, published_at, text_hash, n_shingles, minhash",
    "signature_bands": "*",
    "article_terms": "*",
}


def differing_rows(a: Path, b: Path) -> dict[str, int]:
    """Rows in one warehouse and not the other, per table."""
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")
    counts = {}
    for table, columns in COMPARED.items():
        (n,) = con.execute(
            f"select count(*) from ((select {columns} from a.{table} except all "
            f"select {columns} from b.{table}) union all (select {columns} from b.{table} "
            f"except all select {columns} from a.{table}))").fetchone()
        counts[table] = n
    con.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, choices=(1, 2), default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="presswatch-reanalyse-") as tmp:
        home = Path(tmp) / "prefect-home"
        home.mkdir()
        os.environ.setdefault("PREFECT_HOME", str(home))
        from presswatch.flows.api import reporting_api

        with reporting_api():  # started (or found) once for every run of the bench
            run(args.days, Path(tmp))


def run(days: int, folder: Path) -> None:
    """Both warehouses, the re-analysis, and the figures."""
    from presswatch.demo.server import ReplaySite
    from presswatch.flows.daily import daily_with_settings
    from presswatch.runs.reanalyse import print_changes, reanalyse
    from presswatch.runs.settings import run_settings

    story = load_story(default_story_path())
    older = story.model_copy(update={"entities": [  # a group of people taken for a company
        entity.model_copy(update={"kind": "org" if entity.kind == "group" else entity.kind})
        for entity in story.entities]})
    with ReplaySite(day=1) as site:
        fresh, old = folder / "fresh.duckdb", folder / "old.duckdb"
        stories = {fresh: site.write_story(folder / "story.toml"),
                   old: site.write_story(folder / "older.toml", older)}
        for day in range(1, days + 1):
            site.set_day(day)
            for db, story_path in stories.items():
                settings = run_settings(str(story_path), str(db), None, True, os.environ)
                daily_with_settings(settings)
        before = differing_rows(old, fresh)
        clock = time.monotonic()
        changes = reanalyse(site.story(), old, lock_timeout_s=30)
        seconds = time.monotonic() - clock
        after = differing_rows(old, fresh)
    print_changes(changes, sys.stdout)
    print(f"\n{'table':24} {'differing rows before':>22} {'after':>6}")
    for table in COMPARED:
        print(f"{table:24} {before[table]:>22} {after[table]:>6}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nreanalyse: {changes.n_articles} articles in {seconds:.1f} s; peak RSS of the "
          f"whole benchmark process (both flows included) {peak_mb:.0f} MB")
    print(json.dumps({
        "days": days, "articles": changes.n_articles, "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_mb),
        "quotes_reattributed": len(changes.quotes_reattributed),
        "statements_added": len(changes.statements_added),
        "statements_removed": len(changes.statements_removed),
        "statements_kept": len(changes.statements_kept),
        "differing_rows_before": before, "differing_rows_after": after,
    }))


if __name__ == "__main__":
    main()
