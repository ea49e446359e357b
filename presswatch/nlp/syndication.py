"""Group copies of one article (wire copies, syndication, re-posts) into clusters.

Exact copies share the hash of their normalised words; near copies are found with datasketch's
MinHash over word shingles and MinHashLSH, then confirmed on the whole texts: the estimated
Jaccard of the two shingle sets, or the containment of the shorter in the longer when lengths are
comparable (a truncated copy). Two articles that quote the same long passage of an open letter
share that passage but not the rest, so neither measure reaches the bar and they stay apart.

A cluster's id is the article_id of its earliest copy (published_at, then first_seen_at).

Persistence: every article leaves an `ArticleSignature` (512 bytes of MinHash values, the text hash,
the cluster id) in `article_signatures`, plus its LSH band keys in `signature_bands`. A run never
re-reads texts: the warehouse loads only the stored signatures that share a band key or text hash
with the new articles (`lookup_keys`), plus their cluster roots, so a run costs O(new articles).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache, cached_property
from itertools import accumulate
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # datasketch (and the scipy it imports) loads when a run first sketches
    from datasketch import LeanMinHash, MinHashLSH

from presswatch.nlp.relevance import words
from presswatch.records import as_utc

NUM_PERM = 128  # stored signatures depend on these four: change them only with a re-sketch
SEED = 1
SCHEME = "affine32"  # datasketch 2's 32-bit hash values
SHINGLE_WORDS = 5
LSH_THRESHOLD = 0.5  # candidates; the decision is made by the bars below
NEAR_COPY_JACCARD = 0.7
NEAR_COPY_CONTAINMENT = 0.85  # of the shorter text in the longer...
MIN_LENGTH_RATIO = 0.6  # ...when the shorter has at least this share of the longer's shingles
MIN_WORDS = 30  # shorter texts (stubs, error pages) are never clustered


class SignatureError(ValueError):
    """A stored signature that does not fit this code's MinHash parameters."""


@dataclass(frozen=True)
class ArticleSignature:
    """What syndication keeps of an article: the row of `article_signatures`.

    Keep the field order: the flow builds these positionally from the warehouse's candidate
    query (ArticleSignature(*row)).
    """

    article_id: str
    published_at: datetime | None
    first_seen_at: datetime
    text_hash: str  # sha256 of the folded words: equal means exact copy
    n_shingles: int  # size of the shingle set, for containment
    minhash: bytes  # NUM_PERM little-endian uint32 values (512 bytes)
    cluster_id: str | None = None  # None until clustered

    @property
    def band_keys(self) -> list[str]:
        """The LSH buckets this signature falls in: rows of `signature_bands`."""
        return _band_keys(self.minhash)

    @property
    def is_clusterable(self) -> bool:
        return self.n_shingles >= MIN_WORDS - SHINGLE_WORDS + 1


@dataclass(frozen=True)
class SignatureBand:
    """A row of `signature_bands`: one LSH bucket one stored signature falls in."""

    band_key: str
    article_id: str


def band_rows(signatures: Iterable[ArticleSignature]) -> list[SignatureBand]:
    """The `signature_bands` rows of these signatures, to load beside them."""
    return [SignatureBand(key, s.article_id) for s in signatures for key in s.band_keys]


@dataclass(frozen=True)
class ClusterAssignment:
    article_id: str
    cluster_id: str
    kind: str  # "original" | "exact" | "near"
    copy_of: str | None  # the article it was matched with
    similarity: float | None  # estimated Jaccard with copy_of


@dataclass
class ClusterResult:
    """What to store: signatures with cluster ids, assignments, and clusters to re-root."""

    assignments: list[ClusterAssignment]
    signatures: list[ArticleSignature]
    # old cluster_id -> new cluster_id, when a new article turned out earlier than a stored
    # cluster's root or joined two stored clusters: update articles and article_signatures.
    reroots: dict[str, str] = field(default_factory=dict)


