"""How a run's pages become work for spaCy: each article as soon as its page is extracted, and
the spaCy processes settled after a few dozen texts, not after a few hundred pages."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from presswatch.nlp.syndication import sketch_article
from presswatch.records import Article, FetchedPage, stable_id
from presswatch.runs.analysis import (
    FULL_PASS_EVERY,
    Analyzer,
    Item,
    analysed_items,
    extracted_items,
    item_signatures,
)
from presswatch.runs.context import RunTotals, StartState, quiet
from presswatch.story import default_story_path, load_story

FETCHED_AT = datetime(2024, 11, 27, 9, 0, tzinfo=UTC)
SOURCE = "https://outlet.example/feed"


def article_page(tmp_path: Path, n: int) -> FetchedPage:
    url = f"https://outlet.example/2024/11/26/story-{n}"
    paragraphs = "".join(
        f"<p>Paragraph {i} of story {n}: artists in the early access programme said the "
        "company had asked them to test the video model without pay, and that they "
        "published the front-end to protest against it.</p>" for i in range(4))
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Story {n}'
            f"</title></head><body><article><h1>Story {n}</h1>{paragraphs}</article></body>"
            "</html>")
    body = tmp_path / f"{n}.gz"
    body.write_bytes(gzip.compress(html.encode()))
    return FetchedPage(url, url, 200, FETCHED_AT, SOURCE, "text/html", body_path=str(body))


def failed_page(n: int) -> FetchedPage:
    url = f"https://outlet.example/gone-{n}"
    return FetchedPage(url, url, 404, FETCHED_AT, SOURCE, reason="HTTP 404")


def empty_state() -> StartState:
    return StartState(feed_state={}, stored_urls=set(), statements=[], fingerprints=[],
                      pending_articles=[], leftover_dirs=[])


def test_an_article_goes_on_as_soon_as_its_page_is_extracted(tmp_path) -> None:
    pages = [failed_page(0), article_page(tmp_path, 1), article_page(tmp_path, 2),
             failed_page(3), failed_page(4)]
    read = []

    def crawl():  # pages as a running crawl hands them over
        for page in pages:
            read.append(page.url)
            yield page

    items = extracted_items(empty_state(), crawl(), RunTotals(), 256, quiet)
    first = next(items)
    assert len(read) == 2  # not the 256 pages of a load batch, nor the crawl's end
    assert first.article is not None and first.article.url == pages[1].url
    rest = list(items)
    assert [i.article.url if i.article else None for i in rest] == [pages[2].url, None]
    # every page is in the fetch log once, in order: the failure before an article rides
    # with it, the failures after the last one in an Item of their own
    assert [[p.url for p in i.pages] for i in [first, *rest]] == [
        [pages[0].url, pages[1].url], [pages[2].url], [pages[3].url, pages[4].url]]
    # as before, a load batch's worth of pages that gave no article is an Item of its own
    # (the run's load batches, and so its statements and clusters, stay as they were)
    pages = [failed_page(n) for n in range(5)] + [article_page(tmp_path, 5)]
    items = list(extracted_items(empty_state(), iter(pages), RunTotals(), 4, quiet))
    assert [(i.article is not None, len(i.pages)) for i in items] == [(False, 4), (True, 2)]


class Crawl:
    """The run's size as n_pages() tells it: None until the crawl has ended."""

    def __init__(self, n_texts: int) -> None:
        self.n_texts = n_texts
        self.read = 0
        self.ended = False

    def texts(self):
        for i in range(self.n_texts):
            self.read += 1
            yield f"doc-{i}", "text"
        self.ended = True

    def most_texts(self) -> int | None:
        return self.n_texts if self.ended else None


@pytest.fixture(scope="module")
def story():
    story = load_story(default_story_path())
    assert (story.nlp.n_process, story.nlp.batch_size) == (2, 32)
    return story


@pytest.mark.parametrize(("n_texts", "read", "processes"), [
    (500, 33, 2),  # a large run: workers once the texts alone fill a batch for each
    (33, 33, 2),
    (32, 32, 1),   # a small run parses in this process, as when its size was known
    (3, 3, 1),
])
def test_the_processes_are_settled_by_the_texts_while_the_crawl_runs(story, n_texts, read,
                                                                     processes) -> None:
    crawl = Crawl(n_texts)
    analyzer = Analyzer(story, [], [], most_texts=crawl.most_texts)
    unread = crawl.texts()
    ahead, n_process = analyzer.processes_for(unread)
    assert (crawl.read, n_process) == (read, processes)
    assert [doc_id for doc_id, _ in ahead] + [doc_id for doc_id, _ in unread] == [
        f"doc-{i}" for i in range(n_texts)]


def test_the_pages_read_so_far_settle_the_processes_before_as_many_texts(story) -> None:
    crawl = Crawl(500)
    analyzer = Analyzer(story, [], [], most_texts=crawl.most_texts,
                        texts_so_far=lambda: 4 * crawl.read)  # a text every fourth page
    assert analyzer.processes_for(crawl.texts())[1] == 2
    assert crawl.read == 9  # 36 pages: more than a batch, whatever the rest of the crawl


def test_a_known_size_settles_the_processes_without_reading_ahead(story) -> None:
    analyzer = Analyzer(story, [], [], most_texts=lambda: 10)
    crawl = Crawl(100)
    assert analyzer.processes_for(crawl.texts()) == ([], 1)
    assert crawl.read == 0


