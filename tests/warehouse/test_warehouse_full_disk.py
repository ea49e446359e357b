"""A full disk and a read-only filesystem, for real (a small tmpfs): the error says so, nothing
half-written stays behind, and the next run after space is freed finishes the job."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from presswatch.warehouse.alert_book import AlertBook, QueuedAlert
from presswatch.warehouse.errors import WarehouseUnwritable
from presswatch.warehouse.store import open_warehouse, snapshot_path


def test_a_snapshot_that_does_not_fit_leaves_no_partial_and_says_no_space(small_disk, corpus):
    db = small_disk.path / "presswatch.duckdb"
    with open_warehouse(db) as wh:
        wh.load_batch(corpus.run_batch("r1", 3))
        wh.publish()
    snapshot = snapshot_path(db)
    published = corpus.file_digest(snapshot)
    with open_warehouse(db) as wh:
        wh.load_batch(corpus.run_batch("r2", 3, prefix="https://two.example/"))
        wh.connection.execute("checkpoint")
        filler = small_disk.fill(leave_bytes=db.stat().st_size // 2)
        with pytest.raises(WarehouseUnwritable, match="no space left on the device"):
            wh.publish()
    assert sorted(p.name for p in small_disk.path.iterdir()) == sorted(
        [db.name, snapshot.name, filler.name])  # no .partial left
    assert corpus.file_digest(snapshot) == published  # the old snapshot stays
    filler.unlink()
    with open_warehouse(db) as wh:
        assert wh.has_run("r2")
        wh.publish()
    with open_warehouse(snapshot, read_only=True) as snap:
        assert snap.has_run("r2")


def test_a_load_on_a_full_disk_says_no_space_not_no_transaction(small_disk, corpus):
    db = small_disk.path / "presswatch.duckdb"
    with open_warehouse(db) as wh:
        wh.load_batch(corpus.run_batch("r1", 2))
    filler = small_disk.fill(leave_bytes=0)
    big = corpus.run_batch("r2", 400, prefix="https://two.example/")
    with pytest.raises(WarehouseUnwritable, match="no space left") as caught:
        with open_warehouse(db) as wh:
            wh.load_batch(big)
    assert "no transaction is active" not in str(caught.value)
    filler.unlink()
    with open_warehouse(db) as wh:  # the file still opens, and the batch loads whole now
        assert wh.has_run("r1")
        wh.load_batch(big)
        assert wh.has_run("r2")


def test_a_read_only_filesystem_is_called_read_only_not_corrupt(small_disk, corpus):
    db = small_disk.path / "presswatch.duckdb"
    with open_warehouse(db) as wh:
        wh.load_batch(corpus.run_batch("r1", 2))
    small_disk.read_only()
    with pytest.raises(WarehouseUnwritable, match="Read-only file system") as caught:
        open_warehouse(db)
    assert "corrupt" not in str(caught.value).lower()
    with open_warehouse(db, read_only=True) as wh:  # reading still works
        assert wh.run_checks() == []


def _alerts(n: int) -> list[QueuedAlert]:
    """n pending alerts with payloads big enough that a few hundred need megabytes."""
    return [QueuedAlert(alert_id=f"alert-{i}", alert_key=f"statement-{i}", statement_id=None,
                        rule="any", channel="webhook", payload={"text": f"{i} " + "x" * 4000})
            for i in range(n)]


def test_alert_bookkeeping_on_a_full_disk_says_no_space_and_writes_nothing(small_disk, corpus):
    db = small_disk.path / "presswatch.duckdb"
    with open_warehouse(db) as wh:
        wh.load_batch(corpus.run_batch("r1", 2))
    book = AlertBook(db)
    book.pending()  # the book's first (inspecting) open, before the disk fills
    filler = small_disk.fill(leave_bytes=0)
    now = datetime(2026, 12, 6, tzinfo=UTC)
    with pytest.raises(WarehouseUnwritable, match="queuing alerts failed: no space left") as caught:
        book.queue(_alerts(2000), {}, story_id="sora", run_id="r1", now=now)
    assert "no transaction is active" not in str(caught.value)
    filler.unlink()
    assert book.pending() == []  # nothing of the failed write landed
    book.queue(_alerts(2000), {}, story_id="sora", run_id="r1", now=now)
    assert len(book.pending()) == 2000
