-- The run's feeds and sitemaps that have now failed at least $min_runs runs in a row, and those
-- that work again in it after such a streak (recovered_after > 0), longest streak first.
select name, url, kind, failed_streak, recovered_after, reason
from source_run_health
where run_id = $run_id
    and (failed_streak >= $min_runs or recovered_after >= $min_runs)
order by failed_streak desc, recovered_after desc, name, url
