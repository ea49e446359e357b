"""What the report's figures say, on small hand-made warehouses: outlets by name (the same in
every view and in the report), --since, the run's new items, where the report is written."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from presswatch.cli.main import main
from presswatch.records import SourceResult, Statement, stable_id
from presswatch.report import ReportError, build_report, report_dir
from presswatch.report.build import read_report_data
from presswatch.story import Story
from presswatch.warehouse.batch import story_rows
from presswatch.warehouse.store import open_warehouse

SAID = "We paused access to the tool"


@pytest.fixture
def named(tmp_path, builder):
    """Four outlets, each named (or not) a different way, all quoting one statement."""
    def text(n):
        return f"Article {n} about OpenAI and the Sora leak. \"{SAID},\" said Niko Felix."

    feeds = [SourceResult("https://a.example/feed", "feed", "A feed", 200),
             SourceResult("https://feeds.b.example/rss", "feed", "B Daily", 200),
             SourceResult("https://news.aggregator.example/rss", "feed", "Aggregator", 200)]
    articles = [
        builder.article("https://a.example/1", text(1), outlet="a.example", title="A one",
                        site_name="A News", source_url="https://a.example/feed"),
        builder.article("https://www.b.example/1", text(2), outlet="b.example", title="B one",
                        source_url="https://feeds.b.example/rss",
                        published_at=builder.T0 + timedelta(hours=2)),
        builder.article("http://10.0.0.9/1", text(3), outlet="10.0.0.9", title="Ten one",
                        source_url="https://news.aggregator.example/rss",
                        published_at=builder.T0 + timedelta(days=1)),
        builder.article("http://10.0.0.8/1", text(4), outlet="10.0.0.8", title="Eight one",
                        source_url="https://news.aggregator.example/rss",
                        published_at=builder.T0 + timedelta(days=1, hours=1)),
    ]
    statement_id = stable_id("paused")
    statement = Statement(statement_id, "Niko Felix", "OpenAI spokesperson", "OpenAI", SAID,
                          builder.T0, articles[0].article_id)
    quotes = [builder.quote(a, SAID, "Niko Felix", statement_id) for a in articles]
    db = tmp_path / "named.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.load_batch(builder.batch("r1", articles, quotes, [statement], sources=feeds,
                                           story_outlets={"10.0.0.9": "Ten News"}))
        warehouse.publish()
    return db


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def test_an_outlet_is_named_by_its_pages_else_its_feed_else_the_story_else_its_host(named):
    assert sorted(_rows(named, "select outlet, name, named_by from outlet_names")) == [
        ("10.0.0.8", "10.0.0.8", "host"),
        ("10.0.0.9", "Ten News", "story"),
        ("a.example", "A News", "page"),
        ("b.example", "B Daily", "feed"),  # its feed is on its own host
    ]


def test_views_and_report_agree_on_outlet_names(named):
    expected = ["10.0.0.8", "A News", "B Daily", "Ten News"]
    (timeline,) = _rows(named, "select outlets from statement_timeline")
    assert timeline[0] == expected
    assert sorted(n for (n,) in _rows(named, "select name from outlet_coverage")) == expected
    found = _rows(named, "select distinct outlet from search_articles('paused access')")
    assert sorted(n for (n,) in found) == expected
    with open_warehouse(named, read_only=True) as warehouse:
        data = read_report_data(warehouse.connection)
    (statement,) = data.statements
    assert statement["outlets"] == expected and statement["n_outlets"] == 4
    assert statement["first_outlet"] == "A News"
    assert sorted(o["name"] for o in data.outlets) == expected
    assert {a["outlet"] for a in data.appearances} == set(expected)


def test_since_leaves_out_earlier_coverage(named):
    with open_warehouse(named, read_only=True) as warehouse:
        data = read_report_data(warehouse.connection, since=date(2024, 11, 27))
    (statement,) = data.statements
    assert statement["n_articles"] == 2 and statement["outlets"] == ["10.0.0.8", "Ten News"]
    assert statement["first_outlet"] == "Ten News"
    assert {r["day"] for r in data.attention} == {date(2024, 11, 27)}
    assert data.story["n_articles"] == 2


def test_the_statement_page_shows_the_sentence_around_the_quote(named):
    with open_warehouse(named, read_only=True) as warehouse:
        data = read_report_data(warehouse.connection)
    first = data.appearances[0]
    assert first["article_position"] == 1 and first["outlet"] == "A News"
    # The sentence before the quote comes too: "It asks them to ..." needs the one before.
    assert first["context_before"] == 'Article 1 about OpenAI and the Sora leak. "'
    assert first["content"] == SAID
    assert first["context_after"] == ',\" said Niko Felix.'
    assert [a["minutes_after_first"] for a in data.appearances] == [0, 120, 1440, 1500]


def test_every_query_reads_times_in_the_connections_time_zone(named):
    """The queries run on cursors of their own, which start in the machine's zone."""
    with open_warehouse(named, read_only=True) as warehouse:
        utc = read_report_data(warehouse.connection)
        warehouse.connection.execute("set TimeZone = 'Asia/Tokyo'")
        tokyo = read_report_data(warehouse.connection)
    (in_utc,), (in_tokyo,) = utc.statements, tokyo.statements
    assert in_utc["first_seen_at"].utcoffset() == timedelta(0)
    assert in_tokyo["first_seen_at"].utcoffset() == timedelta(hours=9)
    assert in_tokyo["first_seen_at"] == in_utc["first_seen_at"]  # the same moment


