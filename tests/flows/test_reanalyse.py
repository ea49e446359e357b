"""`presswatch reanalyse` on a warehouse an older analysis made: the daily flow on the replay
with the story's speaker descriptions left out (so speakers and statements come out otherwise)
and some quotes and entities it never found, then re-analysed with today's story and code, must
hold the rows a fresh run writes, keep the ids of unchanged statements and alert nobody."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from presswatch.demo.server import ReplaySite
from presswatch.flows.cli import main
from presswatch.flows.daily import daily_with_progress
from presswatch.flows.reanalyse import reanalyse
from presswatch.flows.settings import run_settings
from presswatch.story import default_story_path, load_story

# Every analysis table, without what must differ between two warehouses: run ids and the
# times of the runs (a statement's first_seen_at is checked against its first article instead).
ANALYSIS = {
    "articles": "select article_id, relevance_score, is_relevant, relevance_reasons, "
                "cluster_id, nlp_status from articles",
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
    return daily_with_progress(settings, lambda stage, done, total: None)


def _older_analysis(db: Path) -> None:
    """What an older NLP also left: quotes and entities it never found (and their counts)."""
    with duckdb.connect(str(db)) as con:
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
    older = story.model_copy(update={"entities": [
        entity.model_copy(update={"speaker_aliases": []}) for entity in story.entities]})
    fresh_db, old_db = folder / "fresh.duckdb", folder / "old.duckdb"
    with ReplaySite(day=1) as site, WebhookReceiver() as webhook:
        story_path = site.write_story(folder / "story.toml")
        older_path = site.write_story(folder / "older.toml", older)
        _run(story_path, fresh_db)
        os.environ["PRESSWATCH_WEBHOOK_URL"] = webhook.url
        try:
            _run(older_path, old_db)
            _older_analysis(old_db)
            before = _analysis(old_db)
            posts_before = len(webhook.posts)
            changes = reanalyse(site.story(), old_db, lock_timeout_s=10)
            after = _analysis(old_db)
            again = _run(story_path, old_db)  # the next daily run judges what is unjudged
        finally:
            del os.environ["PRESSWATCH_WEBHOOK_URL"]
        yield {"fresh": _analysis(fresh_db), "before": before, "after": after,
               "changes": changes, "posts_before": posts_before, "webhook": webhook,
               "again": again, "db": old_db, "story_path": story_path}


def test_the_older_analysis_differs_from_a_fresh_run(warehouses):
    before, fresh = warehouses["before"], warehouses["fresh"]
    assert before["articles"] == fresh["articles"]  # the same day, stored alike
    for table in ("quotes", "statements", "entities"):
        assert before[table] != fresh[table], f"{table} should differ before re-analysis"


@pytest.mark.parametrize("table", sorted(ANALYSIS))
def test_reanalysis_gives_the_rows_of_a_fresh_run(warehouses, table):
    assert warehouses["after"][table] == warehouses["fresh"][table]


def test_unchanged_statements_keep_their_ids_and_changed_ones_are_recorded(warehouses):
    ids = {name: {row[0] for row in warehouses[name]["statements"]}
           for name in ("before", "after", "fresh")}
    unchanged = ids["before"] & ids["fresh"]
    assert unchanged and unchanged <= ids["after"]
    changes = warehouses["changes"]
    assert set(changes.statements_kept) == unchanged
    assert set(changes.statements_removed) == ids["before"] - ids["fresh"]
    assert set(changes.statements_added) == ids["fresh"] - ids["before"]
    assert changes.quotes_reattributed and len(changes.quotes_added) >= 3
    lineage = _rows(warehouses["db"], "select old_statement_id, new_statement_id, change "
                                      "from statement_lineage")
    olds = {old for old, _, _ in lineage if old}
    news = {new for _, new, _ in lineage if new}
    # every statement gone says where it went, every new one where it came from
    assert ids["before"] - ids["fresh"] <= olds <= ids["before"]
    assert ids["fresh"] - ids["before"] <= news <= ids["fresh"]
    assert {change for _, _, change in lineage} & {"merged", "split", "replaced"}
    for old, new, change in lineage:
        assert (change == "added") == (old is None) and (change == "removed") == (new is None)


def test_nothing_alerts_after_a_reanalysis(warehouses):
    webhook = warehouses["webhook"]
    assert warehouses["posts_before"] == 1  # the older run's baseline digest
    assert len(webhook.posts) == 1 and warehouses["again"].alerts_sent == 0
    unjudged = _rows(warehouses["db"], "select statement_id from statements anti join "
                                       "alert_judged_statements using (statement_id)")
    assert unjudged == []


def test_cli_reanalyse_again_changes_nothing(warehouses, capsys):
    assert main(["reanalyse", "--db", str(warehouses["db"]),
                 "--story", str(warehouses["story_path"])]) == 0
    out = capsys.readouterr().out
    assert "0 added, 0 removed, 0 re-attributed" in out
    assert _analysis(warehouses["db"]) == warehouses["fresh"]
