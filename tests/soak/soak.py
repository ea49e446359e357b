"""Soak: presswatch left running among everything an unattended server meets, then compared with
an uninterrupted run (issue 26, "Done when"). Run by `make soak`; needs root (a tmpfs of its
own to fill up). Bounded: each process has a deadline, the whole run about 5 minutes here.

On a warehouse in a small filesystem of its own, with the user's files beside it:
  - two daily runs started 8 s apart and a backfill (a WARC of the replay among unrelated
    pages) started between them: they hold the warehouse's lease in turn, or refuse (exit 2);
  - an analyst querying the snapshot the whole time (`presswatch sql`, in this process);
  - a SIGKILL of the daily run holding the lease while its crawl is fetching: once the replica
    has served it article pages, not before (the replica answers each article page after
    ARTICLE_DELAY_S, a slow server, so that the crawl lasts long enough to be caught);
  - then the disk filled while the next daily run writes (the replica has served it an article
    page, which its crawl stores on that disk), and freed FULL_DISK_S later or when that run
    ends, whichever comes first;
  - SIGKILLs of whole process groups at random points (--kills of them).
If no daily run is left to catch fetching or writing, another is started (at most
EXTRA_DAILY_RUNS); a soak that still missed either moment fails, saying so.
Then one daily run and one backfill to the end, and the checks: the warehouse holds what an
uninterrupted daily run and backfill give (articles, quotes, entities, statement groups), no
run row is left running or wrong, every data check passes, and no file outside the
warehouse's own paths changed. Prints what it saw and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

PROCESS_DEADLINE_S = 400
CHAOS_DEADLINE_S = 600  # the chaos round, extra daily runs included
ARTICLE_DELAY_S = 0.25  # the replica's answer time for an article page during the chaos round
FULL_DISK_S = 20.0  # the disk stays full this long, or until the run it was filled under ends
EXTRA_DAILY_RUNS = 3


# The warehouse's own paths beside presswatch.duckdb: everything else there is the user's.
OWN_NAMES = {"presswatch.duckdb", "presswatch.duckdb.wal", "presswatch.duckdb.staging",
             "presswatch.duckdb.backfill",
             "presswatch.duckdb.lease", "presswatch.duckdb.lease.json", "presswatch.report",
             "filler.bin"}
OWN_PREFIXES = ("presswatch.snapshot.duckdb", ".presswatch.report.")


def _user_digests(root: Path) -> dict[str, str]:
    """sha256 of every file under root outside the warehouse's own paths."""
    digests = {}
    for path in sorted(root.rglob("*")):
        top = path.relative_to(root).parts[0]
        if path.is_file() and top not in OWN_NAMES and not top.startswith(OWN_PREFIXES):
            digests[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _user_files(root: Path) -> None:
    """What a user keeps beside a warehouse, with names older versions deleted or took."""
    (root / "notes.txt").write_text("my notes\n")
    for folder in ("presswatch.report.old", "presswatch.report.partial", "thesis"):
        (root / folder).mkdir()
        (root / folder / "chapter.md").write_text(f"mine: {folder}\n")
    (root / "presswatch.duckdb.backup").write_bytes(b"a copy I made")


def _state(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        def ids(sql: str) -> list:
            return sorted(row[0] for row in con.execute(sql).fetchall())

        groups = con.execute("select list(quote_id order by quote_id) from quotes "
                             "where statement_id is not null group by statement_id").fetchall()
        return {
            "articles": ids("select article_id from articles"),
            "relevant": ids("select article_id from articles where is_relevant"),
            "analysed": ids("select article_id || nlp_status from articles"),
            "quotes": ids("select quote_id from quotes"),
            "entities": ids("select article_id || ':' || start_char || label from entities"),
            "statement_groups": sorted(tuple(g) for (g,) in groups),
        }


def _landing_order(db: Path) -> list[str]:
    """The kinds of run whose rows finished done (ok or partial), in the order they finished:
    the order their work landed in (each holds the lease while it loads)."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select coalesce(message, '') like 'backfill:%' from runs "
                           "where status in ('ok', 'partial') order by finished_at").fetchall()
    return ["backfill" if is_backfill else "daily" for (is_backfill,) in rows]


def _run_rows(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select run_id, status, coalesce(message, '') from runs "
                           "order by started_at").fetchall()


class Soak:
    def __init__(self, work: Path, api_url: str, story: Path, warc: Path, seed: int) -> None:
        self.work, self.story, self.warc = work, story, warc
        self.env = {**os.environ, "PREFECT_API_URL": api_url, "PRESSWATCH_LEASE_WAIT": "45",
                    "PREFECT_LOGGING_LEVEL": "WARNING"}
        self.rng = random.Random(seed)
        self.events: list[str] = []
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        line = f"[{time.monotonic() - self.started:6.1f} s] {text}"
        self.events.append(line)
        print(line, flush=True)

    def command(self, kind: str, db: Path) -> list[str]:
        base = [sys.executable, "-m", "presswatch"]
        if kind == "daily":
            return [*base, "run", "--story", str(self.story), "--db", str(db),
                    "--allow-private-hosts"]
        return [*base, "backfill", "--since", "2024-11-01", "--until", "2024-12-31",
                "--story", str(self.story), "--db", str(db), "--warc", str(self.warc),
                "--delay", "0", "--workers", "1", "--allow-private-hosts"]

    def start(self, kind: str, db: Path) -> subprocess.Popen:
        log = open(self.work / f"{kind}-{time.monotonic():.0f}.log", "w")  # noqa: SIM115
        child = subprocess.Popen(self.command(kind, db), env=self.env, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        child.kind, child.log = kind, log
        self.say(f"started {kind} (PID {child.pid})")
        return child

    def to_end(self, kind: str, db: Path) -> int:
        child = self.start(kind, db)
        code = child.wait(timeout=PROCESS_DEADLINE_S)
        self.say(f"{kind} (PID {child.pid}) exited {code}")
        return code


class Analyst(threading.Thread):
    """Queries the snapshot the whole time, as `presswatch sql` does."""

    def __init__(self, db: Path) -> None:
        super().__init__(daemon=True)
        self.db, self.stop, self.codes, self.errors = db, threading.Event(), {}, []

    def run(self) -> None:
        from presswatch.warehouse.console import run_query
        from presswatch.warehouse.store import snapshot_path

        while not self.stop.wait(0.5):
            if not snapshot_path(self.db).exists():
                continue
            err = io.StringIO()
            code = run_query(self.db, "select count(*) as n from articles; "
                             "select count(*) from statement_timeline", "json",
                             stdout=io.StringIO(), stderr=err, lock_timeout_s=5)
            self.codes[code] = self.codes.get(code, 0) + 1
            if code != 0:
                self.errors.append(err.getvalue().strip()[:300])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("soak: needs root, to mount a small filesystem to fill up", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="presswatch-soak-"))
    os.environ["PREFECT_HOME"] = str(work / "prefect-home")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    disk = work / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", str(disk)], check=True)
    try:
        return _soak(work, disk, args)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
        if not args.keep:
            subprocess.run(["rm", "-rf", str(work)], check=False)


def _soak(work: Path, disk: Path, args: argparse.Namespace) -> int:
    from prefect.settings import get_current_settings
    from prefect.testing.utilities import prefect_test_harness

    from presswatch.demo.archive import archive_records, write_warc
    from presswatch.demo.server import ReplaySite
    from presswatch.warehouse.store import open_warehouse

    warc = work / "CC-NEWS-20241125000000-00000.warc.gz"
    write_warc(warc, list(archive_records(40)))
    _user_files(disk)
    before = _user_digests(disk)
    with prefect_test_harness(server_startup_timeout=120), ReplaySite(day=1) as site:
        story = site.write_story(work / "story.toml")
        soak = Soak(work, str(get_current_settings().api.url), story, warc, args.seed)

        reference = work / "reference" / "presswatch.duckdb"
        reference.parent.mkdir()
        soak.say("reference: one daily run and one backfill, uninterrupted")
        assert soak.to_end("daily", reference) in (0, 1)
        assert soak.to_end("backfill", reference) in (0, 1)
        expected = _state(reference)

        db = disk / "presswatch.duckdb"
        analyst = Analyst(db)
        analyst.start()
        pages = ServedPages(site)
        soak.say(f"reference crawl: {pages.count()} article pages served")
        pages.slow_down(ARTICLE_DELAY_S)
        soak.say("chaos: daily A now, backfill at 4 s, daily B at 8 s; SIGKILL of the daily "
                 "run fetching; disk full while the next one writes; SIGKILLs at random")
        chaos = Chaos(soak, db, disk, pages, random_kills=args.kills)
        codes = chaos.play()

        soak.say("repair: one daily run and one backfill to the end")
        repair = [soak.to_end("daily", db), soak.to_end("backfill", db)]
        analyst.stop.set()
        analyst.join()
        # Statement groups depend on the order the runs' work landed in (a statement takes the
        # id of the first quote seen of it): compare with an uninterrupted pair in that order.
        order = _landing_order(db)
        if order and order[0] == "backfill":
            reference = work / "reference-backfill-first" / "presswatch.duckdb"
            reference.parent.mkdir()
            soak.say("the backfill landed first: reference again, backfill then daily run")
            assert soak.to_end("backfill", reference) in (0, 1)
            assert soak.to_end("daily", reference) in (0, 1)
            expected = _state(reference)

    got = _state(db)
    runs = _run_rows(db)
    with open_warehouse(db, read_only=True) as warehouse:
        failed_checks = [f.name for f in warehouse.run_checks()]
    after = _user_digests(disk)
    problems = [missed] if (missed := chaos.missed()) else []
    for key in expected:
        if got[key] != expected[key]:
            problems.append(f"{key}: {len(got[key])} here, {len(expected[key])} in the "
                            f"uninterrupted run ({' then '.join(order)}), "
                            f"{len(set(map(str, got[key])) ^ set(map(str, expected[key])))} "
                            "differ")
    if any(status == "running" for _, status, _ in runs):
        problems.append("a run row is left running")
    if any(status == "failed" and not message for _, status, message in runs):
        problems.append("a failed run row says nothing of why")
    if "completed by run" in " ".join(m for _, _, m in runs) and not any(
            status == "failed" for _, status, _ in runs):
        problems.append("a run was completed by another without having failed")
    if failed_checks:
        problems.append(f"data checks failed: {failed_checks}")
    if before != after:
        changed = sorted(set(before) ^ set(after) | {k for k in before if before.get(k)
                                                      != after.get(k)})
        problems.append(f"user files changed: {changed}")
    if any(code not in (0, 1) for code in repair):
        problems.append(f"the repair runs exited {repair}")
    unexpected = [e for e in analyst.errors if "Could not set lock" not in e]
    if unexpected:
        problems.append(f"analyst queries failed: {unexpected[:3]}")

    print("\nrun rows:")
    for run_id, status, message in runs:
        print(f"  {run_id}  {status}  {message[:100]}")
    print(f"landing order: {order}")
    print(f"chaos exit codes: {codes}")
    print(f"mid-crawl kill: {chaos.mid_crawl_kill}")
    print(f"full disk: {chaos.full_disk}")
    print(f"analyst queries: {analyst.codes}")
    print("problems: " + ("; ".join(problems) if problems else "none"))
    print(json.dumps({
        "soak": "ok" if not problems else "failed", "seconds": round(
            time.monotonic() - soak.started, 1), "chaos_exit_codes": codes,
        "repair_exit_codes": repair, "analyst_queries": analyst.codes, "runs": len(runs),
        "landing_order": order, "mid_crawl_kill": chaos.mid_crawl_kill,
        "full_disk": chaos.full_disk,
        "articles": len(got["articles"]), "quotes": len(got["quotes"]), "problems": problems,
    }))
    return 0 if not problems else 1


class ServedPages:
    """The replica's article pages served so far; and a slow replica, when asked."""

    def __init__(self, site) -> None:
        self.site = site
        self.paths = {article["path"] for article in site.catalogue.articles.values()}

    def count(self) -> int:
        return sum(1 for r in list(self.site.request_log)
                   if r.status == 200 and r.path.split("?")[0] in self.paths)

    def slow_down(self, seconds: float) -> None:
        respond = self.site.respond

        def slowly(outlet: str, target: str):
            if target.split("?")[0] in self.paths:
                time.sleep(seconds)
            return respond(outlet, target)

        self.site.respond = slowly


class Chaos:
    """The chaos round: the planned starts, the two moments that must be hit (a SIGKILL while
    a daily crawl fetches, a full disk while a daily run writes), and random SIGKILLs."""

    def __init__(self, soak: Soak, db: Path, disk: Path, pages: ServedPages, *,
                 random_kills: int) -> None:
        self.soak, self.db, self.disk, self.pages = soak, db, disk, pages
        self.plan = [(4.0, "backfill"), (8.0, "daily")]
        self.kill_times = sorted(soak.rng.uniform(3, 90) for _ in range(random_kills))
        self.running: list[subprocess.Popen] = []
        self.codes: list[tuple[str, int]] = []
        self.marks: dict[int, int] = {}  # daily PID -> pages served when it took the lease
        self.mid_crawl_kill: str | None = None
        self.full_disk: str | None = None
        self.filler: Path | None = None
        self.filled: tuple[float, int] | None = None  # when, and under which run
        self.extra_runs = 0
        self.killed: set[int] = set()

    def missed(self) -> str | None:
        if self.mid_crawl_kill is None:
            return "no daily run was caught fetching, to be killed"
        if self.full_disk is None:
            return "no daily run was caught writing, to fill the disk under"
        return None

    def play(self) -> list[tuple[str, int]]:
        start = time.monotonic()
        self.running.append(self.soak.start("daily", self.db))
        while self.running or self.plan:
            now = time.monotonic() - start
            if self.plan and now >= self.plan[0][0]:
                self.running.append(self.soak.start(self.plan.pop(0)[1], self.db))
            self._watch_the_fetching_run(now)
            self._free_the_disk(now)
            self._random_kill(now)
            self._reap()
            if not self.running and not self.plan and self.missed() and \
                    self.extra_runs < EXTRA_DAILY_RUNS:
                self.extra_runs += 1
                self.running.append(self.soak.start("daily", self.db))
            if now > CHAOS_DEADLINE_S:
                for child in self.running:
                    os.killpg(child.pid, signal.SIGKILL)
                raise SystemExit("soak: the chaos round ran past its deadline")
            time.sleep(0.1)
        self._free_the_disk(time.monotonic() - start, at_the_end=True)
        return self.codes

    def _watch_the_fetching_run(self, now: float) -> None:
        from presswatch.lease import read_holder

        holder = read_holder(self.db)
        daily = {p.pid: p for p in self.running
                 if p.kind == "daily" and p.poll() is None and p.pid not in self.killed}
        if holder is None or holder.pid not in daily:  # a killed holder's record outlives it
            return
        served = self.pages.count() - self.marks.setdefault(holder.pid, self.pages.count())
        if self.mid_crawl_kill is None and served >= 2:
            bodies = len(list(self.db.parent.glob(f"{self.db.name}.staging/*/crawl/bodies/*")))
            self._kill(daily[holder.pid])
            self.mid_crawl_kill = (f"daily PID {holder.pid} at {now:.1f} s, {served} article "
                                   f"pages served to it, {bodies} page bodies in staging")
            self.soak.say(f"SIGKILL daily (PID {holder.pid}) while its crawl fetches: {served} "
                          f"article pages served to it, {bodies} page bodies in staging")
        elif self.mid_crawl_kill is not None and self.full_disk is None and served >= 1:
            self.filler = _fill(self.disk)
            self.filled = (now, holder.pid)
            self.full_disk = (f"filled at {now:.1f} s while daily PID {holder.pid} wrote "
                              f"({served} article pages served to it)")
            self.soak.say(f"disk full ({_free(self.disk)} bytes left) while daily "
                          f"(PID {holder.pid}) writes")

    def _free_the_disk(self, now: float, *, at_the_end: bool = False) -> None:
        if self.filler is None or self.filled is None:
            return
        when, pid = self.filled
        writer_gone = all(p.pid != pid or p.poll() is not None for p in self.running)
        if now - when >= FULL_DISK_S or writer_gone or at_the_end:
            self.filler.unlink()
            self.filler = None
            self.full_disk = f"{self.full_disk}; freed at {now:.1f} s"
            self.soak.say(f"disk freed ({_free(self.disk) // 1_000_000} MB free)")

    def _random_kill(self, now: float) -> None:
        if self.kill_times and now >= self.kill_times[0]:
            self.kill_times.pop(0)
            live = [p for p in self.running if p.poll() is None and p.pid not in self.killed]
            if live:
                victim = self.soak.rng.choice(live)
                self._kill(victim)
                self.soak.say(f"SIGKILL {victim.kind} (PID {victim.pid}) at random")

    def _kill(self, child: subprocess.Popen) -> None:
        os.killpg(child.pid, signal.SIGKILL)
        self.killed.add(child.pid)

    def _reap(self) -> None:
        for child in [p for p in self.running if p.poll() is not None]:
            self.running.remove(child)
            self.codes.append((child.kind, child.returncode))
            self.soak.say(f"{child.kind} (PID {child.pid}) exited {child.returncode}")


def _free(disk: Path) -> int:
    stat = os.statvfs(disk)
    return stat.f_bavail * stat.f_frsize


def _fill(disk: Path) -> Path:
    filler = disk / "filler.bin"
    with open(filler, "ab") as handle:
        while _free(disk) > 0:
            try:
                handle.write(b"\0" * min(_free(disk), 1 << 20))
                handle.flush()
            except OSError:
                break
    return filler


if __name__ == "__main__":
    sys.exit(main())
