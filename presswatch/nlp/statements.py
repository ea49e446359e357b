"""One record per thing said: map quotes from many articles onto statements.

A statement is one thing one speaker said. Quotes of it differ (punctuation, truncation, a
shortened or spliced quote, indirect in one article and direct in another), so a quote joins a
statement of the same speaker when their content words largely overlap: most of the quote is in
the statement, or most of the statement is in the quote, or the two sets mostly agree. A word
said in one and negated in the other ("is" / "is not voluntary") always keeps them apart.

Speakers are unified first: a story entity by any alias ("Felix", "OpenAI's Niko Felix"), other
people by full name (a bare surname joins the one known full name it ends), an unnamed role
("a spokesperson for OpenAI", "an OpenAI spokeswoman") as the role of its organisation ("OpenAI
spokesperson"), which stays its own speaker: the same words from an unnamed spokesperson and from
Niko Felix are two statements, as are the same words from two people. Only a quote whose speaker
is a mere description ("the group") or nobody (an unresolved "he") may join anyone's statement,
on a stricter bar.

Identity: a statement's id is stable_id(speaker key, folded words of its first version), decided
when first seen and never changed; later versions add quotes, may make its text fuller or its
first appearance earlier, and never create a second statement. Everything the matching needs is
in the `statements` table (speaker, organisation, text) and `statement_fingerprints` (the content
words of every version seen, so a paraphrase is compared with all of them):
`StatementIndex(directory, statements, fingerprints)` rebuilds it. n_articles and n_outlets are
counted by the warehouse in SQL from quotes and articles (see `touched`): only it sees every
quote.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from difflib import SequenceMatcher
from functools import cache, cached_property, lru_cache

from presswatch.nlp.data import word_list, word_table
from presswatch.nlp.relevance import fold, words
from presswatch.records import Article, Quote, Statement, as_utc, stable_id
from presswatch.story import Story

MIN_CONTENT_WORDS = 4  # fewer content words: only an exact version or a whole fragment matches
SAME_SPEAKER = {"containment": 0.75, "jaccard": 0.6, "min_fragment": 1, "growth": True}
# A quote with no speaker, or only a description, joins anyone's statement on this stricter bar.
# It must be a version of (a part of) the statement: never a fuller quote around it.
ANYONE = {"containment": 0.9, "jaccard": 0.75, "min_fragment": MIN_CONTENT_WORDS, "growth": False}
# An attribution the NLP stage is unsure of (a stance or belief verb, a question put to someone:
# confidence < 0.5) joins a statement it matches but never founds one: a new statement is what
# alerts fire on, and a guess must not be news.
MIN_CONFIDENCE_TO_CREATE = 0.5
# A speaker known only by a description the text gives no actor for ("Some users argued that
# ...", "critics say ...") is likewise no founder: a statement is an actor's, for an analyst to
# follow and an alert to name. The quote keeps its words as written (quotes.speaker_text) and
# joins a statement it matches on the ANYONE bar.
MAX_GROWTH = 2.0  # a quote may hold a statement plus at most this much more and still be it
SMALL_BUCKET = 64  # a speaker with at most this many statements is simply compared with all
EDGE_WORDS = 3  # words that must agree where a quote and a sentence of a statement begin and end
VERBATIM_WORDS = 5  # a quote of this many words found word for word in a statement is part of it
NEARLY_WHOLE = 0.7  # content words two texts share for an excerpt to be a version of the whole
INSIDE_SHARE = 0.9  # of a cut's words, in order, that one sentence must hold for the cut to be its
# Where one sentence ends and the next begins: a full stop, question or exclamation mark (and
# any closing marks) before a space and a capital letter or an opening mark.
# Words in quotation marks inside a mixed quote (its content may end before the closing mark).
QUOTED_RUN = re.compile(r"[“\"]([^”“\"]+)(?:[”\"]|$)")
# The first word of a quote when it is in lower case (a capital is a name or a sentence's start).
CHARGE_OPENING = re.compile(r"^\W*([a-z]+)\b")
SENTENCE_BREAK = re.compile(r"[.!?][\"”’')\]]*\s+(?=[\"“‘(]?[A-Z])")


@dataclass(frozen=True)
class StatementInput:
    """One quote as statements need it: what was said, by whom, where and when."""

    quote_id: str
    article_id: str
    outlet: str
    published_at: datetime | None
    first_seen_at: datetime
    content: str
    kind: str  # direct | indirect | mixed
    speaker: str | None  # canonical name from the NLP stage
    speaker_text: str | None
    speaker_role: str | None
    confidence: float = 1.0
    start_char: int = 0

    @property
    def appeared_at(self) -> datetime:
        """When the quote first appeared: its article's date, or when we first saw it."""
        return as_utc(self.published_at or self.first_seen_at)


def statement_input(quote: Quote, article: Article, first_seen_at: datetime) -> StatementInput:
    """The input for one stored quote of one article (first_seen_at: the article's)."""
    return StatementInput(
        quote_id=quote.quote_id,
        article_id=quote.article_id,
        outlet=article.outlet,
        published_at=article.published_at,
        first_seen_at=first_seen_at,
        content=quote.content,
        kind=quote.kind,
        speaker=quote.speaker,
        speaker_text=quote.speaker_text,
        speaker_role=quote.speaker_role,
        confidence=quote.confidence,
        start_char=quote.start_char,
    )


@cache
def word_set(name: str) -> frozenset[str]:
    """A word list of presswatch/nlp/data as a set, built once: content_words runs for every
    quote."""
    return frozenset(word_list(name))


# --- speakers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Speaker:
    """A unified speaker: `key` buckets statements, `name` is what the warehouse shows."""

    key: str
    name: str
    role: str | None
    organisation: str | None
    kind: str  # person | org | role (unnamed role of an organisation) | description


def speaker_key(name: str) -> str:
    """The bucket key of a speaker name: folded words, leading determiners dropped."""
    tokens = words(name)
    determiners = word_set("relevance/statement_determiners")
    while len(tokens) > 1 and tokens[0] in determiners:
        tokens = tokens[1:]
    return " ".join(tokens)


@dataclass(frozen=True)
class _Entity:
    name: str
    label: str
    role: str | None
    organisation: str | None


