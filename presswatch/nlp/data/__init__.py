"""Word lists (reporting verbs, role nouns, ...) as data files, read once per process."""

from __future__ import annotations

from functools import cache
from importlib import resources


class WordListError(LookupError):
    """A word list named by a component is not in presswatch/nlp/data/."""


@cache
def word_list(name: str) -> tuple[str, ...]:
    """Lines of presswatch/nlp/data/<name>.txt, lower-cased, without comments and blank lines."""
    path = resources.files(__package__) / f"{name}.txt"
    if not path.is_file():
        raise WordListError(f"no word list {name!r}: expected a file {path}")
    lines = (line.split("#", 1)[0].strip().lower() for line in path.read_text("utf-8").split("\n"))
    return tuple(line for line in lines if line)


def word_set(name: str) -> frozenset[str]:
    return frozenset(word_list(name))


def word_table(name: str) -> dict[str, str]:
    """A two-column list ("company org") as a mapping from first word to second."""
    return dict(line.rsplit(" ", 1) for line in word_list(name))
