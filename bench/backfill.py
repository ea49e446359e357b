"""The backfill at archive scale: reading and gating against the hardware's floor, the gate's
recall, and the flow's fixed and per-record costs on 1 and 2 Dask workers, over a generated
WARC corpus with the replay's articles hidden in it.

    .venv/bin/python bench/backfill.py [--records 20000] [--files 8] [--scale 5]

The corpus (presswatch/demo/archive.py): the replay's 36 articles at random positions among
generated unrelated news pages (3-12 KB, one in twenty a near miss naming OpenAI, Hugging Face
or the Italian "sora"), split over gzip-per-record WARC files as CC-NEWS writes them.

All speeds are CPU seconds of this process (the machine is shared: wall time moves with the
neighbours, CPU time much less), in records/s and MB of HTML/s per core:

1. floor: fastwarc alone reading every response record's body (what the hardware allows);
2. read: presswatch's read_warc (pages with their URL, date and headers);
3. gate: the gate over bodies already in memory; the share its byte test sends on;
4. read + gate: both, streaming, as a worker runs them (the byte test on each body as it is
   read, pages made only for those it keeps); its ratio to the floor;
5. recall: every record through extraction + the judge (two processes): the pages the full
   path keeps that the gate passes (must be 1.0);
6. plain: the backfill's stages as plain functions in this process (no Prefect, no Dask);
7. flow: the real backfill flow (Prefect, a Dask LocalCluster, spaCy on the workers, the one
   writer, checks, snapshot) into a fresh warehouse, after a warm-up run on one file: on 1
   worker over the corpus, then over the same files grown `--scale` times (more unrelated
   pages appended to each file, so the number of files stays the same), on 1 and then 2
   workers. CPU time is counted per process: the workers' whole processes (imports, Dask,
   Prefect's task runs, their units), this process (planning, Prefect, the cluster,
   loading, checks, snapshot) and the Prefect server when the benchmark started it. The
   difference between the two sizes is the marginal cost (CPU seconds per million records,
   and the flow's MB of HTML per CPU second against read + gate's); what is left at the
   smaller size is the fixed cost of a backfill and of a worker. The 2/1 worker ratio is
   measured at the larger size.

Prefect and Dask log only warnings here, so the last line printed is the JSON of every figure.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # before Prefect is imported
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")  # busy machines
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # the cluster's INFO lines, too

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastwarc.warc import ArchiveIterator, WarcRecordType  # noqa: E402

from presswatch.archives.warc import read_warc  # noqa: E402
from presswatch.demo.archive import archive_records, unrelated_page, write_warc  # noqa: E402
from presswatch.nlp.gate import compile_gate  # noqa: E402
from presswatch.nlp.relevance import compile_rules, score_with_rules  # noqa: E402
from presswatch.records import FetchedPage  # noqa: E402
from presswatch.spiders.extract import NoArticleText, extract_article  # noqa: E402
from presswatch.story import default_story_path, load_story  # noqa: E402

SINCE, UNTIL = date(2024, 11, 19), date(2025, 3, 31)  # every capture of the corpus
MB = 2**20


def _reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets this process's high-water RSS (VmHWM)."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _full_path(args: tuple[str, str | None, bytes]) -> tuple[str, bool]:
    """(url, kept by extraction + judge): one record, in a pool process."""
    url, charset, body = args
    page = FetchedPage(url, url, 200, datetime(2024, 12, 31, tzinfo=UTC), "bench",
                       encoding=charset)
    try:
        article = extract_article(page, body)
    except NoArticleText:
        return url, False
    return url, score_with_rules(article, _full_path.rules).is_relevant  # type: ignore[attr-defined]


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


def _extra_file(args: tuple[str, int, int]) -> int:
    """Unrelated pages numbered from `first`, as a WARC file at `path` (in a pool process):
    the HTML bytes written."""
    path, first, count = args
    rng = random.Random(first)
    records = [unrelated_page(rng, number) for number in range(first, first + count)]
    write_warc(Path(path), records)
    return sum(len(record.body) for record in records)


def grow_corpus(paths: list[str], folder: Path, records: int, extra: int) -> tuple[list[str],
                                                                                   int]:
    """Each file of the corpus with more unrelated pages after its own (gzip-per-record WARC
    files can be joined end to end): the same files, `extra` records more in all, numbered
    after the corpus's `records` so no URL repeats. (paths, HTML bytes added)."""
    folder.mkdir()
    share = extra // len(paths)
    jobs = [(str(folder / f"extra-{i}.warc.gz"), records + i * share,
             share + (extra % len(paths) if i == len(paths) - 1 else 0))
            for i in range(len(paths))]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        added = sum(pool.map(_extra_file, jobs, chunksize=1))
    grown = []
    for path, (extra_path, _, _) in zip(paths, jobs, strict=True):
        target = folder / Path(path).name
        with target.open("wb") as out:
            for part in (path, extra_path):
                with open(part, "rb") as source:
                    while chunk := source.read(2**22):
                        out.write(chunk)
        Path(extra_path).unlink()
        grown.append(str(target))
    return grown, added


