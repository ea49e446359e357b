update alerts
set status = 'delivered', delivered_at = $delivered_at, last_error = null
where alert_id = $alert_id
