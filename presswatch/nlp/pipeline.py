"""Build the spaCy pipeline for a story: the trained model, the story's names, our components.

Our components are registered factories (`presswatch_entity_linker`, `presswatch_quotes`,
`presswatch_speakers`), so a user can add them to a pipeline of their own; everything
story-specific reaches them through their config, never through globals.
"""

from __future__ import annotations

from collections.abc import Iterable

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from srsly.msgpack import msgpack_decoders, msgpack_encoders

import presswatch.nlp.attribution  # noqa: F401  (registers presswatch_quotes, presswatch_speakers)
from presswatch.nlp.attribute_rules import use_attribute_rules
from presswatch.nlp.entities import alias_table, label_table, ruler_patterns
from presswatch.nlp.model import not_installed
from presswatch.story import Story

# Trained components none of our steps reads; excluded so they cost nothing.
UNUSED_COMPONENTS = ("senter", "textcat", "textcat_multilabel", "morphologizer",
                     "trainable_lemmatizer", "entity_linker", "spancat")


class ModelNotInstalledError(RuntimeError):
    """The spaCy model named in the story's [nlp] section cannot be loaded."""


def load_model(name: str) -> Language:
    """The trained model without the components we never read."""
    hooks_looked_up_once()
    try:
        return spacy.load(name, exclude=list(UNUSED_COMPONENTS))
    except OSError as exc:
        raise ModelNotInstalledError(not_installed(name)) from exc


def hooks_looked_up_once() -> None:
    """srsly's msgpack, which carries every Doc to and from the spaCy processes, looks its
    encoder and decoder hooks up among all installed packages' entry points on every call
    (0.4 ms each here, several calls per Doc each way). The hooks those entry points name are
    registered once, and the per-call look-up is turned off: the same hooks, found once."""
    for hooks in (msgpack_encoders, msgpack_decoders):
        if not hooks.entry_points:
            continue
        named = hooks.get_entry_points()
        hooks.entry_points = False
        registered = hooks.get_all()  # these win over entry points of the same name
        for name, hook in named.items():
            if name not in registered:
                hooks.register(name, func=hook)


@Language.component("presswatch_paragraph_breaks", assigns=["token.is_sent_start"])
def paragraph_breaks(doc: Doc) -> Doc:
    """A line break always ends a sentence: without this the parser runs a sentence (and so a
    reported clause) across paragraphs. Runs before the parser, which keeps preset boundaries."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and "\n" in previous.text and not token.is_space:
            token.is_sent_start = True
    return doc


def build_pipeline(story: Story, outlets: Iterable[str] = ()) -> Language:
    """The story's model plus an entity ruler before `ner` and our linker, quotes and speakers.
    `outlets`: more outlet names (a warehouse's site names) that are never speakers."""
    nlp = load_model(story.nlp.model)
    use_attribute_rules(nlp)  # the same rules as the model's ruler, at a quarter of its cost
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("presswatch_paragraph_breaks", before="parser")
    ruler = nlp.add_pipe(
        "entity_ruler",
        name="story_entities",
        before="ner" if "ner" in nlp.pipe_names else None,
        config={"overwrite_ents": True},
    )
    # The phrase patterns match on their words (the ruler's default, ORTH), so the components
    # before the ruler, which spaCy runs on every pattern as it is added, are switched off
    # meanwhile: the same patterns, 0.25 CPU s sooner at each start.
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(ruler_patterns(story))
    nlp.add_pipe(
        "presswatch_entity_linker",
        config={"aliases": alias_table(story), "labels": label_table(story)},
    )
    nlp.add_pipe("presswatch_quotes")
    roles = {entity.name: entity.role for entity in story.entities if entity.role}
    described = {entity.name: entity.speaker_aliases for entity in story.entities
                 if entity.speaker_aliases}
    nlp.add_pipe("presswatch_speakers", config={
        "roles": roles, "speaker_aliases": described,
        "outlets": sorted({*story.outlet_names(), *outlets}),
        "organisations": {entity.name: entity.organisation for entity in story.entities
                          if entity.organisation},
        "described_only": [entity.name for entity in story.entities
                           if not entity.named_in_text],
        "core": list(story.relevance.core_entities),
        "labels": label_table(story),
        "kinds": {entity.name: entity.kind for entity in story.entities if entity.kind}})
    return nlp