def floor(paths: list[str]) -> tuple[int, int, float]:
    """fastwarc alone: (response records, body bytes, CPU seconds)."""
    records = size = 0
    clock = time.process_time()
    for path in paths:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.response,
                                          parse_http=True, auto_decode="transfer"):
                size += len(record.reader.read())
                records += 1
    return records, size, time.process_time() - clock


def read_and_gate(paths: list[str], gate) -> tuple[int, int, float]:
    """A worker's first steps, streaming, as process_unit runs them: the byte test as each
    page's bytes are read, the exact test on the few it keeps. (pages, passed, CPU seconds)."""
    pages = passed = 0
    clock = time.process_time()
    for path in paths:
        with open(path, "rb") as stream:
            warc = read_warc(stream, path, keep=gate.may_pass)
            passed += sum(gate.passes(page.body, page.charset) for page in warc)
            pages += warc.pages
    return pages, passed, time.process_time() - clock


def _children_cpu() -> float:
    """CPU seconds of this process's ended children: Dask's worker processes once the flow
    has closed its cluster."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int | None) -> float:
    """CPU seconds a running process (the Prefect server) has used so far; 0 if none."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def run_flow(paths: list[str], db: Path, workers: int, server_pid: int | None) -> dict:
    from presswatch.flows.backfill import run_backfill
    from presswatch.runs.backfill import BackfillSettings, Sources

    settings = BackfillSettings(story_path=default_story_path(), db_path=db, since=SINCE,
                                until=UNTIL, sources=Sources(warcs=tuple(paths)),
                                workers=workers)
    _reset_peak()
    children, server = _children_cpu(), _process_cpu(server_pid)
    clock, cpu_clock = time.monotonic(), time.process_time()
    summary = run_backfill(settings)
    seconds, main_cpu = time.monotonic() - clock, time.process_time() - cpu_clock
    peaks: dict[int, float] = {}
    for result in summary.results:
        peaks[result.worker_pid] = max(peaks.get(result.worker_pid, 0.0),
                                       result.worker_peak_mb)
    return {"s": round(seconds, 1), "records": summary.records,
            "articles_added": summary.articles_added,
            "workers_cpu_s": round(_children_cpu() - children, 2),
            "units_cpu_s": round(sum(r.cpu_seconds for r in summary.results), 2),
            "gate_s": round(sum(r.gate_seconds for r in summary.results), 2),
            "main_cpu_s": round(main_cpu, 2),
            "server_cpu_s": round(_process_cpu(server_pid) - server, 2),
            "main_peak_mb": _peak_mb(), "worker_peaks_mb": sorted(peaks.values())}


def _flow_line(name: str, run: dict) -> str:
    return (f"flow, {name}: {run['records']} records, {run['s']} s wall, "
            f"{run['articles_added']} articles added; CPU s: workers {run['workers_cpu_s']} "
            f"(their units {run['units_cpu_s']}), main process {run['main_cpu_s']}, Prefect "
            f"server {run['server_cpu_s']}; peaks: main {run['main_peak_mb']} MB, workers "
            f"{run['worker_peaks_mb']} MB")


def split_costs(small: dict, large: dict, small_mb: float, large_mb: float) -> dict:
    """Fixed and marginal costs from one worker's runs at two sizes: the difference is what
    the added records cost; what is left at the smaller size is the backfill's fixed cost
    (and the worker's, its imports, model and Dask and Prefect set-up)."""
    added = large["records"] - small["records"]
    costs: dict[str, float] = {}
    for part in ("workers", "units", "main", "server"):
        per_record = (large[f"{part}_cpu_s"] - small[f"{part}_cpu_s"]) / added
        costs[f"marginal_{part}_cpu_s_per_million_records"] = round(1e6 * per_record, 1)
        costs[f"fixed_{part}_cpu_s"] = round(small[f"{part}_cpu_s"]
                                             - per_record * small["records"], 2)
    total = sum(large[f"{p}_cpu_s"] - small[f"{p}_cpu_s"] for p in ("workers", "main", "server"))
    costs["marginal_cpu_s_per_million_records"] = round(1e6 * total / added, 1)
    costs["marginal_mb_per_cpu_s"] = round((large_mb - small_mb) / total, 1) if total > 0 else 0.0
    return costs


