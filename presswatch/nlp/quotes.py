"""Quotes: who is reported as saying (or believing) what, found from the dependency parse.

Extraction is a short sequence of named rules, each with an early exit, in the style of textacy's
`extract/triples.py`. Every rule's docstring shows the sentence shape it catches. The component
writes plain data (character offsets, token indices) under `doc.user_data`, the content spans to
`doc.spans["quotes"]`, and `Doc._.quotes` builds `QuoteMention` records from them on demand, so
nothing holds on to `Span` objects.

Order of work in one document:
1. find the quotation-mark regions (several sentences or paragraphs long when the marks say so);
2. cue rules, one reporting verb at a time (`X said (that) ...`, `"...," X said`, `X told Y ...`,
   `X said: ...`, `according to X, ...`), with negative rules first ("said to be", questions the
   writer asks);
3. quoted regions no cue claimed: a cue right before or after the marks, else a follow-on
   quotation continuing the previous speaker, else nothing (scare quotes, titles of works).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from presswatch.nlp.data import word_set, word_table
from presswatch.records import QuoteMention

USER_DATA_KEY = "presswatch.quotes"
OPENERS = {"“": "”", '"': '"', "„": "“", "«": "»", "``": "''", "''": "''"}
CLOSERS = {"”", '"', "»", "''", "“"}
SHAPE_ROLES = {"“": "open", "„": "open", "«": "open", "``": "open", "”": "close", "»": "close"}
QUOTE_MARKS = set(OPENERS) | CLOSERS | {"‘", "’", "'"}
TRIM = QUOTE_MARKS | {",", ".", ":", ";", "—", "–", "-", "(", ")", "…"}
# '"..." ― Martha Aguilar': a name after a dash closes a quotation (letters pages, posts).
DASH_NAME = re.compile(
    r"[^\S\n,]*,?[^\S\n]*([―—–]|--?)[^\S\n]*([A-Z][\w.'’-]*(?:[^\S\n][A-Z][\w.'’-]*){0,3})")
# Words that introduce the title of a work: 'a film called "Air Head"'.
TITLE_MARKERS = frozenset({"called", "titled", "entitled", "named", "dubbed", "headlined"})
SUBJECTS = ("nsubj", "nsubjpass", "csubj")
# Quoted words at most this long, with no sentence punctuation, are phrases (scare quotes, titles),
# not statements: they only ever count inside a reported clause (a mixed quote).
PHRASE_MAX_WORDS = 4
# A dateline ('SAN FRANCISCO, Nov 26 (Wirewire) -') ends with one of these within so many tokens.
DASHES = frozenset({"-", "--", "—", "–", "―"})
DATELINE_TOKENS = 14
# Content opening with one of these after a negated or refused cue is a question, not a statement.
WH_WORDS = frozenset({"how", "what", "why", "when", "where", "who", "whom", "which"})
REFUSALS = frozenset({"decline", "refuse", "fail", "wonder", "ask", "question"})
# Endings of English nouns for people: 'artist', 'historian'.
PEOPLE_SUFFIXES = ("ist", "ists", "ian", "ians")
# Endings of English nouns for things, events and ideas: 'situation', 'announcement'.
ABSTRACT_SUFFIXES = ("tion", "sion", "ment", "ness", "ity", "ance", "ence", "ship", "ism", "ing")
QUESTION_CONFIDENCE = 0.3
# A block quote that lost its marks: at most so many paragraphs, each in the first person.
BLOCK_PARAGRAPHS = 8
# A sentence opened after a comma or colon in quotation marks: 'The letter goes on to say, "We'.
FRAMED_QUOTATION = re.compile(r"[,:]\s*[“\"«„]\s*[A-Z]")
# Verbs whose object is charged 'of' something: 'accused OpenAI of "art washing"'.
CHARGING_OF = frozenset({"accuse", "suspect", "convict"})
# Modals a report shifts back ('will' -> 'would'): a conjunct that opens with one, and has no
# subject of its own, goes on with the reported clause.
BACKSHIFTED_MODALS = frozenset({"would", "could", "might"})
FIRST_PERSON = frozenset({"i", "me", "my", "we", "us", "our", "ours"})
REFLEXIVES = frozenset({"itself", "themselves", "himself", "herself"})
# What an attribution is. Only "speech" is a statement (Doc._.quotes, the warehouse's quotes);
# the others are attributions of another sort (Doc._.attributions), kept because a corpus such
# as PolNeAR counts them: beliefs ("they believe"), stances with no words reported ("defended
# its approach"), speech that did not happen ("did not say", "declined to comment"), questions
# put to someone, reports by outlets or data ("according to commit logs"), things that "say"
# in the writer's own sentence ("The situation highlights ..."), and headlines.
SPEECH = "speech"
ACTS = ("speech", "belief", "stance", "non_response", "question", "report", "thing", "headline",
        "unclear")
# Verbs whose object may hold someone's words in quotation marks besides the reporting, stance
# and belief verbs: 'labelled the deal a "disaster"'.
CHARACTERISING = frozenset({"call", "label", "brand", "dub", "term", "describe", "characterize",
                            "characterise", "portray", "paint", "frame", "cast", "deride"})
# A quotation right after these words is an addressee or a name, not words said: 'a letter
# addressed to "Corporate Overlords,"', 'Dear Overlords,'.
ADDRESSEE_WORDS = frozenset({"to", "dear"})
# Content of at most so many words (articles and possessives aside) and no verb is a bare noun
# phrase: 'defended its approach', 'criticized the program'.
BARE_PHRASE_WORDS = 3
# A headline: a paragraph of at most so many words whose words are mostly capitalised.
HEADLINE_WORDS = 25
HEADLINE_CAPITALISED = 0.6
SUBHEAD_WORDS = 12
SMALL_WORDS = frozenset({"a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at",
                         "for", "by", "with", "from", "as", "vs", "is", "it"})


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
        """'a group that calls itself "Sora PR Puppets,"' / '"Generate With Sora,"': a few
        words, every one capitalised, are a name or a title in quotation marks, not a
        statement. Not: '"Unpaid R&D and PR."' (a lower-case word), '"We Are Sorry." '
        (a full stop ends a sentence)."""
        inner = text[self.start : self.end].strip()
        words = [w for w in inner.split() if any(c.isalpha() for c in w)]
        if not words or len(words) > PHRASE_MAX_WORDS or inner[-1:] in ".!?…":
            return False
        return all(w.lstrip("“‘'\"(")[:1].isupper() for w in words)

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
    basis: str | None = None  # how the speaker was resolved (nlp/speakers.py), for confidence


class Sentences:
    """Sentence lookup by token, built once per document: `Token.sent` walks the whole document
    on every call, which made long articles quadratic."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc.text  # Doc.text joins every token on each call: read it once
        self.spans = list(doc.sents)
        self.index = [0] * len(doc)
        for number, sent in enumerate(self.spans):
            for i in range(sent.start, sent.end):
                self.index[i] = number

    def of(self, token: Token) -> Span:
        return self.spans[self.index[token.i]]

    def back(self, token: Token, count: int) -> int:
        """The first token index of the sentence `count` sentences before this token's."""
        return self.spans[max(0, self.index[token.i] - count)].start


