-- Statements that re-analyses which never finished had replaced, merged, split or removed:
-- their last step, the removal of those no quote names any more, may not have run.
select distinct l.old_statement_id
from statement_lineage as l
inner join reanalyses as r on r.reanalysis_id = l.reanalysis_id
where r.finished_at is null and l.old_statement_id is not null
order by l.old_statement_id