class FullNames:
    """Names of two words or more by their last word: a bare surname finds its full names
    without reading every name known."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._by_last: dict[str, set[str]] = {}
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        named = words(name)
        if len(named) > 1:
            self._by_last.setdefault(named[-1], set()).add(name)

    def ending(self, surname: str) -> set[str]:
        return self._by_last.get(surname, set())


class SpeakerDirectory:
    """The story's people and organisations, and the rules that unify speaker mentions."""

    def __init__(self, story: Story) -> None:
        self._entities: dict[str, _Entity] = {}
        self._aliases: list[tuple[tuple[str, ...], _Entity]] = []
        # actors articles describe but never name ("OpenAI spokesperson" for an unnamed one):
        # the unnamed role of their organisation, not a person
        self._described = {entity.name: entity.organisation for entity in story.entities
                           if not entity.named_in_text and entity.organisation}
        for entity in story.entities:
            if not entity.named_in_text:
                continue
            known = _Entity(entity.name, entity.label, entity.role, entity.organisation)
            self._entities[entity.name] = known
            for spelling in (entity.name, *entity.aliases):
                self._aliases.append((tuple(words(spelling)), known))
        self._aliases.sort(key=lambda alias: -len(alias[0]))  # "Niko Felix" before "Felix"
        # where each alias stands in that order, by its first word (an alias of no words
        # is in every text): _find tries only the aliases whose first word the text has
        self._alias_starts: dict[str, list[int]] = {}
        for number, (alias, _) in enumerate(self._aliases):
            self._alias_starts.setdefault(alias[0] if alias else "", []).append(number)
        self._role_synonyms = word_table("relevance/statement_roles")
        self._nobody = set(word_table("pronouns")) | word_set("relevance/statement_non_speakers")
        self._determiners = word_set("relevance/statement_determiners")
        self._place_prepositions = word_set("relevance/statement_place_prepositions")

    def resolve(self, quote: StatementInput,
                full_names: FullNames | None = None) -> Speaker | None:
        """The unified speaker of a quote, or None when it has none (a bare pronoun).

        In order: a story person named anywhere in the mention ("OpenAI's Niko Felix"); an
        unnamed role of an organisation ("a spokesperson for OpenAI" -> OpenAI spokesperson);
        a story organisation; the NLP stage's canonical name; a capitalised name ("Solvik",
        joined to the one full name it ends); else the description as written ("the group").
        """
        text = " ".join(t for t in (quote.speaker_text, quote.speaker_role) if t)
        if quote.speaker in self._described:
            name = quote.speaker
            return Speaker(speaker_key(name), name, name, self._described[name], "role")
        canonical = self._entities.get(quote.speaker or "")
        person = canonical if canonical and canonical.label == "PERSON" else None
        person = person or self._find(text, "PERSON")
        if person is not None:
            return self._named(person, quote.speaker_role)
        role = self._role(text)
        # Only an organisation at the head of the mention speaks: in "security researchers on
        # X" or "artists from OpenAI's alpha" the researchers and the artists do.
        head_text = self._before_place(quote.speaker_text)
        org = canonical if canonical and canonical.label != "PERSON" else None
        named_after_place = (self._find(quote.speaker_text or "", None) is not None
                             and self._find(head_text, None) is None)
        if org is not None and named_after_place:
            org = None
        role_head = self._before_place(quote.speaker_role)
        org = org or self._find(" ".join(t for t in (head_text, role_head) if t), None)
        if role is not None:
            org_name = (org.name if org
                        else self._capitalised_in(quote.speaker_text or quote.speaker_role or "")
                        or self._organisation_of_role(quote.speaker))
            if org_name:
                name = f"{org_name} {role}"
                return Speaker(speaker_key(name), name, name, org_name, "role")
        if org is not None:
            return self._named(org, None)
        if quote.speaker and (canonical is None or canonical.label == "PERSON"):
            return self._person(quote.speaker, quote.speaker_role, full_names)
        mention = (quote.speaker_text or "").strip()
        if not mention or fold(mention) in self._nobody:
            return None
        if _looks_like_name(mention):
            return self._person(_strip_possessor(mention), quote.speaker_role, full_names)
        return Speaker(speaker_key(mention), mention, quote.speaker_role, None, "description")

    def speaker_of(self, statement: Statement) -> Speaker:
        """The speaker of a stored statement, rebuilt from its row."""
        entity = self._entities.get(statement.speaker)
        if entity is not None:
            return self._named(entity, statement.speaker_role)
        tokens = words(statement.speaker)
        if statement.organisation and tokens and self._role_synonyms.get(tokens[-1]):
            kind = "role"
        elif _looks_like_name(statement.speaker):
            kind = "person"
        else:
            kind = "description"
        return Speaker(speaker_key(statement.speaker), statement.speaker,
                       statement.speaker_role, statement.organisation, kind)

    def _named(self, entity: _Entity, stated_role: str | None) -> Speaker:
        kind = "person" if entity.label == "PERSON" else "org"
        organisation = entity.organisation if kind == "person" else entity.name
        role = entity.role or stated_role
        return Speaker(speaker_key(entity.name), entity.name, role, organisation, kind)

    def _person(self, name: str, role: str | None, full_names: FullNames | None) -> Speaker:
        """A person outside the story's list; a bare surname joins the one full name it ends."""
        tokens = words(name)
        if len(tokens) == 1 and full_names is not None:
            matches = full_names.ending(tokens[0])
            if len(matches) == 1:
                (name,) = matches
        return Speaker(speaker_key(name), name, role, None, "person")

    def _find(self, text: str, label: str | None) -> _Entity | None:
        """The longest story entity named in the text (of this label; None: not a person)."""
        tokens = words(text)
        numbers = sorted(number for word in {"", *tokens}
                         for number in self._alias_starts.get(word, ()))
        for alias, entity in (self._aliases[number] for number in numbers):
            if (entity.label == "PERSON") != (label == "PERSON"):
                continue
            n = len(alias)
            if any(tuple(tokens[i : i + n]) == alias for i in range(len(tokens) - n + 1)):
                return entity
        return None

    def _before_place(self, mention: str | None) -> str:
        """The mention up to its first place preposition: who, not where."""
        kept = []
        for word in (mention or "").split():
            if fold(word) in self._place_prepositions:
                break
            kept.append(word)
        return " ".join(kept)

    def _role(self, text: str) -> str | None:
        """The spokesperson-like role named in a mention, in its one spelling."""
        for token in words(text):
            if token in self._role_synonyms:
                return self._role_synonyms[token]
        return None

    def _organisation_of_role(self, speaker: str | None) -> str | None:
        """The organisation of a role the attribution stage already resolved ("the company's
        spokesperson" -> speaker "OpenAI spokesperson"): a story organisation named in it, else
        its capitalised words before the role ("Meta spokesperson" -> Meta)."""
        if not speaker or self._role(speaker) is None:
            return None
        named = self._find(speaker, None)
        if named is not None:
            return named.name
        return self._capitalised_in(speaker)

    def _capitalised_in(self, mention: str) -> str | None:
        """'a Meta spokesperson', 'a spokesman for Meta' -> Meta (an organisation not listed)."""
        names = [w.strip(",.") for w in mention.replace("'s", "").split() if w[:1].isupper()]
        skip = self._role_synonyms.keys() | self._determiners
        return " ".join(w for w in names if fold(w) not in skip) or None


