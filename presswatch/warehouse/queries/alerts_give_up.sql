-- A pending alert whose attempts are used up (the last ones never finished: the process died
-- while sending) is failed without another send.
update alerts
set
    status = 'failed',
    last_error = coalesce(last_error, 'the last attempt did not finish (the process died)')
where alert_id = $alert_id and status = 'pending' and attempts >= $max_attempts
returning attempts