def relevant_article(n: int) -> Article:
    url = f"https://outlet.example/2024/11/26/sora-{n}"
    text = (f"Story {n}. Artists leaked OpenAI's Sora video model in protest, saying OpenAI "
            'had asked them to test it without pay. "We were never told what our feedback '
            'would be used for," said Ada Lovelace, an artist in the programme.')
    return Article(stable_id(url), url, url, "outlet.example", f"Sora leak {n}", [],
                   FETCHED_AT, "en", text, len(text.split()), FETCHED_AT, SOURCE)


def test_the_model_loads_while_the_texts_that_settle_the_processes_are_read(story) -> None:
    analyzer = Analyzer(story, [], [], most_texts=lambda: None)  # the crawl still runs
    loading_when_read = []

    def items():
        for n in range(3):
            loading_when_read.append(analyzer._loading is not None)
            yield Item(relevant_article(n), is_new=True, pages=[])

    done = list(analysed_items(analyzer, items()))
    assert loading_when_read == [False, True, True]  # from the first relevant text on
    assert [i.relevance.is_relevant for i in done] == [True] * 3
    assert [i.analysis.doc_id for i in done] == [i.article.article_id for i in done]
    assert done[0].analysis.quotes  # parsed in this process (three texts) by that pipeline


def test_each_article_is_sketched_as_it_is_judged_not_when_its_batch_loads(story) -> None:
    """The syndication signatures are made while the spaCy processes parse: the run's last
    load, after the parse, only uses them."""
    analyzer = Analyzer(story, [], [], most_texts=lambda: None)
    off_topic = replace(relevant_article(1), text="A bakery opened on the high street. " * 20,
                        title="Bakery opens")
    items = [Item(relevant_article(0), is_new=True, pages=[]),
             Item(off_topic, is_new=True, pages=[]), Item(None, is_new=True, pages=[])]
    done = list(analysed_items(analyzer, items))
    assert [i.signature for i in done] == [
        sketch_article(a.article_id, a.text, a.published_at, a.fetched_at)
        for a in (items[0].article, off_topic)] + [None]
    # the load takes an item's signature as made (here another article's, to tell them apart)
    # and sketches only an item that has none
    made = replace(done[0], signature=done[1].signature)
    unsketched = Item(off_topic, is_new=True, pages=[])
    assert item_signatures([made, unsketched]) == [done[1].signature, done[1].signature]


def test_a_run_with_nothing_relevant_never_loads_the_model(story) -> None:
    analyzer = Analyzer(story, [], [], most_texts=lambda: None)
    off_topic = replace(relevant_article(0), text="A bakery opened on the high street. " * 20,
                        title="Bakery opens")
    done = list(analysed_items(analyzer, [Item(off_topic, is_new=True, pages=[]),
                                          Item(None, is_new=True, pages=[])]))
    assert [i.analysis for i in done] == [None, None]
    assert analyzer._loading is None and "nlp" not in analyzer.__dict__


def test_articles_are_searchable_as_their_batch_lands_not_at_the_runs_end(tmp_path) -> None:
    import duckdb

    from presswatch.runs import daily as daily_run
    from presswatch.story import Story

    story = Story.model_validate({
        "id": "index", "title": "Sora leak", "start_date": "2024-11-01",
        "feeds": [{"url": "http://127.0.0.1:9/feed.xml", "name": "Wire"}],
        "relevance": {"terms": ["Sora"]},
    })
    db = tmp_path / "w.duckdb"
    context, state = daily_run.begin_run(story, db, tmp_path / "staging", 5.0)
    pages = [article_page(tmp_path, n) for n in range(5)]

    totals = daily_run.process_page_stream(story, context, state, pages, lambda: len(pages),
                                           batch_size=2)

    assert totals.articles_added == 5
    with duckdb.connect(str(db), read_only=True) as con:  # the run has not published yet
        (indexed,) = con.execute("select count(*) from article_lengths").fetchone()
    assert indexed == 5


def test_the_first_model_load_settles_the_collector_once_per_process():
    """After spaCy's import the loaded code is frozen (gc.freeze), so a run's full collections
    no longer walk it, and full collections come less often; a second run in the same process
    freezes nothing more."""
    script = (
        "import gc, json\n"
        "from presswatch.runs.analysis import Analyzer\n"
        "from presswatch.story import default_story_path, load_story\n"
        "story = load_story(default_story_path())\n"
        "seen = [(gc.get_freeze_count(), gc.get_threshold()[2])]\n"
        "for _ in range(2):\n"
        "    Analyzer(story, [], []).nlp\n"
        "    seen.append((gc.get_freeze_count(), gc.get_threshold()[2]))\n"
        "print(json.dumps(seen))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)
    before, first, second = json.loads(done.stdout.splitlines()[-1])
    assert before == [0, 10]  # Python's own setting
    assert first[0] > 100_000  # Python's, Prefect's and spaCy's modules, at least
    assert first[1] == FULL_PASS_EVERY
    # nothing more frozen (a second freeze would add the first run's objects); frozen objects
    # that nothing uses any more may have been freed meanwhile
    assert second[0] <= first[0] and second[1] == first[1]