def _looks_like_name(text: str) -> bool:
    """'Maren Solvik', 'Solvik', "OpenAI's Niko Felix": every word capitalised."""
    parts = [p for p in text.replace("'s", "").split() if p]
    return 0 < len(parts) <= 5 and all(p[:1].isupper() for p in parts)


def _strip_possessor(name: str) -> str:
    """"Hugging Face's Jane Smith" -> "Jane Smith"."""
    return name.rsplit("'s ", 1)[-1].rsplit("\u2019s ", 1)[-1].strip()


# --- text comparison -------------------------------------------------------------------------


NEGATED = "not:"
_NUMBER_UNIT = re.compile(r"^(\d+)[a-z]+$")  # "150b" -> "150", as "$150 billion" gives "150"


@lru_cache(maxsize=1 << 18)
def _stem(word: str) -> str:
    """A crude English stem, enough for tense and number to differ between two versions
    ("shaped" / "shape", "provided" / "provides", "artists" / "artist")."""
    number = _NUMBER_UNIT.match(word)
    if number:
        return number.group(1)
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + keep
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def content_words(text: str) -> frozenset[str]:
    """Stems of a quote's content words; a negated one is marked ("is not voluntary" ->
    not:voluntary)."""
    function_words = word_set("relevance/statement_function_words")
    negations = word_set("relevance/statement_negations")
    found: set[str] = set()
    negate = False
    for token in words(text):
        if token in negations:
            negate = True
        elif token not in function_words:
            found.add(NEGATED + _stem(token) if negate else _stem(token))
            negate = False
    return frozenset(found)


def _negated(words_: frozenset[str]) -> frozenset[str]:
    """The words said negated ("not:voluntary" -> "voluntary")."""
    return frozenset(w[len(NEGATED):] for w in words_ if w.startswith(NEGATED))


def _contradicts(a: frozenset[str], b: frozenset[str], a_negated: frozenset[str],
                 b_negated: frozenset[str]) -> bool:
    """One says a word only negated, the other only plainly: "is voluntary" against "is not
    voluntary" (a statement of several sentences may say a word both ways: no contradiction)."""
    only_negated_a, only_negated_b = a_negated - a, b_negated - b
    return bool((only_negated_a & b) - b_negated) or bool((only_negated_b & a) - a_negated)


def is_charge(content: str, kind: str) -> bool:
    """Whether reported words are a charge, not a claim: an indirect quote that opens on a
    gerund ("having hundreds of artists provide unpaid testing", from 'criticised X for having
    ...'; "exploiting artists", from 'accused X of exploiting ...') is what the writer says
    someone is blamed for. It holds words of what the accusers said but not their claim, so it
    is the same statement only where the two mostly agree."""
    return kind == "indirect" and opens_on_gerund(content)


def opens_on_gerund(text: str) -> bool:
    """'having artists test ...' yes; not a clause ('it was exploiting artists'), a name
    ('Boeing will ...') or an indefinite pronoun ('nothing has changed')."""
    first = next(iter(CHARGE_OPENING.findall(text)), "")
    return first.endswith("ing") and first not in word_set("relevance/statement_non_gerunds")


def quoted_words(quote: StatementInput) -> str:
    """The longest run in quotation marks inside a mixed quote, when it says enough to be
    compared on its own (MIN_CONTENT_WORDS content words); else ''."""
    if quote.kind != "mixed":
        return ""
    runs = sorted(QUOTED_RUN.findall(quote.content), key=len, reverse=True)
    return runs[0] if runs and len(content_words(runs[0])) >= MIN_CONTENT_WORDS else ""


def sentence_count(text: str) -> int:
    """Sentences in a quote's text: 'We are not against it. What we object to is how.' is 2."""
    return 1 + len(SENTENCE_BREAK.findall(text.strip()))


def sentence_words(text: str) -> tuple[tuple[str, ...], ...]:
    """The folded words of each sentence of a text."""
    return tuple(tuple(folded) for sentence in SENTENCE_BREAK.split(text.strip())
                 if (folded := words(sentence)))


