-- Alerts still to deliver, oldest first.
select
    alert_id, story_id, alert_key, statement_id, rule, channel, created_at, status, attempts,
    last_error, delivered_at, last_attempt_at, cast(payload as varchar) as payload
from alerts
where status = 'pending'
order by created_at, alert_id
