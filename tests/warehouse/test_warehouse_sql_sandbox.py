"""`presswatch sql` reads the warehouse and nothing else: each attack of issue 26 item 1."""

from __future__ import annotations

import io
import json

import duckdb
import pytest

from presswatch.warehouse.console import run_query
from presswatch.warehouse.sandbox import SessionLimits, guard_connection
from presswatch.warehouse.store import snapshot_path


def _run(db, query, fmt="json", **kwargs):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_query(db, query, fmt, stdout=stdout, stderr=stderr, **kwargs)
    return code, stdout.getvalue(), stderr.getvalue()


def _writing_attacks(target):
    t = str(target)
    return [
        f"explain analyze copy (select 1 as x) to '{t}'",
        f"explain (analyze) copy (select 1 as x) to '{t}'",
        f"/* hi */ explain analyze copy (select 1 as x) to '{t}'",
        f"copy (select 1 as x) to '{t}'",
        f"set log_query_path = '{t}'",
        f"pragma profiling_output = '{t}'",
        f"call enable_logging(storage = 'file', storage_path = '{t}')",
        f"select * from enable_logging(storage = 'file', storage_path = '{t}')",
        f"export database '{t}'",
        f"attach '{t}' as other",
    ]


@pytest.mark.parametrize("n", range(10))
def test_no_statement_writes_a_file_anywhere(published, corpus, tmp_path, n):
    elsewhere = tmp_path / "elsewhere" / "written.txt"
    elsewhere.parent.mkdir()
    snapshot = snapshot_path(published)
    before = {p: corpus.file_digest(p) for p in (published, snapshot)}
    for target in (elsewhere, snapshot, published):
        query = _writing_attacks(target)[n]
        code, _, err = _run(published, query + "; select 1 as after")
        assert code != 0, query
        assert err.startswith("error:"), query
        assert {p: corpus.file_digest(p) for p in (published, snapshot)} == before, query
    assert list(elsewhere.parent.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["elsewhere", published.name, snapshot.name])


@pytest.mark.parametrize("query", [
    "select content from read_text('{secret}')",
    "select content from read_blob('{secret}')",
    "select * from glob('{folder}/*')",
    "select * from read_csv('{secret}', header = false)",
    "select * from '{secret}'",
    "explain analyze select * from read_text('{secret}')",
])
def test_no_other_local_file_can_be_read(published, tmp_path, query):
    secret = tmp_path / "private" / "notes.csv"
    secret.parent.mkdir()
    secret.write_text("the password is hunter2\n", encoding="utf-8")
    code, out, err = _run(published, query.format(secret=secret, folder=secret.parent))
    assert code != 0
    assert "hunter2" not in out + err and "notes.csv" not in out


@pytest.mark.parametrize("query", [
    "set memory_limit = '1TB'",
    "reset memory_limit",
    "set threads = 64",
    "pragma threads = 64",
    "set enable_external_access = true",
    "set lock_configuration = false",
])
def test_the_sessions_limits_cannot_be_raised(published, query):
    code, _, err = _run(published, query + "; select current_setting('memory_limit') as m, "
                                        "current_setting('threads') as t")
    assert code != 0 and "only reads" in err
    code, out, _ = _run(published, "select current_setting('memory_limit') as m, "
                                "current_setting('threads') as t")
    row = json.loads(out)
    assert code == 0 and row["t"] == 2 and row["m"].endswith("MiB")


def test_a_query_past_the_memory_limit_fails_instead_of_spilling(published, tmp_path):
    code, _, err = _run(published, "select count(*) from (select list(range) as l from "
                                "range(5000000) group by range % 2000000)",
                        limits=SessionLimits(memory_limit="30MB", threads=1))
    assert code == 1 and "memory" in err.lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [published.name, snapshot_path(published).name])


def test_duckdbs_guards_hold_without_the_statement_check(published, tmp_path):
    """Defence in depth: were the statement check wrong, the connection still refuses."""
    target = tmp_path / "out.csv"
    con = duckdb.connect(str(snapshot_path(published)), read_only=True)
    try:
        guard_connection(con, SessionLimits())
        for query in (f"copy (select 1) to '{target}'", f"select * from read_text('{published}')",
                      "set memory_limit = '1TB'", f"set log_query_path = '{target}'",
                      f"call enable_logging(storage = 'file', storage_path = '{target}')"):
            with pytest.raises(duckdb.Error):
                con.execute(query)
    finally:
        con.close()
    assert not target.exists()


@pytest.mark.parametrize("query", [
    "pragma table_info('articles')",
    "pragma show_tables",
    "call duckdb_tables()",
    "call main.pragma_table_info('articles')",
    "explain select count(*) from articles",
    "explain analyze select count(*) from articles",
    "show tables",
    "describe articles",
    "summarize select word_count from articles",
    "set variable outlet = 'Outlet 0'; select count(*) as n from articles "
    "where outlet = getvariable('outlet')",
])
def test_reading_statements_still_work(published, query):
    code, out, err = _run(published, query)
    assert code == 0, err
    assert out
