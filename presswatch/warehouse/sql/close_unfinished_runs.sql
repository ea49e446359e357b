-- Runs still marked running when a new run starts died on the way (killed, machine down): the
-- new run finishes their work from their staging folders, and says so here.
update runs set
    status = 'failed',
    message = coalesce(message || '; ', '')
        || 'ended before finishing; its work was completed by run ' || $1
where status = 'running' and run_id <> $1
