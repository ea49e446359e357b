"""Entities: the story's names as ruler patterns, and a linker that gives mentions a canonical name.

The small English model misses or mislabels names that matter ("OpenAI spokesperson Niko Felix"
finds no OpenAI; other phrasings call it a GPE), so the story's entity list is matched first by a
ruler before `ner`. The linker then maps every mention onto one canonical name: aliases and odd
spellings ("Open AI", "OPENAI") through a normalised alias table, and a person's later surname-only
mention ("Felix") onto the full name seen earlier in the same document ("Niko Felix").
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from presswatch.story import Story

# Labels whose mentions name something a reader would look up; numbers and dates get no canonical.
NAMED_LABELS = frozenset({"PERSON", "ORG", "PRODUCT", "GPE", "NORP", "EVENT", "WORK_OF_ART", "LAW",
                          "FAC", "LOC"})
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_LEADING_THE = re.compile(r"^the\s+", re.I)


def alias_key(text: str) -> str:
    """How two spellings of one name compare: "Open AI", "OpenAI's" and "openai" share a key."""
    text = _LEADING_THE.sub("", _POSSESSIVE.sub("", text.strip()))
    return "".join(ch for ch in text.lower() if ch.isalnum())


def clean_name(text: str) -> str:
    """A mention's text as a name: possessive and a leading "the" dropped, spaces collapsed."""
    return " ".join(_LEADING_THE.sub("", _POSSESSIVE.sub("", text.strip())).split())


def surname(name: str) -> str:
    """'Joseph R. Biden Jr.' -> 'Biden': the last word that is not a generational suffix."""
    words = [w for w in name.split() if w.strip(".,").lower() not in NAME_SUFFIXES]
    return words[-1] if words else name


# Names this short match only as written ("X", the platform, not every "x").
SHORT_NAME = 2


def _named(story: Story) -> list[tuple[str, str, list[str]]]:
    """(canonical, label, spellings) for every entity and outlet of the story."""
    named = [(e.name, e.label, [e.name, *e.aliases]) for e in story.entities if e.named_in_text]
    known = {canonical for canonical, _, _ in named}
    named += [(o.name, "ORG", [o.name, *o.aliases]) for o in story.outlets if o.name not in known]
    return named


def ruler_patterns(story: Story) -> list[dict]:
    """Entity ruler patterns for every name and alias in the story (and its outlets), with the
    canonical as id: as written, in capitals, and with only each word's first letter upper
    ("TechCrunch", "TECHCRUNCH", "Techcrunch"), never in lower case ("PR puppets" in a
    sentence is not the group's name)."""
    patterns = []
    for canonical, label, spellings in _named(story):
        for name in spellings:
            forms = [name]
            if " " in name:  # 'PR-Puppets', 'HuggingFace': one name written as one word
                forms += [name.replace(" ", "-"), name.replace(" ", "")]
            if len(name) > SHORT_NAME:
                forms += [name.upper(), " ".join(w[:1].upper() + w[1:].lower()
                                                 for w in name.split())]
            for form in dict.fromkeys(forms):
                patterns.append({"label": label, "pattern": form, "id": canonical})
    return patterns


def alias_table(story: Story) -> dict[str, str]:
    """Normalised spelling -> canonical name, for the linker's config (JSON-serialisable)."""
    table: dict[str, str] = {}
    for canonical, _, spellings in _named(story):
        for name in spellings:
            table.setdefault(alias_key(name), canonical)
    return table


def label_table(story: Story) -> dict[str, str]:
    return {canonical: label for canonical, label, _ in _named(story)}


if not Span.has_extension("canonical"):
    Span.set_extension("canonical", getter=lambda span: span.kb_id_ or None)