def _second_run(named, builder, article, statement):
    """Run r2 stores one article quoting one statement (its text, its speaker) and publishes;
    the report's data after it."""
    with open_warehouse(named) as warehouse:
        warehouse.load_batch(builder.batch(
            "r2", [article], [builder.quote(article, statement.text, statement.speaker,
                                            statement.statement_id)], [statement],
            started_at=builder.T0 + timedelta(days=2)))
        warehouse.publish()
    with open_warehouse(named, read_only=True) as warehouse:
        return read_report_data(warehouse.connection)


def test_new_since_the_previous_run(named, builder):
    later = builder.article("https://c.example/1", "OpenAI: \"A new thing,\" said Ada Lovelace.",
                            outlet="c.example", title="C one", site_name="C Times",
                            published_at=builder.T0 + timedelta(days=2))
    statement = Statement(stable_id("new"), "Ada Lovelace", None, None, "A new thing",
                          later.published_at, later.article_id)
    data = _second_run(named, builder, later, statement)
    new = {(r["kind"], r["name"]) for r in data.new}
    assert new == {("statement", "Ada Lovelace"), ("speaker", "Ada Lovelace"),
                   ("outlet", "C Times")}
    assert data.story["previous_run_id"] == "r1" and data.story["last_run_id"] == "r2"


def test_a_part_quoted_alone_is_shown_within_its_whole(named, builder):
    """A later article quoting some of the statement's words alone (a part, part_of the whole):
    the report lists the whole once, the part's quote among its appearances, and no new item."""
    later = builder.article("https://c.example/1", "Felix said: \"We paused access.\"",
                            outlet="c.example", title="C one", site_name="C Times",
                            published_at=builder.T0 + timedelta(days=2))
    (whole,) = (sid for (sid,) in _rows(named, "select statement_id from statements"))
    part = Statement(stable_id("part"), "Niko Felix", None, None, "We paused access",
                     later.published_at, later.article_id, part_of=whole)
    data = _second_run(named, builder, later, part)
    (statement,) = data.statements
    assert statement["statement_id"] == whole and statement["n_articles"] == 5
    assert "C Times" in statement["outlets"]
    assert {a["statement_id"] for a in data.appearances} == {whole}
    assert data.appearances[-1]["content"] == "We paused access"
    assert {r["kind"] for r in data.new} == {"outlet"}
    (speaker,) = data.speakers
    assert speaker["n_statements"] == 1 and speaker["n_quotes"] == 5


