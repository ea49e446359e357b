"""`presswatch reanalyse` on a warehouse an older analysis made: the daily flow on the replay
with the group in the story declared a company (so "the group" resolves to nobody, and speakers
and statements come out otherwise),
an article whose page was read short, and some quotes and entities never found, then
re-analysed with today's story and code, must hold the rows a fresh run writes, keep the ids of
unchanged statements and alert nobody."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from presswatch.alerts.channels import build_channels
from presswatch.alerts.delivery import run_alerts
from presswatch.alerts.settings import channel_settings
from presswatch.cli.main import main
from presswatch.demo.server import ReplaySite
from presswatch.flows.daily import daily_with_settings
from presswatch.runs.settings import run_settings
from presswatch.story import default_story_path, load_story
from presswatch.warehouse.alert_book import AlertBook
from presswatch.warehouse.batch import LoadBatch, Run
from presswatch.warehouse.store import open_warehouse

# Every analysis table, without what must differ between two warehouses: run ids and the
# times of the runs (a statement's first_seen_at is checked against its first article instead).
ANALYSIS = {
    "articles": "select article_id, outlet, title, authors, published_at, language, text, "
                "word_count, site_name, relevance_score, is_relevant, relevance_reasons, "
                "cluster_id, nlp_status from articles",
    "article_terms": "select * from article_terms",
    "article_lengths": "select * exclude (indexed_at) from article_lengths",
    "entities": "select * from entities",
    "quotes": "select * from quotes",
    "statements": "select s.* exclude (first_seen_at), s.first_seen_at = "
                  "coalesce(a.published_at, a.fetched_at) as first_seen_is_first_article "
                  "from statements as s left join articles as a on a.article_id = "
                  "s.first_article_id",
    "statement_fingerprints": "select * from statement_fingerprints",
    "article_signatures": "select * exclude (first_seen_at) from article_signatures",
    "signature_bands": "select * from signature_bands",
}


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(con.execute(sql).fetchall(), key=repr)


def _analysis(db: Path) -> dict[str, list[tuple]]:
    return {table: _rows(db, sql) for table, sql in ANALYSIS.items()}


def _run(story_path: Path, db: Path):
    settings = run_settings(str(story_path), str(db), None, True, os.environ)
    return daily_with_settings(settings)


def _older_analysis(db: Path) -> None:
    """What an older extraction and NLP also left: the article most quoted cut in half (its
    page read short), quotes and entities never found (and their counts)."""
    with duckdb.connect(str(db)) as con:
        (article_id,) = con.execute("select article_id from quotes group by article_id "
                                    "order by count(*) desc, article_id limit 1").fetchone()
        con.execute("update articles set text = left(text, len(text) // 2) "
                    "where article_id = ?", [article_id])
        con.execute("update articles set word_count = len(string_split(text, ' ')) "
                    "where article_id = ?", [article_id])
        for table in ("quotes", "entities"):
            con.execute(f"delete from {table} where article_id = ? and end_char > "
                        "(select len(text) from articles where article_id = ?)",
                        [article_id, article_id])
        con.execute("delete from quotes where quote_id in (select quote_id from quotes "
                    "order by quote_id limit 3)")
        con.execute("delete from entities where article_id = (select min(article_id) "
                    "from entities)")
        con.execute("update statements set n_articles = (select count(distinct article_id) "
                    "from quotes where quotes.statement_id = statements.statement_id)")


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory, prefect_harness):
    """A fresh run with today's story, and an older analysis of the same day re-analysed;
    the webhook's posts before and after, and the statements before the re-analysis."""
    from receivers import WebhookReceiver

    folder = tmp_path_factory.mktemp("reanalyse")
    story = load_story(default_story_path())
    older = story.model_copy(update={"entities": [  # a group of people taken for a company
        entity.model_copy(update={"kind": "org" if entity.kind == "group" else entity.kind})
        for entity in story.entities]})
    fresh_db, old_db = folder / "fresh.duckdb", folder / "old.duckdb"
    with ReplaySite(day=1) as site, WebhookReceiver() as webhook:
        story_path = site.write_story(folder / "story.toml")
        older_path = site.write_story(folder / "older.toml", older)
        _run(story_path, fresh_db)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("PRESSWATCH_WEBHOOK_URL", webhook.url)
            _run(older_path, old_db)
            _older_analysis(old_db)
            before = _analysis(old_db)
            posts_before = len(webhook.posts)
            alerts_before = _rows(old_db, "select alert_id, status from alerts")
            printed = io.StringIO()
            with redirect_stdout(printed):
                code = main(["reanalyse", "--db", str(old_db), "--story", str(story_path)])
            after = _analysis(old_db)
            # the alert stage of the next run, which judges every statement not judged yet
            channels = build_channels(channel_settings(site.story().alerts, os.environ))
            again = run_alerts(AlertBook(old_db), site.story(), "next-run", channels=channels)
        yield {"fresh": _analysis(fresh_db), "before": before, "after": after, "code": code,
               "printed": printed.getvalue(), "posts_before": posts_before, "webhook": webhook,
               "again": again, "alerts_before": alerts_before, "db": old_db}


