-- When this channel's last daily or weekly digest was made (null: never).
select max(created_at)
from alerts
where channel = $channel and story_id = $story_id and rule in ('daily', 'weekly')
