-- Count the attempt before sending, so a process that dies on every send still gives up:
-- no row comes back when the alert is no longer pending or has used all its attempts.
update alerts
set attempts = attempts + 1, last_attempt_at = $attempted_at
where alert_id = $alert_id and status = 'pending' and attempts < $max_attempts
returning attempts
