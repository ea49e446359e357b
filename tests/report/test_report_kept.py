"""A run that adds nothing keeps the last report: only one this report code built whole, from
the snapshot, while the same sources were failing (report/build.py: last_report)."""

from __future__ import annotations

import json

import pytest

from presswatch.records import SourceResult
from presswatch.report import build_report, last_report, report_dir
from presswatch.warehouse.store import open_warehouse

DEAD = "https://dead.example/feed"


@pytest.fixture
def built(tmp_path, builder):
    text = 'OpenAI said "we paused access" on Tuesday, in a long enough article about Sora.'
    articles = [builder.article("https://a.example/1", text, outlet="a.example", title="A")]
    sources = [SourceResult("https://a.example/feed", "feed", "A", 200),
               SourceResult(DEAD, "feed", "Dead", None, error="HTTP 503")]
    db = tmp_path / "w.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.load_batch(builder.batch("r1", articles, [], [], sources=sources))
        warehouse.publish()
    return db, build_report(db)


def test_the_last_report_is_kept_with_when_it_was_built(built):
    db, report = built
    kept = last_report(db, {DEAD})
    assert kept is not None and kept.kept and not report.kept
    assert (kept.index, kept.built_at, kept.n_pages) == (report.index, report.built_at,
                                                        report.n_pages)
    assert "kept as built at" in kept.describe()


@pytest.mark.parametrize("change", ["other failing sources", "other code", "a period",
                                    "no build file", "no overview"])
def test_a_report_that_may_show_otherwise_is_not_kept(built, change):
    db, _ = built
    folder = report_dir(db)
    build = json.loads((folder / "build.json").read_text())
    failing = {DEAD}
    if change == "other failing sources":
        failing = set()
    elif change == "other code":
        build["code"] = "0" * 16
    elif change == "a period":
        build["since"] = "2024-11-27"
    (folder / "build.json").write_text(json.dumps(build))
    if change == "no build file":
        (folder / "build.json").unlink()
    elif change == "no overview":
        (folder / "index.html").unlink()
    assert last_report(db, failing) is None
