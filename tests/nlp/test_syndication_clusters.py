"""Copies are grouped, articles that quote the same letter are not, and it holds across runs."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from presswatch.nlp.syndication import (
    ArticleSignature,
    SignatureError,
    SyndicationIndex,
    cluster_articles,
    lookup_keys,
    sketch_article,
)

LETTER = (
    "We received access to Sora with the promise to be early testers, red teamers and creative "
    "partners. However, we believe instead we are being lured into art washing to tell the world "
    "that Sora is a useful tool for artists. Hundreds of artists provide unpaid labor through bug "
    "testing, feedback and experimental work for the program for a 150B valued company. While "
    "hundreds contribute for free, a select few will be chosen through a competition to have "
    "their Sora-created films screened, offering minimal compensation which pales in comparison "
    "to the substantial PR and marketing value OpenAI receives. We are not against the use of AI "
    "technology as a tool for the arts, but we do not agree with how this artist program has "
    "been rolled out and how the tool is shaping up ahead of a possible public release."
)
VOCAB = sorted(set(LETTER.lower().replace(",", "").replace(".", "").split())) + [
    f"{stem}{n}" for stem in ("report", "outlet", "market", "figure") for n in range(40)
]
DAY = datetime(2024, 11, 26, 12, tzinfo=UTC)


def prose(seed: int, n_words: int) -> str:
    """Reporting that no other article shares: seeded random words, one sentence per 15."""
    rng = random.Random(seed)
    chosen = [rng.choice(VOCAB) for _ in range(n_words)]
    sentences = [" ".join(chosen[i : i + 15]).capitalize() + "." for i in range(0, n_words, 15)]
    return " ".join(sentences)


def sign(article_id: str, text: str, hours: int = 0, seen_hours: int = 30) -> ArticleSignature:
    published = DAY + timedelta(hours=hours)
    return sketch_article(article_id, text, published, DAY + timedelta(hours=seen_hours))


ORIGINAL = prose(1, 450)


def cluster(signatures: list[ArticleSignature], index: SyndicationIndex | None = None):
    index = index if index is not None else SyndicationIndex()
    result = cluster_articles(signatures, index)
    return {a.article_id: a for a in result.assignments}, result


def edit_words(text: str, every: int) -> str:
    """Change one word in `every`: an editor's touch on a wire copy."""
    tokens = text.split(" ")
    return " ".join("changed" if i % every == 0 else t for i, t in enumerate(tokens))


COPY_CASES = [
    ("exact-reformatted", ORIGINAL.upper().replace(". ", ".\n\n"), "exact"),
    ("outlet-header-footer", "By Wire Staff. " + ORIGINAL + " Read more on our site.", "near"),
    ("light-edits", edit_words(ORIGINAL, 40), "near"),
    ("truncated", " ".join(ORIGINAL.split(" ")[:330]), "near"),
]


@pytest.mark.parametrize(("name", "copy", "kind"), COPY_CASES, ids=[c[0] for c in COPY_CASES])
def test_copies_join_the_earliest(name: str, copy: str, kind: str) -> None:
    got, result = cluster([sign("copy", copy, hours=5), sign("orig", ORIGINAL, hours=1)])
    assert got["orig"].cluster_id == "orig" and got["orig"].kind == "original"
    assert got["copy"].cluster_id == "orig"
    assert got["copy"].kind == kind and got["copy"].copy_of == "orig"
    assert result.reroots == {}


NOT_COPY_CASES = [
    ("letter-half", prose(2, 200) + " " + LETTER + " " + prose(3, 20),
     prose(4, 150) + " " + LETTER + " " + prose(5, 60)),
    ("letter-most", prose(6, 80) + " " + LETTER, LETTER + " " + prose(7, 90)),
    ("same-topic-own-words", prose(8, 400), prose(9, 400)),
    ("short-identical-stubs", "Page not found.", "Page not found."),
    ("first-third-reused", " ".join(ORIGINAL.split(" ")[:150]) + " " + prose(10, 300), ORIGINAL),
]


@pytest.mark.parametrize(("name", "a", "b"), NOT_COPY_CASES, ids=[c[0] for c in NOT_COPY_CASES])
def test_shared_passages_are_not_copies(name: str, a: str, b: str) -> None:
    got, _ = cluster([sign("a", a, hours=1), sign("b", b, hours=2)])
    assert got["a"].cluster_id == "a"
    assert got["b"].cluster_id == "b" and got["b"].kind == "original"


def test_root_is_earliest_published_then_first_seen() -> None:
    undated = sketch_article("undated", ORIGINAL, None, DAY + timedelta(hours=2))
    got, _ = cluster([sign("late", ORIGINAL, hours=9), undated, sign("early", ORIGINAL, hours=3)])
    assert {a.cluster_id for a in got.values()} == {"undated"}
    tie_late_seen = sign("b-seen-later", ORIGINAL, hours=1, seen_hours=50)
    got, _ = cluster([tie_late_seen, sign("z-seen-first", ORIGINAL, hours=1, seen_hours=40)])
    assert got["b-seen-later"].cluster_id == "z-seen-first"


