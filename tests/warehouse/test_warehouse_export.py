"""`presswatch export`: every table as Parquet, partitioned by day where it fits, round-tripping
row counts and column types."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from presswatch.warehouse.batch import LoadBatch, Run
from presswatch.warehouse.export import MARKER, ExportRefused, export_parquet, read_exported
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
        assert [e.table for e in exported if e.kind == "table"] == wh.tables()
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
    assert exported["pages"].partitioned_by == "fetched_at"
    assert exported["quotes"].partitioned_by is None
    assert exported["quotes"].path.name == "quotes.parquet"


def test_articles_are_partitioned_by_publication_day_else_fetch_day(db_path, corpus, tmp_path):
    late = corpus.make_article("https://a.example/late", "Late news about OpenAI.",
                               published_at=corpus.T0 + timedelta(days=3),
                               fetched_at=corpus.T0 + timedelta(days=5))
    undated = corpus.make_article("https://a.example/undated", "Undated news about OpenAI.",
                                  published_at=None, fetched_at=corpus.T0 + timedelta(days=7))
    with open_warehouse(db_path) as wh:
        wh.load_batch(corpus.run_batch("r1", 1))
        wh.load_batch(LoadBatch(run_id="r2", runs=[Run("r2", "sora-leak", corpus.T0)],
                                articles=[late, undated]))
    exported = {e.table: e for e in export_parquet(db_path, tmp_path / "export")}
    articles = exported["articles"]
    assert articles.partitioned_by == "published_at"
    assert sorted(p.name for p in articles.path.iterdir()) == [
        "day=2024-11-26", "day=2024-11-29", "day=2024-12-03"]
    reader = duckdb.connect()
    reader.execute("set TimeZone = 'UTC'")
    days = dict(reader.execute(
        f"select url, day from read_parquet('{articles.path}/**/*.parquet', "
        "hive_partitioning = true)").fetchall())
    assert str(days[late.url]) == "2024-11-29" and str(days[undated.url]) == "2024-12-03"


def test_the_views_are_exported_too(loaded, tmp_path):
    exported = {e.table: e for e in export_parquet(loaded, tmp_path / "export")}
    views = {name for name, e in exported.items() if e.kind == "view"}
    assert {"daily_coverage", "outlet_coverage", "outlet_names", "speaker_statements",
            "statement_timeline", "entity_mentions_daily", "latest_run",
            "data_dictionary"} <= views
    reader = duckdb.connect()
    with open_warehouse(loaded, read_only=True) as wh:
        for name in views:
            back = read_exported(reader, exported[name])
            assert back.count("*").fetchall()[0][0] == exported[name].rows, name
            original = wh.connection.sql(f'select count(*) from "{name}"').fetchall()[0][0]
            assert exported[name].rows == original, name


def test_exporting_again_replaces_the_earlier_export(loaded, tmp_path, corpus):
    export_parquet(loaded, tmp_path / "export")
    with open_warehouse(loaded) as wh:
        wh.load_batch(corpus.run_batch("r3", 1, prefix="https://third.example/"))
    exported = {e.table: e for e in export_parquet(loaded, tmp_path / "export")}
    reader = duckdb.connect()
    assert read_exported(reader, exported["articles"]).count("*").fetchall() == [(7,)]


def test_a_folder_of_the_users_own_files_is_refused_and_left_as_it_was(loaded, tmp_path):
    mine = tmp_path / "analysis"
    (mine / "articles").mkdir(parents=True)
    (mine / "articles" / "notes.md").write_text("my notes")
    (mine / "sources.parquet").write_bytes(b"my own parquet")
    with pytest.raises(ExportRefused, match="not a presswatch export"):
        export_parquet(loaded, mine)
    assert (mine / "articles" / "notes.md").read_text() == "my notes"
    assert (mine / "sources.parquet").read_bytes() == b"my own parquet"
    assert sorted(p.name for p in mine.rglob("*")) == ["articles", "notes.md", "sources.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([loaded.name, "analysis"])


def test_an_empty_folder_takes_an_export_and_a_stale_table_goes_with_the_old_export(
        loaded, tmp_path):
    out = tmp_path / "export"
    out.mkdir()
    export_parquet(loaded, out)
    (out / "dropped_table.parquet").write_bytes(b"from an older schema")
    export_parquet(loaded, out)
    assert (out / MARKER).exists() and (out / "articles").is_dir()
    assert not (out / "dropped_table.parquet").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []
