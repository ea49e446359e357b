"""Cues: the reporting words that make a stretch of text someone's statement.

Extraction is a short sequence of named rules, each with an early exit, in the style of textacy's
`extract/triples.py`; every rule's docstring shows the sentence shape it catches. Order of work
in one document:
1. find the quotation-mark regions (marks.py);
2. cue rules, one reporting verb at a time (`X said (that) ...`, `"...," X said`, `X told Y ...`,
   `X said: ...`, `according to X, ...`), with negative rules first ("said to be", questions the
   writer asks); the content span of each comes from content.py, the speaker mention from
   speakers.py;
3. quoted regions no cue claimed: a cue right before or after the marks, else a follow-on
   quotation continuing the previous speaker, else nothing (scare quotes, titles of works).
The component `presswatch_quotes` stores the records (record.py); `presswatch_speakers`
(actors.py) then says who each speaker is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import numpy
from spacy.attrs import LEMMA, LOWER, POS
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.symbols import AUX, NOUN, VERB
from spacy.tokens import Doc, Token

from presswatch.nlp.attribution.content import (
    REFUSALS,
    content_after_colon,
    content_around_cue,
    content_as_cue_puts_it,
    content_before_cue,
    content_clause,
    content_clause_hung_on_noun,
    content_in_marks_after,
    content_infinitive,
    content_that_read_as_determiner,
    negated_speech,
)
from presswatch.nlp.attribution.kinds import AUTHORING_LEMMAS, THINGS
from presswatch.nlp.attribution.marks import (
    OPENERS,
    QUOTE_MARKS,
    TITLE_SMALL_WORDS,
    Region,
    block_from,
    is_heading,
    is_salutation,
    quote_regions,
)
from presswatch.nlp.attribution.record import (
    SPEECH,
    RawQuote,
    Sentences,
    by_word,
    char_end,
    overlap,
    store_quotes,
)
from presswatch.nlp.attribution.speakers import (
    DASHES,
    SUBJECTS,
    cue_span,
    find_speaker,
    is_said_to_be,
    mention_span,
    object_read_as_subject,
    subject_before,
)
from presswatch.nlp.data import word_set, word_table

# '"..." ― Martha Aguilar': a name after a dash closes a quotation (letters pages, posts).
DASH_NAME = re.compile(
    r"[^\S\n,]*,?[^\S\n]*([―—–]|--?)[^\S\n]*([A-Z][\w.'’-]*(?:[^\S\n][A-Z][\w.'’-]*){0,3})")


# Words that introduce the title of a work: 'a film called "Air Head"'.
# A document's parts that hold a heading, not its sentences: 'Its headline: "..."'.
HEADING_NOUNS = frozenset({"headline", "heading", "title", "banner", "slogan"})
TITLE_MARKERS = frozenset({"called", "titled", "entitled", "named", "dubbed", "headlined",
                           "headed"})


# Content opening with one of these after a negated or refused cue is a question, not a statement.
WH_WORDS = frozenset({"how", "what", "why", "when", "where", "who", "whom", "which"})


# Endings of English nouns for people: 'artist', 'historian'.
PEOPLE_SUFFIXES = ("ist", "ists", "ian", "ians")


# Endings of English nouns for things, events and ideas: 'situation', 'announcement'.
ABSTRACT_SUFFIXES = ("tion", "sion", "ment", "ness", "ity", "ance", "ence", "ship", "ism", "ing")


QUESTION_CONFIDENCE = 0.3


# Verbs whose object is charged 'of' something: 'accused OpenAI of "art washing"'.
CHARGING_OF = frozenset({"accuse", "suspect", "convict"})


REFLEXIVES = frozenset({"itself", "themselves", "himself", "herself"})


# Subject pronouns that open a reported clause ('allege they were exploited').
SUBJECT_PRONOUNS = frozenset({"i", "we", "you", "he", "she", "it", "they"})


# Tags of a finite verb: the clause after a cue says something.
FINITE_TAGS = frozenset({"VBD", "VBP", "VBZ", "MD"})


# Verbs whose object may hold someone's words in quotation marks besides the reporting, stance
# and belief verbs: 'labelled the deal a "disaster"'.
CHARACTERISING = frozenset({"call", "label", "brand", "dub", "term", "describe", "characterize",
                            "characterise", "portray", "paint", "frame", "cast", "deride"})


# Content of at most so many words (articles and possessives aside) and no verb is a bare noun
# phrase: 'defended its approach', 'criticized the program'.
BARE_PHRASE_WORDS = 3


# A headline: a paragraph of at most so many words whose words are mostly capitalised.
HEADLINE_WORDS = 25


HEADLINE_CAPITALISED = 0.6


SUBHEAD_WORDS = 12


# Where a cue's second reported clause begins: '... that A, and that B'.
SECOND_THAT = re.compile(r",\s+and that\s+")


# A headline's credit: a line with no full stop closing on 'according to' and its source.
ACCORDING_TO_AT_END = re.compile(r",?\s+according to [^,.;:]+$", re.IGNORECASE)


# A credit right after a quotation ('"...," per the Journal'): the words are the source's, and
# no cue or earlier speaker of ours takes them.
CREDIT_AFTER = re.compile(r"\s*,?\s*per\s", re.IGNORECASE)


# A quotation paragraph right after someone published a document: the document's words, with
# no cue saying so.
RELEASED_CONFIDENCE = 0.7


# Modals of possibility: a cue with one tells what might be said ('you could describe ...').
POSSIBILITY_MODALS = frozenset({"can", "could", "may", "might"})


SMALL_WORDS = TITLE_SMALL_WORDS | {"but", "as", "is", "it"}

ACCORDING = numpy.uint64(get_string_id("according"))  # the word's LOWER value


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
        doc = self.doc
        for i in self.cue_candidates():
            token = doc[i]
            quote = (self.from_cue(token) or self.from_quoted_words(token)
                     or self.from_stance(token) or self.from_cue_read_as_noun(token))
            if quote is not None:
                self.quotes.extend(self.second_report(quote))
        self.quotes.extend(self.from_according_to())
        self.quotes.extend(self.from_document_block())
        self.quotes.sort(key=lambda q: q.content)
        self.attach_regions()
        self.mark_headlines()
        for quote in self.quotes:
            if quote.act == SPEECH and self.hypothetical(quote):
                quote.act = "unclear"
        return _without_duplicates(self.quotes)

    def cue_candidates(self) -> list[int]:
        """The tokens a cue rule may start from, read from the word arrays without making a
        Token of the others (most of a text): every verb (from_quoted_words tries them all),
        an auxiliary with a reporting or belief lemma (from_cue), a noun spelt as a reporting
        word (from_cue_read_as_noun)."""
        doc = self.doc
        pos, lemmas, forms = doc.to_array([POS, LEMMA, LOWER]).T
        wanted = pos == VERB
        cue_lemmas = self.reporting | self.beliefs | {"put"}
        for part, values, fits in ((AUX, lemmas, lambda lemma: lemma.lower() in cue_lemmas),
                                   (NOUN, forms, lambda form: form in self.reporting)):
            at = numpy.flatnonzero(pos == part)
            wanted[at] = by_word(doc, values[at], fits).astype(bool)
        return numpy.flatnonzero(wanted).tolist()

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
        if verb.tag_ == "VB" and verb.i > 0 and self.doc[verb.i - 1].tag_ == "``":
            return None  # "bugs, like a missing 'Add to chat'": a label in marks, no report
        if self.part_of_quote(verb) or verb.dep_ == "csubj":
            return None  # 'Agreeing to pay testers could set a precedent': an act, not a report
        speaker = find_speaker(verb, self.quoted)
        if lemma == "read" and not self.is_document(speaker):
            return None
        for rule in (content_after_colon, content_in_marks_after, content_clause,
                     content_before_cue, content_around_cue, content_as_cue_puts_it,
                     content_infinitive, content_that_read_as_determiner,
                     content_clause_hung_on_noun):
            found = rule(self, verb)
            if found is not None:
                start, end, name = found
                break
        else:
            return None
        if name == "block_quote":
            return self.block_quotes(start, end, verb, speaker)
        if start < verb.idx and self.passive_of_a_thing(verb, speaker):
            return None
        if start > verb.idx:
            end = self.before_gloss(start, end)
        elif name == "clause" and start <= verb.idx < end and ":" in self.text[verb.idx : end + 2]:
            start = cue_span(verb)[1]  # 'what the artists say they are not: ...': after the cue
        elif name == "clause" and speaker is not None and end <= speaker.idx and (
                self.writers_frame(start, end)):
            return None  # 'In an open letter headed "...", the group said': the writer's frame
        start, end = self.trim(start, end)
        if end - start < 2 or len(self.text[start:end].split()) < 2:
            return None  # 'executives say will': one word says nothing
        if speaker is None and verb.tag_ == "VB" and starts_sentence(verb):
            return None  # 'Note that ...', 'Add to chat': the writer instructs the reader
        if speaker is not None and speaker.lemma_.lower() in self.inanimate:
            return None  # 'Each clip carried a watermark, suggesting ...': things do not speak
        end = self.through_colon_quote(end)
        kind, (start, end) = self.kind_of(start, end, verb)
        confidence = (0.85 if is_speech else 0.45) - (0.0 if speaker is not None else 0.15)
        act = SPEECH if is_speech else "belief"
        if kind != "direct" and self.asks_not_says(start, verb, speaker):
            confidence, act = QUESTION_CONFIDENCE, "question"
        elif negated_speech(verb):
            act = "non_response"
        elif kind != "direct" and not self.has_predicate(start, end):
            return None  # 'explaining why', 'said nothing': no clause, nothing said
        act = self.thing_or_data(speaker, act)
        if act == SPEECH and lemma == "report" and speaker is not None and (
                speaker.ent_type_ in ("ORG", "") and speaker.pos_ == "PROPN"
                and not speaker.ent_id_):
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

    def second_report(self, quote: RawQuote) -> list[RawQuote]:
        """'They maintained that Acme approved all rotas, and that the scheme was "about PR"'
        -> two things reported by one cue, two quotes (sharing the cue and speaker). Not:
        ', and that' inside quotation marks (the speaker's own sentence), nor before the cue."""
        if quote.cue is None or quote.cue[0] > quote.content[0]:
            return [quote]
        start, end = quote.content
        found = SECOND_THAT.search(self.text, start, end)
        if found is None or self.inside_region(found.start()):
            return [quote]
        first, second = (start, found.start()), (found.end(), end)
        if min(len(self.text[a:b].split()) for a, b in (first, second)) < 2:
            return [quote]
        cue = self.doc.char_span(*quote.cue, alignment_mode="expand")
        if cue is None:
            return [quote]
        parts = []
        for span in (first, second):
            kind, content = self.kind_of(*span, cue.root)
            parts.append(replace(quote, content=content, kind=kind))
        return parts

    def passive_of_a_thing(self, verb: Token, speaker: Token | None) -> bool:
        """'The letter was posted without names; a list of names was added later.' -> a passive
        cue whose subject is a noun (what was added, announced, posted) and that names no one
        reports nothing, least of all the sentence before it. Not: '"We are done," it was
        added' (an empty 'it'), '"We are done," was added by the union' (an agent speaks)."""
        return speaker is None and any(
            c.dep_ == "nsubjpass" and c.pos_ in ("NOUN", "PROPN") for c in verb.children)

    def writers_frame(self, start: int, end: int) -> bool:
        """'In an open letter headed "...", the group said ...': a prepositional phrase outside
        quotation marks, before the speaker, frames the statement; it is not what was said.
        Not: '"In the coming weeks we will fix it," Boeing said' (words in marks)."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None or self.inside_region(span[0].idx) or span[0].text in OPENERS:
            return False
        return span[0].pos_ == "ADP" and not any(  # 'In May, sales fell' has a subject
            t.dep_ in ("nsubj", "nsubjpass", "expl") and not self.inside_region(t.idx)
            for t in span)

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
        return len(words) > BARE_PHRASE_WORDS or self.holds_a_verb(start, end)

    def holds_a_verb(self, start: int, end: int) -> bool:
        """'cutting night shifts', 'having artists work unpaid': the span is a clause."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        return span is None or any(t.pos_ in ("VERB", "AUX") for t in span)

    def thing_or_data(self, speaker: Token | None, act: str) -> str:
        """'The situation highlights the tension ...' / 'These advancements promise to ...' ->
        a thing as the subject of a cue is the writer's own sentence ("thing"); 'according to
        Git commit logs' -> data is a source, not a speaker ("report"). A person, a group, an
        organisation, a pronoun, a role or a document speaks. Not: 'The critics said ...'."""
        if speaker is None or act != SPEECH:
            return act
        if speaker.lemma_.lower() in self.data_nouns or speaker.lower_ in self.data_nouns:
            return "report"
        if self.is_thing(speaker) or self.thing_relative(speaker):
            return "thing"
        return act

    def thing_relative(self, speaker: Token) -> bool:
        """'... better than the February demos, which suggests the model has improved' -> 'which'
        after a thing (or a whole clause) is the writer's inference. Not: 'Acme, which said
        ...' (a name), 'the union, which said ...', 'the letter, which says ...' (a document
        speaks for its authors)."""
        if speaker.lower_ != "which" or speaker.head.dep_ != "relcl":
            return False
        antecedent = speaker.head.head
        if antecedent.ent_type_ or antecedent.pos_ == "PROPN" and antecedent.is_title:
            return False  # a name ('demos' the model took for one is lower case)
        lemma = antecedent.lemma_.lower()
        return not (lemma in self.animate or antecedent.lower_ in self.animate
                    or lemma.endswith(PEOPLE_SUFFIXES))

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
                    overlap((following, following + max(1, len(nxt))), q.content)
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
        phrase_start, phrase_end = verb.left_edge.idx, char_end(verb.right_edge)
        if not any(phrase_start <= r.open_mark and r.close_end <= phrase_end + 1
                   for r in self.regions):
            return None  # no quoted words anywhere in the verb's phrase, so none in its object
        if any(q.content[0] <= verb.idx < q.content[1] for q in self.quotes):
            return None  # 'They said OpenAI used them for "art washing"': the words are theirs
        speaker = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if speaker is not None and object_read_as_subject(verb, speaker):
            speaker = subject_before(verb)
        if speaker is None or self.quoted(speaker) or speaker.lower_ in ("it", "this", "that"):
            return None
        objects = [c for c in verb.rights if c.dep_ in ("dobj", "oprd", "prep", "attr", "acomp")]
        if not objects:
            return None
        charge = self.charge_of(verb, objects)
        if charge is not None:
            objects = [charge]  # 'accused OpenAI of "art washing"': the accused is no part of it
        start, end = objects[0].left_edge.idx, char_end(objects[-1].right_edge)
        words = [r for r in self.regions if start <= r.open_mark and r.close_end <= end + 1
                 and not self.is_title(r) and not self.names_a_thing(r)]
        if not words:
            return None
        holding = [c for c in objects if c.left_edge.idx <= words[-1].open_mark]
        end = self.before_gloss(start, max(char_end(holding[-1].right_edge), words[-1].close_end))
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
        start, end = self.trim(first.idx, char_end(objects[-1].right_edge))
        if end - start < 3 or any(
                r.open_mark <= start and end <= r.close_end and self.is_title(r)
                for r in self.regions):
            return None
        kind, (start, end) = self.kind_of(start, end, verb)
        self.used_cues.add(verb.i)
        speaks = self.reports_a_charge(verb, start, end) and not self.writers_gloss(
            verb, start, end)
        act = SPEECH if speaks else "stance"
        rule = "charge" if charge is not None and self.holds_a_verb(start, end) else "stance"
        return RawQuote((start, end), cue_span(verb), kind, mention_span(speaker), speaker.i,
                        0.4, rule, act=self.thing_or_data(speaker, act))

    def from_cue_read_as_noun(self, cue: Token) -> RawQuote | None:
        """'The artists and beta testers allege they were exploited by ...': the small model
        may read a reporting verb after a plural noun as a noun too. A bare verb form between
        a plural noun and a clause ('that', or a subject pronoun and a finite verb) is the cue,
        the plural noun its speaker, the rest of the sentence what was said. Not: 'the claim
        that ...' (no plural noun before), 'the artists' claims' (a plural, no verb form)."""
        doc = self.doc
        if cue.pos_ != "NOUN" or cue.tag_ != "NN" or cue.lower_ not in self.reporting:
            return None
        if cue.i == 0 or cue.i + 2 >= len(doc) or cue.i in self.used_cues or (
                self.inside_region(cue.idx)):
            return None
        speaker, after = doc[cue.i - 1], doc[cue.i + 1]
        sent = self.sentences.of(cue)
        if speaker.tag_ != "NNS" or not (after.lower_ == "that" or after.tag_ == "PRP" and (
                after.lower_ in SUBJECT_PRONOUNS)):
            return None
        if not any(t.tag_ in FINITE_TAGS for t in doc[after.i + 1 : sent.end]):
            return None
        opener = sent.start
        for left in reversed(doc[sent.start : speaker.i]):
            if left.pos_ not in ("NOUN", "ADJ", "CCONJ", "DET"):
                opener = left.i + 1
                break
            if left.tag_ == "NNS":
                speaker = left  # 'The artists and beta testers allege': the first of them
        if opener > sent.start and doc[opener - 1].pos_ not in ("PUNCT", "SCONJ", "CCONJ"):
            return None  # 'OpenAI rejected the artists claim that ...': an object, not a subject
        last = doc[sent.end - 1]
        last = doc[last.i - 1] if last.is_punct and last.i > after.i else last
        start, end = self.trim(after.idx, char_end(last))
        kind, (start, end) = self.kind_of(start, end, cue)
        self.used_cues.add(cue.i)
        return RawQuote((start, end), cue_span(cue), kind, mention_span(speaker), speaker.i,
                        0.85, "cue_read_as_noun", act=SPEECH)

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

    def hypothetical(self, quote: RawQuote) -> bool:
        """'For example, users could type in descriptions, such as "a woman walks down a Tokyo
        street"' / 'you could describe a scene like ...' -> a cue with a modal of possibility
        (can, could, may, might) tells what someone might say, not what anyone said. Not: 'she
        would say that ...' (a report shifted back), 'he said he could not ...' (the modal is
        in the words reported)."""
        if quote.cue is None:
            return False
        cue = self.doc.char_span(*quote.cue, alignment_mode="expand")
        return cue is not None and any(
            c.dep_ == "aux" and c.lower_ in POSSIBILITY_MODALS for c in cue.root.children)

    def writers_gloss(self, verb: Token, start: int, end: int) -> bool:
        """'"We refuse ...," the group declared, highlighting a growing tension between AI
        companies and artists' -> a participle set off by a comma after a cue that already
        reported words, whose object is a noun phrase with no clause and no quoted words, is
        the writer's reading of those words, not a second report. Not: ', accusing OpenAI of
        exploiting artists' (a charge with a clause), 'The group highlighted a tension' (a
        stance of its own)."""
        if verb.tag_ != "VBG" or verb.dep_ != "advcl" or verb.head.i not in self.used_cues or (
                verb.i == 0 or self.doc[verb.i - 1].text != ","):
            return False
        span = self.doc.char_span(start, end, alignment_mode="expand")
        return span is not None and not any(
            t.pos_ in ("VERB", "AUX") and t.dep_ != "amod" or t.is_quote for t in span)

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
        capitalised = len(words) > 1 and all(w[:1].isupper() for w in words if w[:1].isalpha())
        return capitalised or self.follows_title_marker(region)

    def follows_title_marker(self, region: Region) -> bool:
        """'The memo, headlined "WE ARE DONE," says ...' / 'a letter titled "Pay us"': the
        quotation right after 'headlined', 'titled', 'called' is the name of a work. Not: 'She
        said, "We are done."' / 'what she called "a disgrace" last week' ('called' with a
        subject of its own characterises: the verb rules take that)."""
        before = self.text[max(0, region.open_mark - 12) : region.open_mark].lower().split()
        return bool(before) and before[-1] in TITLE_MARKERS

    def from_according_to(self) -> Iterator[RawQuote]:
        """"According to OpenAI, participation is voluntary." -> the rest of the sentence."""
        doc = self.doc
        for i in numpy.flatnonzero(doc.to_array(LOWER) == ACCORDING).tolist():
            token = doc[i]
            if self.inside_statement(token.idx):
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
            start_char, end_char = self.trim(self.doc[start].idx, char_end(self.doc[end - 1]))
            if end_char - start_char < 2:
                continue
            kind, (start_char, end_char) = self.kind_of(start_char, end_char, token)
            if kind != "direct" and not self.has_predicate(start_char, end_char):
                continue
            # 'According to a letter, the artists accused ...': the source of a report the
            # sentence makes itself, kept as an attribution, not a second statement
            act = "report" if self.reports_inside(start_char, end_char) else SPEECH
            yield RawQuote(
                act=self.thing_or_data(source, act),
                content=(start_char, end_char),
                cue=(token.idx, to.idx + len(to)),
                kind=kind,
                speaker=mention_span(source),
                speaker_head=source.i,
                confidence=0.8,
                rule="according_to",
            )

    def reports_inside(self, start: int, end: int) -> bool:
        """'According to an open letter, the artists accused OpenAI of exploiting ...' -> the
        sentence holds a report of its own, with its cue and speaker: 'according to' names
        where it was made (a report), not a second statement. Not: 'According to OpenAI,
        participation is voluntary' (no cue inside)."""
        return any(q.cue is not None and q.speaker is not None and q.act == SPEECH
                   and start <= q.cue[0] < end and start <= q.speaker[0] < end
                   for q in self.quotes)

    # quoted regions no cue claimed -----------------------------------------------------------

    def attach_regions(self) -> None:
        """Quoted statements no cue rule reached: a nearby cue, or continuing the last speaker."""
        covered = [q.content for q in self.quotes]
        for region in self.statements:
            if any(overlap((region.start, region.end), span) for span in covered):
                continue
            if self.follows_title_marker(region):
                continue  # 'The memo, titled "WE ARE DONE," says ...': a name, not words said
            if CREDIT_AFTER.match(self.text, region.close_end):
                continue  # '"Instead, he becomes the second boss to exit," per the Journal'
            quote = (self.dash_attribution(region) or self.region_with_nearby_cue(region)
                     or self.follow_on(region) or self.released_document(region)
                     or self.sentence_subject(region))
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
            starts = opening is None or starts_sentence(opening[0])
        else:  # a paragraph that is a quotation and nothing else, right after the speaker's
            line_start = self.text.rfind("\n", 0, region.open_mark) + 1
            starts = not self.text[line_start : region.open_mark].strip()
        if not (starts or (cue_between and same_paragraph)):
            return None
        return RawQuote((region.start, region.end), previous.cue, "direct", previous.speaker,
                        previous.speaker_head,
                        round(previous.confidence - (0.0 if same_paragraph else 0.1), 2),
                        "continued" if same_paragraph else "follow_on")

    def released_document(self, region: Region) -> RawQuote | None:
        """'A group of artists ... released a blistering letter critical of OpenAI.\n"We
        received access to Sora ..."' -> a paragraph that is only a quotation, right after a
        paragraph whose last sentence has someone publish a document, is that document's words
        (its author speaks through it). Not: a quotation inside a paragraph, nor after a
        paragraph that only mentions a document ('the letter was widely shared')."""
        line_start = self.text.rfind("\n", 0, region.open_mark) + 1
        if line_start == 0 or self.text[line_start : region.open_mark].strip():
            return None
        before = self.doc.char_span(0, line_start, alignment_mode="contract")
        last = next((t for t in reversed(before) if not t.is_space), None) if before else None
        if last is None:
            return None
        for token in self.sentences.of(last):
            verb = token.head
            doer = verb.head if verb.dep_ == "conj" else verb  # 'leaked X and released a letter'
            if token.lemma_.lower() in self.documents and token.dep_ == "dobj" and (
                    verb.lemma_.lower() in AUTHORING_LEMMAS) and any(
                    c.dep_ == "nsubj" for c in doer.children):
                return RawQuote((region.start, region.end), None, "direct",
                                mention_span(token), token.i, RELEASED_CONFIDENCE,
                                "released_document")
        return None

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
        speaker. Reported content only: '"If every space needs a lawyer, the good ones will
        leave," Bassi said' is a conditional in the speaker's own words, not a question."""
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
            if self.in_headline(anchor) or self.quotes_a_heading(quote):
                quote.act = "headline"

    def quotes_a_heading(self, quote: RawQuote) -> bool:
        """'Its headline: "ARTISTS ARE NOT YOUR UNPAID R&D."': a document's heading quoted by
        the writer is a heading as it is in the letter block, not a statement of its own. Not:
        'Its headline reads "We are not your testers."' (a sentence, not in capitals)."""
        if quote.speaker_head is None:
            return False
        head = self.doc[quote.speaker_head]
        words = self.text[quote.content[0] : quote.content[1]]
        return head.lemma_.lower() in HEADING_NOUNS and is_heading(words)

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
        if line[-1:] in ".!?:;\"”’)…'":
            return False  # most paragraphs: no need to count their words
        words = re.findall(r"[^\W\d_][\w'’.-]*", line)
        if not words or len(words) > HEADLINE_WORDS:
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
            if ACCORDING_TO_AT_END.search(line):
                return True  # 'Best and worst cabinet picks, according to an analyst'
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
        first = self.doc.char_span(start, start + 4, alignment_mode="expand")
        if text[start:end].lower().startswith("that ") and (
                first is None or first[0].dep_ == "mark"):
            start += 5  # 'said that it was', not 'said that was accurate' (the subject)
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
        touched = [r for r in self.regions if overlap((start, end), (r.start, r.end))]
        if not touched:
            return "indirect", (start, end)
        statements = [r for r in touched if r.is_statement(self.text)]
        start = min([start] + [r.start for r in statements])
        end = max([end] + [r.end for r in statements])
        return "mixed", (start, end)


def starts_sentence(token: Token) -> bool:
    return token.i == 0 or bool(token.is_sent_start)


def _without_duplicates(quotes: list[RawQuote]) -> list[RawQuote]:
    """Two rules may claim one content span: keep the one with a speaker, then the first."""
    kept: list[RawQuote] = []
    for quote in sorted(quotes, key=lambda q: (q.content, q.speaker is None)):
        start = quote.content[0]  # one ending before it shares no content (a quick test)
        clash = next((k for k in kept if k.content[1] > start
                      and _same_content(k.content, quote.content)), None)
        if clash is None:
            kept.append(quote)
        elif clash.speaker is None and quote.speaker is not None:
            kept[kept.index(clash)] = quote
    return kept


def _same_content(a: tuple[int, int], b: tuple[int, int]) -> bool:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter > 0 and inter >= 0.8 * max(a[1] - a[0], b[1] - b[0])


class QuoteExtractor:
    """Finds quotes and their speaker mentions; actors.py resolves who the speakers are."""

    def __init__(self, name: str, reporting_verbs: str, belief_verbs: str, stance_verbs: str,
                 document_nouns: str, include_beliefs: bool, inanimate_nouns: str,
                 people_nouns: str = "people_nouns", data_nouns: str = "data_nouns",
                 abstract_nouns: str = "abstract_nouns") -> None:
        self.name = name
        self.abstract = word_set(abstract_nouns)
        self.animate = (word_set(people_nouns) | word_set("role_nouns")
                        | frozenset(word_table("pronouns")) | frozenset(
                           noun for noun, kind in word_table("descriptions").items()
                           if kind not in THINGS))
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