def stored(signatures: list[ArticleSignature]) -> list[ArticleSignature]:
    """Signatures as read back from the warehouse: plain values, a fresh object each."""
    return [ArticleSignature(**vars(s)) for s in signatures]


def test_second_run_joins_stored_clusters_and_reroots_when_earlier() -> None:
    first, result1 = cluster([sign("orig", ORIGINAL, hours=5), sign("other", prose(11, 400))])
    index = SyndicationIndex(stored(result1.signatures))
    got, result2 = cluster([sign("copy", "Wire: " + ORIGINAL, hours=8)], index)
    assert got["copy"].cluster_id == "orig" and result2.reroots == {}
    # a copy published before the stored root, crawled only now, becomes the root
    index = SyndicationIndex(stored(result1.signatures + result2.signatures))
    got, result3 = cluster([sign("earlier", ORIGINAL + " Updated.", hours=1)], index)
    assert got["earlier"].cluster_id == "earlier"
    assert result3.reroots == {"orig": "earlier"}
    assert index.get("copy").cluster_id == "earlier"


def test_new_article_bridging_two_stored_clusters_merges_them() -> None:
    base = ORIGINAL.split(" ")
    head, tail = " ".join(base[:300]), " ".join(base[150:])  # half of each shared: not copies
    _, run1 = cluster([sign("head", head, hours=2), sign("tail", tail, hours=1)])
    assert {s.cluster_id for s in run1.signatures} == {"head", "tail"}
    index = SyndicationIndex(stored(run1.signatures))
    got, run2 = cluster([sign("whole", ORIGINAL, hours=3)], index)  # a copy of each
    assert got["whole"].cluster_id == "tail"
    assert run2.reroots == {"head": "tail"}
    assert index.get("head").cluster_id == "tail"


def test_two_articles_pasted_together_copy_neither() -> None:
    part_a, part_b = prose(12, 300), prose(13, 300)
    _, run1 = cluster([sign("a", part_a, hours=1), sign("b", part_b, hours=2)])
    got, run2 = cluster([sign("ab", part_a + " " + part_b, hours=3)],
                        SyndicationIndex(stored(run1.signatures)))
    assert got["ab"].cluster_id == "ab" and run2.reroots == {}


def test_rerun_of_the_same_articles_adds_nothing() -> None:
    batch = [sign("orig", ORIGINAL, hours=1), sign("copy", ORIGINAL, hours=2)]
    _, run1 = cluster(batch)
    index = SyndicationIndex(stored(run1.signatures))
    _, again = cluster(batch, index)
    assert again.assignments == [] and again.signatures == []


def test_prefiltered_index_gives_the_same_clusters_as_the_full_one() -> None:
    history = [sign(f"h{i}", prose(100 + i, 300), hours=i) for i in range(40)]
    history.append(sign("orig", ORIGINAL, hours=1))
    _, run1 = cluster(history)
    new = [sign("copy", "Wire: " + edit_words(ORIGINAL, 50), hours=50), sign("n", prose(7, 300))]
    hashes, bands = lookup_keys(new)
    wanted = [s for s in run1.signatures
              if s.text_hash in hashes or bands.intersection(s.band_keys)]
    assert [s.article_id for s in wanted] == ["orig"]
    full, _ = cluster(new, SyndicationIndex(stored(run1.signatures)))
    filtered, _ = cluster(new, SyndicationIndex(stored(wanted)))
    assert full == filtered and full["copy"].cluster_id == "orig"


def test_signature_with_other_parameters_is_refused() -> None:
    bad = replace(sign("x", ORIGINAL), minhash=b"\0" * 64)
    with pytest.raises(SignatureError, match="article x"):
        SyndicationIndex([bad])


@pytest.mark.parametrize("text", [
    ORIGINAL,
    "Zoë Müller told Le Monde that the naïve café's façade — “intact” — will stay. " * 5,
    "Four words only here",
    "Five words exactly are here",
    "",
    # thousands of shingles, every hash value in play
    " ".join(f"w{(i * 7919) % 1009}" for i in range(3000)),
])
def test_signature_is_datasketch_minhash_of_the_five_word_shingles(text: str) -> None:
    """Signatures stored by earlier versions stay comparable: the batched hashing gives what
    datasketch's own MinHash gives for the same shingles (non-ASCII and short texts too)."""
    import hashlib

    from datasketch import MinHash

    from presswatch.nlp.relevance import words

    tokens = words(text)
    shingles = {" ".join(tokens[i : i + 5]).encode("utf-8")
                for i in range(max(len(tokens) - 4, 1))}
    reference = MinHash(num_perm=128, seed=1, scheme="affine32")
    reference.update_batch(list(shingles))
    signature = sign("x", text)
    assert signature.minhash == reference.hashvalues.astype("<u4").tobytes()
    assert signature.text_hash == hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()
    assert signature.n_shingles == (len(shingles) if len(tokens) >= 5 else 0)
