"""End to end: the real daily flow over a synthetic coverage site, against plain `nlp.pipe`.

    .venv/bin/python bench/e2e.py [--articles 2000] [--profile out.html]
    .venv/bin/python bench/e2e.py --articles 1000 --repeat 5
    .venv/bin/python bench/e2e.py --existing 100000 [--articles 1000]

The default mode serves N articles (bench/sitegen.py, in its own process), runs the daily flow
(Prefect, Scrapy child, trafilatura, relevance, spaCy, syndication, statements, DuckDB, alerts,
publish) into a fresh warehouse, then runs it again with nothing new. It prints per-stage
seconds, throughput, peak RSS and the quiet run's requests and parsed documents, then times
plain `spacy.load(model).pipe` over the very texts the flow analysed (read back from the
warehouse), in this same process, with as many processes as the story's `[nlp] n_process` (the
flow's own), as the reference (--plain-one-process adds the one-process figure). --repeat K
runs the full run K times, each into a fresh warehouse and each followed by its own reference,
and reports the median ratio with each run's.

--existing M adds the N articles to an empty warehouse and to one already holding M synthetic
articles (rows written straight through presswatch/warehouse/store.py load_batch), and reports the
ratio.

Stages are timed by wrapping the functions presswatch/runs/ calls (the real ones run; the
wrappers only read the clock), so the figures come from the real flow. The runs report to the
Prefect server `presswatch run` would use (PREFECT_API_URL, else one already running, else a
temporary one started once for the whole bench: presswatch/flows/api.py), and a warm-up run on a
small site first loads what loads lazily, so no measured run pays for start-up.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on sys.path, and bench/warehouse.py would shadow
# the warehouse package: put the checkout there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
from presswatch.runs.settings import PREFECT_DEFAULTS  # noqa: E402

for _name, _value in PREFECT_DEFAULTS.items():  # as `presswatch run` sets them, before Prefect
    os.environ.setdefault(_name, _value)

from presswatch.demo.server import to_toml  # noqa: E402
from presswatch.story import Feed, Sitemap, Story, default_story_path, load_story  # noqa: E402

SITEGEN = Path(__file__).with_name("sitegen.py")
# Issue 27: e2e at least 0.8 of plain nlp.pipe at the same number of processes, a quiet re-run
# under 5 % of a full one.
TARGETS = {"ratio": 0.8, "quiet_share": 0.05, "growth_ratio": 1.2}


class BenchError(RuntimeError):
    """The benchmark could not run: the message says which step and why."""


# ---------------------------------------------------------------------------------------------
# The site, in its own process


class SiteProcess:
    """bench/sitegen.py serving N articles; asked for its request counts over stdin/stdout."""

    def __init__(self, n_articles: int, seed: int) -> None:
        self.child = subprocess.Popen(
            [sys.executable, str(SITEGEN), "serve", "--articles", str(n_articles),
             "--seed", str(seed)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        line = self.child.stdout.readline()
        if not line:
            raise BenchError(f"{SITEGEN} exited with code {self.child.wait()} before serving")
        self.bases: list[str] = json.loads(line)["outlets"]

    def _ask(self, command: str) -> dict:
        self.child.stdin.write(command + "\n")
        self.child.stdin.flush()
        return json.loads(self.child.stdout.readline())

    def stats(self) -> dict[str, int]:
        return self._ask("stats")

    def reset(self) -> None:
        self._ask("reset")

    def close(self) -> None:
        self.child.stdin.close()
        self.child.wait(timeout=30)


def bench_story(bases: list[str], folder: Path) -> Path:
    """The bundled Sora story with the site's feeds and sitemaps, written as a story file."""
    base = load_story(default_story_path())
    crawl = base.crawl.model_copy(update={"allow_private_hosts": True, "download_delay": 0.0})
    story = base.model_copy(update={
        "feeds": [Feed(url=f"{b}/feed.xml", name=f"outlet {i} feed")
                  for i, b in enumerate(bases)],
        "sitemaps": [Sitemap(url=f"{b}/news-sitemap.xml", name=f"outlet {i} sitemap")
                     for i, b in enumerate(bases)],
        "gdelt": [],  # the synthetic site's sources only, never the live GDELT API
        "crawl": crawl,
    })
    path = folder / "bench-story.toml"
    path.write_text(to_toml(story.model_dump(mode="json")), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Timing the real stages


class StageClock:
    """Seconds, counts and this process's peak RSS per stage, gathered by wrapping what
    presswatch/runs/ calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.system_cpu_s: dict[str, float] = defaultdict(float)  # this process's, in the kernel
        self.counts: dict[str, int] = defaultdict(int)
        self.peaks = StagePeaks()

    def reset(self) -> None:
        self.seconds.clear()
        self.system_cpu_s.clear()
        self.counts.clear()
        self.peaks.reset()

    def timed(self, name: str, function: Callable, count: Callable | None = None) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            system = resource.getrusage(resource.RUSAGE_SELF).ru_stime
            self.peaks.enter(name)
            try:
                return function(*args, **kwargs)
            finally:
                self.peaks.leave(name)
                self.seconds[name] += time.perf_counter() - started
                self.system_cpu_s[name] += (resource.getrusage(resource.RUSAGE_SELF).ru_stime
                                            - system)
                if count is not None:
                    self.counts[name] += count(*args, **kwargs)

        return wrapper

    def timed_iter(self, name: str, function: Callable) -> Callable:
        """For generator functions: time each step, count the items."""

        @functools.wraps(function)
        def wrapper(*args, **kwargs) -> Iterator:
            iterator = iter(function(*args, **kwargs))
            while True:
                started = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    self.seconds[name] += time.perf_counter() - started
                    return
                self.seconds[name] += time.perf_counter() - started
                self.counts[name] += 1
                yield item

        return wrapper


def instrument(clock: StageClock) -> None:
    """Wrap the stage functions the flow calls by attribute, so the real ones run timed."""
    from presswatch.flows import artifacts, daily
    from presswatch.nlp import pipeline
    from presswatch.report import build
    from presswatch.runs import analysis, context, held
    from presswatch.runs import daily as daily_run
    from presswatch.warehouse.store import Warehouse

    def wrap(name: str, wrapped, modules) -> None:
        """The same timed function under `name` in every run module that calls it."""
        for module in modules:
            setattr(module, name, wrapped)

    for name in ("begin_run", "crawl_and_process", "finish_run"):
        setattr(daily_run, name, clock.timed(name, getattr(daily_run, name)))
    daily.run_alerts = clock.timed("alerts", daily.run_alerts)
    daily.publish_run_artifacts = clock.timed("report_and_artifacts",
                                              daily.publish_run_artifacts)
    artifacts.build_report = clock.timed("report_and_artifacts.report", artifacts.build_report)
    build.read_report_data = clock.timed("report_and_artifacts.report.read",
                                         build.read_report_data)
    build.write_pages = clock.timed("report_and_artifacts.report.write", build.write_pages)
    for name in ("create_markdown_artifact", "create_table_artifact"):
        setattr(artifacts, name, clock.timed(f"report_and_artifacts.{name}",
                                             getattr(artifacts, name)))
    daily_run.statement_details = clock.timed("finish.new_statements",
                                              daily_run.statement_details)
    analysis.extract_pages = clock.timed_iter("process.extract", analysis.extract_pages)
    wrap("open_warehouse", clock.timed("process.open_warehouse", context.open_warehouse,
                                       lambda *a, **k: 1), (context, daily_run, held))
    wrap("signature_candidates", clock.timed("process.signature_lookup",
                                             analysis.signature_candidates), (analysis, held))
    wrap("build_batch", clock.timed("process.syndication_statements", analysis.build_batch),
         (analysis, held))
    analysis.Analyzer.relevance = clock.timed("process.relevance", analysis.Analyzer.relevance,
                                              lambda self, articles: len(articles))
    # The spaCy stream pulls its input lazily: its steps also run the extraction and relevance
    # of the articles it reads next, which stage_figures takes out again.
    analysis.analyze_texts = clock.timed_iter("process.nlp_stream", analysis.analyze_texts)
    pipeline.build_pipeline = clock.timed("process.build_pipeline", pipeline.build_pipeline)
    Warehouse.load_batch = clock.timed("process.load_batch", Warehouse.load_batch)
    Warehouse.publish = clock.timed("finish.publish", Warehouse.publish)
    Warehouse.assert_checks = clock.timed("finish.publish.checks", Warehouse.assert_checks)
    Warehouse.publish_snapshot = clock.timed("finish.publish.snapshot",
                                             Warehouse.publish_snapshot)


def stage_figures(clock: StageClock, total: float) -> dict[str, float]:
    seconds = {k: round(v, 2) for k, v in sorted(clock.seconds.items())}
    outer = sum(clock.seconds[k] for k in ("begin_run", "crawl_and_process", "alerts",
                                           "finish_run", "report_and_artifacts"))
    # The spaCy stream's steps include the extraction and relevance they pulled in; at most
    # all of it, so this is a lower bound of spaCy's own time (exact with nothing before the
    # first relevant article).
    seconds["process.nlp"] = round(max(0.0, clock.seconds["process.nlp_stream"]
                                        - clock.seconds["process.extract"]
                                        - clock.seconds["process.relevance"]), 2)
    seconds["prefect_and_flow_overhead"] = round(total - outer, 2)
    return seconds


# ---------------------------------------------------------------------------------------------
# Runs


class RssTrace:
    """This process's current RSS at each progress report of the analyse stage: a flat line
    means memory does not grow with the crawl's size."""

    def __init__(self) -> None:
        self.points: list[tuple[int, float]] = []

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage == "analyse":
            self.points.append((done, current_rss_mb()))

    def summary(self, keep: int = 8) -> list[tuple[int, float]]:
        step = max(1, len(self.points) // keep)
        return self.points[::step] + self.points[-1:]


def current_rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class StagePeaks:
    """This process's high-water RSS within each timed stage (nested ones count in their outer
    stages too): at every stage boundary the kernel's high-water mark (VmHWM) is folded into
    the open stages, then reset (Linux's /proc/self/clear_refs). The run's overall peak is kept
    apart, since the reset also lowers getrusage's ru_maxrss."""

    def __init__(self) -> None:
        self.mb: dict[str, float] = {}
        self.open: list[str] = []
        self.overall = 0.0

    def reset(self) -> None:
        self.mb.clear()
        self.overall = 0.0

    def _fold(self) -> None:
        high = current_rss_mb("VmHWM")
        self.overall = max(self.overall, high)
        for name in self.open:
            self.mb[name] = max(self.mb.get(name, 0.0), high)
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
                clear.write("5")
        except OSError:  # not Linux, or not allowed: the peaks then run from the start
            pass

    def enter(self, name: str) -> None:
        self._fold()
        self.open.append(name)

    def leave(self, name: str) -> None:
        self._fold()
        self.open.remove(name)


class TreeFootprint:
    """The run's real memory: the summed proportional set size (PSS: a page shared by n
    processes counts 1/n in each) of this process and its descendants but the site's,
    sampled in a thread, and its peak. RUSAGE_CHILDREN's maxrss is no measure of it: a child
    started by (v)fork and exec keeps the parent's RSS at that moment as its own peak, and the
    forked spaCy processes share this process's pages, so the sum of the two double counts."""

    def __init__(self, exclude: set[int], interval_s: float = 0.25) -> None:
        self.exclude = exclude
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self.peak_processes = 0
        self.peak_by_role: dict[str, float] = {}
        self.own_peak_by_role: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="footprint", daemon=True)

    def __enter__(self) -> TreeFootprint:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        own_command = _command(os.getpid())
        while not self._stop.wait(self.interval_s):
            by_role: dict[str, float] = {}
            pids = [pid for pid in _tree(os.getpid()) if pid not in self.exclude]
            for pid in pids:
                role = _role(pid, own_command)
                mb = _pss_kb(pid) / 1024
                by_role[role] = by_role.get(role, 0.0) + mb
                self.own_peak_by_role[role] = round(max(self.own_peak_by_role.get(role, 0.0),
                                                        mb), 1)
            total = sum(by_role.values())
            if total > self.peak_mb:
                self.peak_mb, self.peak_processes = round(total, 1), len(pids)
                self.peak_by_role = {role: round(mb, 1) for role, mb in by_role.items()}


def _tree(root: int) -> list[int]:
    """root and its descendants, whichever of their threads started them."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in children.read_text().split())
            except OSError:  # the process ended meanwhile
                pass
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:  # ended meanwhile
        return ""


def _role(pid: int, own_command: str) -> str:
    """Which of the run's processes pid is: this one, a fork of it (the spaCy workers, the
    report's second process) or a started program, named by its first words."""
    if pid == os.getpid():
        return "this process"
    command = _command(pid)
    if command == own_command:
        return "forks of this process"
    words = [Path(word).name if word.startswith("/") else word for word in command.split()]
    return " ".join(words[:4]) or "ended"


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:  # ended meanwhile
        pass
    return 0


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (crawl, spaCy workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_flow(story_path: Path, db_path: Path,
             progress: Callable[[str, int, int | None], None] | None = None
             ) -> tuple[object, float, float]:
    """One real flow run: (summary, wall seconds, CPU seconds)."""
    from presswatch.flows.daily import daily_with_settings
    from presswatch.runs.context import progress_to, quiet
    from presswatch.runs.settings import run_settings

    settings = run_settings(str(story_path), str(db_path), None, True, os.environ)
    cpu = cpu_seconds()
    started = time.perf_counter()
    with progress_to(progress or quiet):
        summary = daily_with_settings(settings)
    return summary, time.perf_counter() - started, cpu_seconds() - cpu


WARM_UP_ARTICLES = 20


def warm_up(folder: Path, seed: int) -> float:
    """One run over a small site of other articles into its own warehouse: loads what loads
    lazily (models, language identifier, Prefect's client), so that the measured runs compare
    steady states and none pays for start-up."""
    site = SiteProcess(WARM_UP_ARTICLES, seed + 1000)
    try:
        warm = folder / "warm-up"
        warm.mkdir(exist_ok=True)
        _, seconds, _ = run_flow(bench_story(site.bases, warm), warm / "warm-up.duckdb")
    finally:
        site.close()
    return seconds


def peak_rss_mb(peaks: StagePeaks) -> dict[str, float]:
    """High-water RSS of this process and of the largest finished child (the crawl, spaCy
    workers); Linux reports kilobytes. The stages' resets lower this process's own figure:
    their overall peak makes up for it."""
    own = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, peaks.overall)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"main_peak_rss_mb": round(own, 1), "child_peak_rss_mb": round(children, 1),
            "peak_rss_mb": round(own + children, 1)}


