"""Judge each article against the story, from the story file's rules alone.

Runs before the spaCy stage (only relevant articles get full NLP), so it is plain Python: text is
folded (case, accents), split into words, and the story's terms, concepts and entity names are
matched as word sequences in three zones (title, lead, body). The decision is made in steps an
analyst can follow, each giving its reason in words:

1. combinations: some combination of the story's names and terms (``require_any``, or any
   ``min_concepts`` of them) must have all its members in the article, else the score is 0.
   Where it is met sets the floor of the score: all in the title (the article is about the
   story, whatever its text says later), three or more in the opening (title and lead), mostly
   in the title, or only further down;
2. strength and breadth: how often and where the members occur, and how many of the story's
   other names and terms the article holds, raise the score from there;
3. passing mentions: a combination met only further down, in a few sentences of a longer piece
   (a newsletter's item), shrinks the score in proportion;
4. exclusions: words of another story lower it;
5. dates: with ``window_days``, an article published outside the window is not about it.

A headline that meets a combination is never dropped by the text that follows (only by an
excluded word or a date): `presswatch story check --sources` judges feed entries on their titles
with the same function, and what it keeps the run keeps. Another story needs another TOML file,
not code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from typing import NamedTuple

from presswatch.records import Article
from presswatch.records import Relevance as RelevanceResult
from presswatch.story import Story

ZONES = ("title", "lead", "body")
# Weight of one hit by zone: a title hit says what the article is about, a body hit may be an
# aside. Several hits of one concept combine as independent evidence: 1 - prod(1 - w).
ZONE_WEIGHT = {"title": 0.6, "lead": 0.45, "body": 0.2}
LEAD_MIN_WORDS = 25  # the lead is the first paragraphs until this many words...
LEAD_MAX_WORDS = 90  # ...but never more than this many
# Where the best combination is met sets the floor of the score; the strength of the met
# combinations and the breadth of the story's vocabulary fill the rest of the way to 1. A
# combination in the title clears the usual threshold (0.5) by a wide margin, so a story's core
# articles never hang on the third decimal; one of three or more names and terms in the opening
# paragraph clears it too, and one the title mostly names starts well up.
FLOOR = {"title": 0.75, "opening": 0.6, "headline": 0.4, "text": 0.0}
BREADTH_SCALE = 1.0  # summed concept evidence at which breadth reaches ~0.63
EXCLUDE_FACTOR = {"title": 0.1, "lead": 0.4, "body": 0.75}
# Below this share of its sentences (of at least MIN_SENTENCE_WORDS words) touching the story
# (any term, entity or context term), or lying between the first and last that use its terms,
# an article whose combination is met only further down shrinks in proportion: the story is an
# aside in it.
MIN_SPREAD = 0.4
MIN_SENTENCE_WORDS = 6
# Articles dated a little before the story's start still count: time zones and sloppy dates.
START_GRACE = timedelta(days=1)
MAX_MENTIONS_SHOWN = 6  # the most mentioned names and terms a reason lists

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Case- and accent-folded text, so "Filtración" and "filtracion" are one word."""
    if text.isascii():
        return text.casefold()  # nothing to decompose: the common case, and 20x faster
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """Folded word tokens; apostrophes and hyphens split ("OpenAI's" -> openai, s)."""
    return _WORD.findall(fold(text))


class _Words(NamedTuple):
    """A sentence's words as written and folded, side by side (two lists, not an object per
    word: every word of every article is read here)."""

    written: list[str]
    folded: list[str]

    def capitalised(self, i: int) -> bool:
        """Whether word i is written as names are: first character upper case or a digit."""
        first = self.written[i][0]
        return first.isupper() or first.isdigit()


def _words(text: str) -> _Words:
    written = _WORD.findall(text)
    # ASCII text folds as a whole to the same words, word for word, with one call
    folded = _WORD.findall(text.casefold()) if text.isascii() else [fold(w) for w in written]
    return _Words(written, folded)


@dataclass(frozen=True)
class _Pattern:
    """One spelling of a concept or entity as a folded word sequence."""

    words: tuple[str, ...]
    concept: str  # the name combinations and reasons use
    surface: str  # the spelling as written in the story file
    kind: str  # "entity" | "term" | "context" | "exclude"
    # A name ("Sora", "Leck"): matched only where the text writes it with a capital, so the
    # Italian word "sora" in running text is not the product.
    needs_capital: bool = False


