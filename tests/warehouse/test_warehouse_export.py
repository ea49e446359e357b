"""`presswatch export`: every table as Parquet, partitioned by day where it fits, round-tripping
row counts and column types."""

from __future__ import annotations

import duckdb
import pytest

from presswatch.warehouse.export import export_parquet, read_exported
from presswatch.warehouse.store import open_warehouse


@pytest.fixture
def loaded(db_path, corpus):
    with open_warehouse(db_path) as wh:
        wh.load_batch(corpus.run_batch("r1", 4))
        wh.load_batch(corpus.run_batch("r2", 2, prefix="https://other.example/"))
        wh.index_articles()
        wh.connection.execute(
            "insert into alerts (alert_id, rule, channel, created_at, status, attempts, payload) "
            "values ('a1', 'new_statement', 'webhook', now(), 'pending', 0, '{\"k\": [1, 2]}')"
        )
    return db_path


def test_export_round_trips_every_table(loaded, tmp_path):
    exported = export_parquet(loaded, tmp_path / "export")
    filled = {e.table for e in exported if e.rows}
    assert {"runs", "sources", "pages", "articles", "raw_pages", "entities", "quotes",
            "statements", "alerts", "article_terms", "schema_version"} <= filled
    reader = duckdb.connect()
    reader.execute("set TimeZone = 'UTC'")
    with open_warehouse(loaded, read_only=True) as wh:
        assert [e.table for e in exported] == wh.tables()
        for table in exported:
            original = wh.connection.sql(f'select * from "{table.table}"')
            back = read_exported(reader, table)
            assert back.columns == original.columns, table.table
            assert [str(t) for t in back.types] == [str(t) for t in original.types], table.table
            assert table.rows == original.count("*").fetchall()[0][0], table.table
            assert back.count("*").fetchall()[0][0] == table.rows, table.table
            everything = ", ".join(f'"{c}"' for c in original.columns)
            assert back.order(everything).fetchall() == original.order(everything).fetchall()


def test_tables_with_a_time_column_are_partitioned_by_day(loaded, tmp_path):
    exported = {e.table: e for e in export_parquet(loaded, tmp_path / "export")}
    assert exported["articles"].partitioned_by == "fetched_at"
    assert sorted(p.name for p in exported["articles"].path.iterdir()) == ["day=2024-11-26"]
    assert exported["quotes"].partitioned_by is None
    assert exported["quotes"].path.name == "quotes.parquet"


def test_exporting_again_replaces_the_earlier_export(loaded, tmp_path, corpus):
    export_parquet(loaded, tmp_path / "export")
    with open_warehouse(loaded) as wh:
        wh.load_batch(corpus.run_batch("r3", 1, prefix="https://third.example/"))
    exported = {e.table: e for e in export_parquet(loaded, tmp_path / "export")}
    reader = duckdb.connect()
    assert read_exported(reader, exported["articles"]).count("*").fetchall() == [(7,)]
