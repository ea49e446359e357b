"""The `presswatch` command as a user runs it: a real process, its exit code and its words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from presswatch.story import default_story_path


def presswatch(*args: str, stdin: str | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "presswatch", *args], input=stdin, capture_output=True,
        text=True, timeout=300, cwd=cwd,
    )


def _story_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "story.toml"
    path.write_text(default_story_path().read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("\n[surprise]\nkey = 1\n", "surprise: unknown key"),
        ("\n[[feeds]]\nname = 'no url'\n", "url: missing"),
        ("\n[[feeds]]\nurl = 42\n", "url: Input should be a valid string"),
        ("\n[crawl]\ntimeout = 5\n", "not valid TOML"),  # [crawl] defined twice
        ("\n[alerts.email]\nport = 'twenty-five'\n", "alerts.email.port"),
    ],
)
def test_a_malformed_story_names_file_and_key_and_exits_2(tmp_path, extra, expected):
    story = _story_with(tmp_path, extra)
    db = tmp_path / "out.duckdb"
    result = presswatch("run", "--story", str(story), "--db", str(db))
    assert result.returncode == 2, result.stderr
    assert str(story) in result.stderr and expected in result.stderr
    assert not db.exists(), "nothing may be written on a usage error"


def test_missing_story_and_unwritable_warehouse_exit_2(tmp_path):
    result = presswatch("run", "--story", str(tmp_path / "nope.toml"))
    assert result.returncode == 2 and "story file not found" in result.stderr
    result = presswatch("run", "--db", str(tmp_path / "no" / "such" / "folder.duckdb"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    result = presswatch("run", "--db", str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr


def test_unknown_option_is_a_usage_error():
    result = presswatch("run", "--no-such-flag")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_extract_reads_json_lines_and_writes_offsets_into_the_text():
    text = ('OpenAI spokesperson Niko Felix said participation in the research preview is '
            '"voluntary."')
    result = presswatch("extract", stdin=json.dumps({"doc_id": "d1", "text": text}) + "\n")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    doc = json.loads(line)
    assert doc["doc_id"] == "d1"
    (quote,) = doc["quotes"]
    assert quote["speaker"] == "Niko Felix"
    start, end = quote["content_span"]
    assert text[start:end] == quote["content_text"] and "voluntary" in quote["content_text"]
    labels = {(e["text"], e["label"]) for e in doc["entities"]}
    assert ("OpenAI", "ORG") in labels and ("Niko Felix", "PERSON") in labels


def test_bad_alert_settings_stop_the_run_before_it_starts(tmp_path):
    story = _story_with(tmp_path, "")
    db = tmp_path / "out.duckdb"
    env = dict(os.environ, PRESSWATCH_SMTP_PORT="not-a-port", PRESSWATCH_SMTP_HOST="smtp.test")
    result = subprocess.run(
        [sys.executable, "-m", "presswatch", "run", "--story", str(story), "--db", str(db)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 2 and "PRESSWATCH_SMTP_PORT" in result.stderr
    assert not db.exists()


def test_check_runs_every_data_check_and_reports_a_planted_bad_row(tmp_path):
    from presswatch.warehouse.store import open_warehouse

    db = tmp_path / "w.duckdb"
    with open_warehouse(db):
        pass
    result = presswatch("check", "--db", str(db))
    assert result.returncode == 0 and "every data check passed" in result.stdout
    with open_warehouse(db) as warehouse:  # a run that ends before it starts
        warehouse.connection.execute(
            "insert into runs (run_id, story_id, started_at, finished_at, status) values "
            "('bad', 's', timestamptz '2024-11-27 00:00:00+00', "
            "timestamptz '2024-11-26 00:00:00+00', 'ok')")
    result = presswatch("check", "--db", str(db))
    assert result.returncode == 1 and "runs_valid" in result.stderr and "bad" in result.stderr


def test_a_bad_lock_timeout_is_a_usage_error(tmp_path):
    env = dict(os.environ, PRESSWATCH_LOCK_TIMEOUT="soon")
    result = subprocess.run(
        [sys.executable, "-m", "presswatch", "run", "--db", str(tmp_path / "w.duckdb")],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 2 and "PRESSWATCH_LOCK_TIMEOUT" in result.stderr


def test_a_second_story_into_the_same_warehouse_is_refused_naming_both(tmp_path):
    import hashlib

    from presswatch.runs.daily import begin_run
    from presswatch.story import load_story
    from presswatch.warehouse.errors import WarehouseOfAnotherStory
    from presswatch.warehouse.store import open_warehouse

    db = tmp_path / "w.duckdb"
    with open_warehouse(db) as warehouse:  # a warehouse that already follows another story
        warehouse.connection.execute(
            "insert into runs (run_id, story_id, started_at, finished_at, status) values "
            "('r1', 'pixel-strike', timestamptz '2024-11-26 06:00:00+00', "
            "timestamptz '2024-11-26 06:10:00+00', 'ok')")
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    result = presswatch("run", "--db", str(db))  # the bundled Sora story
    assert result.returncode == 2, result.stderr
    assert "'pixel-strike'" in result.stderr and "'sora-leak'" in result.stderr
    assert "--db sora-leak.duckdb" in result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert not (tmp_path / "w.duckdb.staging").exists()
    # The flow checks again when it opens the file (a scheduled run never passes the CLI).
    with pytest.raises(WarehouseOfAnotherStory, match="pixel-strike"):
        begin_run(load_story(default_story_path()), db, tmp_path / "staging", 5.0)
    with open_warehouse(db, read_only=True) as warehouse:
        assert warehouse.story_ids() == ["pixel-strike"]
        warehouse.require_story("pixel-strike")  # its own story is welcome


def test_a_file_a_killed_first_run_made_but_never_migrated_is_taken_as_new(tmp_path):
    """SIGKILL while the first run creates the file leaves a DuckDB file with no table: the
    next run's pre-check must take it as new, not crash on it run after run."""
    import duckdb

    from presswatch.cli.main import check_one_story
    from presswatch.warehouse.store import open_warehouse

    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    check_one_story(db, "sora-leak", 5.0)
    with open_warehouse(db) as warehouse:  # and the run's own open migrates it
        warehouse.require_story("sora-leak")
        assert warehouse.story_ids() == []


def test_the_demo_says_which_sources_the_replay_breaks_on_purpose():
    from presswatch.cli.demo import broken_on_purpose
    from presswatch.demo.server import load_manifest

    manifest = load_manifest()
    text = broken_on_purpose(manifest)
    broken = [s for s in manifest["sources"] if s.get("expected_error")]
    in_story = [s for s in manifest["sources"] if s.get("in_story", True)]
    assert f'"partial ... {len(broken)} of {len(in_story)} sources failed"' in text
    assert len(broken) == 3 and len(in_story) == 12  # what every demo run reports
    for source in broken:
        assert f"{source['name']}: {source['expected_error']}" in text
    assert "robots.txt" in text and "on purpose" in text


@pytest.mark.parametrize(("given", "expected"), [(None, 120), ("300", 300)])
def test_a_temporary_prefect_server_gets_time_to_start_unless_the_user_says(given, expected):
    """Prefect's own 20 s to start its temporary server fails on a busy machine; presswatch
    gives it 120 s, and a value the user set stays."""
    env = {k: v for k, v in os.environ.items()
           if k != "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"}
    if given is not None:
        env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = given
    code = ("from presswatch.cli.main import _prefect_defaults; _prefect_defaults(); "
            "from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as T; "
            "print(T.value())")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == str(expected)