def analysed_texts(db_path: Path) -> list[str]:
    """The texts the flow ran spaCy on, as stored: the reference parses exactly these."""
    from presswatch.warehouse.store import open_warehouse

    with open_warehouse(db_path, read_only=True) as warehouse:
        rows = warehouse.connection.execute(
            "select text from articles where nlp_status = 'done' order by article_id"
        ).fetchall()
    return [text for (text,) in rows]


def plain_pipe_words_per_s(texts: list[str], story: Story, n_process: int = 1,
                           rounds: int = 2) -> tuple[float, float]:
    """Words per wall second and per CPU second of the story's model, all its components, on
    the texts: the best of `rounds` (a busy shared CPU then penalises the reference no more
    than the flow)."""
    import spacy

    nlp = spacy.load(story.nlp.model)
    words = sum(len(t.split()) for t in texts)
    list(nlp.pipe(texts[:8]))  # first calls pay for lazy set-up
    best, best_cpu = float("inf"), float("inf")
    for _ in range(rounds):
        cpu = cpu_seconds()
        started = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=story.nlp.batch_size, n_process=n_process):
            pass
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, cpu_seconds() - cpu)
    return words / best, words / best_cpu


@contextmanager
def profiled(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        if path.suffix == ".html":
            path.write_text(profiler.output_html(), encoding="utf-8")
        else:
            path.write_text(profiler.output_text(unicode=True, show_all=False),
                            encoding="utf-8")


def full_and_quiet(args: argparse.Namespace, folder: Path) -> dict:
    clock = StageClock()
    instrument(clock)
    figures: dict = {"mode": "full_and_quiet", "articles": args.articles}
    if args.warm_up:
        figures["prefect_warm_up_s"] = round(warm_up(folder, args.seed), 2)
    clock.reset()
    site = SiteProcess(args.articles, args.seed)
    try:
        story_path = bench_story(site.bases, folder)
        story = load_story(story_path)
        db = folder / "bench.duckdb"
        trace = RssTrace()
        # Sampling costs CPU in this process: only in the memory mode, which times nothing.
        footprint = TreeFootprint({site.child.pid})
        with profiled(args.profile), footprint if args.first_run_only else nullcontext():
            summary, full, full_cpu = run_flow(story_path, db, trace)
        figures.update(peak_rss_mb(clock.peaks))
        if args.first_run_only:
            figures["peak_pss_mb"] = footprint.peak_mb
            figures["peak_pss_processes"] = footprint.peak_processes
            figures["peak_pss_by_role_mb"] = footprint.peak_by_role
            figures["own_peak_pss_by_role_mb"] = footprint.own_peak_by_role
        figures["rss_trace_mb"] = trace.summary()
        figures["stage_peak_rss_mb"] = dict(sorted(clock.peaks.mb.items()))
        figures["full_run_cpu_s"] = round(full_cpu, 2)
        first_requests = site.stats()
        figures["full_run_s"] = round(full, 2)
        figures["articles_added"] = summary.articles_added
        figures["full_requests"] = first_requests
        figures["stages_s"] = stage_figures(clock, full)
        # The kernel's share of writing the report's files: 0.2 s on a quiet disk, 1.5-2.5 s
        # within minutes of deleting thousands of files (bench/README.md, "Back to back").
        figures["report_write_system_cpu_s"] = round(
            clock.system_cpu_s["report_and_artifacts.report.write"], 2)
        figures["docs_parsed"] = clock.counts["process.nlp_stream"]
        figures["pages_extracted"] = clock.counts["process.extract"]
        figures["warehouse_opens"] = clock.counts["process.open_warehouse"]
        print_stage_table("first run", figures["stages_s"], full, clock.peaks.mb)
        print(f"  peak RSS so far: {figures['peak_rss_mb']} MB (this process "
              f"{figures['main_peak_rss_mb']}, largest child {figures['child_peak_rss_mb']}); "
              f"{full_cpu:.1f} CPU s", flush=True)
        if args.first_run_only:
            print(f"  peak footprint (summed PSS of the run's processes, sampled every "
                  f"{footprint.interval_s} s): {figures['peak_pss_mb']} MB; at the peak "
                  f"{footprint.peak_by_role}", flush=True)
            return figures

        clock.reset()
        site.reset()
        summary, quiet, quiet_cpu = run_flow(story_path, db)
        figures["quiet_run_cpu_s"] = round(quiet_cpu, 2)
        quiet_requests = site.stats()
        figures["quiet_run_s"] = round(quiet, 2)
        figures["quiet_share"] = round(quiet / full, 3)
        figures["quiet_requests"] = quiet_requests.get("requests", 0)
        figures["quiet_request_kinds"] = quiet_requests
        figures["quiet_articles_fetched"] = quiet_requests.get("article", 0)
        figures["quiet_docs_parsed"] = clock.counts["process.nlp_stream"]
        figures["quiet_pages_extracted"] = clock.counts["process.extract"]
        figures["quiet_articles_added"] = summary.articles_added
        figures["quiet_report_kept"] = summary.report_kept_from is not None
        figures["quiet_stages_s"] = stage_figures(clock, quiet)
        print_stage_table("quiet run", figures["quiet_stages_s"], quiet)

        texts = analysed_texts(db)
        relevant_words = sum(len(t.split()) for t in texts)
        figures["nlp_processes"] = story.nlp.n_process
        pairs = [Pair(full, full_cpu, *plain_pipe_words_per_s(
            texts, story, story.nlp.n_process, rounds=args.reference_rounds))]
        for repeat in range(2, args.repeat + 1):
            site.reset()
            again = folder / f"bench-{repeat}.duckdb"
            _, seconds, cpu = run_flow(story_path, again)
            if analysed_texts(again) != texts:
                raise BenchError(f"run {repeat} parsed other texts than the first run")
            pairs.append(Pair(seconds, cpu, *plain_pipe_words_per_s(
                texts, story, story.nlp.n_process, rounds=args.reference_rounds)))
            print(f"  run {repeat}: {seconds:.2f} s, {cpu:.1f} CPU s, ratio "
                  f"{pairs[-1].ratio(relevant_words):.3f}", flush=True)
    finally:
        site.close()

    all_words = article_words(db)
    figures["relevant_docs"] = len(texts)
    figures["relevant_words"] = relevant_words
    figures["all_words"] = all_words
    figures["articles_per_s"] = round(figures["articles_added"] / full, 2)
    figures["e2e_words_per_s"] = round(relevant_words / full)
    figures["e2e_all_words_per_s"] = round(all_words / full)
    figures.update(paired_figures(pairs, relevant_words))
    figures["load_average"] = os.getloadavg()[0]
    if args.plain_one_process:
        figures["nlp_words_per_s_1proc"] = round(plain_pipe_words_per_s(texts, story, 1)[0])
        figures["ratio_1proc"] = round(figures["e2e_words_per_s"]
                                       / figures["nlp_words_per_s_1proc"], 3)
    figures["targets"] = {
        "ratio>=0.8": figures["ratio"] >= TARGETS["ratio"],
        "quiet<5%": figures["quiet_share"] < TARGETS["quiet_share"],
        "quiet_no_article_fetched": figures["quiet_articles_fetched"] == 0,
        "quiet_report_kept": figures["quiet_report_kept"],
        "quiet_no_doc_parsed": figures["quiet_docs_parsed"] == 0
        and figures["quiet_pages_extracted"] == 0,
        "quiet_one_conditional_per_source": quiet_requests.get("conditional", 0)
        == quiet_requests.get("feed", 0) + quiet_requests.get("sitemap", 0)
        == 2 * len(site.bases),
    }
    return figures


@dataclass(frozen=True)
class Pair:
    """One full run and the reference timed right after it."""

    run_s: float
    run_cpu_s: float
    plain_words_per_s: float
    plain_words_per_cpu_s: float

    def ratio(self, words: int) -> float:
        return words / self.run_s / self.plain_words_per_s

    def cpu_ratio(self, words: int) -> float:
        return words / self.run_cpu_s / self.plain_words_per_cpu_s


def paired_figures(pairs: list[Pair], words: int) -> dict:
    """The reference's figures of the first pair (the stage table's run), and the median of
    every pair's ratios: the machine's speed drifts by a tenth within an hour, and one pair's
    ratio with it."""
    first = pairs[0]
    figures: dict = {
        "nlp_words_per_s": round(first.plain_words_per_s),
        "e2e_words_per_cpu_s": round(words / first.run_cpu_s),
        "nlp_words_per_cpu_s": round(first.plain_words_per_cpu_s),
        "ratio": round(statistics.median(p.ratio(words) for p in pairs), 3),
        # The same comparison in CPU seconds: what the flow costs beyond parsing, without the
        # time spent waiting for a core (the CPU the same work takes moves too).
        "cpu_ratio": round(statistics.median(p.cpu_ratio(words) for p in pairs), 3),
    }
    if len(pairs) > 1:
        figures["repeats"] = len(pairs)
        figures["ratio_runs"] = [round(p.ratio(words), 3) for p in pairs]
        figures["cpu_ratio_runs"] = [round(p.cpu_ratio(words), 3) for p in pairs]
        figures["full_run_s_runs"] = [round(p.run_s, 2) for p in pairs]
        figures["nlp_words_per_s_runs"] = [round(p.plain_words_per_s) for p in pairs]
        # Each side at its best: the reference already keeps its best of --reference-rounds
        figures["ratio_best_to_best"] = round(
            words / min(p.run_s for p in pairs) / max(p.plain_words_per_s for p in pairs), 3)
    return figures


def article_words(db_path: Path) -> int:
    from presswatch.warehouse.store import open_warehouse

    with open_warehouse(db_path, read_only=True) as warehouse:
        (words,) = warehouse.connection.execute(
            "select coalesce(sum(word_count), 0) from articles").fetchone()
    return int(words)


def print_stage_table(title: str, seconds: dict[str, float], total: float,
                      peaks: dict[str, float] | None = None) -> None:
    print(f"\n{title}: {total:.2f} s" + (" (and this process's peak RSS)" if peaks else ""))
    for name, value in seconds.items():
        peak = f" {peaks[name]:8.0f} MB" if peaks and name in peaks else ""
        print(f"  {name:44} {value:8.2f} s{peak}")


# ---------------------------------------------------------------------------------------------
# Growth: adding N to a warehouse of M


def fill_warehouse(db_path: Path, n_existing: int, seed: int, batch: int = 10_000) -> float:
    """M stored, analysed articles (with signatures and bands), loaded in big batches through
    load_batch, then published once, as a warehouse that has run for months would be."""
    import numpy as np

    from presswatch.nlp.syndication import NUM_PERM, ArticleSignature, band_rows
    from presswatch.records import Article, Relevance, stable_id
    Corpus = _sitegen().Corpus
    from presswatch.warehouse.batch import LoadBatch, Run
    from presswatch.warehouse.store import open_warehouse

    started = time.perf_counter()
    corpus = Corpus(min(n_existing, 2000), seed=seed + 1)  # texts reused; ids and URLs unique
    texts = [corpus.text(i) for i in range(corpus.n_articles)]
    rng = np.random.default_rng(seed)
    run_id = "20241101T000000000000Z-filler"
    day0 = datetime(2024, 11, 26, tzinfo=UTC)
    with open_warehouse(db_path) as warehouse:
        warehouse.load_batch(LoadBatch(run_id=run_id, runs=[Run(
            run_id, "sora-leak", day0, status="ok", finished_at=day0)]))
        for start in range(0, n_existing, batch):
            articles, relevance, signatures = [], [], []
            for i in range(start, min(start + batch, n_existing)):
                url = f"http://archive-{i % 50}.example/2024/11/{i}"
                article_id = stable_id(url)
                text = texts[i % len(texts)]
                published = day0 + timedelta(seconds=i * 30)
                articles.append(Article(
                    article_id=article_id, url=url, canonical_url=url,
                    outlet=f"archive-{i % 50}.example", title=f"Archived story {i}",
                    authors=["Archive Writer"], published_at=published, language="en",
                    text=text, word_count=len(text.split()), fetched_at=published,
                    source_url=f"http://archive-{i % 50}.example/feed.xml",
                ))
                relevance.append(Relevance(article_id, 0.1, False, []))
                # Distinct articles: random MinHash values, so no two share an LSH band.
                signatures.append(ArticleSignature(
                    article_id, published, published, stable_id(str(i), "text"), 500,
                    rng.integers(0, 2**32, NUM_PERM, dtype="<u4").tobytes(), article_id))
            warehouse.load_batch(LoadBatch(
                run_id=run_id, articles=articles, relevance=relevance,
                clusters={a.article_id: a.article_id for a in articles},
                analysed={a.article_id: "skipped:not relevant" for a in articles},
                extra={"article_signatures": signatures,
                       "signature_bands": band_rows(signatures)},
            ))
        warehouse.publish()
    return time.perf_counter() - started


def _sitegen():
    """bench/sitegen.py as a module (bench/ is a folder of scripts, not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sitegen", SITEGEN)
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitegen"] = module
    spec.loader.exec_module(module)
    return module


def growth(args: argparse.Namespace, folder: Path) -> dict:
    clock = StageClock()
    instrument(clock)
    figures: dict = {"mode": "growth", "articles": args.articles, "existing": args.existing}
    if args.warm_up:
        figures["prefect_warm_up_s"] = round(warm_up(folder, args.seed), 2)
    filled = folder / "filled.duckdb"
    figures["fill_s"] = round(fill_warehouse(filled, args.existing, args.seed), 1)
    figures["filled_mb"] = round(filled.stat().st_size / 2**20, 1)
    site = SiteProcess(args.articles, args.seed)
    try:
        story_path = bench_story(site.bases, folder)
        for name, db in (("empty", folder / "empty.duckdb"), ("existing", filled)):
            clock.reset()
            summary, seconds, cpu = run_flow(story_path, db)
            figures[f"{name}_run_s"] = round(seconds, 2)
            figures[f"{name}_run_cpu_s"] = round(cpu, 2)
            figures[f"{name}_articles_added"] = summary.articles_added
            figures[f"{name}_stages_s"] = stage_figures(clock, seconds)
            print_stage_table(f"adding {args.articles} to {name}", figures[f"{name}_stages_s"],
                              seconds)
    finally:
        site.close()
    figures["growth_ratio"] = round(figures["existing_run_s"] / figures["empty_run_s"], 3)
    figures["growth_cpu_ratio"] = round(
        figures["existing_run_cpu_s"] / figures["empty_run_cpu_s"], 3)
    figures["targets"] = {"growth<=1.2": figures["growth_ratio"] <= TARGETS["growth_ratio"]}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=None,
                        help="articles on the site (default 2000; 1000 with --existing)")
    parser.add_argument("--existing", type=int, default=0,
                        help="compare adding --articles to an empty warehouse and to one "
                             "holding this many")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", type=Path, default=None,
                        help="pyinstrument report of the first run (.html or .txt)")
    parser.add_argument("--plain-one-process", action="store_true",
                        help="also time plain nlp.pipe with one process")
    parser.add_argument("--reference-rounds", type=int, default=2,
                        help="time plain nlp.pipe this many times, keep the best")
    parser.add_argument("--repeat", type=int, default=1,
                        help="full runs (each into a fresh warehouse, each followed by its "
                             "reference); the ratio is their median")
    parser.add_argument("--first-run-only", action="store_true",
                        help="only the first run's figures (stages, peak RSS per stage): no "
                             "quiet re-run, no plain nlp.pipe reference")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                        help="skip the warm-up run (then the first run pays for starting "
                             "Prefect unless PREFECT_API_URL names a running server)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the warehouses and staging here (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.articles is None:
        args.articles = 1000 if args.existing else 2000
    with tempfile.TemporaryDirectory(prefix="presswatch-e2e-") as scratch:
        folder = args.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("PREFECT_HOME", str(folder / "prefect-home"))
        from presswatch.flows.api import reporting_api, running_server

        api = ("configured" if os.environ.get("PREFECT_API_URL")
               else "running" if running_server() else "temporary")
        with reporting_api():  # started (or found) once for every run of the bench
            figures = growth(args, folder) if args.existing else full_and_quiet(args, folder)
        figures["prefect_api"] = api
    figures["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    figures["commit"] = _commit()
    figures["cpus"] = os.cpu_count()
    print()
    for key in ("full_run_s", "quiet_run_s", "e2e_words_per_s", "nlp_words_per_s", "ratio",
                "ratio_runs", "ratio_best_to_best", "cpu_ratio", "articles_per_s", "peak_rss_mb",
                "peak_pss_mb", "quiet_requests", "quiet_docs_parsed", "empty_run_s",
                "existing_run_s", "growth_ratio"):
        if key in figures:
            print(f"{key:24} {figures[key]}")
    print(json.dumps(figures, sort_keys=True))
    return 0


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


if __name__ == "__main__":
    raise SystemExit(main())
