"""The report's period: one definition of the articles it covers (the dated_articles macro,
presswatch/warehouse/views/00_macros.sql) that every report query reads, and a clear refusal of
a snapshot made before it existed."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from presswatch.report import ReportError, build_report
from presswatch.warehouse.store import open_warehouse, snapshot_path


@pytest.fixture
def two_days(tmp_path, builder):
    """A dated article on the story's first day, one a day later, one that gives no date."""
    articles = [
        builder.article("https://a.example/1", "One.", outlet="a.example", title="One"),
        builder.article("https://a.example/2", "Two.", outlet="a.example", title="Two",
                        published_at=builder.T0 + timedelta(days=1)),
        builder.article("https://a.example/3", "Three.", outlet="a.example", title="Three",
                        published_at=None),
    ]
    db = tmp_path / "two-days.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.load_batch(builder.batch("r1", articles, [], []))
        warehouse.publish()
    return db


def _period(db, since: date) -> list[tuple]:
    with duckdb.connect(str(snapshot_path(db)), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(
            "select title, day, seen_at = coalesce(published_at, first_seen_at) "
            "from dated_articles($since) order by title", {"since": since}).fetchall()


def test_the_period_counts_an_undated_article_from_when_it_was_found(two_days, builder):
    first = builder.T0.date()
    with duckdb.connect(str(snapshot_path(two_days)), read_only=True) as con:
        (found,) = con.execute("select cast(timezone('UTC', first_seen_at) as date) "
                               "from articles where title = 'Three'").fetchone()
    assert _period(two_days, date(1, 1, 1)) == sorted(
        [("One", first, True), ("Two", first + timedelta(days=1), True), ("Three", found, True)])
    assert [title for title, _, _ in _period(two_days, first + timedelta(days=1))] == sorted(
        ["Two", "Three"] if found > first else ["Two"])


def test_a_snapshot_without_the_period_macro_is_refused_with_what_to_do(two_days):
    with duckdb.connect(str(snapshot_path(two_days))) as con:  # as an older presswatch left it
        con.execute("drop macro table dated_articles")
    with pytest.raises(ReportError, match="no dated_articles.*presswatch run"):
        build_report(two_days)
