"""The pre-parse gate never drops a page the full path (extract + judge) keeps, and drops most
of the rest: checked on a WARC archive where the replay's articles hide among unrelated pages,
and on spellings that hide words from a naive byte search."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from presswatch.archives.warc import read_warc
from presswatch.demo.archive import ArchiveRecord, archive_records, replay_records, write_warc
from presswatch.nlp.gate import compile_gate, fold_page
from presswatch.nlp.relevance import compile_rules, score_with_rules
from presswatch.records import FetchedPage
from presswatch.spiders.extract import NoArticleText, extract_article
from presswatch.story import Relevance, default_story_path, load_story

STORY = load_story(default_story_path())


def _kept_by_full_path(url: str, body: bytes, charset: str | None, rules) -> bool:
    page = FetchedPage(url, url, 200, datetime(2024, 12, 31, tzinfo=UTC), "test",
                       encoding=charset)
    try:
        article = extract_article(page, body)
    except NoArticleText:
        return False
    return score_with_rules(article, rules).is_relevant


@pytest.mark.parametrize(("page", "passes"), [
    (b"<p>Sora leak by artists</p>", True),
    (b"<p>SORA LEAKED</p>", True),
    (b"<p>S<b>or</b>a, the leak</p>", True),  # an inline tag inside a word
    (b"<p>S&#111;ra &amp; the le&#x61;k</p>", True),  # entities
    ("<p>Sóra filtración</p>".encode(), True),  # accents fold away
    ("<p>Sora filtración</p>".encode("cp1252"), True),  # not UTF-8
    ("<p>So\u0301ra filtracio\u0301n</p>".encode(), True),  # decomposed accents
    (b"<p>PR&nbsp;Puppets</p>", True),  # a combination of one member, words apart
    (b"<p>Sora alone, nothing else</p>", False),
    (b"<p>A leak of artists' work</p>", False),
    (b"<p>OpenAI leak</p>", False),  # ["OpenAI", "leak", "artists"] lacks artists
    (b"", False),
])
def test_gate_cases(page, passes):
    assert compile_gate(STORY).passes(page) is passes


def test_fold_page_folds_as_the_judge_folds():
    assert fold_page("<b>Ü</b>ber Stra\u00dfe &eacute;t\u00e9".encode()) == "uber strasse ete"
    assert fold_page(b"<i>Open</i>AI") == "openai"


def test_a_story_without_combinations_passes_on_any_term_and_threshold_zero_on_all():
    plain = STORY.model_copy(update={"relevance": Relevance(terms=["glacier"])})
    assert compile_gate(plain).passes(b"<p>Glaciers retreat</p>")
    assert not compile_gate(plain).passes(b"<p>Sora leak</p>")
    everything = STORY.model_copy(update={"relevance": Relevance(terms=["x"], threshold=0)})
    assert compile_gate(everything).passes(b"anything")


def _disguised(record: ArchiveRecord) -> list[ArchiveRecord]:
    """The same article with its names split by inline tags, written as entities, and in
    cp1252: the judge still reads the same text."""
    text = record.body.decode("utf-8")
    tagged = re.sub(r"(?<=>)([^<]*)", lambda m: m.group(1).replace("Sora", "S<em>or</em>a")
                    .replace("OpenAI", "Open<span>AI</span>"), text)
    entities = text.replace("Sora", "S&#111;ra").replace("leak", "le&#97;k")
    latin = text.replace('charset="utf-8"', 'charset="windows-1252"')
    return [
        ArchiveRecord(record.url + "?tagged", record.captured_at, tagged.encode()),
        ArchiveRecord(record.url + "?entities", record.captured_at, entities.encode()),
        ArchiveRecord(record.url + "?cp1252", record.captured_at,
                      latin.encode("cp1252", errors="xmlcharrefreplace")),
    ]


def test_gate_keeps_every_page_the_full_path_keeps_in_a_warc_archive(tmp_path):
    disguised = [d for r in replay_records() for d in _disguised(r)]
    path = tmp_path / "archive.warc.gz"
    write_warc(path, [*archive_records(500), *disguised])
    gate, rules = compile_gate(STORY), compile_rules(STORY)
    with path.open("rb") as stream:
        pages = list(read_warc(stream, str(path)))
    passed = {p.url for p in pages if gate.passes(p.body, p.charset)}
    kept = {p.url for p in pages if _kept_by_full_path(p.url, p.body, p.charset, rules)}
    assert len(pages) == 536 + len(disguised)
    assert len(kept) >= 4 * 15, "the replay's relevant articles, plain and disguised"
    assert {u.split("?")[-1] for u in kept if "?" in u} == {"tagged", "entities", "cp1252"}
    assert kept - passed == set(), "the gate dropped pages the full path keeps"
    unrelated = {p.url for p in pages if ".gazette" in p.url}
    assert len(unrelated) == 500
    assert len(passed & unrelated) / len(unrelated) < 0.05  # near misses included, they go
