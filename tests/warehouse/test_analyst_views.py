"""The views an analyst asks for by name: which articles carried a statement, which names are news
and which are page furniture, and one count of speakers that every output agrees with."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from presswatch.records import EntityMention, Relevance, Statement, stable_id
from presswatch.warehouse.batch import LoadBatch, Run
from presswatch.warehouse.store import open_warehouse

SAID = "Sora is still in research preview"
WIRE = (
    "SAN FRANCISCO, Nov 26 (Wirewire) - OpenAI spokesperson Niko Felix said "
    f'"{SAID}," in an email. The group was not opposed to AI as a creative tool.\n'
    "Workers in the US and UK have not commented.\n"
    "Shares of Microsoft were little changed in extended trading.\n"
    '(Reporting by Lena Hartmann in San Francisco; Editing by Mark Ebersole)'
)
COPY = WIRE.replace("\n", " ")  # a copy that ran the story as one paragraph
REPORTED = (f"By Tom Reed\nFelix said that {SAID.lower()}. "
            "The letter, headed ARTISTS ARE NOT PAID, ran.")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, corpus):
    db = tmp_path_factory.mktemp("analyst") / "presswatch.duckdb"
    t0 = corpus.T0
    wire = corpus.make_article("https://wire.example/a", WIRE, outlet="wire.example",
                               title="Artists leak Sora")
    wire = replace(wire, authors=["Lena Hartmann"])
    copy = corpus.make_article("https://copy.example/a", COPY, outlet="copy.example",
                               title="Artists leak Sora", published_at=t0 + timedelta(hours=2),
                               fetched_at=t0 + timedelta(hours=6))
    reported = corpus.make_article("https://blog.example/r", REPORTED, outlet="blog.example",
                                   title="Felix on Sora", published_at=t0 + timedelta(hours=5),
                                   fetched_at=t0 + timedelta(hours=6))
    reported = replace(reported, authors=[])
    whole = stable_id("Niko Felix", SAID)
    part = stable_id("Niko Felix", "still in research preview")
    vague = stable_id("Some users", "it was fun")
    q_wire = corpus.make_quote(wire, SAID, "Niko Felix", whole)
    q_copy = corpus.make_quote(copy, "still in research preview", "Niko Felix", part)
    q_reported = replace(corpus.make_quote(reported, SAID.lower(), "Niko Felix", whole),
                         kind="indirect")
    q_vague = replace(corpus.make_quote(reported, "The letter", None, vague), speaker=None,
                      kind="indirect")

    def entity(article, name, label, nth=0):
        start = -1
        for _ in range(nth + 1):
            start = article.text.index(name, start + 1)
        return EntityMention(article.article_id, name, label, start, start + len(name), name)

    entities = [
        entity(wire, "SAN FRANCISCO", "GPE"), entity(wire, "OpenAI", "ORG"),
        entity(wire, "Niko Felix", "PERSON"), entity(wire, "AI", "GPE", 1),
        entity(wire, "US", "GPE"), entity(wire, "UK", "GPE"),
        entity(wire, "Microsoft", "ORG"), entity(wire, "Lena Hartmann", "PERSON"),
        entity(wire, "Mark Ebersole", "PERSON"), entity(wire, "San Francisco", "GPE"),
        entity(copy, "SAN FRANCISCO", "GPE"), entity(copy, "Lena Hartmann", "PERSON"),
        entity(copy, "Mark Ebersole", "PERSON"), entity(copy, "Microsoft", "ORG"),
        entity(copy, "Niko Felix", "PERSON"),
        entity(reported, "Tom Reed", "PERSON"), entity(reported, "Felix", "PERSON"),
        entity(reported, "ARTISTS ARE NOT PAID", "WORK_OF_ART"),
    ]
    articles = [wire, copy, reported]
    batch = LoadBatch(
        run_id="run-1",
        runs=[Run("run-1", "sora-leak", t0, "ok", t0 + timedelta(minutes=5))],
        articles=articles,
        relevance=[Relevance(a.article_id, 0.9, True, []) for a in articles],
        clusters={copy.article_id: wire.article_id, wire.article_id: wire.article_id},
        analysed={a.article_id: "done" for a in articles},
        entities=entities,
        quotes=[q_wire, q_copy, q_reported, q_vague],
        statements=[
            Statement(whole, "Niko Felix", "OpenAI spokesperson", "OpenAI", SAID, t0,
                      wire.article_id),
            Statement(part, "Niko Felix", "OpenAI spokesperson", "OpenAI",
                      "still in research preview", t0 + timedelta(hours=2), copy.article_id,
                      part_of=whole),
            Statement(vague, "Some users", None, None, "The letter", t0 + timedelta(hours=5),
                      reported.article_id),
        ],
    )
    with open_warehouse(db) as wh:
        wh.load_batch(batch)
        wh.publish()
    return db


def _rows(db, sql):
    with open_warehouse(db, read_only=True) as wh:
        return wh.connection.execute(sql).fetchall()


def test_statement_appearances_one_row_per_article_first_to_last(warehouse):
    rows = _rows(warehouse, "select position, outlet, is_copy, copy_of_outlet, carried_as, "
                            "is_part_only, minutes_after_first from statement_appearances "
                            "where speaker = 'Niko Felix' order by position")
    assert rows == [
        (1, "wire.example", False, None, "verbatim", False, 0),
        (2, "copy.example", True, "wire.example", "verbatim", True, 120),
        (3, "blog.example", False, None, "reported", False, 300),
    ]


@pytest.mark.parametrize(("name", "label", "noise"), [
    ("SAN FRANCISCO", "GPE", "dateline"),
    ("Lena Hartmann", "PERSON", "byline"),
    ("Mark Ebersole", "PERSON", "byline"),
    ("San Francisco", "GPE", "byline"),
    ("Tom Reed", "PERSON", "byline"),
    ("Microsoft", "ORG", "market line"),
    ("AI", "GPE", "not a place"),
    ("ARTISTS ARE NOT PAID", "WORK_OF_ART", "headline"),
    # Names in the news stay, places people are in stay.
    ("OpenAI", "ORG", None),
    ("Niko Felix", "PERSON", None),
    ("Felix", "PERSON", None),
    ("US", "GPE", None),
    ("UK", "GPE", None),
])
def test_page_furniture_is_told_from_names_in_the_news(warehouse, name, label, noise):
    found = _rows(warehouse, "select distinct noise from entity_mentions "
                             f"where text = '{name}' and label = '{label}'")
    assert found == [(noise,)]


def test_daily_mentions_leave_the_furniture_out(warehouse):
    names = {name for (name,) in _rows(warehouse, "select entity from entity_mentions_daily")}
    assert names == {"OpenAI", "Niko Felix", "Felix", "US", "UK"}


def test_speakers_are_the_statements_speakers_as_the_alerts_count_them(warehouse):
    rows = _rows(warehouse, "select speaker, n_statements, n_quotes from speaker_statements "
                            "order by speaker")
    # A speaker the attribution could not name (quotes.speaker null) still said something:
    # the alerts count them among "N speakers", so the view has their row.
    assert rows == [("Niko Felix", 1, 3), ("Some users", 1, 1)]
