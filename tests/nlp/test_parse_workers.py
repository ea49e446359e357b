"""parse_in_processes: forked spaCy workers that take a few texts when free and send back
records. A blank English pipeline with a test component stands in for the model: the workers,
queues and failures are real."""

from __future__ import annotations

import gc
import multiprocessing
import os

import pytest
import spacy
from spacy.language import Language

from presswatch.nlp.parse_workers import (
    HANDOUTS_PER_WORKER,
    TEXTS_PER_HANDOUT,
    ParseWorkerFailed,
    parse_in_processes,
)


@Language.component("parse_workers_test_trap")
def trap(doc):
    """Fails on a text saying "boom"; ends its process on one saying "die"."""
    if "boom" in doc.text:
        raise ValueError("a component failed")
    if "die" in doc.text:
        os._exit(3)
    return doc


@pytest.fixture(scope="module")
def nlp():
    pipeline = spacy.blank("en")
    pipeline.add_pipe("parse_workers_test_trap")
    return pipeline


def words_and_pid(doc_id, doc):
    return doc_id, [t.text for t in doc], os.getpid()


def test_records_come_back_in_input_order_from_the_workers(nlp):
    items = [(f"d{i}", f"text number {i}") for i in range(40)]
    records = list(parse_in_processes(nlp, items, 2, words_and_pid))
    assert [(doc_id, words) for doc_id, words, _ in records] == [
        (f"d{i}", ["text", "number", str(i)]) for i in range(40)]
    parsed_in = {pid for _, _, pid in records}  # which worker takes which hand-out varies
    assert parsed_in and os.getpid() not in parsed_in
    assert not multiprocessing.active_children()


def test_items_are_read_a_few_hand_outs_ahead_of_the_workers(nlp):
    read = []

    def items():
        for i in range(200):
            read.append(i)
            yield f"d{i}", "some text"

    records = parse_in_processes(nlp, items(), 2, words_and_pid)
    next(records)
    assert len(read) <= (HANDOUTS_PER_WORKER * 2 + 1) * TEXTS_PER_HANDOUT
    records.close()  # a caller that stops reading ends the workers
    assert not multiprocessing.active_children()


def test_a_failing_document_raises_with_the_ids_of_its_hand_out(nlp):
    items = [("fine", "all good"), ("bad", "boom goes the parser")]
    with pytest.raises(ParseWorkerFailed, match=r"(?s)documents fine, bad failed.*a component"):
        list(parse_in_processes(nlp, items, 2, words_and_pid))
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_is_an_error_not_a_hang(nlp):
    items = [(f"d{i}", "fine") for i in range(8)] + [("last", "die now")]
    with pytest.raises(ParseWorkerFailed, match="exit code 3"):
        list(parse_in_processes(nlp, items, 2, words_and_pid))
    assert not multiprocessing.active_children()


def test_a_worker_hands_over_to_a_fresh_fork_after_its_share_of_texts(nlp):
    """So that spaCy's ever-growing vocabulary stays the size of a worker's share, not the run's."""
    items = [(f"d{i}", f"text number {i}") for i in range(80)]
    records = list(parse_in_processes(nlp, items, 2, words_and_pid,
                                      texts_per_worker=2 * TEXTS_PER_HANDOUT))
    assert [(doc_id, words) for doc_id, words, _ in records] == [
        (f"d{i}", ["text", "number", str(i)]) for i in range(80)]
    texts_by_worker: dict[int, int] = {}
    for _, _, pid in records:
        texts_by_worker[pid] = texts_by_worker.get(pid, 0) + 1
    assert max(texts_by_worker.values()) <= 2 * TEXTS_PER_HANDOUT
    assert len(texts_by_worker) >= 80 // (2 * TEXTS_PER_HANDOUT)
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_after_others_retired_is_still_an_error(nlp):
    items = [(f"d{i}", "fine") for i in range(24)] + [("last", "die now")]
    with pytest.raises(ParseWorkerFailed, match="exit code 3"):
        list(parse_in_processes(nlp, items, 2, words_and_pid, texts_per_worker=TEXTS_PER_HANDOUT))
    assert not multiprocessing.active_children()


def test_a_worker_s_collector_never_walks_what_this_process_held_at_the_fork(nlp):
    """Objects inherited from this process are frozen in each worker (gc.freeze): a full
    collection there would otherwise touch, and so copy, every page of this process's heap.
    This process's own frozen objects stay frozen, and its collector stays on."""

    def frozen_in_worker(doc_id, doc):
        return gc.get_freeze_count(), gc.isenabled()

    froze = not gc.get_freeze_count()
    if froze:
        gc.freeze()  # as a run has done by now (runs.analysis.settle_collector)
    try:
        frozen_here = gc.get_freeze_count()
        answers = list(parse_in_processes(nlp, [("d0", "some text"), ("d1", "more text")], 2,
                                          frozen_in_worker))
        assert min(count for count, _ in answers) > 1000
        assert all(enabled for _, enabled in answers)
        # not handed back to this collector (an unfreeze leaves 0); a few frozen objects
        # may have been freed meanwhile, which is what a frozen object does when unused
        assert gc.get_freeze_count() > frozen_here // 2
        assert gc.isenabled()
    finally:
        if froze:
            gc.unfreeze()  # this test's freeze does not outlive it in the test process
