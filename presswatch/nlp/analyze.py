"""The NLP stage as plain functions: texts in, `DocAnalysis` records out.

`analyze_texts` streams (doc_id, text) pairs through one `nlp.pipe`; texts not in English
are recorded with their language and skipped before any parsing. `extract_jsonl` is the
`presswatch extract` contract: JSON lines in, JSON lines out.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from typing import IO, TYPE_CHECKING

from presswatch.nlp.language import is_english
from presswatch.nlp.parse_workers import parse_in_processes
from presswatch.records import DocAnalysis, EntityMention, Quote, QuoteMention, stable_id
from presswatch.story import Story

if TYPE_CHECKING:  # spaCy loads with the pipeline: a run with nothing to parse never imports it
    from spacy.language import Language
    from spacy.tokens import Doc


def worker_processes(wanted: int, most_texts: int | None, batch_size: int) -> int:
    """How many spaCy processes to start for at most `most_texts` texts (None: not known).

    A run of one batch or less (the replay's two dozen pages, a quiet day) parses in this
    process: workers cost their start and every record's trip back. Measured with spaCy's own
    multiprocessing, on 32 synthetic articles: two processes took 8.96 CPU-s against 7.64 for
    one, with no parallel work to show for it.
    """
    if most_texts is None:
        return wanted
    batches = -(-most_texts // batch_size)
    return max(1, min(wanted, batches))


class ExtractInputError(ValueError):
    """A line of `presswatch extract` input that is not {"doc_id": ..., "text": ...}."""


def analyze_texts(
    items: Iterable[tuple[str, str]],
    story: Story,
    *,
    batch_size: int = 32,
    n_process: int = 1,
    nlp: Language | None = None,
) -> Iterator[DocAnalysis]:
    """One `DocAnalysis` per (doc_id, text), in input order, entities and quotes included.

    With n_process > 1 the worker processes (parse_workers.py) start once for the whole stream,
    and items are read lazily: a caller can feed texts as they are extracted and consume
    analyses as they come. Pass `nlp` (from `build_pipeline(story)`) to reuse a loaded pipeline.
    """
    if nlp is None:
        from presswatch.nlp.pipeline import build_pipeline

        nlp = build_pipeline(story)
    # Every item's verdict in input order; English ones wait here for their parse to come back.
    verdicts: deque[tuple[str, str | None]] = deque()

    def english() -> Iterator[tuple[str, str]]:
        for doc_id, text in items:
            ok, language = is_english(text)
            verdicts.append((doc_id, None if ok else language))
            if ok:
                yield doc_id, text

    if n_process > 1:
        analyses = parse_in_processes(nlp, english(), n_process, analysis_of)
    else:
        analyses = (analysis_of(doc_id, doc) for doc, doc_id in
                    nlp.pipe(((text, doc_id) for doc_id, text in english()), as_tuples=True,
                             batch_size=batch_size))
    for analysis in analyses:
        while verdicts:
            queued_id, language = verdicts.popleft()
            if language is None:
                break
            yield DocAnalysis(queued_id, language, f"language {language}", [], [])
        yield analysis
    while verdicts:
        queued_id, language = verdicts.popleft()
        yield DocAnalysis(queued_id, language, f"language {language}", [], [])


def analysis_of(doc_id: str, doc: Doc) -> DocAnalysis:
    entities = [
        EntityMention(doc_id, ent.text, ent.label_, ent.start_char, ent.end_char,
                      ent.kb_id_ or None)
        for ent in doc.ents
    ]
    from presswatch.nlp.attribution.record import SPEECH, quote_mentions

    # Doc._.quotes and Doc._.attributions, read from one pass over the stored quotes
    mentions = quote_mentions(doc)
    return DocAnalysis(doc_id, "en", None, entities,
                       [q for q in mentions if q.act == SPEECH],
                       [q for q in mentions if q.act != SPEECH])


def extract_jsonl(story: Story, in_stream: IO[str], out_stream: IO[str], *,
                  nlp: Language | None = None,
                  on_bad_line: Callable[[ExtractInputError], None] | None = None) -> int:
    """Read {"doc_id", "text"} lines, write one result line per document; returns the count.

    A line that is not such an object is skipped and passed to on_bad_line (its message names
    the line number and what is wrong); the other lines are still analysed and written. Without
    on_bad_line the first bad line raises ExtractInputError.
    """
    count = 0
    items = _read_items(in_stream, on_bad_line)
    for analysis in analyze_texts(items, story, batch_size=story.nlp.batch_size,
                                  n_process=story.nlp.n_process, nlp=nlp):
        out_stream.write(json.dumps(to_json(analysis), ensure_ascii=False) + "\n")
        count += 1
    out_stream.flush()
    return count


def to_json(analysis: DocAnalysis) -> dict:
    """The `presswatch extract` output line for one document."""
    return {
        "doc_id": analysis.doc_id,
        "language": analysis.language,
        "skipped_reason": analysis.skipped_reason,
        "entities": [
            {"text": e.text, "label": e.label, "start": e.start_char, "end": e.end_char,
             "canonical": e.canonical}
            for e in analysis.entities
        ],
        "quotes": [_quote_json(q) for q in analysis.quotes],
        "attributions": [_quote_json(q) for q in analysis.attributions],
    }


def _quote_json(q: QuoteMention) -> dict:
    return {**asdict(q), "content_span": list(q.content_span),
            "cue_span": list(q.cue_span) if q.cue_span else None,
            "speaker_span": list(q.speaker_span) if q.speaker_span else None}


def _read_items(
    in_stream: IO[str], on_bad_line: Callable[[ExtractInputError], None] | None = None
) -> Iterator[tuple[str, str]]:
    for number, line in enumerate(in_stream, start=1):
        if not line.strip():
            continue
        try:
            yield _parse_item(number, line)
        except ExtractInputError as exc:
            if on_bad_line is None:
                raise
            on_bad_line(exc)


def _parse_item(number: int, line: str) -> tuple[str, str]:
    expected = 'expected a JSON object with "doc_id" and "text"'
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ExtractInputError(f"input line {number}: not JSON ({exc}); {expected}") from exc
    if not isinstance(record, dict):
        raise ExtractInputError(
            f"input line {number}: a JSON {type(record).__name__}, not an object; {expected}")
    missing = [key for key in ("doc_id", "text") if key not in record]
    if missing:
        keys = " and ".join(f'"{key}"' for key in missing)
        raise ExtractInputError(f"input line {number}: no {keys}; {expected}")
    if not isinstance(record["text"], str):
        raise ExtractInputError(f'input line {number}: "text" must be a string')
    return str(record["doc_id"]), record["text"]


def quotes_of(analysis: DocAnalysis) -> list[Quote]:
    """Stored quotes of one analysed article; the id is fixed by where the quote stands."""
    return [
        Quote(
            quote_id=stable_id(analysis.doc_id, str(q.content_span[0]), str(q.content_span[1])),
            article_id=analysis.doc_id,
            content=q.content_text,
            cue=q.cue_text,
            kind=q.kind,
            speaker_text=q.speaker_text,
            speaker=q.speaker,
            speaker_role=q.speaker_role,
            start_char=q.content_span[0],
            end_char=q.content_span[1],
            confidence=q.confidence,
        )
        for q in analysis.quotes
    ]
