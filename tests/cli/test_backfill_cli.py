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
