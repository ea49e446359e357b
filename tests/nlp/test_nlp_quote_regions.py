"""Quotation-mark regions, without the model: the first step of quote extraction."""

from __future__ import annotations

import pytest

from presswatch.nlp.attribution.marks import quote_regions


def _inner(text):
    return [text[r.start : r.end] for r in quote_regions(text)]


@pytest.mark.parametrize(
    ("text", "inner"),
    [
        ('"Sora is in preview," he said.', ["Sora is in preview,"]),
        ("“Sora is in preview,” he said.", ["Sora is in preview,"]),
        ("''Sora is in preview,'' he said.", ["Sora is in preview,"]),
        ('He called it "art washing" and "unpaid".', ["art washing", "unpaid"]),
        ("No quotation marks at all.", []),
        # a long quote: the paragraph stays open, the next one re-opens it
        ('The letter reads:\n\n"First part.\n\n"Second part."', ['First part.\n\n"Second part.']),
        # a quote left open with no continuation ends at its paragraph
        ('"Unclosed quote here\n\nNext paragraph.', ["Unclosed quote here"]),
    ],
)
def test_quote_regions(text, inner):
    assert _inner(text) == inner


def test_statement_or_phrase():
    text = 'A film called "Air Head" and a line: "We are not your PR puppets."'
    title, line = quote_regions(text)
    assert not title.is_statement(text)
    assert line.is_statement(text)
