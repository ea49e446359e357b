-- Queue alerts as pending (or held for a digest), once per alert id: a re-queued alert
-- (delivered or not) is left as is.
insert into alerts (
    alert_id, story_id, alert_key, statement_id, rule, channel, created_at, status, attempts,
    payload
)
select
    unnest($alert_ids),
    $story_id,
    unnest($alert_keys),
    unnest($statement_ids),
    unnest($rules),
    unnest($channels),
    $created_at,
    unnest($statuses),
    0,
    cast(unnest($payloads) as json)
on conflict (alert_id) do nothing
