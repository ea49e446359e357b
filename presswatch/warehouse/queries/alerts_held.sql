-- Alerts held for a channel's daily or weekly digest, oldest first.
select
    alert_id, story_id, alert_key, statement_id, rule, channel, created_at, status, attempts,
    last_error, delivered_at, last_attempt_at, cast(payload as varchar) as payload
from alerts
where status = 'held' and channel = $channel and story_id = $story_id
order by created_at, alert_id
