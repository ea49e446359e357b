"""Content spans: what a cue reports, one rule per sentence shape.

Each rule takes the finder and a cue verb and returns (start_char, end_char, rule name) or
None: 'X said that ...' (the clause), '"...," X said' (the sentence before), 'X said: ...' (after
the colon, or a block quote), 'according to X, ...', 'As X put it, ...', 'X promised to ...'.
"""

from __future__ import annotations

from typing import Protocol

from spacy.tokens import Doc, Token

from presswatch.nlp.attribution.marks import Region, block_after
from presswatch.nlp.attribution.record import Sentences, char_end
from presswatch.nlp.attribution.speakers import SUBJECTS, inverted_subject


class QuoteFinder(Protocol):
    """What the content rules read of the finder in cues.py (kept apart: cues.py runs them)."""

    doc: Doc
    text: str
    statements: list[Region]
    sentences: Sentences
    reporting: frozenset[str]
    beliefs: frozenset[str]
    stances: frozenset[str]

REFUSALS = frozenset({"decline", "refuse", "fail", "wonder", "ask", "question"})


# What ends a clause reported before its cue ('..., she said', '"...," she said', '... - she said').
CLAUSE_CLOSERS = frozenset({",", "-", "--", "—", "–", "\"", "”", "’", "'", "''", ":", ";"})
# Modals a report shifts back ('will' -> 'would'): a conjunct that opens with one, and has no
# subject of its own, goes on with the reported clause.
BACKSHIFTED_MODALS = frozenset({"would", "could", "might"})
SENTENCE_ENDS = frozenset({".", "!", "?"})
# Reporting verbs that, before an infinitive, tell only that something goes on.
ASPECTUAL_CUES = frozenset({"continue"})
# Conjunctions that make the cue's clause part of the sentence before, not its report.
SUBORDINATORS = frozenset({"though", "although", "while", "whereas", "because", "since", "if",
                           "unless", "when", "after", "before"})


