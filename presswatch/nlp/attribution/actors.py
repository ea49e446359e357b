"""Actors: who a quote's speaker mention is, and in what role they speak.

A named speaker takes its entity's canonical name. Pronouns ("he", "they") and definite
descriptions ("the spokesperson", "the company", "the artists", "the letter") are resolved to an
earlier entity only when the text gives a reason (the nearest earlier person for "he"; an earlier
"OpenAI spokesperson Niko Felix" for "the spokesperson"; "artists calling themselves PR Puppets"
for "the artists"; "PR Puppets published an open letter" for "the letter"). Otherwise the
description stays as the speaker text with no canonical name: a speaker is never invented.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from presswatch.nlp.attribution.confidence import STATE_CONFIDENCE, calibrated, reports_a_state
from presswatch.nlp.attribution.kinds import (
    AUTHORING_LEMMAS,
    NOT_SPEAKERS,
    THINGS,
    actor_kinds,
    canonical_of,
    fits,
    noun_kind,
    nouns_of_kind,
)
from presswatch.nlp.attribution.record import RawQuote, Sentences, raw_quotes, store_quotes
from presswatch.nlp.attribution.speakers import in_dateline, mention_span
from presswatch.nlp.data import word_set, word_table
from presswatch.nlp.entities import alias_key, clean_name
from presswatch.nlp.relevance import listed

SPEAKING_LABELS = ("PERSON", "ORG", "NORP", "GPE")


GROUP_LABELS = ("ORG", "NORP", "GPE", "PERSON")


# Verbs that name a group: 'artists calling themselves PR Puppets', 'a collective known as ...'.
NAMING_LEMMAS = frozenset({"call", "know", "name", "dub", "style", "brand"})


DEFINITE = frozenset({"the", "this", "that", "these", "those"})
POSSESSIVE = {"it": "its", "they": "their"}
INDEFINITE = frozenset({"a", "an", "any", "every", "each", "some", "no", "another"})


LOOKBACK_SENTENCES = 6


# How many phrases deep an author or possessor is chased ('the artists' letter's headline').
MAX_DEPTH = 4


# 'PR Puppets described ... "We never ...," the group wrote.': a quotation may hold sentences.
RECENT_SENTENCES = 3


# Words that stand for people without saying who: 'Others pointed out', 'Some said'.
# 'Nurses like Dana Reyes said': a plural's named examples (SpeakerResolver.examples).
EXAMPLE_PREPOSITIONS = frozenset({"like", "including", "as"})
# 'The two said', 'the pair', 'both': the last two people named (SpeakerResolver.pair).
PAIR_WORDS = frozenset({"two", "pair", "both", "duo"})
BARE_QUANTIFIERS = frozenset({"others", "some", "many", "several", "few", "both", "most"})
# Roles an organisation speaks through without a name: 'a spokesperson for OpenAI'.
SPOKESPERSON_NOUNS = frozenset({"spokesperson", "spokesman", "spokeswoman", "representative",
                                "rep"})
# One role, several wordings: 'chief executive officer', 'chief executive' and 'CEO'.
ROLE_SYNONYMS = {"chief executive officer": "ceo", "chief executive": "ceo",
                 "chief technology officer": "cto", "chief financial officer": "cfo",
                 "chairwoman": "chair", "chairman": "chair", "spokesman": "spokesperson",
                 "spokeswoman": "spokesperson", "sen.": "senator", "rep.": "representative"}


# What a resolution rule returns when it applies: (canonical name or None, role or None).
Found = tuple[str | None, str | None] | None


class SpeakerResolver:
    """Fills each quote's canonical speaker and role from the entities and text before it."""

    def __init__(self, name: str, roles: dict[str, str], pronouns: str, descriptions: str,
                 role_nouns: str, document_nouns: str,
                 speaker_aliases: dict[str, list[str]] | None = None,
                 outlets: list[str] | tuple[str, ...] = (),
                 organisations: dict[str, str] | None = None,
                 described_only: list[str] | tuple[str, ...] = (),
                 core: list[str] | tuple[str, ...] = (),
                 labels: dict[str, str] | None = None,
                 kinds: dict[str, str] | None = None) -> None:
        self.name = name
        self.roles = roles
        self.speaker_aliases = {
            canonical: [_normalise(alias) for alias in aliases]
            for canonical, aliases in (speaker_aliases or {}).items()}
        self.outlets = frozenset(alias_key(name) for name in outlets)
        self.organisations = organisations or {}
        self.core = frozenset(core)
        self.labels = labels or {}
        self.described_only = frozenset(described_only)
        self.pronouns = word_table(pronouns)
        self.descriptions = word_table(descriptions)
        self.role_nouns = word_set(role_nouns)
        self.documents = word_set(document_nouns)
        self.state_words = word_set("state_verbs")
        self.people = word_set("people_nouns")
        self.genders = word_table("gendered_words")
        self.story_kinds = kinds or {}
        self.kinds: dict[str, str] = {}  # this document's actors, set per document
        self.ents: list[Span] = []
        self.ent_names: list[str] = []  # canonical_of each of self.ents
        self.outlets_named: frozenset[str] = frozenset()  # this document's outlets, by name
        self.ent_starts: list[int] = []  # where each of self.ents starts
        self.groups: list[int] | None = None  # group nouns of this document, when first wanted
        self.person_roles: dict[str, str] = {}
        self.role_actors: set[str] = set()
        self.depth = 0
        self.basis = "unresolved"

    def __call__(self, doc: Doc) -> Doc:
        quotes = raw_quotes(doc)
        stated_roles: dict[str, str] = {}
        sentences = Sentences(doc)
        self.ents = sentences.ents
        self.ent_names = [canonical_of(e) for e in self.ents]
        self.outlets_named = frozenset(
            name for e, name in zip(self.ents, self.ent_names, strict=True)
            if alias_key(e.kb_id_ or e.text) in self.outlets)
        self.ent_starts = [e.start for e in self.ents]
        self.groups = None
        self.kinds = actor_kinds(doc, self.story_kinds, self.descriptions, self.outlets_named)
        self.person_roles = self.roles_in_text(doc)
        self.role_actors: set[str] = set()
        for quote in quotes:
            self.resolve(sentences, quote, quotes, stated_roles)
            self.outlet_reports(sentences, quote)
            self.source_reports(sentences, quote)
            self.not_a_speaker(sentences, quote)
            quote.confidence = calibrated(quote)
            if self.reports_a_state(sentences, quote):
                quote.confidence = min(quote.confidence, STATE_CONFIDENCE)
        store_quotes(doc, quotes)
        return doc

    def reports_a_state(self, sentences: Sentences, quote: RawQuote) -> bool:
        """A reported clause that tells how a thing runs ('said generation had stopped
        working'), not the speaker's position (confidence.reports_a_state)."""
        if quote.kind != "indirect" or quote.act != "speech":
            return False
        content = sentences.doc.char_span(*quote.content, alignment_mode="expand")
        return content is not None and reports_a_state(
            content, self.state_words,
            lambda noun: self.is_people(noun) or noun.lemma_.lower() in self.people or (
                noun.lemma_.lower() in self.documents) or (
                noun_kind(noun, self.descriptions) in ("org", "document")))

    def ents_in(self, span: Span) -> list[Span]:
        """`span.ents` read from the document's entities listed once per document: spaCy's
        `Span.ents` rebuilds every entity of the document on each call."""
        inside = []
        for ent in self.ents[bisect_left(self.ent_starts, span.start):]:
            if ent.end > span.end:
                break
            inside.append(ent)
        return inside

    def outlet_reports(self, sentences: Sentences, quote: RawQuote) -> None:
        """'TechCrunch reported that the page was up for three hours' / 'according to The
        Verge, ...' -> an outlet is not a speaker: the attribution is a report, not a
        statement. The outlets are the story's ([[outlets]], its feeds' names) and any the
        caller adds (a warehouse's site names). Not: 'OpenAI told The Verge that ...' (OpenAI
        speaks; The Verge is the addressee)."""
        if quote.act != "speech" or quote.speaker is None:
            return
        text = sentences.text[quote.speaker[0] : quote.speaker[1]]
        if (quote.canonical and alias_key(quote.canonical) in self.outlets) or (
                alias_key(text) in self.outlets):
            quote.act = "report"
            quote.canonical = None

    def source_reports(self, sentences: Sentences, quote: RawQuote) -> None:
        """'According to Wirewire, a group of nurses leaked the rota' -> an organisation the
        story does not follow, credited with 'According to' before the sentence it sources, is
        where the writer found a fact (an outlet, a tracker, a data firm): a report, not its
        statement. Not: the story's own organisations ('According to Meridian Health, ...'),
        people or a group of people, nor a credit after the words ('..., according to X:'),
        where writers name whose words follow."""
        if quote.act != "speech" or quote.rule != "according_to" or quote.basis != "named" or (
                quote.cue is None):
            return
        cue = sentences.doc.char_span(*quote.cue, alignment_mode="expand")
        name = quote.canonical
        if cue is None or not name or cue.start != sentences.of(cue[0]).start:
            return
        if name not in self.labels and self.kinds.get(name) not in ("group", "person") and any(
                canonical_of(e) == name and e.label_ == "ORG" for e in self.ents):
            quote.act = "report"

    def not_a_speaker(self, sentences: Sentences, quote: RawQuote) -> None:
        """'Dear Corporate AI Overlords, we are ...' -> a salutation is who is spoken to; the
        speaker mention opens with 'Dear' or is one of the text's quotations ("art washing"
        is no one). Such a quote keeps its words with no speaker."""
        if quote.speaker is None:
            return
        doc = sentences.doc
        first = doc.char_span(*quote.speaker, alignment_mode="expand")
        if first is None:
            return
        line_start = sentences.text.rfind("\n", 0, quote.speaker[0]) + 1
        opening = sentences.text[line_start : quote.speaker[1]].lstrip().lower()
        if opening.startswith("dear ") or (quote.canonical or "").lower().startswith("dear "):
            quote.speaker = quote.speaker_head = quote.canonical = quote.role = None

    def resolve(self, sentences: Sentences, quote: RawQuote, quotes: list[RawQuote],
                stated_roles: dict[str, str]) -> None:
        if quote.speaker_head is None:
            return
        doc = sentences.doc
        head = doc[quote.speaker_head]
        mention = doc.char_span(*quote.speaker, alignment_mode="expand")
        self.basis = "unresolved"
        canonical, role = self.who(sentences, head, mention, quote, quotes)
        holding = _entity_at(head)
        if holding is not None and self.kinds.get(canonical_of(holding)) in THINGS:
            self.basis = "named"  # 'RotaBot said': the mention is the product itself
            canonical = canonical_of(holding)
        if self.kinds.get(canonical or "") in THINGS:
            if self.basis == "named":
                quote.act = "thing"  # 'Sora can now generate ...': a product does not speak
            canonical, role = None, None
        elif self.kinds.get(canonical or "") == "outlet" and self.basis == "named":
            quote.act = "report"  # 'Cointelegraph reported that ...': outlets report
            canonical = None
        quote.basis = self.basis if canonical else (
            "unresolved_pronoun" if head.pos_ == "PRON" or head.lower_ in BARE_QUANTIFIERS
            or _bare_plural(head) else "unresolved")
        role = role or self.stated_role(head, mention)
        if canonical and role:
            stated_roles.setdefault(canonical, role)
        elif canonical:
            role = stated_roles.get(canonical) or self.roles.get(canonical)
        quote.canonical, quote.role = canonical, role

    def who(self, sentences: Sentences, head: Token, mention: Span, quote: RawQuote,
            quotes: list[RawQuote]) -> tuple[str | None, str | None]:
        """The first rule that applies to this mention decides (canonical, role); a description
        the text does not tie to anyone may still be one the story file gives an actor."""
        top = self.depth == 0
        for rule in (self.pair, self.examples, self.joint, self.named, self.document_author,
                     self.relative,
                     self.pronoun, self.description, self.role_actor):
            found = rule(sentences, head, mention, quote, quotes)
            if top and found is not None:
                self.basis = rule.__name__
            if found is not None and found[0] is None and rule != self.relative:
                described = self.described_actor(sentences, head, mention, quote, quotes)
                if top and described is not None:
                    self.basis = "described_actor"
                return described or found
            if found is not None:
                return found
        described = self.described_actor(sentences, head, mention, quote, quotes)
        if top and described is not None:
            self.basis = "described_actor"
        return described or (None, None)

    def unlike(self, head: Token, mention: Span) -> frozenset[str]:
        """The story actors this description does not fit: those with speaker_aliases, none of
        which is this description, when another actor lists it."""
        forms = {_normalise(mention.text), _normalise(head.lemma_), _normalise(head.text)}
        fitting = {c for c, aliases in self.speaker_aliases.items() if forms & set(aliases)}
        if not fitting:
            return frozenset()
        return frozenset(c for c in self.speaker_aliases if c not in fitting)

    def named_otherwise(self, doc: Doc, canonical: str) -> bool:
        """Whether the text gives a description of a group a name other than this actor ('The
        group, which calls itself Brush Strike, said'): then the story's aliases do not
        decide which group a bare 'the group' or 'the artists' is."""
        for i in self.group_nouns(doc):
            named = _named_by(doc[i])
            if named is not None and named != canonical:
                return True
        return False

    def group_nouns(self, doc: Doc) -> list[int]:
        """This document's tokens whose `noun_kind` is "group", found once when a rule
        first scans the text for them."""
        if self.groups is None:
            self.groups = nouns_of_kind(doc, self.descriptions, "group")
        return self.groups

    def described_actor(self, sentences: Sentences, head: Token, mention: Span,
                        quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'"...," the group said' / 'the artists behind the leak wrote' / 'its spokesperson
        said' / 'a spokesperson for OpenAI said' -> the story actor whose `speaker_aliases` hold
        this description (the story file says who its actors are, so the article need not name
        the actor again, only one of the story's core entities); when several actors list it,
        the one named nearest before. With a
        role noun the role is the description's ('a spokesperson for OpenAI', 'spokesperson').
        Not: 'a spokesperson for Hugging Face' when only OpenAI lists 'spokesperson' (the
        mention names another employer)."""
        if not self.speaker_aliases or head.pos_ not in ("NOUN", "PROPN", "PRON"):
            return None
        doc = sentences.doc
        if self.core and not any(e.kb_id_ in self.core for e in self.ents):
            return None  # an article that names none of the story's actors is not its story
        if head.pos_ == "PRON" and head.lower_ not in self.pronouns:
            return None
        text = _normalise(mention.text)
        forms = {text, _normalise(head.lemma_), _normalise(head.text)}
        named_here = {e.kb_id_ for e in self.ents_in(mention)
                      if e.kb_id_ and e.label_ in ("ORG", "PERSON") and not _addressee(e.root)}
        best: tuple[int, str] | None = None
        for canonical, aliases in self.speaker_aliases.items():
            if not any(alias in forms or (" " in alias and text.endswith(alias))
                       for alias in aliases):
                continue
            if named_here and not named_here & {canonical, self.organisations.get(canonical)}:
                continue  # 'a spokesperson for Hugging Face': another employer is named
            if self.named_otherwise(doc, canonical):
                continue
            mentions = [e.start for e in self.ents if e.kb_id_ == canonical]
            before = [m for m in mentions if m < head.i]
            # the actor named nearest before wins, then one named later, then one not named
            distance = (head.i - before[-1] if before else
                        len(doc) + mentions[0] if mentions else 3 * len(doc))
            if best is None or distance < best[0]:
                best = (distance, canonical)
        if best is None:
            return None
        lemma = head.lemma_.lower()
        role = lemma if lemma in self.role_nouns or head.lower_ in self.role_nouns else None
        return best[1], role and (self.stated_role(head, mention) or role)

    def who_is(self, sentences: Sentences, token: Token, quote: RawQuote,
               quotes: list[RawQuote]) -> str | None:
        """The canonical name of any noun phrase (an author, a possessor), by the same rules."""
        if self.depth >= MAX_DEPTH:
            return None  # 'the letter from the letter's authors': never chase a cycle
        doc = sentences.doc
        self.depth += 1
        try:
            # the noun phrase without its relative clause ('artists, who say OpenAI ...')
            start, end = mention_span(token)
            phrase = doc.char_span(start, end, alignment_mode="expand") or doc[
                token.i : token.i + 1]
            found = self.who(sentences, token, phrase, quote, quotes)[0]
            of = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            members = next((c for c in of.children if c.dep_ == "pobj"), None) if of else None
            if found is None and members is not None and token.ent_type_ not in SPEAKING_LABELS:
                # 'A group of nurses calling itself X published a letter': the nurses wrote it
                found = self.who_is(sentences, members, quote, quotes)
            return found
        finally:
            self.depth -= 1

    # rules: each returns (canonical or None, role or None) when it applies ---------------------

    def pair(self, sentences: Sentences, head: Token, mention: Span,
             quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'Dana Reyes was on the night shift. Tom Hale ran the ward. The two said ...' ->
        "Dana Reyes and Tom Hale": 'the two', 'the pair', 'both' are the last two people the
        text named. Not: 'the two nurses' (a description of its own), nor a pair when fewer
        than two people were named before."""
        if head.lower_ not in PAIR_WORDS or not (head.lower_ == "both" or any(
                c.dep_ == "det" and c.lower_ == "the" for c in head.children)):
            return None
        said = [q.content for q in quotes[: quotes.index(quote)] if q.speaker is not None]
        last = _nearest_entity(sentences, head, ("PERSON",), said=said)
        if last is None:
            return None
        other = _nearest_entity(sentences, head, ("PERSON",), frozenset({last[0]}), said)
        if other is None:
            return None
        return listed([other[0], last[0]]), None

    def examples(self, sentences: Sentences, head: Token, mention: Span,
                 quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'Nurses like Dana Reyes and Tom Hale said ...' -> "Dana Reyes and Tom Hale": people
        a plural names as its examples ('like', 'such as', 'including') are the ones who
        speak, not a group the description might mean. Not: 'nurses like her', 'nurses at
        Meridian Health' (no person named)."""
        if head.tag_ != "NNS":
            return None
        people: list[str] = []
        for prep in head.children:
            if prep.dep_ != "prep" or prep.lower_ not in EXAMPLE_PREPOSITIONS:
                continue
            for ent in self.ents_in(head.doc[prep.i + 1 : prep.right_edge.i + 1]):
                if ent.label_ == "PERSON":
                    name = canonical_of(ent)
                    if name not in people:
                        people.append(name)
        if not people:
            return None
        return listed(people), None

    def joint(self, sentences: Sentences, head: Token, mention: Span,
              quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'Both Alaska and United Airlines said they found loose bolts' -> "Alaska and United
        Airlines": names joined as the cue's subject speak together, every one of them. Not:
        a name joined to a description ('Acme and its suppliers said': the other rules give
        Acme), nor people joined to organisations, nor a name in a dateline."""
        if head.dep_ not in ("nsubj", "nsubjpass") or not head.conjuncts:
            return None
        names: list[str] = []
        people = set()
        for token in (head, *head.conjuncts):
            name = _entity_of_head(token)
            if name is None or in_dateline(token):
                return None
            people.add(token.ent_type_ == "PERSON")
            if name not in names:
                names.append(name)
        if len(names) < 2 or len(people) > 1:
            return None
        return listed(names), None

    def named(self, sentences: Sentences, head: Token, mention: Span,
              quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'OpenAI spokesperson Niko Felix said' -> Niko Felix (the entity holding the head)."""
        appositive = _appositive_name(head)
        if appositive is not None:
            return appositive
        ents = [e for e in self.ents_in(mention)
                if e.label_ in SPEAKING_LABELS and not in_dateline(e[0])]
        noun = head.lemma_.lower()
        if not ents and (noun in self.role_nouns or head.lower_ in self.role_nouns):
            return None  # 'The Senator urged ...': a role in capitals, not a name
        if not ents:
            return _unlabelled_name(head)
        holding = next((e for e in ents if e.start <= head.i < e.end), None)
        if holding is None and self.descriptions.get(noun) in ("group", "org") and (
                head.tag_ != "NNS"):
            # 'the PR Puppets group said' names the group; 'the group's lawyer' does not, nor
            # does a plural the name modifies ('other AI developers', 'Acme engineers')
            holding = next((e for e in ents if e.root.head.i == head.i
                            and e.root.dep_ == "compound"), None)
        if holding is None and noun in self.role_nouns | self.descriptions.keys():
            return None  # 'a spokesperson for OpenAI': the entity is the employer, not the speaker
        if holding is None and head.pos_ == "NOUN":
            # 'one excited user on X', 'a report on Alaska Airlines Flight 1282': a name in a
            # phrase about where or what is not who; 'members of PR Puppets' is
            ents = [e for e in ents if e.root.head.i == head.i or (
                e.root.dep_ == "pobj" and e.root.head.lower_ == "of"
                and e.root.head.head.i == head.i)]
            if not ents:
                return None
        ent = holding or ents[-1]
        return ent.kb_id_ or clean_name(ent.text), None

    def document_author(self, sentences: Sentences, head: Token, mention: Span,
                        quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'A statement from OpenAI said' / 'the letter reads' / 'The artists' letter said' /
        'The letter, published by a group calling itself PR Puppets, says' -> the document's
        author, when the mention names it or an earlier sentence says who published it."""
        if head.lemma_.lower() not in self.documents:
            return None
        for ent in self.ents_in(mention):
            # 'A statement from OpenAI', 'the OpenAI letter'; not 'a report on Alaska Airlines'
            writes = (ent.root.dep_ in ("compound", "poss", "nmod")
                      and ent.root.head.i == head.i) or (
                ent.root.dep_ == "pobj" and ent.root.head.lower_ in ("from", "by"))
            if ent.label_ in SPEAKING_LABELS and writes and not in_dateline(ent[0]):
                return ent.kb_id_ or clean_name(ent.text), None
        author = self.author_of(sentences, head, quote, quotes)
        if author is not None:
            return author, None
        if not _is_definite(head):
            return self.group_behind(sentences, head), None
        for earlier in reversed(sentences.doc[: head.i]):  # a document is named once, early
            if earlier.lemma_ != head.lemma_:
                continue
            author = self.author_of(sentences, earlier, quote, quotes)
            if author is not None:
                return author, None
        return self.group_behind(sentences, head), None

    def group_behind(self, sentences: Sentences, head: Token) -> str | None:
        """'A group of artists leaked the model ... Also on the page is an open letter' -> a
        letter whose author the text does not state is the group's whose protest the article
        tells, when a group of people (the story's, or one the text names) acted before it.
        Not: a report or statement in an article where no group acted (no one wrote it)."""
        if head.lemma_.lower() not in ("letter", "manifesto", "petition", "post"):
            return None
        doc = sentences.doc
        acted = any(_is_agent(doc[i]) for i in self.group_nouns(doc) if i < head.i)
        return self.group_actor(sentences, head) if acted else None

    def author_of(self, sentences: Sentences, document: Token, quote: RawQuote,
                  quotes: list[RawQuote]) -> str | None:
        """Who wrote this document, from its own phrase: a possessor ('the artists' letter',
        'its headline'), 'from X', 'published by X', or the subject of 'X published the letter'.
        """
        for child in document.children:
            if child.dep_ == "poss":
                if child.lower_ in ("its", "their"):
                    # 'an excerpt from their open letter': whoever 'their' is, when no earlier
                    # document says
                    return self.earlier_document_author(sentences, child, quote, quotes) or (
                        self.group_pronoun(sentences, child, quote, quotes) or (None,))[0]
                return self.who_is(sentences, child, quote, quotes)
            if child.dep_ == "prep" and child.lower_ in ("from", "by"):
                source = next((c for c in child.children if c.dep_ == "pobj"), None)
                if source is not None:
                    return self.who_is(sentences, source, quote, quotes)
            if child.dep_ in ("acl", "relcl") and child.lemma_.lower() in AUTHORING_LEMMAS:
                author = _author_of_verb(child)
                if author is not None and author.lower_ not in ("which", "that"):
                    return self.who_is(sentences, author, quote, quotes)
        framing = document.head if document.dep_ == "pobj" else None
        if framing is not None and framing.lower_ in ("in", "to") and framing.head.pos_ in (
                "VERB", "AUX", "ADP", "ADV"):
            # 'In an open letter, the protesters accused ...' / 'According to a letter, the
            # artists said ...': who speaks in the sentence wrote it
            verb = framing.head.head if framing.head.lower_ == "according" else framing.head
            author = _author_of_verb(verb) if verb.pos_ in ("VERB", "AUX") else None
            if author is not None and author.lemma_.lower() not in self.documents and (
                    author.lower_ not in ("it", "which", "that")):
                return self.who_is(sentences, author, quote, quotes)
        if document.dep_ in ("dobj", "nsubjpass") and document.head.lemma_.lower() in (
                AUTHORING_LEMMAS):
            author = _author_of_verb(document.head)
            if author is not None:
                return self.who_is(sentences, author, quote, quotes)
        return None

    def earlier_document_author(self, sentences: Sentences, pronoun: Token, quote: RawQuote,
                                quotes: list[RawQuote]) -> str | None:
        """'An open letter from X went up ... Its headline reads' / 'The letter argues ... Its
        headline reads': the author of the nearest earlier document, else of the document the
        quote before was given to."""
        for earlier in _earlier_tokens(sentences, pronoun):
            if earlier.lemma_.lower() in self.documents and earlier.i != pronoun.head.i:
                author = self.author_of(sentences, earlier, quote, quotes)
                if author is not None:
                    return author
        for earlier in reversed(quotes[: quotes.index(quote)] if quote in quotes else []):
            if earlier.speaker_head is not None:
                if sentences.doc[earlier.speaker_head].lemma_.lower() in self.documents:
                    return earlier.canonical
                return None
        return None

    def relative(self, sentences: Sentences, head: Token, mention: Span,
                 quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'Sam Altman, who said the leak was regrettable' -> who = Sam Altman."""
        if head.lower_ not in ("who", "that", "which") or head.head.dep_ != "relcl":
            return None
        antecedent = head.head.head
        if antecedent.dep_ == "appos":
            # 'Maren Solvik, an Oslo-based animator who said ...' -> the name the apposition
            # describes, not a word inside the description
            antecedent = antecedent.head
        named = _entity_of_head(antecedent)
        if named is None and antecedent.pos_ in ("NOUN", "PROPN"):
            # 'Over a dozen artists, who say they ...' -> whoever the artists are
            named = self.who_is(sentences, antecedent, quote, quotes)
        return named, None

    def pronoun(self, sentences: Sentences, head: Token, mention: Span,
                quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'"...," Felix said. He added that ...' -> he = the nearest earlier person."""
        doc = sentences.doc
        kind = self.pronouns.get(head.lower_)
        if kind is None:
            return None
        labels = ("PERSON",) if kind == "person" else ("ORG", "NORP")
        document = self.document_before(sentences, head, quote, quotes)
        if head.lower_ == "it" and document is not None:
            # 'The letter accuses OpenAI of ... It says ...': the document goes on speaking
            return document.canonical, None
        if kind != "person":
            return self.generic_antecedent(sentences, head, quote, quotes) or (
                self.group_pronoun(sentences, head, quote, quotes))
        gender = self.genders.get(head.lower_)
        referred = self.referred_as(head, quote, quotes)
        refused = frozenset(n for n, found in referred.items() if gender and gender not in found)
        refused |= {n for n, kind in self.kinds.items() if kind in NOT_SPEAKERS}
        previous = _previous_speaker(quotes, quote, self.ents)
        # 'Murati, who said that Lee would leave. She also said ...': not a name in the words
        said = [q.content for q in quotes[: quotes.index(quote)] if q.speaker is not None]
        nearest = _nearest_entity(sentences, head, labels, refused, said)
        if nearest is not None and _told_by_previous(doc, nearest[2], quotes, quote):
            nearest = None  # 'Calhoun told Blumenthal that ... But he said ...': Calhoun
        if previous is not None and previous[1] in labels and previous[0] not in refused and (
                nearest is None or nearest[2] <= previous[2]
                or gender in referred.get(previous[0], ()) and nearest[0] not in referred):
            return previous[0], None  # 'She said ...' goes on with the one called 'she' before
        return (nearest[0] if nearest else None), None

    def generic_antecedent(self, sentences: Sentences, head: Token, quote: RawQuote,
                           quotes: list[RawQuote]) -> Found:
        """'A platform invites creators in early. It calls them partners. It asks them to test
        ...' -> 'it' and 'they' go back to the nearest earlier subject they agree with in
        number (through the same pronoun as subject in between): when that is an indefinite,
        generic noun phrase ('A platform', 'a company', 'Startups') or a product or place the
        text names ('Kestrel is in preview. It asks ...'), the pronoun names no actor, not the
        previous speaker; when it is a document ('The letter is short. It insists ...'), its
        authors speak if the text says who they are, else no one.
        Not: a definite description ('The platform ... It said'), a name of an actor, people
        ('A group of nurses ... They said'), an indefinite document: the other rules decide;
        nor a subject inside the words an earlier quote reported."""
        if head.lower_ not in ("it", "they"):
            return None
        plural = head.lower_ == "they"
        doc = sentences.doc
        for token in reversed(doc[sentences.back(head, RECENT_SENTENCES) : head.i]):
            if token.dep_ not in ("nsubj", "nsubjpass") or not _main_clause(token.head) or any(
                    q.content[0] <= token.idx < q.content[1] for q in quotes):
                continue
            if token.lower_ == head.lower_ or any(
                    c.dep_ == "poss" and c.lower_ == POSSESSIVE[head.lower_]
                    for c in token.children):
                continue  # 'It calls them partners. It asks ...', 'Its claim is ...': the same one
            if token.lemma_.lower() in self.documents and not plural and _is_definite(token):
                # 'The letter is short. Its central claim is ... It insists ...': the letter
                # speaks for its authors, or for no one
                phrase = doc[token.left_edge.i : token.right_edge.i + 1]
                return self.document_author(sentences, token, phrase, quote, quotes) or (
                    None, None)
            if token.ent_type_:
                name = _entity_of_head(token) or canonical_of(
                    next(e for e in self.ents if e.start <= token.i < e.end))
                if self.kinds.get(name) not in THINGS:
                    return None
                if plural:
                    continue
                return None, None
            if token.pos_ != "NOUN":
                return None
            if noun_kind(token, self.descriptions) in ("group", "person", "document") or (
                    self.is_people(token)):
                return None  # people or a document: the other rules decide
            if (token.tag_ == "NNS") != plural:
                continue  # 'Prices rose. It said ...': not what 'it' points to
            return (None, None) if _is_indefinite(token) else None
        return None

    def referred_as(self, head: Token, quote: RawQuote, quotes: list[RawQuote]
                    ) -> dict[str, set[str]]:
        """'Ms Reyes said the rota was unsafe. Tom Hale left. He said ...' -> 'he' is not Ms
        Reyes: how the text has referred to each person, by a title ('Mr', 'Ms') or by a
        pronoun an earlier quote resolved to them ('She said ...'). A person the text gives no
        such word for may be either (no guess from first names)."""
        doc = head.doc
        seen: dict[str, set[str]] = {}
        for ent in self.ents:
            if ent.label_ != "PERSON" or ent.start >= head.i:
                continue
            before = doc[ent.start - 1] if ent.start > 0 else ent[0]
            for title in (before, ent[0]) if len(ent) > 1 else (before,):
                if title.pos_ == "PROPN" and title.lower_ in self.genders:
                    seen.setdefault(canonical_of(ent), set()).add(self.genders[title.lower_])
        for earlier in quotes[: quotes.index(quote)]:
            said_by = doc[earlier.speaker_head] if earlier.speaker_head is not None else None
            if earlier.canonical and said_by is not None and said_by.lower_ in self.genders and (
                    said_by.pos_ == "PRON"):
                seen.setdefault(earlier.canonical, set()).add(self.genders[said_by.lower_])
        return seen

    def group_pronoun(self, sentences: Sentences, head: Token, quote: RawQuote,
                      quotes: list[RawQuote]) -> Found:
        """'A group of artists leaked Sora ... They accuse the company of ...' -> 'they' is the
        nearest earlier agent that can be a group: an organisation or a plural group of people
        that was a subject (or a possessor, or a passive's agent), never one it speaks about
        or to: not the accused or the addressee ('accuse OpenAI of', 'told TechCrunch', 'in
        a letter to OpenAI'), not a platform ('posted on X'), not an outlet, not a name
        inside a quotation. The previous quote's speaker stays the topic until another such
        agent comes. 'It' takes organisations only. Not: 'OpenAI ... they' when artists were
        the subject in between."""
        doc = sentences.doc
        excluded = self.spoken_about(sentences, quote) | self.outlet_names(doc)
        plural = head.lower_ in ("they", "we")
        previous = _previous_speaker(quotes, quote, self.ents)
        agent = self.nearest_agent(sentences, head, quotes, excluded, plural)
        groupish = previous is not None and (
            previous[1] in ("ORG", "NORP") or self.labels.get(previous[0]) in ("ORG", "NORP")
            # singular 'they' for 'a spokesperson'
            or previous[0] in self.described_only or previous[0] in self.role_actors)
        if groupish and previous[0] not in excluded and (
                agent is None or agent.idx <= previous[2]):
            return previous[0], None
        if agent is None:
            return None, None
        if agent.ent_type_ in ("ORG", "NORP"):
            return _entity_of_head(agent), None
        return self.who_is(sentences, agent, quote, quotes), None

    def spoken_about(self, sentences: Sentences, quote: RawQuote, subjects_speak: bool = False
                     ) -> set[str]:
        """Entities the quote names in its content or as its cue's object or addressee ('They
        accuse OpenAI of ...', 'she told Reuters'): never its speaker. With `subjects_speak`, a
        subject of the content may be ('the company said Boeing is deeply sorry')."""
        doc = sentences.doc
        names = {e.kb_id_ or clean_name(e.text) for e in self.ents
                 if quote.content[0] <= e.start_char < quote.content[1] and not (
                     subjects_speak and e.root.dep_ in ("nsubj", "nsubjpass"))}
        if quote.cue is not None:
            cue = doc.char_span(*quote.cue, alignment_mode="expand")
            if cue is not None:
                for child in cue.root.children:
                    target = child
                    if child.dep_ == "prep":
                        target = next((c for c in child.children if c.dep_ == "pobj"), child)
                    if target.dep_ in ("dobj", "dative", "pobj"):
                        name = _entity_of_head(target)
                        if name:
                            names.add(name)
        return names

    def outlet_names(self, doc: Doc) -> frozenset[str]:
        return self.outlets_named

    def nearest_agent(self, sentences: Sentences, head: Token, quotes: list[RawQuote],
                      excluded: set[str], plural: bool, wanted: str | None = None
                      ) -> Token | None:
        """The nearest earlier organisation (or, for 'they', group of people) that acted: a
        subject, a possessor or a passive's agent, outside every quotation."""
        doc = sentences.doc
        first = sentences.back(head, LOOKBACK_SENTENCES)
        for token in reversed(doc[first : head.i]):
            if not _is_agent(token) or any(
                    q.content[0] <= token.idx < q.content[1] for q in quotes):
                continue
            if in_dateline(token) or plural and _acts_on_them(token):
                continue
            if token.ent_type_ in ("ORG", "NORP"):
                name = _entity_of_head(token)
                if name and name not in excluded and self.kinds.get(name) not in NOT_SPEAKERS and (
                        wanted is None or self.fits(name, wanted)):
                    return token
                continue
            if wanted == "org":
                continue
            if plural and token.pos_ == "NOUN" and (
                    noun_kind(token, self.descriptions) == "group" or token.tag_ == "NNS"
                    and self.is_people(token)):
                return token
        return None

    def is_people(self, token: Token) -> bool:
        return noun_kind(token, self.descriptions) in ("group", "person") or (
            token.lemma_.lower() in self.role_nouns)

    def document_before(self, sentences: Sentences, head: Token, quote: RawQuote,
                        quotes: list[RawQuote]) -> RawQuote | None:
        """The quote just before, when a document spoke it in this or the previous sentence."""
        earlier = [q for q in quotes[: quotes.index(quote)] if q.speaker_head is not None
                   and q.speaker_head < head.i]
        if not earlier:
            return None
        last = max(earlier, key=lambda q: q.speaker_head)
        speaker = sentences.doc[last.speaker_head]
        near = sentences.index[head.i] - sentences.index[speaker.i] <= 1
        return last if near and speaker.lemma_.lower() in self.documents else None

    def description(self, sentences: Sentences, head: Token, mention: Span,
                    quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'the spokesperson', 'the company', 'the artists', 'the group' -> an earlier entity the
        text ties to that description, else the most salient actor of the description's kind:
        'the group' never a company, 'the company' never a group; 'the chief executive' the
        person the text gives that role."""
        doc = sentences.doc
        noun = head.lemma_.lower()
        kind = noun_kind(head, self.descriptions)
        if kind is None and head.tag_ == "NNS" and _is_definite(head) and (
                noun in self.people or head.lower_ in self.people):
            kind = "group"  # 'the nurses', 'these painters': people acting together
        named = _named_by(head)  # 'a group calling itself PR Puppets', definite or not
        if named is not None and not head.ent_type_:
            return named, None
        # 'a group of artists said', 'Beta testers said'; not 'some researchers' (some of many)
        collective = kind == "group" and not any(
            c.dep_ in ("det", "amod", "nummod") and c.lower_ in BARE_QUANTIFIERS | {"other"}
            for c in head.children)
        if head.ent_type_ or not (_is_definite(head) or collective):
            return None  # 'a spokesperson' (role_actor), 'some users': no one the text named
        tied = _same_description(sentences, head, quote, quotes) or _tied_entity(
            sentences, head) or (
            _named_near(sentences, head, self.descriptions, self.group_nouns(doc))
            if kind == "group" else None)
        known_group = self.group_actor(sentences, head, story=False) if kind == "group" else None
        if tied is not None and known_group is not None and self.kinds.get(tied) != "group":
            tied = None  # a group the text names wins over a name of open kind
        if tied is not None and (kind not in ("org", "group") or self.fits(tied, kind)):
            return tied, None
        if kind == "person" or self._has_role_noun(t for t in mention if t.i <= head.i):
            for earlier in reversed(quotes[: quotes.index(quote)]):
                if earlier.canonical and earlier.role and noun in earlier.role.lower():
                    return earlier.canonical, earlier.role
            for canonical, role in self.roles.items():
                if noun in role.lower() and _mentioned_before(self.ents, head, canonical):
                    return canonical, role
            holder = self.role_holder(sentences, head, mention)
            if holder is not None:
                return holder, None
        if kind == "group":
            group = known_group or _recent_subject(
                sentences, head, quotes, self.unlike(head, mention), self.fits_group
            ) or self.group_actor(sentences, head)
            if group is not None:
                return group, None
        described = self.described_actor(sentences, head, mention, quote, quotes)
        if described is not None:
            return described
        if kind in ("group", "document", "product"):
            return None, None
        if kind == "org":
            return self.org_actor(sentences, head, quote, quotes), None
        return None  # a role: role_actor may still make it 'OpenAI spokesperson'

    def fits(self, canonical: str, kind: str) -> bool:
        label = self.labels.get(canonical) or next(
            (e.label_ for e, name in zip(self.ents, self.ent_names, strict=True)
             if name == canonical), "")
        return fits(self.kinds.get(canonical), label, kind)

    def fits_group(self, canonical: str) -> bool:
        return self.fits(canonical, "group")

    def about_story(self, doc: Doc) -> bool:
        return not self.core or any(e.kb_id_ in self.core for e in self.ents)

    def group_actor(self, sentences: Sentences, head: Token, story: bool = True) -> str | None:
        """'A group of testers leaked the model ... the group said' -> the group of people the
        text names, nearest before, else first after; in an article about the story that names
        no group, the story's group ([[entities]] kind = "group"). Never a company or an ORG
        the text calls one."""
        doc = sentences.doc
        groups = [(e, name) for e, name in zip(self.ents, self.ent_names, strict=True)
                  if self.kinds.get(name) == "group" and e.label_ != "NORP"
                  and not in_dateline(e[0])]
        before = [name for e, name in groups if e.end <= head.i]
        if before:
            return before[-1]
        after = next(((e, name) for e, name in groups if e.start > head.i), None)
        if after is not None and not any(
                head.i < e.start < after[0].start and e.label_ == "ORG"
                and self.fits_group(name) for e, name in zip(self.ents, self.ent_names,
                                                            strict=True)):
            return after[1]  # named next, with no other possible group in between
        groups = [name for name, kind in self.story_kinds.items() if kind == "group"]
        return groups[0] if story and groups and self.about_story(doc) else None

    def org_actor(self, sentences: Sentences, head: Token, quote: RawQuote,
                  quotes: list[RawQuote]) -> str | None:
        """'the airline' / 'the board' -> an organisation whose name ends in that noun ('Alaska
        Airlines', 'National Transportation Safety Board') named before; else 'the company' /
        'the planemaker' -> the nearest organisation that acted (a subject, a possessor), never
        a group of people, an outlet, a product or the one spoken to or about."""
        doc = sentences.doc
        noun = head.lemma_.lower()
        first = sentences.back(head, LOOKBACK_SENTENCES * 2)
        for ent in reversed([e for e in self.ents if first <= e.start and e.end <= head.i]):
            last = ent[-1].lower_
            if ent.label_ == "ORG" and last in (noun, noun + "s") and self.fits(
                    canonical_of(ent), "org"):
                return canonical_of(ent)
        subject = self.org_reported_on(sentences, head, quote)
        if subject is not None:
            return subject
        previous = _previous_speaker(quotes, quote, self.ents)
        if previous is not None and previous[2] >= doc[first].idx and self.fits(
                previous[0], "org"):
            return previous[0]  # '"...," Boeing said. "...," the company added.'
        excluded = self.spoken_about(sentences, quote, subjects_speak=True) | self.outlet_names(
            doc)
        others = set(self.ent_names) - self.labels.keys()
        named = [e for e in self.ents if first <= e.start and e.end <= head.i]
        for skip in (excluded | others, excluded):  # the story's own organisations first
            agent = self.nearest_agent(sentences, head, quotes, skip, plural=False, wanted="org")
            if agent is not None:
                return _entity_of_head(agent)
            for ent in reversed(named):
                name = canonical_of(ent)
                if ent.label_ == "ORG" and name not in skip and self.fits(name, "org"):
                    return name  # 'talks with Boeing ... the planemaker said': named, no agent
        return None

    def org_reported_on(self, sentences: Sentences, head: Token, quote: RawQuote
                        ) -> str | None:
        """'Acme's plant in Leeds will close in May, the company said' -> Acme: when the words
        reported come first, the organisation that is (or owns) their subject is the one
        'the company' means. Not: an organisation elsewhere in the clause ('The rota hurt
        Acme, the union said') or naming the subject's kind ('Acme records showed ..., the
        agency said'), nor when the cue comes first ('the company said Acme ...')."""
        if quote.content[1] > head.idx:
            return None
        for ent in self.ents:
            if not quote.content[0] <= ent.start_char < quote.content[1]:
                continue
            root = ent.root
            if root.dep_ == "poss" and root.head.i != root.i:
                root = root.head  # 'Acme's plant will close'; not 'Acme records showed'
            name = canonical_of(ent)
            if ent.label_ == "ORG" and root.dep_ in ("nsubj", "nsubjpass") and self.fits(
                    name, "org") and self.kinds.get(name) not in NOT_SPEAKERS:
                return name
        return None

    def role_holder(self, sentences: Sentences, head: Token, mention: Span) -> str | None:
        """'the CEO of Alaska Airlines' / 'the carrier's chief executive officer' / 'the
        senator' -> the person the text gives that role ('Alaska Airlines CEO Ben Minicucci',
        'Sen. Maria Cantwell', 'Ben Minicucci, the airline's chief executive'), nearest before,
        else first after. Not: a role no named person holds in the text."""
        wanted = _role_words(" ".join(t.lower_ for t in mention if t.dep_ not in ("det", "poss")
                                      and not t.ent_type_ and not t.is_punct and t.i <= head.i))
        if not wanted:
            return None
        named_org = next((canonical_of(e).lower() for e in self.ents_in(mention)
                          if e.label_ == "ORG"), None)
        holders = []
        for ent in self.ents:
            if ent.label_ != "PERSON" or ent.start == head.i:
                continue
            held = self.person_roles.get(canonical_of(ent), "")
            if held and wanted <= _role_words(held):
                holders.append(ent)
        at_org = [e for e in holders if named_org and named_org in self.person_roles[
            canonical_of(e)]]
        holders = at_org or holders  # 'the CEO of Alaska Airlines' among several CEOs
        before = [e for e in holders if e.end <= head.i]
        chosen = before[-1] if before else next((e for e in holders if e.start > head.i), None)
        return canonical_of(chosen) if chosen is not None else None

    def role_actor(self, sentences: Sentences, head: Token, mention: Span,
                   quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'a spokesperson for OpenAI said' / 'its spokesperson' / 'OpenAI's spokesperson' /
        'an OpenAI representative' / 'a company spokesperson' -> the actor 'OpenAI
        spokesperson' (the organisation's role, not a person the text names), with the words as
        the role. Not: 'spokesperson Niko Felix' (named), a spokesperson of no organisation
        the text gives."""
        if head.lemma_.lower() not in SPOKESPERSON_NOUNS or head.ent_type_:
            return None
        described = self.described_actor(sentences, head, mention, quote, quotes)
        if described is not None:
            return described  # the story's own name for it (speaker_aliases) wins
        employer = self.employer(sentences, head, mention, quote, quotes)
        if employer is None:
            return None
        self.role_actors.add(f"{employer} spokesperson")
        return f"{employer} spokesperson", mention.text

    def employer(self, sentences: Sentences, head: Token, mention: Span, quote: RawQuote,
                 quotes: list[RawQuote]) -> str | None:
        """Whose spokesperson: the organisation in the mention ('OpenAI spokesperson', 'a
        spokesperson for OpenAI'), its possessor ('its', 'the company's'), else the
        organisation that acted nearest before ('OpenAI cut access. A spokesperson said')."""
        for ent in self.ents_in(mention):
            if ent.label_ in ("ORG", "NORP") and self.kinds.get(canonical_of(ent)) not in (
                    NOT_SPEAKERS) and not _addressee(ent.root):
                return canonical_of(ent)
        for child in head.children:
            if child.dep_ == "poss" and child.lower_ not in ("its", "their"):
                return self.who_is(sentences, child, quote, quotes)
            if child.dep_ == "prep" and child.lower_ in ("for", "of", "at"):
                employer = next((c for c in child.children if c.dep_ == "pobj"), None)
                if employer is not None:
                    return self.who_is(sentences, employer, quote, quotes)
        if not self.about_story(sentences.doc) and not self.ents_in(mention):
            return None
        doc = sentences.doc
        excluded = self.spoken_about(sentences, quote) | self.outlet_names(doc)
        agent = self.nearest_agent(sentences, head, quotes, excluded, plural=False,
                                   wanted="org")
        return _entity_of_head(agent) if agent is not None else None

    def roles_in_text(self, doc: Doc) -> dict[str, str]:
        """Person -> the roles the text gives them ('Alaska Airlines CEO Ben Minicucci', 'Ben
        Minicucci, the airline's chief executive,'), joined, lower case."""
        roles: dict[str, list[str]] = {}
        for ent in self.ents:
            if ent.label_ != "PERSON":
                continue
            start, end = mention_span(ent.root)
            mention = doc.char_span(start, end, alignment_mode="expand")
            if mention is None:
                continue
            # 'U.S. Senator Tammy Duckworth, Chair of the Subcommittee ...': both are hers
            # in this order, once each: a set's order changes with the process's string hashing
            for role in dict.fromkeys((self.stated_role(ent.root, mention),
                                       self.title_before(ent.root, mention))):
                if role:
                    roles.setdefault(canonical_of(ent), []).append(role.lower())
        return {name: " ; ".join(found) for name, found in roles.items()}

    def stated_role(self, head: Token, mention: Span) -> str | None:
        """'OpenAI spokesperson Niko Felix' -> 'OpenAI spokesperson'; 'Niko Felix, a spokesperson
        for OpenAI,' -> 'a spokesperson for OpenAI'; 'a spokesperson for OpenAI' -> itself."""
        if head.lemma_.lower() in self.role_nouns or head.lower_ in self.role_nouns:
            bare = len(mention) <= 2 and all(t.i == head.i or t.dep_ == "det" for t in mention)
            return None if bare else mention.text
        for child in head.children:
            if child.dep_ == "appos" and self._has_role_noun(child.subtree):
                return head.doc[child.left_edge.i : child.right_edge.i + 1].text.strip(" ,")
        return self.title_before(head, mention)

    def title_before(self, head: Token, mention: Span) -> str | None:
        """'U.S. Senator Tammy Duckworth' -> 'U.S. Senator': a role written before the name."""
        if head.ent_type_ == "PERSON":
            before = [t for t in mention if t.i < head.i and not t.ent_type_ == "PERSON"]
            if before and self._has_role_noun(before):
                return mention.doc[before[0].i : before[-1].i + 1].text.strip(" ,")
        return None

    def _has_role_noun(self, tokens) -> bool:
        return any(t.lemma_.lower() in self.role_nouns or t.lower_ in self.role_nouns
                   for t in tokens)


DETERMINERS = frozenset({"the", "a", "an", "its", "their", "this", "these", "those", "his", "her",
                         "our", "that"})


def _normalise(text: str) -> str:
    """A description as compared with the story's speaker_aliases: lower case, straight
    apostrophes, no leading article or possessive ('The group' -> 'group')."""
    words = text.replace("’", "'").lower().split()
    while words and words[0] in DETERMINERS:
        words = words[1:]
    return " ".join(words).strip(" ,.")


def _author_of_verb(verb: Token) -> Token | None:
    """The subject or passive agent of an authoring verb, or of the verb it is joined to ('X
    walked out and published a letter')."""
    for child in verb.children:
        if child.dep_ == "nsubj":
            return child
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX") and verb.head.i != verb.i:
        return _author_of_verb(verb.head)
    return None


def _addressee(token: Token) -> bool:
    """'an open letter to OpenAI', 'a statement provided to Ars Technica', 'posted on X': the
    one written to, or the place it was put, is not its author."""
    return token.dep_ in ("pobj", "dative") and token.head.lower_ in (
        "to", "on", "at", "via", "onto", "into")


def _is_agent(token: Token) -> bool:
    """A subject, a subject's possessor or a passive's agent ('by X'), or a word compounded
    with, apposed or joined to one ('the PR Puppets group said', 'artists and designers
    said'). Not the possessor of an object ('leaked OpenAI's tool')."""
    seen = 0
    while seen < MAX_DEPTH:
        if token.dep_ in ("nsubj", "nsubjpass"):
            return True
        if token.dep_ == "poss" and token.head.i != token.i:
            token = token.head  # 'OpenAI's spokesperson said' yes; 'leaked OpenAI's tool' no
            seen += 1
            continue
        if token.dep_ == "pobj" and token.head.lower_ == "by":
            return True
        if token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head.dep_ in (
                "nsubj", "nsubjpass"):
            return True  # 'a group of artists leaked ...'
        if token.dep_ not in ("compound", "appos", "conj") or token.head.i == token.i:
            return False
        token = token.head
        seen += 1
    return False


def _acts_on_them(token: Token) -> bool:
    """'They were exploited by Acme. They claim ...' -> the agent of a passive whose subject is
    'they' acts on them: the next 'they' goes on with the passive's subject, not the agent.
    Not: 'The rota was drawn up by Acme. They say ...' (a thing was acted on)."""
    while token.dep_ == "compound" and token.head.i != token.i:
        token = token.head  # 'by Meridian Health': the name's head
    if token.dep_ != "pobj" or token.head.lower_ != "by" or token.head.dep_ != "agent":
        return False
    return any(c.dep_ == "nsubjpass" and c.lower_ in ("they", "we")
               for c in token.head.head.children)


def _is_definite(head: Token) -> bool:
    return any(c.dep_ == "det" and c.lower_ in DEFINITE for c in head.children) or any(
        c.dep_ == "poss" for c in head.children)


def _main_clause(verb: Token) -> bool:
    """Whether a verb heads its sentence, or is joined to the verb that does ('A platform
    invites creators and calls them partners'): not a clause inside another."""
    return verb.dep_ == "ROOT" or verb.dep_ == "conj" and verb.head.dep_ == "ROOT"


def _is_indefinite(head: Token) -> bool:
    """'A platform', 'any company', 'startups': a noun phrase with an indefinite determiner or
    none, no possessor and no name in it; not 'the platform', 'its app', 'the OpenAI app'."""
    for child in head.children:
        if child.dep_ == "det" and child.lower_ not in INDEFINITE:
            return False
        if child.dep_ == "poss" or child.dep_ in ("compound", "nmod") and child.ent_type_:
            return False
    return not head.ent_type_


def _earlier_tokens(sentences: Sentences, head: Token):
    first = sentences.back(head, LOOKBACK_SENTENCES * 2)
    return reversed(sentences.doc[first : head.i])


def _entity_of(token: Token) -> str | None:
    """The canonical name of the entity a token belongs to (or heads)."""
    for candidate in (token, *token.subtree):
        if candidate.ent_type_ in SPEAKING_LABELS and candidate.ent_iob_ in ("B", "I"):
            ent = _entity_at(candidate)
            if ent is not None:
                return ent.kb_id_ or clean_name(ent.text)
    return None


def _entity_at(token: Token) -> Span | None:
    """The entity a token is part of, as `Doc.ents` lists it, found from the entity tags of
    the tokens around it (each read of `Doc.ents` builds every entity of the document)."""
    if token.ent_iob_ not in ("B", "I"):
        return None
    doc, start, end = token.doc, token.i, token.i + 1
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    first = doc[start]
    if not first.ent_type:
        return None  # a 'B' with no label: Doc.ents counts it as outside any entity
    return Span(doc, start, end, label=first.ent_type, kb_id=first.ent_kb_id,
                span_id=first.ent_id)


def _entity_of_head(token: Token) -> str | None:
    """The canonical name of the entity this noun is, or is compounded with."""
    ent = _entity_at(token)
    if ent is None or ent.label_ not in SPEAKING_LABELS:
        return None
    return ent.kb_id_ or clean_name(ent.text)


def _nearest_entity(sentences: Sentences, head: Token, labels: tuple[str, ...],
                    refused: frozenset[str] = frozenset(),
                    said: list[tuple[int, int]] | None = None) -> tuple[str, str, int] | None:
    """The nearest earlier entity with one of these labels, within a few sentences, other than
    the refused ones and those inside the `said` spans (what earlier quotes reported)."""
    first = sentences.back(head, LOOKBACK_SENTENCES)
    for ent in reversed(sentences.ents):
        if any(start <= ent.start_char < end for start, end in said or ()):
            continue
        if ent.end <= head.i and ent.start >= first and ent.label_ in labels and not in_dateline(
                ent[0]):
            name = ent.kb_id_ or clean_name(ent.text)
            if name not in refused:
                return name, ent.label_, ent.start_char
    return None


def _same_description(sentences: Sentences, head: Token, quote: RawQuote,
                      quotes: list[RawQuote]) -> str | None:
    """'"...," the group wrote. ... "...," the group said.' -> whoever the same description
    spoke for last time, within the lookback."""
    first = sentences.back(head, LOOKBACK_SENTENCES)
    for earlier in reversed(quotes[: quotes.index(quote)] if quote in quotes else []):
        if earlier.speaker_head is None or not first <= earlier.speaker_head < head.i:
            continue
        if sentences.doc[earlier.speaker_head].lemma_ == head.lemma_ and earlier.canonical:
            return earlier.canonical
    return None


def _recent_subject(sentences: Sentences, head: Token, quotes: list[RawQuote],
                    unlike: frozenset[str] = frozenset(),
                    fitting: Callable[[str], bool] = lambda name: True) -> str | None:
    """'In a statement, PR Puppets described the leak as a last resort. "...," the group wrote.'
    -> the organisation that is the subject of a clause in the last few sentences, outside
    anything quoted, for a singular collective ('the group', not 'the artists'); never one the
    story says this description does not fit (`unlike`: 'the group' is not OpenAI when the
    story gives 'the group' to another actor)."""
    if head.tag_ != "NN":
        return None
    first = sentences.back(head, RECENT_SENTENCES)
    for ent in reversed(sentences.ents):
        if first <= ent.start and ent.end <= head.i and ent.label_ in ("ORG", "NORP") and (
                ent.root.dep_ in ("nsubj", "nsubjpass")) and not in_dateline(ent[0]) and not any(
                q.content[0] <= ent.start_char < q.content[1] for q in quotes):
            name = ent.kb_id_ or clean_name(ent.text)
            if name in unlike or not fitting(name):
                continue
            return name
    return None


def _subject_since(sentences: Sentences, start_char: int, head: Token,
                   labels: tuple[str, ...]) -> bool:
    """Whether an entity with these labels is the subject of a clause between a character offset
    and this token (a new topic), within the lookback."""
    first = sentences.back(head, LOOKBACK_SENTENCES)
    for ent in sentences.ents:
        if start_char < ent.start_char and ent.end <= head.i and ent.start >= first and (
                ent.label_ in labels and ent.root.dep_ in ("nsubj", "nsubjpass")):
            return True
    return False


def _previous_speaker(quotes: list[RawQuote], quote: RawQuote, ents: list[Span]
                      ) -> tuple[str, str, int] | None:
    """The canonical speaker of the quote just before, with its label and where its mention
    ends (a name inside that mention is the same speaker)."""
    index = quotes.index(quote)
    for earlier in reversed(quotes[:index]):
        if earlier.canonical and earlier.speaker is not None:
            ent = next((e for e in ents if e.kb_id_ == earlier.canonical), None)
            label = ent.label_ if ent is not None else "PERSON"
            return earlier.canonical, label, earlier.speaker[1]
    return None


def _told_by_previous(doc: Doc, start_char: int, quotes: list[RawQuote], quote: RawQuote
                      ) -> bool:
    """Whether the person mentioned at `start_char` is the one the previous quote was told to
    ('Calhoun told Blumenthal that ...', 'she assured the senator that ...'): the listener is
    not who goes on speaking as 'he' or 'she'. Not the subject of a later clause."""
    index = quotes.index(quote)
    earlier = next((q for q in reversed(quotes[:index]) if q.canonical and q.cue), None)
    mention = doc.char_span(start_char, start_char + 1, alignment_mode="expand")
    if earlier is None or earlier.cue is None or mention is None:
        return False
    token = mention.root
    while token.dep_ == "compound" and token.head.i != token.i:
        token = token.head
    cue = token.head
    return token.dep_ in ("dobj", "dative") and earlier.cue[0] <= cue.idx < earlier.cue[1]


def _appositive_name(head: Token) -> tuple[str, str | None] | None:
    """'One of the signatories, the illustrator Tess Achterberg, said' -> (Tess Achterberg,
    'illustrator'): an appositive naming a person or group, with the words it names them by;
    'A spokesperson for OpenAI, Niko Felix, said' too."""
    if head.ent_type_ in SPEAKING_LABELS:
        return None
    for prep in head.children:
        # 'A spokesperson for OpenAI, Niko Felix, said': the parser hangs the name on OpenAI
        employer = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if prep.dep_ != "prep" or employer is None:
            continue
        for child in employer.children:
            ent = _entity_at(child)
            if child.dep_ == "appos" and ent is not None and ent.label_ == "PERSON":
                role = head.doc[head.left_edge.i : employer.i + 1].text
                return ent.kb_id_ or clean_name(ent.text), role
    for child in head.children:
        if child.dep_ != "appos":
            continue
        ent = _entity_at(child)
        if ent is not None and ent.label_ in SPEAKING_LABELS and ent.root.i == child.i:
            return ent.kb_id_ or clean_name(ent.text), None
        if ent is None:  # 'the illustrator Tess Achterberg': the name is the noun's own appos
            named = _appositive_name(child)
            if named is not None:
                words = [t.text for t in child.subtree if not t.ent_type_ and t.dep_ != "det"
                         and not t.is_punct]
                return named[0], " ".join(words) or None
    return None


def _named_by(head: Token) -> str | None:
    """'The group, which calls itself PR Puppets, said' / 'artists calling themselves PR Puppets'
    / 'PR Puppets, the group' -> the name the phrase gives itself."""
    for child in head.children:
        if child.dep_ in ("relcl", "acl") and child.lemma_ in NAMING_LEMMAS:
            entity = _entity_of(child)
            if entity is not None:
                return entity
        if child.dep_ == "appos":
            entity = _entity_of_head(child)
            if entity is not None:
                return entity
    return None


def _named_near(sentences: Sentences, head: Token, descriptions: dict[str, str],
                groups: list[int]) -> str | None:
    """'Artists leaked access ... The group, which calls itself PR Puppets, said ... The artists'
    letter' / 'The artists wrote ... The group, which calls itself PR Puppets': the group the
    text names ('calls itself', an appositive), the nearest before, else in the next two
    sentences when no organisation is named in between."""
    doc = sentences.doc
    # a name a group is given holds for the article (`groups`: the group nouns, in order)
    for i in reversed(groups[: bisect_left(groups, head.i)]):
        named = _named_by(doc[i])
        if named is not None:
            return named
    last = sentences.spans[min(len(sentences.spans) - 1, sentences.index[head.i] + 2)].end
    for token in doc[head.i + 1 : last]:
        if token.ent_type_ in ("ORG", "NORP") and noun_kind(token.head, descriptions) is None:
            return None  # another organisation comes first: the text does not say which
        if noun_kind(token, descriptions) == "group" and _is_definite(token):
            named = _named_by(token)
            if named is not None:
                return named
    return None


def _tied_entity(sentences: Sentences, head: Token) -> str | None:
    """An earlier mention of the same noun tied to an entity: 'a group of artists calling
    themselves PR Puppets', 'PR Puppets, a group of artists', 'Sora Turbo, the model'."""
    for earlier in _earlier_tokens(sentences, head):
        if earlier.lemma_ != head.lemma_ or earlier.i == head.i:
            continue
        if earlier.ent_type_ in GROUP_LABELS and not in_dateline(earlier):
            return _entity_of(earlier)
        phrase = earlier
        while phrase.dep_ == "pobj" and phrase.head.lower_ == "of" and phrase.head.head.pos_ in (
                "NOUN", "PROPN"):
            phrase = phrase.head.head  # 'a group of artists': the group names them
        for child in phrase.children:
            if child.dep_ == "appos" or (child.dep_ == "acl" and child.lemma_ in NAMING_LEMMAS):
                entity = _entity_of(child)
                if entity is not None:
                    return entity
        named = _named_by(phrase)  # 'the nurses, who call themselves Nurses United'
        if named is not None:
            return named
        if phrase.dep_ == "appos" and phrase.head.ent_type_ in GROUP_LABELS and not in_dateline(
                phrase.head):
            return _entity_of(phrase.head)
    return None


def _mentioned_before(ents: list[Span], head: Token, canonical: str) -> bool:
    return any(e.kb_id_ == canonical and e.end <= head.i for e in ents)


@Language.factory(
    "presswatch_speakers",
    default_config={
        "roles": {},
        "pronouns": "pronouns",
        "descriptions": "descriptions",
        "role_nouns": "role_nouns",
        "document_nouns": "document_nouns",
        "speaker_aliases": {},
        "outlets": [],
        "organisations": {},
        "described_only": [],
        "core": [],
        "labels": {},
        "kinds": {},
    },
    assigns=["doc._.quotes"],
    requires=["doc.ents", "token.dep", "doc._.quotes"],
)
def make_speaker_resolver(nlp: Language, name: str, roles: dict[str, str], pronouns: str,
                          descriptions: str, role_nouns: str, document_nouns: str,
                          speaker_aliases: dict[str, list[str]], outlets: list[str],
                          organisations: dict[str, str], described_only: list[str],
                          core: list[str], labels: dict[str, str],
                          kinds: dict[str, str]) -> SpeakerResolver:
    return SpeakerResolver(name, roles, pronouns, descriptions, role_nouns, document_nouns,
                           speaker_aliases, outlets, organisations, described_only, core, labels,
                           kinds)


def _role_words(role: str) -> frozenset[str]:
    """The words of a role, one wording for each ('chief executive officer' -> {'ceo'})."""
    role = role.lower().replace("’", "'")
    for wording, same in ROLE_SYNONYMS.items():
        role = role.replace(wording, same)
    return frozenset(w for w in role.replace("'s", " ").split() if w.isalpha() or w in ("ceo",))


def _unlabelled_name(head: Token) -> Found:
    """'"...," Okafor said.': a capitalised proper noun the model left without a label is a name
    all the same (the words as written). Not: a name inside an entity of another label
    ('RotaBot' as PRODUCT), a dateline, a word in capitals ('REUTERS'), a pronoun."""
    if head.pos_ != "PROPN" or head.ent_type_ or not head.is_title or in_dateline(head):
        return None
    words = [t for t in head.lefts if t.dep_ == "compound" and t.pos_ == "PROPN" and t.is_title
             and not t.ent_type_]
    return " ".join([t.text for t in words] + [head.text]), None


def _bare_plural(head: Token) -> bool:
    """'users reported that ...', 'Analysts said ...': people in general, no one in particular
    (no determiner, no name, no number, nothing that picks them out)."""
    return head.tag_ == "NNS" and not any(
        c.dep_ in ("det", "poss", "nummod", "compound", "amod", "prep", "relcl", "acl", "appos")
        for c in head.children)