class EntityLinker:
    """Sets each entity's kb_id to its canonical name and fixes labels of the story's names."""

    def __init__(self, name: str, aliases: dict[str, str], labels: dict[str, str]) -> None:
        self.name = name
        self.aliases = aliases
        self.labels = labels
        # 'National Transportation Safety Board' is the story's 'NTSB', and the other way round
        self.acronyms = {initials(canonical): canonical for canonical in set(aliases.values())
                         if len(initials(canonical)) > 1}

    def __call__(self, doc: Doc) -> Doc:
        surnames: dict[str, str] = {}
        first_seen: dict[str, int] = {}
        linked: list[Span] = []
        named = {surname(e.text).lower() for e in doc.ents if e.label_ == "PERSON" and len(e) > 1}
        first_names = _first_names(doc)
        missed = {k: v for k, v in _missed_full_names(doc).items() if k not in named}
        for ent in doc.ents:
            key = ent.text.lower()
            if len(ent) == 1 and key in missed and missed[key].end <= ent.start and (
                    key not in surnames):
                # 'Maren Solvik, an animator, ... Solvik said': the model missed the full name
                full = missed[key]
                surnames[key], first_seen[key] = full.text, full.end
                linked.append(Span(doc, full.start, full.end, label="PERSON", kb_id=full.text))
        two_words: dict[str, tuple[str, str]] = {}
        for ent in doc.ents:
            canonical, label = self._link(ent, surnames)
            if label == "PERSON" and len(ent) == 1 and ent.text.lower() in first_names and (
                    ent.text.lower() not in surnames):
                canonical = first_names[ent.text.lower()]  # 'Susanna' of 'Susanna Anderson'
            elif label == "PERSON" and canonical and " " in canonical:
                key = surname(canonical).lower()
                if key not in surnames:
                    surnames[key], first_seen[key] = canonical, ent.end
            elif len(ent) == 1 and label in ("ORG", "GPE") and ent.text.lower() in two_words:
                # 'Ilse Varga (tagged ORG) ... Varga said', 'Goldman Sachs ... Sachs': one name
                canonical, label = two_words[ent.text.lower()]
            elif _two_proper_nouns(ent) and not ent.ent_id_ and label in ("ORG", "PERSON"):
                two_words.setdefault(ent[-1].lower_, (canonical or ent.text, label))
            linked.append(Span(doc, ent.start, ent.end, label=label, kb_id=canonical or ""))
        linked += self._missed_surnames(doc, surnames, first_seen)
        doc.ents = _with_model_names(doc, sorted(linked, key=lambda span: span.start))
        return doc

    def _missed_surnames(self, doc: Doc, surnames: dict[str, str], first_seen: dict[str, int]
                         ) -> list[Span]:
        """'Maria Lopez joined in May. Lopez said ...': the model often misses the lone surname."""
        return [
            Span(doc, token.i, token.i + 1, label="PERSON", kb_id=surnames[token.lower_])
            for token in doc
            if token.ent_iob_ == "O" and token.pos_ == "PROPN" and token.lower_ in surnames
            and token.i >= first_seen[token.lower_]
        ]

    def _link(self, ent: Span, surnames: dict[str, str]) -> tuple[str | None, str]:
        """Canonical name and label for one mention, in order of trust."""
        if ent.ent_id_:
            return ent.ent_id_, self.labels.get(ent.ent_id_, ent.label_)
        known = self.aliases.get(alias_key(ent.text)) or (
            self.acronyms.get(alias_key(ent.text)) if ent.label_ == "ORG" else None) or (
            self.aliases.get(initials(ent.text)) if ent.label_ == "ORG" else None)
        if known:
            return known, self.labels.get(known, ent.label_)
        if ent.label_ not in NAMED_LABELS:
            return None, ent.label_
        name = clean_name(ent.text)
        if " " not in name and name.lower() in surnames and ent.label_ in ("PERSON", "ORG", "GPE"):
            # A lone surname after the full name: the model often mislabels it as ORG or GPE.
            return surnames[name.lower()], "PERSON"
        return (name or None), ent.label_


# Entities a model name may not overlap: 'January 5', '$5', '10 hours' are no product.
MEASURES = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"})
MODEL_NAME_TOKENS = 5


def _model_token(token: Token) -> str | None:
    """'name' for a capitalised word, 'number' for a model number ('737', '9s', '737-9'), None
    for anything else (a year, a lower-case word, punctuation)."""
    text = token.text
    if text == "-" and token.i > 0 and not token.doc[token.i - 1].whitespace_ and (
            not token.whitespace_):
        return "joint"  # '737-9'
    if any(c.isdigit() for c in text):
        year = text.isdigit() and len(text) == 4 and text[:2] in ("19", "20")
        return None if year or not text[:1].isdigit() and not text[:1].isupper() else "number"
    if token.is_alpha and text[:1].isupper() and token.pos_ in ("PROPN", "NOUN", "ADJ"):
        return "name"
    return None


def _camel_case(token: Token) -> bool:
    """'ChatGPT', 'iPhone': a capital after a lower-case letter inside one word."""
    text = token.text
    pairs = zip(text, text[1:], strict=False)
    return token.is_alpha and any(a.islower() and b.isupper() for a, b in pairs)


