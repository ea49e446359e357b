"""The backfill at archive scale: the gate alone, the full path, and the flow on 1 and 2 Dask
workers, over a generated WARC corpus with the replay's articles hidden in it.

    .venv/bin/python bench/backfill.py [--records 20000] [--files 8]

The corpus (presswatch/demo/archive.py): the replay's 36 articles at random positions among
generated unrelated news pages (3-12 KB, one in twenty a near miss naming OpenAI, Hugging Face
or the Italian "sora"), split over gzip-per-record WARC files as CC-NEWS writes them.

1. gate: every record read back, then timed through the gate alone (records/s; reading the
   WARC timed apart);
2. full path: every record through extraction + the judge (two processes), for the gate's
   recall (pages the full path keeps that the gate passes; must be 1.0) and the gate's speed
   against extraction per record;
3. end to end: the real backfill flow (Prefect, Dask LocalCluster, spaCy on the workers, the
   one writer, checks, snapshot) into a fresh warehouse with 1 worker, then 2 workers, after a
   warm-up run on one small file so neither pays for starting Prefect's local server.

Peak memory: this process's high-water RSS during each flow run (reset before it), and each
worker's own high-water RSS as its units reported it. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from presswatch.archives.warc import read_warc  # noqa: E402
from presswatch.demo.archive import archive_records, write_warc  # noqa: E402
from presswatch.nlp.gate import compile_gate  # noqa: E402
from presswatch.nlp.relevance import compile_rules, score_with_rules  # noqa: E402
from presswatch.records import FetchedPage  # noqa: E402
from presswatch.spiders.extract import NoArticleText, extract_article  # noqa: E402
from presswatch.story import default_story_path, load_story  # noqa: E402

SINCE, UNTIL = date(2024, 11, 19), date(2025, 3, 31)  # every capture of the corpus


def _reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets this process's high-water RSS (VmHWM)."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _full_path(args: tuple[str, str | None, bytes]) -> tuple[str, bool, float]:
    """(url, kept by extraction + judge, seconds extracting): one record, in a pool process."""
    url, charset, body = args
    rules = _full_path.rules  # type: ignore[attr-defined]
    page = FetchedPage(url, url, 200, datetime(2024, 12, 31, tzinfo=UTC), "bench",
                       encoding=charset)
    clock = time.perf_counter()
    try:
        article = extract_article(page, body)
    except NoArticleText:
        return url, False, time.perf_counter() - clock
    seconds = time.perf_counter() - clock
    return url, score_with_rules(article, rules).is_relevant, seconds


def _pool_init() -> None:
    _full_path.rules = compile_rules(load_story(default_story_path()))  # type: ignore[attr-defined]


def write_corpus(folder: Path, records: int, files: int) -> list[str]:
    replay_count = 36
    stream = list(archive_records(records - replay_count))
    paths = []
    for index in range(files):
        path = folder / f"CC-NEWS-2024112{index % 10}000000-{index:05d}.warc.gz"
        write_warc(path, stream[index::files])
        paths.append(str(path))
    return paths


def run_flow(paths: list[str], db: Path, workers: int) -> tuple[float, float, object]:
    from presswatch.flows.backfill import run_backfill
    from presswatch.runs.backfill import BackfillSettings, Sources

    settings = BackfillSettings(story_path=default_story_path(), db_path=db, since=SINCE,
                                until=UNTIL, sources=Sources(warcs=tuple(paths)),
                                workers=workers)
    _reset_peak()
    clock = time.monotonic()
    summary = run_backfill(settings)
    return time.monotonic() - clock, _peak_mb(), summary


def run_plain(paths: list[str], db: Path) -> tuple[float, float, float]:
    """The same stages as plain functions in this process, one unit after another, without
    Prefect or Dask: (seconds, of which processing units, of which loading)."""
    from presswatch.archives.pages import PoliteClient
    from presswatch.runs import backfill as bs

    story = load_story(default_story_path())
    out = bs.units_dir(db, story, SINCE, UNTIL)
    clock = time.monotonic()
    units = bs.plan_units(story, bs.Sources(warcs=tuple(paths)), SINCE, UNTIL, bs.Endpoints(),
                          PoliteClient(user_agent="bench", delay_s=0))
    writer = bs.begin_backfill(story, db, out, 120.0)
    results = [bs.process_unit(u, story, SINCE, UNTIL, out, PoliteClient("bench"))
               for u in units]
    processed = time.monotonic()
    for unit in units:
        bs.load_unit(writer, out, unit)
    loaded = time.monotonic()
    bs.finish_backfill(writer, units, results, alert=False)
    return (time.monotonic() - clock, sum(r.seconds for r in results), loaded - processed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=8)
    args = parser.parse_args()
    story = load_story(default_story_path())
    figures: dict[str, object] = {"records": args.records, "files": args.files}
    with tempfile.TemporaryDirectory(prefix="presswatch-backfill-bench-") as tmp:
        folder = Path(tmp)
        clock = time.monotonic()
        paths = write_corpus(folder, args.records, args.files)
        figures["corpus_write_s"] = round(time.monotonic() - clock, 1)
        figures["corpus_mb"] = round(sum(Path(p).stat().st_size for p in paths) / 2**20, 1)

        clock = time.monotonic()
        pages = []
        for path in paths:
            with open(path, "rb") as stream:
                pages.extend(read_warc(stream, path))
        read_s = time.monotonic() - clock
        gate = compile_gate(story)
        clock = time.perf_counter()
        passed = {p.url for p in pages if gate.passes(p.body, p.charset)}
        gate_s = time.perf_counter() - clock
        raw_mb = sum(len(p.body) for p in pages) / 2**20
        figures.update(raw_html_mb=round(raw_mb, 1),
                       warc_read_gzip_mb_per_s=round(figures["corpus_mb"] / read_s, 1),
                       gate_raw_mb_per_s=round(raw_mb / gate_s, 1))
        figures.update(warc_read_records_per_s=round(len(pages) / read_s),
                       gate_records_per_s=round(len(pages) / gate_s),
                       gate_pass_share=round(len(passed) / len(pages), 4))
        print(f"corpus: {len(pages)} HTML records in {args.files} files "
              f"({figures['corpus_mb']} MB gzip); WARC read {figures['warc_read_records_per_s']}"
              f" records/s; gate {figures['gate_records_per_s']} records/s, lets "
              f"{len(passed)} through ({figures['gate_pass_share']:.2%})")

        clock = time.monotonic()
        with multiprocessing.get_context("fork").Pool(2, initializer=_pool_init) as pool:
            verdicts = pool.map(_full_path, [(p.url, p.charset, p.body) for p in pages],
                                chunksize=64)
        full_s = time.monotonic() - clock
        kept = {url for url, is_kept, _ in verdicts if is_kept}
        extract_cpu_s = sum(seconds for _, _, seconds in verdicts)
        del pages
        recall = len(kept & passed) / len(kept) if kept else 0.0
        figures.update(
            full_path_kept=len(kept), gate_recall=round(recall, 4),
            full_path_records_per_s_2proc=round(len(verdicts) / full_s),
            extract_ms_per_record=round(1000 * extract_cpu_s / len(verdicts), 3),
            gate_ms_per_record=round(1000 * gate_s / len(verdicts), 4),
        )
        figures["gate_speedup_vs_extraction"] = round(
            figures["extract_ms_per_record"] / figures["gate_ms_per_record"], 1)
        print(f"full path (extract + judge, 2 processes): "
              f"{figures['full_path_records_per_s_2proc']} records/s, keeps {len(kept)}; "
              f"gate recall {recall:.3f}; extraction "
              f"{figures['extract_ms_per_record']} ms/record vs gate "
              f"{figures['gate_ms_per_record']} ms/record "
              f"({figures['gate_speedup_vs_extraction']}x)")

        plain_s, plain_units_s, plain_load_s = run_plain(paths, folder / "plain.duckdb")
        figures.update(plain_s=round(plain_s, 1), plain_records_per_s=round(args.records / plain_s),
                       plain_units_s=round(plain_units_s, 1), plain_load_s=round(plain_load_s, 1))
        print(f"plain functions, one process, no Prefect or Dask: {plain_s:.1f} s "
              f"({figures['plain_records_per_s']} records/s; units {plain_units_s:.1f} s, "
              f"loading {plain_load_s:.1f} s)")

        run_flow(paths[:1], folder / "warmup.duckdb", workers=1)  # Prefect's server starts
        for workers in (1, 2):
            seconds, main_peak, summary = run_flow(paths, folder / f"w{workers}.duckdb",
                                                   workers)
            peaks: dict[int, float] = {}
            for result in summary.results:
                peaks[result.worker_pid] = max(peaks.get(result.worker_pid, 0.0),
                                               result.worker_peak_mb)
            unit_s = sum(r.seconds for r in summary.results)
            unit_cpu_s = sum(r.cpu_seconds for r in summary.results)
            gate_in_units = sum(r.gate_seconds for r in summary.results)
            figures[f"e2e_{workers}w_s"] = round(seconds, 1)
            figures[f"e2e_{workers}w_records_per_s"] = round(summary.records / seconds)
            figures[f"e2e_{workers}w_articles_added"] = summary.articles_added
            figures[f"e2e_{workers}w_unit_s"] = round(unit_s, 1)
            figures[f"e2e_{workers}w_unit_cpu_s"] = round(unit_cpu_s, 1)
            # What orchestration adds: the cluster's start and stop, task runs, state updates.
            figures[f"e2e_{workers}w_overhead_s"] = round(seconds - plain_s, 1)
            figures[f"e2e_{workers}w_gate_s"] = round(gate_in_units, 1)
            figures[f"e2e_{workers}w_main_peak_mb"] = main_peak
            figures[f"e2e_{workers}w_worker_peaks_mb"] = sorted(peaks.values())
            print(f"end to end, {workers} worker(s): {seconds:.1f} s, "
                  f"{figures[f'e2e_{workers}w_records_per_s']} records/s, "
                  f"{summary.articles_added} articles added; units {unit_s:.1f} s of work, "
                  f"{unit_cpu_s:.1f} s CPU (gate {gate_in_units:.1f} s); main peak "
                  f"{main_peak} MB, workers "
                  f"{sorted(peaks.values())} MB")
        figures["e2e_2w_over_1w"] = round(figures["e2e_1w_s"] / figures["e2e_2w_s"], 2)
        figures["e2e_2w_s_per_million_records"] = round(
            1e6 / figures["e2e_2w_records_per_s"])
    figures["plain_s_per_million_records"] = round(1e6 / figures["plain_records_per_s"])
    figures["worker_cpu_s_per_million_records"] = round(
        1e6 * figures["e2e_1w_unit_cpu_s"] / args.records)
    print(f"2 workers / 1 worker: {figures['e2e_2w_over_1w']}x; "
          f"{figures['e2e_2w_s_per_million_records']} s per million records on 2 workers")
    print(json.dumps(figures))
    return 0 if figures["gate_recall"] == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
