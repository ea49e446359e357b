"""Words per second of our whole NLP stage against plain `nlp.pipe` with the same model.

Both run in this one process on the same texts (PolNeAR dev by default: real news, read in
place), alternating round by round, each side timed on its best of --rounds runs so that a busy
shared CPU penalises neither side. "Ours" is `analyze_texts`: language check, story entity
ruler, linker, quotes, speakers and the conversion to records. "Plain" is
`spacy.load(model).pipe(texts)`.

    .venv/bin/python bench/nlp_throughput.py [--texts FILE.jsonl] [--rounds 3] [--limit N]

Ends with one JSON line of every figure. Target: ratio >= 0.8.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from presswatch.nlp.analyze import analyze_texts  # noqa: E402
from presswatch.nlp.pipeline import build_pipeline  # noqa: E402
from presswatch.story import default_story_path, load_story  # noqa: E402

DEFAULT_TEXTS = ROOT / ".." / "shared" / "data" / "polnear" / "dev.jsonl"
TARGET_RATIO = 0.8


def timed(run: Callable[[], int]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=Path, default=DEFAULT_TEXTS,
                        help="JSON lines with a 'text' field")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N texts")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    lines = args.texts.read_text(encoding="utf-8").splitlines()[: args.limit]
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    words = sum(len(text.split()) for text in texts)
    story = load_story(default_story_path())
    ours = build_pipeline(story)
    plain = spacy.load(story.nlp.model)

    def run_plain() -> int:
        return sum(len(doc) for doc in plain.pipe(texts, batch_size=args.batch_size))

    def run_ours() -> int:
        items = ((str(i), text) for i, text in enumerate(texts))
        results = analyze_texts(items, story, batch_size=args.batch_size, nlp=ours)
        return sum(len(r.quotes) + len(r.entities) for r in results)

    run_plain()  # warm both up once: first calls pay for lazy loading
    run_ours()
    plain_times, our_times = [], []
    for _ in range(args.rounds):  # alternate, so a neighbour's burst of CPU hits both sides
        plain_times.append(timed(run_plain))
        our_times.append(timed(run_ours))
    plain_seconds, ours_seconds = min(plain_times), min(our_times)
    figures = {
        "model": story.nlp.model,
        "texts": len(texts),
        "words": words,
        "plain_pipeline": plain.pipe_names,
        "our_pipeline": ours.pipe_names,
        "plain_words_per_second": round(words / plain_seconds),
        "ours_words_per_second": round(words / ours_seconds),
        "ratio": round(plain_seconds / ours_seconds, 3),
        "plain_seconds_each_round": [round(t, 2) for t in plain_times],
        "our_seconds_each_round": [round(t, 2) for t in our_times],
        "target_ratio": TARGET_RATIO,
    }
    print(f"{len(texts)} texts, {words} words, best of {args.rounds} rounds each")
    print(f"plain nlp.pipe ({', '.join(plain.pipe_names)}): "
          f"{figures['plain_words_per_second']} words/s")
    print(f"our NLP stage ({', '.join(ours.pipe_names)}): "
          f"{figures['ours_words_per_second']} words/s")
    verdict = "met" if figures["ratio"] >= TARGET_RATIO else "MISSED"
    print(f"ratio {figures['ratio']:.3f} (target >= {TARGET_RATIO}: {verdict})")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
