"""The shortcuts the attribution and linker rules take to avoid making a spaCy Token of every
word give what the Token-by-Token reading gives, on a parsed text with names, entities of
several words, quotation marks, group nouns and reporting words read as nouns."""

from __future__ import annotations

import pytest

from presswatch.nlp.attribution.actors import _entity_at
from presswatch.nlp.attribution.kinds import noun_kind, nouns_of_kind
from presswatch.nlp.attribution.marks import _marks
from presswatch.nlp.attribution.record import Sentences, by_word
from presswatch.nlp.data import word_table

TEXT = (
    "SAN FRANCISCO (Reuters) - A group of artists calling themselves PR Puppets leaked "
    "OpenAI's Sora on Tuesday. \"We are not your free bug testers,\" the group said. "
    "The artists allege they were exploited by the National Transportation Safety Board.\n"
    "According to OpenAI spokesperson Niko Felix, participation was voluntary. The company "
    "said the artists' claims were false; the testers, nurses and painters disagreed. "
    "``It was a mistake,'' said Felix. '''Odd''' marks stay as written."
)


@pytest.fixture(scope="module")
def doc(sora_nlp):
    return sora_nlp(TEXT)


def test_entity_at_is_the_entity_doc_ents_holds_the_token_in(doc):
    assert len(doc.ents) > 3
    for token in doc:
        expected = next((e for e in doc.ents if e.start <= token.i < e.end), None)
        found = _entity_at(token)
        if expected is None:
            assert found is None, token.text
        else:
            assert found is not None, token.text
            assert (found.start, found.end, found.label_, found.kb_id_, found.id_, found.text) == (
                expected.start, expected.end, expected.label_, expected.kb_id_, expected.id_,
                expected.text)


def test_nouns_of_kind_are_the_tokens_noun_kind_gives_that_kind(doc):
    descriptions = word_table("descriptions")
    for kind in ("group", "person", "org"):
        expected = [t.i for t in doc if noun_kind(t, descriptions) == kind]
        assert nouns_of_kind(doc, descriptions, kind) == expected
    assert nouns_of_kind(doc, descriptions, "group")  # 'group', 'artists', 'nurses', ...


def test_by_word_looks_up_each_token_as_its_token_reads(doc):
    from spacy.attrs import LEMMA, LOWER, ORTH

    assert by_word(doc, doc.to_array(ORTH), str.upper).tolist() == [t.text.upper() for t in doc]
    assert by_word(doc, doc.to_array(LOWER), len).tolist() == [len(t.lower_) for t in doc]
    assert by_word(doc, doc.to_array(LEMMA), str).tolist() == [t.lemma_ for t in doc]


def test_sentence_index_is_each_tokens_sentence(doc):
    sentences = Sentences(doc)
    assert len(sentences.spans) > 4
    for token in doc:
        assert sentences.of(token).start == token.sent.start
        assert sentences.of(token).end == token.sent.end
    assert [e.start for e in sentences.ents] == [e.start for e in doc.ents]


@pytest.mark.parametrize(("paragraph", "marks"), [
    ('He said "yes" and “no”.', [(8, '"'), (12, '"'), (18, "“"), (21, "”")]),
    ("``It was,'' she said", [(0, "``"), (9, "''")]),
    ("'''Odd''' ones", [(0, "''"), (6, "''")]),  # read from the left: a pair, one left over
    ("it's the writers' own", []),  # apostrophes alone are no marks
    ("„Ja“ und «oui» ok", [(0, "„"), (3, "“"), (9, "«"), (13, "»")]),
])
def test_quotation_marks_read_from_the_left(paragraph, marks):
    assert list(_marks(paragraph, 0)) == marks
    assert list(_marks(paragraph, 100)) == [(at + 100, mark) for at, mark in marks]
