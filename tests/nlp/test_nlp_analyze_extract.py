"""The NLP stage as users call it: analyze_texts and the `presswatch extract` JSON lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from presswatch.language_id import language_identifier
from presswatch.nlp.analyze import ExtractInputError, analyze_texts, extract_jsonl
from presswatch.nlp.language import detect_language, is_english
from presswatch.spiders import extract

ITALIAN = (Path(__file__).parent / "data" / "italian_article.txt").read_text(encoding="utf-8")
ENGLISH = (
    'OpenAI spokesperson Niko Felix said participation in the research preview is "voluntary".'
    '\n\n"Sora is still in research preview," Felix said.'
)


def test_analyze_texts_streams_records_in_input_order(sora_story, sora_nlp):
    items = [("en-1", ENGLISH), ("it-1", ITALIAN), ("en-2", "Sam Altman said nothing new.")]
    results = list(analyze_texts(iter(items), sora_story, batch_size=2, nlp=sora_nlp))
    assert [r.doc_id for r in results] == ["en-1", "it-1", "en-2"]
    first = results[0]
    assert first.language == "en" and first.skipped_reason is None
    assert {(e.text, e.canonical) for e in first.entities} >= {
        ("OpenAI", "OpenAI"), ("Niko Felix", "Niko Felix"), ("Felix", "Niko Felix")}
    assert all(e.article_id == "en-1" for e in first.entities)
    assert [(q.speaker, q.kind) for q in first.quotes] == [
        ("Niko Felix", "mixed"), ("Niko Felix", "direct")]
    for entity in first.entities:
        assert ENGLISH[entity.start_char : entity.end_char] == entity.text


def test_italian_article_is_skipped_with_its_language(sora_story, sora_nlp):
    (result,) = analyze_texts([("it-1", ITALIAN)], sora_story, nlp=sora_nlp)
    assert result.language == "it"
    assert result.skipped_reason == "language it"
    assert result.entities == [] and result.quotes == []


@pytest.mark.parametrize(
    ("text", "english"),
    [
        (ITALIAN, False),
        (ENGLISH, True),
        ('"Sora is still in research preview," Felix said.', True),  # short: read as English
        ("La société OpenAI a suspendu l'accès à Sora quelques heures après la fuite du modèle "
         "par des artistes.", False),
    ],
)
def test_language_check(text, english):
    assert is_english(text)[0] is english


def test_detect_language_names_the_language():
    assert detect_language(ITALIAN)[0] == "it"


@pytest.mark.parametrize("chars", [3_000, 4_500, 12_000])
def test_an_articles_language_is_worked_out_once_per_run(chars):
    """At extraction and before the parse the identifier reads the same opening of the text
    (SAMPLE_CHARS), whatever the article's length: one answer, worked out once."""
    text = (f"Articolo di {chars} caratteri. " + ITALIAN * 30)[:chars]
    cache = language_identifier().classify
    before = cache.cache_info()
    assert extract.detect_language(text, None) == "it"
    assert is_english(text) == (False, "it")
    after = cache.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)


def test_extract_jsonl_contract(sora_story, sora_nlp):
    lines = [{"doc_id": "a", "text": ENGLISH}, {"doc_id": "b", "text": ITALIAN}]
    source = io.StringIO("".join(json.dumps(line) + "\n" for line in lines) + "\n")
    out = io.StringIO()
    assert extract_jsonl(sora_story, source, out, nlp=sora_nlp) == 2
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert set(first) >= {"doc_id", "entities", "quotes"}
    entity = first["entities"][0]
    assert set(entity) == {"text", "label", "start", "end", "canonical"}
    quote = first["quotes"][0]
    assert set(quote) >= {"content_text", "content_span", "cue_text", "cue_span", "kind",
                          "speaker_text", "speaker_span", "speaker", "speaker_role", "confidence"}
    assert quote["speaker"] == "Niko Felix"
    assert quote["speaker_role"] == "OpenAI spokesperson"
    start, end = quote["content_span"]
    assert ENGLISH[start:end] == quote["content_text"]
    assert second == {"doc_id": "b", "language": "it", "skipped_reason": "language it",
                      "entities": [], "quotes": [], "attributions": []}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "input line 1"),
        ('{"id": "x", "text": "t"}', "doc_id"),
        ('{"doc_id": "x", "text": 3}', '"text" must be a string'),
    ],
)
def test_extract_jsonl_names_the_bad_line(sora_story, sora_nlp, line, message):
    with pytest.raises(ExtractInputError, match=message):
        extract_jsonl(sora_story, io.StringIO(line + "\n"), io.StringIO(), nlp=sora_nlp)


def test_extract_jsonl_skips_bad_lines_it_is_told_of_and_writes_the_others(sora_story,
                                                                          sora_nlp):
    source = io.StringIO('{"doc_id": "a", "text": "Sam Altman spoke."}\n'
                         '{"doc_id": "b"}\n'
                         '[1, 2]\n'
                         '{"doc_id": "c", "text": "OpenAI said nothing."}\n')
    out, bad = io.StringIO(), []
    assert extract_jsonl(sora_story, source, out, nlp=sora_nlp, on_bad_line=bad.append) == 2
    assert [json.loads(line)["doc_id"] for line in out.getvalue().splitlines()] == ["a", "c"]
    assert [str(e).split(":")[0] for e in bad] == ["input line 2", "input line 3"]
    assert 'no "text"' in str(bad[0]) and "a JSON list, not an object" in str(bad[1])
