"""Quotation marks and block quotes: where quoted words are, before any parse is read.

'"Sora is still in research preview," Felix said.' -> one region between the marks; a quote
left open at a paragraph's end and reopened at the next one's start is one region; a letter
reproduced without marks after a colon ('The letter reads:' then paragraphs in the first person)
is a block.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

OPENERS = {"“": "”", '"': '"', "„": "“", "«": "»", "``": "''", "''": "''"}


CLOSERS = {"”", '"', "»", "''", "“"}


SHAPE_ROLES = {"“": "open", "„": "open", "«": "open", "``": "open", "”": "close", "»": "close"}


QUOTE_MARKS = set(OPENERS) | CLOSERS | {"‘", "’", "'"}


TRIM = QUOTE_MARKS | {",", ".", ":", ";", "—", "–", "-", "(", ")", "…"}


# Quoted words at most this long, with no sentence punctuation, are phrases (scare quotes, titles),
# not statements: they only ever count inside a reported clause (a mixed quote).
PHRASE_MAX_WORDS = 4


# A title in marks ('"NBC Nightly News with Lester Holt"') is at most this long, its words
# capitalised but for these small ones.
TITLE_MAX_WORDS = 8
TITLE_SMALL_WORDS = frozenset({"a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for",
                               "by", "with", "from", "vs"})


# A block quote that lost its marks: at most so many paragraphs, each in the first person.
BLOCK_PARAGRAPHS = 8


# A sentence opened after a comma or colon in quotation marks: 'The letter goes on to say, "We'.
FRAMED_QUOTATION = re.compile(r"[,:]\s*[“\"«„]\s*[A-Z]")


FIRST_PERSON = frozenset({"i", "me", "my", "we", "us", "our", "ours"})


# A quotation right after these words is an addressee or a name, not words said: 'a letter
# addressed to "Corporate Overlords,"', 'Dear Overlords,'.
ADDRESSEE_WORDS = frozenset({"to", "dear"})


@dataclass
class Region:
    """Text between quotation marks: [start, end) excludes the marks."""

    start: int
    end: int
    open_mark: int  # char offset of the opening mark
    close_end: int  # char offset just after the closing mark (or the paragraph end)

    def is_statement(self, text: str) -> bool:
        inner = text[self.start : self.end].strip()
        words = inner.split()
        if self.is_addressee(text) or self.is_name(text):
            return False
        return len(words) > PHRASE_MAX_WORDS or (len(words) > 1 and inner[-1:] in ".,!?…")

    def is_name(self, text: str) -> bool:
        """'a group that calls itself "Sora PR Puppets,"' / '"Generate With Sora,"' / 'an
        interview for "NBC Nightly News with Lester Holt"': a few words, every one capitalised
        but for small words inside ('with', 'of'), are a name or a title in quotation marks,
        not a statement. Not: '"Unpaid R&D and PR."' (a lower-case word), '"We Are Sorry." '
        (a full stop ends a sentence)."""
        inner = text[self.start : self.end].strip()
        words = [w.lstrip("“‘'\"(") for w in inner.split() if any(c.isalpha() for c in w)]
        if not words or len(words) > TITLE_MAX_WORDS or inner[-1:] in ".!?…":
            return False
        inside = [w for w in words[1:-1] if w.lower() not in TITLE_SMALL_WORDS]
        capitalised = all(w[:1].isupper() for w in [words[0], *inside, words[-1]])
        return capitalised and (len(words) <= PHRASE_MAX_WORDS or len(inside) + 2 > len(words) // 2)

    def is_addressee(self, text: str) -> bool:
        """'In an open letter addressed to their "Corporate AI Overlords," the group said' /
        '"Dear corporate overlords,"': a salutation or an addressee names who is spoken to; it is
        no statement. Short words with no full stop after 'to' or 'dear', or opening with
        'Dear'. Not: 'told reporters, "We are sorry."' (a sentence after 'to')."""
        inner = text[self.start : self.end].strip()
        words = inner.split()
        if not words or len(words) > PHRASE_MAX_WORDS + 1 or inner[-1:] in ".!?…":
            return False
        before = text[max(0, self.open_mark - 16) : self.open_mark].lower().split()
        return words[0].lower() == "dear" or bool(ADDRESSEE_WORDS & set(before[-2:]))


def is_salutation(line: str) -> bool:
    """'Dear Corporate AI Overlords,' / 'To whom it may concern:' opening a letter."""
    line = line.strip().lstrip("“\"«„")
    words = line.split()
    return 0 < len(words) <= PHRASE_MAX_WORDS + 2 and words[0].lower() in ("dear", "to") and (
        line[-1:] in ",:" or words[0] == "DEAR" or words[0].lower() == "dear" and len(words) > 1
        and "." not in line)


def in_capitals(line: str) -> bool:
    """More than a word or two, every letter a capital: 'ARTISTS ARE NOT YOUR UNPAID R&D'."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) > 8 and all(c.isupper() for c in letters)


def is_heading(line: str) -> bool:
    """A reproduced document's heading, not a statement of its own: a line in capitals ('ARTISTS
    ARE NOT YOUR UNPAID R&D'), or one framed by symbols as a banner ('☠️ we are not your ...
    ☠️'). Not: 'We are not your free bug testers.' (a sentence), 'I said NO.' (one word in
    capitals)."""
    line = line.strip()
    if in_capitals(line):
        return True
    ends = line.replace("\ufe0f", "")
    return len(ends) > 2 and all(unicodedata.category(c) == "So" for c in (ends[0], ends[-1]))


