"""The analyst views answer correctly on a small hand-made corpus, and everything is described."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from presswatch.records import Relevance, Statement, stable_id
from presswatch.warehouse.batch import LoadBatch, Run, SourceRun
from presswatch.warehouse.console import run_query
from presswatch.warehouse.store import open_warehouse

COOKBOOK = Path(__file__).parents[2] / "presswatch" / "warehouse" / "cookbook"

VIEWS = ["daily_coverage", "outlet_coverage", "speaker_statements", "statement_timeline",
         "entity_mentions_daily", "latest_run"]


@pytest.fixture(scope="module")
def coverage(tmp_path_factory, corpus):
    """Three articles on 26 Nov (one a syndicated copy), one on 27 Nov (off topic); OpenAI's
    statement in three of them across two outlets and two days."""
    db_path = tmp_path_factory.mktemp("views") / "presswatch.duckdb"
    t0 = corpus.T0
    said = "We take the leak seriously"
    texts = {
        "a": f'OpenAI said: "{said}," said Niko Felix. Sora stays paused.',
        "b": f'OpenAI said: "{said}," said Niko Felix. Sora stays paused.',
        "c": f'Hugging Face hosted the tool. "{said}," Felix said.',
        "d": "A recipe for apple pie with no mention of the story.",
    }
    published = {"a": t0, "b": t0 + timedelta(hours=3), "c": t0 + timedelta(days=1),
                 "d": t0 + timedelta(days=1, hours=2)}
    where = {"a": ("https://verge.example/a", "Verge", "OpenAI responds"),
             "b": ("https://wire.example/b", "Wire", "OpenAI responds"),
             "c": ("https://verge.example/c", "Verge", "Hugging Face"),
             "d": ("https://food.example/d", "Food", "Pie")}
    articles = {
        k: corpus.make_article(url, texts[k], outlet=outlet, title=title,
                               published_at=published[k],
                               fetched_at=published[k] + timedelta(hours=1))
        for k, (url, outlet, title) in where.items()
    }
    statement_id = stable_id("Niko Felix", said)
    quotes = [corpus.make_quote(articles[k], said, "Niko Felix", statement_id) for k in "abc"]
    source_ok = SourceRun(corpus.run_batch("x", 1).sources[0].result, t0)
    source_bad = SourceRun(replace(source_ok.result, source_url="https://bad.example/feed",
                                   error="HTTP 500", status=500), t0)
    batch = LoadBatch(
        run_id="run-2",
        runs=[Run("run-1", "sora-leak", t0 - timedelta(days=1), "ok", t0 - timedelta(days=1)),
              Run("run-2", "sora-leak", t0, "partial", t0 + timedelta(minutes=5),
                  n_articles_added=4)],
        sources=[source_ok, source_bad],
        articles=list(articles.values()),
        relevance=[Relevance(articles[k].article_id, 0.9, True, []) for k in "abc"]
        + [Relevance(articles["d"].article_id, 0.0, False, [])],
        clusters={articles["b"].article_id: articles["a"].article_id,
                  articles["a"].article_id: articles["a"].article_id},
        analysed={a.article_id: "done" for a in articles.values()},
        entities=[corpus.make_entity(articles[k], "OpenAI") for k in "ab"]
        + [corpus.make_entity(articles["c"], "Hugging Face")],
        quotes=quotes,
        statements=[Statement(statement_id, "Niko Felix", "OpenAI spokesperson", "OpenAI", said,
                              t0, articles["a"].article_id)],
    )
    with open_warehouse(db_path) as wh:
        wh.load_batch(batch)
        wh.publish()
    return db_path


def _rows(db, sql):
    with open_warehouse(db, read_only=True) as wh:
        return wh.connection.execute(sql).fetchall()


def test_daily_coverage(coverage):
    assert _rows(coverage, "select * from daily_coverage") == [
        (date(2024, 11, 26), 2, 1, 2, 2, 1.0),
        (date(2024, 11, 27), 2, 2, 2, 1, 0.5),
    ]


def test_outlet_coverage(coverage):
    rows = _rows(coverage, "select outlet, n_articles, n_relevant, n_quotes, n_statements, "
                           "n_speakers from outlet_coverage")
    assert rows == [("Verge", 2, 2, 2, 1, 1), ("Food", 1, 0, 0, 0, 0), ("Wire", 1, 1, 1, 1, 1)]


def test_speaker_statements(coverage):
    rows = _rows(coverage, "select speaker, role, organisation, n_statements, n_quotes, "
                           "n_articles, n_outlets, last_seen_at - first_seen_at "
                           "from speaker_statements")
    # The statement's role, as the report and the alerts give it.
    assert rows == [("Niko Felix", "OpenAI spokesperson", "OpenAI", 1, 3, 3, 2, timedelta(days=1))]


def test_statement_timeline(coverage):
    rows = _rows(coverage, "select speaker, first_outlet, first_title, spread_hours, n_days, "
                           "n_articles, n_outlets, outlets from statement_timeline")
    assert rows == [("Niko Felix", "Verge", "OpenAI responds", 24, 2, 3, 2, ["Verge", "Wire"])]


def test_a_part_counts_in_its_whole_and_is_no_statement_of_its_own(coverage, tmp_path):
    """Article c quotes one sentence of the statement alone: a statement of its own, part_of
    the whole. The timeline keeps one row, the whole's, counting c; the speaker said one thing."""
    db = tmp_path / "parts.duckdb"
    db.write_bytes(coverage.read_bytes())
    with open_warehouse(db) as wh:
        con = wh.connection
        con.execute("insert into statements by name select * replace "
                    "('part-1' as statement_id, statement_id as part_of) from statements")
        con.execute("update quotes set statement_id = 'part-1' where article_id = "
                    "(select article_id from articles where url = 'https://verge.example/c')")
    assert _rows(db, "select count(*) from statements") == [(2,)]
    assert _rows(db, "select n_days, n_articles, n_outlets, n_parts from statement_timeline") == [
        (2, 3, 2, 1)]
    assert _rows(db, "select n_statements, n_quotes from speaker_statements") == [(1, 3)]


