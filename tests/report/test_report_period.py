"""The report's period: one definition of the articles it covers (the dated_articles macro,
presswatch/warehouse/views/02_dated_articles.sql) that every report query reads, with each
article's outlet name, and a clear refusal of a snapshot made before it existed or had that name."""

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


def test_each_article_of_the_period_comes_with_its_outlet_name(two_days):
    with duckdb.connect(str(snapshot_path(two_days)), read_only=True) as con:
        named = con.execute("select a.title, a.outlet_name, n.name from dated_articles("
                            "date '0001-01-01') as a join outlet_names as n using (outlet) "
                            "order by a.title").fetchall()
    assert [title for title, _, _ in named] == ["One", "Three", "Two"]
    assert all(name == expected and name for _, name, expected in named)


def test_a_snapshot_with_the_period_macro_of_an_older_shape_is_refused(two_days):
    with duckdb.connect(str(snapshot_path(two_days))) as con:  # dated_articles before its name
        con.execute("create or replace macro dated_articles(since) as table "
                    "select a.* from articles as a")
        con.execute("drop macro table period_quotes")
    with pytest.raises(ReportError, match="no period_quotes.*presswatch run"):
        build_report(two_days)
