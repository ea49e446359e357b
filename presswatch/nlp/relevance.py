"""Judge each article against the story, from the story file's rules alone.

Runs before the spaCy stage (only relevant articles get full NLP), so it is plain Python: text is
folded (case, accents), split into words, and the story's terms, concepts and entity names are
matched as word sequences in three zones (title, lead, body). The score rewards the story's
required combinations (``require_any``) being present where a reader looks first, breadth of
story vocabulary, and the story reaching beyond a few sentences; a single passing line scores
low, other news about the same product fails the combinations. Another story needs another
TOML file, not code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from presswatch.records import Article
from presswatch.records import Relevance as RelevanceResult
from presswatch.story import Story

ZONES = ("title", "lead", "body")
# Weight of one hit by zone: a title hit says what the article is about, a body hit may be an
# aside. Several hits of one concept combine as independent evidence: 1 - prod(1 - w).
ZONE_WEIGHT = {"title": 0.6, "lead": 0.45, "body": 0.2}
LEAD_MIN_WORDS = 25  # the lead is the first paragraphs until this many words...
LEAD_MAX_WORDS = 90  # ...but never more than this many
BREADTH_SCALE = 1.5  # how much summed concept evidence makes the breadth factor reach ~0.63
EXCLUDE_FACTOR = {"title": 0.1, "lead": 0.2, "body": 0.6}
# Below this share of its sentences (of at least MIN_SENTENCE_WORDS words) touching the story
# (any term, entity or context term), an article's score shrinks in proportion: the story is an
# aside in it.
MIN_SPREAD = 0.4
MIN_SENTENCE_WORDS = 6
# Articles dated a little before the story's start still count: time zones and sloppy dates.
START_GRACE = timedelta(days=1)

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


@dataclass(frozen=True)
class _Token:
    folded: str
    capitalised: bool  # first character upper case or a digit: how names are written


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(fold(m.group()), m.group()[0].isupper() or m.group()[0].isdigit())
        for m in _WORD.finditer(text)
    ]


@dataclass(frozen=True)
class _Pattern:
    """One spelling of a concept or entity as a folded word sequence."""

    words: tuple[str, ...]
    concept: str  # the name combinations and reasons use
    surface: str  # the spelling as written in the story file
    kind: str  # "entity" | "term" | "context" | "exclude"


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


def _term_variants(phrase: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The phrase and its plural ("leak" -> "leaks"), since terms are nouns and verbs alike."""
    last = phrase[-1]
    return [phrase, (*phrase[:-1], last + "s"), (*phrase[:-1], last + "es")]


def compile_rules(story: Story) -> RelevanceRules:
    """Turn the story's relevance section and entity list into word-sequence patterns."""
    rules = story.relevance
    patterns: list[_Pattern] = []
    concept_kind: dict[str, str] = {}
    entities = {e.name: e for e in story.entities}
    for name in rules.core_entities:
        entity = entities.get(name)
        spellings = [name, *(entity.aliases if entity else [])]
        concept_kind[name] = "entity"
        for spelling in spellings:
            seq = tuple(words(spelling))
            if seq:
                patterns.append(_Pattern(seq, name, spelling, "entity"))
    term_concept = {term: term for term in rules.terms}
    for concept, spellings in rules.synonyms.items():
        for spelling in spellings:
            term_concept[spelling] = concept
        term_concept.setdefault(concept, concept)
    for term, concept in term_concept.items():
        concept_kind.setdefault(concept, "term")
        for seq in _term_variants(tuple(words(term)) or ("",)):
            if seq[0]:
                patterns.append(_Pattern(seq, concept, term, "term"))
    for term in rules.context_terms:
        for seq in _term_variants(tuple(words(term)) or ("",)):
            if seq[0]:
                patterns.append(_Pattern(seq, term, term, "context"))
    for term in rules.exclude_terms:
        for seq in _term_variants(tuple(words(term)) or ("",)):
            if seq[0]:
                patterns.append(_Pattern(seq, term, term, "exclude"))
    combos = []
    for combo in rules.require_any:
        unknown = [m for m in combo if m not in concept_kind]
        if unknown:
            raise RelevanceRuleError(
                f"story {story.id!r}: relevance.require_any names {unknown}, which is neither a "
                "core entity, a term nor a synonyms concept; add it to one of those lists"
            )
        combos.append(tuple(combo))
    by_first: dict[str, list[_Pattern]] = {}
    for pattern in patterns:
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


