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


@pytest.mark.parametrize(("page", "may_pass"), [
    # an entity cut by an inline tag resolves once the tag is dropped: "Sora leak"
    (b"<p>S&#<b></b>111;ra le&#x<i></i>61;k by artists</p>", True),
    # the entities of every real page (punctuation, quotes, spaces) hide no letter
    (b"<p>Markets rose&hellip; the mayor&rsquo;s &ldquo;budget&rdquo; &mdash;&nbsp;a leak"
     b" &amp; more&#8230;</p>", False),
    (b"<p>The mayor&rsquo;s budget &copy;</p>", False),
    # a named entity that folds into a letter of the story's words may hide one
    (b"<p>S&oacute;ra le&#97;k by artists</p>", True),
])
def test_the_byte_test_on_entities(page, may_pass):
    assert compile_gate(STORY).may_pass(page) is may_pass


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


# -- the first test on bytes ---------------------------------------------------------------

GATE = compile_gate(STORY)
_ACCENTED = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}


def _first_vowel(word: str) -> int:
    return next(i for i, c in enumerate(word) if i and c.lower() in _ACCENTED)


def _accent(word: str, accent) -> str:
    """The word with its first vowel after the first letter replaced by accent(vowel)."""
    i = _first_vowel(word)
    return word[:i] + accent(word[i]) + word[i + 1:]


def _fullwidth(word: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in word)


# Ways a page can write the story's words so that a search of its lower-cased bytes misses
# them while the extracted text (and so the judge) still reads them. Each takes a matched word
# and gives its HTML; pages are then encoded as the name says.
DISGUISES = {
    "tagged": lambda w: f"{w[0]}<b>{w[1:-1]}</b>{w[-1]}",
    "numeric-entity": lambda w: f"{w[0]}&#{ord(w[1])};{w[2:]}",
    "hex-entity": lambda w: f"{w[:-1]}&#x{ord(w[-1]):x};",
    "named-entity": lambda w: _accent(w, lambda v: f"&{v}acute;"),
    "fullwidth": _fullwidth,
    "decomposed": lambda w: _accent(w, lambda v: v + "\u0301"),
    "uppercase-accent": lambda w: _accent(w.upper(), lambda v: _ACCENTED[v.lower()].upper()),
    "cp1252": lambda w: _accent(w, lambda v: _ACCENTED[v.lower()]),
    "utf-8-with-stray-cp1252": lambda w: _accent(w, lambda v: _ACCENTED[v.lower()]),
    "utf-16": lambda w: w,
}
_RARE = re.compile("|".join(sorted(GATE.rare_words, key=len, reverse=True)), re.IGNORECASE)


def _paragraphs(record: ArchiveRecord) -> tuple[str, list[str]]:
    """A replay article's headline and paragraphs as plain text."""
    import html as html_lib

    text = record.body.decode("utf-8")
    plain = [html_lib.unescape(re.sub(r"<[^>]+>", "", p))
             for p in re.findall(r"<p>(.*?)</p>", text, re.S)]
    headline = html_lib.unescape(re.sub(r"<[^>]+>", "",
                                        re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S).group(1)))
    return headline, [p for p in plain if p.strip()]


def _hidden_page(headline: str, paragraphs: list[str], how: str) -> bytes:
    """A bare article page with every word the byte test looks for disguised as `how` says."""
    import html as html_lib

    def disguise(text: str) -> str:
        return _RARE.sub(lambda m: DISGUISES[how](m.group()), html_lib.escape(text, quote=False))

    charset = {"cp1252": "windows-1252", "utf-16": "utf-16"}.get(how, "utf-8")
    page = (f'<!doctype html><html lang="en"><head><meta charset="{charset}">'
            f"<title>{disguise(headline)}</title></head><body><article>"
            f"<h1>{disguise(headline)}</h1>"
            + "".join(f"<p>{disguise(p)}</p>" for p in paragraphs)
            + "<p>\u2014 The Gazette</p></article></body></html>")
    if how == "cp1252":
        return page.replace("\u2014", "-").encode("cp1252")
    if how == "utf-16":
        return page.encode("utf-16")
    if how == "utf-8-with-stray-cp1252":  # a UTF-8 template around cp1252 text
        return b"".join(c.encode("cp1252") if c in "áéíóúÁÉÍÓÚ" else c.encode()
                       for c in page).replace(b"&amp;", b"&")
    return page.encode("utf-8")


def _naive_byte_test(body: bytes) -> bool:
    """The byte test without the checks for hidden words: what it would drop."""
    lowered = body.lower()
    return GATE._holds(lambda word: GATE.rare_words.get(word, b"*") in lowered)


@pytest.fixture(scope="module")
def hidden_pages() -> dict[str, list[bytes]]:
    relevant = [r for r in replay_records()
                if _kept_by_full_path(r.url, r.body, None, compile_rules(STORY))][:4]
    return {how: [_hidden_page(*_paragraphs(r), how) for r in relevant] for how in DISGUISES}


@pytest.mark.parametrize("how", sorted(DISGUISES))
def test_the_gate_passes_pages_that_hide_the_story_from_a_byte_search(hidden_pages, how):
    rules = compile_rules(STORY)
    kept = 0
    for number, body in enumerate(hidden_pages[how]):
        assert not _naive_byte_test(body), "the words really are hidden from the bytes"
        if _kept_by_full_path(f"https://example.com/{how}/{number}", body, None, rules):
            kept += 1
            assert GATE.passes(body), f"the gate dropped a {how} page the full path keeps"
        else:
            assert how == "decomposed"  # the judge splits words at a combining mark
    assert kept == len(hidden_pages[how]) or how == "decomposed"


def test_other_languages_spellings_pass():
    pages = {
        "<p>La filtración de Sora, el generador de vídeo de OpenAI</p>": True,
        "<p>LA FILTRACIÓN DE SORA</p>": True,
        "<p>Künstler protestieren: das Leck bei Sora</p>": True,
        "<p>KÜNSTLER UND OPENAI: PROTEST</p>": True,
        "<p>Divulgué: Sora</p>": True,
        "<p>La filtración del presupuesto municipal</p>": False,
    }
    for page, passes in pages.items():
        assert GATE.passes(page.encode()) is passes, page


def test_the_byte_test_passes_all_the_exact_test_passes(hidden_pages, tmp_path):
    """may_pass is a superset of today's exact test, on an archive and on hidden pages, and it
    is what drops most of an archive's unrelated pages."""
    path = tmp_path / "archive.warc.gz"
    write_warc(path, archive_records(300))
    with path.open("rb") as stream:
        bodies = [p.body for p in read_warc(stream, str(path))]
    bodies += [b for pages in hidden_pages.values() for b in pages]
    exact = [GATE.passes_text(fold_page(b)) for b in bodies]
    first = [GATE.may_pass(b) for b in bodies]
    assert all(f for f, e in zip(first, exact, strict=True) if e)
    assert sum(first) < len(bodies) / 4
