"""The re-analysis writes of the warehouse: a refounded statement holds the new analysis alone,
statements no quote names go (and those still named stay), and a run landing meanwhile is never
written over."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from presswatch.warehouse.batch import LoadBatch
from presswatch.warehouse.reanalysis import (
    LineageRow,
    ReanalysisConflict,
    ReanalysisRow,
    finish_interrupted_removals,
    guard,
    read_stored_analysis,
    remove_statements,
    require_unchanged,
)
from presswatch.warehouse.staged import read_staged, stage_batch, write_staged
from presswatch.warehouse.store import open_warehouse


def _statements(db_path) -> list[tuple]:
    with open_warehouse(db_path, read_only=True) as warehouse:
        return warehouse.connection.execute(
            "select statement_id, speaker_role, first_seen_at, n_articles from statements "
            "order by statement_id").fetchall()


@pytest.mark.parametrize("refounded", [True, False])
def test_a_refounded_statement_is_the_new_analysis_alone(db_path, corpus, refounded):
    batch = corpus.run_batch("run-1", 2)
    (statement,) = batch.statements
    with open_warehouse(db_path) as warehouse:
        warehouse.load_batch(batch)
    later = replace(statement, speaker_role=None, first_seen_at=corpus.T0 + timedelta(days=1))
    again = LoadBatch(analysed=batch.analysed, entities=batch.entities, quotes=batch.quotes,
                      statements=[later],
                      refounded_statements=[statement.statement_id] if refounded else [])
    with open_warehouse(db_path) as warehouse:
        warehouse.load_batch(again)
    ((_, role, first_seen_at, n_articles),) = _statements(db_path)
    if refounded:  # as the new analysis has it
        assert (role, first_seen_at) == (None, later.first_seen_at)
    else:  # a daily run's load keeps the earliest appearance and the known role
        assert (role, first_seen_at) == (statement.speaker_role, statement.first_seen_at)
    assert n_articles == 2


def test_only_statements_no_quote_names_are_removed(db_path, corpus):
    batch = corpus.run_batch("run-1", 1)
    (quoted,) = batch.statements
    unquoted = replace(quoted, statement_id="unquoted", text="something else")
    batch.statements.append(unquoted)
    with open_warehouse(db_path) as warehouse:
        warehouse.load_batch(batch)
        remove_statements(warehouse, [quoted.statement_id, unquoted.statement_id])
        stored = read_stored_analysis(warehouse)
    assert set(stored.statements) == {quoted.statement_id}
    assert [len(run) for run in stored.runs] == [1]


def test_a_run_landing_meanwhile_stops_the_reanalysis(db_path, corpus):
    with open_warehouse(db_path) as warehouse:
        warehouse.load_batch(corpus.run_batch("run-1", 1))
        read = guard(warehouse)
        require_unchanged(warehouse, read)  # nobody wrote: no error
        warehouse.load_batch(corpus.run_batch("run-2", 1, prefix="https://other.example/"))
        with pytest.raises(ReanalysisConflict, match="reanalyse` again"):
            require_unchanged(warehouse, read)


def test_a_reanalysis_changes_what_staged_runs_were_analysed_against(db_path, corpus):
    """A held run's staged statements are loaded only if nobody re-keyed them meanwhile."""
    with open_warehouse(db_path) as warehouse:
        warehouse.load_batch(corpus.run_batch("run-1", 1))
        basis = warehouse.fingerprint()
        row = ReanalysisRow("reanalysis-1", "sora-leak", corpus.T0, corpus.T0, n_articles=1,
                            n_texts_changed=0, n_quotes_added=0, n_quotes_removed=0,
                            n_quotes_reattributed=0, n_statements_added=0,
                            n_statements_removed=0, n_statements_kept=1)
        warehouse.load_batch(LoadBatch(extra={"reanalyses": [row]}))
        assert basis is not None and warehouse.fingerprint() != basis


def test_a_batch_staged_before_the_reanalysis_parts_existed_still_loads(db_path, corpus,
                                                                        tmp_path):
    staged = write_staged(tmp_path / "batch", stage_batch(corpus.run_batch("run-1", 2)))
    for part in ("refounded_statements", "updated_articles", "analysed"):
        (staged / f"{part}.arrow").unlink()  # as an older version wrote it (analysed empty)
    with open_warehouse(db_path) as warehouse:
        summary = warehouse.load_staged("run-1", [read_staged(staged)],
                                        lambda total: stage_batch(LoadBatch()))
    assert summary.articles_added == 2 and len(_statements(db_path)) == 1


def test_an_interrupted_reanalysis_is_finished_by_the_next_run_and_caught_until_then(
        db_path, corpus):
    """Killed after its batches, before its last step: the statements it took apart stay
    behind, named by no quote. `presswatch check` fails on them; the next run removes them."""
    batch = corpus.run_batch("run-1", 1)
    (quoted,) = batch.statements
    orphan = replace(quoted, statement_id="orphan", text="what the old analysis had")
    batch.statements.append(orphan)
    row = ReanalysisRow("reanalysis-1", "story", corpus.T0, None, 1, 0, 0, 0, 0, 0, 1, 1)
    lineage = [LineageRow("l1", "reanalysis-1", "orphan", None, "removed", 1),
               LineageRow("l2", "reanalysis-1", quoted.statement_id, quoted.statement_id,
                          "merged", 1)]
    batch.extra.update({"reanalyses": [row], "statement_lineage": lineage})
    with open_warehouse(db_path) as warehouse:
        warehouse.load_batch(batch)
        failures = {f.name: f for f in warehouse.run_checks()}
        assert failures["statements_named_by_a_quote"].rows[0][0] == "orphan"
        assert finish_interrupted_removals(warehouse) == 1
        assert finish_interrupted_removals(warehouse) == 0  # idempotent
        assert warehouse.run_checks() == []
    assert [s[0] for s in _statements(db_path)] == [quoted.statement_id]
