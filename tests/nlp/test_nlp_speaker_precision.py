"""Speakers that must not be junk: datelines, questions put to someone, things as subjects,
documents speaking for their authors, descriptions named nearby. Table-driven from
tests/nlp/data/speaker_precision.json, with a negative beside each rule, on the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ALERTING = 0.5
CASES = {
    case["id"]: case
    for case in json.loads((Path(__file__).parent / "data" / "speaker_precision.json").read_text(
        encoding="utf-8"))["cases"]
}


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_speaker_precision(sora_nlp, case_id):
    case = CASES[case_id]
    quotes = [q for q in sora_nlp(case["text"])._.quotes if case["content"] in q.content_text]
    alerting = [q for q in quotes if q.confidence >= ALERTING]
    if case.get("alerting") is False:
        assert not alerting, [(q.speaker_text, q.confidence) for q in alerting]
        return
    assert len(alerting) == 1, [(q.content_text, q.speaker_text, q.confidence) for q in quotes]
    quote = alerting[0]
    if "speaker" in case:
        assert quote.speaker == case["speaker"], quote
    if "speaker_text" in case:
        assert quote.speaker_text == case["speaker_text"], quote
    if "speaker_text_not" in case:
        assert case["speaker_text_not"] not in (quote.speaker_text or ""), quote
        assert case["speaker_text_not"] not in (quote.speaker or ""), quote
    if "role" in case:
        assert quote.speaker_role == case["role"], quote
    if "kind" in case:
        assert quote.kind == case["kind"], quote
