"""The backfill flow end to end: WARC files written here, the Wayback and GDELT replicas on
loopback, a Dask LocalCluster with two workers, a real warehouse; then a `presswatch backfill`
process SIGKILLed mid-way and run again, which must equal the uninterrupted run (those two on
one worker each: the result may not depend on how many workers did the work)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
from archive_replicas import ArchiveReplica

from presswatch.demo.archive import archive_records, replay_records, write_warc
from presswatch.demo.server import load_manifest, to_toml
from presswatch.story import Outlet, default_story_path, load_story

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

SINCE, UNTIL = date(2024, 11, 20), date(2024, 12, 5)
WAYBACK_OUTLET, GDELT_OUTLET = "dailycircuit", "wirewire"
N_WARCS = 3
N_UNRELATED = 150


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Three WARC files (the replay's other outlets among unrelated pages), the Wayback replica
    holding one outlet, the GDELT replica listing another, and a story naming the first."""
    folder = tmp_path_factory.mktemp("archive")
    replay = replay_records()
    outlet = {a["id"]: a["outlet"] for a in load_manifest()["articles"]}
    in_warcs = [r for r in archive_records(N_UNRELATED) if r.replay_id is None
                or outlet[r.replay_id] not in (WAYBACK_OUTLET, GDELT_OUTLET)]
    warcs = []
    for index in range(N_WARCS):
        path = folder / f"CC-NEWS-2024112{index}000000-0000{index}.warc.gz"
        write_warc(path, in_warcs[index::N_WARCS])
        warcs.append(str(path))
    story = load_story(default_story_path())
    story = story.model_copy(update={
        "outlets": [*story.outlets, Outlet(name="Daily Circuit", host="www.dailycircuit.com")],
        "feeds": [], "sitemaps": [],
    })
    story_path = folder / "story.toml"
    story_path.write_text(to_toml(story.model_dump(mode="json")), encoding="utf-8")
    with ArchiveReplica(
        wayback=[r for r in replay if outlet[r.replay_id] == WAYBACK_OUTLET],
        gdelt=[r for r in replay if outlet[r.replay_id] == GDELT_OUTLET],
        queue={"wayback": [429], "gdelt": [503]},
    ) as replica:
        yield {"warcs": warcs, "story": story_path, "replica": replica}


def _arguments(archive, db: Path) -> list[str]:
    bases = archive["replica"].bases
    return ["backfill", "--since", SINCE.isoformat(), "--until", UNTIL.isoformat(),
            "--story", str(archive["story"]), "--db", str(db), "--warc", *archive["warcs"],
            "--wayback", "--gdelt", "sora leak", "--delay", "0", "--allow-private-hosts",
            "--workers", "1",
            "--cdx-url", bases["wayback"] + "/cdx/search/cdx", "--wayback-url",
            bases["wayback"], "--gdelt-url", bases["gdelt"] + "/api/v2/doc/doc"]