def is_excerpt(folded: list[str], sentences: tuple[tuple[str, ...], ...]) -> bool:
    """Whether a quote is some whole sentences of a longer statement, not all of them, or at
    least VERBATIM_WORDS words cut from inside one of its sentences (is_cut_from).

    "We are not against the use of AI technology as a tool for the arts," quoted alone, is the
    first sentence of the paragraph "We are not against ... What we don't agree with is ...":
    a statement of its own, as the paragraph quoted after the sentence is (a fuller quote that
    adds a sentence), and so is "We are not against the use of AI technology", which is only
    that sentence's. A shorter cut ("Participation is voluntary") is a version of the whole.
    """
    if len(sentences) < 2 or not folded:
        return False
    if len(folded) >= VERBATIM_WORDS and any(is_cut_from(folded, s) for s in sentences):
        return True
    head, tail = folded[:EDGE_WORDS], folded[-EDGE_WORDS:]
    first = next((i for i, s in enumerate(sentences)
                  if list(s[:EDGE_WORDS]) == head[:len(s[:EDGE_WORDS])]), None)
    if first is None:
        return False
    last = next((i for i in range(len(sentences) - 1, first - 1, -1)
                 if list(sentences[i][-EDGE_WORDS:]) == tail[-len(sentences[i][-EDGE_WORDS:]):]),
                None)
    return last is not None and (first, last) != (0, len(sentences) - 1)


def _nearly_whole(quote: frozenset[str], text: frozenset[str]) -> bool:
    """Whether two texts, one some sentences of the other, share most of their content words
    (NEARLY_WHOLE of their union): the paragraph quoted without its short opening sentence is a
    version of the paragraph, not a part of its own ("What we object to is how ... We share
    this in the hope that ..." of "We are not against X. What we object to is how ... We share
    this ..."), while one sentence of three stays a part."""
    return bool(quote and text) and len(quote & text) / len(quote | text) >= NEARLY_WHOLE


def is_cut_from(folded: list[str], sentence: tuple[str, ...]) -> bool:
    """Whether a quote's words are, in order, all but a few (INSIDE_SHARE) of a stretch of one
    sentence: a copy's misread word ("Al technology" for "AI technology") keeps it a cut."""
    allowed = len(folded) - math.ceil(INSIDE_SHARE * len(folded))
    if len(set(folded) - set(sentence)) > allowed:
        return False
    blocks = SequenceMatcher(None, folded, sentence, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) >= len(folded) - allowed


def _matches(quote: frozenset[str], quote_negated: frozenset[str], known: _Known,
             bar: dict[str, float], sentences: int = 1, unsure: bool = False) -> float:
    """How well a quote's words fit a statement (0: they are different statements).

    The quote is compared with the statement's vocabulary (every word its versions used) to ask
    "is this a version of a part of it", and with its fullest text to ask "is it a part of this
    fuller quote" or "do the two mostly agree". A fuller quote that adds a sentence of its own
    (`sentences` more than the statement's) says something more: it is not a version of it, or
    two statements quoted together would become one. An unsure attribution (`unsure`: a stance
    or belief verb) is the writer's summary: it joins only a statement it mostly agrees with,
    never one merely holding its words, or a loose paraphrase would join what it paraphrases.
    """
    text, vocabulary = known.words, known.vocabulary
    if not quote or not text:
        return 0.0
    # a charge neither joins by holding a statement's words nor takes a fuller one in
    unsure = unsure or known.is_charge
    in_vocabulary = len(quote & vocabulary) / len(quote)
    shared = len(quote & text)
    jaccard = shared / len(quote | text)
    in_quote = shared / len(text)
    if len(quote) < MIN_CONTENT_WORDS or len(text) < MIN_CONTENT_WORDS:
        # short fragments only when wholly inside a statement, never by partial overlap
        fits = in_vocabulary == 1.0 and len(quote) >= bar["min_fragment"]
        score = jaccard + in_vocabulary
    else:
        fits = (
            jaccard >= bar["jaccard"]
            or (in_vocabulary >= bar["containment"] and not unsure)
            or (bar["growth"] and in_quote >= bar["containment"] and not unsure
                and len(quote) <= MAX_GROWTH * len(text) and sentences <= known.sentences)
        )
        score = jaccard + max(in_vocabulary, in_quote)
    if not fits or _contradicts(quote, vocabulary, quote_negated, known.negated):
        return 0.0
    return score


