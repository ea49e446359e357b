"""A cheap test on a raw archived page, before any HTML parsing: can it be relevant at all?

An archive month holds millions of pages and a story needs a few hundred, so the judge
(presswatch/nlp/relevance.py) cannot read them all. The gate is derived from the same compiled
rules and is a necessary condition of the judge's verdict, never a guess:

- an article is relevant only if its score reaches the threshold, and with `require_any` the
  score is 0 unless some combination has all its members present; without combinations it is 0
  unless some term or core entity is present;
- a member is present when one of its spellings occurs as a word sequence in the extracted
  title or text, so each word of that spelling occurs as a substring of the page's HTML once
  the HTML is decoded, its entities resolved, inline tags dropped and the text folded as the
  judge folds it (case, accents).

So the gate passes a page when some combination (or, without any, some concept) has, for every
member, a spelling whose every word is a substring of that folded page. Substrings ignore word
boundaries and plurals, and the folded HTML holds more than the extracted text (attributes,
scripts, menus): both only let more pages through. Here lives it beside the judge because the
two must fold alike.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from presswatch.nlp.relevance import compile_rules
from presswatch.story import Story

# Tags that may sit inside a word ("Open<b>AI</b>") without the extracted text splitting it;
# block tags split words in the text as well, so they may stay.
_INLINE_TAG = re.compile(
    rb"</?(?:a|b|i|u|s|em|strong|span|small|big|sub|sup|mark|font|abbr|wbr|q|cite|code|ins"
    rb"|del|bdi|bdo)\b[^>]*>",
    re.IGNORECASE,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.IGNORECASE)



def fold_page(body: bytes, charset: str | None = None) -> str:
    """The page's bytes as the gate reads them: decoded, inline tags dropped, entities
    resolved, case- and accent-folded exactly as relevance.fold folds the extracted text."""
    body = _INLINE_TAG.sub(b"", body)
    text = _decode(body, charset)
    if "&" in text:
        text = html.unescape(text)
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    # The marks relevance.fold drops, looked up once per distinct character, not per character.
    marks = {c: None for c in set(decomposed) if unicodedata.combining(c)}
    return (decomposed.translate(str.maketrans(marks)) if marks else decomposed).casefold()


def _decode(body: bytes, charset: str | None) -> str:
    """UTF-8 when it is valid (as extraction decides), else the declared charset, else cp1252."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(body[:4096])
    for name in (charset, declared.group(1).decode("ascii") if declared else None):
        if name:
            try:
                return body.decode(name, errors="replace")
            except LookupError:
                continue
    return body.decode("cp1252", errors="replace")


@dataclass(frozen=True)
class Gate:
    """A story's rules reduced to substring tests: combinations of concepts, each concept a set
    of spellings, each spelling the folded words that must all occur."""

    combos: tuple[tuple[tuple[tuple[str, ...], ...], ...], ...]
    passes_everything: bool = False

    def passes(self, body: bytes, charset: str | None = None) -> bool:
        """True unless the page cannot be judged relevant (see the module docstring)."""
        if self.passes_everything:
            return True
        return self.passes_text(fold_page(body, charset))

    def passes_text(self, folded: str) -> bool:
        """The test on an already folded page."""
        found: dict[str, bool] = {}

        def has(word: str) -> bool:
            if word not in found:
                found[word] = word in folded
            return found[word]

        return any(
            all(any(all(has(w) for w in spelling) for spelling in concept) for concept in combo)
            for combo in self.combos
        )


def compile_gate(story: Story) -> Gate:
    """The gate of a story's relevance rules (built from the judge's own compiled patterns)."""
    rules = compile_rules(story)
    spellings: dict[str, set[tuple[str, ...]]] = {}
    for patterns in rules.patterns_by_first_word.values():
        for pattern in patterns:
            if pattern.kind in ("entity", "term"):
                spellings.setdefault(pattern.concept, set()).add(pattern.words)
    concepts = {name: _minimal(found) for name, found in spellings.items()}
    if rules.threshold <= 0:
        return Gate(combos=(), passes_everything=True)
    if rules.combos:
        combos = tuple(tuple(concepts[m] for m in combo) for combo in rules.combos)
    else:
        combos = tuple((concept,) for concept in concepts.values())
    return Gate(combos=combos)


def _minimal(spellings: set[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """Spellings without those implied by a shorter one ("leaks" needs "leak" as a substring
    already): fewer substring tests, the same answer."""
    kept: list[tuple[str, ...]] = []
    for spelling in sorted(spellings, key=lambda s: (len(s), sum(map(len, s)), s)):
        if not any(all(any(k in w for w in spelling) for k in shorter) for shorter in kept):
            kept.append(spelling)
    return tuple(kept)