def _state(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        def rows(sql: str) -> list:
            return sorted(con.execute(sql).fetchall())

        return {
            "articles": rows("select article_id, canonical_url, title, published_at, "
                             "relevance_score, cluster_id, nlp_status from articles"),
            "quotes": rows("select quote_id, article_id, statement_id, speaker, start_char "
                           "from quotes"),
            "statements": rows("select statement_id, speaker, text, first_seen_at, "
                               "first_article_id, n_articles, n_outlets from statements"),
            "entities": rows("select article_id, start_char, label from entities"),
            "judged": rows("select statement_id, alert_key from alert_judged_statements"),
            "alerts": rows("select alert_id from alerts"),
            "runs_left_running": rows("select run_id from runs where status = 'running'"),
        }


@pytest.fixture(scope="module")
def reference(archive, tmp_path_factory):
    """One uninterrupted backfill, in this process, on a LocalCluster of two workers."""
    from presswatch.flows.backfill import run_backfill
    from presswatch.runs.backfill import BackfillSettings, Endpoints, Sources

    bases = archive["replica"].bases
    db = tmp_path_factory.mktemp("reference") / "reference.duckdb"
    settings = BackfillSettings(
        story_path=archive["story"], db_path=db, since=SINCE, until=UNTIL,
        sources=Sources(warcs=tuple(archive["warcs"]), wayback=True,
                        gdelt_queries=("sora leak",)),
        endpoints=Endpoints(cdx=bases["wayback"] + "/cdx/search/cdx", wayback=bases["wayback"],
                            gdelt=bases["gdelt"] + "/api/v2/doc/doc"),
        workers=2, delay_s=0.0, allow_private_hosts=True,
    )
    summary = run_backfill(settings)
    return {"db": db, "summary": summary, "state": _state(db)}


def test_backfill_loads_the_relevant_articles_of_every_source(reference):
    manifest = load_manifest()["articles"]
    relevant = {a["path"]: a for a in manifest if a["relevant"]}
    state, summary = reference["state"], reference["summary"]
    loaded = {urlsplit(row[1]).path: row for row in state["articles"]}
    assert set(loaded) == set(relevant)
    hosts = {urlsplit(row[1]).netloc for row in state["articles"]}
    assert "www.dailycircuit.com" in hosts  # from the Wayback replica, under the original URL
    assert any(h.startswith("127.") for h in hosts)  # the pages GDELT listed
    assert summary.units == N_WARCS + 2 and summary.units_resumed == 0
    assert len({r.worker_pid for r in summary.results}) == 2  # both workers took units
    outlet = {a["id"]: a["outlet"] for a in manifest}
    before_range = [r for r in replay_records() if outlet[r.replay_id] == WAYBACK_OUTLET
                    and r.captured_at.date() < SINCE]
    assert len(before_range) == 1  # the CDX query asks from --since: never listed
    assert summary.records == N_UNRELATED + len(manifest) - len(before_range)
    assert summary.passed_gate < summary.records / 4
    language = {a["path"]: a["language"] for a in manifest}
    assert {row[6] for row in state["articles"]
            if language[urlsplit(row[1]).path] == "en"} == {"done"}  # analysed on the workers
    assert state["quotes"] and state["statements"]


def test_backfilled_statements_are_first_seen_when_published_and_raise_no_alert(reference):
    with duckdb.connect(str(reference["db"]), read_only=True) as con:
        wrong = con.execute(
            "select s.statement_id, s.first_seen_at, a.published_at from statements s "
            "join articles a on a.article_id = s.first_article_id "
            "where s.first_seen_at <> a.published_at").fetchall()
        earliest = con.execute(
            "select count(*) from statements s join quotes q using (statement_id) "
            "join articles a on a.article_id = q.article_id "
            "where a.published_at < s.first_seen_at").fetchone()[0]
    assert wrong == [] and earliest == 0
    state = reference["state"]
    assert {sid for sid, _ in state["judged"]} == {row[0] for row in state["statements"]}
    assert all(key is None for _, key in state["judged"]) and state["alerts"] == []


def _env() -> dict[str, str]:
    from prefect.settings import get_current_settings

    env = dict(os.environ)
    env["PREFECT_API_URL"] = str(get_current_settings().api.url)
    return env


def _loaded(db: Path) -> int:
    return len(list(db.parent.glob(f"{db.name}.backfill/units/*/*.loaded")))


def test_a_backfill_killed_mid_way_then_run_again_equals_an_uninterrupted_one(
        archive, reference, tmp_path):
    db = tmp_path / "killed.duckdb"
    command = [sys.executable, "-m", "presswatch", *_arguments(archive, db)]
    child = subprocess.Popen(command, env=_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    while _loaded(db) == 0 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)  # the Dask workers die with it
    child.wait()
    at_kill = _loaded(db)
    assert 0 < at_kill < N_WARCS + 2, f"the kill came with {at_kill} units loaded"
    again = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    resumed = re.search(r"\((\d+) resumed\)", again.stdout)
    assert resumed and int(resumed[1]) >= at_kill, again.stdout
    state = _state(db)
    for key, expected in reference["state"].items():
        assert state[key] == expected, f"{key} differs after the kill and the re-run"