def test_the_older_analysis_differs_from_a_fresh_run(warehouses):
    before, fresh = warehouses["before"], warehouses["fresh"]
    for table in ("articles", "quotes", "statements", "entities"):
        assert before[table] != fresh[table], f"{table} should differ before re-analysis"


@pytest.mark.parametrize("table", sorted(ANALYSIS))
def test_reanalysis_gives_the_rows_of_a_fresh_run(warehouses, table):
    assert warehouses["after"][table] == warehouses["fresh"][table]


def test_unchanged_statements_keep_their_ids_and_changed_ones_are_recorded(warehouses):
    ids = {name: {row[0] for row in warehouses[name]["statements"]}
           for name in ("before", "after", "fresh")}
    unchanged = ids["before"] & ids["fresh"]
    assert unchanged and unchanged <= ids["after"]
    added, removed = ids["fresh"] - ids["before"], ids["before"] - ids["fresh"]
    (row,) = _rows(warehouses["db"], "select n_articles, n_statements_kept, n_statements_added, "
                                     "n_statements_removed, n_quotes_added, "
                                     "n_quotes_reattributed, finished_at is not null, "
                                     "n_texts_changed from reanalyses")
    n_articles = len(warehouses["fresh"]["articles"])
    assert row[:4] == (n_articles, len(unchanged), len(added), len(removed))
    assert row[4] >= 3 and row[5] > 0 and row[6]  # the lost quotes came back; speakers moved
    assert row[7] == 1  # the article cut short, read again from its raw page
    lineage = _rows(warehouses["db"], "select old_statement_id, new_statement_id, change "
                                      "from statement_lineage")
    olds = {old for old, _, _ in lineage if old}
    news = {new for _, new, _ in lineage if new}
    # every statement gone says where it went, every new one where it came from
    assert removed <= olds <= ids["before"] and added <= news <= ids["fresh"]
    assert {change for _, _, change in lineage} & {"merged", "split", "replaced"}
    for old, new, change in lineage:
        assert (change == "added") == (old is None) and (change == "removed") == (new is None)


def test_it_prints_what_changed(warehouses):
    assert warehouses["code"] == 0
    printed = warehouses["printed"]
    (row,) = _rows(warehouses["db"], "select n_quotes_added, n_quotes_removed, "
                                     "n_quotes_reattributed from reanalyses")
    assert f"quotes:     {row[0]} added, {row[1]} removed, {row[2]} re-attributed" in printed
    assert "re-attributed from " in printed and "speaker" in printed
    assert "texts:      1 extracted again otherwise from their raw page" in printed


def test_nothing_alerts_after_a_reanalysis(warehouses):
    webhook = warehouses["webhook"]
    assert warehouses["posts_before"] == 1  # the older run's baseline digest
    again = warehouses["again"]
    assert again.n_new_statements == 0 and again.messages == []
    assert len(webhook.posts) == 1 and again.delivery.n_delivered == 0
    unjudged = _rows(warehouses["db"], "select statement_id from statements anti join "
                                       "alert_judged_statements using (statement_id)")
    assert unjudged == []
    assert _rows(warehouses["db"], "select alert_id, status from alerts") == \
        warehouses["alerts_before"]


def test_reanalyse_without_a_warehouse_is_a_usage_error(tmp_path, capsys):
    assert main(["reanalyse", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no warehouse here" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists()


def test_reanalyse_refuses_another_storys_warehouse(tmp_path, capsys):
    db = tmp_path / "other.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.load_batch(LoadBatch(runs=[Run("r1", "other-story", datetime.now(UTC))]))
    assert main(["reanalyse", "--db", str(db)]) == 2
    assert "'other-story'" in capsys.readouterr().err
    assert _rows(db, "select count(*) from reanalyses") == [(0,)]
