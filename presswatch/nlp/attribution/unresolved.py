"""Speaker descriptions no rule resolved: what a story file may be missing, before a first run.

`presswatch story check --sources` reads a few fetched pages through the story's pipeline and
lists the descriptions that stayed without an actor ('the collective said', 'its lawyer
said'), so that a user can give an entity a kind or a role, or, as a last resort, list the
words in its speaker_aliases (docs/story-file.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from spacy.language import Language

from presswatch.nlp.attribution.record import SPEECH, raw_quotes


def unresolved_descriptions(nlp: Language, texts: Iterable[str]) -> Counter[str]:
    """Each description a statement's speaker is given that resolved to no actor, lower case,
    with the number of texts that use it. Pronouns and words like 'others' are left out (they
    name no one by themselves), and so are names (a name is its own actor)."""
    found: Counter[str] = Counter()
    for doc in nlp.pipe(texts):
        used = set()
        for quote in raw_quotes(doc):
            if quote.act != SPEECH or quote.speaker is None or quote.basis != "unresolved":
                continue
            head = doc[quote.speaker_head] if quote.speaker_head is not None else None
            if head is None or head.pos_ != "NOUN":
                continue
            used.add(" ".join(doc.text[quote.speaker[0] : quote.speaker[1]].lower().split()))
        found.update(used)
    return found
