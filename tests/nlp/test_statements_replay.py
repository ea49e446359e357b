"""Two days of the bundled replay through the real NLP stage and then statements.

Judged against the replay's manifest, but only where the NLP stage named the speaker the
manifest names: speaker attribution is the NLP stage's job, matching versions is this one's.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from presswatch.nlp.analyze import analyze_texts
from presswatch.nlp.statements import (
    MIN_CONFIDENCE_TO_CREATE,
    SpeakerDirectory,
    StatementIndex,
    StatementInput,
    assign_statements,
    content_words,
)
from presswatch.records import stable_id
from presswatch.story import default_story_path, load_story

REPLAY = Path(__file__).resolve().parents[2] / "presswatch" / "demo"


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def replay_runs():
    """Day 1, day 2 and day 2 again, each against the statements the runs before left."""
    manifest = json.loads((REPLAY / "manifest.json").read_text(encoding="utf-8"))
    story = load_story(default_story_path())
    articles = [a for a in manifest["articles"] if a.get("relevant")
                and (REPLAY / "site" / "articles" / f"{a['id']}.txt").is_file()]
    texts = [(a["id"], (REPLAY / "site" / "articles" / f"{a['id']}.txt").read_text("utf-8"))
             for a in articles]
    analyses = {d.doc_id: d for d in analyze_texts(texts, story)}
    people = {e.canonical for d in analyses.values() for e in d.entities
              if e.label == "PERSON" and e.canonical}
    inputs: dict[int, list[StatementInput]] = {1: [], 2: []}
    for article in articles:
        for quote in analyses[article["id"]].quotes:
            inputs[article["day"]].append(StatementInput(
                quote_id=stable_id(article["id"], str(quote.content_span)),
                article_id=article["id"],
                outlet=article["outlet"],
                published_at=_time(article["published_at"]),
                first_seen_at=_time(manifest["days"][str(article["day"])]["as_of"]),
                content=quote.content_text,
                kind=quote.kind,
                speaker=quote.speaker,
                speaker_text=quote.speaker_text,
                speaker_role=quote.speaker_role,
                confidence=quote.confidence,
                start_char=quote.content_span[0],
            ))
    index = StatementIndex(SpeakerDirectory(story))
    day1 = assign_statements(inputs[1], index, people=people)
    day2 = assign_statements(inputs[2], index, people=people)
    again = assign_statements(inputs[2], index, people=people)
    return manifest, inputs, day1, day2, again


def _versions(manifest: dict, statement_id: str, quotes: list[StatementInput]
              ) -> list[StatementInput]:
    """Quotes of a manifest statement, found by the snippet each article's expected quote
    gives, that the NLP stage attributed to the manifest's speaker."""
    found = []
    for article in manifest["articles"]:
        for expected in article.get("expected_quotes", []):
            if expected["statement"] != statement_id:
                continue
            snippet = content_words(expected["snippet"])
            found.extend(
                q for q in quotes
                if q.article_id == article["id"] and q.speaker == expected["speaker"]
                and len(snippet & content_words(q.content)) >= 0.8 * len(snippet)
            )
    return found


def _whole_of(*results) -> dict[str, str]:
    """statement_id -> the statement it is part of (itself when whole), as the runs left it."""
    wholes: dict[str, str] = {}
    for result in results:
        for statement in [*result.new, *result.updated]:
            wholes[statement.statement_id] = statement.part_of or statement.statement_id
    return wholes


def test_rerunning_day_two_creates_nothing(replay_runs) -> None:
    _, inputs, _, day2, again = replay_runs
    assert day2.new and again.new == [] and again.updated == []
    assert again.quote_statement == day2.quote_statement


def test_what_day_one_said_is_not_new_on_day_two(replay_runs) -> None:
    manifest, inputs, day1, day2, _ = replay_runs
    day1_ids = {s.statement_id for s in day1.new}
    day2_ids = {s.statement_id for s in day2.new}
    whole = _whole_of(day1, day2)
    checked = 0
    for statement in manifest["statements"]:
        if statement["first_day"] != 1:
            continue
        for quote in _versions(manifest, statement["id"], inputs[2]):
            checked += 1
            # a sentence of a day-1 statement quoted alone is a part of it, nothing new
            mapped = whole.get(day2.quote_statement[quote.quote_id])
            if quote.confidence < MIN_CONFIDENCE_TO_CREATE:  # may stay unmatched, never new
                assert mapped is None or mapped in day1_ids, (statement["id"], quote)
            else:
                assert mapped in day1_ids, (statement["id"], quote)
    assert checked >= 3, checked
    for statement in manifest["statements"]:
        if statement["first_day"] == 2:
            for quote in _versions(manifest, statement["id"], inputs[2]):
                mapped = day2.quote_statement[quote.quote_id]
                unsure = quote.confidence < MIN_CONFIDENCE_TO_CREATE
                assert mapped in day2_ids or (unsure and mapped is None), statement["id"]


def test_every_version_of_openai_statement_is_one_statement(replay_runs) -> None:
    manifest, inputs, day1, day2, _ = replay_runs
    versions = [*_versions(manifest, "felix-research-preview", inputs[1]),
                *_versions(manifest, "felix-research-preview", inputs[2])]
    ids = {**day1.quote_statement, **day2.quote_statement}
    whole = _whole_of(day1, day2)
    assert len(versions) >= 5
    assert len({whole[ids[q.quote_id]] for q in versions}) == 1
