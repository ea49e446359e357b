"""Entities: the story's names as ruler patterns, and a linker that gives mentions a canonical name.

The small English model misses or mislabels names that matter ("OpenAI spokesperson Niko Felix"
finds no OpenAI; other phrasings call it a GPE), so the story's entity list is matched first by a
ruler before `ner`. The linker then maps every mention onto one canonical name: aliases and odd
spellings ("Open AI", "OPENAI") through a normalised alias table, and a person's later surname-only
mention ("Felix") onto the full name seen earlier in the same document ("Niko Felix").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import cache, lru_cache

from spacy.attrs import POS
from spacy.language import Language
from spacy.parts_of_speech import NAMES as POS_NAMES
from spacy.tokens import Doc, Span, Token

from presswatch.nlp.data import word_list, word_set, word_table
from presswatch.story import Story

# Labels whose mentions name something a reader would look up; numbers and dates get no canonical.
NAMED_LABELS = frozenset({"PERSON", "ORG", "PRODUCT", "GPE", "NORP", "EVENT", "WORK_OF_ART", "LAW",
                          "FAC", "LOC"})
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sen", "senator", "rep", "gov",
                    "president", "gen", "judge", "rev", "sir", "dame", "lord", "lady"})
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_LEADING_THE = re.compile(r"^the\s+", re.I)
_LETTER_WITH_STOP = re.compile(r"[A-Z]\.")


@lru_cache(maxsize=16384)  # the speaker rules key the same few names again and again
def alias_key(text: str) -> str:
    """How two spellings of one name compare: "Open AI", "OpenAI's" and "openai" share a key."""
    text = _LEADING_THE.sub("", _POSSESSIVE.sub("", text.strip()))
    return "".join(ch for ch in text.lower() if ch.isalnum())


@lru_cache(maxsize=16384)
def clean_name(text: str) -> str:
    """A mention's text as a name: possessive and a leading "the" dropped, spaces collapsed, and
    the full stop the tokenizer leaves on a one-letter name at a sentence end ("on X.")."""
    name = " ".join(_LEADING_THE.sub("", _POSSESSIVE.sub("", text.strip())).split())
    return name[0] if _LETTER_WITH_STOP.fullmatch(name) else name


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


class Words:
    """What the linker's rules test on every token, as plain lists read once: its text, its
    part of speech, and whether it is shaped like a word of a name (`_name_word`). Each
    `doc[i]` and `for token in doc` builds a new Token: the rules make Tokens (`tokens`, the
    Doc) only where these lists leave something to test."""

    def __init__(self, doc: Doc) -> None:
        self.tokens = doc
        self.text = [token.text for token in doc]
        self.pos = [POS_NAMES[pos] for pos in doc.to_array(POS).tolist()]
        shaped = [pos in ("PROPN", "NOUN") and _name_shaped(doc[i])
                  for i, pos in enumerate(self.pos)]
        self.proper_name = [ok and pos == "PROPN" for ok, pos in zip(shaped, self.pos, strict=True)]
        self.noun_name = [ok and pos == "NOUN" for ok, pos in zip(shaped, self.pos, strict=True)]
        # where a name a rule seeks may start: a proper noun so shaped (or 'The' before one)
        self.name_starts = [i for i, ok in enumerate(self.proper_name) if ok]
        self.name_or_the_starts = [i for i, (ok, text) in enumerate(
            zip(self.proper_name, self.text, strict=True)) if ok or text == "The"]


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
        doc.ents = [ent if ent.ent_id_ else _trimmed(ent) for ent in doc.ents]
        model_ents = list(doc.ents)  # Doc.ents builds every Span anew on each read
        words = Words(doc)
        surnames: dict[str, str] = {}
        first_seen: dict[str, int] = {}
        linked: list[Span] = []
        named = {surname(e.text).lower() for e in model_ents
                 if e.label_ == "PERSON" and len(e) > 1}
        first_names = _first_names(model_ents)
        missed = {k: v for k, v in _missed_full_names(doc, words).items() if k not in named}
        for ent in model_ents:
            key = ent.text.lower()
            if len(ent) == 1 and key in missed and missed[key].end <= ent.start and (
                    key not in surnames):
                # 'Maren Solvik, an animator, ... Solvik said': the model missed the full name
                full = missed[key]
                surnames[key], first_seen[key] = full.text, full.end
                linked.append(Span(doc, full.start, full.end, label="PERSON", kb_id=full.text))
        two_words: dict[str, tuple[str, str]] = {}
        for ent in model_ents:
            canonical, label = self._link(ent, surnames)
            if label == "PERSON" and len(ent) == 1 and ent.text.lower() in first_names and (
                    ent.text.lower() not in surnames) and not _after_title(ent):
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
        linked += self._missed_surnames(doc, words, surnames, first_seen)
        ents = _with_model_names(doc, words, sorted(linked, key=lambda span: span.start))
        doc.ents = _with_missed_names(doc, words, _with_longer_organisations(doc, ents))
        return doc

    def _missed_surnames(self, doc: Doc, words: Words, surnames: dict[str, str],
                         first_seen: dict[str, int]) -> list[Span]:
        """'Maria Lopez joined in May. Lopez said ...': the model often misses the lone surname."""
        if not surnames:
            return []
        return [
            Span(doc, token.i, token.i + 1, label="PERSON", kb_id=surnames[token.lower_])
            for token in (doc[i] for i, pos in enumerate(words.pos) if pos == "PROPN")
            if token.ent_iob_ == "O" and token.lower_ in surnames
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
# Entities that may stand before a model name as its maker ('Boeing 737 Max 9').
MAKER_LABELS = frozenset({"ORG", "PERSON", "GPE", "NORP", "FAC", "LOC"})
MODEL_NAME_TOKENS = 5


def _model_token(token: Token) -> str | None:
    """'name' for a capitalised word, 'number' for a model number ('737', '9s'), 'model' for a
    word of capitals and digits ('MAX-9', 'S24'), 'joint' for the hyphen of '737-9', None for
    anything else (a year, a lower-case word, punctuation, "Brownlee's2")."""
    text = token.text
    if text == "-" and token.i > 0 and not token.doc[token.i - 1].whitespace_ and (
            not token.whitespace_):
        return "joint"  # '737-9'
    if not text.isalpha() and any(c.isdigit() for c in text):
        if not text.replace("-", "").isalnum():
            return None
        if text[:1].isupper():
            return "model"
        year = text.isdigit() and len(text) == 4 and text[:2] in ("19", "20")
        return None if year or not text[:1].isdigit() else "number"
    if token.is_alpha and text[:1].isupper() and token.pos_ in ("PROPN", "NOUN", "ADJ"):
        return "name"
    return None


def _camel_case(token: Token) -> bool:
    """'ChatGPT', 'iPhone': a capital after a lower-case letter inside one word, in a proper
    noun or after a run of lower-case letters ('ChatGPT' tagged as a noun; not 'PhD')."""
    text = token.text
    if text.islower() or text.istitle() or text.isupper():
        return False  # no capital after a lower-case letter
    if not token.is_alpha:
        return False
    if token.pos_ == "PROPN":
        return any(a.islower() and b.isupper() for a, b in zip(text, text[1:], strict=False))
    return text[:1].isupper() and re.search(r"[a-z]{2}[A-Z]", text) is not None


def _model_run(tokens: Doc, token_kinds: list[str | None], i: int,
               taken: dict[int, Span]) -> tuple[int, list[str]]:
    """The end and the token kinds of the model name that may start at token i
    (`token_kinds`: `_model_token` of each token)."""
    j, kinds = i, []
    while j < len(tokens) and j - i < MODEL_NAME_TOKENS and (
            taken.get(j) is None or taken[j].label_ not in MEASURES):
        kind = token_kinds[j]
        if kind is None or (j > i and tokens[j].is_sent_start):
            break
        kinds.append(kind)
        j += 1
    while kinds and kinds[-1] == "joint":
        kinds.pop()
        j -= 1
    numbered = [k for k, kind in enumerate(kinds) if kind in ("number", "model")]
    if numbered:
        # names after the last number: one edition word ('Galaxy S24 Ultra') at most, never a
        # plural ('737 Max 9 Planes') or a headline's next words ('737 MAX 7 First Flight Air');
        # after a leading number only the series name ('737 MAX Production Facility')
        after = len(kinds) - 1 - numbered[-1]
        last = tokens[i + len(kinds) - 1]
        if numbered[-1] == 0 and after > 1:
            j -= after - 1
            kinds = kinds[:2]
        elif after > 1 or after == 1 and last.tag_ in ("NNS", "NNPS") and numbered[-1] > 0:
            j -= after
            kinds = kinds[: len(kinds) - after]
    return j, kinds


def _is_model_name(kinds: list[str]) -> bool:
    names = sum(kind in ("name", "model") for kind in kinds)
    numbers = sum(kind in ("number", "model") for kind in kinds)
    return len(kinds) > 1 and names > 0 and numbers > 0 and kinds[0] != "joint"


def _leads_a_model(ent: Span | None, i: int, end: int, kinds: list[str]) -> bool:
    """Whether a name entity starting at token i is followed, up to `end`, by a model name of
    its own: 'Boeing' in 'Boeing 737 Max 9' (a maker), not 'MAX' in '737 MAX 7'."""
    return ent is not None and ent.start == i and ent.label_ in MAKER_LABELS and (
        ent.end < end and not any(c.isdigit() for c in ent.text)
        and _is_model_name(kinds[ent.end - i:]))


def _maker_before(doc: Doc, start: int, ents: list[Span]) -> Span | None:
    """The organisation just before a model name: 'Boeing 737', "Boeing's 737"."""
    end = start - 1 if start and doc[start - 1].tag_ == "POS" else start
    return next((e for e in ents if e.end == end and e.label_ in MAKER_LABELS), None)


def _with_model_names(doc: Doc, words: Words, ents: list[Span]) -> list[Span]:
    """The entities plus names the model missed: model names, capitalised words with a model
    number ('737 Max 9', '737 MAX-9', 'Max 9s', 'Galaxy S24'), and one-word names in camel
    case ('ChatGPT'), as PRODUCT. The maker before a model number stays its own entity and
    names the model in full: 'Boeing 737 Max 9' is Boeing and the product 'Boeing 737 Max 9';
    in 'Alaska Airlines Boeing 737 Max 9' the operator is left alone too. Not: dates, sums,
    years, a number alone ('737 jobs'), a count ('171 Boeing Max 9'), a name alone ('Boeing')."""
    taken = {i: ent for ent in ents for i in range(ent.start, ent.end)}
    tokens, text = words.tokens, words.text
    # a lower-case word is no part of a model name (most words: no need to ask _model_token)
    token_kinds = [None if word.isalpha() and word.islower() else _model_token(tokens[i])
                   for i, word in enumerate(text)]
    # where a model name or a camel-case name may start (the steps below pass the rest by);
    # a word in one case throughout, or capitalised, is no camel case (_camel_case says so too)
    starts = [i for i, (kind, word) in enumerate(zip(token_kinds, text, strict=True))
              if kind is not None or i not in taken and not (
                  word.islower() or word.istitle() or word.isupper()) and _camel_case(tokens[i])]
    found: list[Span] = []
    i = at = 0
    while True:
        at = bisect_left(starts, i, at)
        if at == len(starts):
            break
        i = starts[at]
        j, kinds = _model_run(tokens, token_kinds, i, taken)
        if _leads_a_model(taken.get(i), i, j, kinds):
            i = taken[i].end  # 'Boeing' of 'Boeing 737 Max 9' is its maker, not part of it
            continue
        if kinds[:1] == ["number"] and (len(tokens[i].text) < 3 or i + 1 < j and _leads_a_model(
                taken.get(i + 1), i + 1, j, kinds[1:])):
            i += 1  # '65 Max 9s', '171 Boeing Max 9': a count before the name
            continue
        glued = i > 0 and not tokens[i - 1].whitespace_ and tokens[i - 1].text in "-/"
        if _is_model_name(kinds) and not glued:
            name = doc[i:j].text
            maker = _maker_before(doc, i, ents) if kinds[0] in ("number", "model") else None
            canonical = f"{maker.kb_id_ or clean_name(maker.text)} {name}" if maker else name
            found.append(Span(doc, i, j, label="PRODUCT", kb_id=canonical))
            i = j
            continue
        if taken.get(i) is None and _camel_case(tokens[i]):
            end = i + 1  # 'ChatGPT Plus': capitalised words after it name an edition
            while end < min(len(tokens), i + 3) and tokens[end].is_title and (
                    tokens[end].is_alpha and taken.get(end) is None
                    and not tokens[end].is_sent_start):
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


# --- names the model cut short, ran on or missed ---------------------------------------------

ORG_SUFFIXES = frozenset({"corporation", "corp", "inc", "co", "ltd", "plc", "group", "holdings",
                          "company", "llc", "ag", "sa"})
NAME_LABELS = frozenset({"ORG", "PERSON", "PRODUCT", "GPE", "NORP", "FAC", "LOC"})
LONGEST_NAME = 4  # words of a name found by a rule below


def _trimmed(ent: Span) -> Span:
    """A model's entity without what is not part of the name: a lower-case 'the' ('the U.S.
    Senate'), a role before a person's name ('CTO Mira Murati' -> PERSON 'Mira Murati'), a
    compound's second half ('the Sam Altman-run start-up' -> 'Sam Altman'), a stock ticker
    after a company ('Microsoft Corporation MSFT'), a comma at the end, a bracket and what
    follows ('Tibor Blaho (@btibor91': a post's author, a person). And what is: a capital
    'The' before an outlet mid-sentence ('to The Ledger'); a 'place' that reports is an ORG."""
    doc, start, end, label = ent.doc, ent.start, ent.end, ent.label_
    if label not in NAMED_LABELS:
        return ent
    if end - start > 1 and doc[start].text == "the":
        start += 1
    while end - start > 1 and doc[end - 1].is_punct and doc[end - 1].text in ",;:":
        end -= 1
    bracket = next((t.i for t in doc[start + 1 : end] if t.text == "("), None)
    if bracket is not None:
        end = bracket  # 'Tibor Blaho (@btibor91': a post's signature, the author before it
        if bracket + 1 < len(doc) and doc[bracket + 1].text.startswith("@"):
            label = "PERSON"
    if end - start > 2 and doc[end - 2].text == "-" and doc[end - 1].is_lower and (
            not doc[end - 2].whitespace_):
        end -= 2  # 'Altman-run', 'Disney-owned'
    if end - start > 2 and doc[end - 1].is_upper and doc[end - 1].is_alpha and (
            doc[end - 2].lower_.rstrip(".") in ORG_SUFFIXES):
        end -= 1  # 'Microsoft Corporation MSFT': the ticker
    if start and doc[start - 1].text == "The" and not doc[start - 1].is_sent_start and (
            label in ("ORG", "WORK_OF_ART")):
        start -= 1  # 'a statement to The Ledger': a capital 'The' mid-sentence is the name's
    if label in ("GPE", "LOC") and end < len(doc) and doc[end].lemma_ == "report" and (
            doc[end].pos_ == "VERB"):
        label = "ORG"  # 'Newsbeat reported': a place does not report, an outlet does
    rest = doc[start + 1 : end]
    if len(rest) >= 2 and doc[start].lower_.rstrip(".") in _person_prefixes() and all(
            t.is_title and t.pos_ == "PROPN" for t in rest):
        start, label = start + 1, "PERSON"
    if (start, end, label) == (ent.start, ent.end, ent.label_):
        return ent
    return Span(doc, start, end, label=label)


@cache
def _person_prefixes() -> frozenset[str]:
    """Titles and one-word roles written before a name ('CTO', 'Senator', 'spokesperson')."""
    return TITLES | {role for role in word_list("role_nouns") if " " not in role}


def _with_longer_organisations(doc: Doc, ents: list[Span]) -> list[Span]:
    """An organisation's name that goes on past the entity found: a name then capitalised
    words ending in an organisation's head noun ('Boeing Commercial Airplanes', where the
    story names only Boeing), and a committee's subjects ('Senate Committee on Commerce,
    Science, and Transportation', which the model ends at 'Commerce'). Each is one ORG named
    as written; the entities inside it give way."""
    heads = word_set("organisation_heads")
    topics = word_set("organisation_topics")
    longer: list[Span] = []
    for ent in ents:
        if ent.label_ not in ("ORG", "GPE"):
            continue
        end = ent.end
        ahead = [t for t in doc[end : end + 3]]
        run = 0
        while run < len(ahead) and ahead[run].is_title and ahead[run].is_alpha and (
                not ahead[run].is_sent_start):
            run += 1
        heads_at = [k for k in range(run) if ahead[k].lower_ in heads]
        if heads_at:
            end += heads_at[-1] + 1
        words = [t.lower_ for t in doc[ent.start : end]]
        covers = any(a in topics and b in ("on", "of", "for") for a, b in zip(
            words, words[1:], strict=False))
        if covers and doc[end - 1].is_title:
            end = _listed_subjects_end(doc, end)
        if end > ent.end:
            longer.append(Span(doc, ent.start, end, label="ORG",
                               kb_id=clean_name(doc[ent.start : end].text)))
    return _replacing(ents, longer)


def _listed_subjects_end(doc: Doc, end: int) -> int:
    """Where ', Science, and Transportation' ends after 'Committee on Commerce'."""
    i = end
    while i < len(doc):
        j = i
        while j < len(doc) and doc[j].text in (",", "and", "&"):
            j += 1
        if j == i or j >= len(doc) or not doc[j].is_title or doc[j].is_sent_start:
            return end
        end = i = j + 1
        if doc[j - 1].text in ("and", "&"):
            return end
    return end


def _with_missed_names(doc: Doc, words: Words, ents: list[Span]) -> list[Span]:
    """The entities plus names the model left out, each by a rule of its own: the author of
    an embedded post, a one-letter platform, the outlet a statement went to or a report came
    from (or its journalist), a person named with a role, and a name listed among others the
    model found."""
    found: list[Span] = []
    for rule in (_post_authors, _platform_letters, _outlets_named, _people_by_role,
                 _listed_names):
        taken = {i for span in (*ents, *found) for i in range(span.start, span.end)}
        found += rule(doc, words, [*ents, *found], taken)
    return sorted([*ents, *found], key=lambda span: span.start)


def _post_authors(doc: Doc, words: Words, ents: list[Span], taken: set[int]) -> list[Span]:
    """The author of an embedded post, signed '— Tibor Blaho (@btibor91) November 26, 2024':
    the words between the dash and the handle, as a PERSON (a handle is a person's here)."""
    found = []
    text = words.text
    for i in range(2, len(text)):
        if not (text[i].startswith("@") and len(text[i]) > 1 and text[i - 1] == "("):
            continue
        name_end = i - 1
        dash = next((k for k in range(name_end - 1, max(name_end - LONGEST_NAME - 1, -1), -1)
                     if doc[k].text in ("—", "–", "-", "--")), None)
        if dash is None or dash + 1 >= name_end or taken & set(range(dash + 1, name_end)):
            continue
        name = doc[dash + 1 : name_end]
        found.append(Span(doc, name.start, name.end, label="PERSON", kb_id=name.text))
    return found


def _platform_letters(doc: Doc, words: Words, ents: list[Span], taken: set[int]
                      ) -> list[Span]:
    """A capital letter alone is a platform's name where the words around it say so: 'users
    on X', 'the X handle', 'social media platform X.'. Not 'X-ray', 'Model X' or 'Plan B'."""
    cues = word_table("platform_cues")
    found = []
    for i, text in enumerate(words.text):
        if i in taken or not (len(text) == 1 and text.isupper()
                              or len(text) == 2 and _LETTER_WITH_STOP.fullmatch(text)):
            continue
        token = doc[i]
        before = doc[token.i - 1].lower_ if token.i else ""
        after = doc[token.i + 1].lower_ if token.i + 1 < len(doc) else ""
        if cues.get(before) == "before" and not (after == "-" and not token.whitespace_) or (
                cues.get(after) == "after"):
            found.append(Span(doc, token.i, token.i + 1, label="ORG",
                              kb_id=clean_name(token.text)))
    return found


def _outlets_named(doc: Doc, words: Words, ents: list[Span], taken: set[int]) -> list[Span]:
    """The outlet a statement went to or a report came from, when the model missed it: 'In a
    statement to The Verge', 'a report from The Information', 'Techcrunch reported', and the
    outlet's journalist ("told CNN's Jane Roe"). One to four capitalised words, 'The'
    included; an ORG unless they read as a person's name."""
    cues = [tuple(cue.split()) for cue in word_list("outlet_cues")]
    found = []
    i = 0  # the first token a name may start at (after the last one found)
    for start in words.name_or_the_starts:
        end = _capitalised_run_end(words, start, taken, allow_the=True) if start >= i else start
        if end == start:
            continue
        i = start
        outlet = _outlet_of(doc, i, ents)  # "told CNN's Jane Roe": the outlet's journalist
        cue_end = outlet.start if outlet is not None else i
        before = tuple(t.lower_ for t in doc[max(cue_end - 2, 0) : cue_end])
        cued = any(before[-len(cue):] == cue for cue in cues)
        reports = end < len(doc) and doc[end].lemma_ == "report" and doc[end].pos_ == "VERB"
        if cued or reports:
            label = "PERSON" if _reads_as_person(doc[i:end]) else "ORG"
            found.append(Span(doc, i, end, label=label, kb_id=clean_name(doc[i:end].text)))
        i = end
    return found


def _outlet_of(doc: Doc, i: int, ents: list[Span]) -> Span | None:
    """The organisation whose possessive stands just before token i ("CNN's" before a name)."""
    if i < 2 or doc[i - 1].tag_ != "POS":
        return None
    return next((e for e in ents if e.end == i - 1 and e.label_ == "ORG"), None)


def _people_by_role(doc: Doc, words: Words, ents: list[Span], taken: set[int]) -> list[Span]:
    """A person the model missed where the text gives their role right after the name: 'Jane
    Roe, Acme's president and CEO, will retire', 'Jane Roe, a spokesperson, said'. Two or
    three capitalised proper nouns, a comma, and a role noun within the next words."""
    roles = _person_prefixes()
    found = []
    i = 0  # the first token a name may start at (after the last one found)
    for start in words.name_starts:
        end = _capitalised_run_end(words, start, taken) if start >= i else start
        if end == start:
            continue
        i = start
        after = doc[end + 1 : end + 1 + LONGEST_NAME]
        if _reads_as_person(doc[i:end]) and end < len(doc) and doc[end].text == "," and any(
                t.lower_ in roles for t in after):
            found.append(Span(doc, i, end, label="PERSON", kb_id=doc[i:end].text))
        i = end
    return found


def _listed_names(doc: Doc, words: Words, ents: list[Span], taken: set[int]) -> list[Span]:
    """Names listed with others the model found: in 'rivals like Minimax, Google, and Meta'
    only Meta is an ORG, so Minimax and Google are too. A list has three names or more, at
    least one an entity; the others take the label the entities have (ORG first)."""
    starts = {ent.start: ent for ent in ents if ent.label_ in NAME_LABELS}
    found: list[Span] = []
    i = 0
    while i < len(doc):
        if i not in starts and (i in taken or not words.proper_name[i]):
            i += 1  # no entity and no name starts here: no list does
            continue
        items: list[tuple[int, int, Span | None]] = []
        j = i
        while j < len(doc):
            ent = starts.get(j)
            end = ent.end if ent is not None else _capitalised_run_end(words, j, taken)
            if end == j:
                break
            items.append((j, end, ent))
            k = end
            if k < len(doc) and doc[k].text == ",":
                k += 1
            if k < len(doc) and doc[k].lower_ in ("and", "or", "&"):
                k += 1
            if k == end:
                break
            j = k
        known = [ent.label_ for _, _, ent in items if ent is not None]
        if len(items) >= 3 and known and len(known) < len(items):
            label = "ORG" if "ORG" in known else max(set(known), key=known.count)
            found += [Span(doc, s, e, label=label, kb_id=clean_name(doc[s:e].text))
                      for s, e, ent in items if ent is None]
        i = items[-1][1] if items else i + 1
    return found


def _capitalised_run_end(words: Words, i: int, taken: set[int], allow_the: bool = False) -> int:
    """The end of a name the model missed starting at token i (i itself: none): up to four
    capitalised proper nouns outside any entity ('Minimax', 'Luma Labs'), after 'The' when
    allowed ('The Information'); not a sentence's first word unless a proper noun."""
    tokens, proper, noun = words.tokens, words.proper_name, words.noun_name
    if i in taken or not (proper[i] or allow_the and words.text[i] == "The"):
        return i  # nothing a name could start with (a quick answer for most words)
    end = i
    if allow_the and i + 1 < len(tokens) and words.text[i] == "The" and (
            not tokens[i].is_sent_start):
        end = i + 1
    first = end
    while end < len(tokens) and end - first < LONGEST_NAME and end not in taken and (
            proper[end] or first > i and noun[end]) and (
            end == first or not tokens[end].is_sent_start):
        end += 1
    return end if end > first and i not in taken else i


def _name_shaped(token: Token) -> bool:
    """Capitalised like a word of a name: 'Minimax', 'NASA', not 'A' or 'iPhone'. A word of a
    name (`_capitalised_run_end`) is so shaped and a proper noun (or any noun after 'The')."""
    return token.is_alpha and token.text[:1].isupper() and not token.is_upper or (
        token.is_upper and token.is_alpha and len(token.text) > 1)


def _reads_as_person(span: Span) -> bool:
    """'Jane Smith' (two or three capitalised words), not 'The Verge' or 'NBC News'."""
    return 2 <= len(span) <= 3 and span[0].text != "The" and all(t.is_title for t in span)


def _replacing(ents: list[Span], longer: list[Span]) -> list[Span]:
    """The entities with the longer spans in place of those they overlap."""
    if not longer:
        return ents
    covered = {k for span in longer for k in range(span.start, span.end)}
    kept = [e for e in ents if not covered & set(range(e.start, e.end))]
    merged: list[Span] = []
    for span in sorted(longer, key=lambda s: (s.start, -len(s))):
        if not merged or span.start >= merged[-1].end:
            merged.append(span)
    return sorted(kept + merged, key=lambda span: span.start)


def initials(name: str) -> str:
    """'National Transportation Safety Board' -> 'ntsb'; a one-word name has none worth using."""
    words = [w for w in clean_name(name).split() if w[:1].isupper()]
    return "".join(w[0] for w in words).lower() if len(words) > 1 else ""


def _after_title(ent: Span) -> bool:
    """'Mr. Obama', 'President Obama': a name after a title is a surname, not a first name."""
    before = ent.doc[ent.start - 1].text.lower().rstrip(".") if ent.start else ""
    return before in TITLES


def _first_names(ents: list[Span]) -> dict[str, str]:
    """First name -> full name, for the people the text names in full ('Susanna Anderson'),
    when no two of them share the first name."""
    seen: dict[str, set[str]] = {}
    for ent in ents:
        words = ent.text.split()
        if ent.label_ == "PERSON" and len(words) == 2 and all(w[:1].isupper() for w in words):
            seen.setdefault(words[0].lower(), set()).add(clean_name(ent.text))
    return {first: next(iter(full)) for first, full in seen.items() if len(full) == 1}


def _two_proper_nouns(ent: Span) -> bool:
    return len(ent) == 2 and all(t.pos_ == "PROPN" and t.is_title for t in ent)


def _missed_full_names(doc: Doc, words: Words) -> dict[str, Span]:
    """Two capitalised proper nouns outside any entity ('Maren Solvik, an animator'), by their
    last word: a full name the model missed, kept only if the surname is later an entity."""
    tokens, pos = words.tokens, words.pos
    found: dict[str, Span] = {}
    for i in range(1, len(tokens)):
        if not pos[i] == pos[i - 1] == "PROPN" or i > 1 and pos[i - 2] == "PROPN" or (
                i + 1 < len(tokens) and pos[i + 1] == "PROPN"):
            continue
        token, first = tokens[i], tokens[i - 1]
        if not (token.is_title and first.is_title) or token.ent_type_ or first.ent_type_:
            continue
        found.setdefault(token.lower_, doc[i - 1 : i + 1])
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
