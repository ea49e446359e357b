"""`presswatch sql` and `presswatch extract` as a new user meets them: a real process."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from presswatch.warehouse.store import open_warehouse

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def presswatch(*args: str, stdin: str | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "presswatch", *args], input=stdin, capture_output=True,
        text=True, timeout=300, cwd=cwd,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with open_warehouse(path) as warehouse:
        warehouse.publish()
    return path


class Terminal:
    """The prompt in a real pseudo-terminal, so readline and Ctrl-C behave as for a user."""

    def __init__(self, args: list[str], home: Path) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "presswatch", *args], stdin=slave, stdout=slave,
            stderr=slave, env=dict(os.environ, HOME=str(home), TERM="dumb"),
            start_new_session=True,
        )
        os.close(slave)
        self.seen = ""

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def ctrl_c(self) -> None:
        """Ctrl-C once the prompt waits for a key. CPython's readline sees a signal only when
        its wait for input is cut short: one that lands while it is still drawing the typed
        line is handled at the next key, as a user would press one. A loaded machine makes
        that window wide, so wait until the process sleeps (Linux /proc), as a user's
        Ctrl-C after typing would find it."""
        stat = Path(f"/proc/{self.proc.pid}/stat")
        deadline = time.monotonic() + 10
        sleeping = 0
        while stat.exists() and sleeping < 3 and time.monotonic() < deadline:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
            sleeping = sleeping + 1 if state == "S" else 0
            time.sleep(0.02)
        self.proc.send_signal(signal.SIGINT)

    def expect(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not shown; the terminal shows:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{text!r} not shown before exit:\n{self.seen}")
                self.seen += chunk.decode(errors="replace")
        return self.seen

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            os.close(self.master)


def test_ctrl_c_at_the_prompt_cancels_the_line_or_the_query_not_the_session(db, tmp_path):
    term = Terminal(["sql", "--db", str(db)], tmp_path)
    try:
        term.expect("sql> ")
        term.type("select 'typed then abandoned' as dropped")
        term.expect("abandoned' as dropped")  # readline has it on the line
        term.ctrl_c()
        term.expect("line cancelled")
        term.type("select 40 + 2 as answer;\n")
        term.expect("42")
        # A query that would run for hours: Ctrl-C stops it, the prompt stays.
        term.type("select count(*) from range(1000000000000) t(i) where i % 7 = 3;\n")
        term.expect("i % 7 = 3;")
        time.sleep(1.0)
        term.ctrl_c()
        term.expect("query cancelled", timeout=30)
        term.type("select 'still here' as alive;\n")
        term.expect("still here │")
        term.type(".quit\n")
    finally:
        code = term.close()
    assert code == 0
    assert "Traceback" not in term.seen and "dropped" not in term.seen.split("cancelled")[-1]


def test_help_lists_what_the_prompt_can_do(db, tmp_path):
    lines = ".help\n.columns runs\n.nonsense\n.quit\n"
    result = subprocess.run(
        [sys.executable, "-m", "presswatch", "sql", "--db", str(db)], input=lines,
        capture_output=True, text=True, timeout=120, env=dict(os.environ, HOME=str(tmp_path)),
    )
    assert result.returncode == 0, result.stderr
    for what in (".tables", ".columns NAME", ".quit", "Ctrl-C", "Ctrl-D", "--out"):
        assert what in result.stdout, what
    assert "story_id" in result.stdout  # .columns runs
    assert "unknown command .nonsense; .help lists" in result.stdout


def test_out_without_format_takes_the_format_from_the_extension(db, tmp_path):
    query = "select 1 as a, 'x' as b"
    assert presswatch("sql", "--db", str(db), query, "--out", str(tmp_path / "s.csv")
                      ).returncode == 0
    assert (tmp_path / "s.csv").read_text().splitlines() == ['"a","b"', '1,"x"']
    assert presswatch("sql", "--db", str(db), query, "--out", str(tmp_path / "s.json")
                      ).returncode == 0
    assert json.loads((tmp_path / "s.json").read_text()) == {"a": 1, "b": "x"}
    assert presswatch("sql", "--db", str(db), query, "--out", str(tmp_path / "s.parquet")
                      ).returncode == 0
    assert (tmp_path / "s.parquet").read_bytes()[:4] == b"PAR1"
    result = presswatch("sql", "--db", str(db), query, "--out", str(tmp_path / "s.xlsx"))
    assert result.returncode == 0 and (tmp_path / "s.xlsx").read_bytes()[:2] == b"PK"
    assert f"wrote 1 row to {tmp_path / 's.xlsx'} (xlsx)" in result.stderr
    result = presswatch("sql", "--db", str(db), query, "--out", str(tmp_path / "s.ods"))
    assert result.returncode == 2 and "--format" in result.stderr
    assert not (tmp_path / "s.ods").exists()
    # An explicit --format still wins over the extension.
    assert presswatch("sql", "--db", str(db), query, "--format", "json", "--out",
                      str(tmp_path / "t.csv")).returncode == 0
    assert json.loads((tmp_path / "t.csv").read_text()) == {"a": 1, "b": "x"}


def test_several_statements_print_each_result(db):
    result = presswatch("sql", "--db", str(db), "select 1 as first; select 2 as second")
    assert result.returncode == 0, result.stderr
    assert "first" in result.stdout and "second" in result.stdout
    assert result.stdout.index("first") < result.stdout.index("second")
    result = presswatch("sql", "--db", str(db), "select 1 as a; select 2 as b", "--format", "csv")
    assert result.stdout.split() == ['"a"', "1", '"b"', "2"]


def test_a_refused_write_exits_2(db):
    result = presswatch("sql", "--db", str(db), "delete from runs")
    assert result.returncode == 2 and "only reads" in result.stderr


def test_extract_reports_a_bad_line_and_writes_the_others(tmp_path):
    lines = [
        {"doc_id": "a", "text": "OpenAI spokesperson Niko Felix said it was \"voluntary.\""},
        {"doc_id": "b", "body": "no text key here"},
        {"doc_id": "c", "text": "Sam Altman said nothing about it."},
    ]
    result = presswatch("extract", stdin="".join(json.dumps(x) + "\n" for x in lines))
    assert result.returncode == 1, result.stderr
    assert [json.loads(x)["doc_id"] for x in result.stdout.splitlines()] == ["a", "c"]
    assert 'input line 2: no "text"' in result.stderr
    assert "Traceback" not in result.stderr


def test_the_documented_notebook_example_runs_with_the_notebook_extra(tmp_path):
    pytest.importorskip("pandas", reason="the notebook extra: make setup installs it")
    with open_warehouse(tmp_path / "presswatch.duckdb") as warehouse:  # the README's names
        warehouse.publish()
    warehouse_page = (Path(__file__).parents[2] / "docs" / "warehouse.md").read_text()
    section = warehouse_page[warehouse_page.index("## Reading it"):]
    code = section[section.index("```python") + len("```python"):]
    code = code[:code.index("```")]
    code += "\nprint(type(coverage).__module__, list(speakers.columns)[:1])\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0].split(".")[0] == "pandas"
    assert 'pandas==' in (Path(__file__).parents[2] / "constraints.txt").read_text()


def test_the_readme_sends_nobody_to_a_duckdb_shell_that_is_not_installed():
    text = " ".join(README.split())
    for mention in [i for i in range(len(text)) if text.startswith("duckdb -readonly", i)]:
        assert "If you have one" in text[mention - 400:mention] or \
            "if you have one" in text[mention - 400:mention]


def test_the_cookbook_runs_from_the_installed_tool(db, tmp_path):
    listed = presswatch("sql", "--cookbook", cwd=tmp_path)  # not from a checkout
    assert listed.returncode == 0
    assert "02  Which outlets ran OpenAI's statements" in listed.stdout
    assert "11  Which outlets carried Niko Felix's statement" in listed.stdout
    ran = presswatch("sql", "--db", str(db), "--cookbook", "02", "--format", "json",
                     cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "-- 02_outlets_running_openai_statement.sql" in ran.stderr
    unknown = presswatch("sql", "--db", str(db), "--cookbook", "99", cwd=tmp_path)
    assert unknown.returncode == 2 and "no cookbook recipe '99'" in unknown.stderr
    assert "07  Which statements travelled furthest" in unknown.stderr


def test_export_says_what_it_wrote(db, tmp_path):
    result = presswatch("export", "--db", str(db), "--to", str(tmp_path / "parquet"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("wrote ")
    assert f"tables and views to {tmp_path / 'parquet'} (Parquet):" in result.stdout
    assert "statement_appearances" in result.stdout and "rows  view" in result.stdout


def test_prefect_says_nothing_about_telemetry_in_a_terminal(tmp_path):
    """Prefect prints a telemetry notice on first import in a terminal; presswatch's commands
    opt out first. The control (no opt-out) shows the detector sees the notice."""
    from prefect._internal.analytics.ci_detection import CI_ENV_VARS

    def first_import(opt_out: bool) -> str:
        code = ("from presswatch.cli.main import _prefect_defaults\n"
                + ("_prefect_defaults()\n" if opt_out else "") + "import prefect.flows\n")
        # A user's terminal, not CI: Prefect keeps quiet when it sees a CI marker.
        quiet_markers = {"DO_NOT_TRACK", *CI_ENV_VARS}
        env = {k: v for k, v in os.environ.items() if k not in quiet_markers}
        env["PREFECT_HOME"] = str(tmp_path / ("quiet" if opt_out else "control"))
        master, slave = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave,
                                stderr=slave, env=env)
        os.close(slave)
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            try:
                chunk = os.read(master, 65536) if ready else b""
            except OSError:
                chunk = b""
            if not chunk:
                break
            seen += chunk
        proc.wait(timeout=60)
        os.close(master)
        return seen.decode(errors="replace")

    assert "anonymous usage data" in first_import(opt_out=False)
    assert "anonymous usage data" not in first_import(opt_out=True)
