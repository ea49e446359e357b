"""The speaker and statement rules of issue 12, table-driven from
tests/nlp/data/speaker_rules.json: for every rule a case it catches and a negative it leaves
alone, on the real model, with a story of invented actors built here (no story words in code:
the actors, their descriptions and the outlets come from this story)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from presswatch.nlp.pipeline import build_pipeline
from presswatch.story import Story

CASES = {
    case["id"]: case
    for case in json.loads((Path(__file__).parent / "data" / "speaker_rules.json").read_text(
        encoding="utf-8"))["cases"]
}

STORY = {
    "id": "night-shifts",
    "title": "Nurses protest night-shift cuts",
    "start_date": "2025-05-01",
    "entities": [
        {"name": "Meridian Health", "label": "ORG",
         "speaker_aliases": ["company", "hospital group"]},
        {"name": "Meridian spokesperson", "label": "PERSON", "organisation": "Meridian Health",
         "named_in_text": False, "speaker_aliases": ["spokesperson", "spokesman"]},
        {"name": "Nurses United", "label": "ORG",
         "speaker_aliases": ["union", "nurses", "nurses behind the letter", "letter", "group"]},
        {"name": "Ward Board", "label": "ORG"},
    ],
    "outlets": [{"name": "Daily Circuit"}],
    "relevance": {"core_entities": ["Meridian Health", "Nurses United"]},
}


@pytest.fixture(scope="module")
def nurses_nlp():
    return build_pipeline(Story.model_validate(STORY))


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_speaker_rule(nurses_nlp, case_id):
    case = CASES[case_id]
    doc = nurses_nlp(case["text"])
    statements, others = doc._.quotes, doc._.attributions
    if "no_statement" in case:
        held = [q for q in statements if case["no_statement"] in q.content_text]
        assert not held, [(q.content_text, q.speaker_text) for q in held]
        if "act" in case:
            acts = {q.act for q in others if case["no_statement"] in q.content_text}
            assert case["act"] in acts, [(q.content_text, q.act) for q in others]
    if "statement" in case:
        wanted = case["statement"]
        held = [q for q in statements if wanted["content"] in q.content_text]
        assert len(held) == 1, [(q.content_text, q.speaker_text, q.act)
                                for q in statements + others]
        quote = held[0]
        if wanted.get("whole"):
            assert quote.content_text == wanted["content"], quote
        if "speaker" in wanted:
            assert quote.speaker == wanted["speaker"], quote
        if "speaker_text" in wanted:
            assert quote.speaker_text == wanted["speaker_text"], quote
        if "speaker_not" in wanted:
            assert quote.speaker != wanted["speaker_not"], quote


def test_every_rule_has_a_negative():
    rules = {case["rule"] for case in CASES.values()}
    for rule in {r for r in rules if "(negative)" not in r}:
        assert f"{rule} (negative)" in rules or rule in ("title",), rule


def test_a_pronoun_speaker_is_less_sure_than_a_named_one(nurses_nlp):
    named = nurses_nlp("Nurses United said the rota was unsafe.")._.quotes[0]
    pronoun = nurses_nlp("Nurses United met on Monday. They said the rota was unsafe.")._.quotes[0]
    assert named.speaker == pronoun.speaker == "Nurses United"
    assert pronoun.confidence < named.confidence
