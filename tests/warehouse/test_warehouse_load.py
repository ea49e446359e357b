"""Loading batches: bulk, one transaction, idempotent by key, and the state a run reads back."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from presswatch.records import FetchedPage, SourceResult
from presswatch.warehouse.batch import BatchError, LoadBatch, Run, SourceRun
from presswatch.warehouse.errors import LoadError
from presswatch.warehouse.store import open_warehouse

T0 = datetime(2024, 11, 26, 9, 0, tzinfo=UTC)

COUNTED = ["runs", "sources", "source_runs", "pages", "articles", "raw_pages", "entities",
           "quotes", "statements"]


def _counts(wh) -> dict[str, int]:
    con = wh.connection
    return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in COUNTED}


def test_reloading_the_same_batch_adds_nothing(db_path, corpus):
    batch = corpus.run_batch("r1", 4)
    with open_warehouse(db_path) as wh:
        first = wh.load_batch(batch)
        counts = _counts(wh)
        second = wh.load_batch(batch)
        assert _counts(wh) == counts
    assert (first.articles_added, first.quotes_added, first.statements_added) == (4, 4, 1)
    assert (second.articles_added, second.quotes_added, second.statements_added) == (0, 0, 0)
    assert counts == {"runs": 1, "sources": 1, "source_runs": 1, "pages": 4, "articles": 4,
                      "raw_pages": 4, "entities": 4, "quotes": 4, "statements": 1}


def test_a_key_repeated_inside_one_batch_keeps_the_last_record(db_path, corpus):
    batch = corpus.run_batch("r1", 2)
    corrected = replace(batch.relevance[0], score=0.1, is_relevant=False)
    batch.relevance.append(corrected)
    batch.articles.append(batch.articles[0])
    with open_warehouse(db_path) as wh:
        wh.load_batch(batch)
        rows = wh.connection.execute(
            "select count(*), any_value(relevance_score) filter (where article_id = ?) "
            "from articles", [corrected.article_id]
        ).fetchall()
    assert rows == [(2, 0.1)]


def test_a_failing_batch_writes_nothing(db_path, corpus):
    batch = corpus.run_batch("r1", 3)
    batch.quotes[2] = replace(batch.quotes[2], content=None)  # violates NOT NULL mid-batch
    with open_warehouse(db_path) as wh:
        with pytest.raises(LoadError, match="rolled back"):
            wh.load_batch(batch)
        assert set(_counts(wh).values()) == {0}


def test_a_batch_with_articles_needs_a_run_id(db_path, corpus):
    batch = corpus.run_batch("r1", 1)
    batch.run_id = None
    with pytest.raises(BatchError, match="run_id"):
        with open_warehouse(db_path) as wh:
            wh.load_batch(batch)


def test_statement_counts_follow_quotes_across_batches(db_path, corpus):
    first = corpus.run_batch("r1", 2)
    statement_id = first.statements[0].statement_id
    later = corpus.make_article("https://other.example/x", f"Copy: {first.quotes[0].content}.",
                                outlet="Other Outlet")
    second = LoadBatch(
        run_id="r2", runs=[replace(first.runs[0], run_id="r2")], articles=[later],
        analysed={later.article_id: "done"},
        quotes=[corpus.make_quote(later, first.quotes[0].content, "Niko Felix", statement_id)],
    )
    with open_warehouse(db_path) as wh:
        wh.load_batch(first)
        wh.load_batch(second)
        counts = wh.connection.execute(
            "select n_articles, n_outlets from statements where statement_id = ?", [statement_id]
        ).fetchall()
    assert counts == [(3, 3)]  # Outlet 0, Outlet 1, Other Outlet


def test_reanalysis_replaces_an_articles_quotes_and_entities(db_path, corpus):
    batch = corpus.run_batch("r1", 1)
    article = batch.articles[0]
    with open_warehouse(db_path) as wh:
        wh.load_batch(batch)
        redo = LoadBatch(analysed={article.article_id: "done"},
                         entities=[corpus.make_entity(article, "Sora", "PRODUCT")])
        wh.load_batch(redo)
        entities = wh.connection.execute("select text from entities").fetchall()
        quotes = wh.connection.execute("select count(*) from quotes").fetchall()
        counts = wh.connection.execute("select n_articles from statements").fetchall()
    assert entities == [("Sora",)]
    assert quotes == [(0,)]
    assert counts == [(0,)]


def test_statement_keeps_its_id_and_earliest_appearance(db_path, corpus):
    batch = corpus.run_batch("r1", 2)
    statement = batch.statements[0]
    with open_warehouse(db_path) as wh:
        wh.load_batch(batch)
        later = replace(statement, text=statement.text + " and more",
                        first_seen_at=statement.first_seen_at + timedelta(days=1),
                        first_article_id=batch.articles[1].article_id)
        wh.load_batch(LoadBatch(statements=[later]))
        rows = wh.connection.execute(
            "select text, first_seen_at, first_article_id from statements").fetchall()
    assert rows == [(later.text, statement.first_seen_at, statement.first_article_id)]


def test_a_stored_statement_becomes_part_of_a_fuller_one_seen_later(db_path, corpus):
    """A fuller statement quoted in a later batch makes a stored one its part: the load records
    part_of on the stored row, and the state the next run reads back keeps it."""
    batch = corpus.run_batch("r1", 2)
    statement = batch.statements[0]
    whole = replace(statement, statement_id="whole-1", text=statement.text + " And more.")
    with open_warehouse(db_path) as wh:
        wh.load_batch(batch)
        wh.load_batch(LoadBatch(statements=[whole, replace(statement, part_of="whole-1")]))
        read_back = {s.statement_id: s.part_of for s in wh.statements()}
    assert read_back[statement.statement_id] == "whole-1" and read_back["whole-1"] is None


def test_feed_state_survives_a_failed_fetch(db_path, corpus):
    batch = corpus.run_batch("r1", 1)
    url = batch.sources[0].result.source_url
    failed = SourceResult(url, "feed", None, 503, error="HTTP 503")
    with open_warehouse(db_path) as wh:
        wh.load_batch(batch)
        wh.load_batch(LoadBatch(run_id="r2", sources=[SourceRun(failed, corpus.T0)]))
        state = wh.feed_state()[url]
        source_runs = wh.connection.execute(
            "select run_id, status, reason from source_runs order by run_id").fetchall()
    assert state.etag == '"r1"' and state.last_error == "HTTP 503"
    assert source_runs == [("r1", "ok", None), ("r2", "failed", "HTTP 503")]


def test_a_source_not_used_by_choice_is_no_failure(db_path, corpus):
    """Google News without the story's opt-in: status not_used with its reason, no error."""
    url = "https://news.google.com/rss/search?q=Sora"
    unused = SourceResult(url, "feed", "Google News", None, not_used="Google News is opt-in")
    with open_warehouse(db_path) as wh:
        run = corpus.run_batch("r1", 1).runs
        wh.load_batch(LoadBatch(run_id="r1", runs=run, sources=[SourceRun(unused, corpus.T0)]))
        source_runs = wh.connection.execute(
            "select status, reason from source_runs").fetchall()
        health = wh.connection.execute(
            "select status, failed_streak from source_run_health").fetchall()
        state = wh.feed_state()[url]
    assert source_runs == [("not_used", "Google News is opt-in")]
    assert health == [("not_used", 0)] and state.last_error is None


