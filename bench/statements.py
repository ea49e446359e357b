"""What mapping a day's quotes onto statements costs as the stored statements grow.

Builds S stored statements (synthetic sentences over a 20,000-word vocabulary with 50 words
common to many statements, as a story's own vocabulary is: "artists", "OpenAI"), 2,000
speakers, then assigns Q new quotes: half repeat a stored statement, 30% have only a
description for a speaker ("the group") and so are compared with everyone's statements. Times
the index rebuild (what a run does from the `statements` table) and the assignment, for each S,
and ends with one JSON line.

    .venv/bin/python bench/statements.py [--stored 1000 10000 50000] [--quotes 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from presswatch.nlp.statements import (  # noqa: E402
    SpeakerDirectory,
    StatementIndex,
    StatementInput,
    assign_statements,
)
from presswatch.records import Statement, stable_id  # noqa: E402
from presswatch.story import default_story_path, load_story  # noqa: E402

VOCABULARY = [f"word{i}" for i in range(20_000)]
COMMON = [f"common{i}" for i in range(50)]
SPEAKERS = [f"Person{i} Surname{i}" for i in range(2_000)]
DAY = datetime(2024, 11, 26, tzinfo=UTC)


def sentence(rng: random.Random) -> str:
    n_words = rng.randint(8, 25)
    return " ".join(rng.choice(VOCABULARY) if rng.random() < 0.6 else rng.choice(COMMON)
                    for _ in range(n_words))


def run(n_stored: int, n_quotes: int, directory: SpeakerDirectory) -> dict[str, float | int]:
    rng = random.Random(3)
    stored = [Statement(stable_id("bench", str(i)), rng.choice(SPEAKERS), None, None,
                        sentence(rng), DAY, f"a{i}") for i in range(n_stored)]
    quotes = []
    for i in range(n_quotes):
        text = rng.choice(stored).text if stored and rng.random() < 0.5 else sentence(rng)
        speaker = rng.choice(SPEAKERS) if rng.random() < 0.7 else None
        quotes.append(StatementInput(
            quote_id=f"q{i}", article_id=f"n{i % 300}", outlet="bench",
            published_at=DAY + timedelta(days=1), first_seen_at=DAY + timedelta(days=1),
            content=text, kind="direct", speaker=speaker,
            speaker_text=speaker or "the group", speaker_role=None,
        ))
    started = time.perf_counter()
    index = StatementIndex(directory, stored)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    result = assign_statements(quotes, index)
    assign_s = time.perf_counter() - started
    return {"stored": n_stored, "quotes": n_quotes, "index_load_s": round(load_s, 3),
            "assign_s": round(assign_s, 3), "new_statements": len(result.new)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stored", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--quotes", type=int, default=2_000)
    args = parser.parse_args()
    directory = SpeakerDirectory(load_story(default_story_path()))
    rows = [run(n, args.quotes, directory) for n in args.stored]
    for row in rows:
        print(row)
    print(json.dumps({"bench": "statements", "quotes": args.quotes,
                      **{f"assign_s_{r['stored']}": r["assign_s"] for r in rows},
                      **{f"index_load_s_{r['stored']}": r["index_load_s"] for r in rows}}))


if __name__ == "__main__":
    main()
