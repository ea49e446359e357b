"""Table cases for the attribution tests (tests/nlp/data/*.json): one checker, one rule that every
rule has a negative beside it."""

from __future__ import annotations


def check_case(nlp, case: dict) -> None:
    """One table case on the real pipeline: 'statement' (a statement holds the content, with
    this speaker, speaker_text, or not this speaker), 'no_statement' (no statement holds it;
    'act': an attribution of that kind does)."""
    doc = nlp(case["text"])
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
        if "min_confidence" in wanted:
            assert quote.confidence >= wanted["min_confidence"], quote
        if "max_confidence" in wanted:
            assert quote.confidence <= wanted["max_confidence"], quote


def rules_have_negatives(cases: dict) -> None:
    rules = {case["rule"] for case in cases.values()}
    for rule in {r for r in rules if "(negative)" not in r}:
        assert f"{rule} (negative)" in rules or rule in ("title",), rule
