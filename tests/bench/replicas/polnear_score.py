"""A replica of the PolNeAR quote scorer's interface (../shared/tools/score_quotes.py), so that
bench/quotes.py runs in the test suite without ../shared: the same command line, the same JSON
keys, and the module functions bench/quotes.py imports (spans, alnum_positions, speaker_ok).
Matching as that scorer's docstring describes it, pared down: content units are alphanumeric
character positions, one-to-one by descending Jaccard, a partial match at >= 0.5; a speaker is
right when the spans overlap or the predicted name holds the gold speaker's last word."""

import argparse
import json


def spans(quote, key):
    many = quote.get(key + "_spans")
    if many:
        return [tuple(s) for s in many]
    one = quote.get(key + "_span")
    return [tuple(one)] if one else []


def alnum_positions(text, segments):
    return frozenset(i for start, end in segments for i in range(start, min(end, len(text)))
                     if text[i].isalnum())


def speaker_ok(text, gold, pred):
    gold_spans, pred_spans = spans(gold, "speaker"), spans(pred, "speaker")
    if not gold_spans:
        return not pred_spans
    if any(a < d and c < b for a, b in gold_spans for c, d in pred_spans):
        return True
    last = " ".join(text[s:e] for s, e in gold_spans).split()[-1].lower()
    return last in (pred.get("speaker_text") or "").lower()


def ratios(hits_p, n_p, hits_r, n_r):
    p, r = (hits_p / n_p if n_p else 0.0), (hits_r / n_r if n_r else 0.0)
    return [round(p, 4), round(r, 4), round(2 * p * r / (p + r), 4) if p + r else 0.0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("gold")
    parser.add_argument("pred")
    parser.add_argument("--recall-on", default="all")
    args = parser.parse_args()
    golds = [json.loads(line) for line in open(args.gold, encoding="utf-8")]
    preds = {}
    for line in open(args.pred, encoding="utf-8"):
        doc = json.loads(line)
        preds.setdefault(doc["doc_id"], []).extend(doc.get("quotes", []))
    n_gold = n_pred = content = attributed = 0
    for doc in golds:
        text = doc["text"]
        gold = [(g, alnum_positions(text, spans(g, "content"))) for g in doc["quotes"]]
        pred = [(p, alnum_positions(text, spans(p, "content")))
                for p in preds.get(doc["doc_id"], [])]
        n_gold, n_pred = n_gold + len(gold), n_pred + len(pred)
        pairs = sorted(((len(gs & ps) / len(gs | ps), gi, pi) for gi, (_, gs) in enumerate(gold)
                        for pi, (_, ps) in enumerate(pred) if gs & ps), reverse=True)
        used_gold, used_pred = set(), set()
        for jaccard, gi, pi in pairs:
            if gi in used_gold or pi in used_pred or jaccard < 0.5:
                continue
            used_gold.add(gi)
            used_pred.add(pi)
            content += 1
            attributed += speaker_ok(text, gold[gi][0], pred[pi][0])
    print(json.dumps({
        "docs": len(golds), "gold_quotes_for_recall": n_gold, "pred_quotes": n_pred,
        "recall_on": args.recall_on,
        "content_partial_PRF": ratios(content, n_pred, content, n_gold),
        "attributed_PRF(content_partial+speaker)": ratios(attributed, n_pred, attributed, n_gold),
        "speaker_acc_on_partial_matches": attributed / content if content else 0.0,
    }, indent=1))


if __name__ == "__main__":
    main()
