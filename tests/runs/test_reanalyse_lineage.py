"""How a re-analysis reads its own change: old and new quotes -> statements merged, split,
replaced, removed or added, and which new statements inherit an alert judgement. Table-driven,
each case a small stored analysis and a new one (ids as a fresh index would give them)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from presswatch.records import Quote, Statement
from presswatch.runs.reanalyse import Reanalysis, compare
from presswatch.warehouse.reanalysis import StoredAnalysis, StoredQuote, StoredStatement

SPEAKERS = {"A": "PR Puppets", "B": "PR Puppets", "C": "PR Puppets", "D": "OpenAI"}
WHEN = datetime(2024, 11, 26, tzinfo=UTC)


def _old(quotes: dict[str, str], judged: set[str] = frozenset(("A", "B"))) -> StoredAnalysis:
    """quotes: quote id -> statement id of the stored analysis."""
    return StoredAnalysis(
        runs=[],
        quotes={q: StoredQuote(q, "art", f"words {q}", None, s, SPEAKERS[s])
                for q, s in quotes.items()},
        statements={s: StoredStatement(s, SPEAKERS[s], f"text {s}", s in judged, f"key-{s}")
                    for s in sorted(set(quotes.values()))},
        entities=set(), guard=())


def _new(quotes: dict[str, str]) -> Reanalysis:
    return Reanalysis(
        batches=[],
        quotes={q: Quote(q, "art", f"words {q}", "said", "direct", None, None, None, 0, 1, 0.9,
                         s) for q, s in quotes.items()},
        statements={s: Statement(s, SPEAKERS[s], None, None, f"text {s}", WHEN, "art")
                    for s in sorted(set(quotes.values()))},
        entities=set(), n_articles=1)


CASES = {
    # name: (old quote -> statement, new quote -> statement, lineage rows, new ids judged)
    "unchanged": ({"q1": "A", "q2": "A"}, {"q1": "A", "q2": "A"}, set(), {}),
    "two merged into a new one": (
        {"q1": "A", "q2": "B"}, {"q1": "C", "q2": "C"},
        {("A", "C", "merged", 1), ("B", "C", "merged", 1)}, {"C": "key-A"}),
    "one merged into one that keeps its id": (
        {"q1": "A", "q2": "B"}, {"q1": "A", "q2": "A"}, {("B", "A", "merged", 1)}, {}),
    "split in two": (
        {"q1": "A", "q2": "A"}, {"q1": "B", "q2": "C"},
        {("A", "B", "split", 1), ("A", "C", "split", 1)}, {"B": "key-A", "C": "key-A"}),
    "re-attributed": ({"q1": "A"}, {"q1": "D"}, {("A", "D", "replaced", 1)}, {"D": "key-A"}),
    "removed": ({"q1": "A", "q2": "B"}, {"q1": "A"}, {("B", None, "removed", 0)}, {}),
    "added in old articles: old news, judged": (
        {"q1": "A"}, {"q1": "A", "q2": "C"}, {(None, "C", "added", 0)}, {"C": None}),
}


@pytest.mark.parametrize("name", CASES)
def test_lineage_and_judgements(name):
    old_quotes, new_quotes, lineage, judged = CASES[name]
    changes = compare(_old(old_quotes), _new(new_quotes), "r1")
    rows = {(r.old_statement_id, r.new_statement_id, r.change, r.n_quotes)
            for r in changes.lineage}
    assert rows == lineage
    assert changes.judged == judged
    assert set(changes.statements_kept) == set(old_quotes.values()) & set(new_quotes.values())


def test_a_statement_from_unjudged_ones_waits_to_be_judged():
    changes = compare(_old({"q1": "A"}, judged=set()), _new({"q1": "C"}), "r1")
    assert changes.judged == {}  # the alert stage judges it, as it would have judged A


def test_counts_what_moved():
    changes = compare(_old({"q1": "A", "q2": "B", "q3": "A"}),
                      _new({"q1": "D", "q2": "B", "q4": "B"}), "r1")
    assert [q.quote_id for q in changes.quotes_added] == ["q4"]
    assert changes.quotes_removed == ["words q3"]
    assert changes.quotes_reattributed == [("words q1", "PR Puppets", "OpenAI")]
    assert (changes.statements_added, changes.statements_removed) == (["D"], ["A"])
    assert changes.statements_reattributed == 1
    assert (changes.speakers_added, changes.speakers_removed) == (["OpenAI"], [])
    assert changes.count("replaced") == 1 and changes.count("split") == 0  # A -> D, less q3
