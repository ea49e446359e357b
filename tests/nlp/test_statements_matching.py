"""Quotes to statements: which versions are one statement, who said it, and stability over runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from presswatch.nlp.statements import (
    FullNames,
    SpeakerDirectory,
    StatementFingerprint,
    StatementIndex,
    StatementInput,
    assign_statements,
    opens_on_gerund,
    statement_input,
)
from presswatch.records import Article, Quote, Statement, stable_id
from presswatch.story import default_story_path, load_story

OPENAI_STATEMENT = (
    "Sora is still in research preview, and we're working to balance creativity with robust "
    "safety measures for broader use. Hundreds of artists in our alpha have shaped Sora's "
    "development, helping prioritize new features and safeguards. Participation is voluntary, "
    "with no obligation to provide feedback or use the tool."
)
LETTER_LINE = (
    "ARTISTS ARE NOT YOUR UNPAID R&D. Hundreds of artists have given unpaid labour to a "
    "company valued at $150B: bug reports, "
    "feedback, experiments, finished pieces. We are not against the use of AI technology as a "
    "tool for the arts, but we do not agree with how this artist program has been rolled out."
)
DAY = datetime(2024, 11, 26, 15, tzinfo=UTC)
_numbers = count()


@pytest.fixture(scope="module")
def directory() -> SpeakerDirectory:
    return SpeakerDirectory(load_story(default_story_path()))


def quote(content: str, speaker: str | None = "Niko Felix", speaker_text: str | None = None,
          kind: str = "direct", article: str | None = None, outlet: str = "frn",
          hours: int = 0, role: str | None = None, confidence: float = 1.0) -> StatementInput:
    n = next(_numbers)
    article_id = article or f"article-{n}"
    return StatementInput(
        quote_id=stable_id(article_id, str(n)),
        article_id=article_id,
        outlet=outlet,
        published_at=DAY + timedelta(hours=hours),
        first_seen_at=DAY + timedelta(days=1),
        content=content,
        kind=kind,
        speaker=speaker,
        speaker_text=speaker_text or speaker,
        speaker_role=role,
        confidence=confidence,
    )


def seeded(directory: SpeakerDirectory) -> tuple[StatementIndex, str, str]:
    """An index holding OpenAI's statement (by Felix) and one line of the artists' letter."""
    index = StatementIndex(directory)
    first = assign_statements(
        [quote(OPENAI_STATEMENT, hours=1), quote(LETTER_LINE, speaker="PR Puppets", hours=2)],
        index,
    )
    felix, letter = (s.statement_id for s in first.new)
    return index, felix, letter


SAME = [
    ("punctuation", quote(OPENAI_STATEMENT.replace(",", " -").replace("we're", "we are"))),
    ("truncated", quote("Participation is voluntary, with no obligation to provide feedback")),
    ("fragment", quote("Participation is voluntary", kind="mixed")),
    ("spliced", quote("Sora is still in research preview ... Participation is voluntary, with no "
                      "obligation to provide feedback or use the tool.")),
    ("indirect", quote("participation in the alpha was voluntary and artists had no obligation to "
                       "provide feedback", kind="indirect")),
    ("surname-only", quote("Hundreds of artists in our alpha have shaped Sora's development",
                           speaker=None, speaker_text="Felix")),
    ("possessive", quote("with no obligation to provide feedback or use the tool",
                         speaker=None, speaker_text="OpenAI's Niko Felix")),
    ("pronoun-unresolved", quote("Hundreds of artists in our alpha have shaped Sora's "
                                 "development, helping prioritize new features",
                                 speaker=None, speaker_text="he")),
    ("letter-reworded", quote("we are not against the use of AI technology as a tool for the "
                              "arts", speaker=None, speaker_text="the PR Puppets collective")),
    # few content words, but word for word in the letter (which says "unpaid" both ways)
    ("letter-verbatim", quote("not your unpaid R&D", speaker=None,
                              speaker_text="Its headline")),
    ("letter-by-description", quote("Hundreds of artists have given unpaid labour to a company "
                                    "valued at $150B", speaker=None, speaker_text="the group")),
    ("letter-indirect-units", quote("hundreds of artists provided unpaid labour to a company "
                                    "valued at $150 billion", speaker="PR Puppets",
                                    kind="indirect")),
    # the lead is the writer's, the words in marks the letter's own
    ("letter-quoted-inside-mixed", quote("it spoke for dozens of testers who were let in only to "
                                         "\u201cgive unpaid labour to a company valued at $150B: "
                                         "bug reports, feedback, experiments\u201d",
                                         speaker="PR Puppets", kind="mixed")),
    # a fuller quote in the same sentence is still a version
    ("fuller-in-one-sentence", quote("Participation is voluntary, with no obligation to provide "
                                     "feedback or use the tool, and artists keep what they make")),
]


@pytest.mark.parametrize("case", SAME, ids=[c[0] for c in SAME])
def test_versions_of_one_statement_merge(directory, case) -> None:
    """A version joins the statement; an excerpt of five words or more from inside one of its
    sentences is a part of it (see the whole-sentence tests below)."""
    name, variant = case
    index, felix, letter = seeded(directory)
    expected = letter if "letter" in name else felix
    result = assign_statements([variant], index)
    statement_id = result.quote_statement[variant.quote_id]
    assert (index.get(statement_id).part_of or statement_id) == expected
    assert all(s.part_of == expected for s in result.new)


DIFFERENT = [
    ("same-speaker-other-thing", quote("We have paused access to Sora while we investigate the "
                                       "situation with the artists")),
    ("same-speaker-negated", quote("Participation is not voluntary, with an obligation to provide "
                                   "feedback or use the tool")),
    ("same-words-other-person", quote(OPENAI_STATEMENT, speaker="Sam Altman")),
    ("same-words-other-org", quote("Participation is voluntary, with no obligation to provide "
                                   "feedback or use the tool", speaker="PR Puppets")),
    ("other-person-overlapping-words", quote("Hundreds of artists in the alpha were never paid "
                                             "for the features they shaped",
                                             speaker="Maren Solvik")),
    ("short-different-fragment", quote("about PR", speaker="PR Puppets", kind="mixed")),
    # an unnamed spokesperson stays its own speaker, even with the named one's words
    ("unnamed-spokesperson", quote("Participation is voluntary, with no obligation to provide "
                                   "feedback or use the tool", speaker="OpenAI",
                                   speaker_text="an OpenAI spokesperson")),
]


@pytest.mark.parametrize("case", DIFFERENT, ids=[c[0] for c in DIFFERENT])
def test_different_statements_stay_apart(directory, case) -> None:
    _, variant = case
    index, felix, letter = seeded(directory)
    result = assign_statements([variant], index)
    assert [s.statement_id for s in result.new] == [result.quote_statement[variant.quote_id]]
    assert result.quote_statement[variant.quote_id] not in {felix, letter}


SPEAKERS = [
    (("Niko Felix", "OpenAI spokesperson Niko Felix"), "Niko Felix", "person", "OpenAI"),
    ((None, "Felix"), "Niko Felix", "person", "OpenAI"),
    ((None, "OpenAI's Niko Felix"), "Niko Felix", "person", "OpenAI"),
    (("OpenAI", "an OpenAI spokesperson"), "OpenAI spokesperson", "role", "OpenAI"),
    ((None, "a spokesperson for OpenAI"), "OpenAI spokesperson", "role", "OpenAI"),
    ((None, "an Open AI spokeswoman"), "OpenAI spokesperson", "role", "OpenAI"),
    ((None, "a Meta spokesman"), "Meta spokesperson", "role", "Meta"),
    (("OpenAI", "the company"), "OpenAI", "org", "OpenAI"),
    # the attribution stage resolved "the company's spokesperson" to the role of its company
    (("OpenAI spokesperson", "The company’s spokesperson"), "OpenAI spokesperson", "role",
     "OpenAI"),
    (("Meta spokesperson", "its spokesperson"), "Meta spokesperson", "role", "Meta"),
    # a person whose name holds an organisation's is still a person
    (("Jane Doe", "the company's engineer"), "Jane Doe", "person", None),
    ((None, "Maren Solvik"), "Maren Solvik", "person", None),
    ((None, "Solvik"), "Maren Solvik", "person", None),
    ((None, "the artists"), "the artists", "description", None),
    ((None, "The spokesperson"), "The spokesperson", "description", None),
    # an organisation after a place preposition is where the speakers are, not who they are
    (("Hugging Face", "Some security researchers on Hugging Face"),
     "Some security researchers on Hugging Face", "description", None),
    (("OpenAI", "Artists from OpenAI's alpha"), "Artists from OpenAI's alpha", "description", None),
    # ... and the organisation at the head of the mention still speaks
    (("OpenAI", "OpenAI on Tuesday"), "OpenAI", "org", "OpenAI"),
]


@pytest.mark.parametrize(("mention", "name", "kind", "organisation"), SPEAKERS,
                         ids=[m[1] for m, *_ in SPEAKERS])
def test_speakers_are_unified(directory, mention, name, kind, organisation) -> None:
    speaker = directory.resolve(quote("x", speaker=mention[0], speaker_text=mention[1]),
                                full_names=FullNames(["Maren Solvik", "Jane Doe"]))
    assert speaker is not None
    assert (speaker.name, speaker.kind, speaker.organisation) == (name, kind, organisation)


@pytest.mark.parametrize("mention", ["he", "She", "who", "which", "", None])
def test_mentions_that_name_nobody_have_no_speaker(directory, mention) -> None:
    assert directory.resolve(quote("x", speaker=None, speaker_text=mention)) is None


def test_surname_finds_the_full_name_of_a_person_in_the_batch(directory) -> None:
    index = StatementIndex(directory)
    first = quote("I spent months making things for them for free", speaker="Solvik", hours=1)
    result = assign_statements([first], index, people=["Maren Solvik", "Niko Felix"])
    assert [s.speaker for s in result.new] == ["Maren Solvik"]


@pytest.mark.parametrize("mention", ["Some users", "Several AI researchers",
                                     "Some security researchers on X", "many people online"])
def test_a_speaker_known_only_by_a_description_founds_no_statement(directory, mention) -> None:
    index = StatementIndex(directory)
    said = quote("artists who signed up for a free preview had no grounds to complain about pay",
                 speaker=None, speaker_text=mention, kind="indirect")
    result = assign_statements([said], index)
    assert result.new == [] and result.quote_statement.get(said.quote_id) is None


def test_a_description_joins_what_a_named_speaker_said(directory) -> None:
    index, felix, _ = seeded(directory)
    said = quote("participation is voluntary, with no obligation to provide feedback or use the "
                 "tool", speaker=None, speaker_text="Some users", kind="indirect")
    assert assign_statements([said], index).quote_statement[said.quote_id] == felix


def test_unnamed_spokesperson_stays_its_own_speaker(directory) -> None:
    index = StatementIndex(directory)
    result = assign_statements([quote("We are looking into the reports of a leak and have "
                                      "paused access", speaker=None,
                                      speaker_text="a spokesperson for OpenAI")], index)
    (statement,) = result.new
    assert (statement.speaker, statement.organisation) == ("OpenAI spokesperson", "OpenAI")


def test_bare_pronoun_with_no_match_is_no_statement(directory) -> None:
    index, _, _ = seeded(directory)
    lone = quote("It was a difficult week for everyone involved in the programme",
                 speaker=None, speaker_text="she")
    result = assign_statements([lone], index)
    assert result.new == [] and result.quote_statement[lone.quote_id] is None


def test_first_version_keys_the_statement_and_fullest_text_wins(directory) -> None:
    index = StatementIndex(directory)
    short = quote("Participation is voluntary, with no obligation to provide feedback",
                  kind="indirect", hours=1, article="early")
    full = quote(OPENAI_STATEMENT.split(". ")[-1], hours=5, article="later")
    result = assign_statements([full, short], index)
    (statement,) = result.new
    assert statement.statement_id == stable_id(
        "niko felix", "participation is voluntary with no obligation to provide feedback")
    assert statement.first_article_id == "early"
    assert statement.text == full.content
    assert result.quote_statement == {short.quote_id: statement.statement_id,
                                      full.quote_id: statement.statement_id}


class Warehouse:
    """What the warehouse holds after loading results: rows by id, updates applied."""

    def __init__(self) -> None:
        self.statements: dict[str, Statement] = {}
        self.fingerprints: dict[str, StatementFingerprint] = {}

    def load(self, result) -> None:
        for statement in [*result.new, *result.updated]:
            self.statements[statement.statement_id] = statement
        for fingerprint in result.fingerprints:
            self.fingerprints[fingerprint.statement_id] = fingerprint

    def index(self, directory: SpeakerDirectory) -> StatementIndex:
        return StatementIndex(directory, list(self.statements.values()),
                              list(self.fingerprints.values()))


def test_two_runs_create_only_what_is_new_and_rerun_creates_nothing(directory) -> None:
    day1 = [
        quote(OPENAI_STATEMENT, article="frn-1", hours=2),
        quote(LETTER_LINE, speaker="PR Puppets", article="dc-1", outlet="dc", hours=1),
        quote("I spent months making things for them for free", speaker="Maren Solvik",
              article="frn-1", hours=2),
    ]
    warehouse = Warehouse()
    run1 = assign_statements(day1, StatementIndex(directory))
    assert len(run1.new) == 3
    warehouse.load(run1)
    day2 = [
        # a re-crawled copy, a reworded version and an indirect one of day-1 statements
        quote(OPENAI_STATEMENT, article="wire-copy", outlet="wire", hours=30),
        quote("Participation is voluntary and there is no obligation to provide feedback",
              speaker=None, speaker_text="Felix", article="pl-2", outlet="pl", hours=31),
        quote("she had spent months making things for OpenAI for free", speaker=None,
              speaker_text="Solvik", kind="indirect", article="pl-2", outlet="pl", hours=31),
        # and two things not said before
        quote("We have removed the Hugging Face front-end and are reviewing the programme",
              article="pl-2", outlet="pl", hours=31),
        quote("OpenAI should pay the artists who test its tools", speaker="Maren Solvik",
              article="bl-2", outlet="bl", hours=33),
    ]
    run2 = assign_statements(day2, warehouse.index(directory))
    assert [s.text for s in run2.new] == [day2[3].content, day2[4].content]
    assert {run2.quote_statement[q.quote_id] for q in day2[:3]} <= {
        s.statement_id for s in run1.new}
    warehouse.load(run2)
    rerun = assign_statements(day2, warehouse.index(directory))
    assert rerun.new == [] and rerun.updated == []
    assert rerun.quote_statement == run2.quote_statement
    # and day 1 again, in a third run, is nothing new either
    assert assign_statements(day1, warehouse.index(directory)).new == []


def test_later_run_with_an_earlier_article_moves_first_appearance_not_the_id(directory) -> None:
    warehouse = Warehouse()
    run1 = assign_statements([quote(OPENAI_STATEMENT, article="late", hours=20)],
                             StatementIndex(directory))
    (statement,) = run1.new
    warehouse.load(run1)
    run2 = assign_statements([quote(OPENAI_STATEMENT, article="early", hours=1)],
                             warehouse.index(directory))
    (updated,) = run2.updated
    assert updated.statement_id == statement.statement_id
    assert updated.first_article_id == "early" and run2.new == []


def test_statement_input_from_stored_quote_and_article() -> None:
    article = Article("a1", "https://x.org/a", "https://x.org/a", "x.org", "T", [], DAY, "en",
                      "text", 1, DAY, "https://x.org/feed")
    stored_quote = Quote("q1", "a1", "Participation is voluntary", "said", "direct",
                         "Felix", "Niko Felix", "OpenAI spokesperson", 10, 36, 0.9)
    item = statement_input(stored_quote, article, DAY + timedelta(hours=3))
    assert (item.outlet, item.appeared_at, item.speaker, item.start_char) == (
        "x.org", DAY, "Niko Felix", 10)


def test_paraphrases_are_compared_with_every_version_seen_in_earlier_runs(directory) -> None:
    warehouse = Warehouse()
    run1 = assign_statements([
        quote(OPENAI_STATEMENT, hours=1),
        quote("the company was working to balance creativity with safety measures for broader use",
              kind="indirect", hours=2),
        quote("Sora remains in research preview", kind="indirect", hours=3),
    ], StatementIndex(directory))
    assert len(run1.new) == 1 and len(run1.fingerprints) == 1
    warehouse.load(run1)
    paraphrase = quote("Sora remains a research preview and the company is trying to balance "
                       "creativity with strong safety measures", kind="indirect", hours=30)
    run2 = assign_statements([paraphrase], warehouse.index(directory))
    assert run2.new == []
    assert run2.quote_statement[paraphrase.quote_id] == run1.new[0].statement_id
    # the same paraphrase against the first text alone would be a new statement
    text_only = StatementIndex(directory, list(warehouse.statements.values()))
    assert len(assign_statements([paraphrase], text_only).new) == 1


def test_an_unsure_attribution_joins_a_statement_but_never_founds_one():
    from datetime import UTC, datetime

    from presswatch.nlp.statements import (
        MIN_CONFIDENCE_TO_CREATE,
        SpeakerDirectory,
        StatementIndex,
        StatementInput,
        assign_statements,
    )
    from presswatch.story import default_story_path, load_story

    def quote(quote_id: str, content: str, confidence: float) -> StatementInput:
        return StatementInput(quote_id, quote_id, "outlet.example", None,
                              datetime(2024, 11, 26, tzinfo=UTC), content, "indirect",
                              "Niko Felix", "Felix", None, confidence)

    sure = quote("a", "participation in the research preview is voluntary for every artist", 0.9)
    unsure_same = quote("b", "participation in the research preview is voluntary for every artist",
                        MIN_CONFIDENCE_TO_CREATE - 0.1)
    unsure_new = quote("c", "the company will pay artists for testing from next month onwards",
                       MIN_CONFIDENCE_TO_CREATE - 0.1)
    index = StatementIndex(SpeakerDirectory(load_story(default_story_path())))
    result = assign_statements([unsure_same, unsure_new, sure], index)
    assert len(result.new) == 1
    assert result.quote_statement["b"] == result.quote_statement["a"] is not None
    assert result.quote_statement["c"] is None


def test_a_fuller_quote_that_adds_a_sentence_is_a_statement_of_its_own(directory) -> None:
    """Two sentences quoted together are not a version of the one quoted first: the second
    says something more, and the pair must not bridge the two statements."""
    index = StatementIndex(directory)
    first = quote("Participation is voluntary, with no obligation to provide feedback or use "
                  "the tool.", hours=1)
    pair = quote("Participation is voluntary, with no obligation to provide feedback or use the "
                 "tool. We have paused all access to Sora while the team reviews the leak.",
                 hours=2)
    result = assign_statements([first, pair], index)
    assert len(result.new) == 2
    assert result.quote_statement[first.quote_id] != result.quote_statement[pair.quote_id]


WHOLE_SENTENCES = [
    ("one-sentence", "Participation is voluntary, with no obligation to provide feedback or use "
                     "the tool."),
    ("two-sentences", "Hundreds of artists in our alpha have shaped Sora's development, helping "
                      "prioritize new features and safeguards. Participation is voluntary, with "
                      "no obligation to provide feedback or use the tool."),
    # five words or more cut from inside one sentence are that sentence's
    ("inside-a-sentence", "Hundreds of artists in our alpha have shaped Sora's development"),
    # a copy that misread one word ("aIpha") is still that cut
    ("misread-word", "Hundreds of artists in our aIpha have shaped Sora's development, helping "
                     "prioritize new features"),
    # cut by the writer's attribution: "..., with no obligation to provide feedback or use
    # the tool," he said
    ("before-attribution", "Sora is still in research preview, and we're working to balance "
                           "creativity with robust safety measures for broader use,"),
]


@pytest.mark.parametrize("case", WHOLE_SENTENCES, ids=[c[0] for c in WHOLE_SENTENCES])
@pytest.mark.parametrize("excerpt_first", [False, True], ids=["whole-first", "excerpt-first"])
def test_whole_sentences_quoted_alone_are_a_part_of_the_statement(directory, case,
                                                                   excerpt_first) -> None:
    """Some whole sentences of a statement, quoted alone, are a statement of their own (a
    scorer of who-said-what sees one quote per thing said), recorded as part of the fuller
    statement whichever was quoted first, so the two never count or alert as two things."""
    index = StatementIndex(directory)
    whole, excerpt = quote(OPENAI_STATEMENT, hours=1), quote(case[1], hours=2)
    if excerpt_first:
        whole, excerpt = replace(whole, published_at=DAY + timedelta(hours=3)), excerpt
    result = assign_statements([whole, excerpt], index)
    whole_id = result.quote_statement[whole.quote_id]
    excerpt_id = result.quote_statement[excerpt.quote_id]
    assert len(result.new) == 2 and whole_id != excerpt_id
    assert index.get(excerpt_id).part_of == whole_id
    assert index.get(whole_id).part_of is None


def test_a_sentence_of_a_part_belongs_to_the_whole(directory) -> None:
    """One sentence, then two, then all three: every part points at the fullest statement."""
    index = StatementIndex(directory)
    sentences = OPENAI_STATEMENT.split(". ")
    one = quote(sentences[2], hours=1)
    two = quote(". ".join(sentences[1:]), hours=2)
    three = quote(OPENAI_STATEMENT, hours=3)
    result = assign_statements([one, two, three], index)
    ids = [result.quote_statement[q.quote_id] for q in (one, two, three)]
    assert len(set(ids)) == 3
    assert [index.get(i).part_of for i in ids] == [ids[2], ids[2], None]


@pytest.mark.parametrize("cut_first", [False, True], ids=["sentence-first", "cut-first"])
def test_a_cut_from_a_sentence_quoted_alone_joins_that_sentence(directory, cut_first) -> None:
    """One outlet quotes a sentence of the statement alone, another only its first words: one
    part, not one part and the whole."""
    index = StatementIndex(directory)
    sentence = OPENAI_STATEMENT.split(". ")[1] + "."
    whole = quote(OPENAI_STATEMENT, hours=1)
    alone, cut = quote(sentence, hours=2), quote(sentence.split(",")[0], hours=2)
    if cut_first:
        cut = replace(cut, published_at=DAY + timedelta(hours=1, minutes=30))
    result = assign_statements([whole, alone, cut], index)
    ids = [result.quote_statement[q.quote_id] for q in (whole, alone, cut)]
    assert ids[1] == ids[2] != ids[0]
    assert index.get(ids[1]).part_of == ids[0]


def test_an_unsure_paraphrase_joins_only_what_it_mostly_agrees_with(directory) -> None:
    """'They criticised the company for having artists give unpaid feedback' (a stance verb:
    the writer's summary) holds words of the letter, but only agreement joins it."""
    index, _, letter = seeded(directory)
    summary = quote("hundreds of artists giving unpaid feedback", speaker="PR Puppets",
                    kind="indirect", confidence=0.35)
    reported = quote("hundreds of artists giving unpaid feedback", speaker="PR Puppets",
                     kind="indirect", confidence=0.85)
    assert assign_statements([summary], index).quote_statement[summary.quote_id] is None
    assert assign_statements([reported], index).quote_statement[reported.quote_id] == letter


GROUP_PARAGRAPH = (
    "We never agreed to this. The program asked hundreds of volunteers to test the tool, report "
    "bugs and make promotional clips for free, while the company kept every right to their work. "
    "We want fair pay and credit for everyone who took part."
)


@pytest.mark.parametrize("excerpt_first", [False, True], ids=["whole-first", "excerpt-first"])
def test_a_paragraph_quoted_without_its_short_opening_is_the_same_statement(
        directory, excerpt_first) -> None:
    """Sentences of a statement that hold nearly all of its words (an outlet dropped a short
    first sentence) are a version of it, one statement, whichever was quoted first; one
    sentence alone stays a part of its own, and another thing said stays apart."""
    index = StatementIndex(directory)
    rest = GROUP_PARAGRAPH.split(". ", 1)[1]
    whole = quote(GROUP_PARAGRAPH, speaker="PR Puppets", hours=3 if excerpt_first else 1)
    cut = quote(rest, speaker="PR Puppets", hours=2)
    one = quote("We want fair pay and credit for everyone who took part.", speaker="PR Puppets",
                hours=4)
    other = quote("We will publish the names of every volunteer next week.",
                  speaker="PR Puppets", hours=5)
    result = assign_statements([whole, cut, one, other], index)
    ids = [result.quote_statement[q.quote_id] for q in (whole, cut, one, other)]
    assert ids[0] == ids[1]
    assert len(set(ids)) == 3
    assert index.get(ids[2]).part_of == ids[0]


CHARGES = [
    # (the charge, the statement it holds words of, same statement?)
    ("having hundreds of artists give unpaid bug reports, feedback and experiments", False),
    ("exploiting hundreds of artists for unpaid feedback and experiments", False),
]


@pytest.mark.parametrize("charge_first", [False, True], ids=["claim-first", "charge-first"])
@pytest.mark.parametrize(("charge", "same"), CHARGES, ids=["for-having", "of-gerund"])
def test_a_charge_is_the_same_statement_only_where_it_mostly_agrees(
        directory, charge, same, charge_first) -> None:
    """'They criticise the company for having hundreds of artists give unpaid bug reports' shares
    words with the letter's 'Hundreds of artists have given unpaid labour ...: bug reports,
    feedback' but not its claim: two statements, whichever came first."""
    index = StatementIndex(directory)
    claim = quote(LETTER_LINE, speaker="PR Puppets", hours=2)
    blamed = quote(charge, speaker="PR Puppets", kind="indirect", confidence=0.6,
                   hours=1 if charge_first else 3)
    result = assign_statements([claim, blamed], index)
    ids = {result.quote_statement[q.quote_id] for q in (claim, blamed)}
    assert (len(ids) == 1) is same


def test_a_clause_holding_the_claims_words_is_still_a_version(directory) -> None:
    """Not a charge: 'it said the volunteers filed unpaid bug reports and feedback' is the
    letter's claim reported, a version of it."""
    index = StatementIndex(directory)
    claim = quote(LETTER_LINE, speaker="PR Puppets", hours=1)
    reported = quote("hundreds of artists gave unpaid labour: bug reports, feedback and "
                     "experiments", speaker="PR Puppets", kind="indirect", confidence=0.85,
                     hours=2)
    result = assign_statements([claim, reported], index)
    assert result.quote_statement[claim.quote_id] == result.quote_statement[reported.quote_id]


@pytest.mark.parametrize(("text", "gerund"), [
    ("having hundreds of artists provide unpaid testing", True),
    ("exploiting artists", True),
    ("nothing has changed", False),
    ("something is wrong with the rota", False),
    ("during the walkout the ward was short", False),
    ("it was exploiting artists", False),
    ("Boeing will fix it", False),
])
def test_only_a_gerund_opens_a_charge(text, gerund) -> None:
    """Words in -ing that open a clause without being a gerund (statement_non_gerunds) are no
    charge: 'nothing has changed' is a claim."""
    assert opens_on_gerund(text) is gerund