@cache
def _optimal_params() -> tuple[int, int]:
    """Bands and rows for the threshold: datasketch finds them by numerical integration
    (about 0.1 s), so once a process, then given to every index (a backfill makes one a batch)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def _lsh() -> MinHashLSH:
    from datasketch import MinHashLSH

    return MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, params=_optimal_params())


@cache
def _bands() -> list[tuple[int, int]]:
    return _lsh().hashranges


def _band_keys(minhash: bytes) -> list[str]:
    values = np.frombuffer(minhash, dtype="<u4")
    return [
        f"{i}:{hashlib.blake2b(values[start:end].tobytes(), digest_size=8).hexdigest()}"
        for i, (start, end) in enumerate(_bands())
    ]


def _minhash(signature: ArticleSignature) -> LeanMinHash:
    from datasketch import LeanMinHash

    values = np.frombuffer(signature.minhash, dtype="<u4")
    if values.shape != (NUM_PERM,):
        raise SignatureError(
            f"signature of article {signature.article_id} has {values.size} values, expected "
            f"{NUM_PERM}: it was made with other parameters; re-sketch the stored articles"
        )
    # LeanMinHash: no permutation tables, so rebuilding 100k stored signatures stays cheap
    return LeanMinHash(seed=SEED, hashvalues=values.astype(np.uint32), scheme=SCHEME)


def sketch_article(
    article_id: str, text: str, published_at: datetime | None, first_seen_at: datetime
) -> ArticleSignature:
    """Signature of one article's text (title excluded: outlets retitle copies)."""
    tokens = words(text)
    joined = " ".join(tokens).encode("utf-8")
    shingles = _shingles(tokens, joined)
    return ArticleSignature(
        article_id=article_id,
        published_at=published_at,
        first_seen_at=first_seen_at,
        text_hash=hashlib.sha256(joined).hexdigest(),
        n_shingles=len(shingles) if len(tokens) >= SHINGLE_WORDS else 0,
        minhash=_affine32_minhash(_sha1_hash32(shingles)).astype("<u4").tobytes(),
    )


def _shingles(tokens: list[str], joined: bytes) -> set[bytes]:
    """Every run of SHINGLE_WORDS words joined by spaces, as UTF-8 (all the words when there
    are fewer): slices of `joined` (the words joined and encoded once)."""
    if len(tokens) < SHINGLE_WORDS:
        return {joined}
    sizes = [len(token) for token in tokens] if joined.isascii() else [
        len(token.encode("utf-8")) for token in tokens]
    starts = list(accumulate((size + 1 for size in sizes), initial=0))
    return {joined[start:end - 1]
            for start, end in zip(starts, starts[SHINGLE_WORDS:], strict=False)}


@cache
def _permutations() -> np.ndarray:
    """The SEED's permutations, drawn once: MinHash draws them again for every article."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def _sha1_hash32(shingles: Iterable[bytes]) -> np.ndarray:
    """datasketch's default hash (`sha1_hash32`: SHA-1's first four bytes, little-endian) of
    every shingle at once, instead of one function call and one `struct.unpack` each."""
    sha1 = hashlib.sha1
    digests = b"".join([sha1(shingle).digest() for shingle in shingles])
    return np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32)  # 20 bytes a digest


def _affine32_minhash(hashes: np.ndarray) -> np.ndarray:
    """What datasketch 2's MinHash.update_batch makes of these 32-bit hashes under the
    "affine32" scheme, in one pass of array arithmetic instead of a MinHash object and a
    Python int per hash: each hash mixed by MurmurHash3's 32-bit finalizer, then
    a * h + b (mod 2^32) for every permutation (a, b), the minimum over the hashes kept.
    tests/nlp/test_syndication_clusters.py holds it to datasketch's own result."""
    mixed = hashes.reshape(-1, 1)
    mixed = mixed ^ (mixed >> np.uint32(16))
    mixed = mixed * np.uint32(0x85EBCA6B)
    mixed = mixed ^ (mixed >> np.uint32(13))
    mixed = mixed * np.uint32(0xC2B2AE35)
    mixed = mixed ^ (mixed >> np.uint32(16))
    a, b = _permutations()
    return (mixed * a + b).min(axis=0)  # never empty: a text has at least one shingle


def _order(signature: ArticleSignature) -> tuple[datetime, datetime, str]:
    """Earliest copy first: published_at (or first seen when undated), then first seen."""
    first_seen = as_utc(signature.first_seen_at)
    published = as_utc(signature.published_at) if signature.published_at else first_seen
    return (published, first_seen, signature.article_id)


