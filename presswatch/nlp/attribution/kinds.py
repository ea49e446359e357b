"""Kinds of actor: person, org (a company, an agency), group (of people), outlet, document,
product, place. A description resolves only to an actor of its kind; some kinds never speak.

An actor's kind comes from the story file (`kind`), else from how the text introduces it ("PR
Puppets, a group of artists", "the artist collective PR Puppets", "artists calling themselves PR
Puppets", "the planemaker Boeing", "OpenAI's Sora" -- a name an organisation owns is its
product), else from spaCy's label (NORP -> group, LOC and FAC -> place, PRODUCT -> product);
an ORG's or a GPE's kind stays open until the story or the text says.
"""

from __future__ import annotations

import numpy
from spacy.attrs import LEMMA, LOWER
from spacy.tokens import Doc, Span, Token

from presswatch.nlp.attribution.record import by_word
from presswatch.nlp.entities import clean_name

# Kinds that never speak: a product or a place is no speaker ("Sora said" is the writer's).
THINGS = frozenset({"product", "place"})
# Kinds that never speak for themselves in a story: an outlet reports, a document's authors speak.
NOT_SPEAKERS = THINGS | {"outlet"}
# An ORG's kind is left open (a company or a group of people) until the story or text says, and
# so is a GPE's: 'China said' is its government speaking, 'in Renton, Washington' a place.
LABEL_KINDS = {"PERSON": "person", "NORP": "group",
               "LOC": "place", "FAC": "place", "PRODUCT": "product", "WORK_OF_ART": "product"}
# Verbs that make an entity the author of a document ("PR Puppets published an open letter").
AUTHORING_LEMMAS = frozenset({"publish", "write", "post", "release", "sign", "share", "issue",
                              "send", "pen", "circulate", "tweet", "put"})


# Verbs that give a name to the noun they hang from: 'artists calling themselves PR Puppets'.
NAMING_LEMMAS = frozenset({"call", "know", "name", "dub", "style", "brand"})


def canonical_of(ent: Span) -> str:
    return ent.kb_id_ or clean_name(ent.text)


def nouns_of_kind(doc: Doc, descriptions: dict[str, str], kind: str) -> list[int]:
    """The tokens whose `noun_kind` is this kind, in order, read from the document's word and
    lemma arrays with each distinct word looked up once (for rules that scan the whole text
    for a kind of noun: 'the group' may be named anywhere before)."""
    forms, lemmas = doc.to_array([LOWER, LEMMA]).T
    by_form = by_word(doc, forms, lambda form: descriptions.get(form) or None)
    by_lemma = by_word(doc, lemmas, lambda lemma: descriptions.get(lemma.lower()))
    # noun_kind reads the lemma only where the word form has no kind
    wanted = (by_form == kind) | (by_form == None) & (by_lemma == kind)  # noqa: E711
    return numpy.flatnonzero(wanted).tolist()


def noun_kind(token: Token, descriptions: dict[str, str]) -> str | None:
    """What a description noun may point to, by its form first ('artists' -> group, 'artist' ->
    person), then its lemma ('companies' -> org)."""
    return descriptions.get(token.lower_) or descriptions.get(token.lemma_.lower())


def introduced_kind(ent: Span, descriptions: dict[str, str]) -> str | None:
    """The kind the text gives a name where it introduces it, or None.

    'PR Puppets, a group of artists' (an apposition) / 'a collective, PR Puppets,' / 'the
    artist collective PR Puppets' (a kind noun before the name) / 'artists calling themselves PR
    Puppets' (a naming verb) / 'OpenAI's Sora' (a name another organisation owns: a product) /
    'Techcrunch reported ...' (an outlet).
    Not: 'the PR Puppets letter' (the name modifies a document; it is not one)."""
    root = ent.root
    if reports(root):
        return "outlet"
    for child in root.children:
        if child.dep_ == "appos" and not _runs_on(child):
            kind = noun_kind(child, descriptions)
            if kind is not None:
                return kind
        if child.dep_ in ("compound", "nmod", "amod") and child.i < ent.start:
            kind = noun_kind(child, descriptions)
            if kind is not None and kind != "document":
                return kind
        if child.dep_ == "poss" and child.ent_type_ == "ORG" and ent.label_ in ("ORG", "PRODUCT"):
            return "product"
    if root.dep_ == "appos":
        kind = noun_kind(root.head, descriptions)
        if kind is not None:
            return kind
    return kind_by_naming(ent, descriptions)