def _with_model_names(doc: Doc, ents: list[Span]) -> list[Span]:
    """The entities plus names the model missed: model names, capitalised words with a model
    number ('Boeing 737 Max 9', '737 MAX 9', 'Max 9s', 'Galaxy S24'), and one-word names in
    camel case ('ChatGPT'), as PRODUCT. An organisation's name a model name begins with
    ('Boeing' in 'Boeing 737 Max 9') becomes part of it. Not: dates, sums, years, a number
    alone ('737 jobs'), a name alone ('Boeing')."""
    taken = {i: ent for ent in ents for i in range(ent.start, ent.end)}
    found: list[Span] = []
    i = 0
    while i < len(doc):
        j, kinds = i, []
        while j < len(doc) and j - i < MODEL_NAME_TOKENS and (
                taken.get(j) is None or taken[j].label_ not in MEASURES):
            kind = _model_token(doc[j])
            if kind is None or (j > i and doc[j].is_sent_start):
                break
            kinds.append(kind)
            j += 1
        while kinds and kinds[-1] == "joint":
            kinds.pop()
            j -= 1
        if kinds[:1] == ["number"] and len(doc[i].text) < 3:
            i += 1  # '65 Max 9s': a count before the name
            continue
        if "number" in kinds and "name" in kinds:
            found.append(Span(doc, i, j, label="PRODUCT", kb_id=doc[i:j].text))
            i = j
            continue
        if taken.get(i) is None and _camel_case(doc[i]) and doc[i].pos_ == "PROPN":
            end = i + 1  # 'ChatGPT Plus': capitalised words after it name an edition
            while end < min(len(doc), i + 3) and doc[end].is_title and doc[end].is_alpha and (
                    taken.get(end) is None and not doc[end].is_sent_start):
                end += 1
            found.append(Span(doc, i, end, label="PRODUCT", kb_id=doc[i:end].text))
            i = end
            continue
        i += 1
    if not found:
        return ents
    covered = {k for span in found for k in range(span.start, span.end)}
    kept = [e for e in ents if not covered & set(range(e.start, e.end))]
    return sorted(kept + found, key=lambda span: span.start)


def initials(name: str) -> str:
    """'National Transportation Safety Board' -> 'ntsb'; a one-word name has none worth using."""
    words = [w for w in clean_name(name).split() if w[:1].isupper()]
    return "".join(w[0] for w in words).lower() if len(words) > 1 else ""


def _first_names(doc: Doc) -> dict[str, str]:
    """First name -> full name, for the people the text names in full ('Susanna Anderson'),
    when no two of them share the first name."""
    seen: dict[str, set[str]] = {}
    for ent in doc.ents:
        words = ent.text.split()
        if ent.label_ == "PERSON" and len(words) == 2 and all(w[:1].isupper() for w in words):
            seen.setdefault(words[0].lower(), set()).add(clean_name(ent.text))
    return {first: next(iter(full)) for first, full in seen.items() if len(full) == 1}


def _two_proper_nouns(ent: Span) -> bool:
    return len(ent) == 2 and all(t.pos_ == "PROPN" and t.is_title for t in ent)


def _missed_full_names(doc: Doc) -> dict[str, Span]:
    """Two capitalised proper nouns outside any entity ('Maren Solvik, an animator'), by their
    last word: a full name the model missed, kept only if the surname is later an entity."""
    found: dict[str, Span] = {}
    for token in doc[1:]:
        first = doc[token.i - 1]
        before = doc[token.i - 2] if token.i > 1 else None
        if not (token.pos_ == first.pos_ == "PROPN" and token.is_title and first.is_title):
            continue
        if token.ent_type_ or first.ent_type_ or (before is not None and before.pos_ == "PROPN"):
            continue
        after = doc[token.i + 1] if token.i + 1 < len(doc) else None
        if after is not None and after.pos_ == "PROPN":
            continue
        found.setdefault(token.lower_, doc[first.i : token.i + 1])
    return found


@Language.factory(
    "presswatch_entity_linker",
    default_config={"aliases": {}, "labels": {}},
    assigns=["doc.ents", "token.ent_kb_id", "span._.canonical"],
    requires=["doc.ents"],
)
def make_entity_linker(
    nlp: Language, name: str, aliases: dict[str, str], labels: dict[str, str]
) -> EntityLinker:
    return EntityLinker(name, aliases, labels)