class SyndicationIndex:
    """Stored signatures in a MinHashLSH, ready to match new articles against.

    Load it with all stored signatures, or (cheaper) only with those returned by the SQL lookup
    on `lookup_keys(new)` and their cluster roots: both give the same clusters.
    """

    def __init__(self, signatures: Iterable[ArticleSignature] = ()) -> None:
        self._by_id: dict[str, ArticleSignature] = {}
        self._minhash: dict[str, LeanMinHash] = {}
        self._by_hash: dict[str, list[str]] = {}
        for signature in signatures:
            self.add(signature)

    @cached_property
    def _buckets(self) -> MinHashLSH:
        """Made on first use: a run that sketches nothing never imports datasketch."""
        return _lsh()

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, signature: ArticleSignature) -> None:
        if signature.article_id in self._by_id:
            return
        self._by_id[signature.article_id] = signature
        if not signature.is_clusterable:
            return
        minhash = _minhash(signature)
        self._minhash[signature.article_id] = minhash
        self._buckets.insert(signature.article_id, minhash)
        self._by_hash.setdefault(signature.text_hash, []).append(signature.article_id)

    def get(self, article_id: str) -> ArticleSignature | None:
        return self._by_id.get(article_id)

    def set_cluster(self, signature: ArticleSignature) -> None:
        """Replace an indexed signature by the same one with its cluster id decided."""
        self._by_id[signature.article_id] = signature

    def reroot(self, reroots: dict[str, str]) -> None:
        """Move members of re-rooted clusters, as the warehouse does with its rows."""
        for signature in list(self._by_id.values()):
            if signature.cluster_id in reroots:
                self.set_cluster(replace(signature, cluster_id=reroots[signature.cluster_id]))

    def copies_of(self, signature: ArticleSignature) -> list[tuple[str, str, float]]:
        """(article_id, kind, similarity) of every indexed copy of this signature."""
        if not signature.is_clusterable:
            return []
        found = [(i, "exact", 1.0) for i in self._by_hash.get(signature.text_hash, [])]
        exact = {i for i, _, _ in found}
        minhash = _minhash(signature)
        for other_id in self._buckets.query(minhash):
            if other_id in exact or other_id == signature.article_id:
                continue
            other = self._by_id[other_id]
            jaccard = minhash.jaccard(self._minhash[other_id])
            if _is_near_copy(jaccard, signature.n_shingles, other.n_shingles):
                found.append((other_id, "near", round(jaccard, 4)))
        return [f for f in found if f[0] != signature.article_id]


def _is_near_copy(jaccard: float, size_a: int, size_b: int) -> bool:
    """Whole-text test: most of both texts shared, or the shorter almost wholly inside."""
    if jaccard >= NEAR_COPY_JACCARD:
        return True
    small, large = sorted((size_a, size_b))
    if small < MIN_LENGTH_RATIO * large:
        return False
    shared = jaccard / (1 + jaccard) * (size_a + size_b)
    return shared / small >= NEAR_COPY_CONTAINMENT


def lookup_keys(new: Iterable[ArticleSignature]) -> tuple[set[str], set[str]]:
    """(text hashes, band keys) of new articles: stored signatures sharing any are candidates."""
    hashes: set[str] = set()
    bands: set[str] = set()
    for signature in new:
        if signature.is_clusterable:
            hashes.add(signature.text_hash)
            bands.update(signature.band_keys)
    return hashes, bands


def cluster_articles(new: list[ArticleSignature], index: SyndicationIndex) -> ClusterResult:
    """Assign each new article to a cluster; adds them to the index for the next batch.

    New articles are matched against the index and each other, copies joined transitively, and
    each cluster rooted at its earliest member. A stored cluster whose root is not loaded keeps
    its root (it is at least as early as any loaded member).
    """
    pending = sorted({s.article_id: s for s in new if index.get(s.article_id) is None}.values(),
                     key=_order)
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    def union(a: str, b: str) -> None:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[root_b] = root_a

    matched: dict[str, tuple[str, str, float]] = {}
    for signature in pending:
        copies = index.copies_of(signature)
        index.add(signature)
        for other_id, _, _ in copies:
            other = index.get(other_id)
            assert other is not None  # copies_of only returns indexed articles
            # a stored article stands for its whole stored cluster
            union(signature.article_id, other.cluster_id or other_id)
        if copies:
            best = max(copies, key=lambda c: (c[2], c[1] == "exact"))
            matched[signature.article_id] = best
            # an earlier new article matched later still names a copy it was joined with
            matched.setdefault(best[0], (signature.article_id, best[1], best[2]))

    components: dict[str, list[str]] = {}
    for node in {*parent, *parent.values(), *(s.article_id for s in pending)}:
        components.setdefault(find(node), []).append(node)

    new_ids = {s.article_id for s in pending}
    cluster_of: dict[str, str] = {}
    reroots: dict[str, str] = {}
    for members in components.values():
        stored_roots = [m for m in members if m not in new_ids]
        unknown_root = [m for m in stored_roots if index.get(m) is None]
        if unknown_root:
            root = min(unknown_root)  # not loaded: assume it is the earliest
        else:
            root = min(members, key=lambda m: _order(index.get(m)))  # type: ignore[arg-type]
        for member in members:
            if member in new_ids:
                cluster_of[member] = root
            elif member != root:
                reroots[member] = root

    signatures, assignments = [], []
    for signature in pending:
        cluster_id = cluster_of[signature.article_id]
        stored = replace(signature, cluster_id=cluster_id)
        index.set_cluster(stored)
        signatures.append(stored)
        copy_of, kind, similarity = matched.get(signature.article_id, (None, "original", None))
        if cluster_id == signature.article_id:
            copy_of, kind, similarity = None, "original", None
        assignments.append(
            ClusterAssignment(signature.article_id, cluster_id, kind, copy_of, similarity)
        )
    index.reroot(reroots)
    return ClusterResult(assignments=assignments, signatures=signatures, reroots=reroots)