def test_read_state_gives_what_a_run_needs(db_path, corpus):
    batch = corpus.run_batch("r1", 3)
    unanalysed = batch.articles[2]
    del batch.analysed[unanalysed.article_id]
    with open_warehouse(db_path) as wh:
        wh.load_batch(batch)
        state = wh.read_state()
    assert state.stored_urls == {a.url for a in batch.articles}
    assert [a.article_id for a in state.pending_articles] == [unanalysed.article_id]
    assert state.pending_articles[0].text == unanalysed.text
    assert [s.statement_id for s in state.statements] == [batch.statements[0].statement_id]
    assert state.feeds["https://feeds.example/rss"].etag == '"r1"'


@dataclass
class Note:
    note_id: str
    body: str


def test_extra_rows_are_upserted_by_primary_key(db_path, tmp_path):
    import shutil

    from presswatch.warehouse.store import MIGRATIONS_DIR

    migrations_dir = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations_dir)
    (migrations_dir / "090_notes.sql").write_text(
        "create table notes (note_id varchar primary key, body varchar);")
    with open_warehouse(db_path, migrations_dir=migrations_dir) as wh:
        wh.load_batch(LoadBatch(extra={"notes": [Note("a", "one"), Note("a", "two")]}))
        wh.load_batch(LoadBatch(extra={"notes": [Note("b", "three")]}))
        rows = wh.connection.execute("select * from notes order by note_id").fetchall()
        with pytest.raises(LoadError, match="primary key"):
            wh.load_batch(LoadBatch(extra={"no_such_table": [Note("c", "x")]}))
    assert rows == [("a", "two"), ("b", "three")]