@dataclass
class RelevanceRules:
    """A story's relevance section compiled for fast matching; build once per batch."""

    patterns_by_first_word: dict[str, list[_Pattern]]
    combos: list[tuple[str, ...]]
    threshold: float
    start_date: date
    window_days: int | None
    max_pattern_words: int = 1
    concept_kind: dict[str, str] = field(default_factory=dict)


class RelevanceRuleError(ValueError):
    """A story whose relevance rules cannot be compiled; the message names the rule."""


_INFLECTABLE = re.compile(r"[a-z]{3,}")


def _term_variants(phrase: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The phrase and the regular English forms of its last word ("leak" -> "leaks", "leaked",
    "leaking"; "protest" -> "protested"; "issue" -> "issued"): terms are nouns and verbs alike,
    and a story is told in every tense. Other languages' forms go in synonyms."""
    *rest, last = phrase
    forms = {last, last + "s", last + "es"}
    if _INFLECTABLE.fullmatch(last):
        stem = last[:-1] if last.endswith("e") else last
        forms |= {stem + "ed", stem + "ing"}
        if last.endswith("y") and last[-2] not in "aeiou":
            forms |= {last[:-1] + "ies", last[:-1] + "ied"}
    return [(*rest, form) for form in sorted(forms)]


def _spelling_patterns(spelling: str, concept: str, kind: str,
                       inflect: bool) -> list[_Pattern]:
    seq = tuple(words(spelling))
    if not seq:
        return []
    capital = spelling.strip()[:1].isupper()
    return [_Pattern(variant, concept, spelling, kind, capital)
            for variant in (_term_variants(seq) if inflect else [seq])]


def compile_rules(story: Story) -> RelevanceRules:
    """Turn the story's relevance section and entity list into word-sequence patterns."""
    rules = story.relevance
    patterns: list[_Pattern] = []
    concept_kind: dict[str, str] = {}
    entities = {e.name: e for e in story.entities}
    for name in rules.core_entities:
        entity = entities.get(name)
        concept_kind[name] = "entity"
        for spelling in [name, *(entity.aliases if entity else [])]:
            # An entity is a name whatever case the story file writes it in.
            patterns += [p if p.needs_capital else _Pattern(p.words, p.concept, p.surface,
                                                             p.kind, True)
                         for p in _spelling_patterns(spelling, name, "entity", inflect=False)]
    term_concept = {term: term for term in rules.terms}
    for concept, spellings in rules.synonyms.items():
        for spelling in spellings:
            term_concept[spelling] = concept
        term_concept.setdefault(concept, concept)
    for term, concept in term_concept.items():
        concept_kind.setdefault(concept, "term")
        patterns += _spelling_patterns(term, concept, "term", inflect=True)
    for kind, terms in (("context", rules.context_terms), ("exclude", rules.exclude_terms)):
        for term in terms:
            patterns += _spelling_patterns(term, term, kind, inflect=True)
    combos = []
    for combo in rules.require_any:
        unknown = [m for m in combo if m not in concept_kind]
        if unknown:
            raise RelevanceRuleError(
                f"story {story.id!r}: relevance.require_any names {unknown}, which is neither a "
                "core entity, a term nor a synonyms concept; add it to one of those lists"
            )
        combos.append(tuple(combo))
    if rules.min_concepts:
        named = [c for c, kind in concept_kind.items() if kind in ("entity", "term")]
        combos += [c for c in combinations(named, rules.min_concepts) if c not in combos]
    by_first: dict[str, list[_Pattern]] = {}
    for pattern in dict.fromkeys(patterns):
        by_first.setdefault(pattern.words[0], []).append(pattern)
    for options in by_first.values():
        options.sort(key=lambda p: -len(p.words))  # longest match first
    return RelevanceRules(
        patterns_by_first_word=by_first,
        combos=combos,
        threshold=rules.threshold,
        start_date=story.start_date,
        window_days=rules.window_days,
        max_pattern_words=max((len(p.words) for p in patterns), default=1),
        concept_kind=concept_kind,
    )


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019\u00bb)\]]*\s+")


