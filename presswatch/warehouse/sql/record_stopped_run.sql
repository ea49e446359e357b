-- A run stopped by an error (presswatch exits 3) says so in its own row; what it staged stays
-- in its folder, and the next run finishes it.
update runs set
    status = 'failed',
    finished_at = coalesce(finished_at, now()),
    message = coalesce(message || '; ', '') || $2
where run_id = $1
