"""Child process for the crash tests: loads batches in a loop and reports each commit.

Usage: python _load_child.py DB FIRST LAST ARTICLES_PER_BATCH
Prints "committed <run_id>" after each batch's transaction has committed.
"""

import importlib.util
import sys
from pathlib import Path

from presswatch.warehouse.store import open_warehouse


def _corpus():
    spec = importlib.util.spec_from_file_location("wh_conftest", Path(__file__).with_name(
        "conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    db, first, last, per_batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    corpus = _corpus()
    batches = [corpus.run_batch(f"run{i:03d}", per_batch) for i in range(first, last)]
    with open_warehouse(db) as wh:
        print("ready", flush=True)
        for batch in batches:
            wh.load_batch(batch)
            print(f"committed {batch.run_id}", flush=True)
        wh.publish()
        print("published", flush=True)


if __name__ == "__main__":
    main()
