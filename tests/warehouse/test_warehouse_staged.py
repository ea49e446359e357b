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


def _staged_run(root, warehouse, corpus) -> tuple:
    """A held run's folder as the run leaves it: two batches, its finish and staged.json."""
    from presswatch.runs.staging import StagedRun, stage_finish, stage_load_batch

    first, second = (corpus.run_batch("r1", 2), corpus.run_batch("r1", 2,
                                                                 prefix="https://b.example/"))
    run_dir = root / "r1"
    stage_load_batch(run_dir, 0, first)
    stage_load_batch(run_dir, 1, second)
    stage_finish(run_dir, StagedRun("r1", warehouse.fingerprint(), first.runs[0]), [])
    assert not [p for p in run_dir.rglob("*") if "partial" in p.name]
    return run_dir, {a.url for a in first.articles}, {a.url for a in second.articles}


@pytest.mark.parametrize(("folder", "damage"), [
    ("batches/000001", "cut short"), ("batches/000001", "garbage"),
    ("batches/000001", "emptied"), ("finish", "cut short")])
def test_a_damaged_staged_batch_is_set_aside_naming_it_and_the_next_run_goes_on(
        tmp_path, corpus, caplog, folder, damage):
    import logging

    from presswatch.runs.staging import catch_up, staged_state

    db, root = tmp_path / "presswatch.duckdb", tmp_path / "presswatch.duckdb.staging"
    with open_warehouse(db) as warehouse:
        run_dir, first_urls, second_urls = _staged_run(root, warehouse, corpus)
        table = run_dir / folder / ("runs.arrow" if folder == "finish" else "articles.arrow")
        whole = table.read_bytes()
        table.write_bytes({"cut short": whole[: len(whole) // 2], "emptied": b"",
                           "garbage": b"\0not arrow\0" * 100}[damage])
        before = warehouse.fingerprint()
        with caplog.at_level(logging.WARNING):
            result = catch_up(warehouse, root, by_run_id="r2")
        assert result.landed == [] and result.stale == [run_dir]  # its pages: processed again
        assert warehouse.fingerprint() == before and not warehouse.has_run("r1")  # none of it
    damaged = run_dir / folder
    aside = [p.name for p in damaged.parent.iterdir() if p.name.startswith(damaged.name)]
    assert len(aside) == 1 and aside[0].startswith(f"{damaged.name}.damaged-")
    assert str(damaged) in caplog.text and aside[0] in caplog.text
    # every later run reads what is whole, never stops on the damaged batch again, and never
    # loads the rest of the run without it
    whole_urls = first_urls if folder == "batches/000001" else first_urls | second_urls
    assert staged_state([run_dir]).urls == whole_urls
    with open_warehouse(db) as warehouse:
        assert catch_up(warehouse, root, by_run_id="r3").stale == [run_dir]
        assert not warehouse.has_run("r1")


def test_a_damaged_staged_json_is_set_aside_and_the_folder_taken_for_a_dead_runs(
        tmp_path, corpus, caplog):
    import logging

    from presswatch.runs.staging import catch_up, is_staged

    db, root = tmp_path / "presswatch.duckdb", tmp_path / "presswatch.duckdb.staging"
    with open_warehouse(db) as warehouse:
        run_dir, _, _ = _staged_run(root, warehouse, corpus)
        manifest = run_dir / "staged.json"
        manifest.write_text(manifest.read_text()[:40], encoding="utf-8")
        with caplog.at_level(logging.WARNING):
            result = catch_up(warehouse, root, by_run_id="r2")
        assert result.landed == [] and result.stale == [] and not warehouse.has_run("r1")
    assert not is_staged(run_dir)  # a dead run's folder: its crawl is processed again
    aside = [p.name for p in run_dir.iterdir() if p.name.startswith("staged.json.damaged-")]
    assert len(aside) == 1 and str(manifest) in caplog.text


def test_a_batch_that_does_not_fit_says_no_space_and_leaves_no_partial(small_disk, corpus):
    from presswatch.folders import DiskFull

    batch = stage_batch(corpus.run_batch("r1", 200))
    root = small_disk.path / "batches"
    root.mkdir()
    filler = small_disk.fill(leave_bytes=4096)
    with pytest.raises(DiskFull, match="no space left on the device to write .*000000"):
        write_staged(root / "000000", batch)
    assert list(root.iterdir()) == []
    filler.unlink()
    write_staged(root / "000000", batch)
    assert staged_column(root, "articles", "url") == {
        a for a in batch.tables["articles"].column("url").to_pylist()}
