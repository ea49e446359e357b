-- Every alert and its delivery state, optionally only those created since a time.
select
    alert_id, story_id, alert_key, statement_id, rule, channel, created_at, status, attempts,
    last_error, delivered_at, last_attempt_at, cast(payload as varchar) as payload
from alerts
where $since is null or created_at >= $since
order by created_at, alert_key, channel
