"""Fixtures shared across packages: Prefect's test server, the replay site, a temp warehouse,
the alert receivers."""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from receivers import SmtpHandler, WebhookReceiver, smtp_controller

from presswatch.runs.settings import PREFECT_DEFAULTS

# Before anything imports prefect: no telemetry, quiet logs, and as long for a temporary server
# to start as presswatch gives one (runs/settings.py): a busy machine is slow to start it.
for _name, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
# How long the session's own Prefect server may take to start; set it higher on a slow machine.
SERVER_STARTUP_S = int(os.environ.get("PRESSWATCH_TEST_PREFECT_STARTUP_S", "300"))


SESSION_SERVER = "PRESSWATCH_TEST_PREFECT_SERVER"  # set while the controller's server runs

TESTS = Path(__file__).parent
# The files that take longest, slowest first (timed file by file on a busy machine, so the order
# is rough; CONTRIBUTING.md says how to time one); a file using replay_days after the one
# that builds it. `make test` hands whole files to its three
# workers in collection order (--dist loadfile --no-loadscope-reorder): these start first and
# the many quick files fill in around them. xdist's default order, most tests first, started the
# one-test crash-recovery file last and left the other core idle for minutes.
SLOWEST_FIRST = (
    "bench/test_bench_scripts.py",
    "flows/test_backfill.py",
    "runs/test_crash_recovery.py",
    "runs/test_held_warehouse.py",
    "flows/test_deployment.py",
    "flows/test_daily_flow.py",  # early: the first to ask runs the session's replay_days
    "cli/test_story_tools.py",
    "alerts/test_alerts_replay.py",
    "flows/test_secrets_at_rest.py",
    "flows/test_backfill_bad_archives.py",
    "runs/test_reanalyse.py",
    "bench/test_e2e_smoke.py",
    "runs/test_run_lease.py",
    "cli/test_exit_codes.py",
    "report/test_report_browser.py",  # (replay_days is built by now)
    "test_wheel_install.py",
    "flows/test_prefect_server.py",
    "warehouse/test_warehouse_replay_views.py",
    "flows/test_lock_retry.py",
    # Then the heaviest of the rest (20-70 s each on a busy machine): in collection order
    # several come last (spiders/, warehouse/), where one long file keeps a worker busy after
    # the others have run out of files.
    "spiders/test_spider_news_links.py",
    "warehouse/test_warehouse_checks.py",
    "spiders/test_spider_crawl.py",
    "warehouse/test_warehouse_console.py",
    "warehouse/test_warehouse_crash.py",
    "report/test_report_queries.py",
    "warehouse/test_warehouse_sql_sandbox.py",
    "runs/test_news_links_runs.py",
    "runs/test_source_health.py",
)


def pytest_configure(config: pytest.Config) -> None:
    """With -n N, one Prefect server for the whole session, started by the controller before
    its workers: they and every `presswatch` process they start inherit PREFECT_API_URL, so
    none starts a temporary server of its own (slow, and it times out on a busy machine)."""
    if (not getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput")
            or config.option.collectonly):
        return
    home = Path(tempfile.mkdtemp(prefix="presswatch-prefect-"))
    os.environ["PREFECT_HOME"] = str(home)  # the server's database is PREFECT_HOME/prefect.db
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer(port=SubprocessASGIServer().find_available_port())
    server.start(timeout=SERVER_STARTUP_S)
    os.environ["PREFECT_API_URL"] = server.api_url
    os.environ[SESSION_SERVER] = server.api_url
    config.prefect_server = (server, home)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The files of SLOWEST_FIRST first, in its order; every other test keeps its place."""
    rank = {name: place for place, name in enumerate(SLOWEST_FIRST)}

    def name(item: pytest.Item) -> str:
        return item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""

    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:  # the whole suite
        if missing := set(rank) - {name(item) for item in items}:
            config.issue_config_time_warning(pytest.PytestConfigWarning(
                f"tests/conftest.py SLOWEST_FIRST names files with no tests: {sorted(missing)}"),
                stacklevel=2)
    items.sort(key=lambda item: rank.get(name(item), len(rank)))


def pytest_unconfigure(config: pytest.Config) -> None:
    if started := getattr(config, "prefect_server", None):
        server, home = started
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The session's Prefect server: real flow runs, ~1 s each after start-up. Without -n it
    starts on first use, and `presswatch` processes the tests start are pointed at it too."""
    if os.environ.get(SESSION_SERVER):  # the controller's (-n N)
        yield
        return
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.settings import get_current_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=SERVER_STARTUP_S):
        os.environ["PREFECT_API_URL"] = str(get_current_settings().api.url)
        try:
            yield
        finally:
            del os.environ["PREFECT_API_URL"]