def _segments(article: Article) -> list[tuple[str, int, list[_Token]]]:
    """(zone, sentence number, tokens): the title (sentence -1), then each sentence of the text,
    split where the lead (first paragraphs up to ~LEAD words) ends."""
    segments = [("title", -1, _tokens(article.title or ""))]
    lead_words = 0
    sentences = (s for p in article.text.split("\n") for s in _SENTENCE_END.split(p))
    for number, sentence in enumerate(sentences):
        tokens = _tokens(sentence)
        if lead_words < LEAD_MIN_WORDS:
            room = LEAD_MAX_WORDS - lead_words
            segments.append(("lead", number, tokens[:room]))
            segments.append(("body", number, tokens[room:]))
            lead_words += len(tokens[:room])
        else:
            segments.append(("body", number, tokens))
    return [segment for segment in segments if segment[2]]


def _matches(rules: RelevanceRules, tokens: Sequence[_Token]) -> Iterable[_Pattern]:
    """Every pattern occurrence, longest first at each position, never overlapping."""
    i = 0
    while i < len(tokens):
        step = 1
        for pattern in rules.patterns_by_first_word.get(tokens[i].folded, ()):
            n = len(pattern.words)
            window = tokens[i : i + n]
            if tuple(t.folded for t in window) != pattern.words:
                continue
            if pattern.kind == "entity" and not window[0].capitalised:
                continue  # "sora" in running text is a word (Italian, Japanese), not the name
            yield pattern
            step = n
            break
        i += step


def _outside_window(rules: RelevanceRules, published_at: datetime | None) -> bool:
    if rules.window_days is None or published_at is None:
        return False
    day = published_at.date()
    earliest = rules.start_date - START_GRACE
    latest = rules.start_date + timedelta(days=rules.window_days)
    return day < earliest or day > latest


def score_with_rules(article: Article, rules: RelevanceRules) -> RelevanceResult:
    """Score one article with compiled rules; see the module docstring for the idea."""
    hits: dict[str, dict[str, int]] = {}  # concept -> zone -> count
    surfaces: dict[tuple[str, str], str] = {}  # (concept, zone) -> first spelling seen
    excludes: dict[str, set[str]] = {}  # exclude term -> zones
    sentence_words: dict[int, int] = {}
    sentences_with_story: set[int] = set()
    for zone, sentence, tokens in _segments(article):
        if sentence >= 0:
            sentence_words[sentence] = sentence_words.get(sentence, 0) + len(tokens)
        for pattern in _matches(rules, tokens):
            if pattern.kind != "entity":  # a company's name runs through all its news
                sentences_with_story.add(sentence)
            if pattern.kind == "context":
                continue
            if pattern.kind == "exclude":
                excludes.setdefault(pattern.concept, set()).add(zone)
                continue
            per_zone = hits.setdefault(pattern.concept, {})
            per_zone[zone] = per_zone.get(zone, 0) + 1
            surfaces.setdefault((pattern.concept, zone), pattern.surface)

    evidence = {
        concept: 1 - math.prod((1 - ZONE_WEIGHT[z]) ** n for z, n in per_zone.items())
        for concept, per_zone in hits.items()
    }
    reasons = []
    for concept, per_zone in hits.items():
        kind = rules.concept_kind.get(concept, "term")
        for zone in ZONES:
            if zone in per_zone:
                shown = concept if kind == "entity" else surfaces[(concept, zone)]
                reasons.append(f"{kind}:{shown}@{zone}")

    # Each satisfied combination is evidence as strong as its weakest member; several combine.
    missing_combo = 1.0
    for combo in rules.combos:
        if all(member in evidence for member in combo):
            reasons.append("combo:" + "+".join(combo))
            missing_combo *= 1 - min(evidence[m] for m in combo)
    breadth = 1 - math.exp(-sum(evidence.values()) / BREADTH_SCALE)
    score = (1 - missing_combo) * breadth if rules.combos else breadth
    # A story confined to a few sentences of a longer piece is a passing mention (a newsletter).
    counted = [n for n, count in sentence_words.items() if count >= MIN_SENTENCE_WORDS]
    if hits and len(counted) >= 2:
        spread = len(sentences_with_story.intersection(counted)) / len(counted)
        if spread < MIN_SPREAD:
            score *= spread / MIN_SPREAD
            reasons.append(f"passing:{spread:.2f}")

    for term, zones in excludes.items():
        for zone in ZONES:
            if zone in zones:
                score *= EXCLUDE_FACTOR[zone]
                reasons.append(f"exclude:{term}@{zone}")
    is_relevant = score >= rules.threshold
    if _outside_window(rules, article.published_at):
        reasons.append("outside-window")
        is_relevant = False
    return RelevanceResult(
        article_id=article.article_id,
        score=round(score, 4),
        is_relevant=is_relevant,
        reasons=reasons,
    )


def score_relevance(article: Article, story: Story) -> RelevanceResult:
    """Score one article against the story (compiles the rules: use score_articles for many)."""
    return score_with_rules(article, compile_rules(story))


def score_articles(articles: Iterable[Article], story: Story) -> list[RelevanceResult]:
    """Score a batch with the story's rules compiled once."""
    rules = compile_rules(story)
    return [score_with_rules(article, rules) for article in articles]