def _segments(article: Article) -> list[tuple[str, int, _Words]]:
    """(zone, sentence number, words): the title (sentence -1), then each sentence of the text,
    split where the lead (first paragraphs up to ~LEAD words) ends."""
    segments = [("title", -1, _words(article.title or ""))]
    lead_words = 0
    sentences = (s for p in article.text.split("\n") for s in _SENTENCE_END.split(p))
    for number, sentence in enumerate(sentences):
        tokens = _words(sentence)
        if lead_words < LEAD_MIN_WORDS:
            room = LEAD_MAX_WORDS - lead_words
            lead = _Words(tokens.written[:room], tokens.folded[:room])
            segments.append(("lead", number, lead))
            segments.append(("body", number, _Words(tokens.written[room:], tokens.folded[room:])))
            lead_words += len(lead.folded)
        else:
            segments.append(("body", number, tokens))
    return [segment for segment in segments if segment[2].folded]


def _matches(rules: RelevanceRules, tokens: _Words) -> Iterable[_Pattern]:
    """Every pattern occurrence, longest first at each position, never overlapping."""
    folded = tokens.folded
    free = 0  # the first position after the last match
    for i, word in enumerate(folded):
        if i < free:
            continue
        for pattern in rules.patterns_by_first_word.get(word, ()):
            n = len(pattern.words)
            if tuple(folded[i : i + n]) != pattern.words:
                continue
            if pattern.needs_capital and not tokens.capitalised(i):
                continue  # "sora" in running text is a word (Italian, Japanese), not the name
            yield pattern
            free = i + n
            break


def _date_reason(rules: RelevanceRules, published_at: datetime | None) -> str | None:
    """Why the article's date puts it outside the story's window, or None (no window, no date).
    Without a window, dates do not judge: discovery already skips entries dated before the
    story began, and a date read from a page can be a guess."""
    if rules.window_days is None or published_at is None:
        return None
    day = published_at.date()
    if day < rules.start_date - START_GRACE:
        return f"published {day}, before the story began ({rules.start_date})"
    if day > rules.start_date + timedelta(days=rules.window_days):
        return (f"published {day}, after the story's window ({rules.window_days} days from "
                f"{rules.start_date})")
    return None


@dataclass
class _Found:
    """What one article holds of the story: hits per concept and zone, and how far it spreads."""

    hits: dict[str, dict[str, int]] = field(default_factory=dict)  # concept -> zone -> count
    spellings: dict[str, list[str]] = field(default_factory=dict)  # concept -> as written
    excludes: dict[str, set[str]] = field(default_factory=dict)  # exclude term -> zones
    sentences: int = 0  # sentences long enough to count
    story_sentences: int = 0  # of those, the ones that touch the story
    # Of those, how many lie from the first to the last that uses the story's terms (names
    # aside, since a company's name runs through all its news, and context words, which prove
    # nothing alone): an interview returns to the story all the way down, a newsletter's item
    # is over in a few sentences.
    story_span: int = 0


def _find(article: Article, rules: RelevanceRules) -> _Found:
    found = _Found()
    sentence_words: dict[int, int] = {}
    touched: set[int] = set()
    worded: set[int] = set()
    for zone, sentence, tokens in _segments(article):
        if sentence >= 0:
            sentence_words[sentence] = sentence_words.get(sentence, 0) + len(tokens.folded)
        for pattern in _matches(rules, tokens):
            touched.add(sentence)
            if pattern.kind == "term":
                worded.add(sentence)
            if pattern.kind == "context":
                continue
            if pattern.kind == "exclude":
                found.excludes.setdefault(pattern.concept, set()).add(zone)
                continue
            per_zone = found.hits.setdefault(pattern.concept, {})
            per_zone[zone] = per_zone.get(zone, 0) + 1
            seen = found.spellings.setdefault(pattern.concept, [])
            if pattern.surface not in seen:
                seen.append(pattern.surface)
    counted = [n for n, count in sentence_words.items() if count >= MIN_SENTENCE_WORDS]
    found.sentences = len(counted)
    found.story_sentences = len(touched.intersection(counted))
    worded_counted = sorted(worded.intersection(counted))
    if worded_counted:
        found.story_span = sum(worded_counted[0] <= n <= worded_counted[-1] for n in counted)
    return found


def _place(per_zone: Iterable[dict[str, int]]) -> str:
    """Where a combination is met: "title" (every member in it), "opening" (in the title or the
    lead), "headline" (the title names most of it, the text the rest), else "text"."""
    zones = list(per_zone)
    if all("title" in z for z in zones):
        return "title"
    if all("title" in z or "lead" in z for z in zones):
        return "opening"
    if sum("title" in z for z in zones) * 2 > len(zones):
        return "headline"
    return "text"


PLACE_RANK = {"title": 3, "opening": 2, "headline": 1, "text": 0}


def listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _shown(rules: RelevanceRules, concept: str, found: _Found) -> str:
    """A concept as an analyst reads it: names bare, terms quoted, other spellings named."""
    if rules.concept_kind.get(concept) == "entity":
        return concept
    others = [s for s in found.spellings.get(concept, []) if fold(s) != fold(concept)]
    return f"'{concept}'" + (f" (as {', '.join(repr(s) for s in others)})" if others else "")


def _met_in_words(rules: RelevanceRules, found: _Found, combo: Sequence[str], place: str) -> str:
    """ "names OpenAI and 'Sora' in the title", "names PR Puppets in the title and OpenAI in
    the text": where a reader meets the combination."""
    shown = [_shown(rules, m, found) for m in combo]
    if place == "headline":
        titled = [s for m, s in zip(combo, shown, strict=True) if "title" in found.hits[m]]
        rest = [s for s in shown if s not in titled]
        return f"names {listed(titled)} in the title and {listed(rest)} in the text"
    where = {"title": "in the title", "opening": "in the title and opening paragraph",
             "text": "in the text"}[place]
    return f"names {listed(shown)} {where}"


def _combined(evidence: dict[str, float], combo: Sequence[str]) -> float:
    """How strongly the article holds a combination. A pair is as strong as its weaker member
    (a product's news that names "artists" once is not the artists' story); three or more
    different names and terms together are evidence in themselves, so one of them named once
    beside two the article is full of is carried by them (their geometric mean)."""
    if len(combo) <= 2:
        return min(evidence[m] for m in combo)
    return math.prod(evidence[m] for m in combo) ** (1 / len(combo))


def _none_met(rules: RelevanceRules) -> str:
    return ("meets none of the story's combinations (relevance.require_any)"
            if rules.combos else "names none of the story's terms")


def turned_away_verdict(article: Article, rules: RelevanceRules) -> RelevanceResult:
    """The verdict on a page the story's page gate (nlp/gate.py) turned away: no combination
    can hold on it, so its score is 0 without reading its text (only skimmed, not extracted)."""
    return RelevanceResult(
        article_id=article.article_id,
        score=0.0,
        is_relevant=False,
        reasons=[_none_met(rules), "seen on the raw page by the story's page gate, so only "
                 "skimmed, not extracted"],
    )


def score_with_rules(article: Article, rules: RelevanceRules) -> RelevanceResult:
    """Judge one article with compiled rules, in the steps the module docstring gives."""
    found = _find(article, rules)
    evidence = {
        concept: 1 - math.prod((1 - ZONE_WEIGHT[z]) ** n for z, n in per_zone.items())
        for concept, per_zone in found.hits.items()
    }
    combos = rules.combos or [(concept,) for concept in rules.concept_kind]
    met = [combo for combo in combos if all(m in found.hits for m in combo)]
    reasons: list[str] = []
    score = 0.0
    if met:
        best = max(met, key=lambda c: (PLACE_RANK[_place(found.hits[m] for m in c)],
                                       _combined(evidence, c)))
        place = _place(found.hits[m] for m in best)
        reasons.append(_met_in_words(rules, found, best, place))
        # Several met combinations combine as independent evidence, and the breadth of the
        # story's vocabulary in the article confirms them.
        strength = 1 - math.prod(1 - _combined(evidence, combo) for combo in met)
        breadth = 1 - math.exp(-sum(evidence.values()) / BREADTH_SCALE)
        # A pair met in the opening paragraph gets no floor: a product's news opens on the
        # product and the "artists" who tried it; three of the story's names and terms do.
        floor = 0.0 if place == "opening" and len(best) < 3 else FLOOR[place]
        score = floor + (1 - floor) * strength * breadth
        # Met only further down and confined to a few sentences of a longer piece, the story is
        # a passing mention (a newsletter's item).
        if place == "text" and found.sentences >= 2:
            spread = max(found.story_sentences, found.story_span) / found.sentences
            if spread < MIN_SPREAD:
                score *= spread / MIN_SPREAD
                within = (f", within {found.story_span} in a row"
                          if found.story_span > found.story_sentences else "")
                reasons.append(f"a passing mention: the story is in {found.story_sentences} "
                               f"of its {found.sentences} sentences{within}")
    else:
        reasons.append(_none_met(rules))
    if found.hits:
        counts = sorted(found.hits.items(), key=lambda kv: -sum(kv[1].values()))
        shown = [f"{_shown(rules, concept, found)} {_times(sum(per_zone.values()))}"
                 for concept, per_zone in counts[:MAX_MENTIONS_SHOWN]]
        if len(counts) > MAX_MENTIONS_SHOWN:
            shown.append(f"{len(counts) - MAX_MENTIONS_SHOWN} more of the story's names and terms")
        reasons.insert(1, "mentions " + ", ".join(shown))
    for term, zones in found.excludes.items():
        for zone in zones:
            score *= EXCLUDE_FACTOR[zone]
        where = listed([z if z != "body" else "text" for z in ZONES if z in zones])
        reasons.append(f"has '{term}', a word of another story, in the {where}")
    is_relevant = score >= rules.threshold
    date_reason = _date_reason(rules, article.published_at)
    if date_reason:
        reasons.append(date_reason)
        is_relevant = False
    return RelevanceResult(
        article_id=article.article_id,
        score=round(score, 4),
        is_relevant=is_relevant,
        reasons=reasons,
    )


