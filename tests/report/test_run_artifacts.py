"""A run's Prefect artifacts stay small whatever the run added: a first run of 10,000 articles
made 17,642 new statements, and a table of all of them (6 MB) was refused by Prefect's event
bus. They show the oldest few and say where all of them are (the report)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from presswatch.demo.server import ReplaySite
from presswatch.flows.artifacts import artifact_key, publish_run_artifacts
from presswatch.records import Statement, stable_id
from presswatch.runs.settings import run_settings
from presswatch.runs.summary import RunSummary
from presswatch.warehouse import run_findings
from presswatch.warehouse.store import open_warehouse

N_STATEMENTS, SHOWN = 8, 3


@pytest.fixture
def many_statements(tmp_path, builder, monkeypatch):
    """A warehouse whose one run made N_STATEMENTS statements, and the cap made SHOWN."""
    monkeypatch.setattr(run_findings, "NEW_STATEMENTS_SHOWN", SHOWN)
    articles, quotes, statements = [], [], []
    for i in range(N_STATEMENTS):
        said = f"We paused access number {i} on Tuesday"
        a = builder.article(f"https://a.example/{i}", f'OpenAI said "{said}" to reporters.',
                            outlet="a.example", title=f"Story {i}")
        sid = stable_id("statement", str(i))
        articles.append(a)
        quotes.append(builder.quote(a, said, "Niko Felix", sid))
        statements.append(Statement(sid, "Niko Felix", "spokesperson", "OpenAI", said,
                                    builder.T0 + timedelta(minutes=i), a.article_id))
    db = tmp_path / "w.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.load_batch(builder.batch("r1", articles, quotes, statements))
        warehouse.publish()
    return db, statements


def test_a_run_reads_back_only_its_oldest_new_statements(many_statements):
    db, statements = many_statements
    with open_warehouse(db, read_only=True) as warehouse:
        rows = run_findings.statement_details(
            warehouse, [s.statement_id for s in reversed(statements)])
    assert [r["statement"] for r in rows] == [s.text for s in statements[:SHOWN]]


@pytest.mark.usefixtures("prefect_harness")
def test_the_artifacts_show_the_oldest_and_say_the_report_has_them_all(many_statements,
                                                                      tmp_path):
    db, statements = many_statements
    with ReplaySite(day=1) as site:
        settings = run_settings(str(site.write_story(tmp_path / "story.toml")), str(db), None,
                                True, {})
    story = settings.story()
    with open_warehouse(db, read_only=True) as warehouse:
        rows = run_findings.statement_details(warehouse, [s.statement_id for s in statements])
    summary = RunSummary("r1", "ok", 1, 0, N_STATEMENTS, N_STATEMENTS, N_STATEMENTS, 0, [])

    @flow
    def publish() -> None:
        publish_run_artifacts(story, settings, summary, rows)

    publish()
    with get_client(sync_client=True) as client:
        def latest(prefix: str):
            found = client.read_artifacts(artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[artifact_key(prefix, story.id)])))
            return max(found, key=lambda a: a.created)

        table = latest("presswatch-new-statements")
        markdown = latest("presswatch-summary")
    data = table.data if isinstance(table.data, list) else json.loads(table.data)
    assert [r["statement"] for r in data] == [s.text for s in statements[:SHOWN]]
    assert f"the first {SHOWN} of {N_STATEMENTS}: all are in the report" in table.description
    assert f"## New statements ({N_STATEMENTS})" in markdown.data
    assert f"The first {SHOWN}, oldest first; all of them are on the report's" in markdown.data
    assert markdown.data.count("**Niko Felix**") == SHOWN
