"""search_articles(q): BM25 ranking from plain SQL over the term index built after loads."""

from __future__ import annotations

import pytest

from presswatch.warehouse.batch import LoadBatch, Run
from presswatch.warehouse.store import open_warehouse

DOCS = {
    "leak": ("Sora leak", "Artists leaked access to Sora, OpenAI's video model. The leak lasted "
                          "three hours before OpenAI paused Sora access for all testers."),
    "mention": ("Tech briefing", "Markets rose. In other news, a Sora leak was reported. "
                                 "Chip makers gained and oil prices fell on Tuesday."),
    "other": ("Sora update", "OpenAI released a new Sora feature for storyboards. Pricing and "
                             "availability were announced for subscribers."),
    "unrelated": ("Pie", "A recipe for apple pie with butter, flour, apples and cinnamon."),
    "accents": ("Fuite de Sora", "Des artistes ont divulgué l'accès à Sora; la fuite a été "
                                 "publiée sur Hugging Face."),
}


@pytest.fixture
def indexed(db_path, corpus):
    articles = {
        key: corpus.make_article(f"https://search.example/{key}", text, title=title)
        for key, (title, text) in DOCS.items()
    }
    with open_warehouse(db_path) as wh:
        wh.load_batch(LoadBatch(run_id="r1", runs=[Run("r1", "s", corpus.T0)],
                                articles=list(articles.values())))
        assert wh.index_articles() == len(DOCS)
        assert wh.index_articles() == 0  # already indexed
    ids = {a.article_id: key for key, a in articles.items()}
    return db_path, ids


def _search(db, ids, query):
    with open_warehouse(db, read_only=True) as wh:
        rows = wh.connection.execute(
            "select article_id, score, snippet from search_articles(?)", [query]).fetchall()
    return [(ids[r[0]], r[1], r[2]) for r in rows]


def test_the_article_about_the_leak_ranks_first(indexed):
    results = _search(*indexed, "Sora leak")
    keys = [k for k, _, _ in results]
    assert keys[0] == "leak"
    assert keys.index("mention") < keys.index("other")  # both words beat one word
    assert "unrelated" not in keys
    scores = [s for _, s, _ in results]
    assert scores == sorted(scores, reverse=True)


def test_rare_words_weigh_more_than_common_ones(indexed):
    keys = [k for k, _, _ in _search(*indexed, "openai storyboards")]
    assert keys[0] == "other"


def test_case_punctuation_and_accents_do_not_matter(indexed):
    assert [k for k, _, _ in _search(*indexed, "DIVULGUE!")] == ["accents"]


def test_snippet_shows_where_the_word_is(indexed):
    [(key, _, snippet)] = _search(*indexed, "cinnamon")
    assert key == "unrelated" and "cinnamon" in snippet


@pytest.mark.parametrize("query", ["", "   ", "zzzz", "a", "'; drop table articles; --"])
def test_queries_matching_nothing_return_nothing(indexed, query):
    assert _search(*indexed, query) == []


def test_indexing_a_chunk_at_a_time_gives_the_same_index(tmp_path, corpus, monkeypatch):
    """index_articles indexes INDEX_CHUNK articles per transaction (a day of 10,000 articles
    no longer holds all their words at once): chunks of 2 over 5 articles index each once."""
    from presswatch.warehouse import store

    def index(db, chunk: int) -> tuple[list, list]:
        monkeypatch.setattr(store, "INDEX_CHUNK", chunk)
        with open_warehouse(db) as wh:
            wh.load_batch(LoadBatch(run_id="r1", runs=[Run("r1", "s", corpus.T0)], articles=[
                corpus.make_article(f"https://search.example/{key}", text, title=title)
                for key, (title, text) in DOCS.items()]))
            assert wh.index_articles() == len(DOCS)
            assert wh.index_articles() == 0
            con = wh.connection
            return (con.execute("select * from article_terms order by all").fetchall(),
                    con.execute("select article_id, doc_length from article_lengths "
                                "order by all").fetchall())

    whole = index(tmp_path / "whole.duckdb", 1000)
    assert index(tmp_path / "chunked.duckdb", 2) == whole
    assert len(whole[1]) == len(DOCS)
