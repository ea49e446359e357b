"""A clause reported before its cue must be closed before the cue: the small model's sentence
splitter sometimes keeps a sentence's last word with its full stop ('X.') and the parser then
hangs the whole sentence on the next sentence's cue. Built as the model parsed it on real
coverage, so the rule is tested on that parse and not on what the model happens to do today."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from presswatch.nlp.attribution.content import clause_closed_before_cue

# (words, heads, deps, index of the cue, closed?)
PARSES = [
    # 'The page was up on X. Some users noted its speed.' read as one sentence
    (["The", "page", "was", "up", "on", "X.", "Some", "users", "noted", "its", "speed", "."],
     [1, 2, 8, 2, 2, 4, 7, 8, 8, 10, 8, 8],
     ["det", "nsubj", "ccomp", "advmod", "prep", "pobj", "det", "nsubj", "ROOT", "poss", "dobj",
      "punct"], 8, False),
    # 'The page was up, some users said.'
    (["The", "page", "was", "up", ",", "some", "users", "said", "."],
     [1, 2, 7, 2, 7, 6, 7, 7, 7],
     ["det", "nsubj", "ccomp", "advmod", "punct", "det", "nsubj", "ROOT", "punct"], 7, True),
    # 'The page was up, said Mr. Hale.'
    (["The", "page", "was", "up", ",", "said", "Mr.", "Hale", "."],
     [1, 2, 5, 2, 5, 5, 7, 5, 5],
     ["det", "nsubj", "ccomp", "advmod", "punct", "ROOT", "compound", "nsubj", "punct"], 5, True),
]


@pytest.mark.parametrize(("words", "heads", "deps", "cue", "closed"), PARSES,
                         ids=["missed-sentence-end", "comma-then-subject", "comma-then-cue"])
def test_a_clause_before_its_cue_is_closed_by_a_comma_or_mark(words, heads, deps, cue,
                                                               closed) -> None:
    doc = Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=deps)
    assert clause_closed_before_cue(doc[cue]) is closed