def test_the_report_goes_beside_the_warehouse_and_replaces_only_a_report(named, tmp_path):
    assert report_dir(named) == named.with_name("named.report")
    assert report_dir(named.with_name("named.snapshot.duckdb")) == named.with_name("named.report")
    first = build_report(named)
    assert first.out_dir == named.with_name("named.report") and first.index.exists()
    assert first.source.name == "named.snapshot.duckdb"  # the published snapshot is read
    second = build_report(named)  # replaces the first
    assert second.index.exists() and not named.with_name("named.report.partial").exists()
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("mine")
    with pytest.raises(ReportError, match="not a presswatch report"):
        build_report(named, precious)
    assert (precious / "thesis.txt").read_text() == "mine"


def test_the_command_builds_the_report_and_says_where(named, capsys):
    assert main(["report", "--db", str(named), "--since", "2024-11-27"]) == 0
    out = capsys.readouterr().out
    assert "named.report/index.html" in out
    assert main(["report", "--db", str(named), "--since", "soon"]) == 2
    assert main(["report", "--db", str(named.with_name("missing.duckdb"))]) == 2


def test_a_warehouse_with_no_run_has_no_report(tmp_path):
    db = tmp_path / "empty.duckdb"
    with open_warehouse(db):
        pass
    with pytest.raises(ReportError, match="no run yet"):
        build_report(db)


def test_the_story_file_and_its_outlets_table_reach_the_warehouse_when_a_run_begins(tmp_path):
    from presswatch.runs.daily import begin_run

    story = Story.model_validate({
        "id": "s1", "title": "T", "start_date": "2024-11-26",
        "relevance": {"threshold": 0.6},
        "outlets": [{"host": " 10.0.0.9 ", "name": " Ten News "}],
    })
    rows = story_rows(story, datetime.now(UTC))
    assert [(o.outlet, o.name, o.story_id) for o in rows["story_outlets"]] == [
        ("10.0.0.9", "Ten News", "s1")]
    db = tmp_path / "s1.duckdb"
    begin_run(story, db, tmp_path / "staging", 5.0)
    assert _rows(db, "select story_id, title, start_date, relevance_threshold from stories") == [
        ("s1", "T", date(2024, 11, 26), 0.6)]
    assert _rows(db, "select outlet, name, story_id from story_outlets") == [
        ("10.0.0.9", "Ten News", "s1")]
    with pytest.raises(ValueError, match="outlets"):
        Story.model_validate({"id": "s1", "title": "T", "start_date": "2024-11-26",
                              "outlets": [{"host": "x.example"}]})


def test_a_report_leaves_the_users_old_and_partial_folders_alone(named, tmp_path):
    out = tmp_path / "site"
    for name in ("site.old", "site.partial"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "mine.txt").write_text(name)
    build_report(named, out)
    build_report(named, out)  # the second replaces the first
    assert (out / "index.html").exists()
    for name in ("site.old", "site.partial"):
        assert (tmp_path / name / "mine.txt").read_text() == name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [named.name, named.with_name("named.snapshot.duckdb").name, "site", "site.old",
         "site.partial"])


def test_two_reports_built_at_once_both_finish(named, tmp_path):
    out = tmp_path / "site"
    code = ("import sys; from pathlib import Path; from presswatch.report import build_report; "
            "build_report(Path(sys.argv[1]), Path(sys.argv[2]))")
    builds = [subprocess.Popen([sys.executable, "-c", code, str(named), str(out)],
                               stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [b.communicate(timeout=120)[1] for b in builds]
    assert [b.returncode for b in builds] == [0, 0, 0], errors
    assert (out / "index.html").exists() and (out / ".presswatch-report").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []
