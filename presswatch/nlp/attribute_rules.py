"""The model's attribute rules (tag to part of speech and morphology, lemma and part-of-speech
exceptions), matched over the Doc's attribute arrays instead of by spaCy's Matcher.

The English models' `attribute_ruler` holds about 180 one- and two-token patterns, and spaCy's
Matcher tries every one at every token: 13 % of the trained pipeline's time (8.4 CPU-s on the
bench's 283,752 words). Tested a pattern at a time over whole arrays, the same rules cost a
quarter of that, and the rules' attributes are still set by spaCy's own function, in spaCy's
order. A model whose rules use anything else than what is read here keeps spaCy's ruler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.tokens._retokenize import normalize_token_attrs, set_token_attrs

# The token attributes the rules may test, as columns of Doc.to_array; and the operators.
COLUMNS = {"TAG": TAG, "LOWER": LOWER, "DEP": DEP, "IS_SPACE": IS_SPACE}
SET_OPERATORS = ("IN", "NOT_IN")


@dataclass(frozen=True)
class Test:
    column: int  # index into COLUMNS' order
    operator: str  # "==", "IN", "NOT_IN" or "REGEX"
    value: Any  # a string id, an array of them, or a compiled pattern (REGEX, on the string)


@dataclass(frozen=True)
class Rule:
    order: int  # the pattern's place in the ruler: later rules win, as in spaCy
    tokens: tuple[tuple[Test, ...], ...]  # one tuple of tests per token of the pattern
    index: int  # which token of a match gets the attributes (negative: from the end)
    attrs: dict  # as normalize_token_attrs made them


class UnreadablePattern(ValueError):
    """A pattern of a kind these rules do not read: the model keeps spaCy's ruler."""


def compile_rules(patterns: list[dict], vocab) -> list[Rule]:
    """The ruler's patterns (AttributeRuler.patterns) as rules; raises UnreadablePattern."""
    rules = []
    for order, pattern in enumerate(patterns):
        attrs = normalize_token_attrs(vocab, pattern["attrs"])
        if "_" in pattern["attrs"]:
            raise UnreadablePattern("extension attributes")
        for sequence in pattern["patterns"]:
            if not isinstance(sequence, list) or not sequence:
                raise UnreadablePattern(repr(sequence))
            tokens = tuple(tuple(_test(key, value) for key, value in token.items())
                           for token in sequence)
            rules.append(Rule(order, tokens, pattern.get("index", 0), attrs))
    return rules


def _test(key: str, value: Any) -> Test:
    if key not in COLUMNS:
        raise UnreadablePattern(f"token attribute {key}")
    column = list(COLUMNS).index(key)
    if isinstance(value, dict):
        if len(value) != 1:
            raise UnreadablePattern(repr(value))
        ((operator, argument),) = value.items()
        if operator == "REGEX" and isinstance(argument, str):
            return Test(column, operator, re.compile(argument))
        if operator in SET_OPERATORS and isinstance(argument, list):
            ids = sorted({get_string_id(v) for v in argument})
            return Test(column, operator, np.array(ids, dtype=np.uint64))
        raise UnreadablePattern(repr(value))
    if isinstance(value, bool):  # IS_SPACE: True
        return Test(column, "==", np.uint64(int(value)))
    if isinstance(value, str | int):
        return Test(column, "==", np.uint64(get_string_id(value)))
    raise UnreadablePattern(repr(value))


class AttributeRules:
    """A pipeline component applying the rules as spaCy's AttributeRuler would."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules

    def __call__(self, doc: Doc) -> Doc:
        columns = doc.to_array(list(COLUMNS.values())).reshape(len(doc), len(COLUMNS))
        searched: dict[tuple[int, str], np.ndarray] = {}
        matches = []
        for rule in self.rules:
            for start in _starts(rule, columns, doc, searched):
                target = start + (rule.index if rule.index >= 0 else len(rule.tokens) + rule.index)
                matches.append((rule.order, start, target, rule.attrs))
        matches.sort(key=lambda match: (match[0], match[1]))
        for _, _, target, attrs in matches:
            set_token_attrs(doc[target], attrs)
        return doc


def _starts(rule: Rule, columns: np.ndarray, doc: Doc,
            searched: dict[tuple[int, str], np.ndarray]) -> list[int]:
    """Where the rule's tokens all pass their tests."""
    n, length = len(columns), len(rule.tokens)
    if length > n:
        return []
    passing = np.ones(n - length + 1, dtype=bool)
    for offset, tests in enumerate(rule.tokens):
        for test in tests:
            values = columns[offset:n - length + 1 + offset, test.column]
            if test.operator == "==":
                passing &= values == test.value
            elif test.operator == "IN":
                passing &= np.isin(values, test.value)
            elif test.operator == "NOT_IN":
                passing &= ~np.isin(values, test.value)
            else:
                passing &= _searched(test, columns, doc, searched)[offset:n - length + 1 + offset]
            if not passing.any():
                return []
    return np.flatnonzero(passing).tolist()


def _searched(test: Test, columns: np.ndarray, doc: Doc,
              searched: dict[tuple[int, str], np.ndarray]) -> np.ndarray:
    """Whether the pattern is found in each token's string, each distinct string read once."""
    key = (test.column, test.value.pattern)
    if key not in searched:
        distinct, where = np.unique(columns[:, test.column], return_inverse=True)
        strings = doc.vocab.strings
        found = np.array([bool(test.value.search(strings[int(v)])) for v in distinct.tolist()],
                         dtype=bool)
        searched[key] = found[where.reshape(-1)]
    return searched[key]


@Language.factory("presswatch_attribute_rules", default_config={"patterns": []})
def make_attribute_rules(nlp: Language, name: str, patterns: list[dict]) -> AttributeRules:
    return AttributeRules(compile_rules(patterns, nlp.vocab))


def use_attribute_rules(nlp: Language) -> bool:
    """Put the array rules in place of the model's attribute ruler, under its name, when every
    pattern is of a kind they read; False (spaCy's ruler kept) otherwise."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe("attribute_ruler")
    if not isinstance(ruler, AttributeRuler):  # a model's own component of that name
        return False
    patterns = ruler.patterns
    try:
        compile_rules(patterns, nlp.vocab)
    except UnreadablePattern:
        return False
    nlp.replace_pipe("attribute_ruler", "presswatch_attribute_rules",
                     config={"patterns": patterns})
    return True