def judge_title(title: str | None, published_at: datetime | None,
                rules: RelevanceRules) -> RelevanceResult:
    """The run's verdict on an article whose text is not known yet (a feed entry): relevant here
    means the run keeps it whatever its text says, unless the text has an excluded word."""
    probe = Article(article_id="title", url="", canonical_url="", outlet="", title=title,
                    authors=[], published_at=published_at, language=None, text="",
                    word_count=0, fetched_at=datetime.now(UTC), source_url="")
    return score_with_rules(probe, rules)


@dataclass(frozen=True)
class TitleVerdict:
    """What the run will do with a feed entry, known from its title alone."""

    keep: bool | None  # True: kept whatever its text; False: dropped; None: its text decides
    why: str


def verdict_on_title(title: str | None, published_at: datetime | None,
                     rules: RelevanceRules) -> TitleVerdict:
    """`presswatch story check --sources` marks each entry with this: the same judgement the
    run makes, on the title alone (a title that meets a combination keeps the article)."""
    judged = judge_title(title, published_at, rules)
    if judged.is_relevant:
        return TitleVerdict(True, judged.reasons[0])
    refused = [r for r in judged.reasons if r.startswith("published ")]
    refused += [r for r in judged.reasons if r.startswith("has '")]
    if refused:
        return TitleVerdict(False, refused[0])
    named = judged.reasons[0] if judged.reasons[0].startswith("names ") else None
    return TitleVerdict(None, f"{named}; the text decides" if named
                        else "no combination of the story's words in the title; the text decides")


def score_relevance(article: Article, story: Story) -> RelevanceResult:
    """Score one article against the story (compiles the rules: use score_articles for many)."""
    return score_with_rules(article, compile_rules(story))


def score_articles(articles: Iterable[Article], story: Story) -> list[RelevanceResult]:
    """Score a batch with the story's rules compiled once."""
    rules = compile_rules(story)
    return [score_with_rules(article, rules) for article in articles]


MIN_CONCEPTS_FROM = 4  # names and terms a new story needs before any three count together


@dataclass(frozen=True)
class StartingRules:
    """The relevance rules `presswatch story new` writes from a user's terms and entities."""

    require_any: list[list[str]]
    min_concepts: int | None


def starting_rules(terms: Sequence[str], names: Sequence[str]) -> StartingRules:
    """Rules that keep a story's core coverage and leave out its subject's other news.

    The terms together are the story ("Sora" + "leak"): its headlines name them. Each entity
    with each of the terms that are words ("leak", "door plug") is one too: "OpenAI's video tool
    leaked". An entity beside a term that is itself a name ("Sora", "737 MAX", written with a
    capital or digits) is not: a company and its product appear together in all their news. With
    four or more names and terms, any three together also count: coverage that never uses the
    event word still names several of the story's actors (OpenAI, PR Puppets and Sora), while
    the subject's other news names two ("OpenAI shows Sora films").
    """
    plain = [t for t in terms if not _is_name(t)] or list(terms)
    combos = [list(terms)] if len(terms) > 1 else []
    combos += [[name, term] for name in names for term in plain]
    if not combos:
        combos = [[name] for name in names] or [[term] for term in terms]
    enough = len(terms) + len(names) >= MIN_CONCEPTS_FROM
    return StartingRules(require_any=combos, min_concepts=3 if enough else None)


def _is_name(term: str) -> bool:
    return term.strip()[:1].isupper() or term.strip()[:1].isdigit()