def test_a_speakers_role_tied_between_two_is_the_same_at_every_build(coverage, tmp_path):
    """Two roles given as often as each other: the view shows the first in alphabetical order,
    not whichever row the scan met first, so the report does not flip between builds."""
    db = tmp_path / "tie.duckdb"
    db.write_bytes(coverage.read_bytes())
    with open_warehouse(db) as wh:
        con = wh.connection
        con.execute("update statements set speaker_role = null")
        for url, role in [("https://verge.example/a", "a spokesperson"),
                          ("https://wire.example/b", "the startup's spokesperson"),
                          ("https://verge.example/c", None)]:
            con.execute("update quotes set speaker_role = ? where article_id = "
                        "(select article_id from articles where url = ?)", [role, url])
    assert _rows(db, "select role from speaker_statements") == [("a spokesperson",)]


def test_entity_mentions_daily(coverage):
    assert _rows(coverage, "select day, entity, n_mentions, n_outlets "
                           "from entity_mentions_daily") == [
        (date(2024, 11, 26), "OpenAI", 2, 2),
        (date(2024, 11, 27), "Hugging Face", 1, 1),
    ]


def test_latest_run(coverage):
    assert _rows(coverage, "select run_id, status, duration_s, n_articles_added, failed_sources "
                           "from latest_run") == [
        ("run-2", "partial", 300, 4, ["https://bad.example/feed: HTTP 500"]),
    ]


def test_every_table_view_and_column_is_described(coverage):
    undescribed = _rows(
        coverage,
        """
        select 'table ' || table_name from duckdb_tables()
        where not internal and schema_name = 'main' and comment is null
        union all
        select 'view ' || view_name from duckdb_views()
        where not internal and schema_name = 'main' and comment is null
        union all
        select 'column ' || table_name || '.' || column_name from duckdb_columns()
        where not internal and schema_name = 'main' and comment is null
        order by 1
        """,
    )
    assert undescribed == []


@pytest.mark.parametrize("view", VIEWS)
def test_views_survive_a_refresh_and_stay_described(coverage, view):
    with open_warehouse(coverage) as wh:
        wh.refresh_views()
        (comment,) = wh.connection.execute(
            "select comment from duckdb_views() where view_name = ?", [view]).fetchall()[0]
    assert comment


@pytest.mark.parametrize("recipe", sorted(p.name for p in COOKBOOK.glob("*.sql")))
def test_cookbook_recipes_run_on_the_snapshot(coverage, recipe):
    out, err = io.StringIO(), io.StringIO()
    sql = (COOKBOOK / recipe).read_text()
    assert run_query(coverage.with_name("presswatch.snapshot.duckdb"), sql, "json",
                     stdout=out, stderr=err) == 0, err.getvalue()
    assert sql.startswith("-- ") and sql.splitlines()[0].endswith("?")


def test_cookbook_answers_on_the_hand_made_corpus(coverage):
    def answer(recipe, *columns):
        out = io.StringIO()
        run_query(coverage, (COOKBOOK / recipe).read_text(), "json", stdout=out)
        return [tuple(json.loads(line)[c] for c in columns) for line in out.getvalue().splitlines()]

    assert answer("01_quoted_in_first_48_hours.sql", "speaker", "n_quotes", "n_outlets") == [
        ("Niko Felix", 3, 2)
    ]
    assert answer("02_outlets_running_openai_statement.sql", "speaker", "outlets") == [
        ("Niko Felix", ["Verge", "Wire"])
    ]
    assert answer("04_new_statements_last_run.sql", "speaker", "first_outlet") == [
        ("Niko Felix", "Verge")
    ]
    assert answer("05_syndicated_copies.sql", "original_outlet", "copied_by") == [
        ("Verge", ["Wire"])
    ]
    assert answer("10_failed_sources_last_run.sql", "url", "reason") == [
        ("https://bad.example/feed", "HTTP 500")
    ]
    assert answer("09_search_hugging_face_token.sql", "outlet", "title")[0] == (
        "Verge", "Hugging Face"
    )


def test_data_dictionary_describes_every_column_of_every_table_and_view(coverage):
    rows = _rows(coverage, "select object_name, kind, column_name, column_description "
                           "from data_dictionary")
    described = {(name, column) for name, _, column, text in rows if text}
    assert ("articles", "published_at") in described
    assert ("statement_timeline", "n_days") in described
    assert {kind for _, kind, _, _ in rows} == {"table", "view"}
    assert all(text for *_, text in rows)


def test_statement_timeline_says_whether_the_words_are_quoted_or_reported(coverage):
    assert _rows(coverage, "select said_as from statement_timeline") == [("quoted",)]
    with open_warehouse(coverage) as wh:  # the same words, but only ever as reported speech
        wh.connection.execute("update quotes set kind = 'indirect'")
    assert _rows(coverage, "select said_as from statement_timeline") == [("reported",)]
