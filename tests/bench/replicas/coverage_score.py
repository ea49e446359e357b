"""A replica of a coverage set's score.py interface (../shared/data/coverage-dev), so that
bench/coverage_dev.py's scoring glue runs in the test suite without ../shared: the same command
line (--extract, --strict, --root), the JSON object then a one-line summary, and the module
names the bench uses (NON_EN, words, speaker_ok, load_gold, from_extract). Matching pared down:
quote words by Jaccard >= 0.5, one-to-one; a speaker is right when the shown name holds the
gold speaker's last word (strict: the canonical speaker, else the words as written)."""

import argparse
import json
import os
import re

ROOT = os.path.dirname(os.path.abspath(__file__))
NON_EN: set[str] = set()
STRICT = False


def words(text):
    return set(re.findall(r"[^\W_]+", (text or "").lower()))


def speaker_ok(gold_speaker, pred):
    shown = (pred.get("speaker") or pred.get("speaker_text") or "") if STRICT else " ".join(
        x for x in (pred.get("speaker"), pred.get("speaker_text")) if x)
    return bool(shown) and gold_speaker.split()[-1].lower() in shown.lower()


def load_gold():
    with open(os.path.join(ROOT, "gold.jsonl"), encoding="utf-8") as lines:
        gold = {g["doc"]: g for g in map(json.loads, lines)}
    return gold, {doc: g["label"] for doc, g in gold.items()}


def from_extract(path):
    with open(path, encoding="utf-8") as lines:
        return {str(d["doc_id"]): d for d in map(json.loads, lines)}


def prf(hits, n_pred, n_gold):
    p, r = (hits / n_pred if n_pred else 0.0), (hits / n_gold if n_gold else 0.0)
    return [round(p, 3), round(r, 3), round(2 * p * r / (p + r), 3) if p + r else 0.0]


def main():
    global STRICT, ROOT
    parser = argparse.ArgumentParser()
    parser.add_argument("--extract", required=True)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--root")
    args = parser.parse_args()
    STRICT, ROOT = args.strict, os.path.abspath(args.root) if args.root else ROOT
    gold, _ = load_gold()
    preds = from_extract(args.extract)
    n_gold = n_pred = content = attributed = entities = found_entities = 0
    for doc, entry in gold.items():
        pred = preds.get(doc, {})
        quotes = [q for q in pred.get("quotes", []) if words(q.get("content_text"))]
        n_gold, n_pred = n_gold + len(entry["quotes"]), n_pred + len(quotes)
        taken = set()
        for g in entry["quotes"]:
            best = max(((len(words(g["text"]) & words(q["content_text"]))
                         / len(words(g["text"]) | words(q["content_text"])), i)
                        for i, q in enumerate(quotes) if i not in taken), default=(0.0, None))
            if best[0] >= 0.5:
                taken.add(best[1])
                content += 1
                attributed += speaker_ok(g["speaker"], quotes[best[1]])
        names = {e.get("canonical") or e.get("text") for e in pred.get("entities", [])}
        entities += len(entry["entities"])
        found_entities += sum(e["canonical"] in names for e in entry["entities"])
    out = {"gold_quotes": n_gold, "pred_quotes": n_pred,
           "content_PRF": prf(content, n_pred, n_gold),
           "attributed_PRF": prf(attributed, n_pred, n_gold),
           "speaker_acc_on_matched": round(attributed / content, 3) if content else 0.0,
           "entity_recall": round(found_entities / entities, 3) if entities else 0.0}
    print(json.dumps(out, indent=1))
    print(f"coverage: content F1 {out['content_PRF'][2]} attributed F1 {out['attributed_PRF'][2]}")


if __name__ == "__main__":
    main()
