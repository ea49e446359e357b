"""Confidence: how sure a statement is, from how its content and its speaker were found."""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Span, Token

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
                 "examples": 0.0, "joint": 0.0,
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


# A report of a state of affairs ('a notice said that generation had stopped working'): a quote,
# but no position of the speaker's; it joins a statement it matches and founds none.
STATE_CONFIDENCE = 0.45


# Verbs that tell a state only with a state word after them ('went down', 'was offline').
MOTION_VERBS = frozenset({"be", "go", "come"})


def reports_a_state(content: Span, state_words: frozenset[str],
                    actor_noun: Callable[[Token], bool]) -> bool:
    """'a notice said that generation had stopped working' / 'said access had been cut' /
    'said the page was down': one reported clause whose subject is a thing (a common noun,
    no name, no possessor, no people, no actor) and whose verb tells how it runs
    (`state_words`: 'stop', 'cut', 'be down'), with no modal, negation, first person or
    second clause. Not: 'the company had paused access' (an actor acts), 'their pay had been
    cut' (their own), 'the page would stay down' (a plan), 'access was not cut' (a denial),
    'the policy failed' (a judgement)."""
    root = content.root
    if root.pos_ not in ("VERB", "AUX"):
        return False
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
    if len(subjects) != 1:
        return False
    subject = subjects[0]
    if subject.pos_ != "NOUN" or subject.ent_type_ or actor_noun(subject) or any(
            c.dep_ in ("poss", "compound") and (c.ent_type_ or c.pos_ == "PRON")
            for c in subject.children):
        return False
    for token in content:
        if token.tag_ == "MD" or token.dep_ == "neg" or token.i != root.i and token.dep_ in (
                "ccomp", "advcl", "relcl") or (
                token.dep_ == "conj" and token.pos_ in ("VERB", "AUX")) or (
                token.tag_ in ("PRP", "PRP$") and token.lower_ not in ("it", "its")):
            return False
        if token.dep_ == "pobj" and token.head.lower_ == "for" and (
                actor_noun(token) or token.ent_type_):
            return False  # 'the rota had stopped working for patients': a judgement
    if root.lemma_.lower() in MOTION_VERBS:
        # 'the page was down', 'the site went offline', 'access came back'; not 'the files
        # came from the studio's servers'
        return any(c.dep_ in ("acomp", "advmod", "prt") and c.lower_ in state_words
                   for c in root.children)
    return root.lemma_.lower() in state_words


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
