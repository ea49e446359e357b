"""Relevance on hand-written articles: on-topic, passing mentions and near misses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from presswatch.nlp.relevance import (
    RelevanceRuleError,
    compile_rules,
    fold,
    score_articles,
    score_relevance,
    words,
)
from presswatch.records import Article, stable_id
from presswatch.story import Relevance, Story, default_story_path, load_story


@pytest.fixture(scope="module")
def story() -> Story:
    return load_story(default_story_path())


def article(title: str, text: str, published: str = "2024-11-27", language: str = "en") -> Article:
    url = "https://example.org/" + stable_id(title, text)
    return Article(
        article_id=stable_id(url),
        url=url,
        canonical_url=url,
        outlet="example.org",
        title=title,
        authors=[],
        published_at=datetime.fromisoformat(published).replace(tzinfo=UTC),
        language=language,
        text=text,
        word_count=len(text.split()),
        fetched_at=datetime(2024, 11, 28, tzinfo=UTC),
        source_url="https://example.org/feed",
    )


FILLER = (
    "The company did not give a timeline for a wider release and declined to say how many "
    "people had used the tool before it went offline."
)

CASES = [
    (
        "leak-headline",
        True,
        "Artists leak OpenAI's Sora video model in protest over unpaid work",
        "A group of artists who had early access to OpenAI's Sora leaked the video generator on "
        "Hugging Face on Tuesday, saying the company used them for unpaid research and art "
        "washing.\nThe group, calling itself PR Puppets, published an open letter. " + FILLER,
    ),
    (
        "italian",
        True,
        "Sora, la fuga: gli artisti pubblicano il modello di OpenAI su Hugging Face",
        "Un gruppo di artisti con accesso anticipato a Sora ha diffuso il modello di OpenAI in "
        "segno di protesta. La fuga è durata poche ore prima che OpenAI chiudesse l'accesso.",
    ),
    (
        "german-accents",
        True,
        "Künstler veröffentlichen Sora: Leck bei OpenAI",
        "Eine Gruppe von Künstlern hat OpenAIs Videomodell Sora über Hugging Face zugänglich "
        "gemacht. Das Leck war eine Protestaktion gegen unbezahlte Arbeit.",
    ),
    (
        "body-focused-column",
        True,
        "This week in AI: a busy week for video generators",
        "We start with video. " * 3
        + "\nOpenAI briefly lost control of Sora this week when artists leaked it. The leak came "
        "from members of the early access programme, who posted it to Hugging Face. The artists "
        "said the leak was a protest. OpenAI said the Sora leak was under investigation, and "
        "Sora access was paused. PR Puppets, the group behind the leak, wrote an open letter.",
    ),
    (
        "passing-mention",
        False,
        "Nvidia earnings beat expectations on data centre demand",
        "Nvidia reported revenue of $35 billion, ahead of forecasts, as data centre sales grew. "
        * 4
        + "\nElsewhere, artists leaked OpenAI's Sora for a few hours this week. "
        + "Shares rose 3% after hours. " * 5,
    ),
    (
        "other-sora-news",
        False,
        "OpenAI launches Sora Turbo for ChatGPT Plus subscribers",
        "OpenAI made its Sora video model available to paying users on Monday. Sora can create "
        "videos up to 20 seconds long. The company said artists and filmmakers had tested Sora "
        "for months. " + FILLER,
    ),
    (
        "other-leak",
        False,
        "Meta's Llama model leaks online a week after release",
        "Meta's large language model was leaked on 4chan, and the leak spread quickly. The leak "
        "raises questions about open models. " + FILLER,
    ),
    (
        "other-protest",
        False,
        "Artists protest AI art auction at Christie's",
        "Thousands of artists signed an open letter in protest at an auction of AI-generated "
        "art, calling it art washing of unpaid labour. " + FILLER,
    ),
    (
        "sora-the-word",
        False,
        "Il cielo sopra Roma: la fuga del weekend",
        "la sora Lella ha aperto una trattoria; gli artisti di strada hanno animato la piazza.",
    ),
]


@pytest.mark.parametrize(("name", "expected", "title", "text"), CASES, ids=[c[0] for c in CASES])
def test_relevance_cases(story: Story, name: str, expected: bool, title: str, text: str) -> None:
    result = score_relevance(article(title, text), story)
    assert result.is_relevant is expected, (result.score, result.reasons)
    assert 0.0 <= result.score <= 1.0


def test_passing_mention_scores_low_but_above_nothing(story: Story) -> None:
    passing = score_relevance(article(CASES[4][2], CASES[4][3]), story)
    unrelated = score_relevance(article("Weather", "Rain is expected on Sunday."), story)
    headline = score_relevance(article(CASES[0][2], CASES[0][3]), story)
    assert unrelated.score == 0.0
    assert 0.0 < passing.score < story.relevance.threshold / 2
    assert headline.score > 0.7


NEWSLETTER = "\n".join([
    "Good morning. Here is what you need to know about technology today, in five short items.",
    "Chip exports: new limits on memory chips are expected next week, equipment makers say.",
    "Sora, briefly: artists leaked OpenAI's Sora on Hugging Face for three hours in protest at "
    "unpaid work, in an open letter signed PR Puppets, before OpenAI shut it down.",
    "Browsers: the government filed its proposed remedies in the search case last week.",
    "Deals: laptops, televisions and headphones are discounted at most large retailers now.",
    "Kernel: another set of drivers written in Rust was merged for the next Linux release.",
])


def test_story_in_one_item_of_a_newsletter_is_a_passing_mention(story: Story) -> None:
    result = score_relevance(article("Your Wednesday briefing", NEWSLETTER), story)
    assert not result.is_relevant and 0 < result.score < 0.3
    assert "passing:0.17" in result.reasons and "combo:Sora+leak" in result.reasons


def test_reasons_name_entities_terms_zones_and_combos(story: Story) -> None:
    result = score_relevance(article(CASES[0][2], CASES[0][3]), story)
    for reason in ("entity:Sora@title", "entity:OpenAI@title", "term:leak@title",
                   "term:artists@lead", "entity:PR Puppets@body", "combo:Sora+leak"):
        assert reason in result.reasons
    italian = score_relevance(article(CASES[1][2], CASES[1][3]), story)
    assert "term:fuga@title" in italian.reasons and "combo:Sora+leak" in italian.reasons


def test_word_boundaries_and_folding() -> None:
    expected = ["openai", "s", "pr", "puppets", "filtracion"]
    assert words("OpenAI's PR-Puppets: FILTRACIÓN") == expected
    assert fold("Künstler") == "kunstler"
    story = Story(id="s", title="t", start_date=date(2024, 11, 26),
                  relevance=Relevance(terms=["leak"], threshold=0.1))
    assert not score_relevance(article("Bleak outlook", "A bleak, leaky roof."), story).reasons
    assert score_relevance(article("Leaks", "Two leaks."), story).is_relevant


def test_exclusions_and_window(story: Story) -> None:
    rules = story.relevance.model_copy(update={"exclude_terms": ["Llama"], "window_days": 30})
    strict = story.model_copy(update={"relevance": rules})
    title, text = CASES[0][2], CASES[0][3]
    excluded = score_relevance(article("Llama and " + title, text), strict)
    assert not excluded.is_relevant and "exclude:Llama@title" in excluded.reasons
    late = score_relevance(article(title, text, published="2025-03-01"), strict)
    assert not late.is_relevant and "outside-window" in late.reasons
    early = score_relevance(article(title, text, published="2024-10-01"), strict)
    assert not early.is_relevant and "outside-window" in early.reasons
    assert score_relevance(article(title, text, published="2024-11-25"), strict).is_relevant


def test_batch_equals_single(story: Story) -> None:
    items = [article(title, text) for _, _, title, text in CASES]
    assert score_articles(items, story) == [score_relevance(a, story) for a in items]


def test_unknown_combo_member_is_named(story: Story) -> None:
    rules = story.relevance.model_copy(update={"require_any": [["Sora", "lek"]]})
    with pytest.raises(RelevanceRuleError, match="lek"):
        compile_rules(story.model_copy(update={"relevance": rules}))


def test_context_terms_tell_a_story_told_on_from_an_aside(story: Story) -> None:
    """Sentences that go on about the story without naming it ("the testers") are not asides."""
    told_on = "\n".join([
        "Artists leaked OpenAI's Sora on Hugging Face on Tuesday in a protest over unpaid work.",
        "The testers said they had spent months giving feedback without being paid for it.",
        "Their letter said the programme used them for marketing rather than for their art.",
        "The company cut access to the page within a few hours of it going up that day.",
        "The group said it had expected that and that the letter was the point all along.",
    ])
    rules = story.relevance.model_copy(update={"context_terms": []})
    bare = story.model_copy(update={"relevance": rules})
    with_context = score_relevance(article("A protest by testers", told_on), story)
    without = score_relevance(article("A protest by testers", told_on), bare)
    assert with_context.is_relevant
    assert not any(r.startswith("passing") for r in with_context.reasons)
    assert any(r.startswith("passing") for r in without.reasons)
    assert without.score < with_context.score