# --- the index -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementFingerprint:
    """A row of `statement_fingerprints`: the content words every version of a statement used,
    so that a later paraphrase is compared with all of them, not with one text."""

    statement_id: str
    words: list[str]


@dataclass
class _Known:
    statement: Statement
    speaker: Speaker
    words: frozenset[str]  # content words of the fullest text
    vocabulary: frozenset[str]  # content words of every version
    rank: tuple[bool, int]  # (is a direct or mixed quote, content words): fuller text wins
    folded: str  # all folded words of the text, for exact matches of word-less quotes
    negated: frozenset[str] = frozenset()  # words the vocabulary holds negated
    sentences: int = 1  # sentences in the fullest text
    by_sentence: tuple[tuple[str, ...], ...] = ()  # sentence_words of the fullest text

    @property
    def spaced(self) -> str:
        return f" {self.folded} "

    @cached_property
    def is_charge(self) -> bool:
        """A statement founded by a charge (is_charge; a stored one's kind is not kept); read
        once, not on every comparison (its text never changes: _put builds a new entry)."""
        return opens_on_gerund(self.statement.text)


class StatementIndex:
    """Statements so far, bucketed by speaker, with an inverted index of their vocabulary.

    Built from the `statements` rows and, when stored, their `statement_fingerprints`.
    """

    def __init__(self, directory: SpeakerDirectory, statements: Iterable[Statement] = (),
                 fingerprints: Iterable[StatementFingerprint] = ()) -> None:
        self.directory = directory
        self._known: dict[str, _Known] = {}
        self._by_speaker: dict[str, set[str]] = {}
        self._by_word: dict[str, set[str]] = {}
        self._by_folded: dict[str, set[str]] = {}
        self.speakers: dict[str, Speaker] = {}
        vocabularies = {f.statement_id: frozenset(f.words) for f in fingerprints}
        for statement in statements:
            self._put(statement, self.directory.speaker_of(statement), None,
                      vocabularies.get(statement.statement_id, frozenset()))

    def __len__(self) -> int:
        return len(self._known)

    def get(self, statement_id: str) -> Statement | None:
        known = self._known.get(statement_id)
        return known.statement if known else None

    def fingerprint(self, statement_id: str) -> StatementFingerprint:
        return StatementFingerprint(statement_id, sorted(self._known[statement_id].vocabulary))

    def _put(self, statement: Statement, speaker: Speaker, rank: tuple[bool, int] | None,
             more_words: frozenset[str] = frozenset()) -> None:
        """Index a statement (again); rank None: a stored one, whose kind of quote is unknown."""
        statement_id = statement.statement_id
        old = self._known.get(statement_id)
        text_words = content_words(statement.text)
        rank = rank or (True, len(text_words))
        vocabulary = text_words | more_words | (old.vocabulary if old else frozenset())
        self._known[statement_id] = _Known(
            statement, speaker, text_words, vocabulary, rank, " ".join(words(statement.text)),
            _negated(vocabulary), sentence_count(statement.text), sentence_words(statement.text),
        )
        self._by_speaker.setdefault(speaker.key, set()).add(statement_id)
        for word in vocabulary:
            self._by_word.setdefault(word, set()).add(statement_id)
        self._by_folded.setdefault(self._known[statement_id].folded, set()).add(statement_id)
        self.speakers.setdefault(speaker.key, speaker)

    def full_names(self) -> list[str]:
        return [s.name for s in self.speakers.values() if s.kind == "person"]

    def best_match(self, speaker: Speaker | None, quote: frozenset[str], folded: str,
                   sentences: int = 1, unsure: bool = False, by_sentence: tuple = ()) -> str | None:
        """The statement this quote is a version of, if any: first among the speaker's own;
        then, for a quote whose speaker is only a description ("the group") or nobody, among
        anyone's on a stricter bar, since the description may be a named speaker elsewhere.
        `sentences` and `unsure` as for `_matches`. An excerpt of a statement, or a statement
        that is an excerpt of this quote (is_excerpt; `by_sentence`: its sentence_words), is a
        statement of its own: part of the fuller one (whole_of, parts_of), unless the two share
        nearly all their words (_nearly_whole): then it is a version. A quote with no
        speaker to found a part ("he said") joins the statement it is an excerpt of."""
        searches = []
        if speaker is not None:
            searches.append((self._by_speaker.get(speaker.key, set()), SAME_SPEAKER))
        if speaker is None or speaker.kind == "description":
            searches.append((None, ANYONE))
        negated = _negated(quote)
        folded_words = folded.split()
        for bucket, bar in searches:
            best: tuple[float, str] | None = None
            for statement_id in self._candidates(bucket, quote, folded, bar):
                known = self._known[statement_id]
                nearly_whole = _nearly_whole(quote, known.words)
                if folded == known.folded:
                    score = 3.0
                elif is_excerpt(folded_words, known.by_sentence) and not nearly_whole:
                    if bucket is not None:
                        continue
                    score = 2.0  # found by its words alone, so no part of its own
                elif is_excerpt(known.folded.split(), by_sentence) and not nearly_whole:
                    continue
                elif len(folded_words) >= VERBATIM_WORDS and f" {folded} " in known.spaced:
                    score = 2.5  # word for word inside it, however short in content words
                else:
                    score = _matches(quote, negated, known, bar, sentences, unsure)
                if score > 0 and (best is None or (score, statement_id) > best):
                    best = (score, statement_id)
            if best is not None:
                return best[1]
        return None

    def whole_of(self, speaker: Speaker, folded: str) -> str | None:
        """The speaker's fuller statement a quote is an excerpt of (is_excerpt), if any: the
        fullest one, or the one that is part of."""
        folded_words = folded.split()
        found = [self._known[i] for i in self._by_speaker.get(speaker.key, ())
                 if is_excerpt(folded_words, self._known[i].by_sentence)]
        if not found:
            return None
        fullest = max(found, key=lambda k: (len(k.words), k.statement.statement_id))
        return fullest.statement.part_of or fullest.statement.statement_id

    def parts_of(self, speaker: Speaker, statement_id: str) -> list[str]:
        """The speaker's statements that are excerpts of a new fuller one, and their own
        parts: each becomes part of the new statement, whichever was quoted first."""
        by_sentence = self._known[statement_id].by_sentence
        parts = {i for i in self._by_speaker.get(speaker.key, ()) if i != statement_id
                 and is_excerpt(self._known[i].folded.split(), by_sentence)}
        parts |= {i for i in self._by_speaker.get(speaker.key, ())
                  if self._known[i].statement.part_of in parts}
        return sorted(parts)

    def make_part(self, statement_id: str, whole_id: str) -> None:
        """Record that a statement is part of a fuller one."""
        entry = self._known[statement_id]
        entry.statement = replace(entry.statement, part_of=whole_id)

    def _candidates(self, bucket: set[str] | None, quote: frozenset[str], folded: str,
                    bar: dict[str, float]) -> set[str]:
        """Every statement that could pass the bar, without comparing with all of them.

        Passing needs a share of the quote's words, at least `least` of them (a fuller quote
        may hold a statement plus MAX_GROWTH more), so a match must hold one of the quote's
        len(quote) - ceil(least * len(quote)) + 1 rarest words: their postings suffice.
        """
        if bucket is not None and len(bucket) <= SMALL_BUCKET:
            return bucket
        found = set(self._by_folded.get(folded, ()))
        if quote:
            least = min(bar["jaccard"], bar["containment"])
            if bar["growth"]:
                least = min(least, bar["containment"] / MAX_GROWTH)
            if len(quote) < MIN_CONTENT_WORDS:
                least = 1.0  # a fragment must lie wholly inside
            needed = len(quote) - math.ceil(least * len(quote) - 1e-9) + 1
            rarest = sorted(quote, key=lambda w: len(self._by_word.get(w, ())))[:needed]
            for word in rarest:
                found |= self._by_word.get(word, set())
        return found & bucket if bucket is not None else found

    def add_version(self, statement_id: str, quote: StatementInput,
                    content: frozenset[str]) -> tuple[bool, bool]:
        """Fold a new version into a statement: its words join the vocabulary; a fuller text or
        an earlier first appearance replace the statement's. (statement changed, words grew)"""
        entry = self._known[statement_id]
        statement = entry.statement
        updates: dict[str, object] = {}
        rank = (quote.kind != "indirect", len(content))
        if rank > entry.rank and len(content) <= MAX_GROWTH * max(len(entry.words), 1):
            updates["text"] = quote.content.strip()
        if quote.appeared_at < statement.first_seen_at:
            updates["first_seen_at"] = quote.appeared_at
            updates["first_article_id"] = quote.article_id
        grew = not content <= entry.vocabulary
        if updates or grew:
            self._put(replace(statement, **updates), entry.speaker,
                      rank if "text" in updates else entry.rank, content)
        return bool(updates), grew