def content_after_colon(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'The letter reads: "We are not your PR puppets."' / 'Altman wrote on X: we will fix it.'
    -> what follows the colon, to the end of the quotation or sentence."""
    doc = finder.doc
    last = max([verb.i] + [t.i for c in verb.rights if c.dep_ in ("prep", "dobj", "dative", "prt",
                                                                  "npadvmod", "advmod")
                           for t in c.subtree])
    colon = last + 1
    if colon >= len(doc) or doc[colon].text != ":":
        return None
    after = doc[colon + 1].idx if colon + 1 < len(doc) else len(doc.text)
    region = next((r for r in finder.statements if after <= r.open_mark < after + 3), None)
    if region is not None:
        return region.start, region.end, "colon_quote"
    block = block_after(finder.text, char_end(doc[colon]))
    if block is not None:
        return block[0], block[1], "block_quote"
    return after, char_end(finder.sentences.of(doc[colon])[-1]), "colon"


def content_in_marks_after(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'Felix said, "Sora is still in research preview."' / 'Altman tweeted "We hear you."' ->
    the quotation right after the cue."""
    doc = finder.doc
    nxt = verb.i + 1
    while nxt < len(doc) and doc[nxt].dep_ in ("nsubj", "prt") and doc[nxt].i - verb.i < 4:
        nxt += 1
    if nxt >= len(doc):
        return None
    after = char_end(doc[nxt]) if doc[nxt].text == "," else doc[nxt].idx
    region = next((r for r in finder.statements if after <= r.open_mark < after + 3), None)
    if region is None or "\n" in finder.text[char_end(verb) : region.open_mark]:
        return None  # '... unless each of them agrees.\n"None of this ..."': a new paragraph
    if doc[nxt].text in SENTENCE_ENDS and _cue_after(finder, region):
        return None  # 'as critics have said. "We are done," the nurses said': theirs
    return region.start, region.end, "cue_then_quote"


def _cue_after(finder: QuoteFinder, region: Region) -> bool:
    """Whether a reporting verb follows the quotation in its own sentence ('"...," the nurses
    said')."""
    closing = finder.doc.char_span(region.close_end - 1, region.close_end,
                                   alignment_mode="expand")
    if closing is None:
        return False
    sentence = finder.sentences.of(closing[0])
    return any(t.lemma_.lower() in finder.reporting and t.pos_ == "VERB"
               for t in finder.doc[closing.end : min(sentence.end, closing.end + 6)])


def content_clause(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'OpenAI told The Verge that participation was voluntary.' / '"Sora is still in research
    preview," Felix said.' -> the verb's clausal complement, up to another report joined to it
    ('Some users argued that ..., and several researchers questioned whether ...': two groups'
    views are two statements). With two complements, the one after the cue: 'In a memo titled
    "WE ARE DONE", the union said its members were unpaid' (the parser hangs the quoted title
    on the cue too; it is the writer's frame)."""
    clauses = [c for c in verb.children if c.dep_ == "ccomp"] or _clause_after_aside(finder, verb)
    if not clauses:
        return None
    clause = next((c for c in clauses if c.i > verb.i), clauses[0])
    end = clause.right_edge
    if clause.i < verb.i and not clause_closed_before_cue(verb):
        return None  # 'It was online for hours on X. Some users noted ...': a missed sentence end
    # '... claimed few will see it and complained that ...': a subjectless reporting verb the
    # parser hung on the clause reports on its own (find_speaker gives it this verb's speaker)
    # '..., adding that ...' hung on the clause is the speaker's next report
    joined = next((c for c in clause.rights if c.pos_ == "VERB" and (
        c.dep_ == "conj" and (_another_report(finder, c) or _writers_participle(clause, c))
        or c.dep_ == "advcl" and c.tag_ == "VBG" and _another_report(finder, c))), None)
    if joined is not None:
        before = [t for t in clause.subtree if t.i < joined.left_edge.i and t.dep_ != "cc"]
        end = max(before, key=lambda t: t.i) if before else end
    if clause.i > verb.i:
        for child in verb.rights:
            # 'Lynch said there remains a gap, when it comes to ...': the parser hangs the
            # clause's tail on the cue; a participle ('..., adding that') starts a new report.
            if child.i > end.i and child.dep_ == "advcl" and child.tag_ != "VBG":
                end = child.right_edge
            elif child.i > end.i and child.dep_ == "conj" and _reported_conjunct(finder, child):
                end = child.right_edge
    start = clause.left_edge
    if clause.i > verb.i:
        start = _after_cue_time(verb, clause)
        end = _before_reattribution(finder, clause, end)
    return start.idx, char_end(end), "clause"


def _before_reattribution(finder: QuoteFinder, clause: Token, end: Token) -> Token:
    """'The letter complains that work had to be approved, which it describes as being "about
    PR"' -> the clause ends before ', which it describes as ...': the writer telling again who
    says so, not the words reported. Not: ', which OpenAI opened to artists' (a name as
    subject: the reverted gloss rule showed such clauses belong to the report), nor a verb
    that reports nothing ('which it hopes to fix')."""
    doc = finder.doc
    for child in clause.subtree:
        if child.i <= clause.i or child.i > end.i:
            continue
        opener = child.left_edge
        if child.dep_ not in ("advcl", "relcl") or opener.lower_ not in ("which", "what") or (
                opener.i == 0 or doc[opener.i - 1].text != ","):
            continue
        said = child.lemma_.lower() in finder.reporting | finder.stances
        by_pronoun = any(c.dep_ == "nsubj" and c.lower_ in ("it", "they", "he", "she")
                         for c in child.children)
        if said and by_pronoun and opener.i - 1 > clause.left_edge.i:
            return doc[opener.i - 2]
    return end


def _after_cue_time(verb: Token, clause: Token) -> Token:
    """'The group said on Wednesday it had no plans to ...' / 'Felix said late Tuesday the page
    was down' -> the clause starts after the date, which tells when the cue happened, though
    the parser hung it on the clause. Not: 'said that on Wednesday it would ...' (after 'that'
    the date is the clause's own), nor a phrase that is not a date ('said in May's rota ...')."""
    start = clause.left_edge
    for child in clause.lefts:
        if child.left_edge.i != start.i or child.dep_ not in ("prep", "npadvmod"):
            break
        if start.i != verb.i + 1 or not all(
                t.ent_type_ == "DATE" for t in child.subtree if t.dep_ != "prep"):
            break
        start = child.right_edge.nbor() if child.right_edge.i + 1 < len(child.doc) else start
    return start


def _clause_after_aside(finder: QuoteFinder, verb: Token) -> list[Token]:
    """'The artists said in an open letter, addressed to "Corporate AI Overlords," that they
    were being ...' -> the parser hangs the 'that' clause on the participle set off by commas
    after the cue; the clause is the cue's. Not: a participle that reports on its own
    ('..., adding that ...'), nor a clause that is not opened by 'that' right after the
    aside's closing comma ('..., saying the rota, which ..., that ...')."""
    doc = finder.doc
    for aside in verb.rights:
        set_off = aside.left_edge.i > 0 and doc[aside.left_edge.i - 1].text == ","
        if aside.dep_ != "advcl" or aside.tag_ not in ("VBN", "VBD", "VBG") or not set_off or (
                aside.lemma_.lower() in finder.reporting):
            continue
        for clause in aside.rights:
            opener = clause.left_edge
            before = [t for t in doc[aside.i : opener.i] if not t.is_quote]
            if clause.dep_ == "ccomp" and opener.lower_ == "that" and (
                    opener.head.i == clause.i and before and before[-1].text == ","):
                return [clause]
    return []


def clause_closed_before_cue(verb: Token) -> bool:
    """'The rota is unsafe, the nurses said' / '"...," she said' / '... - she said': a clause
    reported before its cue is closed by a comma, a dash or a closing mark right before the
    cue and its subject. Not: 'The page was up for hours on X. Some users noted ...' (the
    sentence splitter kept 'X.' whole, so the sentence before seemed to be what was noted)."""
    subject = next((c for c in verb.children if c.dep_ in SUBJECTS and c.i < verb.i), None)
    first = subject.left_edge.i if subject is not None else verb.i  # '..., said Mr. Hoch'
    return first > 0 and verb.doc[first - 1].text in CLAUSE_CLOSERS


def _another_report(finder: QuoteFinder, conjunct: Token) -> bool:
    """'..., and several researchers questioned whether ...' / '... and complained that ...': a
    reporting verb joined to the reported clause with content of its own is another report.
    Not: 'and only learned of it on Tuesday' (no content), '... and that the letter described
    ...' (a second 'that' clause of the same report), 'were rarely told how ...' (passive)."""
    children = list(conjunct.children)
    return conjunct.lemma_.lower() in finder.reporting | finder.beliefs | finder.stances and (
        any(c.dep_ in ("ccomp", "xcomp") for c in children)) and not any(
        c.dep_ == "auxpass" or (c.dep_ == "mark" and c.lower_ == "that") for c in children)


def _writers_participle(clause: Token, conjunct: Token) -> bool:
    """'acknowledging that access had been cut and thanking people for ...': a participle
    with no subject joined to a finite reported clause goes on with the writer's sentence.
    Not: 'said it was cutting access and thanking testers' (the clause is a participle too)."""
    return conjunct.tag_ == "VBG" and clause.tag_ != "VBG" and not any(
        g.dep_ in SUBJECTS for g in conjunct.children)


def _reported_conjunct(finder: QuoteFinder, verb: Token) -> bool:
    """'OpenAI pointed out that participation was voluntary, and no one was required to give
    feedback.' -> the parser hangs the second reported clause on the cue; it is reported too
    when it has a subject of its own that is no name, or none but a backshifted modal ('They
    said they were not against AI and would not have been invited if they were': 'would' is
    the reported 'will'), and is not a cue itself; or it opens with 'that' ('The nurses say
    they worked unpaid, and that Acme required rotas to be approved': a second reported clause
    whatever its subject). Not: 'Felix said it was voluntary and added that ...' (a second
    cue), 'said ..., and Altman left', 'said it and left'."""
    if verb.lemma_.lower() in finder.reporting | finder.beliefs | finder.stances or (
            verb.pos_ not in ("VERB", "AUX")):
        return False
    if any(c.dep_ == "mark" and c.lower_ == "that" and c.i < verb.i for c in verb.children):
        return True
    subject = next((c for c in verb.children if c.dep_ in SUBJECTS), None)
    if subject is None:
        return any(c.dep_ == "aux" and c.lower_ in BACKSHIFTED_MODALS for c in verb.children)
    return not subject.ent_type_ and subject.pos_ != "PROPN" and (
        subject.lower_ not in ("he", "she", "i"))


def content_before_cue(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'Participation is voluntary, the spokesperson said.' parsed with the cue as a side clause
    -> the sentence before the cue. Not: '..., though users have reported bugs' (a clause
    opened by a conjunction reports its own object)."""
    if verb.dep_ not in ("parataxis", "advcl", "conj") or verb.head.i > verb.i:
        return None
    if not any(c.dep_ in SUBJECTS for c in verb.children) or any(
            c.dep_ == "mark" and c.lower_ in SUBORDINATORS for c in verb.children):
        return None  # '..., though users have reported bugs': the cue reports its own object
    left = min(t.i for t in verb.subtree)
    sent = finder.sentences.of(verb)
    if left - sent.start < 3 or finder.doc[left - 1].text not in (",", "”", '"', "''"):
        return None
    end = finder.doc[left - 1].idx
    closing = [r.end for r in finder.statements if sent[0].idx < r.close_end <= end]
    return sent[0].idx, (closing[-1] if closing else end), "before_cue"


def content_around_cue(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'Participation, the spokesperson said, is voluntary.' -> the sentence the cue interrupts
    (the cue and speaker stay inside the content span: they sit in the middle of it)."""
    if verb.dep_ != "parataxis" or verb.head.i < verb.i:
        return None
    if not any(c.dep_ in SUBJECTS for c in verb.children):
        return None
    sent = finder.sentences.of(verb)
    left, right = verb.left_edge.i, verb.right_edge.i
    if inverted_subject(verb) is not None:
        left = verb.i - 1  # 'The goal of it, said the nurses, was ...': the comma before the cue
    if left - sent.start < 1 or sent.end - right < 3:
        return None
    return sent[0].idx, char_end(sent[-1]), "around_cue"


def content_as_cue_puts_it(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'As Felix put it, the preview was always voluntary.' / 'As OpenAI noted, ...' -> the
    sentence outside the 'as' clause."""
    if verb.dep_ != "advcl" or not any(c.dep_ == "mark" and c.lower_ == "as"
                                       for c in verb.children):
        return None
    # 'even as they agree with the message' is concessive, and a cue with its own object
    # ('as they agree with X', 'as it announced a deal') reports that, not the sentence
    if any(c.lower_ == "even" or c.dep_ in ("prep", "ccomp")
           or (c.dep_ == "dobj" and c.lower_ not in ("it", "this")) for c in verb.children):
        return None
    sent = finder.sentences.of(verb)
    left, right = verb.left_edge.i, verb.right_edge.i
    if left - sent.start <= 1:
        start, end = right + 1, sent.end
    else:
        start, end = sent.start, left
    if end - start < 3:
        return None
    return finder.doc[start].idx, char_end(finder.doc[end - 1]), "as_cue"


def content_infinitive(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'Altman promised to fix the bug.' / 'The artists want to be paid.' -> the infinitive.
    Not: a cue that only says something goes on ('Safety will continue to drive our decisions':
    'continue' reports only as '"...," she continued')."""
    clause = next((c for c in verb.children if c.dep_ == "xcomp"), None)
    if clause is None or not any(c.dep_ == "aux" and c.lower_ == "to" for c in clause.children):
        return None
    if verb.lemma_.lower() in ASPECTUAL_CUES:
        return None
    tokens = list(clause.subtree)
    return tokens[0].idx, char_end(tokens[-1]), "infinitive"


def content_that_read_as_determiner(finder: QuoteFinder, verb: Token
                                    ) -> tuple[int, int, str] | None:
    """'Acme responded by stressing that participation was voluntary.' parsed as 'stressing
    [that participation]' (an object with the determiner 'that') and 'was voluntary' hung
    elsewhere -> the clause from the noun through the finite verb right after it. Not: 'She
    repeated that claim on Monday' (no verb follows the object), 'said that rota was
    unfair' parsed right (a clause, taken by content_clause)."""
    obj = next((c for c in verb.rights if c.dep_ == "dobj"), None)
    if obj is None or obj.left_edge.i != verb.i + 1 or obj.left_edge.lower_ != "that":
        return None
    after = obj.right_edge.i + 1
    doc = finder.doc
    if after >= len(doc) or doc[after].tag_ not in ("VBD", "VBZ", "VBP", "MD") or (
            doc[after].head.i == obj.i):
        return None
    clause = doc[after]
    end = max(t.i for t in clause.subtree if t.i >= after)
    last = doc[end]
    if last.is_punct:
        end -= 1
    return doc[obj.left_edge.i + 1].idx, char_end(doc[end]), "that_as_determiner"


def content_clause_hung_on_noun(finder: QuoteFinder, verb: Token
                                ) -> tuple[int, int, str] | None:
    """'Hale admitted yesterday in a council hearing that his company had cut shifts.' parsed
    with the 'that' clause as a relative clause of 'hearing' -> a clause that opens with the
    conjunction 'that' and has a subject of its own, in a phrase after the cue, is what the cue
    reports. Not: 'She spoke at a hearing that the council held' ('that' is the relative
    pronoun, the clause's object)."""
    for child in verb.rights:
        if child.dep_ != "prep":
            continue
        for token in child.subtree:
            if token.dep_ != "relcl" or token.i <= verb.i:
                continue
            mark = next((c for c in token.children if c.dep_ == "mark" and c.lower_ == "that"
                         and c.i < token.i), None)
            if mark is not None and any(c.dep_ in SUBJECTS for c in token.children):
                return finder.doc[mark.i + 1].idx, char_end(token.right_edge), "clause_on_noun"
    return None


def negated_speech(verb: Token) -> bool:
    """'The company did not say whether ...' / 'OpenAI has not confirmed that ...' / 'Daily
    Circuit could not independently confirm that ...' / 'declined to say what ...': speech that
    did not happen is no statement. Not: 'She said she did not know' (the negation belongs to
    the content), 'OpenAI denied that ...' (a denial is said)."""
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    governor = verb.head if verb.dep_ == "xcomp" else None
    return governor is not None and (governor.lemma_.lower() in REFUSALS or any(
        c.dep_ == "neg" for c in governor.children))
