-- The days that this run added relevant articles to: the only days whose spike can be new.
select distinct cast(timezone('UTC', coalesce(published_at, first_seen_at)) as date) as day
from articles
where run_id = $run_id
  and is_relevant is not false
order by day
