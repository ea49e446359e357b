"""py3langid's language identifier, loaded once per process, with its byte walk done by numpy.

py3langid counts a text's byte n-gram features by walking an automaton over the bytes one at a
time in Python: about two thirds of its time per page. The automaton is an n-gram matcher
whose states lie at most NGRAM_DEPTH bytes from its start, so the state after any byte is the
state reached by reading only the NGRAM_DEPTH bytes that end there: numpy takes those
NGRAM_DEPTH steps for every position at once. The features come out in the same order as
py3langid's own walk finds them, so the scores (and every answer) are the same; a test holds
the two side by side. (The depth: a breadth-first walk of the model's states from the start,
2026-12, py3langid 0.4.0; a model with deeper states would make the two differ.)
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier

# The shortest path from the automaton's start to its farthest state in py3langid 0.4.0's model.
NGRAM_DEPTH = 6
# How much of a text every caller reads: the same opening, so that the question asked of an
# article at extraction and again before its parse is one question, answered once.
SAMPLE_CHARS = 5000
# Answers kept: an article's text is asked about at extraction and again a few dozen relevant
# articles later, before the parse (those between wait for spaCy's hand-outs).
CLASSIFIED_TEXTS = 512


class ArrayWalkIdentifier(LanguageIdentifier):
    """LanguageIdentifier whose feature counts come from one array walk per text."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.next_state = np.frombuffer(self.tk_nextmove, dtype=np.uint32)  # a view, no copy
        self.row_base = np.asarray(self._rowbase, dtype=np.int64)
        self.feature = np.asarray(self.tk_output, dtype=np.int64)

    def features(self, data: bytes) -> tuple[np.ndarray, np.ndarray]:
        """(features, counts) in order of first occurrence, as py3langid's walk counts them."""
        walked = np.frombuffer(data, dtype=np.uint8).astype(np.int64)
        state = np.zeros(len(walked), dtype=np.int64)
        for back in range(min(NGRAM_DEPTH, len(walked)) - 1, -1, -1):
            # every position reads the byte `back` before it; positions before the text's
            # first byte keep the start state, as the one-byte-at-a-time walk has there
            stepped = self.next_state[self.row_base[state[back:]] + walked[: len(walked) - back]]
            state[back:] = stepped
        found = self.feature[state]
        found = found[found >= 0]
        kinds, first, counts = np.unique(found, return_index=True, return_counts=True)
        order = np.argsort(first)
        return kinds[order], counts[order]

    @lru_cache(maxsize=CLASSIFIED_TEXTS)  # noqa: B019 - one identifier per process
    def classify(self, text: str | bytes) -> tuple[str, float]:
        """py3langid's answer, kept for the text itself: the run asks twice about each
        article's opening (at extraction, then before the parse)."""
        return super().classify(text)

    def _raw_score(self, text: bytes) -> np.ndarray:
        kinds, counts = self.features(text)
        if len(kinds):
            # py3langid's _sparse_score on the same values in the same order, without the
            # {feature: count} dict it takes and turns back into these arrays
            return np.log1p(counts.astype(np.float32)) @ self.nb_ptc[kinds] + self.nb_pc
        return super()._raw_score(text)  # no features: py3langid's own floor


@cache
def language_identifier() -> ArrayWalkIdentifier:
    """The model with probabilities normalised; 0.45 s to load, so once per process."""
    return ArrayWalkIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
