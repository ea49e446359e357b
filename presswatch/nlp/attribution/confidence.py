"""Confidence: how sure a statement is, from how its content and its speaker were found."""

from __future__ import annotations

from presswatch.nlp.attribution.record import RawQuote

# How much less sure a statement is, by how its speaker was found (measured on the real-coverage
# dev set and PolNeAR dev, bench/coverage_dev.py): a name in the mention, a description the
# text ties to a name and a story actor's description are about as sure as the cue; a pronoun,
# a relative pronoun, a document's author found elsewhere, and a description left without a
# name much less. Mixed quotes and infinitives ('promised to ...') lose some too.
# A pronoun or a bare quantifier no one is found for ('It asks them to test ...', 'Others
# pointed out that ...') says nothing an analyst can use: below the statements' threshold.
BASIS_PENALTY = {"named": 0.0, "description": 0.0, "described_actor": 0.0, "pronoun": 0.1,
                 "relative": 0.15, "document_author": 0.05, "unresolved": 0.2, "pair": 0.1,
                 "examples": 0.0,
                 "role_actor": 0.1, "unresolved_pronoun": 0.4}


RULE_PENALTY = {"according_to": 0.1, "infinitive": 0.1, "nearby_cue": 0.1, "block_quote": 0.05,
                "cue_read_as_noun": 0.1}


MIXED_PENALTY = 0.1


# A charge ('accused OpenAI of ...') is right about three times in four on real coverage, but
# it paraphrases the most (the same charge worded anew by each outlet): it stays below the
# statements' creation threshold (0.5), so it joins a statement but never starts one.
CHARGE_CONFIDENCE = 0.45


# A charge that is a clause ('accused OpenAI of exploiting artists', 'criticize the company for
# having artists test unpaid') reports what people said, like 'said that ...': a named speaker
# founds a statement, and so does one a pronoun resolves ('They accuse ...'), just. A document's
# charge ('The letter accuses OpenAI of ...') is the writer's summary of words others quote as
# written: it joins their statement but founds none (a new wording is no new statement).
CLAUSE_CHARGE_CONFIDENCE = 0.6


def calibrated(quote: RawQuote) -> float:
    """The quote's confidence that its content and speaker are right, from the finder's and
    this resolver's evidence, so that statements at 0.8 or more are right at least 80% of the
    time on real coverage (bench/coverage_dev.py prints the reliability table)."""
    confidence = quote.confidence
    if quote.rule == "stance" and quote.act == "speech":
        confidence = CHARGE_CONFIDENCE
    if quote.rule == "charge":
        said = quote.act == "speech" and quote.basis != "document_author"
        confidence = CLAUSE_CHARGE_CONFIDENCE if said else CHARGE_CONFIDENCE
    if quote.rule == "block_quote" and quote.cue is None:
        confidence = min(confidence, 0.7)
    confidence -= RULE_PENALTY.get(quote.rule, 0.0)
    if quote.kind == "mixed":
        confidence -= MIXED_PENALTY
    if quote.speaker is not None:
        confidence -= BASIS_PENALTY.get(quote.basis or "unresolved", 0.2)
    return round(max(0.05, min(confidence, 0.95)), 2)
