-- Has this story finished a run before this one? If not, this run sets the alert baseline.
select count(*) > 0 as has_previous_run
from runs
where story_id = $story_id
  and run_id <> $run_id
  and status in ('ok', 'partial')
