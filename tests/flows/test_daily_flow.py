"""The daily flow end to end on the bundled replay: real server, crawl, spaCy, DuckDB, Prefect."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower().replace("’", "'")))


def _rows(db: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def two_days(replay_days, tmp_path_factory):
    """Day 1, day 2, and day 2 again, into one warehouse (conftest.py runs them once per
    session); the summaries and a copy of the file."""
    return {
        "manifest": replay_days.manifest, "first": replay_days.first,
        "second": replay_days.second, "again": replay_days.again,
        "db": replay_days.copy(tmp_path_factory.mktemp("flow"), again=True),
        "articles_day1": replay_days.articles_day1,
        "statements_day1": replay_days.statements_day1,
        "build_after_day2": (replay_days.after_day_two / "presswatch.report" / "build.json")
        .read_text(),
    }


def _expected(manifest: dict, days: set[int]) -> dict[str, dict]:
    return {
        a["path"]: a for a in manifest["articles"]
        if a["day"] in days and a.get("expected_in_run", True)
    }


def _stored(db: Path) -> dict[str, tuple]:
    rows = _rows(db, "select canonical_url, title, published_at, authors, is_relevant, "
                     "language, nlp_status, site_name from articles")
    return {urlsplit(r[0]).path: r for r in rows}


def test_day_one_lands_the_expected_articles_with_their_metadata(two_days):
    expected = _expected(two_days["manifest"], {1})
    assert two_days["first"].articles_added == len(expected) == two_days["articles_day1"]
    stored = _stored(two_days["db"])
    for path, article in expected.items():
        assert path in stored, f"{path} was not stored"
        _, title, published_at, authors, is_relevant, language, nlp_status, site = stored[path]
        assert site in (None, two_days["manifest"]["outlets"][article["outlet"]]["name"])
        assert title == article["title"]
        assert published_at == datetime.fromisoformat(article["published_at"])
        assert sorted(authors) == sorted(article["authors"])
        assert language == article["language"]
        assert is_relevant == article["relevant"], f"relevance of {path}"
        assert (nlp_status == "done") == (article["relevant"] and language == "en"), path


def test_outlets_are_named_as_their_pages_name_them(two_days):
    names = {r[0] for r in _rows(two_days["db"], "select distinct site_name from articles "
                                                 "where site_name is not null")}
    assert len(names) >= 5


def test_bad_sources_are_reported_with_a_reason_and_do_not_stop_the_run(two_days):
    bad = [s for s in two_days["manifest"]["sources"] if s.get("expected_error")]
    assert bad, "the replay must include failing sources"
    errors = dict(_rows(two_days["db"], "select url, last_error from sources"))
    for source in bad:
        failing = [url for url, error in errors.items()
                   if urlsplit(url).path == source["path"] and error]
        assert failing, f"{source['key']} should have failed with a reason"
    assert two_days["first"].n_sources_failed == len(bad)
    assert two_days["first"].status == "partial"
    reasons = [r for (r,) in _rows(two_days["db"], "select reason from pages")]
    assert any("robots" in (r or "") for r in reasons)
    assert any("404" in (r or "") for r in reasons)


def test_day_two_adds_only_the_new_articles(two_days):
    manifest = two_days["manifest"]
    new = _expected(manifest, {2})
    assert two_days["second"].articles_added == len(new)
    stored = _stored(two_days["db"])
    assert set(_expected(manifest, {1, 2})) == set(stored)
    (duplicates,) = _rows(two_days["db"], "select count(*) - count(distinct canonical_url) "
                                          "from articles")[0]
    assert duplicates == 0


def test_day_two_creates_only_statements_new_on_day_two(two_days):
    manifest = two_days["manifest"]
    db = two_days["db"]
    day1 = two_days["statements_day1"]
    rows = _rows(db, "select statement_id, coalesce(part_of, statement_id), text from statements")
    whole_of = {sid: whole for sid, whole, _ in rows}
    created_on_day2 = [(sid, whole, text) for sid, whole, text in rows if sid not in day1]
    for statement in manifest["statements"]:
        snippet = _norm(statement["snippet"])
        holders = _rows(
            db, "select distinct s.statement_id from quotes q join statements s "
                "using (statement_id) where s.speaker = ?", [statement["speaker"]])
        texts = {sid: _norm(t) for sid, _, t in rows}
        found = [sid for (sid,) in holders if snippet[:40] in texts.get(sid, "")]
        if statement["first_day"] == 1:  # a part quoted on day 2 belongs to the day-1 whole
            assert not [s for s in found if whole_of[s] not in day1], (
                f"{statement['id']} was said on day 1 but became new on day 2")
    day1_snippets = [_norm(s["snippet"])[:40] for s in manifest["statements"]
                     if s["first_day"] == 1]
    for _, whole, text in created_on_day2:
        if whole not in day1:
            assert not any(snippet in _norm(text) for snippet in day1_snippets), text
    # the summary counts wholes: a part is news of its whole, as for the alerts
    assert two_days["second"].new_statements == len([r for r in created_on_day2 if r[0] == r[1]])


def test_rerunning_the_same_day_adds_nothing(two_days):
    again = two_days["again"]
    assert (again.articles_added, again.quotes_added, again.new_statements) == (0, 0, 0)


def test_a_run_that_adds_nothing_but_raises_an_alert_rebuilds_the_report(two_days):
    # The third run adds nothing, but three sources have now failed three runs in a row: an
    # alert, and a report that shows them as long failing (a quiet run keeps it: test_e2e_smoke)
    again = two_days["again"]
    assert (again.articles_added, again.quotes_added) == (0, 0) and again.alerts_sent > 0
    assert again.report_kept_from is None
    build = (Path(again.report_index).parent / "build.json").read_text()
    assert json.loads(build)["built_at"] > json.loads(two_days["build_after_day2"])["built_at"]


def test_the_niko_felix_statement_is_attributed(two_days):
    rows = _rows(two_days["db"], "select text from statements where speaker = 'Niko Felix'")
    assert any("research preview" in text for (text,) in rows)


def test_the_summary_says_why_pages_failed_and_where_the_report_is(two_days):
    first = two_days["first"]
    working = " ".join(row["reason"] for row in first.table if row["status"] == "ok")
    # The replay's page-level failures, each said on its source's row (not only in SQL).
    assert "blocked by robots.txt" in working and "HTTP 404" in working
    assert "application/pdf" in working
    assert first.report_index and Path(first.report_index).name == "index.html"
    assert Path(first.report_index).is_file()
