"""Score `presswatch extract` on the real-coverage dev set (../shared/data/coverage-dev).

Runs `extract_jsonl` (the `presswatch extract` contract) over `extract_input.jsonl`, scores the
output with the set's own `score.py --extract`, and adds a reliability table: the statements in
bins of `confidence`, how many, and what share is right (content found and speaker right, by
the scorer's own matching). Ends with one JSON line holding every figure.

    .venv/bin/python bench/coverage_dev.py [--shared ../shared] [--out DIR]

The texts are others' copyrighted news: predictions go to a temporary folder (or --out), never
into the repository, and nothing from the set is copied here. Without ../shared the script
says so and exits 0.
"""

from __future__ import annotations

import argparse
import importlib.util
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

SHARED_CANDIDATES = (ROOT / ".." / "shared", Path("/work/shared"))
SET = Path("data") / "coverage-dev"
BINS = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))
TARGETS = {
    "attributed_f1": 0.70,
    "attributed_precision": 0.70,
    "content_f1": 0.80,
    "entity_recall": 0.92,
    "share_right_at_0.8": 0.80,
}


def find_shared(given: Path | None) -> Path | None:
    for candidate in ((given,) if given else SHARED_CANDIDATES):
        if candidate is not None and (candidate / SET / "score.py").is_file():
            return candidate.resolve()
    return None


def predict(source: Path, predictions: Path) -> tuple[int, float]:
    story = load_story(default_story_path())
    started = time.perf_counter()
    with source.open(encoding="utf-8") as inp, predictions.open("w", encoding="utf-8") as out:
        count = extract_jsonl(story, inp, out)
    return count, time.perf_counter() - started


def load_scorer(folder: Path):
    """The set's own score.py as a module (its matching and speaker rules, not a copy)."""
    spec = importlib.util.spec_from_file_location("coverage_score", folder / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def judged(scorer, predictions: Path) -> list[tuple[float, bool, str]]:
    """(confidence, right, act) per predicted statement, by the scorer's one-to-one matching."""
    gold, _ = scorer.load_gold()
    preds = scorer.from_extract(str(predictions))
    out: list[tuple[float, bool, str]] = []
    for doc, entry in gold.items():
        if doc in scorer.NON_EN:
            continue
        quotes = [q for q in preds.get(doc, {}).get("quotes", [])
                  if scorer.words(q.get("content_text"))]
        pairs = []
        for gi, gq in enumerate(entry["quotes"]):
            gw = scorer.words(gq["text"])
            for pi, pq in enumerate(quotes):
                pw = scorer.words(pq["content_text"])
                if gw & pw:
                    pairs.append((len(gw & pw) / len(gw | pw), gi, pi))
        pairs.sort(reverse=True)
        used_g: set[int] = set()
        right: dict[int, bool] = {}
        for jaccard, gi, pi in pairs:
            if jaccard < 0.5 or gi in used_g or pi in right:
                continue
            used_g.add(gi)
            right[pi] = scorer.speaker_ok(entry["quotes"][gi]["speaker"], quotes[pi])
        out += [(q["confidence"], right.get(i, False), q.get("act", "speech"))
                for i, q in enumerate(quotes)]
    return out


def reliability(rows: list[tuple[float, bool, str]]) -> list[dict]:
    table = []
    for low, high in BINS:
        inside = [right for confidence, right, _ in rows if low <= confidence < high]
        table.append({"bin": f"{low:.1f}-{min(high, 1.0):.1f}", "count": len(inside),
                      "share_right": round(sum(inside) / len(inside), 3) if inside else None})
    return table


def at_least(rows: list[tuple[float, bool, str]], threshold: float) -> tuple[int, float | None]:
    inside = [right for confidence, right, _ in rows if confidence >= threshold]
    return len(inside), (round(sum(inside) / len(inside), 3) if inside else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="keep predictions in this folder")
    args = parser.parse_args()
    shared = find_shared(args.shared)
    if shared is None:
        print("no ../shared/data/coverage-dev here: nothing to measure")
        print(json.dumps({"bench": "coverage_dev", "skipped": True}))
        return
    folder = shared / SET
    with tempfile.TemporaryDirectory() as scratch:
        out_dir = args.out or Path(scratch)
        out_dir.mkdir(parents=True, exist_ok=True)
        predictions = out_dir / "extract.jsonl"
        docs, seconds = predict(folder / "extract_input.jsonl", predictions)
        scored = subprocess.run(
            [sys.executable, str(folder / "score.py"), "--extract", str(predictions)],
            check=True, capture_output=True, text=True).stdout
        result = json.loads(scored[: scored.rindex("}") + 1])
        rows = judged(load_scorer(folder), predictions)
    content, attributed = result["content_PRF"], result["attributed_PRF"]
    count_08, share_08 = at_least(rows, 0.8)
    count_09, share_09 = at_least(rows, 0.9)
    figures = {
        "bench": "coverage_dev", "docs": docs, "seconds": round(seconds, 1),
        "gold_quotes": result["gold_quotes"], "pred_quotes": result["pred_quotes"],
        "content_precision": content[0], "content_recall": content[1], "content_f1": content[2],
        "attributed_precision": attributed[0], "attributed_recall": attributed[1],
        "attributed_f1": attributed[2], "speaker_acc_on_matched": result["speaker_acc_on_matched"],
        "entity_recall": result["entity_recall"], "count_at_0.8": count_08,
        "share_right_at_0.8": share_08, "count_at_0.9": count_09, "share_right_at_0.9": share_09,
        "reliability": reliability(rows),
    }
    print(f"{docs} documents in {seconds:.1f} s; {result['pred_quotes']} statements for "
          f"{result['gold_quotes']} gold quotes")
    print(f"content    P/R/F1 {content[0]:.3f} / {content[1]:.3f} / {content[2]:.3f}")
    print(f"attributed P/R/F1 {attributed[0]:.3f} / {attributed[1]:.3f} / {attributed[2]:.3f}"
          f"   speaker accuracy on found quotes {result['speaker_acc_on_matched']:.3f}")
    print(f"entity recall {result['entity_recall']:.3f} ({result['gold_entities']} gold entities)")
    print("confidence   count   share right")
    for row in figures["reliability"]:
        share = "-" if row["share_right"] is None else f"{row['share_right']:.3f}"
        print(f"{row['bin']:>10}   {row['count']:>5}   {share:>11}")
    print(f"at >= 0.8: {count_08} statements, {share_08} right; at >= 0.9: {count_09}, "
          f"{share_09} right")
    for name, target in TARGETS.items():
        value = figures[name]
        verdict = "met" if value is not None and value >= target else "MISSED"
        print(f"target {name} >= {target}: {value} {verdict}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
