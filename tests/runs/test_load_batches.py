"""The load's batches: full ones, and one cut short when the last texts are being parsed."""

from __future__ import annotations

from presswatch.runs.analysis import Item, load_batches


def _items(n: int) -> list[Item]:
    return [Item(None, is_new=True, pages=[]) for _ in range(n)]


def _sizes(n: int, size: int, in_flight_from: int | None) -> list[int]:
    """Batch sizes when the last texts are in flight from the in_flight_from-th item read."""
    read = 0

    def counted():
        nonlocal read
        for item in _items(n):
            read += 1
            yield item

    def in_flight() -> bool:
        return in_flight_from is not None and read >= in_flight_from

    return [len(batch) for batch in load_batches(counted(), size, in_flight)]


def test_batches_are_full_while_pages_are_still_read():
    assert _sizes(1000, 256, None) == [256, 256, 256, 232]


def test_one_batch_is_cut_short_once_the_last_texts_are_in_flight():
    # items 769-900 load while the last texts are parsed; 901-1000 after them
    assert _sizes(1000, 256, 900) == [256, 256, 256, 132, 100]


def test_a_cut_is_worth_a_quarter_batch_at_least():
    assert _sizes(1000, 256, 780) == [256, 256, 256, 64, 168]
    assert _sizes(40, 256, 1) == [40]  # a small run still loads once
