"""Every quote form our coverage uses, table-driven from tests/nlp/data/coverage_quotes.json,
with the negative cases beside them, on the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXAMPLES = json.loads(
    (Path(__file__).parent / "data" / "coverage_quotes.json").read_text(encoding="utf-8"))
CASES = {case["id"]: case for case in EXAMPLES["cases"]}
NEGATIVES = {case["id"]: case for case in EXAMPLES["negatives"]}


def _offsets_match(text, quote) -> None:
    assert text[slice(*quote.content_span)] == quote.content_text
    if quote.cue_span is not None:
        assert text[slice(*quote.cue_span)] == quote.cue_text
    if quote.speaker_span is not None:
        assert text[slice(*quote.speaker_span)] == quote.speaker_text
    else:
        assert quote.speaker_text is None and quote.speaker is None


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_quote_form(sora_nlp, case_id):
    case = CASES[case_id]
    quotes = sora_nlp(case["text"])._.quotes
    got = [(q.content_text, q.speaker_text, q.speaker, q.kind) for q in quotes]
    expected = [(e["content"], e["speaker_text"], e["speaker"], e["kind"]) for e in case["quotes"]]
    assert got == expected
    for quote, wanted in zip(quotes, case["quotes"], strict=True):
        if "role" in wanted:
            assert quote.speaker_role == wanted["role"]
        if "cue" in wanted:
            assert quote.cue_text == wanted["cue"]
        assert 0.0 < quote.confidence <= 1.0
        _offsets_match(case["text"], quote)


@pytest.mark.parametrize("case_id", sorted(NEGATIVES))
def test_not_a_quote(sora_nlp, case_id):
    text = NEGATIVES[case_id]["text"]
    assert sora_nlp(text)._.quotes == []


def test_forms_inside_one_long_article_keep_exact_offsets(sora_nlp):
    """All examples as paragraphs of one article: offsets still index the article's text."""
    text = "\n\n".join(case["text"] for case in EXAMPLES["cases"] + EXAMPLES["negatives"])
    quotes = sora_nlp(text)._.quotes
    expected = sum(len(case["quotes"]) for case in EXAMPLES["cases"])
    assert len(quotes) >= expected - 2
    for quote in quotes:
        _offsets_match(text, quote)
    contents = {q.content_text for q in quotes}
    assert "Sora is still in research preview," in contents
    assert not any("Air Head" in c or "said to be" in c for c in contents)


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ('OpenAI spokesperson Niko Felix said participation is "voluntary".',
         "OpenAI spokesperson"),
        ("Niko Felix, a spokesperson for OpenAI, said participation is voluntary.",
         "a spokesperson for OpenAI"),
        ("Niko Felix said participation is voluntary.", "OpenAI spokesperson"),  # the story's role
    ],
)
def test_niko_felix_role_in_several_phrasings(sora_nlp, text, role):
    (quote,) = sora_nlp(text)._.quotes
    assert (quote.speaker, quote.speaker_role) == ("Niko Felix", role)


def test_indefinite_spokesperson_is_not_given_a_name(sora_nlp):
    """'A spokesperson for OpenAI' may be anyone: the description stays, no person's name is
    invented; the story's described actor "OpenAI spokesperson" speaks."""
    text = ("Niko Felix joined OpenAI in 2023. A spokesperson for OpenAI said participation in "
            "the research preview is voluntary.")
    (quote,) = sora_nlp(text)._.quotes
    assert quote.speaker_text == "A spokesperson for OpenAI"
    assert quote.speaker == "OpenAI spokesperson"


def test_quote_content_spans_are_in_doc_spans(sora_nlp):
    doc = sora_nlp('"Sora is still in research preview," Felix said.')
    assert [(span.text, span.label_) for span in doc.spans["quotes"]] == [
        ("Sora is still in research preview,", "direct")]


def test_a_reported_clause_never_runs_past_a_line_break(sora_nlp):
    """Without a full stop the parser would carry the clause into the next paragraph."""
    text = "Felix said the company would look into it\nThe artists published their letter."
    (quote,) = sora_nlp(text)._.quotes
    assert quote.content_text == "the company would look into it"


def test_quotes_survive_multiprocessing(sora_story):
    """Quotes live in doc.user_data and doc.spans, which nlp.pipe(n_process=2) carries back."""
    from presswatch.nlp.analyze import analyze_texts

    text = '"Sora is still in research preview," Felix said.'
    results = list(analyze_texts([("a", text), ("b", text)], sora_story, batch_size=1,
                                 n_process=2))
    assert [[(q.content_text, q.speaker) for q in r.quotes] for r in results] == [
        [("Sora is still in research preview,", "Niko Felix")]] * 2


@pytest.mark.parametrize(
    "text",
    ["Aside from saying it was voluntary.", "Except for saying that the preview was voluntary."],
)
def test_cue_under_a_rootless_fragment_has_no_speaker(sora_nlp, text):
    """A fragment whose root is an adverb or preposition: the speaker search climbs to the root
    and stops there (it once looped forever), and nobody is invented."""
    quotes = sora_nlp(text)._.quotes
    assert [(q.content_text, q.speaker_text) for q in quotes] == [
        (text.split("saying ", 1)[1].removeprefix("that ").rstrip("."), None)]
