"""A cheap test on a raw archived page, before any HTML parsing: can it be relevant at all?

An archive month holds millions of pages and a story needs a few hundred, so the judge
(presswatch/nlp/relevance.py) cannot read them all. The gate is derived from the same compiled
rules and is a necessary condition of the judge's verdict, never a guess (so a daily run uses
it too: a page it turns away is only skimmed, not extracted, and judged off the story at once):

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

Folding every page costs far more than reading it, so a first test runs on the raw bytes: one
pass of Hyperscan (a multi-pattern matcher, several GB/s) looks for each spelling's rarest word
(its longest), ignoring ASCII case, without decoding. A word can hide from that search in a few
ways only, which the same pass flags: a character the folding turns into one of the word's
letters or drops (an accented letter, a combining mark, a full-width letter; as such or as an
entity like `S&#111;ra`), an inline tag between two of its letters (`Open<b>AI</b>`), or bytes
that are not UTF-8 (a BOM'd UTF-16 page, cp1252 text). A word that may hide counts as present.
Only a page whose combinations can hold on what is present or may be goes on to the exact test
above, so the first test passes a superset of what the exact one passes, and the gate's answers
are today's. Most pages of an archive hold no rare word and no disguise: one scan says so.
"""

from __future__ import annotations

import codecs
import html
import html.entities
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

import hyperscan

from presswatch.nlp.relevance import compile_rules
from presswatch.story import Story

# Tags that may sit inside a word ("Open<b>AI</b>") without the extracted text splitting it;
# block tags split words in the text as well, so they may stay.
_INLINE_NAMES = (rb"(?:a|b|i|u|s|em|strong|span|small|big|sub|sup|mark|font|abbr|wbr|q|cite|code"
                 rb"|ins|del|bdi|bdo)")
