"""Bad archives (issue 26, item 5): a WARC file that is not one, or is damaged part-way, is
reported by name and skipped while the backfill goes on and ends partial; a file cut short is
read as far as it goes, flagged, and read again once it is whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from random import Random

import duckdb
import pytest

from presswatch.demo.archive import archive_records, unrelated_page, write_warc
from presswatch.runs import backfill as bs
from presswatch.runs import backfill_unit as bu
from presswatch.story import default_story_path, load_story

SINCE, UNTIL = date(2024, 11, 20), date(2024, 12, 5)


def _run_row(db: Path) -> tuple[str, str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select status, message, n_sources_failed from runs "
                           "order by started_at desc limit 1").fetchone()


def _articles(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(r[0] for r in con.execute("select canonical_url from articles").fetchall())


@pytest.mark.usefixtures("prefect_harness")
def test_a_bad_warc_is_named_and_skipped_and_the_run_goes_on_and_ends_partial(tmp_path):
    from presswatch.flows.backfill import run_backfill

    records = list(archive_records(40))
    good = [tmp_path / "CC-NEWS-20241125000000-00001.warc.gz",
            tmp_path / "CC-NEWS-20241126000000-00003.warc.gz"]
    write_warc(good[0], records[0::2])
    write_warc(good[1], records[1::2])
    bad = tmp_path / "CC-NEWS-20241125120000-00002.warc.gz"
    bad.write_bytes(b"<html>503 Service Unavailable</html>\n" * 40)
    unrelated = tmp_path / "CC-NEWS-20241126120000-00004.warc.gz"
    rng = Random(5)
    write_warc(unrelated, [unrelated_page(rng, number) for number in range(20)])
    db = tmp_path / "w.duckdb"
    settings = bs.BackfillSettings(story_path=default_story_path(), db_path=db, since=SINCE,
                                   until=UNTIL, sources=bs.Sources(warcs=tuple(map(str, [
                                       good[0], bad, good[1], unrelated]))), workers=1)
    first = run_backfill(settings)
    assert [p.split(":")[0] for p in first.problems] == [str(bad)]
    assert "not a readable WARC file" in first.problems[0]
    assert first.articles_added >= 10  # both good files were read
    # a file that keeps no page is read and tallied, but gets no load (no warehouse open)
    units = settings.units_dir(settings.story())
    assert first.results[-1].kept == 0
    assert len(list(units.glob("*.loaded"))) == 2 and len(list(units.glob("*.json"))) == 3
    status, message, failed = _run_row(db)
    assert (status, failed) == ("partial", 1) and bad.name in message
    stored = _articles(db)

    second = run_backfill(settings)  # the file is tried again, and reported again
    assert len(second.problems) == 1 and second.articles_added == 0
    assert _run_row(db)[0] == "partial" and _articles(db) == stored


def _plain_backfill(path: Path, db: Path) -> list[bs.UnitResult]:
    """The backfill's stages as plain functions, as the flow calls them."""
    story = load_story(default_story_path())
    out = bs.units_dir(db, story, SINCE, UNTIL)
    clients = bs.Clients("test", story.crawl.address_policy(), bs.Endpoints(), 0.0)
    units = bs.plan_units(story, bs.Sources(warcs=(str(path),)), SINCE, UNTIL, clients).units
    writer = bs.begin_backfill(story, db, out, 30.0)
    results = []
    for unit in units:
        result = bu.read_tally(out, unit) or bu.process_unit(unit, story, SINCE, UNTIL, out,
                                                             clients)
        results.append(result)
        if not result.error and not bs.loaded_path(out, unit).exists():
            bs.load_unit(writer, out, unit)
    bs.finish_backfill(writer, units, results, alert=False)
    return results


def test_a_warc_cut_short_is_read_as_far_as_it_goes_flagged_and_read_again_once_whole(
        tmp_path):
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole, list(archive_records(40)))
    reference = tmp_path / "reference.duckdb"
    _plain_backfill(whole, reference)
    expected = _articles(reference)

    path = tmp_path / "CC-NEWS-20241125000000-00001.warc.gz"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    db = tmp_path / "w.duckdb"
    [cut] = _plain_backfill(path, db)
    assert cut.truncated and "cut short" in cut.problem and path.name in cut.problem
    status, message, failed = _run_row(db)
    assert (status, failed) == ("partial", 1) and "cut short" in message
    partly = _articles(db)
    assert 0 < len(partly) < len(expected) and set(partly) <= set(expected)

    [again] = _plain_backfill(path, db)  # unchanged: done, not read again
    assert again.truncated and _articles(db) == partly

    path.write_bytes(data)  # the whole file, fetched again
    [repaired] = _plain_backfill(path, db)
    assert not repaired.truncated and repaired.problem is None
    assert _run_row(db)[0] == "ok"
    assert _articles(db) == expected
