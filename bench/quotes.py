"""Score our quote extraction on the PolNeAR development set with the shared scorer.

Runs `extract_jsonl` (the `presswatch extract` contract) over the gold texts, writes the
predictions, runs ../shared/tools/score_quotes.py for --recall-on all, speech and direct+mixed,
prints the figures with throughput, and ends with one JSON line holding every figure.

    .venv/bin/python bench/quotes.py [--gold ../shared/data/polnear/dev.jsonl] [--out DIR]

PolNeAR texts are copyrighted news used for evaluation only: predictions go to a temporary
folder (or --out), never into the repository.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from presswatch.nlp.analyze import extract_jsonl  # noqa: E402
from presswatch.story import default_story_path, load_story  # noqa: E402

DEFAULT_GOLD = ROOT / ".." / "shared" / "data" / "polnear" / "dev.jsonl"
DEFAULT_SCORER = ROOT / ".." / "shared" / "tools" / "score_quotes.py"
MODES = ("all", "speech", "direct+mixed")
TARGETS = {
    "all.content_f1": 0.62,
    "all.attributed_f1": 0.56,
    "speech.attributed_f1": 0.68,
    "direct+mixed.content_recall": 0.85,
    "direct+mixed.speaker_accuracy": 0.93,
}


def predict(gold: Path, predictions: Path) -> tuple[int, int, float]:
    """Run the extractor on the gold texts; returns (documents, words, seconds)."""
    story = load_story(default_story_path())
    lines = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line]
    words = sum(len(d["text"].split()) for d in lines)
    texts = {d["doc_id"]: d["text"] for d in lines}
    source = io.StringIO("".join(
        json.dumps({"doc_id": d["doc_id"], "text": d["text"]}) + "\n" for d in lines))
    started = time.perf_counter()
    output = io.StringIO()
    count = extract_jsonl(story, source, output)
    seconds = time.perf_counter() - started
    with predictions.open("w", encoding="utf-8") as out:
        for line in output.getvalue().splitlines():
            result = json.loads(line)
            out.write(json.dumps(for_scorer(result, texts[result["doc_id"]])) + "\n")
    return count, words, seconds


def for_scorer(result: dict, text: str) -> dict:
    """Our output in the scorer's terms. A quotation interrupted by its attribution ('"A," she
    said. "B."') is one attribution in PolNeAR and two records sharing a cue in ours: join them
    as content_spans (within one paragraph). The scorer accepts a coreference-resolved name in
    speaker_text ("he" -> "he (Niko Felix)"); our output keeps mention and canonical apart."""
    by_cue: dict[tuple, dict] = {}
    quotes = []
    for quote in result["quotes"]:
        if quote["speaker"] and quote["speaker"] not in (quote["speaker_text"] or ""):
            quote["speaker_text"] = f"{quote['speaker_text']} ({quote['speaker']})"
        key = tuple(quote["cue_span"] or ()) + tuple(quote["speaker_span"] or ())
        first = by_cue.get(key)
        gap = text[first["content_spans"][-1][1] : quote["content_span"][0]] if first else ""
        if key and first and "\n" not in gap:
            first["content_spans"].append(quote["content_span"])
            continue
        quote["content_spans"] = [quote["content_span"]]
        by_cue[key] = quote
        quotes.append(quote)
    return {**result, "quotes": quotes}


def score(scorer: Path, gold: Path, predictions: Path, mode: str) -> dict:
    result = subprocess.run(
        [sys.executable, str(scorer), str(gold), str(predictions), "--recall-on", mode],
        check=True, capture_output=True, text=True,
    )
    return json.loads(result.stdout)


def figures_of(mode: str, scored: dict) -> dict[str, float]:
    precision, recall, f1 = scored["content_partial_PRF"]
    attributed = scored["attributed_PRF(content_partial+speaker)"]
    return {
        f"{mode}.content_precision": precision,
        f"{mode}.content_recall": recall,
        f"{mode}.content_f1": f1,
        f"{mode}.attributed_precision": attributed[0],
        f"{mode}.attributed_recall": attributed[1],
        f"{mode}.attributed_f1": attributed[2],
        f"{mode}.speaker_accuracy": round(scored["speaker_acc_on_partial_matches"], 4),
        f"{mode}.gold_quotes": scored["gold_quotes_for_recall"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    parser.add_argument("--out", type=Path, default=None, help="keep predictions in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.out or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        predictions = folder / "predictions.jsonl"
        docs, words, seconds = predict(args.gold, predictions)
        figures: dict[str, float] = {
            "docs": docs, "words": words, "seconds": round(seconds, 2),
            "words_per_second": round(words / seconds),
        }
        for mode in MODES:
            figures.update(figures_of(mode, score(args.scorer, args.gold, predictions, mode)))
    print(f"{docs} documents, {words} words in {seconds:.1f} s "
          f"({figures['words_per_second']} words/s, extraction and NLP together)")
    for mode in MODES:
        print(f"{mode:>13}: content P/R/F1 {figures[f'{mode}.content_precision']:.3f} / "
              f"{figures[f'{mode}.content_recall']:.3f} / {figures[f'{mode}.content_f1']:.3f}"
              f"   attributed F1 {figures[f'{mode}.attributed_f1']:.3f}"
              f"   speaker accuracy {figures[f'{mode}.speaker_accuracy']:.3f}")
    for name, target in TARGETS.items():
        verdict = "met" if figures[name] >= target else "MISSED"
        print(f"target {name} >= {target}: {figures[name]:.3f} {verdict}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