_INLINE_TAG = re.compile(rb"</?" + _INLINE_NAMES + rb"\b[^>]*>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# On lower-cased bytes: inline tags glued between two word characters, which the folding joins
# ("open<b>ai</b>" reads "openai"), captured as the pair of characters they join. The pattern
# starts with "<" so the regex engine skips ahead to each tag instead of trying every byte.
_GLUED_INLINE_TAGS = re.compile(
    rb"<(?<=([a-z0-9_])<)(?:/?" + _INLINE_NAMES + rb"\b[^>]*>)(?:</?" + _INLINE_NAMES
    + rb"\b[^>]*>)*(?=([a-z0-9_]))"
)
_INLINE_TAG_RUN = rb"</?" + _INLINE_NAMES + rb"\b[^>]*>(?:</?" + _INLINE_NAMES + rb"\b[^>]*>)*"
_TAG_IN_ENTITY = re.compile(rb"&[#A-Za-z0-9]*" + _INLINE_TAG_RUN, re.IGNORECASE)
_WIDE_BOMS = tuple(bom for bom, _ in _BOMS[1:])  # UTF-16 and UTF-32
_ENTITY = re.compile(rb"&(?:#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);?")
_ASCII = bytes(range(128))
_EVERY_WORD = "*"  # a page where every word may hide: it goes to the exact test



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
    """The encoding a byte-order mark names, else UTF-8 when it is valid (as extraction
    decides). Else every reading extraction might choose, one per line, so that the words of
    any of them are found: UTF-8 with stray bytes, the declared charsets, cp1252."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(body[:4096])
    readings = [body.decode("utf-8", errors="replace")]
    for name in (charset, declared.group(1).decode("ascii") if declared else None, "cp1252"):
        if name:
            try:
                readings.append(body.decode(name, errors="replace"))
            except LookupError:
                continue
    return "\n".join(dict.fromkeys(readings))


def _folded_chars(text: str) -> str:
    """What the folding makes of some characters (fold_page's steps after decoding)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Gate:
    """A story's rules reduced to substring tests: combinations of concepts, each concept a set
    of spellings, each spelling the folded words that must all occur."""

    combos: tuple[tuple[tuple[tuple[str, ...], ...], ...], ...]
    passes_everything: bool = False
    # Derived: each spelling's rare word, as text and as bytes; per combination and concept,
    # the rare words of its spellings.
    rare_words: dict[str, bytes] = field(init=False, compare=False, repr=False)
    _concepts: tuple[tuple[tuple[str, ...], ...], ...] = field(init=False, compare=False,
                                                               repr=False)
    _alphabet: frozenset[str] = field(init=False, compare=False, repr=False)
    # The byte test's one pass over a page (see _ByteScan); True when a page with no rare word
    # and nothing hidden can still pass (a concept spelled only in non-ASCII letters).
    _scan: _ByteScan = field(init=False, compare=False, repr=False)
    _holds_on_nothing: bool = field(init=False, compare=False, repr=False)
    # What the folding makes of a character or entity seen on a page, learned as pages come.
    _folds: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        concepts = [[_rare_words(concept) for concept in combo] for combo in self.combos]
        shared = Counter(concept for combo in concepts for concept in set(combo))
        # Concepts with fewest words first, and among those the ones most combinations need:
        # a page lacking them fails every such combination on a search or two.
        ordered = tuple(tuple(sorted(combo, key=lambda c: (len(c), -shared[c], c)))
                        for combo in concepts)
        words = {w for combo in ordered for concept in combo for w in concept} - {_EVERY_WORD}
        object.__setattr__(self, "_concepts", ordered)
        object.__setattr__(self, "rare_words", {w: w.encode("ascii") for w in sorted(words)})
        object.__setattr__(self, "_alphabet", frozenset("".join(words)))
        object.__setattr__(self, "_scan", _byte_scan(tuple(self.rare_words), self._alphabet))
        object.__setattr__(self, "_holds_on_nothing", self._holds(_EVERY_WORD.__eq__))

    def passes(self, body: bytes, charset: str | None = None) -> bool:
        """True unless the page cannot be judged relevant (see the module docstring)."""
        if self.passes_everything:
            return True
        return self.may_pass(body) and self.passes_text(fold_page(body, charset))

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

    def may_pass(self, body: bytes) -> bool:
        """The first test, on raw bytes: False only when the exact test must say False too."""
        found = self._scan(body)
        if not found and body.isascii():
            return self._holds_on_nothing  # most pages: no rare word, nothing that may hide one
        seen = self._scan.words_in(found)
        if self._holds(seen.__contains__):
            return True
        hidden = self._may_hide(body, found)
        if _EVERY_WORD in hidden:
            return True
        return bool(hidden) and self._holds(lambda word: word in hidden or word in seen)

    def _holds(self, present) -> bool:
        """Some combination has, for every concept, a rare word that `present` says is there."""
        return any(all(any(present(w) for w in concept) for concept in combo)
                   for combo in self._concepts)

    def _may_hide(self, body: bytes, found: set[int]) -> set[str]:
        """The rare words this page may hold where the byte search cannot see them, given what
        the scan `found`."""
        scan = self._scan
        if b"\x00" in body or body.startswith(_WIDE_BOMS):
            return {_EVERY_WORD}  # UTF-16 or UTF-32
        if scan.tag_in_word in found and _TAG_IN_ENTITY.search(body):
            return {_EVERY_WORD}  # an entity cut by an inline tag, whole once it is dropped
        letters: set[str] = set()  # what hidden characters fold into ("" joins neighbours)
        if not body.isascii():
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                return {_EVERY_WORD}  # cp1252 and the like: the exact test reads every reading
            # UTF-8 keeps every byte of a multi-byte character >= 0x80: dropping ASCII leaves
            # exactly the page's other characters, still valid UTF-8.
            for char in set(body.translate(None, _ASCII).decode("utf-8")):
                letters.update(self._fold_of(char) or [""])
        if scan.letter_entity in found:
            for entity in set(_ENTITY.findall(body)):
                letters.update(self._fold_of(entity.decode("ascii")) or [""])
        if "" in letters:
            return {_EVERY_WORD}  # a combining mark (or an entity for one) may join letters
        letters &= self._alphabet
        pairs = ({(a + b).decode() for a, b in _GLUED_INLINE_TAGS.findall(body.lower())}
                 if scan.tag_in_word in found else set())
        if not letters and not pairs:
            return set()
        return {w for w in self.rare_words
                if not letters.isdisjoint(w) or any(p in w for p in pairs)}

    def _fold_of(self, text: str) -> str:
        """A character or an entity as the folding reads it (entities resolved as
        html.unescape resolves them in a page, with or without the closing semicolon)."""
        if text not in self._folds:
            value = html.unescape(text) if text.startswith("&") else text
            self._folds[text] = _folded_chars(value)
        return self._folds[text]


class _ByteScan:
    """One Hyperscan pass over a page's raw bytes, reporting each pattern at most once: the
    rare words it holds (ASCII case ignored, as bytes.lower() folds), and two flags for what
    may hide one: an entity that may fold into a rare word's letters or into nothing (numeric,
    or named like `&oacute;`), and an inline tag inside a word or an entity (`Open<b>AI</b>`,
    `&#<b></b>111;`, which the folding joins). Hyperscan needs scratch space per thread; the
    database is shared. (A NUL byte is left to `in`: as a pattern beside these it halved the
    scan's speed.)"""

    def __init__(self, words: tuple[str, ...], alphabet: frozenset[str]):
        self.words = words
        caseless_once = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH
        patterns = [(_escaped(w), caseless_once, i) for i, w in enumerate(words)]
        self.letter_entity, self.tag_in_word = len(words), len(words) + 1
        patterns += [(b"&" + name.encode("ascii"), hyperscan.HS_FLAG_SINGLEMATCH,
                      self.letter_entity) for name in ("#", *_letter_entities(alphabet))]
        patterns.append((b"[#&;a-z0-9_]" + _INLINE_TAG_RUN + b"[#;a-z0-9_]", caseless_once,
                         self.tag_in_word))
        self._database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._database.compile(expressions=[p for p, _, _ in patterns],
                               flags=[f for _, f, _ in patterns],
                               ids=[i for _, _, i in patterns])
        self._threads = threading.local()

    def __call__(self, body: bytes) -> set[int]:
        """The ids of the patterns the page holds (a word's id is its index in `words`)."""
        found: set[int] = set()
        if body:
            scratch = getattr(self._threads, "scratch", None)
            if scratch is None:
                scratch = self._threads.scratch = hyperscan.Scratch(self._database)
            self._database.scan(body, match_event_handler=_note, context=found,
                                scratch=scratch)
        return found

    def words_in(self, found: set[int]) -> set[str]:
        """The rare words found, and _EVERY_WORD (always "present")."""
        return {self.words[i] for i in found if i < len(self.words)} | {_EVERY_WORD}


@lru_cache(maxsize=8)
def _byte_scan(words: tuple[str, ...], alphabet: frozenset[str]) -> _ByteScan:
    """Compiled once per process and rare words (Hyperscan takes a tenth of a second)."""
    return _ByteScan(words, alphabet)


def _letter_entities(alphabet: frozenset[str]) -> list[str]:
    """The named entities (without the optional ";") that the folding turns into one of
    `alphabet`'s letters or into nothing: `oacute`, `Oopf`, `ordm`, `trade` ("tm")."""
    names = set()
    for name, value in html.entities.html5.items():
        folded = _folded_chars(value)
        if not folded or not alphabet.isdisjoint(folded):
            names.add(name.rstrip(";"))
    return sorted(names)


def _note(pattern: int, start: int, end: int, flags: int, found: object) -> None:
    """Hyperscan's match callback: `found` is the set the scan collects pattern ids in."""
    cast(set[int], found).add(pattern)


def _escaped(text: str) -> bytes:
    """Text as a Hyperscan pattern that matches it literally."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{ord(c):02x}"
                   for c in text).encode("ascii")


def _rare_words(concept: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The words the byte test looks for, one per spelling: its longest ASCII word (the rarest,
    as a rule), or _EVERY_WORD when it has none (bytes.lower() folds ASCII letters only). A
    word that holds another of the concept's is dropped: the shorter is found wherever it is."""
    chosen = set()
    for spelling in concept:
        ascii_words = [w for w in spelling if w.isascii()]
        chosen.add(max(ascii_words, key=len) if ascii_words else _EVERY_WORD)
    if _EVERY_WORD in chosen:
        return (_EVERY_WORD,)
    return tuple(sorted(w for w in chosen if not any(o != w and o in w for o in chosen)))


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
