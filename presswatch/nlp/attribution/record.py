"""The quote record every attribution step shares, and how it rides on a spaCy `Doc`.

`RawQuote` is plain data (character offsets, the speaker's head token index) kept under
`doc.user_data`; the content spans go to `doc.spans["quotes"]`, and `Doc._.quotes` /
`Doc._.attributions` build `QuoteMention` records from them on demand, so nothing holds on to
`Span` objects between components.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property

import numpy
from spacy.tokens import Doc, Span, Token

from presswatch.records import QuoteMention

USER_DATA_KEY = "presswatch.quotes"


# What an attribution is. Only "speech" is a statement (Doc._.quotes, the warehouse's quotes);
# the others are attributions of another sort (Doc._.attributions), kept because a corpus such
# as PolNeAR counts them: beliefs ("they believe"), stances with no words reported ("defended
# its approach"), speech that did not happen ("did not say", "declined to comment"), questions
# put to someone, reports by outlets or data ("according to commit logs"), things that "say"
# in the writer's own sentence ("The situation highlights ..."), and headlines.
SPEECH = "speech"


ACTS = ("speech", "belief", "stance", "non_response", "question", "report", "thing", "headline",
        "unclear")


@dataclass
class RawQuote:
    """One quote as plain data (char offsets; token index of the speaker's head)."""

    content: tuple[int, int]
    cue: tuple[int, int] | None
    kind: str
    speaker: tuple[int, int] | None
    speaker_head: int | None
    confidence: float
    rule: str
    canonical: str | None = None
    role: str | None = None
    act: str = SPEECH
    basis: str | None = None  # how the speaker was resolved (actors.py), for confidence


class Sentences:
    """Sentence lookup by token, built once per document: `Token.sent` walks the whole document
    on every call, which made long articles quadratic."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc.text  # Doc.text joins every token on each call: read it once
        self.spans = list(doc.sents)
        # each token's sentence number (the sentences tile the document)
        self.index: list[int] = numpy.repeat(
            numpy.arange(len(self.spans)), [sent.end - sent.start for sent in self.spans]
        ).tolist()

    @cached_property
    def ents(self) -> list[Span]:
        """`Doc.ents`, listed once: each read of `Doc.ents` builds every entity anew."""
        return list(self.doc.ents)

    def of(self, token: Token) -> Span:
        return self.spans[self.index[token.i]]

    def back(self, token: Token, count: int) -> int:
        """The first token index of the sentence `count` sentences before this token's."""
        return self.spans[max(0, self.index[token.i] - count)].start


def by_word(doc: Doc, values: numpy.ndarray, look_up: Callable[[str], object]) -> numpy.ndarray:
    """`look_up` of the string behind each value of a `Doc.to_array` column (ORTH, LOWER,
    LEMMA), as an array, each distinct string looked up once: rules that test every word of
    a text read the arrays instead of making a Token of each word."""
    distinct, where = numpy.unique(values, return_inverse=True)
    strings = doc.vocab.strings
    found = numpy.empty(len(distinct), dtype=object)
    found[:] = [look_up(strings[value]) for value in distinct.tolist()]
    return found[where]


def char_end(token: Token) -> int:
    return token.idx + len(token.text)


def overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def raw_quotes(doc: Doc) -> list[RawQuote]:
    return [RawQuote(**_tupled(d)) for d in doc.user_data.get(USER_DATA_KEY, [])]


def store_quotes(doc: Doc, quotes: list[RawQuote]) -> None:
    # a shallow copy of each record's fields: its values are numbers, strings and tuples of
    # numbers, which dataclasses.asdict would copy deeply for nothing
    doc.user_data[USER_DATA_KEY] = [
        {field.name: getattr(q, field.name) for field in fields(q)} for q in quotes]
    doc.spans["quotes"] = [
        span for q in quotes
        if (span := doc.char_span(*q.content, label=q.kind, alignment_mode="expand")) is not None
    ]


def _tupled(data: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def quote_mentions(doc: Doc) -> list[QuoteMention]:
    """`Doc._.quotes`: the document's quotes as records, offsets into `doc.text`."""
    text = doc.text
    return [
        QuoteMention(
            content_text=text[q.content[0] : q.content[1]],
            content_span=q.content,
            cue_text=text[q.cue[0] : q.cue[1]] if q.cue else None,
            cue_span=q.cue,
            kind=q.kind,
            speaker_text=text[q.speaker[0] : q.speaker[1]] if q.speaker else None,
            speaker_span=q.speaker,
            speaker=q.canonical,
            speaker_role=q.role,
            confidence=q.confidence,
            act=q.act,
        )
        for q in raw_quotes(doc)
    ]


def statements_of(doc: Doc) -> list[QuoteMention]:
    """`Doc._.quotes`: what was said (act "speech")."""
    return [q for q in quote_mentions(doc) if q.act == SPEECH]


def attributions_of(doc: Doc) -> list[QuoteMention]:
    """`Doc._.attributions`: attributions that are not statements (beliefs, stances, speech that
    did not happen, reports by outlets or data, things, headlines)."""
    return [q for q in quote_mentions(doc) if q.act != SPEECH]


if not Doc.has_extension("quotes"):
    Doc.set_extension("quotes", getter=statements_of)


if not Doc.has_extension("attributions"):
    Doc.set_extension("attributions", getter=attributions_of)
