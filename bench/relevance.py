"""Precision and recall of relevance's is_relevant on labelled articles.

Two labelled sets: the bundled replay (presswatch/demo/manifest.json labels each article;
its text is the words a reader sees on the replay's page, from its source file) and the
hand-written near-miss and on-topic snippets in tests/data/relevance_snippets.jsonl. Prints
each miss with its score and reasons, then one JSON line with every figure. Target: precision
and recall >= 0.95 on both sets together.

    .venv/bin/python bench/relevance.py [--story FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from presswatch.demo.server import plain_text  # noqa: E402
from presswatch.nlp.relevance import score_articles  # noqa: E402
from presswatch.records import Article  # noqa: E402
from presswatch.story import default_story_path, load_story  # noqa: E402

REPLAY = ROOT / "presswatch" / "demo"
SNIPPETS = ROOT / "tests" / "data" / "relevance_snippets.jsonl"
FETCHED_AT = datetime(2024, 11, 28, tzinfo=UTC)


@dataclass
class Labelled:
    source: str  # replay | snippets
    kind: str
    relevant: bool
    article: Article


def _article(item_id: str, title: str | None, text: str, published: str | None,
             language: str | None) -> Article:
    published_at = datetime.fromisoformat(published.replace("Z", "+00:00")) if published else None
    return Article(
        article_id=item_id, url=f"bench:{item_id}", canonical_url=f"bench:{item_id}",
        outlet="bench", title=title, authors=[], published_at=published_at, language=language,
        text=text, word_count=len(text.split()), fetched_at=FETCHED_AT, source_url="bench",
    )


def replay_items() -> list[Labelled]:
    manifest = json.loads((REPLAY / "manifest.json").read_text(encoding="utf-8"))
    items = []
    for entry in manifest["articles"]:
        path = REPLAY / "site" / "articles" / f"{entry['id']}.txt"
        if "relevant" not in entry or not path.is_file():
            continue  # pages that are not articles (404, redirect) carry no label
        text = plain_text(path.read_text(encoding="utf-8"))  # the words a reader sees
        article = _article(entry["id"], entry.get("title"), text, entry.get("published_at"),
                           entry.get("language"))
        items.append(Labelled("replay", entry.get("kind", ""), bool(entry["relevant"]), article))
    return items


def snippet_items() -> list[Labelled]:
    if not SNIPPETS.is_file():
        return []
    items = []
    for line in SNIPPETS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        article = _article(entry["id"], entry.get("title"), entry["text"],
                           entry.get("published_at"), entry.get("language"))
        items.append(Labelled("snippets", entry.get("kind", ""), bool(entry["relevant"]), article))
    return items


def figures(pairs: list[tuple[bool, bool]]) -> dict[str, float | int]:
    """Precision and recall of predicted (first) against labelled (second)."""
    tp = sum(1 for got, want in pairs if got and want)
    fp = sum(1 for got, want in pairs if got and not want)
    fn = sum(1 for got, want in pairs if not got and want)
    return {
        "n": len(pairs),
        "n_relevant": tp + fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "false_positives": fp,
        "false_negatives": fn,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--story", type=Path, default=default_story_path())
    args = parser.parse_args()
    story = load_story(args.story)
    items = replay_items() + snippet_items()
    started = time.perf_counter()
    results = score_articles([item.article for item in items], story)
    seconds = time.perf_counter() - started
    pairs: dict[str, list[tuple[bool, bool]]] = {"replay": [], "snippets": [], "all": []}
    by_kind: dict[str, list[tuple[bool, bool]]] = {}
    for item, result in zip(items, results, strict=True):
        pair = (result.is_relevant, item.relevant)
        pairs[item.source].append(pair)
        pairs["all"].append(pair)
        by_kind.setdefault(item.kind, []).append(pair)
        if result.is_relevant != item.relevant:
            print(f"MISS {item.source}:{item.article.article_id} ({item.kind}) labelled "
                  f"{item.relevant}, score {result.score}: {', '.join(result.reasons)}")
    for name, got in pairs.items():
        print(f"{name:9s} {figures(got)}")
    for kind, got in sorted(by_kind.items()):
        right = sum(1 for a, b in got if a == b)
        print(f"  kind {kind or '-':14s} {right}/{len(got)} right")
    words = sum(item.article.word_count for item in items)
    summary = {
        "bench": "relevance",
        **{f"{name}_{key}": value for name, got in pairs.items()
           for key, value in figures(got).items()},
        "words_per_s": round(words / seconds) if seconds else None,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
