"""Fuzzing the NLP stage: whatever text strangers publish, it returns records whose offsets
point at their own words, and raises nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presswatch.nlp.analyze import analyze_texts

PIECES = [
    '"', "“", "”", "‘", "’", "'", ":", ",", ".", "—", "\n", "\n\n", " ", "said", "told", "says",
    "according to", "the spokesperson", "Niko Felix", "OpenAI", "she", "he", "the letter reads",
    "wrote", "Sora", "is voluntary", "Felix", "PR Puppets", "asked", "?", "declined to say",
    "said to be", "«", "»", "(", ")", "SAN FRANCISCO —", "🙂", "\u202e", "\x00",
]

texts = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), min_size=1, max_size=60,
).map(" ".join)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=texts)
def test_any_text_gives_records_whose_offsets_point_at_their_words(sora_story, sora_nlp, text):
    (analysis,) = analyze_texts([("doc", text)], sora_story, nlp=sora_nlp)
    for entity in analysis.entities:
        assert text[entity.start_char:entity.end_char] == entity.text
    for quote in analysis.quotes:
        start, end = quote.content_span
        assert 0 <= start < end <= len(text)
        assert text[start:end] == quote.content_text
        if quote.speaker_span is not None:
            s_start, s_end = quote.speaker_span
            assert text[s_start:s_end] == quote.speaker_text
        if quote.cue_span is not None:
            c_start, c_end = quote.cue_span
            assert text[c_start:c_end] == quote.cue_text
        assert 0.0 <= quote.confidence <= 1.0
        assert quote.kind in ("direct", "indirect", "mixed")
