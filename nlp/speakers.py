"""Speakers: who a quote's speaker mention is, and in what role they speak.

A named speaker takes its entity's canonical name. Pronouns ("he", "they") and definite
descriptions ("the spokesperson", "the company", "the artists", "the letter") are resolved to an
earlier entity only when the text gives a reason (the nearest earlier person for "he"; an earlier
"OpenAI spokesperson Niko Felix" for "the spokesperson"; "artists calling themselves PR Puppets"
for "the artists"; "PR Puppets published an open letter" for "the letter"). Otherwise the
description stays as the speaker text with no canonical name: a speaker is never invented.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from nlp.data import word_set, word_table
from nlp.entities import clean_name
from nlp.quotes import RawQuote, Sentences, raw_quotes, store_quotes

SPEAKING_LABELS = ("PERSON", "ORG", "NORP", "GPE")
GROUP_LABELS = ("ORG", "NORP", "GPE", "PERSON")
# Verbs that make an entity the author of a document ("PR Puppets published an open letter").
AUTHORING_LEMMAS = frozenset({"publish", "write", "post", "release", "sign", "share", "issue",
                              "send", "pen", "circulate", "tweet", "put"})
# Verbs that name a group: 'artists calling themselves PR Puppets', 'a collective known as ...'.
NAMING_LEMMAS = frozenset({"call", "know", "name", "dub", "style", "brand"})
DEFINITE = frozenset({"the", "this", "that", "these", "those"})
LOOKBACK_SENTENCES = 6
# What a resolution rule returns when it applies: (canonical name or None, role or None).
Found = tuple[str | None, str | None] | None


class SpeakerResolver:
    """Fills each quote's canonical speaker and role from the entities and text before it."""

    def __init__(self, name: str, roles: dict[str, str], pronouns: str, descriptions: str,
                 role_nouns: str, document_nouns: str) -> None:
        self.name = name
        self.roles = roles
        self.pronouns = word_table(pronouns)
        self.descriptions = word_table(descriptions)
        self.role_nouns = word_set(role_nouns)
        self.documents = word_set(document_nouns)

    def __call__(self, doc: Doc) -> Doc:
        quotes = raw_quotes(doc)
        stated_roles: dict[str, str] = {}
        sentences = Sentences(doc)
        for quote in quotes:
            self.resolve(sentences, quote, quotes, stated_roles)
        store_quotes(doc, quotes)
        return doc

    def resolve(self, sentences: Sentences, quote: RawQuote, quotes: list[RawQuote],
                stated_roles: dict[str, str]) -> None:
        if quote.speaker_head is None:
            return
        doc = sentences.doc
        head = doc[quote.speaker_head]
        mention = doc.char_span(*quote.speaker, alignment_mode="expand")
        for rule in (self.named, self.document_author, self.relative, self.pronoun,
                     self.description):
            found = rule(sentences, head, mention, quote, quotes)
            if found is not None:
                canonical, role = found
                break
        else:
            canonical, role = None, None
        role = role or self.stated_role(head, mention)
        if canonical and role:
            stated_roles.setdefault(canonical, role)
        elif canonical:
            role = stated_roles.get(canonical) or self.roles.get(canonical)
        quote.canonical, quote.role = canonical, role

    # rules: each returns (canonical or None, role or None) when it applies ---------------------

    def named(self, sentences: Sentences, head: Token, mention: Span,
              quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'OpenAI spokesperson Niko Felix said' -> Niko Felix (the entity holding the head)."""
        ents = [e for e in mention.ents if e.label_ in SPEAKING_LABELS]
        if not ents:
            return None
        holding = next((e for e in ents if e.start <= head.i < e.end), None)
        if holding is None and head.lemma_.lower() in self.role_nouns | self.descriptions.keys():
            return None  # 'a spokesperson for OpenAI': the entity is the employer, not the speaker
        ent = holding or ents[-1]
        return ent.kb_id_ or clean_name(ent.text), None

    def document_author(self, sentences: Sentences, head: Token, mention: Span,
                        quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'A statement from OpenAI said' / 'the letter reads' -> the document's author, when the
        mention names it or an earlier sentence says who published it."""
        if head.lemma_.lower() not in self.documents:
            return None
        for ent in mention.ents:
            if ent.label_ in SPEAKING_LABELS:
                return ent.kb_id_ or clean_name(ent.text), None
        if not _is_definite(head):
            return None, None
        for earlier in _earlier_tokens(sentences, head):
            if earlier.lemma_ != head.lemma_ or earlier.dep_ not in ("dobj", "nsubjpass"):
                continue
            verb = earlier.head
            if verb.lemma_.lower() not in AUTHORING_LEMMAS:
                continue
            author = next((c for c in verb.children if c.dep_ in ("nsubj", "agent")), None)
            if author is not None and author.dep_ == "agent":
                author = next((c for c in author.children if c.dep_ == "pobj"), None)
            entity = _entity_of(author) if author is not None else None
            if entity is not None:
                return entity, None
        return None, None

    def relative(self, sentences: Sentences, head: Token, mention: Span,
                 quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'Sam Altman, who said the leak was regrettable' -> who = Sam Altman."""
        if head.lower_ not in ("who", "that", "which") or head.head.dep_ != "relcl":
            return None
        antecedent = head.head.head
        return _entity_of_head(antecedent), None

    def pronoun(self, sentences: Sentences, head: Token, mention: Span,
                quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'"...," Felix said. He added that ...' -> he = the nearest earlier person."""
        doc = sentences.doc
        kind = self.pronouns.get(head.lower_)
        if kind is None:
            return None
        labels = ("PERSON",) if kind == "person" else ("ORG", "NORP")
        previous = _previous_speaker(quotes, quote, doc)
        if previous is not None and previous[1] in labels:
            nearest = _nearest_entity(sentences, head, labels)
            if nearest is None or nearest[2] <= previous[2]:
                return previous[0], None
        nearest = _nearest_entity(sentences, head, labels)
        return (nearest[0] if nearest else None), None

    def description(self, sentences: Sentences, head: Token, mention: Span,
                    quote: RawQuote, quotes: list[RawQuote]) -> Found:
        """'the spokesperson', 'the company', 'the artists', 'the group' -> an earlier entity the
        text ties to that description, else the nearest organisation for company-like nouns."""
        doc = sentences.doc
        noun = head.lemma_.lower()
        kind = self.descriptions.get(noun) or self.descriptions.get(head.lower_)
        if kind is None or not _is_definite(head):
            return None
        tied = _tied_entity(sentences, head)
        if tied is not None:
            return tied, None
        if kind == "person":
            for earlier in reversed(quotes[: quotes.index(quote)]):
                if earlier.canonical and earlier.role and noun in earlier.role.lower():
                    return earlier.canonical, earlier.role
            for canonical, role in self.roles.items():
                if noun in role.lower() and _mentioned_before(doc, head, canonical):
                    return canonical, role
            return None, None
        if kind == "org":
            nearest = _nearest_entity(sentences, head, ("ORG",))
            return (nearest[0] if nearest else None), None
        return None, None

    def stated_role(self, head: Token, mention: Span) -> str | None:
        """'OpenAI spokesperson Niko Felix' -> 'OpenAI spokesperson'; 'Niko Felix, a spokesperson
        for OpenAI,' -> 'a spokesperson for OpenAI'; 'a spokesperson for OpenAI' -> itself."""
        if head.lemma_.lower() in self.role_nouns or head.lower_ in self.role_nouns:
            bare = len(mention) <= 2 and all(t.i == head.i or t.dep_ == "det" for t in mention)
            return None if bare else mention.text
        for child in head.children:
            if child.dep_ == "appos" and self._has_role_noun(child.subtree):
                return head.doc[child.left_edge.i : child.right_edge.i + 1].text.strip(" ,")
        if head.ent_type_ == "PERSON":
            before = [t for t in mention if t.i < head.i and not t.ent_type_ == "PERSON"]
            if before and self._has_role_noun(before):
                return mention.doc[before[0].i : before[-1].i + 1].text.strip(" ,")
        return None

    def _has_role_noun(self, tokens) -> bool:
        return any(t.lemma_.lower() in self.role_nouns or t.lower_ in self.role_nouns
                   for t in tokens)


# --- helpers ------------------------------------------------------------------------------------


def _is_definite(head: Token) -> bool:
    return any(c.dep_ == "det" and c.lower_ in DEFINITE for c in head.children) or any(
        c.dep_ == "poss" for c in head.children)


def _earlier_tokens(sentences: Sentences, head: Token):
    first = sentences.back(head, LOOKBACK_SENTENCES * 2)
    return reversed(sentences.doc[first : head.i])


def _entity_of(token: Token) -> str | None:
    """The canonical name of the entity a token belongs to (or heads)."""
    for candidate in (token, *token.subtree):
        if candidate.ent_type_ in SPEAKING_LABELS and candidate.ent_iob_ in ("B", "I"):
            ent = next((e for e in candidate.doc.ents if e.start <= candidate.i < e.end), None)
            if ent is not None:
                return ent.kb_id_ or clean_name(ent.text)
    return None


def _entity_of_head(token: Token) -> str | None:
    """The canonical name of the entity this noun is, or is compounded with."""
    ent = next((e for e in token.doc.ents if e.start <= token.i < e.end), None)
    if ent is None or ent.label_ not in SPEAKING_LABELS:
        return None
    return ent.kb_id_ or clean_name(ent.text)


def _nearest_entity(sentences: Sentences, head: Token, labels: tuple[str, ...]
                    ) -> tuple[str, str, int] | None:
    """The nearest earlier entity with one of these labels, within a few sentences."""
    first = sentences.back(head, LOOKBACK_SENTENCES)
    for ent in reversed(sentences.doc.ents):
        if ent.end <= head.i and ent.start >= first and ent.label_ in labels:
            return ent.kb_id_ or clean_name(ent.text), ent.label_, ent.start_char
    return None


def _previous_speaker(quotes: list[RawQuote], quote: RawQuote, doc: Doc
                      ) -> tuple[str, str, int] | None:
    """The canonical speaker of the quote just before, with its label and position."""
    index = quotes.index(quote)
    for earlier in reversed(quotes[:index]):
        if earlier.canonical and earlier.speaker is not None:
            ent = next((e for e in doc.ents if e.kb_id_ == earlier.canonical), None)
            label = ent.label_ if ent is not None else "PERSON"
            return earlier.canonical, label, earlier.speaker[0]
    return None


def _tied_entity(sentences: Sentences, head: Token) -> str | None:
    """An earlier mention of the same noun tied to an entity: 'a group of artists calling
    themselves PR Puppets', 'PR Puppets, a group of artists', 'Sora Turbo, the model'."""
    for earlier in _earlier_tokens(sentences, head):
        if earlier.lemma_ != head.lemma_ or earlier.i == head.i:
            continue
        if earlier.ent_type_ in GROUP_LABELS:
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
        if phrase.dep_ == "appos" and phrase.head.ent_type_ in GROUP_LABELS:
            return _entity_of(phrase.head)
    return None


def _mentioned_before(doc: Doc, head: Token, canonical: str) -> bool:
    return any(e.kb_id_ == canonical and e.end <= head.i for e in doc.ents)


@Language.factory(
    "presswatch_speakers",
    default_config={
        "roles": {},
        "pronouns": "pronouns",
        "descriptions": "descriptions",
        "role_nouns": "role_nouns",
        "document_nouns": "document_nouns",
    },
    assigns=["doc._.quotes"],
    requires=["doc.ents", "token.dep", "doc._.quotes"],
)
def make_speaker_resolver(nlp: Language, name: str, roles: dict[str, str], pronouns: str,
                          descriptions: str, role_nouns: str, document_nouns: str
                          ) -> SpeakerResolver:
    return SpeakerResolver(name, roles, pronouns, descriptions, role_nouns, document_nouns)
