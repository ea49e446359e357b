"""How many spaCy processes a run starts: none beyond this one for a run of few texts."""

from __future__ import annotations

import multiprocessing

import pytest

from presswatch.nlp.analyze import worker_processes
from presswatch.runs.analysis import Analyzer
from presswatch.story import default_story_path, load_story

TEXT = 'OpenAI said the preview was "voluntary". Sam Altman said nothing new.'


@pytest.mark.parametrize(("wanted", "most_texts", "batch_size", "expected"), [
    (2, None, 32, 2),   # not known: as configured
    (2, 0, 32, 1),      # nothing to parse
    (2, 24, 32, 1),     # the replay: one batch, one process
    (2, 32, 32, 1),
    (2, 33, 32, 2),     # two batches: two workers have work
    (2, 1000, 32, 2),   # never more than configured
    (4, 65, 32, 3),
    (1, 1000, 32, 1),
])
def test_worker_processes_never_exceed_the_batches(wanted, most_texts, batch_size, expected):
    assert worker_processes(wanted, most_texts, batch_size) == expected


def test_a_run_of_few_texts_parses_in_this_process():
    story = load_story(default_story_path())
    assert story.nlp.n_process == 2  # the bundled story asks for two workers
    analyzer = Analyzer(story, [], [], most_texts=lambda: 3)
    children_while_parsing = []
    results = []
    for analysis in analyzer.analyse((f"doc-{i}", TEXT) for i in range(3)):
        children_while_parsing.append(len(multiprocessing.active_children()))
        results.append(analysis)
    assert children_while_parsing == [0, 0, 0]
    assert [r.doc_id for r in results] == ["doc-0", "doc-1", "doc-2"]
    assert [(q.speaker, q.kind) for q in results[0].quotes] == [("OpenAI", "mixed")]
