-- Each source's streak of failed runs as the runs before $run_id left it: the alert stage adds
-- this run's own result from the crawl (it is judged before the run's sources are loaded).
select url, failed_streak
from source_run_health
where run_id <> $run_id
    and started_at <= (select started_at from runs where run_id = $run_id)
qualify row_number() over (partition by source_id order by started_at desc, run_id desc) = 1
