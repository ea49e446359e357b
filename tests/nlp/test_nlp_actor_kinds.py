"""Who said what with the story file `story new` writes (no speaker_aliases): actors resolved by
kind, role and salience, table-driven from tests/nlp/data/actor_kinds.json, each rule with a
negative beside it, on the real model. The story's actors are invented and listed here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attribution_cases import check_case, rules_have_negatives

from presswatch.nlp.attribution.unresolved import unresolved_descriptions
from presswatch.nlp.pipeline import build_pipeline
from presswatch.story import Story


def _table(name: str) -> dict[str, dict]:
    path = Path(__file__).parent / "data" / name
    return {case["id"]: case for case in json.loads(path.read_text(encoding="utf-8"))["cases"]}


CASES = _table("actor_kinds.json")
STATEMENT_CASES = _table("statement_kinds.json")

# As `presswatch story new --entity "Meridian Health" --entity "Nurses United" ...` writes it.
STORY = {
    "id": "night-shifts",
    "title": "Nurses protest night-shift cuts",
    "start_date": "2025-05-01",
    "entities": [
        {"name": "Meridian Health", "label": "ORG", "kind": "org"},
        {"name": "Nurses United", "label": "ORG", "kind": "group"},
        {"name": "Coastal Airlines", "label": "ORG", "kind": "org"},
        {"name": "RotaBot", "label": "PRODUCT", "kind": "product"},
        {"name": "WHB", "label": "ORG", "kind": "org"},
    ],
    "relevance": {"core_entities": ["Meridian Health", "Nurses United"]},
}


@pytest.fixture(scope="module")
def kinds_nlp():
    return build_pipeline(Story.model_validate(STORY))


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_actor_rule(kinds_nlp, case_id):
    check_case(kinds_nlp, CASES[case_id])


def test_every_rule_has_a_negative():
    rules_have_negatives(CASES)


@pytest.mark.parametrize("case_id", sorted(STATEMENT_CASES))
def test_statement_kind(kinds_nlp, case_id):
    check_case(kinds_nlp, STATEMENT_CASES[case_id])


def test_every_statement_kind_has_a_negative():
    rules_have_negatives(STATEMENT_CASES)


def test_unresolved_descriptions_are_listed_for_the_story_file(kinds_nlp):
    texts = ["Meridian Health cut the rota. The union's lawyer said the cuts were unlawful.",
             "The union's lawyer said the talks had failed. Nurses United said it would strike.",
             "Meridian Health cut the rota. The group said the cuts were unsafe. He said no more."]
    found = unresolved_descriptions(kinds_nlp, texts)
    assert found["the union's lawyer"] == 2
    assert "the group" not in found  # resolved to the story's group
    assert "he" not in found and not any("nurses united" in words for words in found)
