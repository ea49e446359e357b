"""A big report makes its charts and downloads in a second process (report/side.py) while this
one writes the pages: the files are the same as when one process makes them all, and a second
process that fails costs time, never the report."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from presswatch.records import SourceResult, Statement, stable_id
from presswatch.report import build, build_report, side
from presswatch.warehouse.store import open_warehouse

BUILT_AT = datetime(2024, 11, 28, 9, 30, 15, tzinfo=UTC)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _warehouse(tmp_path: Path, builder) -> Path:
    """Two outlets on two days quoting one statement, with feeds: every chart and table."""
    said = "We paused access while we review the leak"
    articles = [builder.article(f"https://{host}/1", f"Article about OpenAI and Sora. \"{said},\""
                                " said Niko Felix.", outlet=host, title=f"{host} on the leak",
                                published_at=builder.T0 + timedelta(days=day),
                                source_url=f"https://{host}/feed")
                for day, host in enumerate(("a.example", "b.example"))]
    statement = Statement(stable_id("paused"), "Niko Felix", "OpenAI spokesperson", "OpenAI",
                          said, builder.T0, articles[0].article_id)
    quotes = [builder.quote(a, said, "Niko Felix", statement.statement_id) for a in articles]
    feeds = [SourceResult(a.source_url, "feed", a.outlet, 200) for a in articles]
    db = tmp_path / "w.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.load_batch(builder.batch("r1", articles, quotes, [statement], sources=feeds))
        warehouse.publish()
    return db


def test_two_processes_write_the_same_files_as_one_and_a_failed_second_costs_nothing(
        tmp_path, builder, monkeypatch, caplog):
    db = _warehouse(tmp_path, builder)
    caplog.set_level(logging.WARNING, logger="presswatch.report.side")
    # Built from a folder holding a file named like a module the child imports: never run.
    here = tmp_path / "here"
    here.mkdir()
    (here / "xlsxwriter.py").write_text("raise SystemExit('the working folder was imported')")
    with monkeypatch.context() as patch:
        patch.chdir(here)
        two = build_report(db, tmp_path / "two", built_at=BUILT_AT, second_process=True)
    assert caplog.text == ""  # the second process made the charts and downloads
    files = _files(two.out_dir)
    assert "<svg" in files["index.html"].decode("utf-8")  # the charts are compared too
    assert {"export-statements.xlsx", "export-statements.csv"} <= files.keys()
    # A child that prints something that is not its answer and dies: this process does its
    # work, and the files are the same byte for byte (the .xlsx files say when the report was
    # built, not when each was written).
    monkeypatch.setattr(side, "CHILD", "import sys; print('half an answer'); sys.exit(3)")
    one = build_report(db, tmp_path / "one", built_at=BUILT_AT, second_process=True)
    assert "second process ended with code 3" in caplog.text
    assert "made in this process instead" in caplog.text
    assert _files(one.out_dir) == files


def test_a_second_process_started_beforehand_is_used_and_ended(tmp_path, builder, monkeypatch,
                                                                caplog):
    db = _warehouse(tmp_path, builder)
    caplog.set_level(logging.WARNING, logger="presswatch.report.side")
    alone = build_report(db, tmp_path / "alone", built_at=BUILT_AT, second_process=False)
    early = side.start_side(True)  # as the daily flow starts it, before alerts and publishing
    assert isinstance(early, side.SecondProcess) and early._child is not None

    def no_other(second_process: bool):
        raise AssertionError("build_report started its own helper")

    monkeypatch.setattr(build, "start_side", no_other)
    report = build_report(db, tmp_path / "early", built_at=BUILT_AT, side=early)
    assert caplog.text == ""  # the early process made the charts and downloads
    assert early._child.poll() is not None  # and was ended
    assert _files(report.out_dir) == _files(alone.out_dir)
