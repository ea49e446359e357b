"""Precision and recall of relevance's is_relevant on labelled articles.

Two labelled sets: the bundled replay (presswatch/demo/manifest.json labels each article;
its text is the words a reader sees on the replay's page, from its source file) and the
hand-written near-miss and on-topic snippets in tests/data/relevance_snippets.jsonl. Prints
each miss with its score and reasons, then one JSON line with every figure. Target: precision
and recall >= 0.95 on both sets together.

With ../shared/data/coverage-dev (and coverage-dev2) present, also the real coverage there:
each doc served as the set's replay.py serves it, extracted by presswatch's own extractor (as
the daily flow does, minus the crawl; docs dated before the story began are left out, as
discovery leaves them), and judged by the bundled story (coverage-dev only) and by the story
file `presswatch story new` writes from the command in each set's README. `leak` docs should be
relevant, `negative` docs not; `related` ones count neither way (as score.py --db counts).

    .venv/bin/python bench/relevance.py [--story FILE] [--shared DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from presswatch.cli.story_tools import write_new_story  # noqa: E402
from presswatch.demo.server import plain_text  # noqa: E402
from presswatch.nlp.relevance import score_articles  # noqa: E402
from presswatch.records import Article, FetchedPage  # noqa: E402
from presswatch.spiders.extract import NoArticleText, extract_article  # noqa: E402
from presswatch.story import Story, default_story_path, load_story  # noqa: E402

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


SHARED_CANDIDATES = (ROOT / ".." / "shared", Path("/work/shared"))
# The `presswatch story new` command each set's README gives (title, terms, entities, start).
NEW_STORY = {
    "coverage-dev": ("Sora leak", ["Sora", "leak"],
                     ["OpenAI", "PR Puppets", "Hugging Face", "Niko Felix:PERSON"], "2024-11-26"),
    "coverage-dev2": ("Alaska 1282 door plug", ["door plug", "737 MAX"],
                      ["Boeing", "Alaska Airlines", "FAA", "NTSB"], "2024-01-05"),
}


def _replay_module(shared: Path):
    path = shared / "data" / "coverage-dev" / "replay.py"
    spec = importlib.util.spec_from_file_location("coverage_replay", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def coverage_items(shared: Path, name: str) -> list[tuple[str, str, Article, datetime | None]]:
    """(doc id, label, extracted article, date the feeds give) for each doc of one set."""
    replay = _replay_module(shared)
    base = "http://127.0.0.1:8000"
    items = []
    for path in sorted((shared / "data" / name / "docs").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["title"] = doc.get("title") or ""  # a title missing from the excerpt: none served
        doc["_path"] = f"/{replay.slug(doc['publisher'])}/{doc['id']}.html"
        url = base + doc["_path"]
        page = FetchedPage(url=url, final_url=url, status=200, fetched_at=FETCHED_AT,
                           source_url=f"{base}/feeds/a.xml")
        try:
            article = extract_article(page, replay.page(doc, base).encode("utf-8"))
        except NoArticleText as exc:
            print(f"NOT EXTRACTED {name}:{doc['id']}: {exc}")
            continue
        items.append((doc["id"], doc["label"], article, replay.when(doc)))
    return items


def new_story(name: str, folder: Path) -> Story:
    title, terms, entities, start = NEW_STORY[name]
    out = folder / f"{name}.toml"
    write_new_story(out, title, terms, entities, story_id=None, start=start, force=True,
                    stdout=open(os.devnull, "w"))  # noqa: SIM115
    return load_story(out)


def coverage_figures(items, story: Story, label: str) -> dict[str, float | int]:
    """Relevance P/R on a coverage set as score.py --db counts it, printing each miss."""
    kept = [(doc, lab, a) for doc, lab, a, when in items
            if when is None or when.date() >= story.start_date]
    results = score_articles([a for _, _, a in kept], story)
    pairs = []
    for (doc, lab, _), result in zip(kept, results, strict=True):
        if lab == "related":
            continue
        pairs.append((result.is_relevant, lab == "leak"))
        if result.is_relevant != (lab == "leak"):
            print(f"MISS {label}:{doc} ({lab}) score {result.score}: "
                  f"{'; '.join(result.reasons)}")
    return figures(pairs)


def find_shared(given: Path | None) -> Path | None:
    for candidate in ((given,) if given else SHARED_CANDIDATES):
        if candidate is not None and (candidate / "data" / "coverage-dev" / "docs").is_dir():
            return candidate.resolve()
    return None


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
    parser.add_argument("--shared", type=Path, default=None,
                        help="folder holding data/coverage-dev (default: ../shared when present)")
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
    shared = find_shared(args.shared)
    with tempfile.TemporaryDirectory() as scratch:
        # The bundled replay judged by the file a new user starts with (the Sora command).
        fresh = new_story("coverage-dev", Path(scratch))
        got = []
        replay = [item for item in items if item.source == "replay"]
        for item, result in zip(replay, score_articles([i.article for i in replay], fresh),
                                strict=True):
            got.append((result.is_relevant, item.relevant))
            if result.is_relevant != item.relevant:
                print(f"MISS replay/story_new:{item.article.article_id} ({item.kind}) score "
                      f"{result.score}: {'; '.join(result.reasons)}")
        print(f"replay    story_new {figures(got)}")
        summary.update({f"replay_story_new_{k}": v for k, v in figures(got).items()
                        if k in ("precision", "recall")})
        for name in NEW_STORY if shared else ():
            if not (shared / "data" / name / "docs").is_dir():
                continue
            items = coverage_items(shared, name)
            stories = {"story_new": new_story(name, Path(scratch))}
            if name == "coverage-dev":
                stories["bundled"] = load_story(args.story)
            for which, story in stories.items():
                got = coverage_figures(items, story, f"{name}/{which}")
                print(f"{name} {which:9s} {got}")
                key = name.replace("-", "_")
                summary.update({f"{key}_{which}_{k}": v for k, v in got.items()
                                if k in ("precision", "recall")})
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
