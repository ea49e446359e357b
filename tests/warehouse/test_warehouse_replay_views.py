"""The analyst views on the bundled replay (two days through the real daily flow) agree with the
replay's manifest: what was published when, by whom, which sources failed, who said what."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from presswatch.warehouse.store import open_warehouse, snapshot_path

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture(scope="module")
def replay(replay_days, tmp_path_factory):
    db = replay_days.copy(tmp_path_factory.mktemp("replay-views"))
    manifest = replay_days.manifest
    expected = [a for a in manifest["articles"] if a.get("expected_in_run", True)]
    return {"snapshot": snapshot_path(db), "manifest": manifest, "expected": expected}


def _rows(replay, sql):
    with open_warehouse(replay["snapshot"], read_only=True) as wh:
        return wh.connection.execute(sql).fetchall()


def test_the_published_snapshot_passes_every_check(replay):
    with open_warehouse(replay["snapshot"], read_only=True) as wh:
        assert wh.run_checks() == []


def test_daily_coverage_counts_articles_and_relevant_ones_per_day(replay):
    per_day = Counter(date.fromisoformat(a["published_at"][:10]) for a in replay["expected"])
    relevant = Counter(date.fromisoformat(a["published_at"][:10])
                       for a in replay["expected"] if a["relevant"])
    rows = _rows(replay, "select day, n_articles, n_relevant from daily_coverage")
    assert {day: (n, r) for day, n, r in rows} == {
        day: (n, relevant[day]) for day, n in per_day.items()
    }


def test_daily_coverage_counts_a_syndicated_copy_once_as_a_story(replay):
    copies = Counter(date.fromisoformat(a["published_at"][:10])
                     for a in replay["expected"] if a["copy_of"])
    assert copies, "the replay has a syndicated copy"
    rows = _rows(replay, "select day, n_articles - n_distinct_stories from daily_coverage")
    assert {day: d for day, d in rows if d} == dict(copies)


def test_outlet_coverage_has_each_outlets_article_count(replay):
    expected = sorted(Counter(a["outlet"] for a in replay["expected"]).values())
    rows = _rows(replay, "select n_articles from outlet_coverage")
    assert sorted(n for (n,) in rows) == expected


def test_latest_run_names_the_sources_that_failed_and_why(replay):
    failing = [s for s in replay["manifest"]["sources"] if s["in_story"] and s["expected_error"]]
    [(status, failed)] = _rows(replay, "select status, failed_sources from latest_run")
    assert status == "partial"
    assert len(failed) == len(failing)
    for source in failing:
        assert any(source["path"] in line for line in failed), (source, failed)


def test_statement_timeline_spreads_the_spokespersons_statement(replay):
    statement = next(s for s in replay["manifest"]["statements"]
                     if s["id"] == "felix-research-preview")
    rows = _rows(replay, "select speaker, first_url, n_outlets, n_days from statement_timeline "
                         "where text ilike '%research preview%' and speaker = 'Niko Felix'")
    assert len(rows) == 1
    speaker, first_url, n_outlets, n_days = rows[0]
    first = next(a for a in replay["manifest"]["articles"]
                 if a["id"] == statement["first_article"])
    assert speaker == "Niko Felix"
    assert first_url.endswith(first["path"])
    assert n_outlets == len(statement["outlets"])


def test_speaker_statements_know_the_spokesperson(replay):
    rows = _rows(replay, "select role, n_statements from speaker_statements "
                         "where speaker = 'Niko Felix'")
    assert len(rows) == 1 and "spokesperson" in rows[0][0].lower() and rows[0][1] >= 1


def test_search_finds_the_leak_story_first(replay):
    leak = next(a for a in replay["manifest"]["articles"] if a["id"] == "dc-leak")
    rows = _rows(replay, "select url from search_articles('art washing bug testers') limit 3")
    assert rows and any(url.endswith(leak["path"]) for (url,) in rows)