# --- quotation-mark regions ---------------------------------------------------------------------


def _marks(paragraph: str, offset: int) -> Iterator[tuple[int, str]]:
    i = 0
    while i < len(paragraph):
        pair = paragraph[i : i + 2]
        if pair in ("``", "''"):
            yield offset + i, pair
            i += 2
            continue
        if paragraph[i] in "“”\"„«»":
            yield offset + i, paragraph[i]
        i += 1


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


# --- the rules ----------------------------------------------------------------------------------


class QuoteFinder:
    """The rules, bound to one document."""

    def __init__(self, doc: Doc, reporting: frozenset[str], beliefs: frozenset[str],
                 documents: frozenset[str], stances: frozenset[str],
                 inanimate: frozenset[str] = frozenset(), animate: frozenset[str] = frozenset(),
                 data_nouns: frozenset[str] = frozenset(),
                 abstract: frozenset[str] = frozenset()) -> None:
        self.doc = doc
        self.animate = animate | documents
        self.abstract = abstract
        self.data_nouns = data_nouns
        self.inanimate = inanimate
        self.sentences = Sentences(doc)
        self.text = self.sentences.text
        self.stances = stances
        self.reporting = reporting
        self.beliefs = beliefs
        self.documents = documents
        self.regions = quote_regions(self.text)
        self.statements = [r for r in self.regions if r.is_statement(self.text)]
        self.used_cues: set[int] = set()
        self.quotes: list[RawQuote] = []
        self.blocks: list[tuple[int, int]] = []  # block quotes that lost their marks

    def run(self) -> list[RawQuote]:
        for token in self.doc:
            quote = (self.from_cue(token) or self.from_quoted_words(token)
                     or self.from_stance(token))
            if quote is not None:
                self.quotes.append(quote)
        self.quotes.extend(self.from_according_to())
        self.quotes.extend(self.from_document_block())
        self.quotes.sort(key=lambda q: q.content)
        self.attach_regions()
        self.mark_headlines()
        return _without_duplicates(self.quotes)

    # cue rules -------------------------------------------------------------------------------

    def from_cue(self, verb: Token) -> RawQuote | None:
        """A reporting or belief verb with a speaker and a content clause, or nothing."""
        lemma = verb.lemma_.lower()
        is_speech = lemma in self.reporting
        puts_it = lemma == "put" and any(c.dep_ == "dobj" and c.lower_ == "it"
                                          for c in verb.children)
        is_speech = is_speech or puts_it
        if not (is_speech or lemma in self.beliefs) or verb.pos_ not in ("VERB", "AUX"):
            return None
        if self.inside_statement(verb.idx) or is_said_to_be(verb) or self.writer_asks(verb):
            return None
        if self.part_of_quote(verb):
            return None
        speaker = find_speaker(verb, self.quoted)
        if lemma == "read" and not self.is_document(speaker):
            return None
        for rule in (content_after_colon, content_in_marks_after, content_clause,
                     content_before_cue, content_around_cue, content_as_cue_puts_it,
                     content_infinitive):
            found = rule(self, verb)
            if found is not None:
                start, end, name = found
                break
        else:
            return None
        if name == "block_quote":
            return self.block_quotes(start, end, verb, speaker)
        if start > verb.idx:
            end = self.before_gloss(start, end)
        start, end = self.trim(start, end)
        if end - start < 2 or len(self.text[start:end].split()) < 2:
            return None  # 'executives say will': one word says nothing
        if speaker is None and verb.tag_ == "VB" and _starts_sentence(verb):
            return None  # 'Note that ...', 'Add to chat': the writer instructs the reader
        if speaker is not None and speaker.lemma_.lower() in self.inanimate:
            return None  # 'Each clip carried a watermark, suggesting ...': things do not speak
        end = self.through_colon_quote(end)
        kind, (start, end) = self.kind_of(start, end, verb)
        confidence = (0.85 if is_speech else 0.45) - (0.0 if speaker is not None else 0.15)
        act = SPEECH if is_speech else "belief"
        if self.asks_not_says(start, verb, speaker):
            confidence, act = QUESTION_CONFIDENCE, "question"
        elif negated_speech(verb):
            act = "non_response"
        elif kind != "direct" and not self.has_predicate(start, end):
            return None  # 'explaining why', 'said nothing': no clause, nothing said
        act = self.thing_or_data(speaker, act)
        if act == SPEECH and lemma == "report" and speaker is not None and (
                speaker.ent_type_ == "ORG" and not speaker.ent_id_):
            act = "report"  # 'ReadWrite reported that ...': news organisations report
        self.used_cues.add(verb.i)
        return RawQuote(
            content=(start, end),
            cue=cue_span(verb),
            kind=kind,
            speaker=mention_span(speaker) if speaker is not None else None,
            speaker_head=speaker.i if speaker is not None else None,
            confidence=round(confidence + (0.05 if kind == "direct" else 0.0), 2),
            rule=name,
            act=act,
        )

    def part_of_quote(self, verb: Token) -> bool:
        """'We believe we are being lured into art washing to tell the world that Sora is a
        useful tool.' -> an infinitive cue ('to tell') inside the words of an earlier quote, with
        no subject of its own, is part of that quote, not a second one. Not: 'She said Lee told
        voters that ...' ('told' has its own subject), '... while chanting, "Hands up"' (a
        participle reports words of its own)."""
        if any(c.dep_ in SUBJECTS for c in verb.children) or not any(
                c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
            return False
        return any(q.content[0] <= verb.idx < q.content[1] and q.cue is not None
                   and q.cue[1] <= verb.idx for q in self.quotes)

    def has_predicate(self, start: int, end: int) -> bool:
        """Whether a content span says something: it holds a verb, or is a noun phrase of
        some length ('the expectation that artists would work for free', 'strict rules on
        publishing results'); not a short bare noun phrase ('its approach', 'the program',
        'more transparency', 'why')."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return True
        words = [t for t in span if t.is_alpha and t.dep_ != "det" and t.dep_ != "poss"]
        return len(words) > BARE_PHRASE_WORDS or any(t.pos_ in ("VERB", "AUX") for t in span)

    def thing_or_data(self, speaker: Token | None, act: str) -> str:
        """'The situation highlights the tension ...' / 'These advancements promise to ...' ->
        a thing as the subject of a cue is the writer's own sentence ("thing"); 'according to
        Git commit logs' -> data is a source, not a speaker ("report"). A person, a group, an
        organisation, a pronoun, a role or a document speaks. Not: 'The critics said ...'."""
        if speaker is None or act != SPEECH:
            return act
        if speaker.lemma_.lower() in self.data_nouns or speaker.lower_ in self.data_nouns:
            return "report"
        if self.is_thing(speaker):
            return "thing"
        return act

    def is_thing(self, token: Token) -> bool:
        """A common noun for a thing, an event or an idea ('the situation', 'the move', 'the
        technology', 'the announcement'), by the abstract-nouns list and English suffixes
        ('-tion', '-ment', '-ness', ...); people nouns, roles, descriptions and documents
        speak, and so does any noun not known as a thing ('the hospital said')."""
        if token.pos_ != "NOUN" or token.ent_type_:
            return False
        lemma, form = token.lemma_.lower(), token.lower_
        if lemma in self.animate or form in self.animate or lemma.endswith(PEOPLE_SUFFIXES):
            return False
        if not (lemma in self.abstract or form in self.abstract
                or lemma.endswith(ABSTRACT_SUFFIXES)):
            return False
        for prep in (c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"):
            if any(self.is_people(c) for c in prep.children):
                return False  # 'a delegation of artists', 'the group of testers'
        return True

    def is_people(self, token: Token) -> bool:
        """'a group of artists', 'dozens of testers': the noun after 'of' names people."""
        return token.lemma_.lower() in self.animate or bool(token.ent_type_ in (
            "PERSON", "ORG", "NORP"))

    def from_document_block(self) -> Iterator[RawQuote]:
        """'From the group's open letter:' / 'Accompanying the software was a letter that
        started like this:' / 'Also on the page is an open letter to OpenAI.' followed by 'Dear
        corporate AI overlords' and paragraphs in the first person -> a letter reproduced as a
        block: one direct quote per paragraph (the salutation left out), its speaker the
        document named in the paragraph before. Not: a paragraph ending in a colon before
        paragraphs in the writer's own voice."""
        pos = 0
        for paragraph in self.text.split("\n"):
            end = pos + len(paragraph)
            following = end + 1
            pos = following
            line = paragraph.strip()
            nxt_end = self.text.find("\n", following)
            nxt = self.text[following : nxt_end if nxt_end >= 0 else len(self.text)]
            if not line or not (line.endswith(":") or is_salutation(nxt)):
                continue
            if self.inside_block(following) or any(
                    _overlap((following, following + max(1, len(nxt))), q.content)
                    for q in self.quotes):
                continue
            document = self.document_in(end - len(paragraph), end)
            if document is None:
                continue
            block = block_from(self.text, following)
            if block is None:
                continue
            quote = self.block_quotes(*block, None, document)
            if quote is not None:
                yield quote

    def document_in(self, start: int, end: int) -> Token | None:
        """The last document noun of a paragraph ('the group's open letter')."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return None
        return next((t for t in reversed(span) if t.lemma_.lower() in self.documents
                     and t.pos_ in ("NOUN", "PROPN")), None)

    def is_document(self, speaker: Token | None) -> bool:
        """'The letter reads', or 'It reads' right after a sentence whose subject is a document
        ('The letter accuses OpenAI of ... It reads in full:')."""
        if speaker is None:
            return False
        if speaker.lemma_.lower() in self.documents:
            return True
        number = self.sentences.index[speaker.i]
        if speaker.lower_ != "it" or number == 0:
            return False
        before = self.sentences.spans[number - 1]
        return any(t.dep_ in SUBJECTS and t.head == before.root
                   and t.lemma_.lower() in self.documents for t in before)

    def block_quotes(self, start: int, end: int, verb: Token | None, speaker: Token | None
                     ) -> RawQuote | None:
        """'The letter reads:' then paragraphs without quotation marks (a block quote whose
        marks the page's markup carried): one direct quote per paragraph, same cue and
        speaker."""
        self.blocks.append((start, end))
        if verb is not None:
            self.used_cues.add(verb.i)
        quotes = []
        pos = start
        for paragraph in self.text[start:end].split("\n"):
            if paragraph.strip() and not is_salutation(paragraph):
                first, last = self.trim(pos, pos + len(paragraph))
                quotes.append(RawQuote(
                    content=(first, last), cue=cue_span(verb) if verb is not None else None,
                    kind="direct",
                    speaker=mention_span(speaker) if speaker is not None else None,
                    speaker_head=speaker.i if speaker is not None else None,
                    confidence=0.8 if speaker is not None else 0.65, rule="block_quote",
                    act="headline" if is_heading(paragraph) else SPEECH))
            pos += len(paragraph) + 1
        if not quotes:
            return None
        self.quotes.extend(quotes[1:])
        return quotes[0]

    def from_quoted_words(self, verb: Token) -> RawQuote | None:
        """'Christie blasted Clinton as a "disgrace".' / 'The union called Clinton a "champion"
        for its members.' -> any verb whose object holds someone's words in quotation marks
        (a mixed quote). Titles are not words: 'a film called "Air Head"', 'ran "Sora Leaks"'."""
        if verb.pos_ != "VERB" or verb.i in self.used_cues or self.inside_region(verb.idx):
            return None
        if any(q.content[0] <= verb.idx < q.content[1] for q in self.quotes):
            return None  # 'They said OpenAI used them for "art washing"': the words are theirs
        speaker = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if speaker is None or self.quoted(speaker) or speaker.lower_ in ("it", "this", "that"):
            return None
        objects = [c for c in verb.rights if c.dep_ in ("dobj", "oprd", "prep", "attr", "acomp")]
        if not objects:
            return None
        charge = self.charge_of(verb, objects)
        if charge is not None:
            objects = [charge]  # 'accused OpenAI of "art washing"': the accused is no part of it
        start, end = objects[0].left_edge.idx, _char_end(objects[-1].right_edge)
        words = [r for r in self.regions if start <= r.open_mark and r.close_end <= end + 1
                 and not self.is_title(r) and not self.names_a_thing(r)]
        if not words:
            return None
        holding = [c for c in objects if c.left_edge.idx <= words[-1].open_mark]
        end = self.before_gloss(start, max(_char_end(holding[-1].right_edge), words[-1].close_end))
        if start >= words[0].open_mark and end <= words[-1].close_end:
            return None  # only the quoted words: a name or a title, not a characterisation
        self.used_cues.add(verb.i)
        # 'posted its page', 'suspended access after "art washing"': an action reports nothing,
        # the words in marks may be anyone's
        lemma = verb.lemma_.lower()
        speaks = lemma in self.reporting | self.stances | self.beliefs | CHARACTERISING
        act = SPEECH if speaks else "unclear"
        return RawQuote((start, end), cue_span(verb), "mixed", mention_span(speaker), speaker.i,
                        0.6, "quoted_words", act=act)

    def from_stance(self, verb: Token) -> RawQuote | None:
        """'Trump attacked the trade deal.' / 'The union called for a recount.' / 'She called
        it a mistake.' -> the object of a stance verb (low confidence: no words are reported)."""
        if verb.lemma_.lower() not in self.stances or verb.pos_ != "VERB":
            return None
        if verb.i in self.used_cues or self.inside_region(verb.idx) or self.writer_asks(verb):
            return None
        speaker = find_speaker(verb, self.quoted)
        if speaker is None or speaker.pos_ not in ("PROPN", "NOUN", "PRON"):
            return None
        rights = [c for c in verb.rights if c.dep_ in ("dobj", "oprd", "prep", "ccomp", "xcomp")]
        if verb.lemma_.lower() == "call":
            if verb.dep_ == "acl":
                return None  # 'a film called "Air Head"' names a work
            wanted = [c for c in rights if c.dep_ == "oprd" or c.lower_ in ("for", "on")]
            if not wanted or any(c.lower_ in REFLEXIVES for c in verb.children):
                return None  # 'a group that calls itself PR Puppets' names, it does not judge
            rights = [c for c in rights if c.i <= wanted[-1].i]
        objects = []
        for child in rights:
            if child.dep_ == "prep" and not objects:
                if verb.lemma_.lower() != "call":
                    break
            objects.append(child)
        if not objects:
            return None
        first = objects[0].left_edge
        if objects[0].dep_ == "prep" and objects[0].i + 1 < len(self.doc):
            first = self.doc[objects[0].i + 1]  # 'called for a recount': content 'a recount'
        charge = self.charge_of(verb, objects)
        if charge is not None:
            first, objects = charge.left_edge, [charge]
            if first.i > 0 and self.doc[first.i - 1].text in OPENERS:
                first = self.doc[first.i - 1]  # 'of "art washing"': the mark opens the words
        start, end = self.trim(first.idx, _char_end(objects[-1].right_edge))
        if end - start < 3 or any(
                r.open_mark <= start and end <= r.close_end and self.is_title(r)
                for r in self.regions):
            return None
        kind, (start, end) = self.kind_of(start, end, verb)
        self.used_cues.add(verb.i)
        act = SPEECH if self.reports_a_charge(verb, start, end) else "stance"
        return RawQuote((start, end), cue_span(verb), kind, mention_span(speaker), speaker.i,
                        0.4, "stance", act=self.thing_or_data(speaker, act))

    def charge_of(self, verb: Token, objects: list[Token]) -> Token | None:
        """'criticize the company, which raised billions, for having artists work unpaid' /
        'accused OpenAI of exploiting artists' -> what the object is charged with, after 'for'
        or 'of', is what was said; the one accused is not part of it. Not: 'called for a
        recount' (no object before the preposition)."""
        if not objects or objects[0].dep_ != "dobj":
            return None
        for child in verb.rights:
            if child.dep_ == "prep" and child.lower_ in ("of", "for") and child.i > objects[0].i:
                charge = next((c for c in child.children if c.dep_ in ("pcomp", "pobj")), None)
                if charge is not None:
                    return charge
        prep = next((c for c in objects[0].children if c.dep_ == "prep"
                     and c.lower_ in ("of", "for")), None)
        if prep is None:
            return None
        # 'accused the company of "art washing"': after a verb of charging, a noun after 'of'
        # is the charge too; elsewhere it belongs to the object ('criticized the head of HR')
        wanted = ("pcomp", "pobj") if prep.lower_ == "of" and (
            verb.lemma_.lower() in CHARGING_OF) else ("pcomp",)
        return next((c for c in prep.children if c.dep_ in wanted), None)

    def reports_a_charge(self, verb: Token, start: int, end: int) -> bool:
        """'They accuse the company of exploiting artists' / 'criticized OpenAI for having
        artists work unpaid' report what was said (a clause after the object); 'defended its
        approach', 'criticized the program', 'called for more transparency' report a stance
        with no words (a bare noun phrase)."""
        return self.has_predicate(start, end)

    def names_a_thing(self, region: Region) -> bool:
        """'posted its "Generate with Sora" access point': quoted words that modify a noun
        after them, opening with a capital, are a name (of a page, a button, a product), not
        words someone said. Not: 'his "average American" followers' (scare quotes)."""
        span = self.doc.char_span(region.start, region.end, alignment_mode="expand")
        if span is None or not self.text[region.start : region.end].lstrip()[:1].isupper():
            return False
        root = span.root
        return root.dep_ in ("compound", "amod", "nmod") and root.head.i >= span.end

    def is_title(self, region: Region) -> bool:
        """Title Case words, or words right after 'called' or 'titled', name a work or a show."""
        words = self.text[region.start : region.end].split()
        before = self.text[max(0, region.open_mark - 12) : region.open_mark].lower().split()
        capitalised = len(words) > 1 and all(w[:1].isupper() for w in words if w[:1].isalpha())
        return capitalised or (bool(before) and before[-1] in TITLE_MARKERS)

    def from_according_to(self) -> Iterator[RawQuote]:
        """"According to OpenAI, participation is voluntary." -> the rest of the sentence."""
        for token in self.doc:
            if token.lower_ != "according" or self.inside_statement(token.idx):
                continue
            to = next((c for c in token.children if c.lower_ == "to"), None)
            if to is None and token.i + 1 < len(self.doc) and self.doc[token.i + 1].lower_ == "to":
                to = self.doc[token.i + 1]
            if to is None:
                continue
            source = next((c for c in to.children if c.dep_ == "pobj"), None)
            if source is None:
                continue
            sent = self.sentences.of(token)
            phrase_start = token.i
            phrase_end = max(t.i for t in source.subtree) + 1
            if phrase_start - sent.start <= 1:
                start, end = phrase_end, sent.end
            else:
                start, end = sent.start, phrase_start
            if start >= end:
                continue  # "according to the spokesperson" and nothing else: nothing said
            start_char, end_char = self.trim(self.doc[start].idx, _char_end(self.doc[end - 1]))
            if end_char - start_char < 2:
                continue
            kind, (start_char, end_char) = self.kind_of(start_char, end_char, token)
            if kind != "direct" and not self.has_predicate(start_char, end_char):
                continue
            yield RawQuote(
                act=self.thing_or_data(source, SPEECH),
                content=(start_char, end_char),
                cue=(token.idx, to.idx + len(to)),
                kind=kind,
                speaker=mention_span(source),
                speaker_head=source.i,
                confidence=0.8,
                rule="according_to",
            )

    # quoted regions no cue claimed -----------------------------------------------------------

    def attach_regions(self) -> None:
        """Quoted statements no cue rule reached: a nearby cue, or continuing the last speaker."""
        covered = [q.content for q in self.quotes]
        for region in self.statements:
            if any(_overlap((region.start, region.end), span) for span in covered):
                continue
            quote = (self.dash_attribution(region) or self.region_with_nearby_cue(region)
                     or self.follow_on(region) or self.sentence_subject(region))
            if quote is not None:
                self.quotes.append(quote)
                covered.append(quote.content)
                self.quotes.sort(key=lambda q: q.content)

    def region_with_nearby_cue(self, region: Region) -> RawQuote | None:
        """'"Sora is in research preview," the spokesperson for OpenAI went on to say.' -> a cue
        in the same sentence as the closing mark, or as the opening mark, outside the quote."""
        doc = self.doc
        closing = doc.char_span(region.close_end - 1, region.close_end, alignment_mode="expand")
        opening = doc.char_span(region.open_mark, region.open_mark + 1, alignment_mode="expand")
        candidates: list[Token] = []
        if closing is not None and self.attribution_may_follow(region, closing[-1]):
            for token in doc[closing[-1].i + 1 : closing[-1].i + 11]:
                if token.text in (".", "!", "?") or "\n" in token.text:
                    break
                candidates.append(token)
        if opening is not None:
            sent = self.sentences.of(opening[0])
            candidates += list(reversed(doc[sent.start : opening[0].i]))[:10]
        for verb in candidates:
            if verb.lemma_.lower() not in self.reporting or verb.pos_ != "VERB":
                continue
            if self.inside_region(verb.idx):
                continue
            if verb.i in self.used_cues:
                later = self.interrupted(verb, region)
                if later is not None:
                    return later
                continue
            speaker = find_speaker(verb, self.quoted)
            if speaker is None:
                continue
            self.used_cues.add(verb.i)
            return RawQuote((region.start, region.end), cue_span(verb), "direct",
                            mention_span(speaker), speaker.i, 0.8, "nearby_cue")
        return None

    def interrupted(self, verb: Token, region: Region) -> RawQuote | None:
        """'"Now that I can speak freely," he told the paper, "it was demoralizing."' -> the
        first part shares the cue and speaker of the part after it."""
        cue = cue_span(verb)
        after = next((q for q in self.quotes if q.cue == cue and q.content[0] >= region.close_end
                      and q.speaker is not None), None)
        if after is None or "\n" in self.text[region.close_end : after.content[0]]:
            return None
        return RawQuote((region.start, region.end), cue, "direct", after.speaker,
                        after.speaker_head, after.confidence, "continued")

    def attribution_may_follow(self, region: Region, closing: Token) -> bool:
        """'"Is it safe?" a narrator asks.' yes; '"It is safe." Felix said on Monday that ...' no:
        after a full stop a new sentence starts, unless it goes on in lower case."""
        inner = self.text[region.start : region.end].rstrip()
        following = self.doc[closing.i + 1] if closing.i + 1 < len(self.doc) else None
        return inner[-1:] in ",?!—–-" or (following is not None and following.is_lower)

    def follow_on(self, region: Region) -> RawQuote | None:
        """'"Sora is still in research preview," Felix said. "We are pausing access."' -> the
        second quotation, opening a sentence or paragraph right after the first quote and its
        attribution, continues the same speaker (in the same paragraph, the same quote)."""
        previous = next((q for q in reversed(self.quotes) if q.content[1] <= region.open_mark),
                        None)
        if previous is None or previous.speaker is None:
            return None
        gap_start = previous.content[1]
        gap = self.text[gap_start : region.open_mark]
        if any(previous.content[1] <= r.open_mark < region.open_mark for r in self.statements):
            return None
        if gap.count("\n") > 2 or len(gap) > 400 or self.sentences_between(gap_start, region) > 1:
            return None
        cue_between = previous.cue is not None and previous.content[1] <= previous.cue[0]
        opening = self.doc.char_span(region.open_mark, region.open_mark + 1,
                                     alignment_mode="expand")
        same_paragraph = "\n" not in gap
        if same_paragraph:
            starts = opening is None or _starts_sentence(opening[0])
        else:  # a paragraph that is a quotation and nothing else, right after the speaker's
            line_start = self.text.rfind("\n", 0, region.open_mark) + 1
            starts = not self.text[line_start : region.open_mark].strip()
        if not (starts or (cue_between and same_paragraph)):
            return None
        return RawQuote((region.start, region.end), previous.cue, "direct", previous.speaker,
                        previous.speaker_head,
                        round(previous.confidence - (0.0 if same_paragraph else 0.1), 2),
                        "continued" if same_paragraph else "follow_on")

    def sentences_between(self, start: int, region: Region) -> int:
        """How many sentences start between a character offset and a quotation's opening."""
        span = self.doc.char_span(start, region.open_mark, alignment_mode="contract")
        if span is None:
            return 0
        return sum(1 for t in span[1:] if t.is_sent_start and not t.is_space)

    def sentence_subject(self, region: Region) -> RawQuote | None:
        """'Trump unloaded on Cruz, yoking him with the nickname "Lyin' Ted, the liar."' -> a
        quotation inside a sentence no cue introduces: the sentence's subject, low confidence."""
        opening = self.doc.char_span(region.open_mark, region.close_end, alignment_mode="expand")
        if opening is None:
            return None
        root = self.sentences.of(opening[0]).root
        if self.inside_region(root.idx) or root.pos_ not in ("VERB", "AUX"):
            return None
        if self.is_title(region) or opening.root.dep_ in ("dobj", "pobj", "appos", "attr"):
            return None  # 'The Verge ran "OpenAI's Sora leaked by artists"': a headline, a name
        speaker = find_speaker(root, self.quoted)
        if speaker is None or speaker.ent_type_ not in ("PERSON", "ORG", "NORP", "GPE") and (
                speaker.pos_ != "PRON" or speaker.lower_ in ("it", "this", "that", "i", "we")):
            return None
        act = SPEECH if self.is_cue_like(root) else "unclear"
        return RawQuote((region.start, region.end), cue_span(root), "direct",
                        mention_span(speaker), speaker.i, 0.5, "sentence_subject", act=act)

    def is_cue_like(self, verb: Token) -> bool:
        """'Trump unloaded on Cruz, yoking him with "Lyin' Ted"' ... is a guess: the words may
        be anyone's ('OpenAI suspended access after what the group called "corporate art
        washing."'); only a verb of speech, stance or naming makes the subject their speaker."""
        return verb.lemma_.lower() in self.reporting | self.stances | CHARACTERISING

    def dash_attribution(self, region: Region) -> RawQuote | None:
        """'"We can build a wall around him." ― Steve Quinlan' -> the name after a dash."""
        match = DASH_NAME.match(self.text, region.close_end)
        if match is None:
            return None
        name = self.doc.char_span(*match.span(2), alignment_mode="expand")
        if name is None or not any(t.pos_ == "PROPN" for t in name):
            return None
        return RawQuote((region.start, region.end), match.span(1), "direct",
                        (name.start_char, name.end_char), name.root.i, 0.8, "dash")

    # helpers ---------------------------------------------------------------------------------

    def inside_statement(self, char: int) -> bool:
        return any(r.start <= char < r.end for r in self.statements) or self.inside_block(char)

    def inside_block(self, char: int) -> bool:
        return any(start <= char < end for start, end in self.blocks)

    def asks_not_says(self, start: int, verb: Token, speaker: Token | None) -> bool:
        """'OpenAI did not say whether the project was authorised' / 'declined to say how the
        access was obtained' / 'asked whether it was legal' / 'testers were never told how it was
        used': a question put to someone, not a statement. The content opens with 'whether' or
        'if', or with a wh-word under a cue that is negated, declined, a question, or has no
        speaker."""
        words = self.text[start : start + 12].lower().split()
        first = words[0] if words else ""
        if first in ("whether", "if"):
            return True
        if first not in WH_WORDS:
            return False
        refused = verb.head if verb.dep_ == "xcomp" else verb
        return speaker is None or refused.lemma_.lower() in REFUSALS or any(
            c.dep_ == "neg" for c in (*verb.children, *refused.children))

    def mark_headlines(self) -> None:
        """'Artists With Early Access to A.I. Tool Release Blistering Open Letter, Decrying
        Art Washing' / 'Sora leak group says it won't do it again' (a headline repeated in the
        body): a quote whose cue or speaker sits in a headline is no statement."""
        for quote in self.quotes:
            anchor = quote.cue[0] if quote.cue else quote.content[0]
            if quote.speaker is not None:
                anchor = min(anchor, quote.speaker[0])
            if self.in_headline(anchor):
                quote.act = "headline"

    def in_headline(self, char: int) -> bool:
        """A paragraph of a few words, mostly capitalised, with no full stop at its end; or one
        with no full stop that reports in the present, as headlines do ('Sora leak group says
        it won't do it again'), when it is the text's first paragraph (a title above the
        body) or a short one between others (a subhead: 'What PR Puppets says it was
        protesting'). Not: the last paragraph of an excerpt cut off mid-sentence, an item of a
        list ('- The company states it is working to ...')."""
        start = self.text.rfind("\n", 0, char) + 1
        end = self.text.find("\n", char)
        line = self.text[start : end if end >= 0 else len(self.text)].strip()
        words = re.findall(r"[^\W\d_][\w'’.-]*", line)
        if not words or len(words) > HEADLINE_WORDS or line[-1:] in ".!?:;\"”’)…'":
            return False
        if line[:1] in "-–—•*·▪":
            return False  # an item of a list, not a headline
        content = [w for w in words if w.lower() not in SMALL_WORDS]
        first = not self.text[:start].strip()
        if end >= 0 and self.text[end:].strip() and (first or len(words) <= SUBHEAD_WORDS):
            line_span = self.doc.char_span(start, end, alignment_mode="expand")
            if line_span is not None and any(t.tag_ in ("VBZ", "VBP") and t.lemma_.lower() in (
                    self.reporting | self.beliefs | self.stances) for t in line_span):
                return True
        capitalised = sum(w[0].isupper() for w in content)
        return len(content) >= 3 and capitalised * 10 >= HEADLINE_CAPITALISED * 10 * len(content)

    def writer_asks(self, verb: Token) -> bool:
        """'Did OpenAI say that participation was voluntary?' is the writer's question, not a
        quote: the sentence ends in a question mark outside any quotation marks."""
        sent = self.sentences.of(verb)
        last = next((t for t in reversed(sent) if not t.is_space and t.text not in QUOTE_MARKS),
                    None)
        return last is not None and last.text == "?" and not self.inside_region(last.idx)

    def quoted(self, token: Token) -> bool:
        return self.inside_region(token.idx)

    def inside_region(self, char: int) -> bool:
        return any(r.start <= char < r.end for r in self.regions) or self.inside_block(char)

    def before_gloss(self, start: int, end: int) -> int:
        """'They argued the programme resembled "art-washing" - an attempt to use artists to
        polish the tool': a dash right after the quoted words opens the writer's gloss on them;
        the content ends with the quotation. Not: a dash inside the quoted words."""
        for region in self.regions:
            if start < region.close_end < end and region.close_end > region.end:
                after = self.text[region.close_end : region.close_end + 3].lstrip(" ")
                if after[:1] in DASHES - {"-"} or after[:2] == "- ":
                    return region.close_end
        return end

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """Drop surrounding spaces, commas and colons, a leading "that", and quotation marks
        whose partner lies outside the span."""
        text = self.text
        edge = "“”\"'‘’`,:;—–-()"
        opens = {r.open_mark for r in self.regions if r.close_end <= end}
        closes = {r.close_end for r in self.regions if r.open_mark >= start}
        while start < end and (text[start].isspace() or text[start] in edge):
            if start in opens:
                break
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in edge):
            if end in closes:
                break
            end -= 1
        if text[start:end].lower().startswith("that "):
            start += 5
        return start, end

    def through_colon_quote(self, end: int) -> int:
        """'She said she has the quality: "Steadiness."' -> the content runs on through a quotation
        the colon introduces."""
        rest = self.text[end : end + 4]
        if not rest.lstrip().startswith(":"):
            return end
        colon = end + rest.index(":")
        region = next((r for r in self.statements if colon < r.open_mark <= colon + 3), None)
        return region.close_end if region is not None else end

    def kind_of(self, start: int, end: int, cue: Token) -> tuple[str, tuple[int, int]]:
        """direct when the content lies inside one quoted statement (then the whole statement is
        the content), mixed when it holds quoted words, indirect otherwise."""
        for region in self.statements:
            inside = region.start - 2 <= start and end <= region.end + 2
            if inside and not region.start <= cue.idx < region.end:
                return "direct", (region.start, region.end)
        touched = [r for r in self.regions if _overlap((start, end), (r.start, r.end))]
        if not touched:
            return "indirect", (start, end)
        statements = [r for r in touched if r.is_statement(self.text)]
        start = min([start] + [r.start for r in statements])
        end = max([end] + [r.end for r in statements])
        return "mixed", (start, end)


# --- content rules: each returns (start_char, end_char, rule name) or None ---------------------


def content_after_colon(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'The letter reads: "We are not your PR puppets."' / 'Altman wrote on X: we will fix it.'
    -> what follows the colon, to the end of the quotation or sentence."""
    doc = finder.doc
    last = max([verb.i] + [t.i for c in verb.rights if c.dep_ in ("prep", "dobj", "dative", "prt",
                                                                  "npadvmod", "advmod")
                           for t in c.subtree])
    colon = last + 1
    if colon >= len(doc) or doc[colon].text != ":":
        return None
    after = doc[colon + 1].idx if colon + 1 < len(doc) else len(finder.text)
    region = next((r for r in finder.statements if after <= r.open_mark < after + 3), None)
    if region is not None:
        return region.start, region.end, "colon_quote"
    block = block_after(finder.text, _char_end(doc[colon]))
    if block is not None:
        return block[0], block[1], "block_quote"
    return after, _char_end(finder.sentences.of(doc[colon])[-1]), "colon"


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


def content_in_marks_after(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'Felix said, "Sora is still in research preview."' / 'Altman tweeted "We hear you."' ->
    the quotation right after the cue."""
    doc = finder.doc
    nxt = verb.i + 1
    while nxt < len(doc) and doc[nxt].dep_ in ("nsubj", "prt") and doc[nxt].i - verb.i < 4:
        nxt += 1
    if nxt >= len(doc):
        return None
    after = _char_end(doc[nxt]) if doc[nxt].text == "," else doc[nxt].idx
    region = next((r for r in finder.statements if after <= r.open_mark < after + 3), None)
    if region is None or "\n" in finder.text[_char_end(verb) : region.open_mark]:
        return None  # '... unless each of them agrees.\n"None of this ..."': a new paragraph
    return region.start, region.end, "cue_then_quote"


def content_clause(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'OpenAI told The Verge that participation was voluntary.' / '"Sora is still in research
    preview," Felix said.' -> the verb's clausal complement."""
    clause = next((c for c in verb.children if c.dep_ == "ccomp"), None)
    if clause is None:
        return None
    end = clause.right_edge
    # '... claimed few will see it and complained that ...': a subjectless reporting verb the
    # parser hung on the clause reports on its own (find_speaker gives it this verb's speaker)
    joined = next((c for c in clause.rights if c.dep_ == "conj" and c.pos_ == "VERB"
                   and c.lemma_.lower() in finder.reporting
                   and not any(g.dep_ in SUBJECTS for g in c.children)), None)
    if joined is not None:
        before = [t for t in clause.subtree if t.i < joined.i and t.dep_ != "cc"]
        end = max(before, key=lambda t: t.i) if before else end
    if clause.i > verb.i:
        for child in verb.rights:
            # 'Lynch said there remains a gap, when it comes to ...': the parser hangs the
            # clause's tail on the cue; a participle ('..., adding that') starts a new report.
            if child.i > end.i and child.dep_ == "advcl" and child.tag_ != "VBG":
                end = child.right_edge
            elif child.i > end.i and child.dep_ == "conj" and _reported_conjunct(finder, child):
                end = child.right_edge
    return clause.left_edge.idx, _char_end(end), "clause"


def _reported_conjunct(finder: QuoteFinder, verb: Token) -> bool:
    """'OpenAI pointed out that participation was voluntary, and no one was required to give
    feedback.' -> the parser hangs the second reported clause on the cue; it is reported too
    when it has a subject of its own that is no name, or none but a backshifted modal ('They
    said they were not against AI and would not have been invited if they were': 'would' is
    the reported 'will'), and is not a cue itself. Not: 'Felix said it was voluntary and added
    that ...' (a second cue), 'said ..., and Altman left', 'said it and left'."""
    if verb.lemma_.lower() in finder.reporting | finder.beliefs or verb.pos_ not in ("VERB", "AUX"):
        return False
    subject = next((c for c in verb.children if c.dep_ in SUBJECTS), None)
    if subject is None:
        return any(c.dep_ == "aux" and c.lower_ in BACKSHIFTED_MODALS for c in verb.children)
    return not subject.ent_type_ and subject.pos_ != "PROPN" and (
        subject.lower_ not in ("he", "she", "i"))


def content_before_cue(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'Participation is voluntary, the spokesperson said.' parsed with the cue as a side clause
    -> the sentence before the cue."""
    if verb.dep_ not in ("parataxis", "advcl", "conj") or verb.head.i > verb.i:
        return None
    if not any(c.dep_ in SUBJECTS for c in verb.children):
        return None
    left = min(t.i for t in verb.subtree)
    sent = finder.sentences.of(verb)
    if left - sent.start < 3 or finder.doc[left - 1].text not in (",", "”", '"', "''"):
        return None
    end = finder.doc[left - 1].idx
    closing = [r.end for r in finder.statements if sent[0].idx < r.close_end <= end]
    return sent[0].idx, (closing[-1] if closing else end), "before_cue"


def content_around_cue(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'Participation, the spokesperson said, is voluntary.' -> the sentence the cue interrupts
    (the cue and speaker stay inside the content span: they sit in the middle of it)."""
    if verb.dep_ != "parataxis" or verb.head.i < verb.i:
        return None
    if not any(c.dep_ in SUBJECTS for c in verb.children):
        return None
    sent = finder.sentences.of(verb)
    left, right = verb.left_edge.i, verb.right_edge.i
    if left - sent.start < 1 or sent.end - right < 3:
        return None
    return sent[0].idx, _char_end(sent[-1]), "around_cue"


def content_as_cue_puts_it(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'As Felix put it, the preview was always voluntary.' / 'As OpenAI noted, ...' -> the
    sentence outside the 'as' clause."""
    if verb.dep_ != "advcl" or not any(c.dep_ == "mark" and c.lower_ == "as"
                                       for c in verb.children):
        return None
    # 'even as they agree with the message' is concessive, and a cue with its own object
    # ('as they agree with X', 'as it announced a deal') reports that, not the sentence
    if any(c.lower_ == "even" or c.dep_ in ("prep", "ccomp")
           or (c.dep_ == "dobj" and c.lower_ not in ("it", "this")) for c in verb.children):
        return None
    sent = finder.sentences.of(verb)
    left, right = verb.left_edge.i, verb.right_edge.i
    if left - sent.start <= 1:
        start, end = right + 1, sent.end
    else:
        start, end = sent.start, left
    if end - start < 3:
        return None
    return finder.doc[start].idx, _char_end(finder.doc[end - 1]), "as_cue"


def content_infinitive(finder: QuoteFinder, verb: Token) -> tuple[int, int, str] | None:
    """'Altman promised to fix the bug.' / 'The artists want to be paid.' -> the infinitive."""
    clause = next((c for c in verb.children if c.dep_ == "xcomp"), None)
    if clause is None or not any(c.dep_ == "aux" and c.lower_ == "to" for c in clause.children):
        return None
    tokens = list(clause.subtree)
    return tokens[0].idx, _char_end(tokens[-1]), "infinitive"


def negated_speech(verb: Token) -> bool:
    """'The company did not say whether ...' / 'OpenAI has not confirmed that ...' / 'Daily
    Circuit could not independently confirm that ...' / 'declined to say what ...': speech that
    did not happen is no statement. Not: 'She said she did not know' (the negation belongs to
    the content), 'OpenAI denied that ...' (a denial is said)."""
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    governor = verb.head if verb.dep_ == "xcomp" else None
    return governor is not None and (governor.lemma_.lower() in REFUSALS or any(
        c.dep_ == "neg" for c in governor.children))


# --- speakers as mentions (resolution is presswatch/nlp/speakers.py)
# --------------------------------------


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
            return _past_dateline(child)
    for child in verb.children:
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    if any(c.dep_ == "nsubjpass" for c in verb.children):
        return None
    misparsed = _subject_hung_elsewhere(verb)
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
        return find_speaker(governor, quoted, passive_ok=verb.dep_ != "conj")
    if verb.dep_ == "acl" and verb.head.dep_ in ("dobj", "pobj", "attr"):
        # 'OpenAI issued a statement saying ...': the statement's issuer speaks.
        governor = verb.head.head if verb.head.dep_ != "pobj" else verb.head.head.head
        if governor.pos_ in ("VERB", "AUX") and governor.i != verb.i:
            return find_speaker(governor, quoted)
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
    return doc[left].idx, _char_end(doc[right])


def cue_span(verb: Token) -> tuple[int, int]:
    """The cue: the verb with its particle ('pointed out')."""
    end = verb
    for child in verb.rights:
        if child.dep_ == "prt" and child.i == end.i + 1:
            end = child
    return verb.idx, _char_end(end)


# --- small helpers ------------------------------------------------------------------------------


def _char_end(token: Token) -> int:
    return token.idx + len(token.text)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _starts_sentence(token: Token) -> bool:
    return token.i == 0 or bool(token.is_sent_start)


def _without_duplicates(quotes: list[RawQuote]) -> list[RawQuote]:
    """Two rules may claim one content span: keep the one with a speaker, then the first."""
    kept: list[RawQuote] = []
    for quote in sorted(quotes, key=lambda q: (q.content, q.speaker is None)):
        clash = next((k for k in kept if _same_content(k.content, quote.content)), None)
        if clash is None:
            kept.append(quote)
        elif clash.speaker is None and quote.speaker is not None:
            kept[kept.index(clash)] = quote
    return kept


def _same_content(a: tuple[int, int], b: tuple[int, int]) -> bool:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter > 0 and inter >= 0.8 * max(a[1] - a[0], b[1] - b[0])


# --- the component ------------------------------------------------------------------------------


def raw_quotes(doc: Doc) -> list[RawQuote]:
    return [RawQuote(**_tupled(d)) for d in doc.user_data.get(USER_DATA_KEY, [])]


def store_quotes(doc: Doc, quotes: list[RawQuote]) -> None:
    doc.user_data[USER_DATA_KEY] = [asdict(q) for q in quotes]
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


class QuoteExtractor:
    """Finds quotes and their speaker mentions; nlp/speakers.py resolves who the speakers are."""

    def __init__(self, name: str, reporting_verbs: str, belief_verbs: str, stance_verbs: str,
                 document_nouns: str, include_beliefs: bool, inanimate_nouns: str,
                 people_nouns: str = "people_nouns", data_nouns: str = "data_nouns",
                 abstract_nouns: str = "abstract_nouns") -> None:
        self.name = name
        self.abstract = word_set(abstract_nouns)
        self.animate = (word_set(people_nouns) | word_set("role_nouns")
                        | frozenset(word_table("pronouns")) | frozenset(word_table("descriptions")))
        self.data_nouns = word_set(data_nouns)
        self.inanimate = word_set(inanimate_nouns)
        self.reporting = word_set(reporting_verbs)
        self.beliefs = word_set(belief_verbs) if include_beliefs else frozenset()
        self.stances = word_set(stance_verbs) if include_beliefs else frozenset()
        self.documents = word_set(document_nouns)

    def __call__(self, doc: Doc) -> Doc:
        finder = QuoteFinder(doc, self.reporting, self.beliefs, self.documents, self.stances,
                             self.inanimate, self.animate, self.data_nouns, self.abstract)
        store_quotes(doc, finder.run())
        return doc


@Language.factory(
    "presswatch_quotes",
    default_config={
        "reporting_verbs": "reporting_verbs",
        "belief_verbs": "belief_verbs",
        "stance_verbs": "stance_verbs",
        "document_nouns": "document_nouns",
        "include_beliefs": True,
        "inanimate_nouns": "inanimate_nouns",
        "people_nouns": "people_nouns",
        "data_nouns": "data_nouns",
        "abstract_nouns": "abstract_nouns",
    },
    assigns=["doc.spans", "doc._.quotes"],
    requires=["token.dep", "token.lemma", "token.pos", "doc.sents"],
)
def make_quote_extractor(nlp: Language, name: str, reporting_verbs: str, belief_verbs: str,
                         stance_verbs: str, document_nouns: str, include_beliefs: bool,
                         inanimate_nouns: str, people_nouns: str, data_nouns: str,
                         abstract_nouns: str) -> QuoteExtractor:
    return QuoteExtractor(name, reporting_verbs, belief_verbs, stance_verbs, document_nouns,
                          include_beliefs, inanimate_nouns, people_nouns, data_nouns,
                          abstract_nouns)

