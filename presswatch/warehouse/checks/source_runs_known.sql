-- Every source result names a run and a source that exist.
select sr.run_id, sr.source_id
from checked_source_runs as sr
where sr.run_id not in (select run_id from runs)
    or sr.source_id not in (select source_id from sources)
