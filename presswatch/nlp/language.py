"""Which language a text is in, so the English pipeline only reads English."""

from __future__ import annotations

from itertools import islice

from presswatch.language_id import SAMPLE_CHARS, language_identifier

# Below this many letters the identifier guesses; such snippets are read as English.
MIN_LETTERS = 40


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code and probability; ("en", 0.0) when there is too little text to tell."""
    sample = text[:SAMPLE_CHARS]
    if len(list(islice(filter(str.isalpha, sample), MIN_LETTERS))) < MIN_LETTERS:
        return "en", 0.0
    language, probability = language_identifier().classify(sample)
    return language, float(probability)


def is_english(text: str, threshold: float = 0.9) -> tuple[bool, str]:
    """Whether to run the English pipeline on this text, and the language recorded for it."""
    language, probability = detect_language(text)
    if language == "en" or probability < threshold:
        return True, "en" if language == "en" else language
    return False, language
