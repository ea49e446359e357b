"""The speaker and statement rules of issue 12, table-driven from
tests/nlp/data/speaker_rules.json: for every rule a case it catches and a negative it leaves
alone, on the real model, with a story of invented actors built here (no story words in code:
the actors, their descriptions and the outlets come from this story)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attribution_cases import check_case, rules_have_negatives

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
    check_case(nurses_nlp, CASES[case_id])


def test_every_rule_has_a_negative():
    rules_have_negatives(CASES)


def test_a_pronoun_speaker_is_less_sure_than_a_named_one(nurses_nlp):
    named = nurses_nlp("Nurses United said the rota was unsafe.")._.quotes[0]
    pronoun = nurses_nlp("Nurses United met on Monday. They said the rota was unsafe.")._.quotes[0]
    assert named.speaker == pronoun.speaker == "Nurses United"
    assert pronoun.confidence < named.confidence
