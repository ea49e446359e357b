"""Every data check passes on a clean warehouse and catches a planted bad row, both when it
checks everything and when it checks one run's rows (the end of a daily run)."""

from __future__ import annotations

import pytest

from presswatch.warehouse.errors import ChecksFailed
from presswatch.warehouse.store import CHECKS_DIR, open_warehouse, snapshot_path

# The planted rows touch the last run's articles (r1), so the run scope must see them too.
A = "(select min(article_id) from articles where run_id = 'r1')"
Q = ("(select min(quote_id) from quotes where article_id in "
     "(select article_id from articles where run_id = 'r1'))")
S = f"(select statement_id from quotes where quote_id = {Q})"
COPY_ARTICLE = (
    "insert into articles (article_id, url, canonical_url, outlet, text, word_count, "
    "fetched_at, first_seen_at, run_id) select {id}, url || '#x', {canonical}, outlet, text, "
    "word_count, fetched_at, first_seen_at, run_id from articles where article_id = " + A
)

PLANTED = {
    "articles_id_is_url_hash": f"update articles set canonical_url = 'https://elsewhere.example/' "
                               f"where article_id = {A}",
    "articles_unique_canonical_url": COPY_ARTICLE.format(id="'0000000000000000'",
                                                         canonical="canonical_url"),
    "articles_not_from_the_future": f"update articles set published_at = fetched_at + "
                                    f"interval 3 day where article_id = {A}",
    "articles_have_text": f"update articles set text = '  ' where article_id = {A}",
    "articles_known_run": f"update articles set run_id = 'no-such-run' where article_id = {A}",
    "articles_cluster_is_article": f"update articles set cluster_id = 'ffffffffffffffff' "
                                   f"where article_id = {A}",
    "articles_relevance_in_range": f"update articles set is_relevant = null where article_id = {A}",
    "raw_pages_known_article": "insert into raw_pages values ('ffffffffffffffff', '\\x00'::blob)",
    "pages_known_run": "insert into pages (url, run_id, fetched_at) "
                       "values ('https://x.example/', 'no-such-run', now())",
    "source_runs_known": "insert into source_runs values "
                         "('r1', 'no-such-source', 'ok', 0, 0, 0, 0, null)",
    "runs_valid": "update runs set finished_at = started_at - interval 1 hour "
                  "where run_id = 'r1'",
    "entities_inside_article": f"update entities set end_char = end_char + 1 "
                               f"where article_id = {A}",
    "quotes_inside_article": f"update quotes set content = 'words never written' "
                             f"where quote_id = {Q}",
    "quotes_valid": f"update quotes set confidence = 1.5 where quote_id = {Q}",
    "quotes_unique_span": "insert into quotes select 'ffffffffffffffff', article_id, content, cue, "
                          "kind, speaker_text, speaker, speaker_role, start_char, end_char, "
                          f"confidence, statement_id from quotes where quote_id = {Q}",
    "quotes_known_statement": f"update quotes set statement_id = 'gone' where quote_id = {Q}",
    "statements_known_first_article": f"update statements set first_article_id = 'gone' "
                                      f"where statement_id = {S}",
    "statements_named_by_a_quote": "insert into statements select * replace "
                                   f"('ffffffffffffffff' as statement_id) from statements "
                                   f"where statement_id = {S}",
    "statements_counts_match_quotes": f"update statements set n_outlets = n_outlets + 1 "
                                      f"where statement_id = {S}",
    "search_index_consistent": f"insert into article_terms select article_id, term, tf "
                               f"from article_terms where article_id = {A} limit 1",
    "link_decodes_valid": "insert into link_decodes values ('https://news.google.com/rss/"
                          "articles/AU_yqLx', null, 'https://a.example/1', 'HTTP 429', 1, "
                          "now(), now())",
}


# A bad row the run scope cannot see as planted above (it moves the row out of the run): the
# same fault from the run's side.
PLANTED_IN_RUN = PLANTED | {
    "articles_known_run": "delete from runs where run_id = 'r1'",
    "pages_known_run": "delete from runs where run_id = 'r1'",
}


def _check_names() -> list[str]:
    return sorted(p.stem for p in CHECKS_DIR.glob("*.sql"))


def test_every_check_has_a_planted_row():
    assert sorted(PLANTED) == _check_names()


@pytest.fixture
def clean_warehouse(db_path, corpus):
    """Two runs: r0 (earlier) and r1 (the run being checked)."""
    with open_warehouse(db_path) as wh:
        wh.load_batch(corpus.run_batch("r0", 3))
        wh.load_batch(corpus.run_batch("r1", 3))
        wh.index_articles()
    return db_path


def test_a_clean_warehouse_passes_every_check(clean_warehouse):
    with open_warehouse(clean_warehouse) as wh:
        assert wh.run_checks() == []
        assert wh.run_checks(run_id="r1") == []


@pytest.mark.parametrize("check", sorted(PLANTED))
def test_check_catches_its_planted_row(clean_warehouse, check):
    with open_warehouse(clean_warehouse) as wh:
        wh.connection.execute(PLANTED[check])
        failures = {f.name: f for f in wh.run_checks()}
    assert check in failures
    assert failures[check].n_rows >= 1 and failures[check].rows


@pytest.mark.parametrize("check", sorted(PLANTED_IN_RUN))
def test_check_catches_its_planted_row_among_the_runs_rows(clean_warehouse, check):
    with open_warehouse(clean_warehouse) as wh:
        wh.connection.execute(PLANTED_IN_RUN[check])
        failures = {f.name: f for f in wh.run_checks(run_id="r1")}
    assert check in failures
    assert failures[check].n_rows >= 1 and failures[check].rows


def test_the_run_scope_reads_only_the_runs_rows_and_the_full_check_reads_all(clean_warehouse):
    with open_warehouse(clean_warehouse) as wh:
        wh.connection.execute(
            "update articles set word_count = 0 where article_id = "
            "(select min(article_id) from articles where run_id = 'r0')")
        assert wh.run_checks(run_id="r1") == []
        assert [f.name for f in wh.run_checks(run_id="r0")] == ["articles_have_text"]
        assert [f.name for f in wh.run_checks()] == ["articles_have_text"]


def test_a_failed_check_fails_publishing_and_keeps_the_last_good_snapshot(clean_warehouse):
    with open_warehouse(clean_warehouse) as wh:
        good = wh.publish()
        good_bytes = good.read_bytes()
        wh.connection.execute(PLANTED["quotes_inside_article"])
        with pytest.raises(ChecksFailed) as raised:
            wh.publish()
    message = str(raised.value)
    assert "quotes_inside_article" in message and "words never written" in message
    assert snapshot_path(clean_warehouse).read_bytes() == good_bytes


def test_publishing_a_run_checks_its_rows_and_fails_on_a_bad_one(clean_warehouse):
    with open_warehouse(clean_warehouse) as wh:
        good = wh.publish(run_id="r1")
        good_bytes = good.read_bytes()
        wh.connection.execute(PLANTED["quotes_inside_article"])
        with pytest.raises(ChecksFailed) as raised:
            wh.publish(run_id="r1")
    assert "quotes_inside_article" in str(raised.value)
    assert snapshot_path(clean_warehouse).read_bytes() == good_bytes
