"""spaCy worker processes that take a few texts whenever they are free and send back records.

spaCy's own `nlp.pipe(n_process=N)` fits a batch job over texts already in memory, not a run
that extracts its texts while it parses: it reads 2 x N whole batches (128 relevant articles at
the default 32, several hundred pages to extract) before its workers start; it deals batches
round-robin, so at the end one worker parses its last batch alone while the other core idles;
and it sends every Doc back whole, the model's tensor included (0.6 MB per article), for this
process to rebuild, when the run keeps only the records drawn from it. Here the workers start
at once, each takes the next few texts from one queue when it is free, and returns the records
`to_record` draws from each Doc in the worker.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

R = TypeVar("R")

# Texts per hand-out: few, so the first parse starts after a few relevant pages and the last
# hand-out is short. spaCy parses 4 articles a batch as fast as 32 (measured: 28.0 CPU-s
# against 28.7 for 120 articles).
TEXTS_PER_HANDOUT = 4
# Hand-outs queued or parsing per worker, so that a worker does not run dry while this process
# loads a batch into the warehouse (about 1.5 s at 256 pages); texts of a few dozen articles
# held at most.
HANDOUTS_PER_WORKER = 3
POLL_S = 1.0  # how often a wait for results checks that the workers are alive
# Texts a worker parses before a fresh fork takes over. A worker's memory grows with its age:
# spaCy's vocabulary and string store only grow, and every page this process writes after the
# fork leaves its old copy in the worker. A run of 1,000 articles parses about 145 texts a
# worker, so only longer runs hand over; a hand-over costs about 0.2 CPU s (docs/measured.md,
# "Daily run, memory by process").
TEXTS_PER_WORKER = 150


class ParseWorkerFailed(RuntimeError):
    """A spaCy worker process failed on its texts, or ended before returning them."""


def parse_in_processes(nlp: Language, items: Iterable[tuple[str, str]], n_process: int,
                       to_record: Callable[[str, Doc], R],
                       texts_per_worker: int = TEXTS_PER_WORKER) -> Iterator[R]:
    """`to_record(doc_id, doc)` for each (doc_id, text), in input order, parsed by n_process
    forked workers, each replaced by a fresh one after texts_per_worker texts. Items are read
    lazily, at most a few hand-outs ahead of the workers."""
    context = multiprocessing.get_context("fork")  # the loaded model is shared, not pickled
    handouts: Any = context.Queue()
    results: Any = context.Queue()

    def start(slot: int) -> BaseProcess:
        worker = context.Process(target=_work, daemon=True, name=f"presswatch-parse-{slot}",
                                 args=(nlp, to_record, handouts, results, slot,
                                       texts_per_worker))
        # The worker freezes the objects it inherits as it starts (_work), so that its garbage
        # collector never walks them, which would copy every page of this process's heap into
        # it; collection is off across the fork so that none runs there first. Freezing here
        # instead would end in an unfreeze that hands all of this process's objects, and any
        # frozen before the run, back to its own full collections.
        collecting = gc.isenabled()
        gc.disable()
        try:
            worker.start()
        finally:
            if collecting:
                gc.enable()
        return worker

    workers = [start(slot) for slot in range(n_process)]
    unread = iter(items)
    chunks = enumerate(iter(lambda: list(islice(unread, TEXTS_PER_HANDOUT)), []))
    finished = False
    try:
        sent, next_out, more = 0, 0, True
        ready: dict[int, list[R]] = {}
        while True:
            while more and sent - next_out < HANDOUTS_PER_WORKER * n_process:
                handout = next(chunks, None)
                if handout is None:
                    more = False
                else:
                    handouts.put(handout)
                    sent += 1
            if next_out == sent:
                break
            seq, records = _next_result(results, workers)
            if seq is None:  # the worker in slot `records` retired: a fresh one takes over
                _end(workers[records])
                workers[records] = start(records)
                continue
            ready[seq] = records
            while next_out in ready:
                yield from ready.pop(next_out)
                next_out += 1
        finished = True
    finally:
        _stop(workers, handouts, orderly=finished)


def _next_result(results: Any, workers: Sequence[BaseProcess]) -> tuple[int | None, Any]:
    """(seq, records) of the next hand-out parsed, or (None, slot) when a worker retired."""
    while True:
        try:
            seq, records, error = results.get(timeout=POLL_S)
        except queue.Empty:
            ended = [w for w in workers if w.exitcode is not None]
            if not ended:
                continue
            try:  # a worker that retired sent its last message before it ended
                seq, records, error = results.get(timeout=POLL_S)
            except queue.Empty:
                raise ParseWorkerFailed(
                    f"spaCy worker {ended[0].name} ended (exit code {ended[0].exitcode}) before "
                    "returning its texts; out of memory is the usual cause") from None
        if error is not None:
            raise ParseWorkerFailed(error)
        return seq, records


def _work(nlp: Language, to_record: Callable[[str, Doc], Any], handouts: Any,
          results: Any, slot: int, texts_per_worker: int) -> None:
    """A worker's loop: parse each hand-out, send back its records or what went wrong; after
    texts_per_worker texts, say so and end."""
    gc.freeze()  # what the fork inherited (see start); O(1): no object is touched
    gc.enable()
    parsed = 0
    while (handout := handouts.get()) is not None:
        seq, items = handout
        try:
            docs = nlp.pipe([text for _, text in items], batch_size=len(items))
            records = [to_record(doc_id, doc)
                       for (doc_id, _), doc in zip(items, docs, strict=True)]
            results.put((seq, records, None))
        except Exception:  # noqa: BLE001 - sent to the run, which raises it with the ids
            ids = ", ".join(doc_id for doc_id, _ in items)
            results.put((seq, None, f"parsing documents {ids} failed:\n"
                                    f"{traceback.format_exc()}"))
        parsed += len(items)
        if parsed >= texts_per_worker:
            results.put((None, slot, None))
            return


def _stop(workers: Sequence[BaseProcess], handouts: Any, *, orderly: bool) -> None:
    """Workers told to end after their last hand-out; on an error (or a caller that stopped
    reading) ended at once, their work discarded."""
    if orderly:
        for _ in workers:
            handouts.put(None)
    else:
        handouts.cancel_join_thread()  # hand-outs no worker will read must not block the exit
        for worker in workers:
            worker.terminate()
    for worker in workers:
        _end(worker)


def _end(worker: BaseProcess) -> None:
    """Wait for a worker that was told to end, killing it if it does not."""
    worker.join(timeout=30)
    if worker.is_alive():
        worker.kill()
        worker.join()
