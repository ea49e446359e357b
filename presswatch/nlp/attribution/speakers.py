"""Speaker mentions: which words of a sentence name who speaks (not yet who that is).

'OpenAI spokesperson Niko Felix said ...' -> the subject of the cue, 'OpenAI spokesperson Niko
Felix'; a passive's agent; the subject of the verb a participle hangs from; never a dateline
('SAN FRANCISCO, Nov 26 -'). Who the mention is, is decided in actors.py.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Token

from presswatch.nlp.attribution.marks import QUOTE_MARKS
from presswatch.nlp.attribution.record import char_end

SUBJECTS = ("nsubj", "nsubjpass", "csubj")


# A dateline ('SAN FRANCISCO, Nov 26 (Wirewire) -') ends with one of these within so many tokens.
DASHES = frozenset({"-", "--", "—", "–", "―"})


DATELINE_TOKENS = 14


def inverted_subject(verb: Token) -> Token | None:
    """'The goal of the walkout, said the nurses, was ...' -> 'the nurses': a cue set off by
    commas with its subject after it, where the parser also hung the interrupted sentence's
    subject on it. Not: 'The nurses said the rota ...' (one subject, before the cue)."""
    doc = verb.doc
    before = [c for c in verb.children if c.dep_ == "nsubj" and c.i < verb.i]
    after = [c for c in verb.children if c.dep_ == "nsubj" and c.i > verb.i]
    if before and after and verb.i > 0 and doc[verb.i - 1].text == ",":
        return after[0]
    return None


def is_said_to_be(verb: Token) -> bool:
    """'Sora is said to be the best model.' names no speaker: a passive cue with an infinitive."""
    passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children)
    return passive and any(c.dep_ == "xcomp" for c in verb.children)


def find_speaker(verb: Token, quoted: Callable[[Token], bool] = lambda token: False,
                 passive_ok: bool = False) -> Token | None:
    """The head token of who speaks: the verb's subject, the agent of a passive, or the subject of
    the verb a participle or conjunct hangs from ('Felix said ..., adding that ...'; 'After
    saying ..., she was taken to hospital'). A subject inside quotation marks is part of the
    quote, not its speaker."""
    subjects = ("nsubj", "csubj", "nsubjpass") if passive_ok else ("nsubj", "csubj")
    inverted = inverted_subject(verb)
    if inverted is not None and not quoted(inverted):
        return inverted
    for child in verb.children:
        if child.dep_ in subjects and not quoted(child):
            if in_dateline(child):
                # 'SAN FRANCISCO, Nov 26 - A group of artists ... said': the parser may hang the
                # real subject on the place name
                past = _past_dateline(child)
                if past is None:
                    continue
                return past
            if child.lower_ in ("it", "there") and _is_expletive(child):
                return None
            if child.lower_ in ("'s", "’s"):
                return None  # "let's say": the writer and the reader
            if object_read_as_subject(verb, child):
                return subject_before(verb)
            return _past_dateline(child)
    for child in verb.children:
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children):
        return None  # 'testers ... were rarely told how ...': the one told is no speaker
    misparsed = _subject_hung_elsewhere(verb) or _subject_of_a_set_off_participle(verb)
    if misparsed is not None and not quoted(misparsed):
        return misparsed
    if verb.dep_ in ("conj", "advcl", "xcomp", "pcomp") and verb.head.i != verb.i:
        governor = verb.head
        while governor.pos_ in ("ADP", "CCONJ", "SCONJ", "ADV") and governor.head.i != governor.i:
            governor = governor.head  # 'appeared at a hearing ... for saying that ...'
        if governor.pos_ not in ("VERB", "AUX"):
            return None
        if verb.dep_ == "conj" and governor.dep_ == "ccomp" and governor.head.pos_ == "VERB":
            # 'The group claimed [few will see ...] and complained that ...': the parser hangs
            # a subjectless reporting verb on the reported clause; it joins the reporting verb
            governor = governor.head
        elif _report_hung_on_content(verb, governor):
            governor = governor.head
        return find_speaker(governor, quoted, passive_ok=verb.dep_ != "conj")
    if verb.dep_ == "acl" and verb.head.dep_ in ("dobj", "pobj", "attr"):
        # 'OpenAI issued a statement saying ...': the statement's issuer speaks.
        governor = verb.head.head if verb.head.dep_ != "pobj" else verb.head.head.head
        if governor.pos_ in ("VERB", "AUX") and governor.i != verb.i:
            return find_speaker(governor, quoted)
    return None


def _report_hung_on_content(participle: Token, governor: Token) -> bool:
    """'Lee said other firms would follow, adding that the cost was small': the parser hangs
    the participle that reports on the reported clause; the one adding is the one saying (Lee),
    not the clause's subject. Not: 'Lee said the firms left, citing low pay' (no clause of its
    own: the firms may be the ones citing)."""
    return (participle.dep_ == "advcl" and participle.tag_ == "VBG"
            and governor.dep_ == "ccomp" and governor.head.pos_ in ("VERB", "AUX")
            and governor.head.i < governor.i
            and any(c.dep_ == "ccomp" for c in participle.children)
            and participle.i > 0 and participle.doc[participle.i - 1].text == ",")


def object_read_as_subject(verb: Token, subject: Token) -> bool:
    """'The letter, headlined "...," accuses OpenAI of "art washing"': after a quotation the
    parser may read the object as an inverted subject ('"...," said OpenAI'). An inverted
    subject with more of the verb's phrase after it (an object, 'of ...') is its object. Not:
    '"...," said Boeing in a statement' (where it was said)."""
    return subject.i > verb.i and any(
        c.i > subject.i and (c.dep_ in ("dobj", "dative") or c.dep_ == "prep" and (
            c.lower_ in ("of", "for"))) for c in verb.children)


def subject_before(verb: Token) -> Token | None:
    """The subject the parser hung on a clause inside the verb's own phrase before it ('The
    letter, headlined "...," accuses'): a subject left of the verb under one of its children."""
    for token in reversed(verb.doc[verb.sent.start : verb.i]):
        if token.dep_ in ("nsubj", "nsubjpass") and token.head.i != verb.i and (
                token.head.head.i == verb.i):
            return token
    return None


