-- A failed attempt: keep the reason; after max_attempts the alert is failed and not retried.
update alerts
set
    last_error = $error,
    status = case when attempts >= $max_attempts then 'failed' else 'pending' end
where alert_id = $alert_id
returning status
