-- The stories whose runs this warehouse holds, the first one first (one story per warehouse).
select story_id
from runs
group by story_id
order by min(started_at), story_id