def _subject_hung_elsewhere(verb: Token) -> Token | None:
    """'In a statement provided to Ars Technica, an OpenAI spokesperson noted that ...': the
    parser made the subject an apposition of the phrase before it, leaving the cue with none.
    The noun phrase right before a subjectless finite cue, after a comma, is its subject. Not:
    'a statement, noting that ...' (a participle has no subject of its own)."""
    doc = verb.doc
    if verb.i == 0 or verb.tag_ not in ("VBD", "VBZ", "VBP") or verb.dep_ != "ROOT":
        return None
    noun = doc[verb.i - 1]
    if noun.pos_ not in ("NOUN", "PROPN") or noun.dep_ not in ("appos", "conj", "pobj", "dobj"):
        return None
    left = noun.left_edge
    if noun.dep_ != "appos" and (left.i == 0 or doc[left.i - 1].text != ","):
        return None
    return noun


def _subject_of_a_set_off_participle(verb: Token) -> Token | None:
    """'The group behind the leak, dubbed the "PR Puppets," alleges that ...': the parser read
    the participle set off by commas as a finite verb with the cue's subject, and the cue as
    the verb it reports to. That clause's subject, before the comma, is the cue's. Not: a
    clause that is the words reported ('"It was a mistake," alleges the group'), nor one
    not set off by a comma."""
    doc = verb.doc
    if verb.tag_ not in ("VBD", "VBZ", "VBP"):
        return None
    for clause in verb.children:
        if clause.dep_ != "ccomp" or clause.i > verb.i or clause.tag_ not in ("VBN", "VBD"):
            continue
        subject = next((c for c in clause.children if c.dep_ == "nsubj" and c.i < clause.i), None)
        if subject is not None and doc[clause.i - 1].text == "," and subject.pos_ in (
                "NOUN", "PROPN"):
            return subject
    return None


def _past_dateline(subject: Token) -> Token | None:
    """'WASHINGTON -- President Obama, dedicating the museum, said': the dateline is no speaker."""
    tokens = list(subject.subtree)
    end = dateline_end(tokens[0])
    if end is None:
        return subject
    rest = [t for t in tokens if t.i > end]
    return next((t for t in rest if t.head not in rest and t.pos_ in ("PROPN", "NOUN")), None)


def dateline_end(token: Token) -> int | None:
    """'SAN FRANCISCO, Nov 26 (Wirewire) - A group ...' / 'WASHINGTON -- ...': the index of the
    dash that ends a dateline, when this token opens a paragraph with one. A dateline is a place
    in capitals at a paragraph's start, maybe a date and an outlet, then a dash; no verb."""
    doc = token.doc
    if not (token.is_upper and token.is_alpha and len(token) > 1):
        return None
    if token.i > 0 and "\n" not in doc[token.i - 1].text:
        return None
    for nxt in doc[token.i + 1 : token.i + DATELINE_TOKENS]:
        if nxt.text in DASHES:
            return nxt.i
        if nxt.pos_ in ("VERB", "AUX") or "\n" in nxt.text or nxt.text in (".", "!", "?"):
            return None
    return None


def in_dateline(token: Token) -> bool:
    """Whether a token lies in the dateline of its paragraph (the dateline is never a speaker)."""
    doc = token.doc
    start = token.i
    while start > 0 and token.i - start < DATELINE_TOKENS and "\n" not in doc[start - 1].text:
        start -= 1
    end = dateline_end(doc[start])
    return end is not None and token.i < end


def _is_expletive(token: Token) -> bool:
    return token.dep_ == "expl" or token.head.lemma_ in ("be", "seem", "appear")


def mention_span(head: Token) -> tuple[int, int]:
    """The speaker's noun phrase without relative clauses or appositions (kept for the role)."""
    doc = head.doc
    left = head.left_edge.i
    right = head.i
    for child in head.rights:
        if child.dep_ in ("relcl", "acl", "appos", "punct", "cc", "conj", "advcl"):
            break
        right = max(right, child.right_edge.i)
    while left < head.i and (doc[left].is_punct or doc[left].text in QUOTE_MARKS):
        left += 1
    if doc[head.i].ent_type_:
        while right + 1 < len(doc) and doc[right + 1].ent_iob_ == "I":
            right += 1
    return doc[left].idx, char_end(doc[right])


def cue_span(verb: Token) -> tuple[int, int]:
    """The cue: the verb with its particle ('pointed out')."""
    end = verb
    for child in verb.rights:
        if child.dep_ == "prt" and child.i == end.i + 1:
            end = child
    return verb.idx, char_end(end)
