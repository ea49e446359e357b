"""Score the NLP stage on our own coverage: the bundled replay's labelled quotes.

PolNeAR (bench/quotes.py) is 2016 US politics; what users see in alerts is coverage like the
replay. This serves the replay on loopback, fetches every relevant English article, extracts its
text with the crawler's own extractor (spiders.extract.extract_article, so the text is what the
pipeline sees), runs the real NLP stage, and scores against manifest.json `expected_quotes`:

- quote recall: a labelled snippet lies inside a predicted quote's content;
- speaker accuracy on matched quotes: the canonical speaker equals the label's speaker (for the
  unnamed "OpenAI spokesperson", the speaker mention or role names a spokesperson);
- speaker precision: of predicted quotes with confidence >= 0.5, the share whose speaker is real:
  the label's speaker where the quote holds a labelled snippet, otherwise a named entity that is
  no outlet and no dateline, or a description headed by a word for people (presswatch/nlp/data role
  nouns
  and person/group descriptions). Everything else is junk and is listed.

    .venv/bin/python bench/replay_quotes.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from presswatch.demo.server import ReplaySite  # noqa: E402
from presswatch.nlp.analyze import analyze_texts  # noqa: E402
from presswatch.nlp.data import word_set, word_table  # noqa: E402
from presswatch.records import FetchedPage, QuoteMention  # noqa: E402
from presswatch.spiders.extract import extract_article  # noqa: E402

ALERT_CONFIDENCE = 0.5


def _norm(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    return " ".join(text.split()).lower()


def fetch_texts(site: ReplaySite, articles: list[dict]) -> dict[str, str]:
    """Article id -> the text the crawler's extractor gets from the served page."""
    texts = {}
    for article in articles:
        url = site.urls[article["outlet"]] + article["path"]
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
            page = FetchedPage(url=url, final_url=response.url, status=response.status,
                               fetched_at=datetime.now(UTC), source_url=url,
                               content_type=response.headers.get("content-type"))
        texts[article["id"]] = extract_article(page, body).text
    return texts


def _speaker_matches(quote: QuoteMention, label: dict) -> bool:
    if label["speaker"] != label["speaker_role"]:
        return quote.speaker == label["speaker"]
    said = " ".join(filter(None, [quote.speaker_text, quote.speaker_role])).lower()
    return quote.speaker is None and "spokes" in said


class Judge:
    """Whether an unlabelled quote's speaker is a real speaker (see the module docstring)."""

    def __init__(self, outlets: list[str]) -> None:
        descriptions = word_table("descriptions")
        self.people = word_set("role_nouns") | {
            noun for noun, kind in descriptions.items() if kind in ("person", "group")}
        self.outlets = {_norm(o).removeprefix("the ") for o in outlets}

    def real(self, quote: QuoteMention) -> bool:
        text = (quote.speaker_text or "").strip()
        if not text:
            return False
        bare = _norm(text).removeprefix("the ")
        if bare in self.outlets or (quote.speaker and _norm(quote.speaker) in self.outlets):
            return False
        if len(text) > 3 and text.isupper():
            return False  # a dateline
        if quote.speaker:
            return True
        words = re.findall(r"[\w'-]+", text.lower())
        return bool(words) and (words[-1] in self.people or words[-1].rstrip("s") in self.people
                                or words[-1] in {"he", "she", "they", "who", "i", "we"})


def score(manifest: dict, texts: dict[str, str], analyses: dict, verbose: bool) -> dict:
    judge = Judge([o["name"] for o in manifest["outlets"].values()])
    labels = found = right = 0
    predicted = real = 0
    junk: list[str] = []
    misses: list[str] = []
    for article in manifest["articles"]:
        if article["id"] not in analyses:
            continue
        quotes = analyses[article["id"]].quotes
        contents = [_norm(q.content_text) for q in quotes]
        holds: dict[int, list[dict]] = {}
        for label in article["expected_quotes"]:
            labels += 1
            snippet = _norm(label["snippet"])
            matched = [i for i, c in enumerate(contents) if snippet in c]
            for i in matched:
                holds.setdefault(i, []).append(label)
            if not matched:
                misses.append(f"{article['id']}: MISSED {label['snippet'][:60]!r}")
                continue
            found += 1
            if any(_speaker_matches(quotes[i], label) for i in matched):
                right += 1
            else:
                got = {quotes[i].speaker or quotes[i].speaker_text for i in matched}
                misses.append(f"{article['id']}: speaker {got} != {label['speaker']!r} "
                              f"for {label['snippet'][:50]!r}")
        for i, quote in enumerate(quotes):
            if quote.confidence < ALERT_CONFIDENCE:
                continue
            predicted += 1
            ok = (any(_speaker_matches(quote, lab) for lab in holds[i]) if i in holds
                  else judge.real(quote))
            real += ok
            if not ok:
                junk.append(f"{article['id']}: {quote.speaker_text!r} -> {quote.speaker!r} "
                            f"({quote.confidence}) {quote.content_text[:70]!r}")
    figures = {
        "articles": len(analyses), "labelled_quotes": labels,
        "quote_recall": round(found / labels, 3) if labels else 0.0,
        "speaker_accuracy": round(right / found, 3) if found else 0.0,
        "predicted_alerting": predicted,
        "speaker_precision": round(real / predicted, 3) if predicted else 0.0,
    }
    print(f"articles {figures['articles']}, labelled quotes {labels}")
    print(f"quote recall      {figures['quote_recall']:.3f} ({found}/{labels})")
    print(f"speaker accuracy  {figures['speaker_accuracy']:.3f} ({right}/{found})")
    print(f"speaker precision {figures['speaker_precision']:.3f} ({real}/{predicted}, "
          f"confidence >= {ALERT_CONFIDENCE})")
    if verbose:
        print("\n-- junk or wrong speakers (confidence >= 0.5)")
        print("\n".join(junk))
        print("\n-- labelled quotes missed or given the wrong speaker")
        print("\n".join(misses))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list every error")
    args = parser.parse_args()
    with ReplaySite(day=2) as site:
        manifest = site.manifest
        articles = [a for a in manifest["articles"]
                    if a["relevant"] and a["language"] == "en" and a.get("expected_in_run", True)]
        texts = fetch_texts(site, articles)
        story = site.story()
    analyses = {a.doc_id: a for a in analyze_texts(texts.items(), story)}
    figures = score(manifest, texts, analyses, args.verbose)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
