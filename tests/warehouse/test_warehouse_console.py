"""`presswatch sql` logic: read-only, readable, streamed, honest exit codes."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from presswatch.warehouse.console import interactive, run_query
from presswatch.warehouse.store import open_warehouse


@pytest.fixture
def loaded(published):
    return published


def _run(db, query, fmt="table", out=None, **kwargs):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_query(db, query, fmt, out, stdout=stdout, stderr=stderr, **kwargs)
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.mark.parametrize(
    "query",
    [
        "insert into runs (run_id, story_id, started_at, status) values ('x', 's', now(), 'ok')",
        "delete from articles",
        "update articles set title = 'x'",
        "drop table quotes",
        "create table mine (x integer)",
        "select 1; delete from articles",
        "attach 'other.duckdb' as other",
        "copy articles from 'articles.csv'",
    ],
)
def test_writes_are_refused_with_a_clear_message_and_change_nothing(loaded, corpus, query):
    digest = corpus.file_digest(loaded)
    code, out, err = _run(loaded, query)
    assert code == 2  # bad usage, nothing written: the README's exit code
    assert "only reads" in err
    assert corpus.file_digest(loaded) == digest


def test_a_bad_query_exits_non_zero_with_duckdbs_message(loaded):
    code, _, err = _run(loaded, "select no_such_column from articles")
    assert code == 1
    assert "no_such_column" in err and "Binder Error" in err


def test_table_output_is_readable(loaded):
    code, out, _ = _run(loaded, "select outlet, count(*) as n from articles group by outlet "
                                "order by outlet")
    assert code == 0
    assert "outlet" in out and "Outlet 0" in out and "Outlet 2" in out and "3 rows" in out


def test_table_output_shows_the_first_rows_and_counts_the_rest(loaded):
    code, out, _ = _run(loaded, "select * from range(100000) t(i)", max_table_rows=10)
    assert code == 0
    assert "100000 rows, first 10 shown" in out
    assert len(out.splitlines()) < 30


def test_csv_and_json_stream_every_row(loaded, tmp_path):
    query = "select i, [i, i + 1] as pair, 'x' || i as label from range(120000) t(i)"
    code, _, _ = _run(loaded, query, "csv", tmp_path / "out.csv")
    assert code == 0
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0] == '"i","pair","label"' and len(lines) == 120001
    assert lines[2] == '1,"[1, 2]","x1"'
    code, out, _ = _run(loaded, "select title, published_at from articles order by title", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 3
    assert rows[0] == {"title": "Sora leak 0", "published_at": "2024-11-26T09:00:00+00:00"}


def test_parquet_needs_out_and_round_trips(loaded, tmp_path):
    code, _, err = _run(loaded, "select * from articles", "parquet")
    assert code == 2 and "--out" in err
    code, _, _ = _run(loaded, "select article_id, published_at from articles", "parquet",
                      tmp_path / "a.parquet")
    table = pq.read_table(tmp_path / "a.parquet")
    assert code == 0 and table.num_rows == 3
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=UTC]"


def test_unknown_format_and_missing_warehouse_are_usage_errors(loaded, tmp_path):
    assert _run(loaded, "select 1", "xml")[0] == 2
    code, _, err = _run(tmp_path / "nope.duckdb", "select 1")
    assert code == 2 and "presswatch run" in err


def test_search_macro_works_from_the_console(loaded):
    code, out, _ = _run(loaded, "select title from search_articles('paused access') limit 1")
    assert code == 0 and "Sora leak" in out


def test_interactive_prompt_runs_statements_over_several_lines(loaded):
    lines = iter(["select count(*)", "as n_articles from articles;", ".tables",
                  "delete from articles;", ".quit", "select 'never reached';"])

    def read_line(prompt):
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    assert interactive(loaded, read_line=read_line, stdout=out) == 0
    text = out.getvalue()
    assert "n_articles" in text and "│ 3 " in text
    assert "daily_coverage" in text and "VIEW" in text
    assert "only reads" in text
    assert "never reached" not in text


def test_queries_read_the_snapshot_so_a_run_holding_the_file_does_not_block_them(loaded, corpus):
    count = "select count(*) as n from articles"
    with open_warehouse(loaded) as running:  # a run holds the file and has loaded more
        running.load_batch(corpus.run_batch("r2", 2, prefix="https://later.example/"))
        code, out, _ = _run(loaded, count, "json")
        assert code == 0 and json.loads(out) == {"n": 3}  # the published snapshot
    code, out, _ = _run(loaded, count, "json", live=True)
    assert code == 0 and json.loads(out) == {"n": 5}  # the file itself, on request


@pytest.mark.parametrize(
    ("name", "first_line"),
    [("r.csv", '"n","label"'), ("r.CSV", '"n","label"'), ("r.jsonl", '{"n": 0, "label": "x0"}'),
     ("r.json", '{"n": 0, "label": "x0"}'), ("r.txt", "┏")],
)
def test_the_out_files_extension_gives_the_format(loaded, tmp_path, name, first_line):
    code, _, err = _run(loaded, "select i as n, 'x' || i as label from range(3) t(i)", None,
                        tmp_path / name)
    assert code == 0, err
    assert (tmp_path / name).read_text(encoding="utf-8").splitlines()[0].startswith(first_line)


def test_an_out_file_of_unknown_kind_needs_a_format(loaded, tmp_path):
    code, _, err = _run(loaded, "select 1", None, tmp_path / "r.xlsx")
    assert code == 2 and ".xlsx" in err and "--format" in err
    assert not (tmp_path / "r.xlsx").exists()


def test_each_statement_of_several_shows_its_result(loaded, tmp_path):
    code, out, _ = _run(loaded, "select 'one' as a; set variable v = 1; select 'two' as b;")
    assert code == 0 and out.index("one") < out.index("two") and out.count("1 row") == 2
    code, out, _ = _run(loaded, "select 1 as a; select 2 as a", "json")
    assert [json.loads(line) for line in out.splitlines()] == [{"a": 1}, {"a": 2}]
    code, _, err = _run(loaded, "select 1; select 2", "csv", tmp_path / "two.csv")
    assert code == 2 and "one at a time" in err and not (tmp_path / "two.csv").exists()
    code, _, _ = _run(loaded, "set variable v = 1; select 2 as a", "csv", tmp_path / "one.csv")
    assert code == 0 and (tmp_path / "one.csv").read_text().split() == ['"a"', "2"]


def test_ctrl_c_while_typing_drops_the_line_and_the_prompt_goes_on(loaded):
    script = iter(["select 'abandoned' as dropped", KeyboardInterrupt, "select 7 as kept;",
                   ".quit"])

    def read_line(prompt):
        item = next(script)
        if item is KeyboardInterrupt:
            raise KeyboardInterrupt
        return item

    out = io.StringIO()
    assert interactive(loaded, read_line=read_line, stdout=out) == 0
    assert "line cancelled" in out.getvalue() and "kept" in out.getvalue()
    assert "dropped" not in out.getvalue()
