"""Score `presswatch extract` on the real-coverage dev set (../shared/data/coverage-dev).

Runs `extract_jsonl` (the `presswatch extract` contract) over `extract_input.jsonl`, scores the
output with the set's own `score.py --extract`, and adds a reliability table: the statements in
bins of `confidence`, how many, and what share is right (content found and speaker right, by
the scorer's own matching). With --flow it also serves the set with its own replay.py, runs
the daily flow (`presswatch run`) over the replay's three feeds, and scores the warehouse with
`score.py --db` (relevance) and `statements.py` (statement groups, false merges). Ends with one
JSON line holding every figure.

    .venv/bin/python bench/coverage_dev.py [--shared ../shared] [--out DIR] [--flow]

The texts are others' copyrighted news: predictions go to a temporary folder (or --out), never
into the repository, and nothing from the set is copied here. Without ../shared the script
says so and exits 0.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

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


def _json_head(output: str) -> dict:
    """The JSON object a scorer prints before its one-line summary."""
    return json.loads(output[: output.rindex("}") + 1])


def flow_figures(folder: Path, scratch: Path) -> dict:
    """The daily flow over the set's replay: relevance and statement groups from the
    warehouse, scored by the set's own scripts."""
    port_file = scratch / "replay.port"
    port_file.unlink(missing_ok=True)  # a port left by an earlier run is no server
    replay = subprocess.Popen([sys.executable, str(folder / "replay.py"), "--write-port-file",
                               str(port_file), "--root", str(scratch / "site")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text().split()[0]}"
        urls = scratch / "urls.json"
        with urlopen(f"{base}/urls.json", timeout=30) as answer:
            urls.write_bytes(answer.read())
        db = scratch / "coverage.duckdb"
        feeds = [arg for name in ("a.xml", "b.atom", "c.xml")
                 for arg in ("--feed", f"{base}/feeds/{name}")]
        env = dict(os.environ, PREFECT_HOME=str(scratch / "prefect"),
                   PREFECT_SERVER_ANALYTICS_ENABLED="false")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "presswatch", "run", "--allow-private-hosts",
                        *feeds, "--db", str(db)], check=True, capture_output=True, env=env)
        seconds = time.perf_counter() - started
    finally:
        replay.terminate()
        replay.wait()
    scored = _json_head(subprocess.run(
        [sys.executable, str(folder / "score.py"), "--db", str(db), "--urls", str(urls)],
        check=True, capture_output=True, text=True).stdout)
    groups = _json_head(subprocess.run(
        [sys.executable, str(folder / "statements.py"), str(db), str(urls)],
        check=True, capture_output=True, text=True).stdout)
    precision, recall = scored["relevance_P_R"]
    return {"flow_seconds": round(seconds, 1), "relevance_precision": precision,
            "relevance_recall": recall, "statement_groups": groups["groups"],
            "groups_in_one_statement": groups["merged"], "groups_split": groups["split"],
            "false_merges": groups["ids_shared_across_groups"],
            "syndicated_copies_clustered": groups["verge_copies_clustered"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="keep predictions in this folder")
    parser.add_argument("--flow", action="store_true",
                        help="also run the daily flow over the set's replay and score it")
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
        flow = flow_figures(folder, out_dir) if args.flow else {}
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
        "reliability": reliability(rows), **flow,
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
    if flow:
        print(f"daily flow over the replay ({flow['flow_seconds']} s): relevance P/R "
              f"{flow['relevance_precision']} / {flow['relevance_recall']}; statement groups "
              f"{flow['groups_in_one_statement']} of {flow['statement_groups']} in one statement,"
              f" {flow['groups_split']} split, {flow['false_merges']} false merges; syndicated "
              f"copies clustered: {flow['syndicated_copies_clustered']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
