"""The array walk finds what py3langid's byte-by-byte walk finds: every answer is py3langid's."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

from presswatch.language_id import language_identifier

SENTENCES = [
    "Artists leaked OpenAI's Sora in protest at unpaid work, the group said on Tuesday.",
    "Die Künstler haben Sora aus Protest veröffentlicht, sagte die Gruppe am Dienstag.",
    "Los artistas filtraron Sora en protesta por el trabajo no remunerado, dijo el grupo.",
    "Les artistes ont divulgué Sora pour protester contre le travail non rémunéré.",
    "Художники опубликовали Sora в знак протеста против неоплачиваемой работы.",
    "艺术家们泄露了Sora，以抗议无偿劳动。アーティストたちは抗議のためにSoraを公開した。",
    "ARTISTS LEAK SORA IN PROTEST",  # all capitals: py3langid lower-cases these
    "e\u0301te\u0301 cafe\u0301",  # decomposed accents: py3langid composes them (NFC)
    "a", "", "   ", "12345 -- ## !!",
]


def _random_texts() -> list[str]:
    rng = random.Random(27)
    texts = ["".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(1, 3000)))
             for _ in range(20)]
    texts += [" ".join(rng.choice(SENTENCES) for _ in range(40))[: rng.randrange(1, 5000)]
              for _ in range(20)]
    return texts


def _feature_counts(data: bytes) -> dict[int, int]:
    kinds, counts = language_identifier().features(data)
    return dict(zip(kinds.tolist(), counts.tolist(), strict=True))


@pytest.fixture(scope="module")
def reference() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@pytest.mark.parametrize("text", SENTENCES + _random_texts())
def test_same_features_and_answer_as_py3langid(reference: LanguageIdentifier, text: str) -> None:
    ours = language_identifier()
    data = reference._encode(text)
    expected = visit_counts(reference.tk_nextmove, reference._rowbase, reference.tk_output, data)
    counts = _feature_counts(data)
    assert counts == (expected or {})
    assert list(counts) == list(expected or {})  # same order: the scores sum in that order
    assert ours._decide(text).tobytes() == reference._decide(text).tobytes()  # every bit
    assert ours.classify(text) == reference.classify(text)


def test_random_bytes_walk_alike(reference: LanguageIdentifier) -> None:
    rng = random.Random(6)
    for _ in range(20):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
        expected = visit_counts(reference.tk_nextmove, reference._rowbase, reference.tk_output,
                                data)
        assert _feature_counts(data) == Counter(expected or {})