def run_plain(paths: list[str], db: Path) -> tuple[float, float]:
    """The same stages as plain functions in this process, one unit after another, without
    Prefect or Dask: (CPU seconds in all, of which processing units)."""
    from presswatch.runs import backfill as bs
    from presswatch.runs import backfill_unit as bu

    story = load_story(default_story_path())
    out = bs.units_dir(db, story, SINCE, UNTIL)
    clock = time.process_time()
    clients = bu.Clients("bench", story.crawl.address_policy(), bu.Endpoints(), 0.0)
    units = bs.plan_units(story, bs.Sources(warcs=tuple(paths)), SINCE, UNTIL, clients).units
    writer = bs.begin_backfill(story, db, out, 120.0)
    results = [bu.process_unit(u, story, SINCE, UNTIL, out, clients) for u in units]
    for unit, result in zip(units, results, strict=True):
        if not result.error:
            bs.load_unit(writer, out, unit)
    bs.finish_backfill(writer, units, results, alert=False)
    return time.process_time() - clock, sum(r.cpu_seconds for r in results)


def check_recall(pages: list, passed: set[str]) -> dict:
    """Every record through extraction + the judge (two processes): of the pages that path
    keeps, the share the gate passes."""
    clock = time.monotonic()
    with multiprocessing.get_context("fork").Pool(2, initializer=_pool_init) as pool:
        verdicts = pool.map(_full_path, [(p.url, p.charset, p.body) for p in pages],
                            chunksize=64)
    full_s = time.monotonic() - clock
    kept = {url for url, is_kept in verdicts if is_kept}
    f = {"full_path_kept": len(kept),
         "gate_recall": round(len(kept & passed) / len(kept), 4) if kept else 0.0,
         "full_path_records_per_s_2proc": round(len(verdicts) / full_s)}
    print(f"full path (extract + judge, 2 processes): {f['full_path_records_per_s_2proc']} "
          f"records/s wall, keeps {len(kept)}; gate recall {f['gate_recall']}")
    return f


def time_plain(paths: list[str], db: Path, records: int) -> dict:
    plain_cpu, plain_units_cpu = run_plain(paths, db)
    f = {"plain_cpu_s": round(plain_cpu, 2), "plain_units_cpu_s": round(plain_units_cpu, 2),
         "plain_cpu_s_per_million_records": round(1e6 * plain_cpu / records)}
    print(f"plain functions, one process: {plain_cpu:.1f} CPU s "
          f"({f['plain_cpu_s_per_million_records']} per million records; units "
          f"{plain_units_cpu:.1f} s)")
    return f


