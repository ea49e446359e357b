"""Relevance on hand-written articles: on-topic, passing mentions and near misses."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from presswatch.nlp.relevance import (
    RelevanceRuleError,
    compile_rules,
    fold,
    judge_title,
    score_articles,
    score_relevance,
    score_with_rules,
    starting_rules,
    verdict_on_title,
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
    assert not result.is_relevant and 0 < result.score < story.relevance.threshold
    assert "a passing mention: the story is in 1 of its 6 sentences" in result.reasons
    assert result.reasons[0].startswith("names ") and result.reasons[0].endswith(" in the text")


def test_reasons_say_in_words_what_was_found_and_where(story: Story) -> None:
    result = score_relevance(article(CASES[0][2], CASES[0][3]), story)
    assert result.reasons[0] == "names Sora and 'leak' in the title"
    mentions = result.reasons[1]
    assert mentions.startswith("mentions ")
    for said in ("Sora twice", "'leak' twice", "'artists' twice", "OpenAI twice"):
        assert said in mentions, mentions
    assert mentions.endswith(", 6 more of the story's names and terms")  # the six most named
    assert not any(":" in r or "@" in r for r in result.reasons)  # no codes for an analyst
    italian = score_relevance(article(CASES[1][2], CASES[1][3]), story)
    assert italian.reasons[0].startswith("names ") and "in the title" in italian.reasons[0]
    assert "'leak' (as 'fuga')" in italian.reasons[0]
    nothing = score_relevance(article("Weather", "Rain is expected on Sunday."), story)
    assert nothing.reasons == ["meets none of the story's combinations (relevance.require_any)"]


def test_word_boundaries_inflections_and_folding() -> None:
    expected = ["openai", "s", "pr", "puppets", "filtracion"]
    assert words("OpenAI's PR-Puppets: FILTRACIÓN") == expected
    assert fold("Künstler") == "kunstler"
    story = Story(id="s", title="t", start_date=date(2024, 11, 26),
                  relevance=Relevance(terms=["leak"], threshold=0.1))
    bleak = score_relevance(article("Bleak outlook", "A bleak, leaky roof."), story)
    assert not bleak.is_relevant and bleak.reasons == ["names none of the story's terms"]
    for title in ("Leaks", "Model leaked", "Leaking again", "The leak"):
        assert score_relevance(article(title, "Nothing else."), story).is_relevant, title


def test_a_term_written_with_a_capital_is_a_name() -> None:
    """"Sora" in the story file matches the product, not the Italian word "sora"; a term
    written in lower case matches however the text writes it."""
    story = Story(id="s", title="t", start_date=date(2024, 11, 26),
                  relevance=Relevance(terms=["Sora", "leak"], require_any=[["Sora", "leak"]]))
    assert score_relevance(article("Sora LEAK", "Nothing else."), story).is_relevant
    assert score_relevance(article("SORA leaked", "Nothing else."), story).is_relevant
    word = score_relevance(article("la sora Lella: una fuga", "la sora e il leak"), story)
    assert not word.is_relevant and word.score == 0.0


def test_accented_and_plain_sentences_match_alike() -> None:
    """Sentences with accents fold word by word, plain ones in one call: a term and a name
    are found in both, and the name only where it is written with a capital."""
    story = Story(id="s", title="t", start_date=date(2024, 11, 26),
                  relevance=Relevance(terms=["Sora", "filtración"],
                                      require_any=[["Sora", "filtración"]], threshold=0.1))
    for text in ("Über die Filtracion von Sora.", "The FILTRACIÓN of Sora, señor.",
                 "Sora: filtracion confirmed."):
        assert score_relevance(article("Nothing here", text), story).is_relevant, text
    lower = score_relevance(article("Nothing here", "la sora e la filtración, señor"), story)
    assert not lower.is_relevant


def test_exclusions_and_window(story: Story) -> None:
    rules = story.relevance.model_copy(update={"exclude_terms": ["Llama"], "window_days": 30})
    strict = story.model_copy(update={"relevance": rules})
    title, text = CASES[0][2], CASES[0][3]
    excluded = score_relevance(article("Llama and " + title, text), strict)
    assert not excluded.is_relevant
    assert "has 'Llama', a word of another story, in the title" in excluded.reasons
    late = score_relevance(article(title, text, published="2025-03-01"), strict)
    assert not late.is_relevant
    assert "published 2025-03-01, after the story's window (30 days from 2024-11-26)" in \
        late.reasons
    early = score_relevance(article(title, text, published="2024-10-01"), strict)
    assert not early.is_relevant
    assert "published 2024-10-01, before the story began (2024-11-26)" in early.reasons
    assert score_relevance(article(title, text, published="2024-11-25"), strict).is_relevant


def test_batch_equals_single(story: Story) -> None:
    items = [article(title, text) for _, _, title, text in CASES]
    assert score_articles(items, story) == [score_relevance(a, story) for a in items]


def test_unknown_combo_member_is_named(story: Story) -> None:
    rules = story.relevance.model_copy(update={"require_any": [["Sora", "lek"]]})
    with pytest.raises(RelevanceRuleError, match="lek"):
        compile_rules(story.model_copy(update={"relevance": rules}))


INTRO = ("Markets were calm this week, with chip makers steady after their results and "
         "investors waiting for the central bank's decision on rates before the holiday. ")


def test_context_terms_tell_a_story_told_on_from_an_aside(story: Story) -> None:
    """Sentences that go on about the story without naming it ("the testers") are not asides."""
    told_on = "\n".join([
        INTRO * 2,
        "Artists leaked OpenAI's Sora on Hugging Face on Tuesday in a protest over unpaid work.",
        "The group had spent months giving feedback on the programme without being paid.",
        "Their letter said the programme used them for marketing rather than for their art.",
        "The company cut access to the page within a few hours of it going up that day.",
        "The group said it had expected that and that the letter was the point all along.",
    ])
    rules = story.relevance.model_copy(update={"context_terms": []})
    bare = story.model_copy(update={"relevance": rules})
    with_context = score_relevance(article("This week", told_on), story)
    without = score_relevance(article("This week", told_on), bare)
    assert with_context.is_relevant
    assert not any(r.startswith("a passing mention") for r in with_context.reasons)
    assert any(r.startswith("a passing mention") for r in without.reasons)
    assert without.score < with_context.score


def test_a_combination_in_the_title_keeps_the_article_whatever_follows(story: Story) -> None:
    """The headline decides: a story's core article never hangs on the third decimal, and what
    `story check --sources` keeps on a title alone the run keeps with the text."""
    rules = compile_rules(story)
    title = "Sora leak: what happened"
    alone = judge_title(title, None, rules)
    assert alone.is_relevant and alone.score >= 0.75
    assert alone.reasons[0] == "names Sora and 'leak' in the title"
    for text in (NEWSLETTER, INTRO * 6, CASES[0][3]):
        full = score_with_rules(article(title, text), rules)
        assert full.is_relevant and full.score >= alone.score, full


def test_what_check_keeps_on_a_title_the_run_keeps_on_the_demo(story: Story) -> None:
    """Every replay article the check would keep on its title, the run keeps on its text."""
    from presswatch.demo.server import plain_text

    root = Path(__file__).resolve().parents[2] / "presswatch" / "demo"
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    rules = compile_rules(story)
    kept = 0
    for entry in manifest["articles"]:
        path = root / "site" / "articles" / f"{entry['id']}.txt"
        if not path.is_file():
            continue
        if judge_title(entry.get("title"), None, rules).is_relevant:
            kept += 1
            text = plain_text(path.read_text(encoding="utf-8"))
            assert score_with_rules(article(entry["title"], text), rules).is_relevant, entry["id"]
    assert kept >= 10


def test_min_concepts_makes_any_three_names_and_terms_a_combination() -> None:
    """A story told without its event word still names several of its actors."""
    relevance = Relevance(terms=["Sora", "leak"], core_entities=["OpenAI", "PR Puppets"],
                          require_any=[["Sora", "leak"]], min_concepts=3)
    story = Story(id="s", title="t", start_date=date(2024, 11, 26), relevance=relevance,
                  entities=[{"name": "OpenAI", "label": "ORG"},
                            {"name": "PR Puppets", "label": "ORG"}])
    text = (INTRO + "The artists said OpenAI used Sora's testers for free. PR Puppets "
            "published the letter. OpenAI said the programme was voluntary.")
    three = score_relevance(article("PR Puppets take on OpenAI", text), story)
    assert three.is_relevant
    assert three.reasons[0] == "names OpenAI and PR Puppets in the title and 'Sora' in the text"
    two = score_relevance(article("OpenAI shows Sora", "OpenAI showed Sora films today. "
                                  "Sora makes short videos. OpenAI did not say when."), story)
    assert not two.is_relevant and two.score == 0.0


@pytest.mark.parametrize(("terms", "names", "combos", "minimum"), [
    (["Sora", "leak"], ["OpenAI", "PR Puppets", "Niko Felix"],
     [["Sora", "leak"], ["OpenAI", "leak"], ["PR Puppets", "leak"], ["Niko Felix", "leak"]], 3),
    (["leak", "artists"], ["Sora"], [["leak", "artists"], ["Sora", "leak"], ["Sora", "artists"]],
     None),
    (["leak"], ["Sora", "OpenAI"], [["Sora", "leak"], ["OpenAI", "leak"]], None),
    (["Sora"], ["OpenAI"], [["OpenAI", "Sora"]], None),
    (["leak"], [], [["leak"]], None),
    ([], ["PR Puppets", "OpenAI", "Sora", "Hugging Face"],
     [["PR Puppets"], ["OpenAI"], ["Sora"], ["Hugging Face"]], 3),
])
def test_starting_rules_for_a_new_story(terms, names, combos, minimum) -> None:
    rules = starting_rules(terms, names)
    assert rules.require_any == combos and rules.min_concepts == minimum


def test_starting_rules_keep_the_story_and_leave_its_subjects_other_news() -> None:
    """The demo's core articles for a story started with `story new`, and a product's news."""
    start = starting_rules(["Sora", "leak"], ["OpenAI", "PR Puppets", "Hugging Face"])
    entities = [{"name": n, "label": "ORG"} for n in ("OpenAI", "PR Puppets", "Hugging Face")]
    story = Story(id="s", title="t", start_date=date(2024, 11, 26), entities=entities,
                  relevance=Relevance(terms=["Sora", "leak"],
                                      core_entities=["OpenAI", "PR Puppets", "Hugging Face"],
                                      require_any=start.require_any,
                                      min_concepts=start.min_concepts))
    letter = score_relevance(article(
        "'We are not your PR puppets': Sora alpha artists publish open letter",
        INTRO + "The artists who leaked OpenAI's video model on Hugging Face published a letter."
        " PR Puppets said the programme used them. OpenAI said taking part was voluntary."),
        story)
    assert letter.is_relevant and letter.score >= 0.6, letter
    launch = score_relevance(article("OpenAI shows Sora films to studios",
                                      "OpenAI showed Sora films in Los Angeles. Sora makes "
                                      "short videos from text. OpenAI gave no date."), story)
    assert not launch.is_relevant and launch.score == 0.0


def test_verdict_on_a_feed_entry_title(story: Story) -> None:
    """What `story check --sources` prints for an entry is what the run will do with it."""
    rules = compile_rules(story.model_copy(update={"relevance": story.relevance.model_copy(
        update={"exclude_terms": ["Llama"], "window_days": 30})}))
    kept = verdict_on_title("Artists leak Sora", None, rules)
    assert kept == type(kept)(True, "names Sora and 'leak' in the title")
    assert verdict_on_title("Sora leak and Llama", None, rules).keep is False
    late = verdict_on_title("Artists leak Sora", datetime(2025, 6, 1, tzinfo=UTC), rules)
    assert late.keep is False and late.why.startswith("published 2025-06-01")
    partly = verdict_on_title("What Sora can do", None, rules)
    assert partly.keep is None and partly.why.endswith("the text decides")
