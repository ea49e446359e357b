"""What a Dask worker imports for the backfill: the task arrives pickled, so whatever its
function and arguments name is imported there, by every worker. Those come from
runs/backfill_unit.py only, and spaCy only loads for a unit that keeps a page (most files of
a month keep none): a worker that reads such files never imports spaCy, DuckDB or the writer's
modules."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from random import Random

import cloudpickle

from presswatch.demo.archive import unrelated_page, write_warc
from presswatch.flows.backfill import process
from presswatch.runs.backfill_unit import Clients, Endpoints, Unit
from presswatch.story import default_story_path, load_story

WORKER = """
import json, sys
import cloudpickle
task, args = cloudpickle.loads(sys.stdin.buffer.read())
result = task.fn(*args)
print(json.dumps({"records": result.records, "kept": result.kept,
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                                    ("spacy", "duckdb", "datasketch", "presswatch"))}))
"""


def test_a_worker_whose_unit_keeps_nothing_imports_neither_spacy_nor_the_warehouse(tmp_path):
    warc = tmp_path / "unrelated.warc.gz"
    rng = Random(3)
    write_warc(warc, [unrelated_page(rng, number) for number in range(40)])  # 2 near misses
    story = load_story(default_story_path())
    unit = Unit("unrelated", "warc", warc.name, location=str(warc))
    args = (story, unit, date(2024, 11, 1), date(2025, 3, 31), tmp_path / "units",
            Clients("test", story.crawl.address_policy(), Endpoints(), 0.0))
    done = subprocess.run([sys.executable, "-c", WORKER], input=cloudpickle.dumps((process, args)),
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    seen = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert seen["records"] == 40 and seen["kept"] == 0
    modules = set(seen["modules"])
    assert "presswatch.runs.backfill_unit" in modules
    assert not {m for m in modules if m.split(".")[0] in ("spacy", "duckdb", "datasketch")}
    assert not modules & {"presswatch.runs.backfill", "presswatch.nlp.analyze",
                          "presswatch.warehouse.store", "presswatch.runs.analysis"}