def _prefect_server():
    """One Prefect server for every flow run of the benchmark, unless one is configured."""
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        return None
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--scale", type=int, default=5,
                        help="the larger flow run reads the files grown this many times")
    parser.add_argument("--flow-only", action="store_true",
                        help="skip the recall check and the plain functions (steps 5 and 6): "
                             "for measuring the flow again after a change")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                        help="skip the warm-up flow run (the test suite's quick run)")
    args = parser.parse_args(argv)
    story = load_story(default_story_path())
    gate = compile_gate(story)
    f: dict[str, object] = {"records": args.records, "files": args.files}
    with tempfile.TemporaryDirectory(prefix="presswatch-backfill-bench-") as tmp:
        folder = Path(tmp)
        paths = write_corpus(folder, args.records, args.files)
        f["corpus_gzip_mb"] = round(sum(Path(p).stat().st_size for p in paths) / MB, 1)

        records, size, cpu = floor(paths)
        html_mb = size / MB
        f.update(html_mb=round(html_mb, 1), floor_records_per_s=round(records / cpu),
                 floor_mb_per_s=round(html_mb / cpu, 1))

        clock = time.process_time()
        pages = []
        for path in paths:
            with open(path, "rb") as stream:
                pages.extend(read_warc(stream, path))
        cpu = time.process_time() - clock
        f.update(read_records_per_s=round(len(pages) / cpu), read_mb_per_s=round(html_mb / cpu, 1))

        clock = time.process_time()
        first = sum(gate.may_pass(p.body) for p in pages)
        byte_test_cpu = time.process_time() - clock
        clock = time.process_time()
        passed = {p.url for p in pages if gate.passes(p.body, p.charset)}
        cpu = time.process_time() - clock
        f.update(gate_records_per_s=round(len(pages) / cpu), gate_mb_per_s=round(html_mb / cpu, 1),
                 gate_byte_test_mb_per_s=round(html_mb / byte_test_cpu, 1),
                 gate_byte_test_share=round(first / len(pages), 4),
                 gate_pass_share=round(len(passed) / len(pages), 4))

        n, n_passed, cpu = read_and_gate(paths, gate)
        assert (n, n_passed) == (len(pages), len(passed))
        f.update(read_gate_records_per_s=round(n / cpu), read_gate_mb_per_s=round(html_mb / cpu, 1))
        f["read_gate_of_floor"] = round(f["read_gate_mb_per_s"] / f["floor_mb_per_s"], 2)
        print(f"corpus: {len(pages)} HTML records, {f['html_mb']} MB of HTML in {args.files} "
              f"files ({f['corpus_gzip_mb']} MB gzip); per core (CPU seconds):")
        for name, key in (("fastwarc alone (the floor)", "floor"), ("presswatch read", "read"),
                          ("gate", "gate"), ("read + gate", "read_gate")):
            print(f"  {name:28} {f[f'{key}_records_per_s']:>8} records/s "
                  f"{f[f'{key}_mb_per_s']:>7} MB/s")
        print(f"  the gate's byte test sends {f['gate_byte_test_share']:.2%} on to the exact "
              f"test, which passes {f['gate_pass_share']:.2%}; read + gate is "
              f"{f['read_gate_of_floor']} of the floor")

        if not args.flow_only:
            f.update(check_recall(pages, passed))
            f.update(time_plain(paths, folder / "plain.duckdb", args.records))
        del pages
        extra = args.records * (args.scale - 1)
        large_paths, added_bytes = grow_corpus(paths, folder / "grown", args.records, extra)
        large_mb = html_mb + added_bytes / MB
        f.update(large_records=args.records + extra, large_html_mb=round(large_mb, 1))
        server = _prefect_server()
        server_pid = server.server_process.pid if server is not None else None
        try:
            if args.warm_up:
                run_flow(paths[:1], folder / "warmup.duckdb", 1, server_pid)
            runs = (("small_1w", paths, 1), ("large_1w", large_paths, 1),
                    ("large_2w", large_paths, 2))
            for name, files, workers in runs:
                run = run_flow(files, folder / f"{name}.duckdb", workers, server_pid)
                f[f"flow_{name}"] = run
                print(_flow_line(name.replace("_", ", ").replace("1w", "1 worker")
                                 .replace("2w", "2 workers"), run))
        finally:
            if server is not None:
                server.stop()
    small, large, large_2w = f["flow_small_1w"], f["flow_large_1w"], f["flow_large_2w"]
    f.update(split_costs(small, large, html_mb, large_mb))
    f["flow_marginal_of_read_gate"] = round(f["marginal_mb_per_cpu_s"]
                                            / f["read_gate_mb_per_s"], 2)
    f["fixed_cpu_s_second_worker"] = round(large_2w["workers_cpu_s"]
                                           - large["workers_cpu_s"], 2)
    f["flow_2w_over_1w"] = round(large["s"] / large_2w["s"], 2)
    f["main_share_large_1w"] = round(large["main_cpu_s"] / sum(
        large[f"{p}_cpu_s"] for p in ("workers", "main", "server")), 2)
    f["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(f"marginal cost, CPU s per million records: workers "
          f"{f['marginal_workers_cpu_s_per_million_records']} (their units "
          f"{f['marginal_units_cpu_s_per_million_records']}), main process "
          f"{f['marginal_main_cpu_s_per_million_records']}, Prefect server "
          f"{f['marginal_server_cpu_s_per_million_records']}; all "
          f"{f['marginal_cpu_s_per_million_records']}: {f['marginal_mb_per_cpu_s']} MB of HTML "
          f"per CPU s, {f['flow_marginal_of_read_gate']} of read + gate per core")
    print(f"fixed cost of a backfill, CPU s: main process {f['fixed_main_cpu_s']}, Prefect "
          f"server {f['fixed_server_cpu_s']}, one worker {f['fixed_workers_cpu_s']} (in its "
          f"units {f['fixed_units_cpu_s']}); a second worker {f['fixed_cpu_s_second_worker']}")
    print(f"2 workers / 1 worker at {large['records']} records (wall): "
          f"{f['flow_2w_over_1w']}x; the main process's share of 1 worker's run's CPU "
          f"{f['main_share_large_1w']}; load average {f['load_average']}")
    sys.stdout.flush()
    print(json.dumps(f), flush=True)
    return 0 if args.flow_only or f["gate_recall"] == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