# A quotation mark: two backticks or two apostrophes (as converters write the curly marks),
# else one of the marks; read from the left, three apostrophes are a pair and one left over.
QUOTATION_MARK = re.compile("``|''|[“”\"„«»]")


def _marks(paragraph: str, offset: int) -> Iterator[tuple[int, str]]:
    for match in QUOTATION_MARK.finditer(paragraph):
        yield offset + match.start(), match.group()


def _mark_role(text: str, at: int, mark: str) -> str:
    """Whether a quotation mark opens or closes, from the characters around it first (writers and
    converters mix up curly marks: '”Fear. I am afraid'), else from its shape."""
    before = text[at - 1] if at > 0 else " "
    after = text[at + len(mark)] if at + len(mark) < len(text) else " "
    opens = (before.isspace() or before in "([{—–-/―") and not after.isspace()
    closes = not before.isspace() and (after.isspace() or after in ".,;:!?)]}—–-/―'’\"”“")
    if opens != closes:
        return "open" if opens else "close"
    return SHAPE_ROLES.get(mark, "either")


def quote_regions(text: str) -> list[Region]:
    """Quoted stretches of `text`; a quote left open at a paragraph's end and reopened at the next
    paragraph's start (the news convention for long quotes) becomes one region, and so does one
    left open and closed in the next paragraph without reopening ('"ARTISTS ARE NOT YOUR R&D' /
    'We are not your bug testers"')."""
    regions: list[Region] = []
    open_ended: list[bool] = []
    pos = 0
    for paragraph in text.split("\n"):
        opened: tuple[int, str] | None = None
        first_mark = True
        for at, mark in _marks(paragraph, pos):
            role = _mark_role(text, at, mark)
            if opened is None and role == "close" and first_mark and open_ended and (
                    open_ended[-1] and not text[regions[-1].end : pos].strip()):
                regions.append(Region(pos, at, pos, at + len(mark)))  # closes last paragraph's
                open_ended.append(False)
                first_mark = False
                continue
            first_mark = False
            if opened is None or role == "open":
                if role != "close":
                    opened = (at, mark)  # a clear opener while open: the last one never closed
            elif role in ("close", "either"):
                regions.append(Region(opened[0] + len(opened[1]), at, opened[0], at + len(mark)))
                open_ended.append(False)
                opened = None
        if opened is not None:
            end = pos + len(paragraph.rstrip())
            if end - opened[0] > 1:
                regions.append(Region(opened[0] + len(opened[1]), end, opened[0], end))
                open_ended.append(True)
        pos += len(paragraph) + 1
    merged: list[Region] = []
    last_was_open = False
    for region, was_open in zip(regions, open_ended, strict=True):
        if merged and last_was_open and _continues(text, merged[-1], region):
            first = merged[-1]
            merged[-1] = Region(first.start, region.end, first.open_mark, region.close_end)
        else:
            merged.append(region)
        last_was_open = was_open
    return merged


def _continues(text: str, previous: Region, region: Region) -> bool:
    """An open-ended quote continues when only a paragraph break precedes the next opening mark."""
    between = text[previous.end : region.open_mark]
    return "\n" in between and not between.strip()


def block_after(text: str, colon_end: int) -> tuple[int, int] | None:
    """The paragraphs after a colon that ends a paragraph, while they speak in the first person
    or in capitals (a headline): a block quote that lost its marks in extraction. None when the
    colon does not end its paragraph or no such paragraph follows."""
    line_end = text.find("\n", colon_end)
    if line_end < 0 or text[colon_end:line_end].strip():
        return None
    return block_from(text, line_end + 1)


def block_from(text: str, start: int) -> tuple[int, int] | None:
    """Paragraphs from `start` while they are a letter's: a salutation first ('Dear Corporate
    AI Overlords,', 'DEAR OVERLORDS', even after an opening mark), then paragraphs in the
    first person or in capitals. A paragraph that opens with a quotation mark is the writer
    quoting again, and ends the block; so does any quotation mark, unless the block is a
    letter (it opened with a salutation) or the paragraph opens in the first person: such
    words may hold scare quotes of their own. Even in a letter, a paragraph that opens outside
    the first person and opens a quoted sentence after a comma or colon ('The letter goes on to
    say, "We ...') is the writer quoting it, not more of it."""
    end = start
    letter = False
    paragraphs = text[start:].split("\n")
    seen = 0
    for paragraph in paragraphs[:BLOCK_PARAGRAPHS]:
        number = seen
        seen += bool(paragraph.strip())
        words = set(re.findall(r"[a-z]+", paragraph.lower()))
        bare = paragraph.strip().lstrip("“\"«„")
        greeting = number == 0 and is_salutation(bare + ("," if bare[-1:].isalpha() else ""))
        if paragraph.strip() and not (words & FIRST_PERSON or in_capitals(paragraph) or greeting):
            break
        letter = letter or greeting
        if paragraph.lstrip()[:1] in ("“", '"', "«", "„") and not greeting:
            break  # a quotation of its own: the writer quotes again
        opening = (re.findall(r"[a-z]+", paragraph.lower()) or [""])[0]
        if opening not in FIRST_PERSON and any(mark in paragraph for mark in "“”\"«»") and (
                not letter or FRAMED_QUOTATION.search(paragraph)):
            break  # 'Mook told CBS, "We ..."': the writer speaks again
        end += len(paragraph) + 1
    end = end - 1
    return (start, end) if end > start else None
