-- Runs have a known status and do not end before they start.
select run_id, status, started_at, finished_at
from checked_runs
where status not in ('running', 'ok', 'partial', 'failed')
    or finished_at < started_at
