"""Score our quote extraction on the PolNeAR development set with the shared scorer.

Runs `extract_jsonl` (the `presswatch extract` contract) over the gold texts, writes the
predictions, runs ../shared/tools/score_quotes.py for --recall-on all, speech and direct+mixed,
prints the figures with throughput, and ends with one JSON line holding every figure.

    .venv/bin/python bench/quotes.py [--gold ../shared/data/polnear/dev.jsonl] [--out DIR]
                                     [--statements-only]

PolNeAR counts beliefs, intentions and stances as attributions: the bench scores our statements
(`quotes`) and our other attributions (`attributions`: beliefs, stances, non-responses, outlet
reports, ...) together, unless --statements-only. It also prints a reliability table of the
statements (confidence bin, count, share right by the scorer's own matching).

PolNeAR texts are copyrighted news used for evaluation only: predictions go to a temporary
folder (or --out), never into the repository.
"""

from __future__ import annotations

import argparse
import importlib.util
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


def predict(gold: Path, predictions: Path, quotes_only: bool = False) -> tuple[int, int, float]:
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
            out.write(json.dumps(for_scorer(result, texts[result["doc_id"]], quotes_only))
                      + "\n")
    return count, words, seconds


def for_scorer(result: dict, text: str, quotes_only: bool = False) -> dict:
    """Our output in the scorer's terms. A quotation interrupted by its attribution ('"A," she
    said. "B."') is one attribution in PolNeAR and two records sharing a cue in ours: join them
    as content_spans (within one paragraph). The scorer accepts a coreference-resolved name in
    speaker_text ("he" -> "he (Niko Felix)"); our output keeps mention and canonical apart."""
    by_cue: dict[tuple, dict] = {}
    quotes = []
    # PolNeAR counts beliefs, stances and the like as attributions: score our statements and
    # our other attributions together (`quotes_only` leaves the others out).
    found = sorted(result["quotes"] + ([] if quotes_only else result.get("attributions", [])),
                   key=lambda q: q["content_span"])
    for quote in found:
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


BINS = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))


def reliability(scorer: Path, gold: Path, predictions: Path) -> list[dict]:
    """Statements (act "speech") by confidence bin: how many, and what share the scorer's own
    one-to-one matching finds right (content partial match and speaker)."""
    spec = importlib.util.spec_from_file_location("score_quotes", scorer)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    golds = {d["doc_id"]: d for d in map(json.loads, gold.open(encoding="utf-8"))}
    rows: list[tuple[float, bool]] = []
    for result in map(json.loads, predictions.open(encoding="utf-8")):
        text = golds[result["doc_id"]]["text"]
        gq = [(g, module.alnum_positions(text, module.spans(g, "content")))
              for g in golds[result["doc_id"]]["quotes"]]
        pq = [(p, module.alnum_positions(text, module.spans(p, "content")))
              for p in result["quotes"]]
        pairs = sorted(((len(gs & ps) / len(gs | ps), gi, pi) for gi, (_, gs) in enumerate(gq)
                        for pi, (_, ps) in enumerate(pq) if gs & ps), reverse=True)
        used_g: set[int] = set()
        right: dict[int, bool] = {}
        for jaccard, gi, pi in pairs:
            if gi in used_g or pi in right:
                continue
            used_g.add(gi)
            right[pi] = jaccard >= 0.5 and module.speaker_ok(text, gq[gi][0], pq[pi][0])
        rows += [(p["confidence"], right.get(pi, False)) for pi, (p, _) in enumerate(pq)
                 if p.get("act", "speech") == "speech"]
    table = []
    for low, high in BINS:
        inside = [ok for confidence, ok in rows if low <= confidence < high]
        table.append({"bin": f"{low:.1f}-{min(high, 1.0):.1f}", "count": len(inside),
                      "share_right": round(sum(inside) / len(inside), 3) if inside else None})
    high = [ok for confidence, ok in rows if confidence >= 0.8]
    table.append({"bin": ">=0.8", "count": len(high),
                  "share_right": round(sum(high) / len(high), 3) if high else None})
    return table


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
    parser.add_argument("--statements-only", action="store_true",
                        help="score statements alone, without beliefs, stances and the like")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.out or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        predictions = folder / "predictions.jsonl"
        docs, words, seconds = predict(args.gold, predictions, args.statements_only)
        figures: dict[str, float] = {
            "docs": docs, "words": words, "seconds": round(seconds, 2),
            "words_per_second": round(words / seconds),
        }
        for mode in MODES:
            figures.update(figures_of(mode, score(args.scorer, args.gold, predictions, mode)))
        figures["reliability"] = reliability(args.scorer, args.gold, predictions)
    print(f"{docs} documents, {words} words in {seconds:.1f} s "
          f"({figures['words_per_second']} words/s, extraction and NLP together)")
    for mode in MODES:
        print(f"{mode:>13}: content P/R/F1 {figures[f'{mode}.content_precision']:.3f} / "
              f"{figures[f'{mode}.content_recall']:.3f} / {figures[f'{mode}.content_f1']:.3f}"
              f"   attributed F1 {figures[f'{mode}.attributed_f1']:.3f}"
              f"   speaker accuracy {figures[f'{mode}.speaker_accuracy']:.3f}")
    print("statements by confidence:   bin   count   share right")
    for row in figures["reliability"]:
        share = "-" if row["share_right"] is None else f"{row['share_right']:.3f}"
        print(f"{row['bin']:>33}   {row['count']:>5}   {share:>11}")
    for name, target in TARGETS.items():
        verdict = "met" if figures[name] >= target else "MISSED"
        print(f"target {name} >= {target}: {figures[name]:.3f} {verdict}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