def session_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder every xdist worker of this session sees under one name (pytest's base temp
    has one folder per worker, beside each other)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name


@dataclass(frozen=True)
class ReplayDays:
    """The bundled replay's day 1, day 2, then day 2 again, through the daily flow into one
    warehouse; the folders hold the warehouse, its snapshot and its report."""

    after_day_two: Path  # as the second run left them
    after_again: Path  # and after day 2 again
    db_name: str
    manifest: dict
    first: object  # the three runs' RunSummary
    second: object
    again: object
    articles_day1: int
    statements_day1: set[str]

    def copy(self, folder: Path, *, again: bool = False) -> Path:
        """A copy of the warehouse, snapshot and report for one module to open as it likes;
        the path of its warehouse."""
        shutil.copytree(self.after_again if again else self.after_day_two, folder,
                        dirs_exist_ok=True)
        return folder / self.db_name


def _build_replay_days(folder: Path) -> ReplayDays:
    import duckdb

    from presswatch.demo.server import ReplaySite
    from presswatch.flows.daily import daily_with_settings
    from presswatch.runs.settings import run_settings

    folder = Path(tempfile.mkdtemp(dir=folder))  # a fresh one if another worker's build failed
    live = folder / "after-again"
    db = live / "presswatch.duckdb"
    live.mkdir()
    with ReplaySite(day=1) as site:
        settings = run_settings(str(site.write_story(folder / "story.toml")), str(db), None,
                                True, os.environ)
        first = daily_with_settings(settings)
        with duckdb.connect(str(db), read_only=True) as con:
            (articles_day1,) = con.execute("select count(*) from articles").fetchone()
            statements_day1 = {sid for (sid,) in con.execute(
                "select statement_id from statements").fetchall()}
        site.set_day(2)
        second = daily_with_settings(settings)
        shutil.copytree(live, folder / "after-day-two")
        again = daily_with_settings(settings)
        manifest = site.manifest
    return ReplayDays(folder / "after-day-two", live, db.name, manifest, first, second, again,
                      articles_day1, statements_day1)


@pytest.fixture(scope="session")
def replay_days(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> ReplayDays:
    """Two replay days through the real daily flow, run once for the whole session: the first
    worker to ask runs them (the others wait on the lock), every module reads a copy. For
    tests that only read the result; a test that runs the flow itself builds its own."""
    folder = session_folder(tmp_path_factory, "replay-days")
    done = folder / "replay-days.pickle"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            done.write_bytes(pickle.dumps(_build_replay_days(folder)))
    return pickle.loads(done.read_bytes())


@pytest.fixture
def replay_site():
    """The bundled replay served on loopback, starting on day 1."""
    from presswatch.demo.server import ReplaySite

    with ReplaySite(day=1) as site:
        yield site


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A Slack-like webhook receiver on 127.0.0.1."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp() -> Iterator[SmtpHandler]:
    """A plain SMTP server on 127.0.0.1 (no STARTTLS, no login)."""
    handler = SmtpHandler()
    controller = smtp_controller(handler)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "presswatch.duckdb"
