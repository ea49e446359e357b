-- Every statement is named by a quote (one no quote names is what an interrupted re-analysis
-- meant to remove; see reanalysis.finish_interrupted_removals).
select s.statement_id, s.speaker, s.first_seen_at
from checked_statements as s
where s.statement_id not in (select statement_id from quotes where statement_id is not null)