# --- assignment ------------------------------------------------------------------------------


@dataclass
class StatementAssignment:
    """What one batch of quotes did to the statements.

    new: statements first seen in this batch (insert); updated: stored statements whose text
    became fuller or whose first appearance became earlier (update by statement_id; the id
    never changes); fingerprints: vocabularies of new statements and of those that grew
    (upsert into statement_fingerprints); quote_statement: quote_id -> statement_id, or None
    for a quote with no speaker that matches nothing; touched: every statement that got a quote,
    whose n_articles / n_outlets the warehouse recounts.
    """

    new: list[Statement] = field(default_factory=list)
    updated: list[Statement] = field(default_factory=list)
    fingerprints: list[StatementFingerprint] = field(default_factory=list)
    quote_statement: dict[str, str | None] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)


def assign_statements(quotes: Iterable[StatementInput], known: StatementIndex,
                      people: Iterable[str] = ()) -> StatementAssignment:
    """Map each quote to a statement, creating statements only for things not said before.

    Quotes are taken in order of first appearance, so a statement's id and first article come
    from its earliest version in the batch. `people`: canonical names of the PERSON entities in
    the batch's articles, so that "Solvik" finds "Maren Solvik" even when she is first quoted by
    surname. The index is updated in place for the next batch.
    """
    # Sure attributions first, in order of appearance, so whether an unsure one finds its
    # statement does not depend on where it stands in the batch.
    ordered = sorted(quotes, key=lambda q: (q.confidence < MIN_CONFIDENCE_TO_CREATE,
                                            q.appeared_at, q.article_id, q.start_char,
                                            q.quote_id))
    full_names = FullNames([*known.full_names(), *people])
    for quote in ordered:  # all full names first, so a bare surname can find its full name
        if quote.speaker:
            full_names.add(quote.speaker)
    result = StatementAssignment()
    created: list[str] = []
    changed: set[str] = set()
    grown: set[str] = set()
    for quote in ordered:
        speaker = known.directory.resolve(quote, full_names)
        content = content_words(quote.content)
        folded = " ".join(words(quote.content))
        may_create = quote.confidence >= MIN_CONFIDENCE_TO_CREATE
        statement_id = known.best_match(
            speaker, content, folded, sentence_count(quote.content),
            unsure=not may_create or is_charge(quote.content, quote.kind),
            by_sentence=sentence_words(quote.content),
        ) if folded else None
        quoted = quoted_words(quote) if statement_id is None else ""
        if quoted:
            # 'it was protesting on behalf of 300 artists only to "provide unpaid labor ..."':
            # the words in marks are the speaker's own, and a version of what they said
            statement_id = known.best_match(speaker, content_words(quoted),
                                            " ".join(words(quoted)), sentence_count(quoted),
                                            unsure=not may_create)
        if (statement_id is None and speaker is not None and speaker.kind != "description"
                and folded and may_create):
            statement_id = stable_id(speaker.key, folded)
            known._put(Statement(
                statement_id=statement_id,
                speaker=speaker.name,
                speaker_role=speaker.role,
                organisation=speaker.organisation,
                text=quote.content.strip(),
                first_seen_at=quote.appeared_at,
                first_article_id=quote.article_id,
                part_of=(known.whole_of(speaker, folded)
                         or (known.whole_of(speaker, " ".join(words(quoted))) if quoted else None)),
            ), speaker, (quote.kind != "indirect", len(content)))
            created.append(statement_id)
            whole = known.get(statement_id).part_of or statement_id
            for part in known.parts_of(speaker, statement_id):
                known.make_part(part, whole)
                changed.add(part)
        elif statement_id is not None:
            statement_changed, words_grew = known.add_version(statement_id, quote, content)
            if statement_changed:
                changed.add(statement_id)
            if words_grew:
                grown.add(statement_id)
        result.quote_statement[quote.quote_id] = statement_id
        if statement_id is not None:
            result.touched.add(statement_id)
    new = set(created)
    result.new = sorted((known._known[i].statement for i in created),
                        key=lambda s: (s.first_seen_at, s.statement_id))
    result.updated = [known._known[i].statement for i in sorted(changed - new)]
    result.fingerprints = [known.fingerprint(i) for i in sorted(new | grown)]
    return result
