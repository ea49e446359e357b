"""Staged batches: a load written to disk and loaded later lands exactly as a direct load."""

from __future__ import annotations

import pytest

from presswatch.warehouse.batch import LoadBatch
from presswatch.warehouse.errors import LoadError
from presswatch.warehouse.staged import (
    read_all_staged,
    stage_batch,
    staged_column,
    write_staged,
)
from presswatch.warehouse.store import open_warehouse

TABLES = ("runs", "sources", "source_runs", "pages", "articles", "quotes", "entities",
          "statements")


def _contents(db) -> dict[str, list[tuple]]:
    with open_warehouse(db, read_only=True) as warehouse:
        con = warehouse.connection
        # first_seen_at is when the row was loaded: the one column a later load changes
        return {t: sorted(map(repr, con.execute(
                    f"select * exclude (first_seen_at) from {t}" if t == "articles"
                    else f"select * from {t}").fetchall()))
                for t in TABLES}


def test_a_staged_run_lands_like_a_direct_load_and_only_once(tmp_path, corpus):
    batch = corpus.run_batch("r1", 3)
    direct, later = tmp_path / "direct.duckdb", tmp_path / "later.duckdb"
    with open_warehouse(direct) as warehouse:
        warehouse.load_batch(batch)
    root = tmp_path / "batches"
    write_staged(root / "000000", stage_batch(batch))
    assert not list(root.glob("*.partial"))
    assert staged_column(root, "articles", "canonical_url") == {a.url for a in batch.articles}

    finish = stage_batch(LoadBatch(run_id="r1", runs=batch.runs))
    with open_warehouse(later) as warehouse:
        before = warehouse.fingerprint()
        added = warehouse.load_staged("r1", read_all_staged(root), lambda added: finish)
        assert added.articles_added == 3 and added.quotes_added == 3
        assert warehouse.fingerprint() != before
        assert warehouse.has_run("r1")
        again = warehouse.load_staged("r1", read_all_staged(root), lambda added: finish)
        assert (again.articles_added, again.quotes_added) == (0, 0)
    assert _contents(later) == _contents(direct)


def test_a_staged_run_that_fails_leaves_nothing_behind(tmp_path, corpus):
    batch = corpus.run_batch("r1", 2)
    root = tmp_path / "batches"
    write_staged(root / "000000", stage_batch(batch))
    db = tmp_path / "presswatch.duckdb"
    with open_warehouse(db) as warehouse:
        before = warehouse.fingerprint()

        def broken_finish(added):
            raise LoadError(db, "the finish could not be built")

        with pytest.raises(LoadError):
            warehouse.load_staged("r1", read_all_staged(root), broken_finish)
        assert warehouse.fingerprint() == before
        assert not warehouse.has_run("r1")
