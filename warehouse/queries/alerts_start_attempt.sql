-- Count the attempt before sending, so a process that dies on every send still gives up.
update alerts
set attempts = attempts + 1, last_attempt_at = $attempted_at
where alert_id = $alert_id and status = 'pending'
returning attempts
