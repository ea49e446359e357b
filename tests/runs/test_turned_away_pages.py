"""Pages the story's page gate turns away are skimmed, not extracted: the run's verdicts are the
judge's on fully extracted text, the skimmed articles land with a text, a reason and no cluster,
and a re-analysis neither extracts them again nor rewrites their stored text."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from presswatch.nlp.relevance import compile_rules, score_with_rules
from presswatch.records import FetchedPage
from presswatch.runs import daily as daily_run
from presswatch.runs.analysis import Analyzer, analysed_items, extracted_items, item_signatures
from presswatch.runs.context import RunTotals, StartState, quiet
from presswatch.runs.reanalyse import reanalyse_articles, reextracted
from presswatch.spiders.extract import NoArticleText, extract_article
from presswatch.story import default_story_path, load_story
from presswatch.warehouse.store import open_warehouse

FETCHED_AT = datetime(2024, 11, 27, 9, 0, tzinfo=UTC)
SOURCE = "https://outlet.example/feed"
FILLER = ("The council met on Tuesday evening and heard from residents about the plan for the "
          "harbour, the cost of the works and the timetable the contractor proposed.")
PAGES = {
    # on the story: a combination (Sora and the leak) in the title and text
    "leak": ("Artists leak access to Sora", "Artists in the early access programme said they "
             "leaked access to OpenAI's Sora video model to protest against unpaid work."),
    # off the story, none of its words anywhere
    "harbour": ("Harbour works delayed", FILLER),
    # a near miss: the company and a leak, but no combination of the story
    "near": ("OpenAI weighs a new office", "OpenAI said a report of a leak of its plans for an "
             "office in the city was wrong, and a spokesperson declined to say more."),
}
# A sidebar that names the story: the gate passes the page, the judge finds nothing in its text
SIDEBAR = '<aside><a href="/x">Artists leak Sora on Hugging Face</a></aside>'


def page(tmp_path: Path, slug: str, title: str, lead: str, *, sidebar: str = "",
         paragraphs: int = 4, stated_date: bool = True) -> FetchedPage:
    url = f"https://outlet.example/2024/11/26/{slug}"
    meta = ('<meta property="article:published_time" content="2024-11-26T08:00:00+00:00">'
            if stated_date else "")
    body = "".join(f"<p>{lead if i == 0 else FILLER}</p>" for i in range(paragraphs))
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">{meta}<title>{title}'
            f"</title></head><body><article><h1>{title}</h1>{body}</article>{sidebar}</body>"
            "</html>")
    path = tmp_path / f"{slug}.gz"
    path.write_bytes(gzip.compress(html.encode()))
    return FetchedPage(url, url, 200, FETCHED_AT, SOURCE, "text/html", body_path=str(path))


def body_of(fetched: FetchedPage) -> bytes:
    assert fetched.body_path is not None
    return gzip.decompress(Path(fetched.body_path).read_bytes())


@pytest.fixture
def pages(tmp_path) -> list[FetchedPage]:
    made = [page(tmp_path, slug, title, lead) for slug, (title, lead) in PAGES.items()]
    made.append(page(tmp_path, "sidebar", "Harbour works", FILLER, sidebar=SIDEBAR))
    return made


def empty_state() -> StartState:
    return StartState(feed_state={}, stored_urls=set(), statements=[], fingerprints=[],
                      pending_articles=[], leftover_dirs=[])


def test_a_run_judges_as_the_judge_does_on_extracted_text(pages) -> None:
    story = load_story(default_story_path())
    analyzer = Analyzer(story, [], [])
    items = list(extracted_items(empty_state(), iter(pages), RunTotals(), 64, quiet,
                                 may_be_on_story=analyzer.may_be_on_story))
    articles = {item.article.url.rsplit("/", 1)[1]: item.article for item in items}
    assert {slug for slug, a in articles.items() if a.turned_away} == {"harbour", "near"}
    rules = compile_rules(story)
    for fetched in pages:
        slug = fetched.url.rsplit("/", 1)[1]
        (verdict,) = analyzer.relevance([articles[slug]])
        judged = score_with_rules(extract_article(fetched, body_of(fetched)), rules)
        assert verdict.is_relevant == judged.is_relevant, slug
        if articles[slug].turned_away:  # the judge finds no combination either
            assert judged.reasons[0] == verdict.reasons[0]
            assert "page gate" in verdict.reasons[1]
            assert verdict.score == 0.0
    assert articles["leak"].turned_away is False and articles["sidebar"].turned_away is False
    # a run that reads no page (the quiet re-run) never compiles the gate
    idle = Analyzer(story, [], [])
    assert list(extracted_items(empty_state(), iter([]), RunTotals(), 64, quiet,
                                may_be_on_story=idle.may_be_on_story)) == []
    assert "gate" not in idle.__dict__


def test_a_skimmed_page_keeps_its_text_title_and_stated_date(tmp_path) -> None:
    fetched = page(tmp_path, "harbour", "Harbour works delayed", FILLER)
    skimmed = extract_article(fetched, body_of(fetched), skim=True)
    full = extract_article(fetched, body_of(fetched))
    assert skimmed.turned_away and not full.turned_away
    assert skimmed.title == full.title == "Harbour works delayed"
    assert skimmed.published_at == full.published_at == datetime(2024, 11, 26, 8, tzinfo=UTC)
    assert FILLER in skimmed.text and skimmed.word_count >= 4 * len(FILLER.split())
    assert skimmed.language == "en" and skimmed.raw_html_gz == full.raw_html_gz
    # the extraction's own checks hold for a skim: a page of a few words is no article
    short = page(tmp_path, "short", "Brief", "Nothing more.", paragraphs=1)
    with pytest.raises(NoArticleText, match="no article text found"):
        extract_article(short, body_of(short), skim=True)


def test_turned_away_articles_land_with_text_reason_and_no_cluster(pages, tmp_path) -> None:
    story = load_story(default_story_path())
    analyzer = Analyzer(story, [], [])
    off_story = [p for p in pages if not p.url.endswith(("/leak", "/sidebar"))]
    items = list(analysed_items(analyzer, extracted_items(
        empty_state(), iter(off_story), RunTotals(), 64, quiet,
        may_be_on_story=analyzer.may_be_on_story)))
    assert all(item.article.turned_away and item.signature is None for item in items)
    assert item_signatures(items) == []
    # the daily run's own page stream, which hands its pages to the gate
    db = tmp_path / "w.duckdb"
    context, state = daily_run.begin_run(story, db, tmp_path / "staging", 5.0)
    totals = daily_run.process_page_stream(story, context, state, off_story,
                                           lambda: len(off_story))
    assert totals.articles_added == 2
    with open_warehouse(db, read_only=True) as warehouse:
        warehouse.assert_checks()
        rows = warehouse.connection.execute(
            "select word_count, is_relevant, relevance_reasons[2], cluster_id, nlp_status "
            "from articles").fetchall()
    assert len(rows) == 2
    for word_count, is_relevant, reason, cluster_id, nlp_status in rows:
        assert word_count > 0 and not is_relevant and cluster_id is None
        assert "page gate" in reason and nlp_status == "skipped:not relevant"


def test_a_reanalysis_keeps_a_turned_away_articles_stored_text(tmp_path) -> None:
    fetched = page(tmp_path, "harbour", "Harbour works delayed", FILLER)
    stored = replace(extract_article(fetched, body_of(fetched)), text="the stored text")
    kept = reextracted(stored, lambda body, charset: False)
    assert kept.turned_away and kept.text == "the stored text"
    again = reextracted(stored, lambda body, charset: True)  # a story the page may be about
    assert not again.turned_away and FILLER in again.text
    # a re-analysis under the story asks the story's gate, and leaves the text as stored
    result = reanalyse_articles(load_story(default_story_path()), [[stored]], "reanalysis-1")
    assert result.texts_changed == []
    (batch,) = result.batches
    assert "page gate" in batch.relevance[0].reasons[1] and batch.clusters == {}