def thing_introduced(ent: Span, descriptions: dict[str, str]) -> str | None:
    """'the video model Kestrel' / 'its new tool, Kestrel,' -> a product, though the model
    labelled the name a person: a thing noun introduces it. Only things: 'the illustrator Tess
    Achterberg' keeps its label, and 'OpenAI's Mira Murati' is a person an organisation
    employs, not a product it owns."""
    kind = introduced_kind(ent, descriptions)
    return kind if kind in THINGS else None


def kind_by_naming(ent: Span, descriptions: dict[str, str]) -> str | None:
    """'artists calling themselves PR Puppets' / 'a group known as Brush Strike' -> the kind of
    the noun the naming verb hangs from (group), whatever label the model gave the name."""
    root = ent.root
    verb = root.head
    if root.dep_ in ("oprd", "attr", "dobj", "pobj") and verb.dep_ == "prep":
        verb = verb.head  # 'a group known as PR Puppets'
    if verb.lemma_.lower() in NAMING_LEMMAS and verb.dep_ in ("acl", "relcl") and verb.i != root.i:
        named = verb.head
        while named.dep_ == "pobj" and named.head.lower_ == "of":
            named = named.head.head  # 'a group of artists calling themselves ...'
        kind = noun_kind(named, descriptions)
        return "group" if kind is None and named.tag_ == "NNS" else kind  # 'painters calling'

    return None


def actor_kinds(doc: Doc, story_kinds: dict[str, str], descriptions: dict[str, str],
                outlets: frozenset[str] = frozenset()) -> dict[str, str]:
    """Canonical name -> kind for every named actor of the document: the story's kind first,
    then the text's introduction, then the label. `outlets` are canonical names of outlets."""
    kinds: dict[str, str] = {}
    introduced: dict[str, str] = {}
    for ent in doc.ents:
        name = canonical_of(ent)
        kind = (introduced_kind(ent, descriptions) if ent.label_ != "PERSON"
                else kind_by_naming(ent, descriptions) or thing_introduced(ent, descriptions))
        if kind is not None and kind not in ("person", "document"):
            introduced.setdefault(name, kind)
        label_kind = LABEL_KINDS.get(ent.label_)
        if label_kind is not None:
            kinds.setdefault(name, label_kind)
    kinds.update(introduced)
    kinds.update({name: "outlet" for name in kinds if name in outlets})
    kinds.update({name: kind for name, kind in story_kinds.items() if kind})
    return kinds


def fits(kind: str | None, label: str, wanted: str) -> bool:
    """Whether an actor of this kind (None: not known) and label may be what a description of
    the wanted kind means: 'the group' fits a group or an ORG of open kind, never a company."""
    if kind is not None:
        return kind == wanted
    return label == "ORG" and wanted in ("org", "group")


def reports(token: Token) -> bool:
    """'Techcrunch reported the model was online' / 'according to TechCrunch, who first
    reported on the revolt': a name that reports news is an outlet. Not: 'OpenAI reported a
    loss' (an organisation the story names keeps its kind: the story's kind comes first)."""
    if token.dep_ == "nsubj" and token.head.lemma_.lower() == "report":
        return True
    return any(c.dep_ == "relcl" and c.lemma_.lower() == "report" for c in token.children)


def _runs_on(appositive: Token) -> bool:
    """'According to Cointelegraph, a group of artists leaked ...': a phrase the parser hung on
    the name as an apposition, though a verb follows it, is the sentence's subject."""
    after = appositive.right_edge.i + 1
    return after < len(appositive.doc) and appositive.doc[after].pos_ in ("VERB", "AUX")
