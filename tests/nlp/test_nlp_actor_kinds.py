"""Who said what with the story file `story new` writes (no speaker_aliases): actors resolved by
kind, role and salience, table-driven from tests/nlp/data/actor_kinds.json, each rule with a
negative beside it, on the real model. The story's actors are invented and listed here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attribution_cases import check_case, rules_have_negatives

from presswatch.nlp.pipeline import build_pipeline
from presswatch.story import Story

CASES = {
    case["id"]: case
    for case in json.loads((Path(__file__).parent / "data" / "actor_kinds.json").read_text(
        encoding="utf-8"))["cases"]
}

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