def test_read_only_warehouse_refuses_loads(db_path, corpus):
    open_warehouse(db_path).close()
    with open_warehouse(db_path, read_only=True) as wh:
        with pytest.raises(LoadError, match="opened for writing"):
            wh.load_batch(corpus.run_batch("r1", 1))


def test_times_are_stored_in_utc_whatever_zone_they_come_in(db_path, corpus):
    from datetime import datetime, timezone

    eastern = timezone(timedelta(hours=-5))
    batch = corpus.run_batch("r1", 2)
    batch.articles[0] = replace(batch.articles[0], published_at=datetime(2024, 11, 26, 11, 5,
                                                                         tzinfo=eastern))
    batch.articles[1] = replace(batch.articles[1], published_at=datetime(2024, 11, 26, 16, 5))
    with open_warehouse(db_path) as wh:
        wh.load_batch(batch)
        rows = wh.connection.execute(
            "select distinct strftime(timezone('UTC', published_at), '%Y-%m-%d %H:%M') "
            "from articles").fetchall()
    assert rows == [("2024-11-26 16:05",)]  # 11:05 at UTC-5, and a naive time taken as UTC


def test_links_that_led_to_a_stored_article_are_stored_urls(db_path, corpus):
    batch = corpus.run_batch("r1", 1)
    article = batch.articles[0]
    redirect = "https://news.aggregator.example/rss/articles/CBMi123"
    batch.pages.append(FetchedPage(redirect, article.url, 200, article.fetched_at,
                                   article.source_url, "text/html",
                                   reason=f"duplicate: {article.url} was already fetched"))
    batch.pages.append(FetchedPage("https://other.example/gone", "https://other.example/gone",
                                   404, article.fetched_at, article.source_url, reason="HTTP 404"))
    with open_warehouse(db_path) as wh:
        wh.load_batch(batch)
        stored = wh.stored_urls()
    assert redirect in stored and article.url in stored
    assert "https://other.example/gone" not in stored  # a failure is tried again next time


def test_a_new_run_marks_runs_left_running_as_failed(db_path):
    with open_warehouse(db_path) as wh:
        wh.load_batch(LoadBatch(run_id="dead", runs=[Run("dead", "sora-leak", T0)]))
        wh.load_batch(LoadBatch(run_id="next", runs=[Run("next", "sora-leak", T0)]))
        assert wh.close_unfinished_runs("next") == 1
        rows = wh.connection.execute("select run_id, status, message from runs "
                                     "order by run_id").fetchall()
    assert rows[0][:2] == ("dead", "failed") and "completed by run next" in rows[0][2]
    assert rows[1][:2] == ("next", "running")
